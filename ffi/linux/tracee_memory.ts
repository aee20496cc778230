/**
 * Reading a traced process: strings and argv from its memory
 * (process_vm_readv, a page at a time), and its working directory and open
 * directories from /proc. `SyscallEvents` reads through the `Tracee`
 * interface, so it can be tested without a traced process.
 *
 * @module
 */

import { decodePath } from "../../lib/path.ts";
import { addressOf, cstring, libc, setU64 } from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";

const PATH_MAX = 4096;
const PAGE = 4096;
const MAX_ARGS = 65536;

/** What the event builder reads from a traced thread `tid` of process `pid`. */
export interface Tracee {
  /** The NUL-terminated string at `addr` (undefined when unreadable or NULL). */
  readString(tid: number, addr: number): string | undefined;
  /** The 32-bit unsigned integer at `addr` (0 when unreadable). */
  readU32(tid: number, addr: number): number;
  /** The NULL-terminated array of strings at `addr`, pointers `size` bytes wide. */
  readArgv(tid: number, addr: number, size: 4 | 8): string[];
  /** The process's working directory. */
  cwd(tid: number, pid: number): string | undefined;
  /** Notes a process's new working directory (undefined: look it up next time). */
  setCwd(pid: number, cwd: string | undefined): void;
  /** The path of an open file descriptor of the thread. */
  fdPath(tid: number, fd: number): string | undefined;
}

/** Counts of the reads, for `trace --stats`. */
export interface MemoryStats {
  memReads: number;
  proc: number;
}

const utf8 = new TextEncoder();

/** Reads traced processes through process_vm_readv and /proc; caches working directories. */
export class ProcTracee implements Tracee {
  readonly stats: MemoryStats = { memReads: 0, proc: 0 };
  #cwd = new Map<number, string>();
  // Buffers handed to libc; each is allocated once and never moves.
  #str = new Uint8Array(new ArrayBuffer(PATH_MAX * 2));
  #strView = new DataView(this.#str.buffer);
  #strAddr = Number(addressOf(this.#str));
  #localIov = new Uint8Array(64);
  #remoteIov = new Uint8Array(64);
  #localView = new DataView(this.#localIov.buffer);
  #remoteView = new DataView(this.#remoteIov.buffer);
  #link = new Uint8Array(PATH_MAX + 1);

  /** Reads `len` bytes at `addr` into the string buffer at `off`; returns the count. */
  #readMem(tid: number, addr: number, off: number, len: number): number {
    setU64(this.#localView, 0, this.#strAddr + off);
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
    const argv: string[] = [];
    for (const ptr of ptrs) {
      const arg = this.readString(tid, ptr);
      if (arg === undefined) break;
      argv.push(arg);
    }
    return argv;
  }

  cwd(tid: number, pid: number): string | undefined {
    let cwd = this.#cwd.get(pid);
    if (cwd === undefined) {
      cwd = this.#readlink(`/proc/${tid}/cwd`);
      if (cwd !== undefined) this.#cwd.set(pid, cwd);
    }
    return cwd;
  }

  setCwd(pid: number, cwd: string | undefined): void {
    if (cwd === undefined) this.#cwd.delete(pid);
    else this.#cwd.set(pid, cwd);
  }

  /** A new process starts in its parent's directory. */
  inheritCwd(parent: number, child: number): void {
    const cwd = this.#cwd.get(parent);
    if (cwd !== undefined) this.#cwd.set(child, cwd);
  }

  fdPath(tid: number, fd: number): string | undefined {
    return this.#readlink(`/proc/${tid}/fd/${fd}`);
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

  #readlink(path: string): string | undefined {
    this.stats.proc++;
    const n = libc.readlink(cstring(utf8.encode(path)), this.#link, PATH_MAX);
    return n < 0 ? undefined : decodePath(this.#link, 0, n);
  }
}
