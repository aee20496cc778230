/**
 * Finds likely races in a finished graph (see `Hazard` in `model.ts`).
 *
 * @module
 */

import { PRODUCE_KINDS, READ_KINDS } from "./edge.ts";
import { jobRoots } from "./job.ts";
import type { FileAccess, Graph, Hazard } from "./model.ts";

/** Prefixes of paths that are devices or kernel views, not files a build makes. */
const NOT_FILES = ["/dev/", "/proc/", "/sys/"];

function isPseudo(path: string): boolean {
  return NOT_FILES.some((prefix) => path.startsWith(prefix));
}

/** Whether two processes' lifetimes overlap in the trace. */
function overlap(graph: Graph, a: number, b: number): boolean {
  const pa = graph.processes[a];
  const pb = graph.processes[b];
  return pa.start < pb.end && pb.start < pa.end;
}

/** Write-write hazards, then read-write hazards, each by file id then process. */
export function computeHazards(graph: Graph): Hazard[] {
  const writers = new Map<number, number[]>();
  for (const p of graph.processes) {
    for (const [file, a] of p.files) {
      if (!(a.kinds & PRODUCE_KINDS)) continue;
      const list = writers.get(file);
      if (list === undefined) writers.set(file, [p.id]);
      else list.push(p.id);
    }
  }
  const readers = new Map<number, number[]>();
  for (const p of graph.processes) {
    for (const [file, a] of p.files) {
      if (!(a.kinds & READ_KINDS) || !writers.has(file)) continue;
      const list = readers.get(file);
      if (list === undefined) readers.set(file, [p.id]);
      else list.push(p.id);
    }
  }
  const job = jobRoots(graph);
  const access = (process: number, file: number): FileAccess =>
    graph.processes[process].files.get(file)!;
  const pid = (process: number) => graph.processes[process].pid;
  const writeWrite: Hazard[] = [];
  const readWrite: Hazard[] = [];
  const files = [...writers.keys()].sort((a, b) => a - b);
  for (const file of files) {
    const path = graph.files[file].path;
    if (isPseudo(path)) continue;
    const ws = writers.get(file)!;
    ws.sort((a, b) =>
      access(a, file).firstWrite - access(b, file).firstWrite || a - b
    );
    for (let i = 1; i < ws.length; i++) {
      // A parent that creates a file for its child (gcc's mkstemp for cc1)
      // is one job, not two writers.
      if (graph.isAncestor(ws[0], ws[i]) || graph.isAncestor(ws[i], ws[0])) {
        continue;
      }
      // Two steps of one job that the trace orders (`cmd1 > f; cmd2 >> f`)
      // are one job writing its file; two jobs writing it are a hazard
      // whatever the order.
      if (job[ws[0]] === job[ws[i]] && !overlap(graph, ws[0], ws[i])) continue;
      writeWrite.push({
        kind: "write-write",
        path,
        file,
        pids: [pid(ws[0]), pid(ws[i])],
        processes: [ws[0], ws[i]],
      });
    }
    for (const r of readers.get(file) ?? []) {
      for (const w of ws) {
        if (r === w || graph.isAncestor(r, w) || graph.isAncestor(w, r)) {
          continue;
        }
        // One ended before the other began: the trace shows an order
        // (make waited for one job before starting the next).
        if (!overlap(graph, r, w)) continue;
        readWrite.push({
          kind: "read-write",
          path,
          file,
          pids: [pid(r), pid(w)],
          processes: [r, w],
          readFirst: access(r, file).firstRead < access(w, file).firstWrite,
        });
      }
    }
  }
  return [...writeWrite, ...readWrite];
}
