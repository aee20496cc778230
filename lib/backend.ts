/**
 * The contract every tracing backend implements (Linux ptrace today,
 * FreeBSD's /dev/filemon next), so the commands never know which one runs
 * and can be tested with a backend that replays a recording.
 *
 * @module
 */

import type { TraceEvent } from "./event.ts";
import type { OpClass } from "./ops.ts";

/** What to trace and where events go. */
export interface TraceRequest {
  /** The command and its arguments; looked up in PATH like a shell does. */
  argv: string[];
  /** The operation classes to record. */
  ops: ReadonlySet<OpClass>;
  /** Record failed calls too, with their errno. */
  failed: boolean;
  /** Give each event a `time` (seconds since the epoch). */
  timestamps?: boolean;
  /** Measure where the tracer's time goes (see `TraceResult.stats`). */
  stats?: boolean;
  /**
   * Let the backend answer calls the fast way where it has one (Linux:
   * seccomp user notification for read-only opens); false: the plain way.
   */
  fastPath?: boolean;
  /**
   * The descriptor a filemon log goes to, when the trace is one written as
   * it comes (`-f filemon`, no filters). A backend whose kernel writes the
   * log itself (FreeBSD's /dev/filemon) has it written there, byte for
   * byte, and emits no events; the others ignore it and emit as usual.
   */
  filemonLogFd?: number;
  /** Receives every event, in order, as it happens. */
  emit(event: TraceEvent): void;
  /** Called when the tracer has nothing to do for a while (a good time to flush). */
  idle?(): void;
}

/** Counts of a tracer's own work, for `trace --stats`. */
export interface TraceStats {
  /** Events emitted. */
  events: number;
  /** Calls that waited for a stop (waitpid) or a record (read). */
  waits: number;
  /** ptrace requests. */
  ptrace: number;
  /** Reads of the tracee's memory. */
  memReads: number;
  /** Lookups in /proc (working directories, fd paths, threads). */
  proc: number;
  /** Milliseconds spent waiting for the tracee. */
  waitMs: number;
  /** Milliseconds from the command's start to its last process's end. */
  loopMs: number;
  /** Linux: what the fast path did (absent when it did not run). */
  fastPath?: {
    /** Opens answered with an fd. */
    emulated: number;
    /** Opens answered with an errno. */
    answeredErrors: number;
    /** Calls sent back the ptrace way. */
    fallbacks: number;
    /** Notifications whose caller was gone by the answer. */
    vanished: number;
    /** Times the server waited for the main thread to read its records. */
    ringWaits: number;
  };
}

/** How the traced command ended. */
export interface TraceResult {
  /** Its exit code, or 128 + signal when a signal killed it (like shells). */
  exitCode: number;
  /** The signal that killed it, 0 when it exited. */
  signal: number;
  /** Processes seen (the command and all its descendants). */
  processes: number;
  /** Stops of the traced processes handled (ptrace stops; records on FreeBSD). */
  stops: number;
  /** With `stats`: counts of the tracer's own work, and times. */
  stats?: TraceStats;
  /**
   * Things the user must know about the run, each said once (a setuid
   * program that ran without its privileges), without "filemon:".
   */
  warnings?: string[];
}

/** A way to trace a command. */
export interface Backend {
  /** Short name ("linux-ptrace", "freebsd-filemon"). */
  readonly name: string;
  /** Runs the command and traces it until its last process has exited. */
  run(request: TraceRequest): Promise<TraceResult>;
  /**
   * A signal the tracer got. While the command's first process runs, it is
   * passed on to it (SIGINT only when the command did not get it too, as
   * from a terminal); once that process has exited, the trace ends there:
   * processes it left running are killed, the trace is written.
   */
  forward(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void;
}
