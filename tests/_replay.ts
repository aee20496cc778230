/**
 * A tracing backend that replays a recorded filemon log instead of running
 * anything, so the `trace` command is tested without ptrace, on any
 * runtime.
 *
 * @module
 */

import type { Backend, TraceRequest, TraceResult } from "../lib/backend.ts";
import { decodeFilemon } from "../lib/filemon_decoder.ts";

/** Replays `log`'s records; the command "exits" with `exitCode`. */
export class ReplayBackend implements Backend {
  readonly name = "replay";
  /** The requests `run` got. */
  readonly requests: TraceRequest[] = [];
  /** The signals `forward` got. */
  readonly forwarded: string[] = [];
  #log: string;
  #exitCode: number;
  #during: (() => void) | undefined;

  /** `during` runs halfway through the replay (to send a signal, say). */
  constructor(log: string, exitCode = 0, during?: () => void) {
    this.#log = log;
    this.#exitCode = exitCode;
    this.#during = during;
  }

  run(request: TraceRequest): Promise<TraceResult> {
    this.requests.push(request);
    const events = decodeFilemon(this.#log);
    events.forEach((event, i) => {
      if (i === events.length >> 1) this.#during?.();
      request.emit(event);
    });
    return Promise.resolve({
      exitCode: this.#exitCode,
      signal: 0,
      processes: new Set(events.map((e) => "pid" in e ? e.pid : 0)).size,
      stops: events.length,
    });
  }

  forward(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void {
    this.forwarded.push(signal);
  }
}
