/**
 * The Linux backend: ptrace + seccomp-bpf through libc FFI. No root, no
 * kernel module, no compiler.
 *
 * The command is started suspended through the launcher (`spawn.ts`),
 * seized with PTRACE_SEIZE, and runs under a seccomp filter that stops it
 * only at the calls filemon records. At each such stop (PTRACE_EVENT_SECCOMP)
 * the tracer notes the call and asks for the syscall-exit stop; there it
 * reads the result and emits the event (`syscall_events.ts`). Forks, clones
 * and execs are ptrace events. Every ptrace request, and the blocking
 * waitpid, is made here on the main thread; an interval timer interrupts
 * that waitpid now and then so the event loop turns and signal listeners
 * keep working. This file is the loop and the process table.
 *
 * @module
 */

import type {
  Backend,
  TraceRequest,
  TraceResult,
  TraceStats,
} from "../../lib/backend.ts";
import type {
  ExtraEvent,
  OpenEvent,
  StatEvent,
  TraceEvent,
} from "../../lib/event.ts";
import {
  callsFor,
  CLONE_NEW_MASK,
  type SyscallName,
} from "./syscalls/semantics.ts";
import {
  errno,
  errnoName,
  getpid,
  kill,
  libc,
  LibcError,
} from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";
import type { OpClass } from "../../lib/ops.ts";
import { proc } from "../runtime/process.ts";
import { spawnSuspended } from "../posix/spawn.ts";
import { startTicker } from "../posix/ticker.ts";
import { buildFilter } from "./seccomp.ts";
import { filterPayload } from "./seccomp_install.ts";
import { type FastCall, FastPath } from "./fast_path.ts";
import { hostTables, type KnownCall, SyscallIndex } from "./syscalls/host.ts";
import { type Ids, taints } from "./taint.ts";
import {
  callArgs,
  type PendingCall,
  syscallArg,
  SyscallEvents,
} from "./syscall_events.ts";
import { ProcTracee } from "./tracee_memory.ts";
import { lostPrivileges } from "./privileged_exec.ts";
import {
  __WALL,
  decodeWaitStatus,
  ECHILD,
  EINTR,
  ERESTART_MAX,
  ERESTART_MIN,
  ESRCH,
  isGroupStopSignal,
  PTRACE_CONT,
  PTRACE_EVENT_CLONE,
  PTRACE_EVENT_EXEC,
  PTRACE_EVENT_FORK,
  PTRACE_EVENT_SECCOMP,
  PTRACE_EVENT_STOP,
  PTRACE_EVENT_VFORK,
  PTRACE_GET_SYSCALL_INFO,
  PTRACE_GETEVENTMSG,
  PTRACE_LISTEN,
  PTRACE_O_EXITKILL,
  PTRACE_O_TRACECLONE,
  PTRACE_O_TRACEEXEC,
  PTRACE_O_TRACEFORK,
  PTRACE_O_TRACESECCOMP,
  PTRACE_O_TRACESYSGOOD,
  PTRACE_O_TRACEVFORK,
  PTRACE_SEIZE,
  PTRACE_SYSCALL,
  PTRACE_SYSCALL_INFO_EXIT,
  PTRACE_SYSCALL_INFO_SECCOMP,
  SIGHUP,
  SIGINT,
  SIGTERM,
  SIGTRAP,
  WNOHANG,
} from "./ptrace.ts";

/** Bytes of struct ptrace_syscall_info asked for (it is 88 today). */
const INFO_SIZE = 128;

const SEIZE_OPTIONS = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
  PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
  PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;

/**
 * Calls that change a process's root directory (and those sharing it):
 * traced to their exit, after which the roots read so far are forgotten.
 */
const ROOT_CALLS: ReadonlySet<SyscallName> = new Set([
  "chroot",
  "pivot_root",
  "setns",
]);

/** The calls to stop at for `ops`, and those that change roots. */
function tracedCalls(
  ops: ReadonlySet<OpClass>,
  fastPath = false,
): Set<SyscallName> {
  return new Set([...callsFor(ops, fastPath), ...ROOT_CALLS]);
}

/** One traced thread. */
interface Thread {
  tgid: number;
  pending?: PendingCall;
  /**
   * An exec let run without its exit stop (failed execs are not recorded):
   * its record waits for the exec event; the thread's next call drops it.
   */
  exec?: PendingCall;
  /** A fast-path call sent back: to mark at the next stop. */
  remark?: boolean;
  /** A marked call's sixth argument register, given back at its exit stop. */
  unmark?: bigint;
}

/** How long the fast path's first server may take to load and take the listener. */
const SERVER_START_MS = 30_000;

/**
 * Traces with ptrace and seccomp-bpf.
 *
 * @example
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { LinuxTracer } from "./tracer.ts";
 * const result = await new LinuxTracer().run({
 *   argv: ["true"], ops: new Set(["read", "write", "exec"]), failed: false,
 *   emit: (e) => console.log(e),
 * });
 * assertEquals(result.exitCode, 0);
 * ```
 */
export class LinuxTracer implements Backend {
  readonly name = "linux-ptrace";

  #tables = hostTables(proc.arch);
  #index = new SyscallIndex(this.#tables);
  #tracee = new ProcTracee();
  #events!: SyscallEvents;
  #threads = new Map<number, Thread>();
  /**
   * Children whose first stop came before their parent's fork event, and
   * the process they came from (/proc's word at that stop).
   */
  #parked = new Map<number, number | undefined>();
  /** Children announced by a fork event whose first stop has not come yet. */
  #expected = new Set<number>();
  #root = 0;
  /** Whether the launcher has exec'd the command. */
  #rootExeced = false;
  #rootStatus: { code: number; signal: number } | undefined;
  /** A signal that ended the trace after the command's first process exited. */
  #endedBy: string | undefined;
  /** When a traced process last got SIGINT (performance.now()). */
  #lastSigint = -Infinity;
  #processes = 0;
  #stops = 0;
  /** Calls whose path could not be read from the process's memory. */
  #unreadable = 0;
  /** Said once a run (see `TraceResult.warnings`). */
  #warnings: string[] = [];
  /** Whether a program that lost its setuid/setgid/capabilities was named. */
  #privilegesNoted = false;
  #timing = false;
  #counts = { waits: 0, ptrace: 0, events: 0, waitMs: 0 };
  #req!: TraceRequest;
  #fast: FastPath | undefined;
  /** Our ids, which an untainted tracee shares (see `taints`). */
  #ids: Ids = ownIds();
  #onFastCall = (call: FastCall) => this.#fastCall(call);
  #onFallBack = (tid: number, id: Uint8Array) => this.#fallBack(tid, id);

  // Buffers handed to libc; each is allocated once and never moves.
  #info = new Uint8Array(new ArrayBuffer(INFO_SIZE));
  #info32 = new Uint32Array(this.#info.buffer);
  #status = new Int32Array(new ArrayBuffer(64));
  #status8 = new Uint8Array(this.#status.buffer);
  #msg8 = new Uint8Array(new ArrayBuffer(64));
  #msg32 = new Uint32Array(this.#msg8.buffer);

  /** See `Backend.forward`. */
  forward(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void {
    if (this.#root <= 0) return;
    if (this.#rootStatus !== undefined) {
      // The command has exited; what runs on (a daemon) is not waited for.
      this.#endedBy ??= signal;
      return;
    }
    if (signal === "SIGINT") {
      // From a terminal, the command's processes got it too (a signal stop
      // moments ago): nothing to add.
      if (performance.now() - this.#lastSigint < 1000) return;
      kill(this.#root, SIGINT);
      return;
    }
    kill(this.#root, signal === "SIGTERM" ? SIGTERM : SIGHUP);
  }

  async run(request: TraceRequest): Promise<TraceResult> {
    this.#req = request;
    this.#events = new SyscallEvents(this.#tracee, request.ops);
    // The fast path answers read-only opens and probes; without "read" or
    // "probe" they are not recorded at all.
    const ops = request.ops;
    const fast = request.fastPath !== false &&
        (ops.has("read") || ops.has("probe")) && FastPath.supported()
      ? FastPath.start(request.failed)
      : undefined;
    const ptraceOnly = buildFilter(this.#tables, tracedCalls(request.ops));
    const notify = fast === undefined ? undefined : buildFilter(
      this.#tables,
      tracedCalls(request.ops, true),
      { notifyReadOnlyOpens: ops.has("read"), notifyProbes: ops.has("probe") },
    );
    // The frame FreeBSD's device writes: the target pid is the tracer's.
    request.emit({ op: "begin", version: 5 });
    request.emit({ op: "target", pid: getpid() });
    request.emit({ op: "start", time: now() });
    request.emit({ op: "version", version: 5 });
    try {
      this.#root = spawnSuspended(
        request.argv,
        filterPayload(notify, ptraceOnly),
        (pid) => {
          if (linux.ptrace(PTRACE_SEIZE, pid, 0, SEIZE_OPTIONS) < 0) {
            throw new LibcError("ptrace", errno(), "(PTRACE_SEIZE)");
          }
        },
        fast === undefined
          ? undefined
          : (pid, ready, go) => fast.handOff(pid, ready, go),
      );
    } catch (err) {
      await fast?.stop();
      throw err;
    }
    this.#fast = fast;
    this.#threads.set(this.#root, { tgid: this.#root });
    this.#processes = 1;
    this.#timing = request.stats === true;
    const loopStart = performance.now();
    await this.#loop();
    const loopMs = performance.now() - loopStart;
    this.#noteUnread();
    request.emit({ op: "stop", time: now() });
    request.emit({ op: "bye" });
    const st = this.#rootStatus ?? { code: 1, signal: 0 };
    const stats: TraceStats | undefined = request.stats
      ? {
        ...this.#counts,
        ...this.#tracee.stats,
        loopMs,
        fastPath: this.#fast?.listening ? this.#fast.stats() : undefined,
      }
      : undefined;
    return {
      exitCode: st.signal > 0 ? 128 + st.signal : st.code,
      signal: st.signal,
      processes: this.#processes,
      stops: this.#stops,
      stats,
      warnings: this.#warnings.length === 0 ? undefined : this.#warnings,
    };
  }

  /**
   * Waits for stops with a blocking waitpid on the main thread: far cheaper
   * than a hop to another thread per stop. A 100 ms interval timer makes
   * that waitpid return EINTR now and then; the loop then lets the event
   * loop turn, so signal listeners (SIGTERM, SIGHUP to forward) run and
   * output is flushed.
   */
  async #loop(): Promise<void> {
    const ticker = startTicker(100, linux.gettid());
    let lastTurn = performance.now();
    try {
      await this.#handshake();
      for (;;) {
        const waitStart = this.#timing ? performance.now() : 0;
        const pid = linux.waitpid(-1, this.#status8, __WALL);
        // errno now: what runs next (a futex wait in drain) may change it.
        const err = pid > 0 ? 0 : errno();
        this.#counts.waits++;
        if (this.#timing) this.#counts.waitMs += performance.now() - waitStart;
        // The fast path's records come before anything a stop shows.
        this.#fast?.drain(this.#onFastCall, this.#onFallBack);
        if (pid > 0) {
          this.#handle(pid, this.#status[0]);
          if ((++this.#stops & 255) === 0) {
            const now = performance.now();
            if (now - lastTurn > 100) {
              await turn();
              this.#req.idle?.();
              lastTurn = performance.now();
            }
          }
          continue;
        }
        if (err === EINTR) {
          // A tick, or the fast path's server asking: the event loop gets
          // a turn at most every 50 ms.
          if (performance.now() - lastTurn > 50) {
            await turn();
            this.#req.idle?.();
            lastTurn = performance.now();
            this.#checkFastPath();
            if (this.#endedBy !== undefined) return this.#endEarly();
          }
          continue;
        }
        if (err === ECHILD) return;
        throw new LibcError("waitpid", err);
      }
    } finally {
      this.#fast?.drain(this.#onFastCall, this.#onFallBack);
      // A server that had to be terminated might still signal: then the
      // no-op handler stays.
      const finished = await this.#fast?.stop() ?? true;
      ticker.stop(!finished);
    }
  }

  /**
   * Ends the trace while processes the command left behind still run: says
   * so in the trace; they are killed when the tracer exits (EXITKILL).
   */
  #endEarly(): void {
    this.#fast?.drain(this.#onFastCall, this.#onFallBack);
    const left = new Set([...this.#threads.values()].map((t) => t.tgid)).size;
    this.#req.emit({
      op: "comment",
      text:
        ` filemon: ${this.#endedBy} after the command exited; ${left} process${
          left === 1 ? "" : "es"
        } it left running not traced further`,
    });
    for (const tid of this.#threads.keys()) kill(tid, 9);
  }

  /**
   * A fast-path server that failed leaves opens nobody answers: end the
   * command (its records would not be complete) and say why.
   */
  #checkFastPath(): void {
    const error = this.#fast?.error;
    if (error === undefined || this.#root <= 0) return;
    for (const tid of this.#threads.keys()) kill(tid, 9);
    throw new Error(error);
  }

  /**
   * Until the fast path's server has taken the listener out of the launcher
   * (which waits for it), serves the launcher's stops without blocking, and
   * lets the event loop run: a worker may need it to get its setup.
   */
  async #handshake(): Promise<void> {
    const fast = this.#fast;
    if (fast === undefined) return;
    const deadline = performance.now() + SERVER_START_MS;
    while (!fast.settled) {
      const pid = linux.waitpid(-1, this.#status8, __WALL | WNOHANG);
      if (pid > 0) {
        this.#handle(pid, this.#status[0]);
        continue;
      }
      if (pid < 0 && errno() !== EINTR) return; // ECHILD: the launcher is gone
      await new Promise((resolve) => setTimeout(resolve, 1));
      this.#checkFastPath();
      if (performance.now() > deadline) {
        // A server that never comes up would leave the command waiting
        // for ever: end it and say so.
        for (const tid of this.#threads.keys()) kill(tid, 9);
        throw new Error(
          `the fast path's server did not start within ${
            SERVER_START_MS / 1000
          } s; --no-fast-path traces without it`,
        );
      }
    }
  }

  /**
   * Says, in the trace and on stderr, how many calls were not recorded (or
   * not whole) because a process could not be read: its memory or its
   * directories are closed to filemon (a process that made itself
   * non-dumpable, or runs a program filemon may not read, traced by a user
   * without CAP_SYS_PTRACE).
   */
  #noteUnread(): void {
    const unread = this.#unreadable;
    const unresolved = this.#events.unresolved;
    if (unread > 0) {
      const text =
        `${unread} call${
          unread === 1 ? "" : "s"
        } not recorded: a path could not be read from the process's memory ` +
        `(a non-dumpable process, prctl(PR_SET_DUMPABLE, 0) or a program ` +
        `filemon may not read, traced without CAP_SYS_PTRACE)`;
      this.#req.emit({ op: "comment", text: ` filemon: ${text}` });
      this.#warnings.push(text);
    }
    if (unresolved > 0) {
      const text =
        `${unresolved} path${
          unresolved === 1 ? "" : "s"
        } recorded without an absolute path: the directory ${
          unresolved === 1 ? "it starts" : "they start"
        } from could not be read (a process closed to filemon, or a ` +
        `directory fd gone)`;
      this.#req.emit({ op: "comment", text: ` filemon: ${text}` });
      this.#warnings.push(text);
    }
  }

  /** A call the fast path answered. */
  #fastCall(call: FastCall): void {
    const pid = this.#threads.get(call.tid)?.tgid ?? call.tid;
    const { path, abs } = call;
    const event: OpenEvent | StatEvent | ExtraEvent = call.op === "open"
      ? { op: "open", pid, path, abs, mode: "r" }
      : { op: call.op, pid, path, abs };
    if (call.error !== undefined) event.error = call.error;
    if (this.#req.timestamps) event.time = Math.round(call.time * 1000) / 1e6;
    this.#emit(event);
  }

  /** A call the fast path sends back: to run again the ptrace way. */
  #fallBack(tid: number, id: Uint8Array): void {
    // A thread not known yet is still ours to restart: its call must not
    // wait for an answer forever.
    let thread = this.#threads.get(tid);
    if (thread === undefined) {
      thread = { tgid: this.#tracee.tgidOf(tid) ?? tid };
      this.#threads.set(tid, thread);
    }
    this.#counts.ptrace += 2;
    if (this.#fast!.restart(tid, id)) thread.remark = true;
  }

  #handle(tid: number, raw: number): void {
    const status = decodeWaitStatus(raw);
    if (status.kind === "exited") return this.#exited(tid, status.code, 0);
    if (status.kind === "killed") return this.#exited(tid, 0, status.signal);
    const { signal, event } = status;
    let thread = this.#threads.get(tid);
    if (thread === undefined) {
      // A new child whose parent's fork event has not been handled yet:
      // hold it until that event, so F comes before the child's records.
      if (this.#expected.delete(tid)) {
        thread = { tgid: tid };
        this.#threads.set(tid, thread);
      } else {
        const creator = this.#tracee.creatorOf(tid);
        if (creator === undefined || !this.#threads.has(creator)) {
          // Its creator is gone already (reparented: no event will come).
          this.#release(tid, undefined);
        } else {
          this.#parked.set(tid, creator);
        }
        return;
      }
    }
    if (thread.remark) {
      // The stop after a fast-path call sent back: mark it for the filter.
      this.#counts.ptrace += 2;
      thread.unmark = this.#fast!.mark(tid);
      thread.remark = false;
    }
    if (signal === (SIGTRAP | 0x80)) return this.#syscallStop(tid, thread);
    switch (event) {
      case PTRACE_EVENT_SECCOMP:
        return this.#seccompStop(tid, thread);
      case PTRACE_EVENT_FORK:
      case PTRACE_EVENT_VFORK:
      case PTRACE_EVENT_CLONE:
        return this.#forked(tid, thread, event);
      case PTRACE_EVENT_EXEC:
        return this.#execed(tid, thread);
      case PTRACE_EVENT_STOP:
        // Group-stop: stay stopped (job control) until SIGCONT.
        if (isGroupStopSignal(signal)) this.#ptrace(PTRACE_LISTEN, tid, 0);
        else this.#resume(tid, thread, 0);
        return;
      default:
        // Another event, or a signal-delivery stop: deliver the signal.
        if (event === 0 && signal === SIGINT) {
          this.#lastSigint = performance.now();
        }
        this.#resume(tid, thread, event !== 0 ? 0 : signal);
    }
  }

  #ptrace(request: number, tid: number, data: number): void {
    this.#counts.ptrace++;
    if (linux.ptrace(request, tid, 0, data) < 0) {
      const err = errno();
      // The tracee may have been killed meanwhile; its exit comes next.
      if (err !== ESRCH) throw new LibcError("ptrace", err, `(${request})`);
    }
  }

  #resume(tid: number, thread: Thread, sig: number): void {
    this.#ptrace(
      thread.pending === undefined ? PTRACE_CONT : PTRACE_SYSCALL,
      tid,
      sig,
    );
  }

  /** Fetches PTRACE_GET_SYSCALL_INFO into #info; returns its op. */
  #syscallInfo(tid: number): number {
    this.#counts.ptrace++;
    const r = linux.ptrace_buf(
      PTRACE_GET_SYSCALL_INFO,
      tid,
      INFO_SIZE,
      this.#info,
    );
    return r <= 0 ? -1 : this.#info[0];
  }

  /** 32-bit word `k` of the call's arguments in #info. */
  #word = (k: number): number => this.#info32[8 + k];

  /** Argument `i` of the call in #info (see `syscallArg`). */
  #arg(i: number): number {
    return syscallArg(this.#info32[8 + i * 2], this.#info32[9 + i * 2]);
  }

  #seccompStop(tid: number, thread: Thread): void {
    if (this.#syscallInfo(tid) !== PTRACE_SYSCALL_INFO_SECCOMP) {
      return this.#resume(tid, thread, 0);
    }
    const call = this.#index.lookup(this.#info32[1], this.#info32[6]);
    if (call === undefined || call.spec.op === "deny") {
      return this.#resume(tid, thread, 0);
    }
    if (call.spec.op === "taint") {
      this.#taint(tid, thread, call);
      if (!ROOT_CALLS.has(call.name)) return this.#resume(tid, thread, 0);
      // To its exit, where the roots it may have changed are forgotten.
      thread.pending = { call, args: [], strings: [] };
      return this.#ptrace(PTRACE_SYSCALL, tid, 0);
    }
    const args = callArgs(call.spec, this.#word);
    const pending = this.#events.enter(tid, thread.tgid, call, args);
    thread.exec = undefined;
    if (pending.exec !== undefined && !this.#req.failed) {
      // A successful exec is seen at its event; a failed one is not
      // recorded: no exit stop (along PATH, most attempts fail).
      thread.exec = pending;
      return this.#ptrace(PTRACE_CONT, tid, 0);
    }
    thread.pending = pending;
    this.#ptrace(PTRACE_SYSCALL, tid, 0);
  }

  /**
   * A call that changes credentials, root or namespaces: the fast path
   * stops answering for the whole process (and its future children).
   * clone3's flags are in a struct (`how`): only CLONE_NEW* counts.
   */
  #taint(tid: number, thread: Thread, call: KnownCall): void {
    const fast = this.#fast;
    if (fast === undefined) return;
    const how = call.spec.how;
    if (how !== undefined) {
      const flags = this.#tracee.readU32(tid, this.#arg(how));
      if ((flags & CLONE_NEW_MASK) === 0) return;
    } else if (call.spec.flags === undefined) {
      const args = [this.#arg(0), this.#arg(1), this.#arg(2)];
      if (!taints(call.name, args, this.#ids, call.table.arch === "i386")) {
        return;
      }
    }
    for (const [other, t] of this.#threads) {
      if (t.tgid === thread.tgid) fast.setTaint(other, true);
    }
  }

  #syscallStop(tid: number, thread: Thread): void {
    if (thread.unmark !== undefined) {
      // A marked call's exit: its register back (not at its seccomp stop,
      // after which the kernel runs the filter again).
      this.#counts.ptrace += 2;
      this.#fast!.unmark(tid, thread.unmark);
      thread.unmark = undefined;
    }
    const pending = thread.pending;
    thread.pending = undefined;
    if (
      pending === undefined ||
      this.#syscallInfo(tid) !== PTRACE_SYSCALL_INFO_EXIT
    ) {
      return this.#resume(tid, thread, 0);
    }
    if (pending.call.spec.op === "taint") {
      this.#tracee.forgetRoots();
      return this.#resume(tid, thread, 0);
    }
    const lo = this.#info32[6];
    const hi = this.#info32[7];
    const isError = this.#info[32] !== 0;
    // rval is a signed 64-bit value; errors are -errno.
    const rval = hi >= 0x80000000
      ? -((0xffffffff - lo) + 1) - (0xffffffff - hi) * 0x100000000
      : hi * 0x100000000 + lo;
    if (isError && -rval >= ERESTART_MIN && -rval <= ERESTART_MAX) {
      // Interrupted; the kernel restarts it and we will see it again.
      return this.#resume(tid, thread, 0);
    }
    const error = isError ? errnoName(-rval) : undefined;
    if (pending.unreadable && error !== "EFAULT") this.#unreadable++;
    if (error === undefined || this.#req.failed) {
      const event = this.#events.exit(
        tid,
        thread.tgid,
        pending,
        error,
        isError ? undefined : rval,
      );
      if (event !== undefined) this.#emit(event);
    }
    this.#resume(tid, thread, 0);
  }

  #emit(event: TraceEvent): void {
    // Before it execs the command, the launcher is this tool (Bun's
    // allocator reads /proc/self/statm while it waits): none of that is the
    // command's, but its exec attempts along PATH are, and its exit when
    // there is no command to run.
    if (
      !this.#rootExeced && event.op !== "exec" && event.op !== "exit" &&
      (event as { pid?: number }).pid === this.#root
    ) {
      return;
    }
    this.#counts.events++;
    const timed = event as { time?: number };
    if (this.#req.timestamps && timed.time === undefined) timed.time = now();
    this.#req.emit(event);
  }

  /** PTRACE_GETEVENTMSG: the new child's pid, or an exec's former thread id. */
  #eventMsg(tid: number): number {
    this.#msg32[0] = 0;
    this.#msg32[1] = 0;
    this.#counts.ptrace++;
    linux.ptrace_buf(PTRACE_GETEVENTMSG, tid, 0, this.#msg8);
    return this.#msg32[0];
  }

  #forked(tid: number, thread: Thread, event: number): void {
    const child = this.#eventMsg(tid);
    const isThread = event === PTRACE_EVENT_CLONE &&
      this.#tracee.isThreadOf(thread.tgid, child);
    const tgid = isThread ? thread.tgid : child;
    const known = this.#threads.get(child);
    if (known !== undefined) known.tgid = tgid;
    else this.#threads.set(child, { tgid });
    if (this.#fast?.tainted(tid)) this.#fast.setTaint(child, true);
    this.#tracee.inheritRoot(tid, child);
    if (!isThread) {
      this.#processes++;
      this.#emit({ op: "fork", pid: thread.tgid, child });
    }
    if (this.#parked.delete(child)) {
      this.#ptrace(PTRACE_CONT, child, 0);
    } else if (known === undefined) {
      this.#expected.add(child);
    }
    this.#resume(tid, thread, 0);
  }

  /**
   * A process that died (killed while it forked, say) before reporting its
   * fork events: its children waiting for them go on, with the fork records
   * the events would have made.
   */
  #orphans(parent: number): void {
    for (const [child, creator] of this.#parked) {
      if (creator === parent) this.#release(child, parent);
    }
  }

  /**
   * Lets a held child go on as a process of its own, with the fork record
   * its parent's event would have made (none when the parent is unknown).
   */
  #release(child: number, parent: number | undefined): void {
    this.#parked.delete(child);
    this.#threads.set(child, { tgid: child });
    this.#processes++;
    if (parent !== undefined) {
      this.#tracee.inheritRoot(parent, child);
      this.#emit({ op: "fork", pid: parent, child });
    }
    this.#ptrace(PTRACE_CONT, child, 0);
  }

  #execed(tid: number, thread: Thread): void {
    const former = this.#eventMsg(tid);
    let pending = thread.pending ?? thread.exec;
    if (former !== tid && former > 0) {
      // A non-leader thread exec'd and took over the leader's id.
      const old = this.#threads.get(former);
      if (old !== undefined) {
        pending = old.pending ?? old.exec;
        this.#threads.delete(former);
      }
    }
    thread.pending = undefined;
    thread.exec = undefined;
    if (thread.tgid === this.#root) this.#rootExeced = true;
    if (pending?.exec !== undefined && this.#req.ops.has("exec")) {
      pending.exec.pid = thread.tgid;
      this.#emit(pending.exec);
    }
    if (!this.#privilegesNoted) this.#notePrivileges(tid, pending);
    this.#ptrace(PTRACE_CONT, tid, 0);
  }

  /**
   * A setuid, setgid or file-capability program runs without those
   * privileges under the trace (no_new_privs): say so, once a run.
   */
  #notePrivileges(tid: number, pending: PendingCall | undefined): void {
    const lost = lostPrivileges(tid);
    if (lost === undefined) return;
    this.#privilegesNoted = true;
    const exec = pending?.exec;
    const program = exec?.abs ?? exec?.path ?? `process ${tid}`;
    this.#warnings.push(
      `${program} is ${lost} but ran without those privileges: a traced ` +
        `process cannot gain privileges (no_new_privs); run it untraced if ` +
        `it needs them`,
    );
  }

  #exited(tid: number, code: number, signal: number): void {
    const thread = this.#threads.get(tid);
    this.#threads.delete(tid);
    this.#parked.delete(tid);
    if (thread !== undefined && thread.tgid === tid) this.#orphans(tid);
    this.#fast?.setTaint(tid, false);
    this.#tracee.forget(tid);
    if (thread === undefined || thread.tgid !== tid) return;
    this.#emit({ op: "exit", pid: tid, status: code, signal });
    if (tid === this.#root) this.#rootStatus = { code, signal };
  }
}

/** The tracer's uid and gid; none that any call could match when real and effective differ. */
function ownIds(): Ids {
  const uid = libc.getuid();
  const gid = libc.getgid();
  return {
    uid: uid === libc.geteuid() ? uid : -2,
    gid: gid === libc.getegid() ? gid : -2,
  };
}

/** Lets the event loop run once (timers, signal listeners). */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const origin = performance.timeOrigin;

/** Seconds since the epoch, microsecond precision. */
function now(): number {
  return Math.round((origin + performance.now()) * 1000) / 1e6;
}
