/**
 * The main thread's side of the fast path: it starts the server's worker,
 * takes the seccomp listener out of the launcher (pidfd_getfd), reads the
 * server's records, and makes a call the server would not answer run again
 * the ptrace way:
 *
 * 1. PTRACE_INTERRUPT the thread (it waits in the notification), then
 *    answer the notification with -ERESTARTNOINTR: on its way back to user
 *    space the thread stops (the interrupt), its call marked for restart;
 * 2. at that stop, put `TRACE_MARK` in the call's sixth argument register
 *    (which it does not read) and let it go: the kernel restarts the call,
 *    and the filter sends a marked call the ptrace way, where its result is
 *    read at its exit stop like any other;
 * 3. at that call's exit stop, give the register its own value back (not
 *    at its seccomp stop: the kernel runs the filter again after it).
 *
 * Every ptrace request is made here, on the main thread.
 *
 * @module
 */

import { decodePath, resolvePath } from "../../lib/path.ts";
import {
  addressOf,
  close,
  cstring,
  errnoName,
  getpid,
  libc,
  open,
  read,
  setU64,
} from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";
import { proc } from "../runtime/process.ts";
import {
  createRing,
  H_ANSWERED_ERROR,
  H_EMULATED,
  H_FALLBACK,
  H_LISTENER_FD,
  H_LISTENING,
  H_RING_WAITS,
  H_SERVER_TIDS,
  H_STOP,
  H_VANISHED,
  KIND_FALLBACK,
  KIND_OPEN,
  MAX_SERVERS,
  NONE,
  Ring,
  type RingRecord,
} from "./notify_ring.ts";
import type { ServerSetup } from "./notify_server.ts";
import { sendResponse } from "./seccomp_notify.ts";
import { TRACE_MARK } from "./seccomp.ts";
import {
  ERESTARTNOINTR,
  HOST_SYSCALLS,
  NT_PRSTATUS,
  PTRACE_GETREGSET,
  PTRACE_INTERRUPT,
  PTRACE_SETREGSET,
  RESP_SIZE,
} from "./seccomp_notify.ts";
import { hostTables } from "./syscalls/host.ts";
import { linuxOpenFlags, O_CLOEXEC, O_RDONLY } from "../libc/linux_abi.ts";

const { O_PATH } = linuxOpenFlags(proc.arch);

const SIGALRM = 14;
const WORKER = new URL("./notify_worker.ts", import.meta.url);

/** struct stat offsets of st_dev and st_mode. */
const STAT_LAYOUT: Readonly<Record<string, { dev: number; mode: number }>> = {
  x86_64: { dev: 0, mode: 24 },
  aarch64: { dev: 0, mode: 16 },
};

/** Counts for `--stats`. */
export interface FastPathStats {
  /** Opens the server answered with an fd. */
  emulated: number;
  /** Opens it answered with an errno. */
  answeredErrors: number;
  /** Calls sent back the ptrace way. */
  fallbacks: number;
  /** Notifications whose tracee was gone by the answer. */
  vanished: number;
  /** Times the server waited for room in the ring. */
  ringWaits: number;
}

/** What the server's record `b` field says a call was. */
export const FAST_OPS = ["open", "stat", "access", "readlink"] as const;

/** A call the server answered: an open, or a probe (stat, access, readlink). */
export interface FastCall {
  op: typeof FAST_OPS[number];
  tid: number;
  path: string;
  abs: string | undefined;
  /** The errno name of a failed open. */
  error: string | undefined;
  /** Milliseconds since the epoch. */
  time: number;
}

/** The fast path, once its worker is running. */
export class FastPath {
  #workers: Server[] = [];
  #servers = 0;
  /** Each server's setup, by index, once the launcher is known. */
  #setups: ServerSetup[] = [];
  #error: string | undefined;
  #ring: Ring;
  #ringBuffer: SharedArrayBuffer;
  #taint: Uint8Array;
  #taintBuffer: SharedArrayBuffer;
  #failed: boolean;
  #regs = hostTables(proc.arch)[0].regs!;
  #regsBuf: Uint8Array<ArrayBuffer>;
  #regsView: DataView;
  #iov = new Uint8Array(new ArrayBuffer(64));
  #resp = new Uint8Array(new ArrayBuffer(RESP_SIZE + 8));
  #host = HOST_SYSCALLS[proc.arch]!;

  private constructor(failed: boolean) {
    this.#failed = failed;
    this.#ringBuffer = createRing();
    this.#ring = new Ring(this.#ringBuffer);
    this.#taintBuffer = new SharedArrayBuffer(pidMax() + 1);
    this.#taint = new Uint8Array(this.#taintBuffer);
    this.#regsBuf = new Uint8Array(new ArrayBuffer(this.#regs.size + 64));
    this.#regsView = new DataView(this.#regsBuf.buffer);
    const iov = new DataView(this.#iov.buffer);
    setU64(iov, 0, Number(addressOf(this.#regsBuf)));
    setU64(iov, 8, this.#regs.size);
  }

  /**
   * Whether this host can have a fast path: x86_64 or aarch64 Linux, under
   * Deno with read permission on the worker's module, under Bun, and in the
   * compiled binary.
   */
  static supported(): boolean {
    return HOST_SYSCALLS[proc.arch] !== undefined &&
      proc.canStartWorker(WORKER) &&
      STAT_LAYOUT[proc.arch] !== undefined &&
      hostTables(proc.arch)[0].regs !== undefined;
  }

  /**
   * Starts the first of `servers` workers (each serves the listener: while
   * one waits for a tracee to take its fd, another answers the next open).
   * It loads while the launcher starts.
   */
  static start(failed: boolean, servers = 2): FastPath {
    const fast: FastPath = new FastPath(failed);
    fast.#servers = Math.min(servers, MAX_SERVERS);
    fast.#startNext();
    return fast;
  }

  /**
   * Starts the next server. Each starts once the one before has loaded: the
   * first loads beside the launcher, the others while the command already
   * runs (on two cores, loading them all at once delayed the first).
   */
  #startNext(): void {
    if (this.#workers.length >= this.#servers) return;
    this.#workers.push(startWorker(
      (message) => this.#error ??= message,
      () => {
        this.deliver();
        this.#startNext();
      },
    ));
  }

  /** Why a server failed, if one did (the trace cannot go on exactly). */
  get error(): string | undefined {
    return this.#error;
  }

  /**
   * Sets the server going: it takes the listener out of the launcher `pid`
   * (its answer on `ready`) and lets it exec (a byte on `go`). The pipes are
   * the server's from now on.
   */
  handOff(pid: number, ready: number, go: number): void {
    const common = {
      launcher: pid,
      ring: this.#ringBuffer,
      taint: this.#taintBuffer,
      mainTid: linux.gettid(),
      failed: this.#failed,
      procDev: procDev(),
      statLayout: STAT_LAYOUT[proc.arch],
    };
    // The first takes the listener; the others wait for it. Each gets its
    // setup once it says it has loaded (see `deliver`).
    for (let index = 0; index < this.#servers; index++) {
      this.#setups[index] = index === 0
        ? { ...common, index, ready, go }
        : { ...common, index, ready: -1, go: -1 };
    }
    this.deliver();
  }

  /**
   * Posts each loaded server its setup (once). A message posted before a
   * worker has loaded was seen to get lost under Bun, now and then.
   */
  deliver(): void {
    this.#workers.forEach((w, index) => {
      const setup = this.#setups[index];
      if (w.loaded && !w.posted && setup !== undefined) {
        w.worker.postMessage(setup);
        w.posted = true;
      }
    });
  }

  /** Whether the server has taken the listener, or given up (no fast path). */
  get settled(): boolean {
    return Atomics.load(this.#ring.header, H_LISTENING) !== 0 ||
      this.#error !== undefined;
  }

  /** Whether the server answers (false before it took the listener, and when it could not). */
  get listening(): boolean {
    return Atomics.load(this.#ring.header, H_LISTENING) === 1;
  }

  /**
   * Reads the server's records: each answered call goes to `answered`;
   * each call to send back the ptrace way to `fallBack` (with the
   * notification's id).
   */
  drain(
    answered: (call: FastCall) => void,
    fallBack: (tid: number, id: Uint8Array) => void,
  ): void {
    this.#ring.drain((rec: RingRecord) => {
      if (rec.kind === KIND_OPEN) {
        const bytes = rec.bytes;
        const start = rec.start1;
        const end = start + rec.length1;
        const path = decodePath(bytes, start, end);
        // The server's directory: a relative path's base, or the real
        // directory before a ".." (the path's rest from restAt on).
        const restAt = rec.b >>> 8;
        const dirLength = rec.length2;
        const abs = dirLength !== NONE
          ? resolvePath(
            decodePath(bytes, end, end + dirLength),
            restAt === 0 ? path : decodePath(bytes, start + restAt, end),
          )
          : path.charCodeAt(0) === 0x2f
          ? resolvePath("/", path)
          : undefined;
        answered({
          op: FAST_OPS[rec.b & 0xff] ?? "open",
          tid: rec.tid,
          path,
          abs,
          error: rec.a === 0 ? undefined : errnoName(rec.a),
          time: rec.time,
        });
      } else if (rec.kind === KIND_FALLBACK) {
        fallBack(rec.tid, rec.s1);
      }
    });
  }

  /**
   * Step 1: interrupts `tid` and answers its notification `id` with
   * -ERESTARTNOINTR. False when the notification or the thread is gone.
   */
  restart(tid: number, id: Uint8Array): boolean {
    if (linux.ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) return false;
    this.#resp.fill(0);
    this.#resp.set(id, 0);
    new DataView(this.#resp.buffer).setInt32(16, -ERESTARTNOINTR, true);
    return sendResponse(
      Atomics.load(this.#ring.header, H_LISTENER_FD),
      this.#resp,
    );
  }

  /**
   * Step 2, at `tid`'s next stop: marks the restarting call. Returns the
   * register's own value (for `unmark`), or undefined when the registers
   * show no call being restarted.
   */
  mark(tid: number): bigint | undefined {
    if (!this.#getRegs(tid)) return undefined;
    const v = this.#regsView;
    const ret = this.#regs.ret;
    if (
      v.getInt32(ret, true) !== -ERESTARTNOINTR ||
      v.getInt32(ret + 4, true) !== -1
    ) {
      return undefined;
    }
    const at = this.#regs.args[5];
    const own = v.getBigUint64(at, true);
    v.setUint32(at, TRACE_MARK.lo, true);
    v.setUint32(at + 4, TRACE_MARK.hi, true);
    return this.#setRegs(tid) ? own : undefined;
  }

  /** Step 3, at the marked call's exit stop: the register's own value back. */
  unmark(tid: number, own: bigint): void {
    if (!this.#getRegs(tid)) return;
    this.#regsView.setBigUint64(this.#regs.args[5], own, true);
    this.#setRegs(tid);
  }

  #getRegs(tid: number): boolean {
    return linux.ptrace_buf(PTRACE_GETREGSET, tid, NT_PRSTATUS, this.#iov) >= 0;
  }

  #setRegs(tid: number): boolean {
    return linux.ptrace_buf(PTRACE_SETREGSET, tid, NT_PRSTATUS, this.#iov) >= 0;
  }

  /** Whether the server still answers for `tid`. */
  tainted(tid: number): boolean {
    return this.#taint[tid] !== 0;
  }

  /** Stops (or, with false, resumes) answering for `tid`. */
  setTaint(tid: number, on: boolean): void {
    if (tid < this.#taint.length) this.#taint[tid] = on ? 1 : 0;
  }

  /**
   * Stops the server: call while the ticker's SIGALRM handler is in place.
   * True when every server has finished (none can signal any more); false
   * when one had to be terminated, so the no-op handler must stay.
   */
  async stop(): Promise<boolean> {
    const header = this.#ring.header;
    Atomics.store(header, H_STOP, 1);
    this.#servers = 0; // no more starts
    // A server without its setup serves nothing: end it now.
    for (const w of this.#workers) {
      if (!w.posted) {
        w.posted = true;
        w.worker.terminate();
        w.finish();
      }
    }
    // Servers waiting for the listener, and those in NOTIF_RECV.
    Atomics.compareExchange(header, H_LISTENING, 0, -1);
    Atomics.notify(header, H_LISTENING);
    // A server in NOTIF_RECV wakes with EINTR (the ticker's no-op SIGALRM
    // handler); again every few milliseconds, in case one was just entering.
    let finished = false;
    const all = Promise.all(this.#workers.map((w) => w.done)).then(() => {
      finished = true;
    });
    for (let waited = 0; !finished && waited < 1000; waited += 5) {
      for (let i = 0; i < this.#workers.length; i++) {
        const tid = Atomics.load(header, H_SERVER_TIDS + i);
        if (tid > 0) linux.syscall3(this.#host.tgkill, getpid(), tid, SIGALRM);
      }
      await Promise.race([all, new Promise((r) => setTimeout(r, 5))]);
    }
    for (const { worker } of this.#workers) worker.terminate();
    return finished;
  }

  /** The server's counts. */
  stats(): FastPathStats {
    const h = this.#ring.header;
    return {
      emulated: Atomics.load(h, H_EMULATED),
      answeredErrors: Atomics.load(h, H_ANSWERED_ERROR),
      fallbacks: Atomics.load(h, H_FALLBACK),
      vanished: Atomics.load(h, H_VANISHED),
      ringWaits: Atomics.load(h, H_RING_WAITS),
    };
  }
}

/**
 * Starts one server's worker. It loads while the launcher starts; messages
 * posted meanwhile wait for it.
 */
/** A server's worker, and its setup until it is posted. */
interface Server {
  worker: Worker;
  done: Promise<void>;
  loaded: boolean;
  posted: boolean;
  finish: () => void;
}

function startWorker(
  onError: (message: string) => void,
  onLoaded: () => void,
): Server {
  // A compiled binary embeds the worker under its path from the root.
  const where = proc.standalone ? "./ffi/linux/notify_worker.ts" : WORKER.href;
  const worker = new Worker(where, { type: "module" });
  let finished!: () => void;
  const done = new Promise<void>((resolve) => finished = resolve);
  const server: Server = {
    worker,
    done,
    loaded: false,
    posted: false,
    finish: finished,
  };
  worker.onmessage = (e: MessageEvent) => {
    if (e.data.loaded) {
      server.loaded = true;
      onLoaded();
    }
    if (e.data.done) finished();
    if (e.data.error) {
      onError(`the fast path's server: ${e.data.error}`);
      finished();
    }
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    onError(`the fast path's server: ${e.message}`);
    finished();
  };
  return server;
}

/** /proc/sys/kernel/pid_max (the largest thread id plus one). */
function pidMax(): number {
  const fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC);
  try {
    const buf = new Uint8Array(new ArrayBuffer(64));
    const n = read(fd, buf);
    const max = Number(new TextDecoder().decode(buf.subarray(0, n)).trim());
    return Number.isInteger(max) && max > 0 ? max : 1 << 22;
  } finally {
    close(fd);
  }
}

/** The device number of /proc (the low word of st_dev). */
function procDev(): number {
  const fd = libc.open(cstring("/proc"), O_PATH | O_CLOEXEC, 0);
  if (fd < 0) return -1;
  try {
    const st = new Uint8Array(new ArrayBuffer(256));
    if (linux.fstat(fd, st) < 0) return -1;
    return new DataView(st.buffer).getUint32(STAT_LAYOUT[proc.arch].dev, true);
  } finally {
    close(fd);
  }
}
