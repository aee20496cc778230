/**
 * The one interface every tracing backend implements (Linux ptrace today,
 * FreeBSD's /dev/filemon next), so the CLI and the sinks never know which
 * one runs.
 *
 * @module
 */

import type { TraceEvent } from "../lib/event.ts";
import type { OpClass } from "./linux/syscalls/semantics.ts";

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
  /** Receives every event, in order, as it happens. */
  emit(event: TraceEvent): void;
  /** Called when the tracer has nothing to do for a while (a good time to flush). */
  idle?(): void;
}

/** How the traced command ended. */
export interface TraceResult {
  /** Its exit code, or 128 + signal when a signal killed it (like shells). */
  exitCode: number;
  /** The signal that killed it, 0 when it exited. */
  signal: number;
  /** Processes seen (the command and all its descendants). */
  processes: number;
  /** Ptrace stops handled. */
  stops: number;
  /** With `stats`: counts of the tracer's own work, and times in ms. */
  stats?: Readonly<Record<string, number>>;
}

/** A way to trace a command. */
export interface Backend {
  /** Short name ("linux-ptrace", "freebsd-filemon"). */
  readonly name: string;
  /** Runs the command and traces it until its last process has exited. */
  run(request: TraceRequest): Promise<TraceResult>;
  /** Passes a signal on to the traced command (SIGTERM, SIGHUP to the tracer). */
  forward(signal: number): void;
}
