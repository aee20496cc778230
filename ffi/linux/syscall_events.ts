/**
 * Turning a traced system call into filemon events: at the call's entry,
 * what must be read before it runs (exec's path and argv, the directory a
 * relative chdir starts from); at its exit, the event for its result.
 * Written against the `Tracee` reader, so it is tested without ptrace.
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
import type { OpClass } from "../../lib/ops.ts";
import { dirname, resolvePath } from "../../lib/path.ts";
import type { KnownCall } from "./syscalls/host.ts";
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_REMOVEDIR,
  O_ACCMODE,
  O_CREAT,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  type SyscallSpec,
} from "./syscalls/semantics.ts";
import type { Tracee } from "./tracee_memory.ts";

/**
 * A 64-bit syscall argument from its 32-bit halves, as a number: exact for
 * addresses (below 2^53) and for negative ints sign-extended to 64 bits
 * (musl, Go and raw syscall(2) pass AT_FDCWD as 0xffffffffffffff9c), so
 * that `| 0` gives the int back either way.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { syscallArg } from "./syscall_events.ts";
 * assertEquals(syscallArg(0xffffff9c, 0xffffffff) | 0, -100);
 * assertEquals(syscallArg(0xffffff9c, 0) | 0, -100);
 * assertEquals(syscallArg(0x1000, 0x7fff), 0x7fff00001000);
 * ```
 */
export function syscallArg(lo: number, hi: number): number {
  return hi >= 0x80000000
    ? (hi - 0x100000000) * 0x100000000 + lo
    : hi * 0x100000000 + lo;
}

/**
 * A call's six arguments from its 32-bit words (`word(2 * i)` is argument
 * i's low half): the int arguments (directory fds, flags, fds), which the
 * kernel reads as ints whatever the upper half holds, as those ints; the
 * others (pointers) with `syscallArg`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { callArgs } from "./syscall_events.ts";
 * import { SYSCALLS } from "./syscalls/semantics.ts";
 * // openat(dirfd with junk above bit 31, path, flags with junk, mode)
 * const words = [5, 0x5a5a5a5a, 0x1000, 0x7fff, 0x401, 0x12345678, 0o644, 0, 0, 0, 0, 0];
 * assertEquals(
 *   callArgs(SYSCALLS.openat, (k) => words[k]),
 *   [5, 0x7fff00001000, 0x401, 0o644, 0, 0],
 * );
 * ```
 */
export function callArgs(
  spec: SyscallSpec,
  word: (index: number) => number,
): number[] {
  const args = new Array<number>(6);
  for (let i = 0; i < 6; i++) {
    args[i] = syscallArg(word(2 * i), word(2 * i + 1));
  }
  for (
    const i of [spec.dirfd, spec.dirfd2, spec.flags, spec.fd, spec.atFlags]
  ) {
    if (i !== undefined) args[i] = word(2 * i) | 0;
  }
  return args;
}

/** A call seen at its entry, waiting for its result. */
export interface PendingCall {
  readonly call: KnownCall;
  /** The six arguments, as unsigned 64-bit values in numbers (addresses fit). */
  readonly args: readonly number[];
  /**
   * The call's string arguments (its paths, a symlink's text), by argument
   * index, read at entry: another thread may rewrite the buffer while the
   * call runs, and what the kernel used is what was there at entry.
   * Undefined when unreadable or NULL.
   */
  readonly strings: readonly (string | undefined)[];
  /** exec only: read at entry, before the address space is replaced. */
  exec?: ExecEvent;
}

/**
 * Builds events from calls.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SyscallEvents } from "./syscall_events.ts";
 * import { hostTables, SyscallIndex } from "./syscalls/host.ts";
 * const memory = new Map([[0x1000, "out.txt"]]);
 * const tracee = {
 *   readString: (_tid: number, addr: number) => memory.get(addr),
 *   readU32: () => 0,
 *   readArgv: () => [],
 *   cwd: () => "/work",
 *   setCwd: () => {},
 *   fdPath: () => undefined,
 * };
 * const events = new SyscallEvents(tracee, new Set(["read", "write"]));
 * const openat = new SyscallIndex(hostTables("x86_64")).lookup(0xc000003e, 257)!;
 * // openat(AT_FDCWD, "out.txt", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3
 * const call = events.enter(7, 7, openat, [-100 >>> 0, 0x1000, 0x241, 0o644, 0, 0]);
 * assertEquals(events.exit(7, 7, call, undefined), {
 *   op: "open", pid: 7, path: "out.txt", abs: "/work/out.txt", mode: "w",
 *   create: true, trunc: true,
 * });
 * ```
 */
export class SyscallEvents {
  #tracee: Tracee;
  #ops: ReadonlySet<OpClass>;

  constructor(tracee: Tracee, ops: ReadonlySet<OpClass>) {
    this.#tracee = tracee;
    this.#ops = ops;
  }

  /** At a call's entry by thread `tid` of process `pid`: what to keep for its exit. */
  enter(
    tid: number,
    pid: number,
    call: KnownCall,
    args: readonly number[],
  ): PendingCall {
    const pending: PendingCall = {
      call,
      args,
      strings: this.#readStrings(tid, call.spec, args),
    };
    if (call.spec.op === "chdir") {
      // A relative chdir is resolved against the directory before the call:
      // know it now, since /proc will show the new one at the exit.
      this.#tracee.cwd(tid, pid);
    } else if (call.spec.op === "exec") {
      pending.exec = this.#readExec(tid, pid, pending);
    }
    return pending;
  }

  /** The string arguments of a call, read now (see `PendingCall.strings`). */
  #readStrings(
    tid: number,
    spec: SyscallSpec,
    args: readonly number[],
  ): (string | undefined)[] {
    const strings: (string | undefined)[] = [];
    for (const i of [spec.path, spec.path2, spec.text]) {
      if (i !== undefined) strings[i] = this.#tracee.readString(tid, args[i]);
    }
    return strings;
  }

  /**
   * At a call's exit, with its errno name when it failed: the event it
   * makes, if any. A successful exec makes its event at the exec stop
   * (`pending.exec`), not here.
   */
  exit(
    tid: number,
    pid: number,
    p: PendingCall,
    error: string | undefined,
  ): TraceEvent | undefined {
    const { spec } = p.call;
    const args = p.args;
    const ops = this.#ops;
    switch (spec.op) {
      case "exec": {
        // Traced whatever the ops (it starts a process's records).
        if (p.exec === undefined || !ops.has("exec")) return undefined;
        p.exec.error = error;
        return p.exec;
      }
      case "open": {
        let flags = spec.fixedFlags ?? 0;
        if (spec.flags !== undefined) flags = args[spec.flags];
        if (spec.how !== undefined) {
          flags = this.#tracee.readU32(tid, args[spec.how]);
        }
        const acc = flags & O_ACCMODE;
        const wantR = ops.has("read") && acc !== O_WRONLY;
        const wantW = ops.has("write") && (acc === O_WRONLY || acc === O_RDWR);
        if (!wantR && !wantW) return undefined;
        const { path, abs } = this.#path(tid, pid, p, spec.path!, spec.dirfd);
        if (path === undefined) return undefined;
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
        return event;
      }
      case "chdir": {
        let path: string | undefined;
        let abs: string | undefined;
        if (spec.fd !== undefined) {
          abs = this.#tracee.fdPath(tid, args[spec.fd] | 0);
          path = abs;
        } else {
          ({ path, abs } = this.#path(tid, pid, p, spec.path!, undefined));
        }
        if (error === undefined) this.#tracee.setCwd(pid, abs);
        if (path === undefined || !ops.has("chdir")) return undefined;
        return error === undefined
          ? { op: "chdir", pid, path, abs }
          : { op: "chdir", pid, path, abs, error };
      }
      case "unlink": {
        const atFlags = spec.atFlags === undefined ? 0 : args[spec.atFlags];
        const op = atFlags & AT_REMOVEDIR ? "rmdir" : "unlink";
        if (!ops.has(op)) return undefined;
        return this.#onePath(tid, pid, p, op, error);
      }
      case "link":
      case "rename":
      case "symlink": {
        const from = spec.op === "symlink"
          ? p.strings[spec.text!]
          : p.strings[spec.path!];
        const second = this.#path(tid, pid, p, spec.path2!, spec.dirfd2);
        if (from === undefined || second.path === undefined) return undefined;
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
        return event;
      }
      case "stat":
      case "access":
      case "readlink": {
        if (this.#onFd(p)) return undefined;
        return this.#onePath(tid, pid, p, spec.op, error);
      }
      case "mkdir":
      case "rmdir":
      case "truncate":
      case "chmod":
      case "chown":
      case "utime": {
        if (args[spec.path!] === 0) return undefined; // utimensat(fd, NULL): futimens
        if (this.#onFd(p)) return undefined;
        return this.#onePath(tid, pid, p, spec.op, error);
      }
      default:
        return undefined;
    }
  }

  /**
   * Whether a call acts on its dirfd itself (AT_EMPTY_PATH with an empty
   * path: fstat, fchown, futimens), not on a path.
   */
  #onFd(p: PendingCall): boolean {
    const spec = p.call.spec;
    const atFlags = spec.atFlags === undefined ? 0 : p.args[spec.atFlags];
    return (atFlags & AT_EMPTY_PATH) !== 0 && p.strings[spec.path!] === "";
  }

  /** A one-path event. */
  #onePath(
    tid: number,
    pid: number,
    p: PendingCall,
    op: ExtraOp | "stat" | "unlink",
    error: string | undefined,
  ): TraceEvent | undefined {
    const spec = p.call.spec;
    const { path, abs } = this.#path(tid, pid, p, spec.path!, spec.dirfd);
    if (path === undefined) return undefined;
    const event: ExtraEvent | StatEvent | UnlinkEvent = { op, pid, path, abs };
    if (error !== undefined) event.error = error;
    return event;
  }

  /** Reads a path argument and resolves it. */
  #path(
    tid: number,
    pid: number,
    p: PendingCall,
    pathArg: number,
    dirfdArg: number | undefined,
  ): { path: string | undefined; abs: string | undefined } {
    const path = p.strings[pathArg];
    if (path === undefined) return { path, abs: undefined };
    return { path, abs: this.#resolve(tid, pid, path, dirfdArg, p) };
  }

  #resolve(
    tid: number,
    pid: number,
    path: string,
    dirfdArg: number | undefined,
    p: PendingCall,
  ): string | undefined {
    if (path.charCodeAt(0) === 0x2f) return resolvePath("/", path);
    const dirfd = dirfdArg === undefined ? AT_FDCWD : p.args[dirfdArg] | 0;
    const base = dirfd === AT_FDCWD
      ? this.#tracee.cwd(tid, pid)
      : this.#tracee.fdPath(tid, dirfd);
    // A directory fd that is no directory (a pipe: "pipe:[N]") has no path.
    if (base === undefined || base.charCodeAt(0) !== 0x2f) return undefined;
    return path === "" ? base : resolvePath(base, path);
  }

  /** Reads exec's path and argv at its entry (they vanish with the old image). */
  #readExec(tid: number, pid: number, p: PendingCall): ExecEvent | undefined {
    const { spec, table } = p.call;
    const args = p.args;
    const path = p.strings[spec.path!];
    if (path === undefined) return undefined;
    let abs = this.#resolve(tid, pid, path, spec.dirfd, p);
    if (path === "" && spec.dirfd !== undefined) {
      abs = this.#tracee.fdPath(tid, args[spec.dirfd] | 0);
    }
    const event: ExecEvent = { op: "exec", pid, path, abs };
    const argvAddr = args[spec.argv!];
    if (argvAddr !== 0) {
      event.argv = this.#tracee.readArgv(tid, argvAddr, table.pointerSize);
    }
    return event;
  }
}
