/**
 * The whole graph as one JSON document.
 *
 * Schema (`version` 2). Processes and files are referred to by `id`, their
 * index in `processes` and `files`. Optional members are absent when unknown.
 *
 * ```text
 * {
 *   "format": "filemon-graph",
 *   "version": 2,
 *   "processes": [Process],      // processes[i].id === i, in order of first appearance
 *   "files": [File],             // files[i].id === i, in order of first appearance
 *   "moves": [Move],
 *   "jobs"?: [Job],              // with option summaries, by root id
 *   "summary": Summary,          // the whole trace
 *   "hazards": [Hazard]
 * }
 * Process = {
 *   "id": number, "pid": number,
 *   "parent"?: number,           // id of the parent; absent for a root
 *   "ppid"?: number,             // pid of the parent
 *   "program"?: string,          // last exec'd path (inherited from the parent if none)
 *   "argv"?: [string],           // argv of that exec, when the producer knew it
 *   "execed": boolean,           // program comes from this process's own exec
 *   "cwd"?: string,              // working directory at the last exec (else at the start)
 *   "exit"?: { "status": number, "signal"?: number },
 *   "children": [number],        // ids, in fork order
 *   "job": number,               // id of the process that starts its job (job.ts)
 *   "files": [{ "file": number, "kinds": [EdgeKind] }],   // edges process → file
 *   "summary"?: Summary,         // with option summaries: the process alone
 *   "subtree"?: Summary          // with option subtrees: the process and its descendants
 * }
 * Job = { "process": number, "summary": Summary }   // the root's subtree, as make rules use it
 * EdgeKind = "read" | "write" | "exec" | "delete" | "rename" | "link"
 *          | "probe" | "missing" | "mkdir" | "attr"
 * File = {
 *   "id": number,
 *   "path": string,              // absolute when resolvable, else as the process gave it
 *   "exists": boolean,           // at the end of the trace
 *   "directory": boolean,
 *   "producers": [number],       // process ids whose content is there at the end
 *   "formerProducers": [number]  // process ids that produced earlier, replaced content
 * }
 * Move = { "kind": "rename" | "link", "process": number, "from": number, "to": number }
 * Summary = { "inputs": [number], "outputs": [number], "temporaries": [number],
 *             "probes": [number], "missing": [number] }
 *   // file ids: inputs in the order first read, the others ascending
 * Hazard = {
 *   "kind": "write-write" | "read-write", "path": string, "file": number,
 *   "pids": [number, number], "processes": [number, number],
 *   "readFirst"?: boolean        // read-write only
 * }
 * ```
 *
 * Paths that are not valid UTF-8 hold lone surrogates U+DC80..U+DCFF (see
 * lib/path.ts); `JSON.stringify` writes them as `\udcXX` escapes, which
 * `JSON.parse` turns back into the same string, so no byte is lost.
 * Meanings are those of `Graph`, `FileNode`, `Summary` and `Hazard` in
 * model.ts.
 *
 * @module
 */

import { edgeKinds } from "./edge.ts";
import { jobRoots } from "./job.ts";
import type { Graph, ProcessNode } from "./model.ts";

/** Options of `toJson` and `toJsonChunks`. */
export interface JsonOptions {
  /** Add each process's own summary and each job's (default false). */
  summaries?: boolean;
  /**
   * Add each process's subtree summary (default false). Its size grows with
   * the square of the tree's depth: a chain 100,000 deep lists 5 billion ids.
   */
  subtrees?: boolean;
}

function processJson(
  graph: Graph,
  p: ProcessNode,
  job: number,
  options: JsonOptions,
): string {
  const files = [];
  for (const [file, access] of p.files) {
    files.push({ file, kinds: edgeKinds(access.kinds) });
  }
  return JSON.stringify({
    id: p.id,
    pid: p.pid,
    parent: p.parent,
    ppid: p.ppid,
    program: p.program,
    argv: p.argv,
    execed: p.execed,
    cwd: p.cwd,
    exit: p.exit,
    children: p.children,
    job,
    files,
    summary: options.summaries ? graph.summarizeIds([p.id]) : undefined,
    subtree: options.subtrees
      ? graph.summarizeIds(graph.descendants(p.id))
      : undefined,
  });
}

function* list<T>(
  name: string,
  items: Iterable<T>,
  item: (x: T) => string,
  last = false,
): Generator<string> {
  yield `"${name}":[`;
  let first = true;
  for (const x of items) {
    yield (first ? "\n" : ",\n") + item(x);
    first = false;
  }
  yield first ? "]" : "\n]";
  yield last ? "\n" : ",\n";
}

/**
 * The JSON document of the module documentation, in pieces (one per
 * process, file, move or hazard) so a big graph need not become one string.
 * Joined, the pieces are the text of `toJson`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { toJsonChunks } from "./json.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "open", pid: 1, path: "a", mode: "r" });
 * const doc = JSON.parse([...toJsonChunks(b.finish())].join(""));
 * assert(doc.files[0].path === "/w/a" && doc.summary.inputs[0] === 0);
 * ```
 */
export function* toJsonChunks(
  graph: Graph,
  options: JsonOptions = {},
): Generator<string> {
  const job = jobRoots(graph);
  yield '{"format":"filemon-graph","version":2,\n';
  yield* list(
    "processes",
    graph.processes,
    (p) => processJson(graph, p, job[p.id], options),
  );
  yield* list("files", graph.files, (f) =>
    JSON.stringify({
      id: f.id,
      path: f.path,
      exists: f.exists,
      directory: f.directory,
      producers: f.producers,
      formerProducers: f.formerProducers,
    }));
  yield* list("moves", graph.moves, (m) => JSON.stringify(m));
  if (options.summaries) {
    const roots = graph.processes.filter((p) => job[p.id] === p.id);
    yield* list("jobs", roots, (p) =>
      JSON.stringify({
        process: p.id,
        summary: graph.summarizeIds(graph.descendants(p.id)),
      }));
  }
  yield `"summary":${
    JSON.stringify(graph.summarizeIds(graph.processes.map((p) => p.id)))
  },\n`;
  yield* list("hazards", graph.hazards, (h) => JSON.stringify(h), true);
  yield "}\n";
}

/**
 * The whole graph as one JSON document (schema in the module documentation).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { toJson } from "./json.ts";
 * const b = new GraphBuilder();
 * b.add({ op: "fork", pid: 1, child: 2 });
 * const doc = JSON.parse(toJson(b.finish()));
 * assert(doc.processes[1].parent === 0 && doc.processes[1].ppid === 1);
 * ```
 */
export function toJson(graph: Graph, options: JsonOptions = {}): string {
  let text = "";
  for (const chunk of toJsonChunks(graph, options)) text += chunk;
  return text;
}
