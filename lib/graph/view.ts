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

/**
 * Builds the view: processes with at least one drawn edge (and, with `tree`,
 * their ancestors), the files they touched that pass the path filter (not
 * directories, nor temporaries that were deleted unless `temporaries`), and,
 * with `system`, one node per system directory for the system files (which
 * are left out otherwise).
 * `mkdir` and `attr` edges are not drawn; `probe` and `missing` only with
 * `probes`.
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
  const fanIn = options.fanIn ?? 20;
  const drawn = options.probes ? DRAWN | LOOKUPS : DRAWN;
  const root = options.root;
  const keep = makePathFilter({ ...options, system: true });
  const keepSystem = makePathFilter({ exclude: options.exclude, system: true });

  const fileNodes = new Map<number, ViewNode>();
  const groups = new Map<string, { id: string; files: Set<number> }>();
  const fileGroup = new Map<number, string>();
  const systemNodes = new Map<string, ViewNode>();
  const edges: ViewEdge[] = [];
  const edgeKeys = new Set<string>();
  const addEdge = (from: string, to: string, kind: ViewEdge["kind"]): void => {
    const key = `${from} ${to} ${kind}`;
    if (edgeKeys.has(key)) return;
    edgeKeys.add(key);
    edges.push({ from, to, kind });
  };
  const linkProcess = (process: string, node: string, kind: EdgeKind): void => {
    if (EDGE_BIT[kind] & INWARD) addEdge(node, process, kind);
    else addEdge(process, node, kind);
  };

  const moved = new Set(graph.moves.map((m) => m.from));
  // Per file: "s<dir>" for a system directory, "f" for a file, "" when dropped.
  const targets: string[] = [];
  const targetOf = (f: FileNode): string => {
    let t = targets[f.id];
    if (t !== undefined) return t;
    const path = f.path;
    const sys = !path.startsWith("/") ||
        (root !== undefined && isUnder(root, path))
      ? undefined
      : systemDir(path);
    if (sys !== undefined) {
      // System files: dropped, or with `system` one node per directory.
      t = options.system && keepSystem(path) ? "s" + sys : "";
    } else if (f.directory) {
      t = ""; // listing a directory is not a dependency worth a node
    } else if (
      !options.temporaries && roleOf(f) === "temporary" && !moved.has(f.id)
    ) {
      t = ""; // created then deleted (a renamed one stays: it carries content)
    } else t = keep(path) ? "f" : "";
    targets[f.id] = t;
    return t;
  };
  const systemNode = (dir: string): ViewNode => {
    let node = systemNodes.get(dir);
    if (node === undefined) {
      node = {
        id: `s${systemNodes.size}`,
        kind: "system",
        label: printable(dir + "/**"),
      };
      systemNodes.set(dir, node);
    }
    return node;
  };
  const fileNode = (f: FileNode): ViewNode => {
    let node = fileNodes.get(f.id);
    if (node === undefined) {
      node = {
        id: `f${f.id}`,
        kind: "file",
        label: printable(displayPath(f.path, root)),
        role: roleOf(f),
      };
      fileNodes.set(f.id, node);
    }
    return node;
  };
  const groupNode = (dir: string, files: readonly number[]): string => {
    let g = groups.get(dir);
    if (g === undefined) {
      g = { id: `g${groups.size}`, files: new Set() };
      groups.set(dir, g);
    }
    for (const f of files) {
      g.files.add(f);
      if (!fileGroup.has(f)) fileGroup.set(f, g.id);
    }
    return g.id;
  };

  const withEdges = new Set<number>();
  for (const p of graph.processes) {
    const pid = `p${p.id}`;
    const buckets = new Map<string, number[]>();
    for (const [id, access] of p.files) {
      const mask = access.kinds & drawn;
      if (mask === 0) continue;
      const f = graph.files[id];
      const t = targetOf(f);
      if (t === "") continue;
      for (const kind of edgeKinds(mask)) {
        if (t !== "f") {
          linkProcess(pid, systemNode(t.slice(1)).id, kind);
          continue;
        }
        const key = `${kind} ${dirname(f.path)}`;
        const bucket = buckets.get(key);
        if (bucket === undefined) buckets.set(key, [id]);
        else bucket.push(id);
      }
      withEdges.add(p.id);
    }
    for (const [key, files] of buckets) {
      const space = key.indexOf(" ");
      const kind = key.slice(0, space) as EdgeKind;
      if (files.length > fanIn) {
        linkProcess(pid, groupNode(key.slice(space + 1), files), kind);
      } else {
        for (const id of files) {
          linkProcess(pid, fileNode(graph.files[id]).id, kind);
        }
      }
    }
  }

  for (const m of graph.moves) {
    const ends = [m.from, m.to].map((id): string | undefined => {
      const f = graph.files[id];
      const t = targetOf(f);
      if (t === "") return undefined;
      if (t !== "f") return systemNode(t.slice(1)).id;
      const group = fileGroup.get(id);
      if (!fileNodes.has(id) && group !== undefined) return group;
      return fileNode(f).id;
    });
    if (ends[0] !== undefined && ends[1] !== undefined && ends[0] !== ends[1]) {
      addEdge(ends[0], ends[1], "moved");
    }
  }

  const shown = new Set(withEdges);
  const tree = options.tree ?? true;
  if (tree) {
    for (const id of withEdges) {
      for (
        let q = graph.processes[id].parent;
        q !== undefined && !shown.has(q);
        q = graph.processes[q].parent
      ) {
        shown.add(q);
      }
    }
  }
  const processNodes: ViewNode[] = [];
  const childEdges: ViewEdge[] = [];
  for (const p of graph.processes) {
    if (!shown.has(p.id)) continue;
    const name = p.program === undefined ? "?" : basename(p.program);
    processNodes.push({
      id: `p${p.id}`,
      kind: "process",
      label: printable(`${name} ${p.pid}`),
    });
    if (tree && p.parent !== undefined && shown.has(p.parent)) {
      childEdges.push({ from: `p${p.parent}`, to: `p${p.id}`, kind: "child" });
    }
  }

  const groupNodes: ViewNode[] = [];
  for (const [dir, g] of groups) {
    let name = displayPath(dir, root);
    if (!name.endsWith("/")) name += "/";
    groupNodes.push({
      id: g.id,
      kind: "group",
      label: printable(`${name} (${g.files.size} files)`),
    });
  }
  const files = [...fileNodes.entries()].sort((a, b) => a[0] - b[0]).map((e) =>
    e[1]
  );
  return {
    nodes: [...processNodes, ...files, ...groupNodes, ...systemNodes.values()],
    edges: [...childEdges, ...edges],
  };
}
