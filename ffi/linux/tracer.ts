/**
 * The Linux backend: ptrace + seccomp-bpf through libc FFI. No root, no
 * kernel module, no compiler.
 *
 * The traced command is started by the launcher (see `launcher.ts`), seized
 * with PTRACE_SEIZE, and runs under a seccomp filter that stops it only at
 * the calls filemon records. At each such stop (PTRACE_EVENT_SECCOMP) the
 * tracer notes the call and asks for the syscall-exit stop; there it reads
 * the result and the paths and emits the event. Forks, clones and execs are
 * ptrace events. Every ptrace request, and the blocking waitpid, is made
 * here on the main thread; an interval timer interrupts that waitpid now and
 * then so the event loop turns and signal listeners keep working.
 *
 * @module
 */

import type {
  ExecEvent,
  ExtraEvent,
  ExtraOp,
  OpenEvent,
  StatEvent,
  TraceEvent,
  UnlinkEvent,
} from "../../lib/event.ts";
import { decodePath, dirname, resolvePath } from "../../lib/path.ts";
import type { Backend, TraceRequest, TraceResult } from "../backend.ts";
import {
  addressOf,
  check,
  cstring,
  environ,
  errno,
  errnoName,
  libc,
  LibcError,
} from "../libc.ts";
import { launcherCommand } from "../runtime/process.ts";
import { buildFilter } from "./seccomp.ts";
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_REMOVEDIR,
  callsFor,
  O_ACCMODE,
  O_CREAT,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  type OpClass,
  type SyscallName,
  SYSCALLS,
  type SyscallSpec,
} from "./syscalls/semantics.ts";
import type { SyscallTable } from "./syscalls/types.ts";
import { AARCH64 } from "./syscalls/aarch64.ts";
import { I386 } from "./syscalls/i386.ts";
import { X32 } from "./syscalls/x32.ts";
import { X86_64 } from "./syscalls/x86_64.ts";

// ptrace requests, options and events (linux/ptrace.h).
const PTRACE_CONT = 7;
const PTRACE_SYSCALL = 24;
const PTRACE_GETEVENTMSG = 0x4201;
const PTRACE_SEIZE = 0x4206;
const PTRACE_LISTEN = 0x4208;
const PTRACE_GET_SYSCALL_INFO = 0x420e;
const O_TRACESYSGOOD = 0x1;
const O_TRACEFORK = 0x2;
const O_TRACEVFORK = 0x4;
const O_TRACECLONE = 0x8;
const O_TRACEEXEC = 0x10;
const O_TRACESECCOMP = 0x80;
const O_EXITKILL = 0x100000;
const EVENT_FORK = 1;
const EVENT_VFORK = 2;
const EVENT_CLONE = 3;
const EVENT_EXEC = 4;
const EVENT_SECCOMP = 7;
const EVENT_STOP = 128;
const INFO_EXIT = 2;
const INFO_SECCOMP = 3;
const WALL = 0x40000000;
const SIGTRAP = 5;
const SIGSTOP = 19;
const SIGTSTP = 20;
const SIGTTIN = 21;
const SIGTTOU = 22;
const ECHILD = 10;
const EINTR = 4;
const ESRCH = 3;
const ERESTART_MIN = 512; // ERESTARTSYS .. ERESTART_RESTARTBLOCK (516)
const ERESTART_MAX = 516;
const PATH_MAX = 4096;
const PATH_MAX_N = 4096n;
/** Bytes of struct ptrace_syscall_info asked for (it is 88 today). */
const INFO_SIZE = 128n;
const PAGE = 4096;
const MAX_ARGS = 65536;

/** Host architecture → the tables its tracees can use. */
function hostTables(): SyscallTable[] {
  switch (Deno.build.arch) {
    case "x86_64":
      return [X86_64, X32, I386];
    case "aarch64":
      return [AARCH64];
    default:
      throw new Error(`tracing is not supported on ${Deno.build.arch}`);
  }
}

/** Per-architecture lookup: number → (name, spec). */
interface ArchIndex {
  table: SyscallTable;
  byNumber: Map<number, { name: SyscallName; spec: SyscallSpec }>;
}

function indexTable(table: SyscallTable): ArchIndex {
  const byNumber = new Map<number, { name: SyscallName; spec: SyscallSpec }>();
  for (const [name, nr] of Object.entries(table.numbers)) {
    byNumber.set(nr!, {
      name: name as SyscallName,
      spec: SYSCALLS[name as SyscallName],
    });
  }
  return { table, byNumber };
}

/** A call seen at its seccomp stop, waiting for its exit stop. */
interface Pending {
  spec: SyscallSpec;
  arch: ArchIndex;
  /** The six arguments, as unsigned 64-bit values in Numbers (addresses fit). */
  args: number[];
  /** exec only: read at entry, before the address space is replaced. */
  exec?: ExecEvent;
}

/** One traced thread. */
interface Thread {
  tgid: number;
  pending?: Pending;
}

/**
 * Traces with ptrace and seccomp-bpf.
 *
 * @example
 * ```ts ignore
 * import { LinuxTracer } from "./tracer.ts";
 * const result = await new LinuxTracer().run({
 *   argv: ["true"], ops: new Set(["read", "write", "exec"]), failed: false,
 *   emit: (e) => console.log(e),
 * });
 * console.assert(result.exitCode === 0);
 * ```
 */
export class LinuxTracer implements Backend {
  readonly name = "linux-ptrace";

  #archs = new Map<number, ArchIndex[]>();
  #threads = new Map<number, Thread>();
  /** Children whose first stop came before their parent's fork event. */
  #parked = new Set<number>();
  /** Children announced by a fork event whose first stop has not come yet. */
  #expected = new Set<number>();
  #cwd = new Map<number, string>();
  #root = 0;
  #rootStatus: { code: number; signal: number } | undefined;
  #processes = 0;
  #stops = 0;
  #timing = false;
  #stats = {
    waitpid: 0,
    ptrace: 0,
    memReads: 0,
    proc: 0,
    events: 0,
    waitMs: 0,
  };
  #req!: TraceRequest;
  #ops!: ReadonlySet<OpClass>;

  // Buffers handed to libc; each is allocated once and never moves.
  #info = new Uint8Array(128);
  #info32 = new Uint32Array(this.#info.buffer);
  #status = new Int32Array(16);
  #msg8 = new Uint8Array(64);
  #msg32 = new Uint32Array(this.#msg8.buffer);
  #str = new Uint8Array(PATH_MAX * 2);
  #strAddr = Number(addressOf(this.#str));
  #localIov = new Uint8Array(64);
  #remoteIov = new Uint8Array(64);
  #localView = new DataView(this.#localIov.buffer);
  #remoteView = new DataView(this.#remoteIov.buffer);
  #link = new Uint8Array(PATH_MAX + 1);

  constructor() {
    for (const table of hostTables()) {
      const list = this.#archs.get(table.audit) ?? [];
      list.push(indexTable(table));
      this.#archs.set(table.audit, list);
    }
  }

  /** Sends `signal` to the traced command (its first process). */
  forward(signal: number): void {
    if (this.#root > 0 && this.#rootStatus === undefined) {
      libc.kill(this.#root, signal);
    }
  }

  async run(request: TraceRequest): Promise<TraceResult> {
    this.#req = request;
    this.#ops = request.ops;
    const calls = callsFor(request.ops);
    const filter = buildFilter(hostTables(), calls);
    // The frame FreeBSD's device writes: the target pid is the tracer's.
    request.emit({ op: "begin", version: 5 });
    request.emit({ op: "target", pid: libc.getpid() });
    request.emit({ op: "start", time: now() });
    request.emit({ op: "version", version: 5 });
    this.#root = this.#spawn(request.argv, filter);
    this.#threads.set(this.#root, { tgid: this.#root });
    this.#processes = 1;
    this.#timing = request.stats === true;
    const loopStart = performance.now();
    await this.#loop();
    const loopMs = performance.now() - loopStart;
    request.emit({ op: "stop", time: now() });
    request.emit({ op: "bye" });
    const st = this.#rootStatus ?? { code: 1, signal: 0 };
    return {
      exitCode: st.signal > 0 ? 128 + st.signal : st.code,
      signal: st.signal,
      processes: this.#processes,
      stops: this.#stops,
      stats: request.stats ? { ...this.#stats, loopMs } : undefined,
    };
  }

  /** Starts the launcher, seizes it, and hands it the filter. Returns its pid. */
  #spawn(argv: string[], filter: Uint8Array): number {
    const ready = new Int32Array(2);
    const go = new Int32Array(2);
    check("pipe2", libc.pipe2(new Uint8Array(ready.buffer), 0));
    check("pipe2", libc.pipe2(new Uint8Array(go.buffer), 0));
    const enc = new TextEncoder();
    const args = [
      ...launcherCommand(),
      String(ready[1]),
      String(go[0]),
      ...argv,
    ];
    const strings = args.map((a) => cstring(enc.encode(a)));
    const ptrs = new BigUint64Array(strings.length + 1);
    strings.forEach((s, i) => ptrs[i] = addressOf(s));
    const pidBuf = new Int32Array(2);
    // The tracer's own ends must not leak into the launcher.
    setCloexec(ready[0]);
    setCloexec(go[1]);
    const rc = libc.posix_spawn(
      new Uint8Array(pidBuf.buffer),
      strings[0],
      null,
      null,
      new Uint8Array(ptrs.buffer),
      environ(),
    );
    libc.close(ready[1]);
    libc.close(go[0]);
    if (rc !== 0) {
      libc.close(ready[0]);
      libc.close(go[1]);
      throw new LibcError("posix_spawn", rc, args[0]);
    }
    const pid = pidBuf[0];
    const mark = new Uint8Array(64);
    const got = Number(libc.read(ready[0], mark, 1n));
    libc.close(ready[0]);
    if (got !== 1) {
      libc.close(go[1]);
      throw new Error("the launcher did not start");
    }
    const options = O_TRACESYSGOOD | O_TRACEFORK | O_TRACEVFORK |
      O_TRACECLONE | O_TRACEEXEC | O_TRACESECCOMP | O_EXITKILL;
    check(
      "ptrace",
      libc.ptrace(PTRACE_SEIZE, pid, 0n, BigInt(options)),
      "(PTRACE_SEIZE)",
    );
    const message = new Uint8Array(4 + filter.length);
    new DataView(message.buffer).setUint32(0, filter.length, true);
    message.set(filter, 4);
    let off = 0;
    while (off < message.length) {
      const n = Number(
        libc.write(go[1], message.subarray(off), BigInt(message.length - off)),
      );
      if (n <= 0) break;
      off += n;
    }
    libc.close(go[1]);
    return pid;
  }

  /**
   * Waits for stops with a blocking waitpid on the main thread: far cheaper
   * than a hop to another thread per stop. A 100 ms interval timer whose
   * signal handler does nothing makes that waitpid return EINTR now and
   * then; the loop then lets the event loop turn, so signal listeners
   * (SIGTERM, SIGHUP to forward) run and output is flushed.
   */
  async #loop(): Promise<void> {
    const status = new Uint8Array(this.#status.buffer);
    const ticker = startTicker();
    let lastTurn = performance.now();
    try {
      for (;;) {
        const waitStart = this.#timing ? performance.now() : 0;
        const pid = libc.waitpid(-1, status, WALL);
        this.#stats.waitpid++;
        if (this.#timing) this.#stats.waitMs += performance.now() - waitStart;
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
        const err = errno();
        if (err === EINTR) {
          await turn();
          this.#req.idle?.();
          lastTurn = performance.now();
          continue;
        }
        if (err === ECHILD) return;
        throw new LibcError("waitpid", err);
      }
    } finally {
      ticker.stop();
    }
  }

  #handle(tid: number, status: number): void {
    const low = status & 0x7f;
    if (low !== 0x7f) {
      // Exited (low == 0) or killed by signal `low`.
      const code = (status >> 8) & 0xff;
      const signal = low === 0 ? 0 : low;
      this.#exited(tid, code, signal);
      return;
    }
    const sig = (status >> 8) & 0xff;
    const event = (status >> 16) & 0xffff;
    let thread = this.#threads.get(tid);
    if (thread === undefined) {
      // A new child whose parent's fork event has not been handled yet:
      // hold it until that event, so F comes before the child's records.
      if (this.#expected.delete(tid)) {
        thread = { tgid: tid };
        this.#threads.set(tid, thread);
      } else {
        this.#parked.add(tid);
        return;
      }
    }
    if (sig === (SIGTRAP | 0x80)) {
      this.#syscallStop(tid, thread);
      return;
    }
    switch (event) {
      case EVENT_SECCOMP:
        this.#seccompStop(tid, thread);
        return;
      case EVENT_FORK:
      case EVENT_VFORK:
      case EVENT_CLONE:
        this.#forked(tid, thread, event);
        return;
      case EVENT_EXEC:
        this.#execed(tid, thread);
        return;
      case EVENT_STOP:
        if (
          sig === SIGSTOP || sig === SIGTSTP || sig === SIGTTIN ||
          sig === SIGTTOU
        ) {
          // Group-stop: stay stopped (job control) until SIGCONT.
          this.#ptrace(PTRACE_LISTEN, tid, 0);
        } else {
          this.#resume(tid, thread, 0);
        }
        return;
      default:
        if (event !== 0) {
          this.#resume(tid, thread, 0);
          return;
        }
        // Signal-delivery stop: deliver the signal.
        this.#resume(tid, thread, sig);
    }
  }

  #ptrace(request: number, tid: number, data: number): void {
    this.#stats.ptrace++;
    if (libc.ptrace(request, tid, 0n, data === 0 ? 0n : BigInt(data)) < 0) {
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
    this.#stats.ptrace++;
    const r = libc.ptrace_buf(
      PTRACE_GET_SYSCALL_INFO,
      tid,
      INFO_SIZE,
      this.#info,
    );
    if (r <= 0) return -1;
    return this.#info[0];
  }

  #arg(i: number): number {
    const lo = this.#info32[8 + i * 2];
    const hi = this.#info32[9 + i * 2];
    return hi * 0x100000000 + lo;
  }

  #seccompStop(tid: number, thread: Thread): void {
    if (this.#syscallInfo(tid) !== INFO_SECCOMP) {
      this.#resume(tid, thread, 0);
      return;
    }
    const audit = this.#info32[1];
    let nr = this.#info32[6];
    const indexes = this.#archs.get(audit);
    let arch: ArchIndex | undefined;
    if (indexes !== undefined) {
      for (const idx of indexes) {
        if (idx.table.bias === 0 ? nr < 0x40000000 : nr >= idx.table.bias) {
          arch = idx;
          nr -= idx.table.bias;
          break;
        }
      }
    }
    const entry = arch?.byNumber.get(nr);
    if (arch === undefined || entry === undefined || entry.spec.op === "deny") {
      this.#resume(tid, thread, 0);
      return;
    }
    const args = [
      this.#arg(0),
      this.#arg(1),
      this.#arg(2),
      this.#arg(3),
      this.#arg(4),
      this.#arg(5),
    ];
    const pending: Pending = { spec: entry.spec, arch, args };
    if (entry.spec.op === "chdir") {
      // A relative chdir is resolved against the directory before the call:
      // know it now, since /proc will show the new one at the exit stop.
      this.#cwdOf(tid, thread.tgid);
    } else if (entry.spec.op === "exec") {
      pending.exec = this.#readExec(tid, thread.tgid, pending);
    }
    thread.pending = pending;
    this.#ptrace(PTRACE_SYSCALL, tid, 0);
  }

  #syscallStop(tid: number, thread: Thread): void {
    const pending = thread.pending;
    thread.pending = undefined;
    if (pending === undefined || this.#syscallInfo(tid) !== INFO_EXIT) {
      this.#resume(tid, thread, 0);
      return;
    }
    const rvalLo = this.#info32[6];
    const rvalHi = this.#info32[7];
    const isError = this.#info[32] !== 0;
    // rval is a signed 64-bit value; errors are -errno.
    const rval = rvalHi >= 0x80000000
      ? -((0xffffffff - rvalLo) + 1) - (0xffffffff - rvalHi) * 0x100000000
      : rvalHi * 0x100000000 + rvalLo;
    if (isError && -rval >= ERESTART_MIN && -rval <= ERESTART_MAX) {
      // Interrupted; the kernel restarts it and we will see it again.
      this.#resume(tid, thread, 0);
      return;
    }
    const error = isError ? errnoName(-rval) : undefined;
    if (error === undefined || this.#req.failed) {
      this.#complete(tid, thread, pending, error);
    }
    this.#resume(tid, thread, 0);
  }

  #emit(event: TraceEvent): void {
    this.#stats.events++;
    if (this.#req.timestamps) (event as { time?: number }).time = now();
    this.#req.emit(event);
  }

  /** Emits the event for a finished call. */
  #complete(
    tid: number,
    thread: Thread,
    p: Pending,
    error: string | undefined,
  ): void {
    const { spec, args } = p;
    const pid = thread.tgid;
    const ops = this.#ops;
    switch (spec.op) {
      case "exec": {
        // Only failures reach here: a successful exec is reported at its event.
        if (p.exec !== undefined) {
          p.exec.error = error;
          this.#emit(p.exec);
        }
        return;
      }
      case "open": {
        let flags = spec.fixedFlags ?? 0;
        if (spec.flags !== undefined) flags = args[spec.flags];
        if (spec.how !== undefined) flags = this.#readU32(tid, args[spec.how]);
        const acc = flags & O_ACCMODE;
        const wantR = ops.has("read") && acc !== O_WRONLY;
        const wantW = ops.has("write") && (acc === O_WRONLY || acc === O_RDWR);
        if (!wantR && !wantW) return;
        const { path, abs } = this.#path(tid, pid, p, spec.path!, spec.dirfd);
        if (path === undefined) return;
        const event: OpenEvent = {
          op: "open",
          pid,
          path,
          abs,
          mode: wantR && wantW ? "rw" : wantR ? "r" : "w",
        };
        if (flags & O_CREAT) event.create = true;
        if (flags & O_TRUNC) event.trunc = true;
        if (error !== undefined) event.error = error;
        this.#emit(event);
        return;
      }
      case "chdir": {
        let path: string | undefined;
        let abs: string | undefined;
        if (spec.fd !== undefined) {
          abs = this.#fdPath(tid, args[spec.fd] | 0);
          path = abs;
        } else {
          ({ path, abs } = this.#path(tid, pid, p, spec.path!, undefined));
        }
        if (error === undefined) {
          if (abs !== undefined) this.#cwd.set(pid, abs);
          else this.#cwd.delete(pid);
        }
        if (path === undefined || !ops.has("chdir")) return;
        this.#emit(
          error === undefined
            ? { op: "chdir", pid, path, abs }
            : { op: "chdir", pid, path, abs, error },
        );
        return;
      }
      case "unlink": {
        const atFlags = spec.atFlags === undefined ? 0 : args[spec.atFlags];
        const op = atFlags & AT_REMOVEDIR ? "rmdir" : "unlink";
        if (!ops.has(op)) return;
        this.#simple(tid, pid, p, op, error);
        return;
      }
      case "link":
      case "rename":
      case "symlink": {
        const from = spec.op === "symlink"
          ? this.#readString(tid, args[spec.text!])
          : this.#readString(tid, args[spec.path!]);
        const second = this.#path(tid, pid, p, spec.path2!, spec.dirfd2);
        if (from === undefined || second.path === undefined) return;
        let fromAbs: string | undefined;
        if (spec.op === "symlink") {
          fromAbs = second.abs === undefined
            ? undefined
            : resolvePath(dirname(second.abs), from);
        } else {
          fromAbs = this.#resolve(tid, pid, from, spec.dirfd, p);
        }
        const base = {
          pid,
          from,
          to: second.path,
          from_abs: fromAbs,
          to_abs: second.abs,
        };
        const event: TraceEvent = spec.op === "rename"
          ? { op: "rename", ...base }
          : { op: "link", ...base, symbolic: spec.op === "symlink" };
        if (error !== undefined) event.error = error;
        this.#emit(event);
        return;
      }
      case "stat":
      case "access":
      case "readlink": {
        const atFlags = spec.atFlags === undefined ? 0 : args[spec.atFlags];
        if (atFlags & AT_EMPTY_PATH) {
          // fstat-like on an fd with an empty path: not a path lookup.
          const text = this.#readString(tid, args[spec.path!]);
          if (text === "") return;
        }
        this.#simple(tid, pid, p, spec.op, error);
        return;
      }
      case "mkdir":
      case "rmdir":
      case "truncate":
      case "chmod":
      case "chown":
      case "utime": {
        if (args[spec.path!] === 0) return; // utimensat(fd, NULL): futimens
        this.#simple(tid, pid, p, spec.op, error);
        return;
      }
      default:
        return;
    }
  }

  /** Emits a one-path event. */
  #simple(
    tid: number,
    pid: number,
    p: Pending,
    op: ExtraOp | "stat" | "unlink",
    error: string | undefined,
  ): void {
    const { path, abs } = this.#path(tid, pid, p, p.spec.path!, p.spec.dirfd);
    if (path === undefined) return;
    const event: ExtraEvent | StatEvent | UnlinkEvent = { op, pid, path, abs };
    if (error !== undefined) event.error = error;
    this.#emit(event);
  }

  /** Reads the path argument and resolves it. */
  #path(
    tid: number,
    pid: number,
    p: Pending,
    pathArg: number,
    dirfdArg: number | undefined,
  ): { path: string | undefined; abs: string | undefined } {
    const path = this.#readString(tid, p.args[pathArg]);
    if (path === undefined) return { path, abs: undefined };
    return { path, abs: this.#resolve(tid, pid, path, dirfdArg, p) };
  }

  #resolve(
    tid: number,
    pid: number,
    path: string,
    dirfdArg: number | undefined,
    p: Pending,
  ): string | undefined {
    if (path.charCodeAt(0) === 0x2f) return resolvePath("/", path);
    const dirfd = dirfdArg === undefined ? AT_FDCWD : p.args[dirfdArg] | 0;
    const base = dirfd === AT_FDCWD
      ? this.#cwdOf(tid, pid)
      : this.#fdPath(tid, dirfd);
    if (base === undefined) return undefined;
    return path === "" ? base : resolvePath(base, path);
  }

  #cwdOf(tid: number, pid: number): string | undefined {
    let cwd = this.#cwd.get(pid);
    if (cwd === undefined) {
      cwd = this.#readlink(`/proc/${tid}/cwd`);
      if (cwd !== undefined) this.#cwd.set(pid, cwd);
    }
    return cwd;
  }

  #fdPath(tid: number, fd: number): string | undefined {
    return this.#readlink(`/proc/${tid}/fd/${fd}`);
  }

  #readlink(path: string): string | undefined {
    this.#stats.proc++;
    const n = libc.readlink(cstring(utf8.encode(path)), this.#link, PATH_MAX_N);
    return n < 0 ? undefined : decodePath(this.#link, 0, n);
  }

  /** Reads `len` bytes of the tracee's memory at `addr` into #str at `off`. */
  #readMem(tid: number, addr: number, off: number, len: number): number {
    setU64(this.#localView, 0, this.#strAddr + off);
    setU64(this.#localView, 8, len);
    setU64(this.#remoteView, 0, addr);
    setU64(this.#remoteView, 8, len);
    this.#stats.memReads++;
    return libc.process_vm_readv(
      tid,
      this.#localIov,
      1n,
      this.#remoteIov,
      1n,
      0n,
    );
  }

  /** Reads a NUL-terminated string; page by page, so a string near unmapped memory is still read. */
  #readString(tid: number, addr: number): string | undefined {
    if (addr === 0) return undefined;
    let off = 0;
    while (off < PATH_MAX) {
      const len = Math.min(PAGE - (addr + off) % PAGE, PATH_MAX - off);
      const got = this.#readMem(tid, addr + off, off, len);
      if (got <= 0) return undefined;
      const nul = this.#str.subarray(off, off + got).indexOf(0);
      if (nul >= 0) return decodePath(this.#str, 0, off + nul);
      off += got;
    }
    return decodePath(this.#str, 0, off);
  }

  #readU32(tid: number, addr: number): number {
    if (this.#readMem(tid, addr, 0, 4) !== 4) return 0;
    return new DataView(this.#str.buffer).getUint32(0, true);
  }

  /** Reads exec's path and argv at its entry (they vanish with the old image). */
  #readExec(tid: number, pid: number, p: Pending): ExecEvent | undefined {
    const { spec, args, arch } = p;
    const path = this.#readString(tid, args[spec.path!]);
    if (path === undefined) return undefined;
    let abs = this.#resolve(tid, pid, path, spec.dirfd, p);
    if (path === "" && spec.dirfd !== undefined) {
      abs = this.#fdPath(tid, args[spec.dirfd] | 0);
    }
    const event: ExecEvent = { op: "exec", pid, path, abs };
    const argvAddr = args[spec.argv!];
    if (argvAddr !== 0) {
      event.argv = this.#readArgv(tid, argvAddr, arch.table.pointerSize);
    }
    return event;
  }

  /** PTRACE_GETEVENTMSG: the new child's pid, or an exec's former thread id. */
  #eventMsg(tid: number): number {
    this.#msg32[0] = 0;
    this.#msg32[1] = 0;
    this.#stats.ptrace++;
    libc.ptrace_buf(PTRACE_GETEVENTMSG, tid, 0n, this.#msg8);
    return this.#msg32[0];
  }

  /** Reads a NULL-terminated array of string pointers (argv), a page of pointers at a time. */
  #readArgv(tid: number, addr: number, size: 4 | 8): string[] {
    const ptrs: number[] = [];
    let at = addr;
    read: while (ptrs.length < MAX_ARGS) {
      const len = PAGE - (at % PAGE);
      const got = this.#readMem(tid, at, 0, len);
      if (got < size) break;
      const view = new DataView(this.#str.buffer, 0, got);
      for (let off = 0; off + size <= got; off += size) {
        const ptr = size === 8
          ? view.getUint32(off, true) +
            view.getUint32(off + 4, true) * 0x100000000
          : view.getUint32(off, true);
        if (ptr === 0) break read;
        ptrs.push(ptr);
      }
      at += got - (got % size);
    }
    const argv: string[] = [];
    for (const ptr of ptrs) {
      const arg = this.#readString(tid, ptr);
      if (arg === undefined) break;
      argv.push(arg);
    }
    return argv;
  }

  /** A clone made a thread of `tgid` when /proc lists it among its tasks. */
  #isThreadOf(tgid: number, child: number): boolean {
    this.#stats.proc++;
    return libc.access(
      cstring(utf8.encode(`/proc/${tgid}/task/${child}`)),
      0,
    ) === 0;
  }

  #forked(tid: number, thread: Thread, event: number): void {
    const child = this.#eventMsg(tid);
    const isThread = event === EVENT_CLONE &&
      this.#isThreadOf(thread.tgid, child);
    const tgid = isThread ? thread.tgid : child;
    const known = this.#threads.get(child);
    if (known !== undefined) known.tgid = tgid;
    else this.#threads.set(child, { tgid });
    if (!isThread) {
      this.#processes++;
      const cwd = this.#cwd.get(thread.tgid);
      if (cwd !== undefined) this.#cwd.set(child, cwd);
      this.#emit({ op: "fork", pid: thread.tgid, child });
    }
    if (this.#parked.delete(child)) {
      this.#ptrace(PTRACE_CONT, child, 0);
    } else if (known === undefined) {
      this.#expected.add(child);
    }
    this.#resume(tid, thread, 0);
  }

  #execed(tid: number, thread: Thread): void {
    const former = this.#eventMsg(tid);
    let pending = thread.pending;
    if (former !== tid && former > 0) {
      // A non-leader thread exec'd and took over the leader's id.
      const old = this.#threads.get(former);
      if (old !== undefined) {
        pending = old.pending;
        this.#threads.delete(former);
      }
    }
    thread.pending = undefined;
    if (pending?.exec !== undefined && this.#ops.has("exec")) {
      pending.exec.pid = thread.tgid;
      this.#emit(pending.exec);
    }
    this.#ptrace(PTRACE_CONT, tid, 0);
  }

  #exited(tid: number, code: number, signal: number): void {
    const thread = this.#threads.get(tid);
    this.#threads.delete(tid);
    this.#parked.delete(tid);
    if (thread === undefined || thread.tgid !== tid) return;
    this.#cwd.delete(tid);
    this.#emit({ op: "exit", pid: tid, status: code, signal });
    if (tid === this.#root) this.#rootStatus = { code, signal };
  }
}

/** Lets the event loop run once (timers, signal listeners). */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const SIGALRM = 14;
const ITIMER_REAL = 0;

/**
 * Starts a 100 ms interval timer whose SIGALRM handler is a function that
 * does nothing (getpid), installed without SA_RESTART: a blocking call on
 * the main thread then returns EINTR at each tick.
 */
function startTicker(): { stop(): void } {
  // struct sigaction (glibc): handler, sa_mask[128 bytes], sa_flags, sa_restorer
  const act = new Uint8Array(256);
  const actView = new DataView(act.buffer);
  setU64(actView, 0, Number(Deno.UnsafePointer.value(libc.getpid_address)));
  const old = new Uint8Array(256);
  check("sigaction", libc.sigaction(SIGALRM, act, old));
  // struct itimerval { struct timeval it_interval, it_value; }
  const timer = new Uint8Array(64);
  const tv = new DataView(timer.buffer);
  setU64(tv, 8, 100_000);
  setU64(tv, 24, 100_000);
  check("setitimer", libc.setitimer(ITIMER_REAL, timer, null));
  return {
    stop() {
      libc.setitimer(ITIMER_REAL, new Uint8Array(64), null);
      libc.sigaction(SIGALRM, old, new Uint8Array(256));
    },
  };
}

/** Stores a non-negative integer below 2^53 as a little-endian u64. */
function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, Math.floor(value / 0x100000000), true);
}

/** Marks an fd close-on-exec (F_SETFD, FD_CLOEXEC). */
function setCloexec(fd: number): void {
  const F_SETFD = 2;
  const FD_CLOEXEC = 1;
  check("fcntl", libc.fcntl(fd, F_SETFD, FD_CLOEXEC));
}

const origin = performance.timeOrigin;
const utf8 = new TextEncoder();

/** Seconds since the epoch, microsecond precision. */
function now(): number {
  return Math.round((origin + performance.now()) * 1000) / 1e6;
}
