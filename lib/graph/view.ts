/**
 * A drawable view of a graph: the nodes and edges the Graphviz and Mermaid
 * writers draw, with system files collapsed and wide fan-ins grouped so a
 * real build stays readable.
 *
 * @module
 */

import { EDGE_BIT, type EdgeKind, edgeKinds } from "./edge.ts";
import {
  displayPath,
  isUnder,
  makePathFilter,
  type PathFilterOptions,
  systemDir,
} from "./filter.ts";
import type { FileNode, Graph } from "./model.ts";
import { basename, dirname } from "../path.ts";

/** Options of `buildView`, `toDot` and `toMermaid`. */
export interface ViewOptions extends PathFilterOptions {
  /**
   * When one process has more than this many edges of one kind to files of
   * one directory, they become one edge to a node "dir/ (N files)"
   * (default 20).
   */
  fanIn?: number;
  /** Draw `probe` and `missing` edges (default false). */
  probes?: boolean;
  /** Draw parent → child edges between processes (default true). */
  tree?: boolean;
  /** Draw temporaries that were deleted (default false: only renamed ones). */
  temporaries?: boolean;
}

/**
 * A node: a process; a file; a group of files of one directory; or, unless
 * `system`, all the files under one of `SYSTEM_DIRS` (label `/usr/**`).
 */
export interface ViewNode {
  /** A short identifier, safe in both Graphviz and Mermaid: `p3`, `f12`, `g0`, `s1`. */
  readonly id: string;
  /** What the node stands for. */
  readonly kind: "process" | "file" | "group" | "system";
  /** Program basename and pid, a path as shown (relative to `root`), or a group's name; printable. */
  readonly label: string;
  /**
   * Files only: `output` (produced, there at the end), `temporary` (produced,
   * gone at the end), `missing` (gone at the end, never produced), `plain`.
   */
  readonly role?: "output" | "temporary" | "missing" | "plain";
}

/** An edge, pointing the way data flows: file → process for reads, process → file for writes. */
export interface ViewEdge {
  /** Id of the node the edge starts from. */
  readonly from: string;
  /** Id of the node the edge points to. */
  readonly to: string;
  /** An edge kind; `moved` (old name → new name of a rename or link); `child` (parent → child process). */
  readonly kind: EdgeKind | "moved" | "child";
}

/** The nodes and edges to draw. */
export interface View {
  /** Processes, then files, groups and system directories. */
  readonly nodes: readonly ViewNode[];
  /** Parent → child edges, then the others. */
  readonly edges: readonly ViewEdge[];
}

/** Edge kinds that take data into the process. */
const INWARD = EDGE_BIT.read | EDGE_BIT.exec | EDGE_BIT.probe |
  EDGE_BIT.missing;
const DRAWN = EDGE_BIT.read | EDGE_BIT.write | EDGE_BIT.exec | EDGE_BIT.delete |
  EDGE_BIT.rename | EDGE_BIT.link;
const LOOKUPS = EDGE_BIT.probe | EDGE_BIT.missing;

/**
 * Makes a path printable on one line: escaped bytes (U+DC80..U+DCFF, see
 * lib/path.ts) become `\xNN`, control characters `\n`, `\t` or `\xNN`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { printable } from "./view.ts";
 * assertEquals(printable("a\udcffb\n"), "a\\xffb\\n");
 * ```
 */
export function printable(text: string): string {
  // deno-lint-ignore no-control-regex
  if (text.isWellFormed() && !/[\x00-\x1f\x7f]/.test(text)) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) out += "\\x" + (c - 0xdc00).toString(16);
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c === 0x7f) {
      out += "\\x" + c.toString(16).padStart(2, "0");
    } else if (
      c >= 0xd800 && c <= 0xdfff && !text.slice(i, i + 2).isWellFormed()
    ) {
      out += "\\u" + c.toString(16);
    } else out += text[i];
  }
  return out;
}

function roleOf(f: FileNode): "output" | "temporary" | "missing" | "plain" {
  if (f.exists) return f.producers.length > 0 ? "output" : "plain";
  if (f.producers.length > 0 || f.formerProducers.length > 0) {
    return "temporary";
  }
  return "missing";
}

/** Per-file drawing decision of `ViewPlan` (0: not decided yet). */
const DROPPED = 1;
const AS_FILE = 2;
const AS_SYSTEM = 3;

/**
 * The plan of a view, made by one pass over the graph that keeps only a
 * few bytes per file and process; `nodes()` and `edges()` then generate the
 * view a node and an edge at a time, so a writer can stream a graph of
 * millions of edges without holding them.
 */
class ViewPlan {
  readonly #graph: Graph;
  readonly #options: ViewOptions;
  readonly #fanIn: number;
  readonly #drawn: number;
  readonly #keep: (path: string) => boolean;
  readonly #keepSystem: (path: string) => boolean;
  readonly #moved: Uint8Array;
  /** Per file: 0, DROPPED, AS_FILE or AS_SYSTEM. */
  readonly #target: Uint8Array;
  /** Per file drawn AS_SYSTEM: index in `#systems`. */
  readonly #system: Int32Array;
  readonly #systems: string[] = [];
  readonly #systemIndex = new Map<string, number>();
  /** Per file: drawn as its own node. */
  readonly #fileShown: Uint8Array;
  /** Per file: index in `#groups` of the first group it is in, or -1. */
  readonly #fileGroup: Int32Array;
  readonly #groups: { dir: string; files: Set<number> }[] = [];
  readonly #groupIndex = new Map<string, number>();
  /** Per process: 1 when drawn. */
  readonly #shown: Uint8Array;

  constructor(graph: Graph, options: ViewOptions) {
    this.#graph = graph;
    this.#options = options;
    this.#fanIn = options.fanIn ?? 20;
    this.#drawn = options.probes ? DRAWN | LOOKUPS : DRAWN;
    this.#keep = makePathFilter({ ...options, system: true });
    this.#keepSystem = makePathFilter({
      exclude: options.exclude,
      system: true,
    });
    const nFiles = graph.files.length;
    this.#moved = new Uint8Array(nFiles);
    for (const m of graph.moves) this.#moved[m.from] = 1;
    this.#target = new Uint8Array(nFiles);
    this.#system = new Int32Array(nFiles);
    this.#fileShown = new Uint8Array(nFiles);
    this.#fileGroup = new Int32Array(nFiles).fill(-1);
    this.#shown = new Uint8Array(graph.processes.length);
    // Pass one: which files, groups, system directories and processes.
    for (const p of graph.processes) {
      this.#walkProcess(p.id, (_kind, file) => {
        this.#fileShown[file] = 1;
      }, (_kind, dir, files) => {
        this.#group(dir, files);
      }, () => {});
    }
    for (const m of graph.moves) {
      for (const id of [m.from, m.to]) {
        const t = this.#targetOf(id);
        if (t === AS_FILE && this.#fileGroup[id] === -1) {
          this.#fileShown[id] = 1;
        }
      }
    }
    if (options.tree ?? true) {
      const processes = graph.processes;
      for (let id = 0; id < this.#shown.length; id++) {
        if (this.#shown[id] !== 2) continue;
        for (
          let q = processes[id].parent;
          q !== undefined && this.#shown[q] === 0;
          q = processes[q].parent
        ) {
          this.#shown[q] = 1;
        }
      }
    }
  }

  /** How file `id` is drawn: DROPPED, AS_FILE or AS_SYSTEM. */
  #targetOf(id: number): number {
    const known = this.#target[id];
    if (known !== 0) return known;
    const f = this.#graph.files[id];
    const options = this.#options;
    const root = options.root;
    const path = f.path;
    const sys = !path.startsWith("/") ||
        (root !== undefined && isUnder(root, path))
      ? undefined
      : systemDir(path);
    let t: number;
    if (sys !== undefined) {
      // System files: dropped, or with `system` one node per directory.
      if (options.system && this.#keepSystem(path)) {
        t = AS_SYSTEM;
        this.#system[id] = this.#systemNode(sys);
      } else t = DROPPED;
    } else if (f.directory) {
      t = DROPPED; // listing a directory is not a dependency worth a node
    } else if (
      !options.temporaries && roleOf(f) === "temporary" && !this.#moved[id]
    ) {
      t = DROPPED; // created then deleted (a renamed one stays: it carries content)
    } else t = this.#keep(path) ? AS_FILE : DROPPED;
    this.#target[id] = t;
    return t;
  }

  #systemNode(dir: string): number {
    let i = this.#systemIndex.get(dir);
    if (i === undefined) {
      i = this.#systems.length;
      this.#systems.push(dir);
      this.#systemIndex.set(dir, i);
    }
    return i;
  }

  #group(dir: string, files: readonly number[]): number {
    let i = this.#groupIndex.get(dir);
    if (i === undefined) {
      i = this.#groups.length;
      this.#groups.push({ dir, files: new Set() });
      this.#groupIndex.set(dir, i);
    }
    const g = this.#groups[i];
    for (const f of files) {
      g.files.add(f);
      if (this.#fileGroup[f] === -1) this.#fileGroup[f] = i;
    }
    return i;
  }

  /**
   * Calls back for each drawn edge of process `id`, in the order they are
   * drawn: to a file, to a group (more than `fanIn` files of one directory
   * by one kind), to a system directory. Marks the process as drawn.
   */
  #walkProcess(
    id: number,
    toFile: (kind: EdgeKind, file: number) => void,
    toGroup: (kind: EdgeKind, dir: string, files: readonly number[]) => void,
    toSystem: (kind: EdgeKind, system: number) => void,
  ): void {
    const graph = this.#graph;
    const buckets = new Map<string, number[]>();
    let systems: Set<string> | undefined;
    for (const [file, access] of graph.processes[id].files) {
      const mask = access.kinds & this.#drawn;
      if (mask === 0) continue;
      const t = this.#targetOf(file);
      if (t === DROPPED) continue;
      for (const kind of edgeKinds(mask)) {
        if (t === AS_SYSTEM) {
          const key = `${kind} ${this.#system[file]}`;
          systems ??= new Set();
          if (systems.has(key)) continue;
          systems.add(key);
          toSystem(kind, this.#system[file]);
          continue;
        }
        const key = `${kind} ${dirname(graph.files[file].path)}`;
        const bucket = buckets.get(key);
        if (bucket === undefined) buckets.set(key, [file]);
        else bucket.push(file);
      }
      this.#shown[id] = 2;
    }
    for (const [key, files] of buckets) {
      const space = key.indexOf(" ");
      const kind = key.slice(0, space) as EdgeKind;
      if (files.length > this.#fanIn) {
        toGroup(kind, key.slice(space + 1), files);
      } else for (const file of files) toFile(kind, file);
    }
  }

  /** Processes, then files, groups and system directories. */
  *nodes(): Generator<ViewNode> {
    const graph = this.#graph;
    const root = this.#options.root;
    for (const p of graph.processes) {
      if (this.#shown[p.id] === 0) continue;
      const name = p.program === undefined ? "?" : basename(p.program);
      yield {
        id: `p${p.id}`,
        kind: "process",
        label: printable(`${name} ${p.pid}`),
      };
    }
    for (let id = 0; id < this.#fileShown.length; id++) {
      if (this.#fileShown[id] === 0) continue;
      const f = graph.files[id];
      yield {
        id: `f${id}`,
        kind: "file",
        label: printable(displayPath(f.path, root)),
        role: roleOf(f),
      };
    }
    for (let i = 0; i < this.#groups.length; i++) {
      const g = this.#groups[i];
      let name = displayPath(g.dir, root);
      if (!name.endsWith("/")) name += "/";
      yield {
        id: `g${i}`,
        kind: "group",
        label: printable(`${name} (${g.files.size} files)`),
      };
    }
    for (let i = 0; i < this.#systems.length; i++) {
      yield {
        id: `s${i}`,
        kind: "system",
        label: printable(this.#systems[i] + "/**"),
      };
    }
  }

  /** Parent → child edges, then each process's edges, then old name → new name. */
  *edges(): Generator<ViewEdge> {
    const graph = this.#graph;
    if (this.#options.tree ?? true) {
      for (const p of graph.processes) {
        if (
          this.#shown[p.id] !== 0 && p.parent !== undefined &&
          this.#shown[p.parent] !== 0
        ) {
          yield { from: `p${p.parent}`, to: `p${p.id}`, kind: "child" };
        }
      }
    }
    const batch: ViewEdge[] = [];
    const link = (process: string, node: string, kind: EdgeKind) => {
      batch.push(
        EDGE_BIT[kind] & INWARD
          ? { from: node, to: process, kind }
          : { from: process, to: node, kind },
      );
    };
    for (const p of graph.processes) {
      const pid = `p${p.id}`;
      this.#walkProcess(
        p.id,
        (kind, file) => link(pid, `f${file}`, kind),
        (kind, dir) => link(pid, `g${this.#groupIndex.get(dir)}`, kind),
        (kind, system) => link(pid, `s${system}`, kind),
      );
      yield* batch;
      batch.length = 0;
    }
    const seen = new Set<string>();
    for (const m of graph.moves) {
      const ends = [m.from, m.to].map((id): string | undefined => {
        const t = this.#targetOf(id);
        if (t === DROPPED) return undefined;
        if (t === AS_SYSTEM) return `s${this.#system[id]}`;
        const group = this.#fileGroup[id];
        if (!this.#fileShown[id] && group !== -1) return `g${group}`;
        return `f${id}`;
      });
      const [from, to] = ends;
      if (from === undefined || to === undefined || from === to) continue;
      const key = `${from} ${to}`;
      if (seen.has(key)) continue;
      seen.add(key);
      yield { from, to, kind: "moved" };
    }
  }
}

/**
 * The view of a graph, a node and an edge at a time (see `buildView`):
 * made in one pass that keeps a few bytes per file and process, so a writer
 * can stream millions of edges without holding them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { viewStream } from "./view.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/cc" });
 * b.add({ op: "open", pid: 1, path: "a.c", mode: "r" });
 * const v = viewStream(b.finish(), { root: "/w" });
 * assertEquals([...v.nodes()].map((n) => n.label), ["cc 1", "a.c"]);
 * assertEquals([...v.edges()].map((e) => `${e.from}>${e.to}`), ["f1>p0"]);
 * ```
 */
export function viewStream(
  graph: Graph,
  options: ViewOptions = {},
): { nodes(): Generator<ViewNode>; edges(): Generator<ViewEdge> } {
  const plan = new ViewPlan(graph, options);
  return { nodes: () => plan.nodes(), edges: () => plan.edges() };
}

/**
 * Builds the view: processes with at least one drawn edge (and, with `tree`,
 * their ancestors), the files they touched that pass the path filter (not
 * directories, nor temporaries that were deleted unless `temporaries`), and,
 * with `system`, one node per system directory for the system files (which
 * are left out otherwise).
 * `mkdir` and `attr` edges are not drawn; `probe` and `missing` only with
 * `probes`. (`viewStream` gives the same a piece at a time.)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { buildView } from "./view.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/cc" });
 * b.add({ op: "open", pid: 1, path: "a.c", mode: "r" });
 * const g = b.finish();
 * const labels = (v: ReturnType<typeof buildView>) => v.nodes.map((n) => n.label).join();
 * assertEquals(labels(buildView(g, { root: "/w" })), "cc 1,a.c");
 * assertEquals(labels(buildView(g, { root: "/w", system: true })), "cc 1,a.c,/usr/**");
 * ```
 */
export function buildView(graph: Graph, options: ViewOptions = {}): View {
  const v = viewStream(graph, options);
  return { nodes: [...v.nodes()], edges: [...v.edges()] };
}
