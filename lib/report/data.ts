/**
 * The data a report page shows: the graph of a trace (processes, files,
 * who did what to which file, the make rules and the hazards) with the
 * processes' times, in a compact JSON form the page reads.
 *
 * Schema (`version` 1). Every string (paths, programs, arguments, working
 * directories) is stored once in `strings` and referred to by index;
 * processes and files are referred to by id, their index in the arrays of
 * `procs` and `files` (the graph's ids, see lib/graph/model.ts).
 *
 * ```text
 * {
 *   "format": "filemon-report", "version": 1,
 *   "title": string,               // the traced command, or the input's name
 *   "root"?: string,               // --root: paths under it are shown relative to it
 *   "clock": "seconds" | "events", // what start and end count: seconds since
 *                                  // "t0", or trace positions (a log without times)
 *   "t0": number,                  // seconds since the epoch of the first event (0 for "events")
 *   "span": number,                // the trace's length on that clock
 *   "kinds": [EdgeKind],           // bit i of an edge's mask is kinds[i]
 *   "strings": [string],
 *   "argvs": [[number]],           // argument lists, as string indexes
 *   "procs": {                     // one column per field, one entry per process
 *     "pid": [number], "parent": [number],   // parent id, -1 for a root
 *     "program": [number], "argv": [number], // string / argvs index, -1 when unknown
 *     "execed": [0|1], "cwd": [number],
 *     "status": [number|null], "signal": [number|null],  // null: no exit traced
 *     "start": [number], "end": [number|null],           // null: no exit traced
 *     "job": [number],             // id of the process that starts its job
 *     "files": [[number]]          // pairs: file id, edge mask
 *   },
 *   "files": {
 *     "path": [number],            // shown: relative to root when under it
 *     "role": [Role],              // see FILE_ROLES
 *     "flags": [number],           // 1 exists at the end, 2 directory, 4 kept by
 *                                  // the path filter (--root, --system, --include...)
 *     "producers": [[number]],     // process ids whose content is there at the end
 *     "size": [number|null]        // bytes when the report was made, when known
 *   },
 *   "inputLists": [[number]],      // make prerequisites, as file ids, shared
 *   "rules": [[number, number]],   // pairs: output file id, inputLists index
 *   "hazards": [[kind, file, process, process, readFirst]]  // kind 0 write-write, 1 read-write
 * }
 * ```
 *
 * `rules` holds exactly the rules of `graph -f make` with the same path
 * options (see `makeRules`), as file ids.
 *
 * @module
 */

import { EDGE_KINDS, type EdgeKind, LOOKUP_KINDS } from "../graph/edge.ts";
import { EDGE_BIT, PRODUCE_KINDS, READ_KINDS } from "../graph/edge.ts";
import { displayPath, makePathFilter } from "../graph/filter.ts";
import { jobRoots } from "../graph/job.ts";
import { makeRules } from "../graph/make.ts";
import {
  type Graph,
  GraphBuilder,
  type GraphBuilderOptions,
} from "../graph/model.ts";
import type { TraceEvent } from "../event.ts";

/**
 * What a file was to the trace, by the first that applies: `output` (there
 * at the end with content the trace produced, as make rules' targets),
 * `temporary` (written, then deleted, renamed away or replaced), `input`
 * (read or run), `probe` (only looked up, found), `missing` (only looked
 * up, never found), `other` (deleted, made a directory, attributes changed).
 */
export const FILE_ROLES = [
  "output",
  "temporary",
  "input",
  "probe",
  "missing",
  "other",
] as const;
/** One of `FILE_ROLES`. */
export type FileRole = typeof FILE_ROLES[number];

/** Flags of `ReportData.files.flags`. */
export const FILE_FLAG = { exists: 1, directory: 2, kept: 4 } as const;

/** The page's data (schema in the module documentation). */
export interface ReportData {
  format: "filemon-report";
  version: 1;
  title: string;
  root?: string;
  clock: "seconds" | "events";
  t0: number;
  span: number;
  kinds: readonly EdgeKind[];
  strings: string[];
  argvs: number[][];
  procs: {
    pid: number[];
    parent: number[];
    program: number[];
    argv: number[];
    execed: (0 | 1)[];
    cwd: number[];
    status: (number | null)[];
    signal: (number | null)[];
    start: number[];
    end: (number | null)[];
    job: number[];
    files: number[][];
  };
  files: {
    path: number[];
    role: FileRole[];
    flags: number[];
    producers: number[][];
    size: (number | null)[];
  };
  inputLists: number[][];
  rules: [number, number][];
  hazards: [0 | 1, number, number, number, boolean][];
}

/** Options of `ReportBuilder.finish` and `reportData`. */
export interface ReportOptions {
  /** The page's title (default: the first process's command line). */
  title?: string;
  /** Show paths under it relative to it; keep only those (as graph's --root). */
  root?: string;
  /** Keep system files in the make rules and the default file view. */
  system?: boolean;
  /** Globs as graph's --include. */
  include?: readonly string[];
  /** Globs as graph's --exclude. */
  exclude?: readonly string[];
  /** A file's size in bytes now, when it can be known (absolute paths only). */
  size?: (path: string) => number | undefined;
}

/**
 * When each event happened: the times of a trace's events, by position, so
 * that processes (whose `start` and `end` are positions) get times.
 */
export interface EventClock {
  /** Seconds since the epoch of event `i`, or NaN when it carried none. */
  readonly times: Float64Array;
  /** The number of events. */
  readonly length: number;
}

/**
 * Builds a report from trace events, one at a time: a `GraphBuilder` and
 * the events' times.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ReportBuilder } from "./data.ts";
 * const b = new ReportBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/cc", argv: ["cc", "-c", "x.c"], time: 10 });
 * b.add({ op: "open", pid: 1, path: "x.c", mode: "r", time: 10.5 });
 * b.add({ op: "open", pid: 1, path: "x.o", mode: "w", time: 11 });
 * b.add({ op: "exit", pid: 1, status: 0, time: 12 });
 * const data = b.finish({ root: "/w" });
 * assertEquals(data.clock, "seconds");
 * assertEquals([data.procs.start[0], data.procs.end[0]], [0, 2]);
 * const shown = (id: number) => data.strings[data.files.path[id]];
 * assertEquals(data.rules.map(([f, l]) => [shown(f), data.inputLists[l].map(shown)]), [["x.o", ["x.c"]]]);
 * ```
 */
export class ReportBuilder {
  #graph: GraphBuilder;
  #times = new Float64Array(1024);
  #length = 0;

  /** A builder; `options.cwd` as `GraphBuilder`'s. */
  constructor(options: GraphBuilderOptions = {}) {
    this.#graph = new GraphBuilder(options);
  }

  /** Takes one event (frame events too: they count as positions). */
  add(event: TraceEvent): void {
    this.#graph.add(event);
    if (this.#length === this.#times.length) {
      const grown = new Float64Array(this.#times.length * 2);
      grown.set(this.#times);
      this.#times = grown;
    }
    // The frame's times (start, stop) are filemon's, not the processes'.
    const time = FRAME_OPS.has(event.op)
      ? undefined
      : (event as { time?: number }).time;
    this.#times[this.#length++] = typeof time === "number" ? time : NaN;
  }

  /** Ends the trace and returns the page's data. */
  finish(options: ReportOptions = {}): ReportData {
    return reportData(this.#graph.finish(), {
      times: this.#times,
      length: this.#length,
    }, options);
  }
}

/** Records of the trace's frame, whose times are not a process's. */
const FRAME_OPS: ReadonlySet<string> = new Set([
  "begin",
  "target",
  "start",
  "stop",
  "version",
  "bye",
  "comment",
]);

/** Interns strings and lists of numbers. */
class Table<T> {
  readonly items: T[] = [];
  #index = new Map<string, number>();
  id(item: T, key: string): number {
    let i = this.#index.get(key);
    if (i === undefined) {
      i = this.items.length;
      this.items.push(item);
      this.#index.set(key, i);
    }
    return i;
  }
}

/**
 * The page's data from a finished graph and its events' times (see
 * `ReportBuilder`, which makes both).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "../graph/model.ts";
 * import { reportData } from "./data.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "open", pid: 1, path: "a", mode: "w" });
 * b.add({ op: "unlink", pid: 1, path: "a" });
 * const data = reportData(b.finish(), { times: new Float64Array(2).fill(NaN), length: 2 });
 * assertEquals([data.clock, data.files.role[0]], ["events", "temporary"]);
 * ```
 */
export function reportData(
  graph: Graph,
  clock: EventClock,
  options: ReportOptions = {},
): ReportData {
  const strings = new Table<string>();
  const str = (s: string | undefined) =>
    s === undefined ? -1 : strings.id(s, s);
  const argvs = new Table<number[]>();
  const lists = new Table<number[]>();

  // Times: positions are 2 * (index + 1) (GraphBuilder counts by two);
  // an event without a time takes the last time before it.
  const filled = new Float64Array(clock.length);
  let last = NaN;
  let first = NaN;
  for (let i = 0; i < clock.length; i++) {
    if (!Number.isNaN(clock.times[i])) {
      last = clock.times[i];
      if (Number.isNaN(first)) first = last;
    }
    filled[i] = last;
  }
  const seconds = !Number.isNaN(first);
  const t0 = seconds ? first : 0;
  const endTime = seconds
    ? (clock.length > 0 ? filled[clock.length - 1] : t0) - t0
    : clock.length;
  const at = (position: number): number => {
    const i = Math.min(Math.max(position / 2 - 1, 0), clock.length - 1);
    if (!seconds) return i;
    const t = Number.isNaN(filled[i]) ? t0 : filled[i];
    return Math.round((t - t0) * 1e6) / 1e6;
  };

  const job = jobRoots(graph);
  const procs: ReportData["procs"] = {
    pid: [],
    parent: [],
    program: [],
    argv: [],
    execed: [],
    cwd: [],
    status: [],
    signal: [],
    start: [],
    end: [],
    job: [],
    files: [],
  };
  for (const p of graph.processes) {
    procs.pid.push(p.pid);
    procs.parent.push(p.parent ?? -1);
    procs.program.push(str(p.program));
    procs.argv.push(
      p.argv === undefined
        ? -1
        : argvs.id(p.argv.map((a) => str(a)), JSON.stringify(p.argv)),
    );
    procs.execed.push(p.execed ? 1 : 0);
    procs.cwd.push(str(p.cwd));
    procs.status.push(p.exit?.status ?? null);
    procs.signal.push(p.exit?.signal ?? null);
    procs.start.push(clock.length === 0 ? 0 : at(p.start));
    procs.end.push(
      p.end === Infinity || clock.length === 0 ? null : at(p.end),
    );
    procs.job.push(job[p.id]);
    const files: number[] = [];
    for (const [file, access] of p.files) files.push(file, access.kinds);
    procs.files.push(files);
  }

  // Each file's kinds over every process, for its role.
  const merged = new Uint16Array(graph.files.length);
  for (const p of graph.processes) {
    for (const [file, access] of p.files) merged[file] |= access.kinds;
  }
  const keep = makePathFilter(options);
  const files: ReportData["files"] = {
    path: [],
    role: [],
    flags: [],
    producers: [],
    size: [],
  };
  const byShown = new Map<string, number>();
  for (const f of graph.files) {
    const shown = displayPath(f.path, options.root);
    const kept = keep(f.path);
    if (kept) byShown.set(shown, f.id);
    files.path.push(str(shown));
    const k = merged[f.id];
    const role: FileRole = f.exists && f.producers.length > 0 && !f.directory
      ? "output"
      : k & PRODUCE_KINDS
      ? "temporary"
      : k & READ_KINDS
      ? "input"
      : k !== 0 && (k & ~LOOKUP_KINDS) === 0
      ? (k & EDGE_BIT.probe ? "probe" : "missing")
      : "other";
    files.role.push(role);
    files.flags.push(
      (f.exists ? FILE_FLAG.exists : 0) |
        (f.directory ? FILE_FLAG.directory : 0) | (kept ? FILE_FLAG.kept : 0),
    );
    files.producers.push([...f.producers]);
    const size = f.exists && !f.directory && f.path.startsWith("/")
      ? options.size?.(f.path)
      : undefined;
    files.size.push(size ?? null);
  }

  const rules: [number, number][] = [];
  for (const rule of makeRules(graph, options)) {
    const target = byShown.get(rule.target);
    if (target === undefined) continue;
    const ids = rule.prerequisites.map((p) => byShown.get(p)!);
    rules.push([target, lists.id(ids, ids.join())]);
  }

  let title = options.title;
  if (title === undefined) {
    const firstRoot = graph.roots[0];
    const argv = firstRoot === undefined
      ? undefined
      : graph.processes[firstRoot].argv;
    title = argv?.join(" ") ?? graph.processes[0]?.program ?? "trace";
  }
  const data: ReportData = {
    format: "filemon-report",
    version: 1,
    title,
    clock: seconds ? "seconds" : "events",
    t0,
    span: Math.max(0, Math.round(endTime * 1e6) / 1e6),
    kinds: EDGE_KINDS,
    strings: strings.items,
    argvs: argvs.items,
    procs,
    files,
    inputLists: lists.items,
    rules,
    hazards: graph.hazards.map((h) => [
      h.kind === "write-write" ? 0 : 1,
      h.file,
      h.processes[0],
      h.processes[1],
      h.readFirst === true,
    ]),
  };
  if (options.root !== undefined) data.root = options.root;
  return data;
}
