/**
 * A trace as a timeline in the Chrome trace-event format (JSON object form,
 * `{"traceEvents": [...]}`), which ui.perfetto.dev and chrome://tracing
 * open.
 *
 * - Each process is a track (a `tid` of one `pid`, the trace), named by its
 *   program and pid, ordered and indented by the process tree
 *   (`thread_name`, `thread_sort_index` metadata).
 * - On it, one complete event (`ph: "X"`, `cat: "process"`) from its fork
 *   (its first event when the fork was not traced) to its exit, and inside
 *   that one per exec (`cat: "exec"`, named by the argv) to the next exec
 *   or the exit. A process with no exit ends at the trace's `stop`.
 * - Forks are flow events (`ph: "s"` on the parent, `ph: "f"` on the child).
 * - File events are instant events (`ph: "i"`, `s: "t"`): writes, renames,
 *   links, deletes, truncates (`cat: "write"`), and with `reads`, reads and
 *   execs (`cat: "read"`).
 *
 * Times (`ts`, `dur`) are microseconds from the trace's first timestamp.
 * Needs the timestamps of JSON Lines traces: an event without one is
 * refused (`TimelineError`).
 *
 * @module
 */

import type { TraceEvent } from "../event.ts";
import { basename } from "../path.ts";

/** A trace that cannot be drawn (no timestamps). */
export class TimelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimelineError";
  }
}

/** Options of `TimelineBuilder`. */
export interface TimelineOptions {
  /** Also draw reads and execs as instant events (there are many). */
  reads?: boolean;
}

interface Proc {
  tid: number;
  pid: number;
  parent?: Proc;
  children: Proc[];
  start: number;
  end?: number;
  /** [time, argv or program] of each exec. */
  execs: [number, string[]][];
  exit?: { status: number; signal?: number };
  forkFlow?: number;
}

/** One Chrome trace event. */
export type ChromeEvent = Record<string, unknown>;

const WRITE_OPS = new Set([
  "unlink",
  "rename",
  "link",
  "truncate",
  "rmdir",
  "mkdir",
  "mknod",
]);

/**
 * Builds a timeline from trace events, one at a time.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { TimelineBuilder } from "./timeline.ts";
 * const t = new TimelineBuilder();
 * t.add({ op: "exec", pid: 7, path: "/bin/sh", argv: ["sh"], time: 1 });
 * t.add({ op: "open", pid: 7, path: "/w/out", mode: "w", time: 1.5 });
 * t.add({ op: "exit", pid: 7, status: 0, signal: 0, time: 2 });
 * const events = t.finish().traceEvents;
 * const span = events.find((e) => e.cat === "process")!;
 * assertEquals([span.ts, span.dur, span.name], [0, 1e6, "sh 7"]);
 * assertEquals(events.find((e) => e.ph === "i")!.name, "write /w/out");
 * ```
 */
export class TimelineBuilder {
  #reads: boolean;
  #procs: Proc[] = [];
  #live = new Map<number, Proc>();
  #instants: ChromeEvent[] = [];
  #base: number | undefined;
  #last = 0;
  #stop: number | undefined;
  #flows = 0;

  constructor(options: TimelineOptions = {}) {
    this.#reads = options.reads === true;
  }

  #us(time: number | undefined): number {
    if (time === undefined) {
      throw new TimelineError(
        "the trace has no timestamps (a filemon log carries none): record it with 'filemon trace -f jsonl'",
      );
    }
    this.#base ??= time;
    const us = Math.round((time - this.#base) * 1e6);
    if (us > this.#last) this.#last = us;
    return us;
  }

  #proc(pid: number, at: number): Proc {
    let p = this.#live.get(pid);
    if (p === undefined) {
      p = {
        tid: this.#procs.length + 1,
        pid,
        children: [],
        start: at,
        execs: [],
      };
      this.#procs.push(p);
      this.#live.set(pid, p);
    }
    return p;
  }

  /** Takes one event. */
  add(event: TraceEvent): void {
    switch (event.op) {
      case "start":
        this.#us(event.time);
        return;
      case "stop":
        this.#stop = this.#us(event.time);
        return;
      case "begin":
      case "version":
      case "target":
      case "bye":
      case "comment":
      case "openat":
        return;
    }
    const at = this.#us(event.time);
    const p = this.#proc(event.pid, at);
    switch (event.op) {
      case "fork": {
        const old = this.#live.get(event.child);
        if (old !== undefined && old.end === undefined) {
          this.#live.delete(event.child);
        }
        const c = this.#proc(event.child, at);
        c.parent = p;
        c.forkFlow = ++this.#flows;
        p.children.push(c);
        this.#instants.push(
          {
            name: "fork",
            cat: "fork",
            ph: "s",
            id: c.forkFlow,
            pid: 1,
            tid: p.tid,
            ts: at,
          },
          {
            name: "fork",
            cat: "fork",
            ph: "f",
            bp: "e",
            id: c.forkFlow,
            pid: 1,
            tid: c.tid,
            ts: at,
          },
        );
        return;
      }
      case "exit":
        p.end = at;
        p.exit = event.signal === undefined
          ? { status: event.status }
          : { status: event.status, signal: event.signal };
        this.#live.delete(event.pid);
        return;
      case "exec":
        if (event.error !== undefined) return;
        p.execs.push([at, event.argv ?? [event.abs ?? event.path]]);
        if (this.#reads) {
          this.#instant(p, at, "read", "exec", event.abs ?? event.path);
        }
        return;
      case "open":
        if (event.error !== undefined) return;
        if (event.mode !== "r") {
          this.#instant(p, at, "write", "write", event.abs ?? event.path);
        } else if (this.#reads) {
          this.#instant(p, at, "read", "read", event.abs ?? event.path);
        }
        return;
      default:
        if (!WRITE_OPS.has(event.op) || event.error !== undefined) return;
        if ("to" in event) {
          this.#instant(p, at, "write", event.op, event.to_abs ?? event.to);
        } else if ("path" in event) {
          this.#instant(p, at, "write", event.op, event.abs ?? event.path);
        }
    }
  }

  #instant(p: Proc, ts: number, cat: string, what: string, path: string) {
    this.#instants.push({
      name: `${what} ${path}`,
      cat,
      ph: "i",
      s: "t",
      pid: 1,
      tid: p.tid,
      ts,
      args: { path },
    });
  }

  /** The timeline, as the object ui.perfetto.dev opens. */
  finish(): { traceEvents: ChromeEvent[]; displayTimeUnit: "ms" } {
    const end = this.#stop ?? this.#last;
    const events: ChromeEvent[] = [];
    const roots = this.#procs.filter((p) => p.parent === undefined);
    const name = (p: Proc) => {
      const argv = p.execs.at(-1)?.[1] ?? inherited(p);
      return `${argv === undefined ? "?" : basename(argv[0] ?? "?")} ${p.pid}`;
    };
    const first = roots[0];
    events.push({
      name: "process_name",
      ph: "M",
      pid: 1,
      tid: 0,
      args: {
        name: first
          ? `filemon: ${(first.execs[0]?.[1] ?? []).join(" ")}`
          : "filemon",
      },
    });
    // Tracks in process-tree order, indented by depth.
    let order = 0;
    const stack: [Proc, number][] = roots.slice().reverse().map((p) => [p, 0]);
    while (stack.length > 0) {
      const [p, depth] = stack.pop()!;
      for (let i = p.children.length - 1; i >= 0; i--) {
        stack.push([p.children[i], depth + 1]);
      }
      const stop = p.end ?? end;
      events.push(
        {
          name: "thread_name",
          ph: "M",
          pid: 1,
          tid: p.tid,
          args: { name: "  ".repeat(depth) + name(p) },
        },
        {
          name: "thread_sort_index",
          ph: "M",
          pid: 1,
          tid: p.tid,
          args: { sort_index: order++ },
        },
      );
      const args: Record<string, unknown> = { pid: p.pid };
      if (p.parent) args.ppid = p.parent.pid;
      const argv = p.execs.at(-1)?.[1];
      if (argv) args.argv = argv;
      if (p.exit) args.exit = p.exit;
      events.push({
        name: name(p),
        cat: "process",
        ph: "X",
        pid: 1,
        tid: p.tid,
        ts: p.start,
        dur: stop - p.start,
        args,
      });
      p.execs.forEach(([at, argv], i) => {
        const until = p.execs[i + 1]?.[0] ?? stop;
        events.push({
          name: argv.join(" ").slice(0, 300),
          cat: "exec",
          ph: "X",
          pid: 1,
          tid: p.tid,
          ts: at,
          dur: until - at,
          args: { argv },
        });
      });
    }
    for (const e of this.#instants) events.push(e);
    return { traceEvents: events, displayTimeUnit: "ms" };
  }
}

function inherited(p: Proc): string[] | undefined {
  for (let q = p.parent; q !== undefined; q = q.parent) {
    const argv = q.execs.at(-1)?.[1];
    if (argv) return argv;
  }
  return undefined;
}

/** The timeline as JSON text, one event a line. */
export function timelineJson(
  t: { traceEvents: ChromeEvent[]; displayTimeUnit: string },
): string {
  return `{"displayTimeUnit":${
    JSON.stringify(t.displayTimeUnit)
  },"traceEvents":[\n${
    t.traceEvents.map((e) => JSON.stringify(e)).join(",\n")
  }\n]}\n`;
}
