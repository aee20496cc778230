/**
 * An interval timer that interrupts blocking calls on the main thread: its
 * SIGALRM handler is a C function that does nothing (getpid), installed
 * without SA_RESTART, so a blocking waitpid or read returns EINTR at each
 * tick and the event loop gets a turn (signal listeners, output flushes).
 *
 * @module
 */

import { check, functionAddress, libc, setU64 } from "../libc/posix.ts";

const SIGALRM = 14; // Linux and FreeBSD
const ITIMER_REAL = 0;

/** Starts ticking every `ms` milliseconds; `stop()` restores the old handler. */
export function startTicker(ms: number): { stop(): void } {
  // struct sigaction starts with the handler on Linux and FreeBSD; the mask
  // and flags (zero: no SA_RESTART) follow in an order that differs.
  const act = new Uint8Array(256);
  const view = new DataView(act.buffer);
  view.setBigUint64(0, functionAddress("getpid"), true);
  const old = new Uint8Array(256);
  check("sigaction", libc.sigaction(SIGALRM, act, old));
  // struct itimerval { struct timeval it_interval, it_value; }
  const timer = new Uint8Array(64);
  const tv = new DataView(timer.buffer);
  setU64(tv, 8, ms * 1000);
  setU64(tv, 24, ms * 1000);
  check("setitimer", libc.setitimer(ITIMER_REAL, timer, 0));
  return {
    stop() {
      libc.setitimer(ITIMER_REAL, new Uint8Array(64), 0);
      libc.sigaction(SIGALRM, old, new Uint8Array(256));
    },
  };
}
