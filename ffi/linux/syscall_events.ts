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
  MknodEvent,
  NodeType,
  OpenEvent,
  StatEvent,
  TraceEvent,
  UnlinkEvent,
  XattrEvent,
} from "../../lib/event.ts";
import type { OpClass } from "../../lib/ops.ts";
import {
  decodePath,
  dirname,
  encodePath,
  resolvePath,
  splitAtDotDot,
} from "../../lib/path.ts";
import type { KnownCall } from "./syscalls/host.ts";
import { resolveInRoot } from "./in_root.ts";
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_REMOVEDIR,
  O_ACCMODE,
  O_CREAT,
  O_PATH,
  O_RDWR,
  O_TMPFILE_BIT,
  O_TRUNC,
  O_WRONLY,
  RENAME_EXCHANGE,
  RENAME_NOREPLACE,
  RENAME_WHITEOUT,
  RESOLVE_IN_ROOT,
  type SyscallSpec,
} from "./syscalls/semantics.ts";
import type { Tracee } from "./tracee_memory.ts";
import { S_IFMT } from "../libc/linux_abi.ts";

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
    const i of [
      spec.dirfd,
      spec.dirfd2,
      spec.flags,
      spec.fd,
      spec.atFlags,
      spec.mode,
      spec.addrLen,
    ]
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
  /** A string argument could not be read (its pointer was not NULL). */
  unreadable?: boolean;
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
 *   root: () => "/",
 *   fdPath: () => undefined,
 *   realDir: () => undefined,
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
  /**
   * Paths whose directory could not be read (a process closed to filemon,
   * a directory fd gone): recorded without `abs`.
   */
  unresolved = 0;
  /** Paths of the call being finished whose directory could not be read. */
  #unread = 0;

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
    const { spec } = call;
    const strings: (string | undefined)[] = [];
    const pending: PendingCall = { call, args, strings };
    this.#readString(tid, spec.path, args, pending, strings);
    this.#readString(tid, spec.path2, args, pending, strings);
    this.#readString(tid, spec.text, args, pending, strings);
    if (spec.op === "exec") {
      pending.exec = this.#readExec(tid, pid, pending);
      this.unresolved += this.#unread;
      this.#unread = 0;
    }
    return pending;
  }

  /**
   * String argument `i` of a call (none when undefined), read now into
   * `strings` (see `PendingCall.strings`); a pointer that could not be read
   * marks the call unreadable.
   */
  #readString(
    tid: number,
    i: number | undefined,
    args: readonly number[],
    pending: PendingCall,
    strings: (string | undefined)[],
  ): void {
    if (i === undefined) return;
    strings[i] = this.#tracee.readString(tid, args[i]);
    if (strings[i] === undefined && args[i] !== 0) pending.unreadable = true;
  }

  /**
   * At a call's exit, with its errno name when it failed and its return
   * value (`ret`: an open's fd) when it succeeded: the event it makes, if
   * any. A successful exec makes its event at the exec stop
   * (`pending.exec`), not here.
   */
  exit(
    tid: number,
    pid: number,
    p: PendingCall,
    error: string | undefined,
    ret?: number,
  ): TraceEvent | undefined {
    this.#unread = 0;
    const event = this.#exit(tid, pid, p, error, ret);
    // A directory fd that is not open, or no directory, is the call's own
    // failure (EBADF, ENOTDIR): nothing filemon could not see.
    if (error !== "EBADF" && error !== "ENOTDIR") {
      this.unresolved += this.#unread;
    }
    this.#unread = 0;
    return event;
  }

  #exit(
    tid: number,
    pid: number,
    p: PendingCall,
    error: string | undefined,
    ret?: number,
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
      case "open":
      case "open_handle": {
        let flags = spec.fixedFlags ?? 0;
        if (spec.flags !== undefined) flags = args[spec.flags];
        if (spec.how !== undefined) {
          // struct open_how { u64 flags; u64 mode; u64 resolve; }
          flags = this.#tracee.readU32(tid, args[spec.how]);
        }
        const isPath = (flags & O_PATH) !== 0;
        const acc = flags & O_ACCMODE;
        // O_PATH reads and writes nothing (the kernel ignores the access
        // mode): a lookup, recorded as a probe.
        const wantR = !isPath && ops.has("read") && acc !== O_WRONLY;
        const wantW = !isPath && ops.has("write") &&
          (acc === O_WRONLY || acc === O_RDWR);
        if (isPath ? !ops.has("probe") : !wantR && !wantW) return undefined;
        const file = spec.op === "open_handle"
          ? this.#handleFile(tid, error, ret)
          : this.#openFile(tid, pid, p);
        if (file === undefined) return undefined;
        const { path, abs, anon } = file;
        if (isPath) {
          const lookup: ExtraEvent = { op: "lookup", pid, path, abs };
          if (anon) lookup.anon = true;
          if (error !== undefined) lookup.error = error;
          return lookup;
        }
        const event: OpenEvent = {
          op: "open",
          pid,
          path,
          abs,
          mode: wantR && wantW ? "rw" : wantR ? "r" : "w",
        };
        if ((flags & O_CREAT) && !(flags & O_TMPFILE_BIT)) event.create = true;
        if (flags & O_TRUNC) event.trunc = true;
        if (flags & O_TMPFILE_BIT) {
          // `path` is the directory; the file opened is new and has no name
          // (linkat may give it one later).
          event.tmpfile = true;
          event.abs = ret === undefined || error !== undefined
            ? undefined
            : this.#tracee.fdPath(tid, ret);
          event.anon = true;
        } else if (anon) event.anon = true;
        if (error !== undefined) event.error = error;
        return event;
      }
      case "mknod":
      case "bind": {
        if (!ops.has("mkdir")) return undefined;
        let type: NodeType = "socket";
        let found: { path: string; abs: string | undefined } | undefined;
        if (spec.op === "bind") {
          found = this.#socketPath(tid, pid, p);
        } else {
          type = nodeType(args[spec.mode!]);
          const { path, abs } = this.#path(
            tid,
            pid,
            p,
            spec.path!,
            spec.dirfd,
          );
          if (path !== undefined) found = { path, abs };
        }
        if (found === undefined) return undefined;
        const event: MknodEvent = { op: "mknod", pid, ...found, type };
        if (error !== undefined) event.error = error;
        return event;
      }
      case "setxattr":
      case "removexattr":
      case "getxattr":
      case "listxattr": {
        if (this.#onFd(p)) return undefined;
        const event = this.#onePath(tid, pid, p, spec.op, error) as
          | XattrEvent
          | undefined;
        if (event === undefined || spec.name === undefined) return event;
        const name = this.#tracee.readString(tid, args[spec.name]);
        if (name === undefined) return event;
        // `name` goes before `error` and `time`, as the schema orders it.
        const { error: failed, ...rest } = event;
        return failed === undefined
          ? { ...rest, name }
          : { ...rest, name, error: failed };
      }
      case "chdir": {
        let path: string | undefined;
        let abs: string | undefined;
        if (spec.fd !== undefined) {
          abs = this.#tracee.fdPath(tid, args[spec.fd] | 0);
          path = abs;
        } else {
          ({ path, abs } = this.#path(tid, pid, p, spec.path!, undefined));
          abs = this.#throughFd(tid, pid, abs).abs;
        }
        if (path === undefined || !ops.has("chdir")) return undefined;
        // Once there, the directory is the thread's working directory: its
        // real path (symlinks and `..` as the kernel took them).
        if (error === undefined) abs = this.#tracee.cwd(tid, pid) ?? abs;
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
          // The text is looked up from the link's directory.
          fromAbs = from.charCodeAt(0) === 0x2f
            ? this.#resolve(tid, pid, from, undefined, p)
            : this.#resolve(
              tid,
              pid,
              `${dirname(second.path)}/${from}`,
              spec.dirfd2,
              p,
            );
        } else {
          fromAbs = this.#resolve(tid, pid, from, spec.dirfd, p);
          const atFlags = spec.atFlags === undefined ? 0 : args[spec.atFlags];
          const real = from === "" && (atFlags & AT_EMPTY_PATH)
            ? { abs: fromAbs, anon: isDeleted(fromAbs) }
            : this.#throughFd(tid, pid, fromAbs);
          fromAbs = real.abs;
          if (spec.op === "link" && real.anon) {
            // linkat of a file with no name (O_TMPFILE, through its fd or
            // /proc/self/fd/N): the file now exists under the new name,
            // written by this process.
            if (!ops.has("write")) return undefined;
            const made: OpenEvent = {
              op: "open",
              pid,
              path: second.path,
              abs: second.abs,
              mode: "w",
              create: true,
            };
            if (error !== undefined) made.error = error;
            return made;
          }
        }
        if (!ops.has(spec.op === "rename" ? "rename" : "link")) {
          return undefined;
        }
        const base = {
          pid,
          from,
          to: second.path,
          from_abs: fromAbs,
          to_abs: this.#throughFd(tid, pid, second.abs).abs,
        };
        let event: TraceEvent;
        if (spec.op === "rename") {
          event = { op: "rename", ...base };
          const flags = spec.flags === undefined ? 0 : args[spec.flags];
          if (flags & RENAME_EXCHANGE) event.exchange = true;
          if (flags & RENAME_NOREPLACE) event.noreplace = true;
          if (flags & RENAME_WHITEOUT) event.whiteout = true;
        } else {
          event = { op: "link", ...base, symbolic: spec.op === "symlink" };
        }
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
    op: ExtraOp | XattrEvent["op"] | "stat" | "unlink",
    error: string | undefined,
  ): TraceEvent | undefined {
    const spec = p.call.spec;
    const found = this.#path(tid, pid, p, spec.path!, spec.dirfd);
    const path = found.path;
    if (path === undefined) return undefined;
    const { abs, anon } = this.#throughFd(tid, pid, found.abs);
    const event: ExtraEvent | StatEvent | UnlinkEvent | XattrEvent = {
      op,
      pid,
      path,
      abs,
    };
    if (anon) event.anon = true;
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

  /**
   * The absolute path `path` names for thread `tid`, as filemon sees it:
   * from its root (an absolute path; "/" unless it chrooted), else from its
   * working directory or directory fd, each read now (a renamed directory,
   * a thread with a directory of its own). `.` and `..` fold as text only
   * where no name that may be a symlink comes before a `..`: the directory
   * up to such a name is looked up for real. Undefined (and counted in
   * `unresolved`) when the directory it starts from cannot be read.
   */
  #resolve(
    tid: number,
    pid: number,
    path: string,
    dirfdArg: number | undefined,
    p: PendingCall,
  ): string | undefined {
    const tracee = this.#tracee;
    const absolute = path.charCodeAt(0) === 0x2f;
    const dirfd = absolute || dirfdArg === undefined
      ? AT_FDCWD
      : p.args[dirfdArg] | 0;
    const root = tracee.root(tid);
    const split = splitAtDotDot(path);
    if (split !== undefined) {
      const dir = tracee.realDir(tid, dirfd, split.dir);
      // Not found: the call failed there; the text is all there is.
      if (dir !== undefined) return resolvePath(dir, split.rest, root);
    }
    if (absolute) {
      if (root === undefined) {
        this.#unread++;
        return undefined;
      }
      return resolvePath(root, path, root);
    }
    const base = dirfd === AT_FDCWD
      ? tracee.cwd(tid, pid)
      : tracee.fdPath(tid, dirfd);
    if (base === undefined) {
      this.#unread++;
      return undefined;
    }
    // A directory fd that is no directory (a pipe: "pipe:[N]") has no path.
    if (base.charCodeAt(0) !== 0x2f) return undefined;
    return path === "" ? base : resolvePath(base, path, root);
  }

  /**
   * An open's path, read and resolved, and where it leads: openat2's
   * RESOLVE_IN_ROOT resolves it inside its directory fd; a path through
   * /proc/self/fd/N or /dev/fd/N names the file that fd has open.
   */
  #openFile(
    tid: number,
    pid: number,
    p: PendingCall,
  ): { path: string; abs: string | undefined; anon: boolean } | undefined {
    const spec = p.call.spec;
    const found = this.#path(tid, pid, p, spec.path!, spec.dirfd);
    const path = found.path;
    if (path === undefined) return undefined;
    let abs = found.abs;
    if (
      spec.how !== undefined &&
      (path.charCodeAt(0) === 0x2f || path.includes("..")) &&
      (this.#tracee.readU32(tid, p.args[spec.how] + 16) & RESOLVE_IN_ROOT)
    ) {
      const dirfd = spec.dirfd === undefined ? AT_FDCWD : p.args[spec.dirfd];
      const root = dirfd === AT_FDCWD
        ? this.#tracee.cwd(tid, pid)
        : this.#tracee.fdPath(tid, dirfd);
      abs = root === undefined || root.charCodeAt(0) !== 0x2f
        ? undefined
        : resolveInRoot(root, path);
    }
    return { path, ...this.#throughFd(tid, pid, abs) };
  }

  /**
   * open_by_handle_at names no path: the file is the one its fd has open
   * (`path` and `abs` both). A failed call names none.
   */
  #handleFile(
    tid: number,
    error: string | undefined,
    ret: number | undefined,
  ): { path: string; abs: string | undefined; anon: boolean } | undefined {
    if (error !== undefined || ret === undefined) return undefined;
    const abs = this.#tracee.fdPath(tid, ret);
    if (abs === undefined) return undefined;
    return { path: abs, abs, anon: isDeleted(abs) };
  }

  /**
   * The path a bind(2) makes: an AF_UNIX address with a path (not an
   * abstract name, which starts with a NUL, nor an unnamed socket), at most
   * as long as the address length says.
   */
  #socketPath(
    tid: number,
    pid: number,
    p: PendingCall,
  ): { path: string; abs: string | undefined } | undefined {
    const spec = p.call.spec;
    const addr = p.args[spec.addr!];
    const len = p.args[spec.addrLen!];
    if (addr === 0 || len <= SUN_PATH) return undefined;
    if ((this.#tracee.readU32(tid, addr) & 0xffff) !== AF_UNIX) {
      return undefined;
    }
    let path = this.#tracee.readString(tid, addr + SUN_PATH);
    if (path === undefined || path === "") return undefined;
    const bytes = encodePath(path);
    if (bytes.length > len - SUN_PATH) {
      path = decodePath(bytes, 0, len - SUN_PATH);
    }
    const abs = path.charCodeAt(0) === 0x2f
      ? resolvePath("/", path)
      : this.#tracee.cwd(tid, pid);
    return {
      path,
      abs: abs === undefined || path.charCodeAt(0) === 0x2f
        ? abs
        : resolvePath(abs, path),
    };
  }

  /**
   * Where a path through an fd's magic link leads (/proc/self/fd/N,
   * /proc/thread-self/fd/N, /proc/PID/fd/N, /dev/fd/N, /dev/stdin...):
   * the file that fd has open, and whether that file has no name (`anon`:
   * an O_TMPFILE file, a memfd, a file deleted while open). Any other
   * path, or an fd open on no file (a pipe, a socket), is left as it is.
   */
  #throughFd(
    tid: number,
    pid: number,
    abs: string | undefined,
  ): { abs: string | undefined; anon: boolean } {
    if (
      abs === undefined ||
      !(abs.startsWith("/proc/") || abs.startsWith("/dev/"))
    ) {
      return { abs, anon: false };
    }
    const link = fdLink(abs);
    if (link === undefined) return { abs, anon: false };
    const owner = link.owner === "self"
      ? pid
      : link.owner === "thread-self"
      ? tid
      : link.owner;
    const target = this.#tracee.fdPath(owner, link.fd) ??
      (owner === pid ? this.#tracee.fdPath(tid, link.fd) : undefined);
    if (target === undefined || target.charCodeAt(0) !== 0x2f) {
      return { abs, anon: false };
    }
    if (isDeleted(target)) return { abs: target + link.rest, anon: true };
    return {
      abs: target === "/" && link.rest !== "" ? link.rest : target + link.rest,
      anon: false,
    };
  }

  /** Reads exec's path and argv at its entry (they vanish with the old image). */
  #readExec(tid: number, pid: number, p: PendingCall): ExecEvent | undefined {
    const { spec, table } = p.call;
    const args = p.args;
    const path = p.strings[spec.path!];
    if (path === undefined) return undefined;
    let abs = this.#resolve(tid, pid, path, spec.dirfd, p);
    let anon = false;
    if (path === "" && spec.dirfd !== undefined) {
      abs = this.#tracee.fdPath(tid, args[spec.dirfd] | 0);
      anon = isDeleted(abs); // fexecve of a memfd
    } else ({ abs, anon } = this.#throughFd(tid, pid, abs));
    const event: ExecEvent = { op: "exec", pid, path, abs };
    if (anon) event.anon = true;
    const argvAddr = args[spec.argv!];
    if (argvAddr !== 0) {
      event.argv = this.#tracee.readArgv(tid, argvAddr, table.pointerSize);
    }
    return event;
  }
}

/** AF_UNIX, and where `sun_path` starts in `struct sockaddr_un`. */
const AF_UNIX = 1;
const SUN_PATH = 2;

/** S_IFMT and its kinds of node. */
const NODE_TYPES: Readonly<Record<number, NodeType>> = {
  0o010000: "fifo",
  0o020000: "char",
  0o060000: "block",
  0o140000: "socket",
};

/**
 * The kind of node a mknod mode makes (0 and S_IFREG: a regular file).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { nodeType } from "./syscall_events.ts";
 * assertEquals(nodeType(0o010644), "fifo");
 * assertEquals(nodeType(0o644), "file");
 * ```
 */
export function nodeType(mode: number): NodeType {
  return NODE_TYPES[mode & S_IFMT] ?? "file";
}

/** What the kernel appends to the link of an fd whose file has no name left. */
const DELETED = " (deleted)";

/** Whether an fd's link names a file with no name left (O_TMPFILE, memfd, unlinked). */
function isDeleted(target: string | undefined): boolean {
  return target !== undefined && target.endsWith(DELETED);
}

const FD_LINK =
  /^\/(?:proc\/(self|thread-self|[1-9][0-9]*)\/fd|dev\/fd)\/([0-9]+)(\/.*)?$/;
const STD_FDS: Readonly<Record<string, number>> = {
  "/dev/stdin": 0,
  "/dev/stdout": 1,
  "/dev/stderr": 2,
};

/**
 * The fd a path goes through (a magic link of /proc, or /dev/fd and
 * /dev/std*, which lead there), and what follows it in the path.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fdLink } from "./syscall_events.ts";
 * assertEquals(fdLink("/proc/self/fd/7"), { owner: "self", fd: 7, rest: "" });
 * assertEquals(fdLink("/dev/fd/3/x"), { owner: "self", fd: 3, rest: "/x" });
 * assertEquals(fdLink("/proc/42/fd/1"), { owner: 42, fd: 1, rest: "" });
 * assertEquals(fdLink("/dev/stderr"), { owner: "self", fd: 2, rest: "" });
 * assertEquals(fdLink("/proc/self/fdinfo/7"), undefined);
 * ```
 */
export function fdLink(
  abs: string,
):
  | { owner: "self" | "thread-self" | number; fd: number; rest: string }
  | undefined {
  const std = STD_FDS[abs];
  if (std !== undefined) return { owner: "self", fd: std, rest: "" };
  const m = FD_LINK.exec(abs);
  if (m === null) return undefined;
  const owner = m[1] === undefined || m[1] === "self"
    ? "self"
    : m[1] === "thread-self"
    ? "thread-self"
    : Number(m[1]);
  return { owner, fd: Number(m[2]), rest: m[3] ?? "" };
}
