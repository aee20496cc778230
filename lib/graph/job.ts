/**
 * Jobs: the unit a build tool starts for one step, and whose reads every
 * file the step writes depends on.
 *
 * A scheduler (make, ninja, xargs...; see `DEFAULT_SCHEDULERS`) starts one
 * process per step — make one per recipe line, a `/bin/sh -c` or the
 * command itself — and that process with all its descendants is the job.
 * Everything else belongs to the job of its parent; a process with no
 * traced parent starts a job of its own, so a trace with no scheduler in it
 * is one job: the traced command.
 *
 * Inside a job, order does not matter: the shell opens `out.h` for
 * `sed … in.h.in > out.h` before `sed` runs, and `gen.sh > $@.tmp && mv
 * $@.tmp $@` writes through three processes, yet what the job writes
 * depends on everything the job read or ran.
 *
 * @module
 */

import { basename } from "../path.ts";

/** Programs that start one job per step (basenames). */
export const DEFAULT_SCHEDULERS: readonly string[] = [
  "make",
  "gmake",
  "bmake",
  "pmake",
  "remake",
  "ninja",
  "samu",
  "xargs",
  "parallel",
];

/** The part of a graph jobs are computed from. */
export interface ProcessForest {
  /** Processes by id; `parent`, `children` and `program` as in `ProcessNode`. */
  readonly processes: readonly {
    readonly parent?: number;
    readonly children: readonly number[];
    readonly program?: string;
  }[];
  /** Ids of the processes without a traced parent. */
  readonly roots: readonly number[];
}

/**
 * The job of every process, by one walk of the process forest: entry `i`
 * is the id of the process that starts process `i`'s job (its root).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { jobRoots } from "./job.ts";
 * const b = new GraphBuilder();
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/make" });
 * b.add({ op: "fork", pid: 1, child: 2 });
 * b.add({ op: "exec", pid: 2, path: "/bin/sh" });
 * b.add({ op: "fork", pid: 2, child: 3 });
 * b.add({ op: "exec", pid: 3, path: "/usr/bin/sed" });
 * // Process ids: make 0, sh 1, sed 2. sh and sed are one job, started by make.
 * assertEquals([...jobRoots(b.finish())], [0, 1, 1]);
 * ```
 */
export function jobRoots(
  graph: ProcessForest,
  schedulers: readonly string[] = DEFAULT_SCHEDULERS,
): Int32Array {
  const names = new Set(schedulers);
  const processes = graph.processes;
  const job = new Int32Array(processes.length).fill(-1);
  const stack: number[] = [];
  for (const root of graph.roots) {
    job[root] = root;
    stack.push(root);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const program = processes[p].program;
      const starts = program !== undefined && names.has(basename(program));
      for (const c of processes[p].children) {
        if (job[c] !== -1) continue;
        job[c] = starts ? c : job[p];
        stack.push(c);
      }
    }
  }
  // A process no root reaches (impossible in a graph from GraphBuilder).
  for (let i = 0; i < job.length; i++) if (job[i] === -1) job[i] = i;
  return job;
}

/**
 * The id of the process that starts `process`'s job (see `jobRoots`; to ask
 * for many processes, call `jobRoots` once).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * import { jobOf } from "./job.ts";
 * const b = new GraphBuilder();
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/make" });
 * b.add({ op: "fork", pid: 1, child: 2 });
 * b.add({ op: "exec", pid: 2, path: "/usr/bin/gcc" });
 * b.add({ op: "fork", pid: 2, child: 3 });
 * b.add({ op: "exec", pid: 3, path: "/usr/bin/as" });
 * // Process ids: make 0, gcc 1, as 2: as is in gcc's job.
 * assertEquals(jobOf(b.finish(), 2), 1);
 * ```
 */
export function jobOf(
  graph: ProcessForest,
  process: number,
  schedulers: readonly string[] = DEFAULT_SCHEDULERS,
): number {
  return jobRoots(graph, schedulers)[process];
}
