/**
 * What `filemon bmake` asks of Linux: the files a process has open (its
 * /proc/PID/fd links), and appending a section to a `.meta` file.
 *
 * @module
 */

import { ffi } from "../runtime/ffi.ts";
import { proc } from "../runtime/process.ts";
import {
  ABI,
  close,
  cstring,
  errno,
  libc,
  LibcError,
  open,
  realpath,
  writeAll,
} from "../libc/posix.ts";
import { decodePath } from "../../lib/path.ts";
import type { MetaHost } from "../../lib/bmake/meta_jobs.ts";
import { linuxOpenFlags, O_RDONLY } from "../libc/linux_abi.ts";

const { O_DIRECTORY } = linuxOpenFlags(proc.arch);

const PATH_MAX = 4096;
const O_APPEND = 0o2000;
/** getdents64(2)'s number (asm-generic's on aarch64). */
const SYS_GETDENTS64: Readonly<Record<string, number>> = {
  x86_64: 217,
  aarch64: 61,
};

const own = ffi.dlopen(ABI.libc, {
  // long syscall(long number, ...);  getdents64(fd, dirp, count)
  getdents64: {
    name: "syscall",
    parameters: ["usize", "usize", "buffer", "usize"],
    result: "isize",
  },
});

const entries = new Uint8Array(new ArrayBuffer(32 * 1024));
const entriesView = new DataView(entries.buffer);
const link = new Uint8Array(new ArrayBuffer(PATH_MAX + 1));

/**
 * The names of a directory's entries (getdents64), without `.` and `..`;
 * undefined when it cannot be read.
 */
function dirNames(path: string): string[] | undefined {
  const nr = SYS_GETDENTS64[proc.arch];
  if (nr === undefined) return undefined;
  const fd = libc.open(
    cstring(path),
    O_RDONLY | O_DIRECTORY | ABI.O_CLOEXEC,
    0,
  );
  if (fd < 0) return undefined;
  const names: string[] = [];
  try {
    for (;;) {
      const n = Number(own.getdents64(nr, fd, entries, entries.length));
      if (n < 0) {
        if (errno() === ABI.EINTR) continue;
        return undefined;
      }
      if (n === 0) return names;
      // struct linux_dirent64 { u64 ino; s64 off; u16 reclen; u8 type; char name[]; }
      for (let at = 0; at < n;) {
        const reclen = entriesView.getUint16(at + 16, true);
        const start = at + 19;
        const end = entries.indexOf(0, start);
        const name = decodePath(entries, start, end);
        if (name !== "." && name !== "..") names.push(name);
        at += reclen;
      }
    }
  } finally {
    libc.close(fd);
  }
}

/**
 * The files process `pid` has open, as its /proc/PID/fd links name them;
 * undefined when they cannot be read.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { openFiles } from "./meta_host.ts";
 * import { getpid } from "../libc/posix.ts";
 * assertEquals(openFiles(2 ** 30), undefined); // no such process
 * assertEquals(openFiles(getpid())!.length > 0, true); // this one's
 * ```
 */
export function openFiles(pid: number): string[] | undefined {
  const dir = `/proc/${pid}/fd`;
  const fds = dirNames(dir);
  if (fds === undefined) return undefined;
  const out: string[] = [];
  for (const fd of fds) {
    const n = libc.readlink(cstring(`${dir}/${fd}`), link, PATH_MAX);
    if (n >= 0) out.push(decodePath(link, 0, n));
  }
  return out;
}

/** Appends `bytes` to the existing file `path`; throws `LibcError`. */
export function appendFile(path: string, bytes: Uint8Array): void {
  const fd = open(path, ABI.O_WRONLY | O_APPEND | ABI.O_CLOEXEC);
  try {
    writeAll(fd, bytes);
  } finally {
    close(fd);
  }
}

/** Linux's `MetaHost`. */
export const metaHost: MetaHost = {
  openFiles,
  realPath(path: string): string | undefined {
    try {
      return realpath(path);
    } catch (err) {
      if (err instanceof LibcError) return undefined;
      throw err;
    }
  },
  now: () => (performance.timeOrigin + performance.now()) / 1000,
};
