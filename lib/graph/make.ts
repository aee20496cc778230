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
import type { Graph } from "./model.ts";
import { basename } from "../path.ts";

/** Options of `makeRules` and `toMake`. */
export interface MakeOptions extends PathFilterOptions {
  /** Basenames of the programs that only run others (default `DEFAULT_DRIVERS`). */
  drivers?: readonly string[];
}

/** Shells, make programs and launchers: programs that run build steps rather than being one. */
export const DEFAULT_DRIVERS: readonly string[] = [
  "make",
  "gmake",
  "bmake",
  "pmake",
  "remake",
  "ninja",
  "samu",
  "sh",
  "bash",
  "dash",
  "zsh",
  "ksh",
  "mksh",
  "ash",
  "csh",
  "tcsh",
  "env",
  "nice",
  "nohup",
  "time",
  "timeout",
  "stdbuf",
  "xargs",
];

/** The process whose reads an output is attributed to. */
export interface Job {
  /** The process id. */
  readonly process: number;
  /** true: the process and its descendants; false: the process alone. */
  readonly subtree: boolean;
}

/** One rule: a target and its prerequisites, as paths shown (relative to `root`), not escaped. */
export interface MakeRule {
  /** The output. */
  readonly target: string;
  /** Its inputs, in the order first read. */
  readonly prerequisites: readonly string[];
}

/**
 * The job a process belongs to: the top-most process, on the chain from the
 * process up to (not including) its root, whose program is not a driver
 * (a shell, make, or launcher; see `DEFAULT_DRIVERS`), taken with its
 * descendants. With no such process (the process is a driver under drivers
 * only, or is a root), the job is the process alone.
 *
 * So under `make → sh → gcc → as`, `as` belongs to `gcc` and its subtree
 * (`cc1`, `as`, `collect2`, `ld`); under `make → sh → make → sh → cc`, to
 * `cc`; a `python` generator run by make is one job with everything it runs.
 * A process forked without an exec (a subshell) keeps its parent's program.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { jobOf } from "./make.ts";
 * const b = new GraphBuilder();
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/make" });
 * b.add({ op: "fork", pid: 1, child: 2 });
 * b.add({ op: "exec", pid: 2, path: "/usr/bin/gcc" });
 * b.add({ op: "fork", pid: 2, child: 3 });
 * b.add({ op: "exec", pid: 3, path: "/usr/bin/as" });
 * // Process ids: make 0, gcc 1, as 2.
 * const job = jobOf(b.finish(), 2);
 * assert(job.process === 1 && job.subtree);
 * ```
 */
export function jobOf(
  graph: Graph,
  process: number,
  drivers: readonly string[] = DEFAULT_DRIVERS,
): Job {
  return jobFinder(graph, new Set(drivers))(process);
}

function jobFinder(
  graph: Graph,
  drivers: ReadonlySet<string>,
): (process: number) => Job {
  const isDriver = (id: number): boolean => {
    const program = graph.processes[id].program;
    return program !== undefined && drivers.has(basename(program));
  };
  return (process: number): Job => {
    let top: number | undefined;
    for (let q = process;;) {
      const parent = graph.processes[q].parent;
      if (parent === undefined) break;
      if (!isDriver(q)) top = q;
      q = parent;
    }
    return top === undefined
      ? { process, subtree: false }
      : { process: top, subtree: true };
  };
}

/**
 * The dependency rules of a trace: one per output of the whole trace
 * (content produced and still there at the end, directories excepted),
 * sorted by target, each with its prerequisites in the order first read.
 *
 * An output's prerequisites are the inputs of the job (see `jobOf`) of each
 * process that produced it, where an input that no longer exists at the end
 * (a temporary made by another job, such as the `/tmp` file `as` reads when
 * `cc1` ran as a separate job) is replaced, recursively, by the inputs of
 * the jobs that produced it, and an input deleted without being produced is
 * dropped. Files a job wrote before reading them are not its inputs, so
 * `gcc`'s own `/tmp/*.s` never shows. A rename or hard link carries the
 * producers along: after `cc -o x.tmp && mv x.tmp x`, `x` gets `cc`'s inputs.
 * The target itself and directories are never prerequisites, and both
 * targets and prerequisites go through the path filter.
 *
 * Data that flows through pipes between different jobs is not seen: in
 * `cpp x.c | sed … > y` under a shell, `y` gets only `sed`'s inputs.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { makeRules } from "./make.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "open", pid: 1, path: "x.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "x.o", mode: "w" });
 * const rules = makeRules(b.finish(), { root: "/w" });
 * assert(rules[0].target === "x.o" && rules[0].prerequisites.join() === "x.c");
 * ```
 */
export function makeRules(graph: Graph, options: MakeOptions = {}): MakeRule[] {
  const keep = makePathFilter(options);
  const job = jobFinder(graph, new Set(options.drivers ?? DEFAULT_DRIVERS));
  const jobKey = (process: number): number => {
    const j = job(process);
    return j.process * 2 + (j.subtree ? 1 : 0);
  };
  // Expanded inputs per job key; null while being computed (a cycle stops there).
  const expanded = new Map<number, Set<number> | null>();
  const expand = (key: number): ReadonlySet<number> => {
    const known = expanded.get(key);
    if (known !== undefined) return known ?? new Set();
    expanded.set(key, null);
    const process = Math.floor(key / 2);
    const ids = key % 2 === 1 ? graph.descendants(process) : [process];
    const out = new Set<number>();
    for (const f of graph.summarizeIds(ids).inputs) {
      const node = graph.files[f];
      if (node.exists) {
        out.add(f);
        continue;
      }
      for (const p of [...node.producers, ...node.formerProducers]) {
        for (const g of expand(jobKey(p))) out.add(g);
      }
    }
    expanded.set(key, out);
    return out;
  };
  const rules: MakeRule[] = [];
  for (const out of graph.files) {
    if (!out.exists || out.producers.length === 0) continue;
    if (out.directory || !keep(out.path)) continue;
    const f = out.id;
    const inputs = new Set<number>();
    for (const p of out.producers) {
      for (const g of expand(jobKey(p))) inputs.add(g);
    }
    inputs.delete(f);
    const prerequisites = [...inputs]
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
 * Escapes a path for a make rule the way `gcc -MD` does: a space or tab
 * gets a backslash (and the backslashes before it are doubled), `#`
 * becomes `\#`, `$` becomes `$$`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeMake } from "./make.ts";
 * assertEquals(escapeMake("my file#1$x.c"), "my\\ file\\#1$$x.c");
 * ```
 */
export function escapeMake(path: string): string {
  if (!/[ \t#$]/.test(path)) return path;
  let out = "";
  let backslashes = 0;
  for (const c of path) {
    if (c === " " || c === "\t") out += "\\".repeat(backslashes) + "\\";
    else if (c === "#") out += "\\";
    else if (c === "$") out += "$";
    out += c;
    backslashes = c === "\\" ? backslashes + 1 : 0;
  }
  return out;
}

/**
 * The rules of `makeRules` as make text, one line per output:
 * `target: prerequisite prerequisite …`, escaped with `escapeMake`.
 * Encode the text with `encodePath` (lib/path.ts) to get a path's exact bytes.
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
  let text = "";
  for (const rule of makeRules(graph, options)) {
    text += escapeMake(rule.target) + ":";
    for (const p of rule.prerequisites) text += " " + escapeMake(p);
    text += "\n";
  }
  return text;
}
