/**
 * Make dependency rules, like `gcc -MD` writes: `output: input input …`.
 *
 * @module
 */

import {
  displayPath,
  makePathFilter,
  type PathFilterOptions,
} from "./filter.ts";
import { DEFAULT_SCHEDULERS, jobRoots } from "./job.ts";
import type { Graph } from "./model.ts";
import { printable } from "./view.ts";

/** Options of `makeRules` and `toMake`. */
export interface MakeOptions extends PathFilterOptions {
  /** Basenames of the programs that start one job per step (default `DEFAULT_SCHEDULERS`, see job.ts). */
  schedulers?: readonly string[];
}

/** One rule: a target and its prerequisites, as paths shown (relative to `root`), not escaped. */
export interface MakeRule {
  /** The output. */
  readonly target: string;
  /** Its inputs, in the order first read. */
  readonly prerequisites: readonly string[];
}

/**
 * The dependency rules of a trace: one per output of the whole trace
 * (content produced and still there at the end, directories excepted),
 * sorted by target, each with its prerequisites in the order first read.
 *
 * An output's prerequisites are the inputs of the job (see `jobRoots`) of
 * each process that produced it: every file a process of the job read or
 * ran, wherever in the job and whenever — before or after the write — except
 * the files the job wrote before reading them (its temporaries, such as
 * gcc's `/tmp/*.s`). So `sed … in.h.in > out.h` in a make rule gives
 * `out.h: in.h.in`, though the shell opened `out.h` before `sed` started. An
 * input that no longer exists at the end (a temporary made by another job,
 * such as a `/tmp` file one recipe line writes and the next reads) is
 * replaced, transitively, by the inputs of the jobs that produced it, and an
 * input deleted without being produced is dropped. A rename or hard link
 * carries the producers along: after `cc -o x.tmp && mv x.tmp x`, `x` gets
 * `cc`'s inputs. The target itself and directories are never
 * prerequisites, and both targets and prerequisites go through the path
 * filter.
 *
 * A trace with no scheduler in it (no make, ninja, xargs...) is one job:
 * every output gets every input of the trace.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { makeRules } from "./make.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/make" });
 * b.add({ op: "fork", pid: 1, child: 2 });
 * b.add({ op: "exec", pid: 2, path: "/bin/sh" });
 * // The shell opens the redirection's file, then runs sed, which reads.
 * b.add({ op: "open", pid: 2, path: "out.h", mode: "w" });
 * b.add({ op: "fork", pid: 2, child: 3 });
 * b.add({ op: "exec", pid: 3, path: "/bin/sed" });
 * b.add({ op: "open", pid: 3, path: "in.h.in", mode: "r" });
 * const rules = makeRules(b.finish(), { root: "/w" });
 * assertEquals(rules, [{ target: "out.h", prerequisites: ["in.h.in"] }]);
 * ```
 */
export function makeRules(graph: Graph, options: MakeOptions = {}): MakeRule[] {
  const keep = makePathFilter(options);
  const job = jobRoots(graph, options.schedulers ?? DEFAULT_SCHEDULERS);
  const inputs = jobInputs(graph, job);
  const rules: MakeRule[] = [];
  for (const out of graph.files) {
    if (!out.exists || out.producers.length === 0) continue;
    if (out.directory || !keep(out.path)) continue;
    const f = out.id;
    const all = new Set<number>();
    for (const root of new Set(out.producers.map((p) => job[p]))) {
      for (const g of inputs(root)) all.add(g);
    }
    all.delete(f);
    const prerequisites = [...all]
      .map((g) => graph.files[g])
      .filter((node) => !node.directory && keep(node.path))
      .map((node) => displayPath(node.path, options.root));
    rules.push({ target: displayPath(out.path, options.root), prerequisites });
  }
  return rules.sort((a, b) =>
    a.target < b.target ? -1 : a.target > b.target ? 1 : 0
  );
}

/**
 * The expanded inputs of each job (by its root's id), computed on demand
 * and kept: the job's inputs that exist at the end, plus, for each input
 * gone at the end, the expanded inputs of the jobs that produced it. An
 * explicit stack, not recursion, so a chain of any length of temporaries
 * passed from job to job cannot overflow; a cycle stops where it closes.
 */
function jobInputs(
  graph: Graph,
  job: Int32Array,
): (root: number) => ReadonlySet<number> {
  const done = new Map<number, Set<number>>();
  const active = new Set<number>();
  interface Frame {
    root: number;
    out: Set<number>;
    /** Job roots whose expanded inputs are to be added. */
    deps: number[];
    next: number;
  }
  const open = (root: number): Frame => {
    active.add(root);
    const out = new Set<number>();
    const deps: number[] = [];
    for (const f of graph.summarizeIds(graph.descendants(root)).inputs) {
      const node = graph.files[f];
      if (node.exists) out.add(f);
      else {
        for (const p of node.producers) deps.push(job[p]);
        for (const p of node.formerProducers) deps.push(job[p]);
      }
    }
    return { root, out, deps: [...new Set(deps)], next: 0 };
  };
  return (root: number): ReadonlySet<number> => {
    const known = done.get(root);
    if (known !== undefined) return known;
    const stack = [open(root)];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.deps.length) {
        const dep = top.deps[top.next++];
        const d = done.get(dep);
        if (d !== undefined) { for (const g of d) top.out.add(g); }
        else if (!active.has(dep)) stack.push(open(dep));
        continue;
      }
      stack.pop();
      active.delete(top.root);
      done.set(top.root, top.out);
      const parent = stack[stack.length - 1];
      if (parent !== undefined) { for (const g of top.out) parent.out.add(g); }
    }
    return done.get(root)!;
  };
}

/** The variable `toMake` defines when a name has `=`, which make cannot take escaped. */
export const EQUALS_VARIABLE = "FILEMON_EQUALS";

/**
 * Whether GNU make reads `name` (as written in a rule, after `escapeMake`)
 * as something other than a file name, whatever the escaping: a newline
 * ends the rule; `;` starts a recipe (a backslash does not quote it, and a
 * variable holding it is expanded before the split); `a(b)` names member
 * `b` of archive `a`; a leading `~` is a home directory.
 */
function unnamable(name: string): boolean {
  if (/[\n;]/.test(name) || name.startsWith("~")) return true;
  const open = name.indexOf("(");
  return open > 0 && name.endsWith(")") && name.length - 1 > open + 1;
}

/**
 * Escapes a path for GNU make, as a prerequisite or, with `target`, as a
 * rule's target; `undefined` when make cannot name it (see below). Checked
 * against GNU make 4.3 (`make -n`/`make -p` read the escaped names back as
 * the original ones):
 *
 * - space, tab, `#`, `:`, and the glob characters `*`, `?`, `[` get a
 *   backslash, and so does `|` in a prerequisite (where it starts the
 *   order-only ones) and `%` in a target (where it makes a pattern rule);
 *   the backslashes just before such a character are doubled;
 * - `$` becomes `$$`; `=` becomes `$(FILEMON_EQUALS)` (`toMake` defines it;
 *   escaped or not, a rule line with `=` is a variable assignment);
 * - a name ending in backslashes: in a target, they are doubled (before the
 *   `:`); in a prerequisite, `$()` follows them, so they do not join the
 *   next line.
 *
 * Make cannot name a path with a newline or `;`, one shaped like an archive
 * member `lib(member)` (`(` inside, `)` last), or one starting with `~`; nor
 * a target with a tab (make reads it as a space) or a backslash before a
 * `%`.
 *
 * With the escaped glob characters, make finds the named file when it
 * exists, and only it; when it does not, make keeps the backslashes in the
 * name (GNU make's rule for a pattern that matches nothing).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeMake } from "./make.ts";
 * assertEquals(escapeMake("my file#1$x.c"), "my\\ file\\#1$$x.c");
 * assertEquals(escapeMake("c:d%e=f"), "c\\:d%e$(FILEMON_EQUALS)f");
 * assertEquals(escapeMake("c:d%e", true), "c\\:d\\%e");
 * assertEquals(escapeMake("a\nb"), undefined);
 * ```
 */
export function escapeMake(path: string, target = false): string | undefined {
  if (unnamable(path)) return undefined;
  // In a target, make reads an escaped tab as a space.
  if (target && (path.includes("\\%") || path.includes("\t"))) {
    return undefined;
  }
  if (!/[ \t#$:*?[|%=\\]/.test(path)) return path;
  let out = "";
  let backslashes = 0;
  for (const c of path) {
    if (
      c === " " || c === "\t" || c === "#" || c === ":" || c === "*" ||
      c === "?" || c === "[" || (c === "|" && !target) ||
      (c === "%" && target)
    ) {
      out += "\\".repeat(backslashes) + "\\" + c;
    } else if (c === "$") out += "$$";
    else if (c === "=") out += `$(${EQUALS_VARIABLE})`;
    else out += c;
    backslashes = c === "\\" ? backslashes + 1 : 0;
  }
  if (backslashes > 0) out += target ? "\\".repeat(backslashes) : "$()";
  return out;
}

/** Make text, and the paths make cannot name. */
export interface MakeText {
  /** The rules (see `toMake`). */
  readonly text: string;
  /** The paths left out of the rules, because make cannot name them (see `escapeMake`). */
  readonly leftOut: readonly string[];
}

/**
 * `toMake`, and the paths it left out.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { makeText } from "./make.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "open", pid: 1, path: "a\nb.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "a.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "x.o", mode: "w" });
 * const m = makeText(b.finish(), { root: "/w" });
 * assertEquals(m.leftOut, ["a\nb.c"]);
 * assertEquals(
 *   m.text,
 *   '# filemon: left out of the next rule (make cannot name it): "a\\nb.c"\n' +
 *     "x.o: a.c\n",
 * );
 * ```
 */
export function makeText(graph: Graph, options: MakeOptions = {}): MakeText {
  let text = "";
  const leftOut = new Set<string>();
  let equals = false;
  const note = (what: string, name: string) => {
    leftOut.add(name);
    text += `# filemon: left out ${what} (make cannot name it): "${
      printable(name)
    }"\n`;
  };
  for (const rule of makeRules(graph, options)) {
    const target = escapeMake(rule.target, true);
    if (target === undefined) {
      note("a rule, for its target", rule.target);
      continue;
    }
    let line = target + ":";
    for (const p of rule.prerequisites) {
      const name = escapeMake(p);
      if (name === undefined) note("of the next rule", p);
      else line += " " + name;
    }
    if (line.includes(`$(${EQUALS_VARIABLE})`)) equals = true;
    text += line + "\n";
  }
  if (equals) text = `${EQUALS_VARIABLE} := =\n` + text;
  return { text, leftOut: [...leftOut] };
}

/**
 * The rules of `makeRules` as make text, one line per output:
 * `target: prerequisite prerequisite …`, escaped with `escapeMake`. A path
 * make cannot name is left out, with a comment line (`# filemon: left out
 * …`) saying which; when a name has `=`, the first line defines
 * `FILEMON_EQUALS`. Encode the text with `encodePath` (lib/path.ts) to get
 * a path's exact bytes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { toMake } from "./make.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "open", pid: 1, path: "my src.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "out$.o", mode: "w" });
 * assertEquals(toMake(b.finish(), { root: "/w" }), "out$$.o: my\\ src.c\n");
 * ```
 */
export function toMake(graph: Graph, options: MakeOptions = {}): string {
  return makeText(graph, options).text;
}
