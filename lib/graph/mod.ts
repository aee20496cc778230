/**
 * The dependency graph of a trace: which process read, wrote, ran, deleted,
 * renamed or linked which file, and writers for it: make rules, Graphviz,
 * Mermaid and JSON.
 *
 * Feed events to a `GraphBuilder` one at a time, call `finish()`, then ask
 * the `Graph` for summaries and hazards, or pass it to a writer. The writers
 * share the path options of `makePathFilter` (`root`, `system`, `include`,
 * `exclude`).
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { GraphBuilder, toDot, toMake } from "./mod.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/cc" });
 * b.add({ op: "open", pid: 1, path: "a.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "a.o", mode: "w", create: true, trunc: true });
 * b.add({ op: "exit", pid: 1, status: 0, signal: 0 });
 * const graph = b.finish();
 * assertEquals(toMake(graph, { root: "/w" }), "a.o: a.c\n");
 * assert(toDot(graph, { root: "/w" }).includes('label="a.o"'));
 * ```
 *
 * @module
 */

export {
  EDGE_BIT,
  EDGE_KINDS,
  type EdgeKind,
  edgeKinds,
  LOOKUP_KINDS,
  PRODUCE_KINDS,
  READ_KINDS,
} from "./edge.ts";
export {
  type Edge,
  type FileAccess,
  type FileNode,
  Graph,
  GraphBuilder,
  type GraphBuilderOptions,
  type Hazard,
  type Move,
  type ProcessExit,
  type ProcessNode,
  type Summary,
} from "./model.ts";
export { globToRegExp } from "./glob.ts";
export {
  displayPath,
  eventKept,
  isUnder,
  makePathFilter,
  type PathFilterOptions,
  SYSTEM_DIRS,
  systemDir,
} from "./filter.ts";
export {
  DEFAULT_SCHEDULERS,
  jobOf,
  jobRoots,
  type ProcessForest,
} from "./job.ts";
export {
  EQUALS_VARIABLE,
  escapeMake,
  type MakeOptions,
  type MakeRule,
  makeRules,
  type MakeText,
  makeText,
  toMake,
} from "./make.ts";
export {
  buildView,
  printable,
  type View,
  type ViewEdge,
  type ViewNode,
  type ViewOptions,
  viewStream,
} from "./view.ts";
export { type DotOptions, dotQuote, toDot, toDotChunks } from "./dot.ts";
export {
  type MermaidOptions,
  mermaidText,
  toMermaid,
  toMermaidChunks,
} from "./mermaid.ts";
export { type JsonOptions, toJson, toJsonChunks } from "./json.ts";
