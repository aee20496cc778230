/**
 * Reading a traced process: strings and argv from its memory
 * (process_vm_readv: paths a page at a time, exec's arguments in large
 * chunks), and its working directory, root and open directories from
 * /proc, read when needed (a cache would go stale: a directory renamed, a
 * thread with a working directory of its own). `SyscallEvents` reads through the `Tracee`
 * interface, so it can be tested without a traced process.
 *
 * @module
 */

import { decodePath } from "../../lib/path.ts";
import { addressOf, cstring, libc, setU64 } from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";
import { linkPath, realDir } from "./dir_path.ts";
import { AT_FDCWD } from "../libc/linux_abi.ts";

const PATH_MAX = 4096;
const PAGE = 4096;
/**
 * Bytes read at once for exec's arguments: one argument is at most
 * MAX_ARG_STRLEN (32 pages) with its NUL, so one read holds any of them.
 */
const ARG_CHUNK = 33 * PAGE;
/**
 * Arguments read at most. The kernel takes at most 6 MiB of arguments and
 * pointers (and a quarter of the stack limit), so a successful exec has
 * far fewer; an exec that fails E2BIG may pass more.
 */
const MAX_ARGS = 1 << 22;

/** What the event builder reads from a traced thread `tid` of process `pid`. */
export interface Tracee {
  /** The NUL-terminated string at `addr` (undefined when unreadable or NULL). */
  readString(tid: number, addr: number): string | undefined;
  /** The 32-bit unsigned integer at `addr` (0 when unreadable). */
  readU32(tid: number, addr: number): number;
  /**
   * The NULL-terminated array of strings at `addr`, pointers `size` bytes
   * wide, each string whole (up to the kernel's 128 KiB for one argument).
   */
  readArgv(tid: number, addr: number, size: 4 | 8): string[];
  /**
   * The thread's working directory now, as filemon sees it (what
   * /proc/TID/cwd leads to: symlinks resolved, outside a chroot), however
   * long. Each thread's own: threads and processes that share it (and
   * those that do not, after unshare(CLONE_FS)) are all read right.
   */
  cwd(tid: number, pid: number): string | undefined;
  /** The thread's root directory as filemon sees it: "/" unless it (or an ancestor) chrooted. */
  root(tid: number): string | undefined;
  /** The path of an open file descriptor of the thread, however long (a directory). */
  fdPath(tid: number, fd: number): string | undefined;
  /**
   * Directory `dir` looked up for real as thread `tid` would (symlinks
   * followed): a relative one from its directory fd `dirfd` (AT_FDCWD: its
   * working directory), an absolute one inside its root. Its path as
   * filemon sees it; undefined when the lookup fails.
   */
  realDir(tid: number, dirfd: number, dir: string): string | undefined;
}

/** Counts of the reads, for `trace --stats`. */
export interface MemoryStats {
  memReads: number;
  proc: number;
}

const utf8 = new TextEncoder();

/** Reads traced processes through process_vm_readv and /proc; caches root directories. */
export class ProcTracee implements Tracee {
  readonly stats: MemoryStats = { memReads: 0, proc: 0 };
  /** Root directories by thread (they change only by chroot, pivot_root, setns). */
  #roots = new Map<number, string>();
  // Buffers handed to libc; each is allocated once and never moves.
  #str = new Uint8Array(new ArrayBuffer(PATH_MAX * 2));
  #strView = new DataView(this.#str.buffer);
  #strAddr = Number(addressOf(this.#str));
  #localIov = new Uint8Array(64);
  #remoteIov = new Uint8Array(64);
  #localView = new DataView(this.#localIov.buffer);
  #remoteView = new DataView(this.#remoteIov.buffer);
  #link = new Uint8Array(PATH_MAX + 1);
  #arg = new Uint8Array(new ArrayBuffer(ARG_CHUNK));
  #argAddr = Number(addressOf(this.#arg));
  /** What #arg holds: `#argLen` bytes of thread `#argTid` from `#argAt`. */
  #argTid = 0;
  #argAt = 0;
  #argLen = 0;

  /** Reads `len` bytes at `addr` into the string buffer at `off`; returns the count. */
  #readMem(
    tid: number,
    addr: number,
    off: number,
    len: number,
    into = this.#strAddr,
  ): number {
    setU64(this.#localView, 0, into + off);
    setU64(this.#localView, 8, len);
    setU64(this.#remoteView, 0, addr);
    setU64(this.#remoteView, 8, len);
    this.stats.memReads++;
    return linux.process_vm_readv(
      tid,
      this.#localIov,
      1,
      this.#remoteIov,
      1,
      0,
    );
  }

  readString(tid: number, addr: number): string | undefined {
    if (addr === 0) return undefined;
    let off = 0;
    // Page by page, so a string near unmapped memory is still read.
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

  readU32(tid: number, addr: number): number {
    if (this.#readMem(tid, addr, 0, 4) !== 4) return 0;
    return this.#strView.getUint32(0, true);
  }

  readArgv(tid: number, addr: number, size: 4 | 8): string[] {
    const ptrs: number[] = [];
    let at = addr;
    read: while (ptrs.length < MAX_ARGS) {
      const got = this.#readMem(tid, at, 0, PAGE - (at % PAGE));
      if (got < size) break;
      const view = this.#strView;
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
    this.#argLen = 0;
    const argv: string[] = [];
    for (const ptr of ptrs) {
      const arg = this.#readArg(tid, ptr);
      if (arg === undefined) break;
      argv.push(arg);
    }
    this.#argLen = 0;
    return argv;
  }

  /**
   * One argument of exec, whole: arguments usually sit side by side, so
   * each read takes a chunk and the next ones come from it. The first read
   * is small (most command lines fit in a page or two); an argument that
   * runs past it is read again with a large chunk.
   */
  #readArg(tid: number, ptr: number): string | undefined {
    if (ptr === 0) return undefined;
    const start = ptr - this.#argAt;
    if (
      this.#argTid === tid && this.#argLen > 0 && start >= 0 &&
      start < this.#argLen
    ) {
      const nul = this.#arg.subarray(start, this.#argLen).indexOf(0);
      if (nul >= 0) return decodePath(this.#arg, start, start + nul);
    }
    for (const len of [2 * PAGE - (ptr % PAGE), ARG_CHUNK]) {
      this.#argTid = tid;
      this.#argAt = ptr;
      let got = this.#readMem(tid, ptr, 0, len, this.#argAddr);
      if (got <= 0) {
        // The chunk crosses into unmapped memory: up to the page's end.
        got = this.#readMem(tid, ptr, 0, PAGE - (ptr % PAGE), this.#argAddr);
      }
      this.#argLen = Math.max(0, got);
      const nul = this.#arg.subarray(0, this.#argLen).indexOf(0);
      if (nul >= 0) return decodePath(this.#arg, 0, nul);
      if (this.#argLen < len) return undefined; // runs into unreadable memory
    }
    return undefined;
  }

  cwd(tid: number): string | undefined {
    this.stats.proc++;
    return linkPath(`/proc/${tid}/cwd`);
  }

  root(tid: number): string | undefined {
    let root = this.#roots.get(tid);
    if (root === undefined) {
      this.stats.proc++;
      root = linkPath(`/proc/${tid}/root`);
      if (root !== undefined) this.#roots.set(tid, root);
    }
    return root;
  }

  /** A new thread or process starts with its creator's root. */
  inheritRoot(parent: number, child: number): void {
    const root = this.#roots.get(parent);
    if (root !== undefined) this.#roots.set(child, root);
  }

  /**
   * After a chroot, pivot_root or setns: any thread's root may have changed
   * (they share it with CLONE_FS; pivot_root moves others' too).
   */
  forgetRoots(): void {
    this.#roots.clear();
  }

  /** A thread ended: its id may come back for another. */
  forget(tid: number): void {
    this.#roots.delete(tid);
  }

  realDir(tid: number, dirfd: number, dir: string): string | undefined {
    this.stats.proc++;
    const root = this.root(tid);
    return realDir(
      dirfd === AT_FDCWD ? `/proc/${tid}/cwd` : `/proc/${tid}/fd/${dirfd}`,
      dir,
      root === undefined || root === "/" ? undefined : `/proc/${tid}/root`,
    );
  }

  fdPath(tid: number, fd: number): string | undefined {
    this.stats.proc++;
    return linkPath(`/proc/${tid}/fd/${fd}`);
  }

  /** A clone made a thread of `tgid` when /proc lists it among its tasks. */
  isThreadOf(tgid: number, child: number): boolean {
    this.stats.proc++;
    return libc.access(
      cstring(utf8.encode(`/proc/${tgid}/task/${child}`)),
      0,
    ) === 0;
  }

  /**
   * The process a new thread or process `tid` came from, from /proc: its
   * thread group (for a thread) or its parent (for a process); undefined
   * when it is gone.
   */
  creatorOf(tid: number): number | undefined {
    const ids = this.#ids(tid);
    if (ids === undefined) return undefined;
    return ids.tgid !== tid ? ids.tgid : ids.ppid > 0 ? ids.ppid : undefined;
  }

  /** The process (thread group) of thread `tid`, from /proc. */
  tgidOf(tid: number): number | undefined {
    return this.#ids(tid)?.tgid;
  }

  #ids(tid: number): { tgid: number; ppid: number } | undefined {
    this.stats.proc++;
    const fd = libc.open(
      cstring(utf8.encode(`/proc/${tid}/status`)),
      0o2000000,
      0,
    );
    if (fd < 0) return undefined;
    const n = libc.read(fd, this.#link, this.#link.length);
    libc.close(fd);
    if (n <= 0) return undefined;
    const text = new TextDecoder().decode(this.#link.subarray(0, Number(n)));
    const tgid = Number(/^Tgid:\s*(\d+)/m.exec(text)?.[1]);
    const ppid = Number(/^PPid:\s*(\d+)/m.exec(text)?.[1]);
    return tgid > 0 ? { tgid, ppid } : undefined;
  }
}
