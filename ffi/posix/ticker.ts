/**
 * An interval timer that interrupts blocking calls on the main thread: its
 * SIGALRM handler is a C function that does nothing (getpid), installed
 * without SA_RESTART, so a blocking waitpid or read returns EINTR at each
 * tick and the event loop gets a turn (signal listeners, output flushes).
 * Given the thread's id, the timer signals that thread alone
 * (SIGEV_THREAD_ID), never a worker thread that would not need the wake-up.
 *
 * Other threads (the fast path's servers) may signal SIGALRM too while the
 * ticker runs. A signal sent to a thread that has not yet run to take it
 * stays pending; restoring the default action (terminate) then would kill
 * the process when that thread next runs. So `stop()` first sets SIG_IGN,
 * which discards every pending SIGALRM of every thread, and restores the
 * old action after that; `stop(true)` keeps the no-op handler for a caller
 * that cannot be sure every sender has finished.
 *
 * @module
 */

import { check, functionAddress, libc, setU64 } from "../libc/posix.ts";

const SIGALRM = 14; // Linux and FreeBSD
const ITIMER_REAL = 0;
const SIG_IGN = 1n;

const CLOCK_MONOTONIC = 1;
const SIGEV_THREAD_ID = 4; // Linux and FreeBSD

/** A running ticker. */
export interface Ticker {
  /**
   * Stops ticking; discards pending SIGALRMs and restores the old action,
   * or with `keepHandler` leaves the no-op handler in place.
   */
  stop(keepHandler?: boolean): void;
}

/**
 * Starts ticking every `ms` milliseconds, at thread `tid` when given (else
 * at the process).
 */
export function startTicker(ms: number, tid?: number): Ticker {
  // struct sigaction starts with the handler on Linux and FreeBSD; the mask
  // and flags (zero: no SA_RESTART) follow in an order that differs.
  const act = new Uint8Array(256);
  const view = new DataView(act.buffer);
  view.setBigUint64(0, functionAddress("getpid"), true);
  const old = new Uint8Array(256);
  check("sigaction", libc.sigaction(SIGALRM, act, old));
  if (tid !== undefined) {
    const timer = threadTimer(ms, tid);
    if (timer !== undefined) {
      return {
        stop(keepHandler = false) {
          libc.timer_delete(timer);
          if (!keepHandler) restore(old);
        },
      };
    }
  }
  // struct itimerval { struct timeval it_interval, it_value; }
  const timer = new Uint8Array(64);
  const tv = new DataView(timer.buffer);
  for (const at of [0, 16]) {
    setU64(tv, at, Math.floor(ms / 1000));
    setU64(tv, at + 8, (ms % 1000) * 1000);
  }
  check("setitimer", libc.setitimer(ITIMER_REAL, timer, 0));
  return {
    stop(keepHandler = false) {
      libc.setitimer(ITIMER_REAL, new Uint8Array(64), 0);
      if (!keepHandler) restore(old);
    },
  };
}

/** Discards pending SIGALRMs (SIG_IGN), then puts the action `old` back. */
function restore(old: Uint8Array<ArrayBuffer>): void {
  const ignore = new Uint8Array(256);
  new DataView(ignore.buffer).setBigUint64(0, SIG_IGN, true);
  libc.sigaction(SIGALRM, ignore, new Uint8Array(256));
  libc.sigaction(SIGALRM, old, new Uint8Array(256));
}

/** A timer signalling thread `tid` every `ms` milliseconds; its id, or undefined. */
function threadTimer(ms: number, tid: number): bigint | undefined {
  // struct sigevent: sigev_value (8), sigev_signo, sigev_notify, then the
  // thread id.
  const event = new Uint8Array(new ArrayBuffer(64));
  const ev = new DataView(event.buffer);
  ev.setInt32(8, SIGALRM, true);
  ev.setInt32(12, SIGEV_THREAD_ID, true);
  ev.setInt32(16, tid, true);
  const id = new Uint8Array(new ArrayBuffer(16));
  if (libc.timer_create(CLOCK_MONOTONIC, event, id) !== 0) return undefined;
  const timer = new DataView(id.buffer).getBigUint64(0, true);
  // struct itimerspec { struct timespec it_interval, it_value; }
  const spec = new Uint8Array(new ArrayBuffer(64));
  const sv = new DataView(spec.buffer);
  for (const at of [0, 16]) {
    setU64(sv, at, Math.floor(ms / 1000));
    setU64(sv, at + 8, (ms % 1000) * 1_000_000);
  }
  if (libc.timer_settime(timer, 0, spec, 0) !== 0) {
    libc.timer_delete(timer);
    return undefined;
  }
  return timer;
}
