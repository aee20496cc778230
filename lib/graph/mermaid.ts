/**
 * The graph as a Mermaid flowchart.
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

/** Options of `toMermaid`: those of the view (see `ViewOptions`), and the direction. */
export interface MermaidOptions extends ViewOptions {
  /** Flowchart direction (default `LR`). */
  direction?: "LR" | "RL" | "TB" | "BT";
}

/** Link syntax per edge kind; the colour comes from `linkStyle`. */
const LINK: Record<ViewEdge["kind"], string> = {
  read: "-->",
  write: "==>",
  exec: "-.->",
  delete: "--x",
  rename: "==>|mv|",
  link: "-.->|ln|",
  probe: "-.-o",
  missing: "-.-x",
  mkdir: "-.->|mkdir|",
  attr: "-.-o",
  moved: "-.->|renamed|",
  child: "--o",
};

const LINK_COLOUR: Record<ViewEdge["kind"], string> = {
  read: "#333333",
  write: "#1565c0",
  exec: "#2e7d32",
  delete: "#c62828",
  rename: "#6a1b9a",
  link: "#ef6c00",
  probe: "#9e9e9e",
  missing: "#e57373",
  mkdir: "#1565c0",
  attr: "#9e9e9e",
  moved: "#6a1b9a",
  child: "#bbbbbb",
};

/**
 * Makes text safe inside a Mermaid `"…"` label: `"`, `#`, `&`, `<` and `>`
 * become entity codes (`#quot;`, `#35;`, `#amp;`, `#lt;`, `#gt;`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mermaidText } from "./mermaid.ts";
 * assertEquals(mermaidText('a"#<b>'), "a#quot;#35;#lt;b#gt;");
 * ```
 */
export function mermaidText(text: string): string {
  return text.replace(
    /["#&<>]/g,
    (c) =>
      c === '"'
        ? "#quot;"
        : c === "#"
        ? "#35;"
        : c === "&"
        ? "#amp;"
        : c === "<"
        ? "#lt;"
        : "#gt;",
  );
}

function nodeLine(node: ViewNode): string {
  const label = `"${mermaidText(node.label)}"`;
  switch (node.kind) {
    case "process":
      return `  ${node.id}[${label}]\n`;
    case "file":
      return `  ${node.id}([${label}])\n`;
    case "group":
      return `  ${node.id}[[${label}]]\n`;
    case "system":
      return `  ${node.id}[(${label})]\n`;
  }
}

/**
 * The graph as a Mermaid flowchart: processes as rectangles labelled
 * "program pid", files as stadiums labelled with their path relative to
 * `root` (classes `output`, `temporary`, `missing`), grouped fan-ins as
 * subroutine boxes, system directories as cylinders. Links follow the data:
 * read `-->`, write `==>`, exec `-.->`, delete `--x`, rename `==>|mv|`, link
 * `-.->|ln|`, probe `-.-o` and missing `-.-x` (with `probes`), old name →
 * new name `-.->|renamed|`, parent → child `--o`, each kind coloured by
 * `linkStyle`. Mermaid refuses more than 500 links unless its `maxEdges`
 * setting is raised; use `root`, `include` and `fanIn` to keep it small.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { toMermaid } from "./mermaid.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 7, path: "/usr/bin/cc" });
 * b.add({ op: "open", pid: 7, path: "a.o", mode: "w" });
 * const text = toMermaid(b.finish(), { root: "/w" });
 * assert(text.startsWith("flowchart LR\n"));
 * assert(text.includes('p0["cc 7"]') && text.includes("p0 ==> f1"));
 * ```
 */
export function toMermaid(graph: Graph, options: MermaidOptions = {}): string {
  let text = "";
  for (const chunk of toMermaidChunks(graph, options)) text += chunk;
  return text;
}

/**
 * `toMermaid` in pieces of about 64 KiB, made as they are asked for.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { toMermaid, toMermaidChunks } from "./mermaid.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 7, path: "/usr/bin/cc" });
 * b.add({ op: "open", pid: 7, path: "a.o", mode: "w" });
 * const g = b.finish();
 * assertEquals([...toMermaidChunks(g)].join(""), toMermaid(g));
 * ```
 */
export function* toMermaidChunks(
  graph: Graph,
  options: MermaidOptions = {},
): Generator<string> {
  const view = viewStream(graph, options);
  let text = `flowchart ${options.direction ?? "LR"}\n`;
  const classes = new Map<string, string[]>();
  for (const node of view.nodes()) {
    text += nodeLine(node);
    const cls = node.kind === "process" ? "process" : node.role;
    if (cls !== undefined && cls !== "plain") {
      const list = classes.get(cls);
      if (list === undefined) classes.set(cls, [node.id]);
      else list.push(node.id);
    }
    if (text.length >= CHUNK) {
      yield text;
      text = "";
    }
  }
  const byKind = new Map<ViewEdge["kind"], number[]>();
  let i = 0;
  for (const edge of view.edges()) {
    text += `  ${edge.from} ${LINK[edge.kind]} ${edge.to}\n`;
    const list = byKind.get(edge.kind);
    if (list === undefined) byKind.set(edge.kind, [i]);
    else list.push(i);
    i++;
    if (text.length >= CHUNK) {
      yield text;
      text = "";
    }
  }
  text += "  classDef process fill:#fff3c4,stroke:#8d6e00\n" +
    "  classDef output fill:#d4edda,stroke:#2e7d32\n" +
    "  classDef temporary fill:#ffffff,stroke:#777777,stroke-dasharray:5 3\n" +
    "  classDef missing fill:#ffffff,stroke:#999999,color:#777777,stroke-dasharray:2 2\n";
  for (const [cls, ids] of classes) text += `  class ${ids.join(",")} ${cls}\n`;
  for (const [kind, indexes] of byKind) {
    text += `  linkStyle ${indexes.join(",")} stroke:${LINK_COLOUR[kind]}\n`;
  }
  yield text;
}

/** Size of the pieces of `toMermaidChunks`, in UTF-16 units. */
const CHUNK = 1 << 16;
