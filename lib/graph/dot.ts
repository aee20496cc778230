/**
 * The graph as Graphviz `dot` source.
 *
 * @module
 */

import type { Graph } from "./model.ts";
import {
  type ViewEdge,
  type ViewNode,
  type ViewOptions,
  viewStream,
} from "./view.ts";

/** Options of `toDot`: those of the view (see `ViewOptions`). */
export type DotOptions = ViewOptions;

/** Attributes per node kind and file role. */
const NODE_STYLE: Record<string, string> = {
  process: 'shape=box, style=filled, fillcolor="#fff3c4"',
  output: 'shape=ellipse, style=filled, fillcolor="#d4edda"',
  temporary: 'shape=ellipse, style=dashed, color="#777777"',
  missing: 'shape=ellipse, style=dotted, color="#999999", fontcolor="#777777"',
  plain: "shape=ellipse",
  group: 'shape=folder, style=filled, fillcolor="#e8eaf6"',
  system:
    'shape=folder, style=filled, fillcolor="#eeeeee", fontcolor="#555555"',
};

/** Attributes per edge kind: each kind its own colour and line. */
const EDGE_STYLE: Record<ViewEdge["kind"], string> = {
  read: 'color="#333333"',
  write: 'color="#1565c0", penwidth=2',
  exec: 'color="#2e7d32", style=dashed',
  delete: 'color="#c62828", arrowhead=tee',
  rename: 'color="#6a1b9a", penwidth=2, arrowhead=empty, label="mv"',
  link: 'color="#ef6c00", style=dashed, arrowhead=empty, label="ln"',
  probe: 'color="#9e9e9e", style=dotted, arrowhead=open',
  missing: 'color="#e57373", style=dotted, arrowhead=open',
  mkdir: 'color="#1565c0", style=dotted',
  attr: 'color="#9e9e9e", style=dotted',
  moved: 'color="#6a1b9a", style=dashed, arrowhead=empty',
  child: 'color="#bbbbbb", arrowhead=odot',
};

/**
 * Quotes a string as a Graphviz ID: in double quotes, with `"` and `\`
 * escaped (so a backslash in a path shows as itself).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dotQuote } from "./dot.ts";
 * assertEquals(dotQuote('a "b" \\n'), '"a \\"b\\" \\\\n"');
 * ```
 */
export function dotQuote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => "\\" + c)}"`;
}

function nodeLine(node: ViewNode): string {
  const style =
    NODE_STYLE[node.kind === "file" ? node.role ?? "plain" : node.kind];
  return `  ${node.id} [${style}, label=${dotQuote(node.label)}];\n`;
}

/**
 * The graph in the Graphviz language (`dot -Tsvg` draws it): processes as
 * boxes labelled "program pid", files as ellipses labelled with their path
 * relative to `root` (outputs filled, temporaries dashed, missing files
 * dotted), grouped fan-ins and system directories as folders. Edges follow
 * the data, each kind with its own style: read (dark), write (thick blue),
 * exec (dashed green), delete (red, flat head), rename (purple, "mv"), link
 * (orange, "ln"), probe and missing (dotted, with `probes`), the old name →
 * new name of a rename (dashed purple), parent → child (light grey).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { toDot } from "./dot.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 7, path: "/usr/bin/cc" });
 * b.add({ op: "open", pid: 7, path: "a.c", mode: "r" });
 * const dot = toDot(b.finish(), { root: "/w" });
 * assert(dot.startsWith("digraph filemon {"));
 * assert(dot.includes('label="cc 7"') && dot.includes("f1 -> p0"));
 * ```
 */
export function toDot(graph: Graph, options: DotOptions = {}): string {
  let text = "";
  for (const chunk of toDotChunks(graph, options)) text += chunk;
  return text;
}

/**
 * `toDot` in pieces of about 64 KiB, made as they are asked for: a graph of
 * millions of edges is written without its text, or its edges, ever being
 * held whole.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { toDot, toDotChunks } from "./dot.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 7, path: "/usr/bin/cc" });
 * b.add({ op: "open", pid: 7, path: "a.c", mode: "r" });
 * const g = b.finish();
 * assertEquals([...toDotChunks(g)].join(""), toDot(g));
 * ```
 */
export function* toDotChunks(
  graph: Graph,
  options: DotOptions = {},
): Generator<string> {
  const view = viewStream(graph, options);
  let text = "digraph filemon {\n" +
    "  rankdir=LR;\n" +
    '  node [fontname="Helvetica", fontsize=10];\n' +
    '  edge [fontname="Helvetica", fontsize=8];\n';
  for (const node of view.nodes()) {
    text += nodeLine(node);
    if (text.length >= CHUNK) {
      yield text;
      text = "";
    }
  }
  for (const edge of view.edges()) {
    text += `  ${edge.from} -> ${edge.to} [${EDGE_STYLE[edge.kind]}];\n`;
    if (text.length >= CHUNK) {
      yield text;
      text = "";
    }
  }
  yield text + "}\n";
}

/** Size of the pieces of `toDotChunks`, in UTF-16 units. */
const CHUNK = 1 << 16;
