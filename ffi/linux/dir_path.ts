/**
 * Where a directory really is: the path behind a /proc link or an fd, whole
 * even past PATH_MAX, and a directory looked up on the file system (through
 * its symlinks) rather than folded as text.
 *
 * readlink of /proc/TID/cwd or /proc/TID/fd/N fails with ENAMETOOLONG once
 * the path is longer than a page. Then the directory is opened (O_PATH),
 * made this thread's working directory for a moment and named by the C
 * library's getcwd, which walks up through `..` when the kernel's own
 * getcwd gives up. The thread first takes a working directory of its own
 * (unshare(CLONE_FS)), so no other thread of filemon sees the change; the
 * previous directory is restored before returning.
 *
 * @module
 */

import { ffi } from "../runtime/ffi.ts";
import { proc } from "../runtime/process.ts";
import { ABI, cstring, errno, libc } from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";
import { decodePath, resolvePath, splitAtDotDot } from "../../lib/path.ts";
import { hostTables } from "./syscalls/host.ts";
import { AT_FDCWD, linuxOpenFlags, O_CLOEXEC } from "../libc/linux_abi.ts";

const { O_PATH, O_DIRECTORY } = linuxOpenFlags(proc.arch);

const PATH_MAX = 4096;
const ENAMETOOLONG = 36;
const ERANGE = 34;
const CLONE_FS = 0x200;
/** struct open_how's resolve bit: resolve as if `dirfd` were the root. */
const RESOLVE_IN_ROOT = 0x10;

const own = ffi.dlopen(ABI.libc, {
  // char *getcwd(char *buf, size_t size);
  getcwd: { parameters: ["buffer", "usize"], result: "usize" },
  // int fchdir(int fd);
  fchdir: { parameters: ["i32"], result: "i32" },
  // int unshare(int flags);
  unshare: { parameters: ["i32"], result: "i32" },
});

const OPENAT2 = hostTables(proc.arch)[0].numbers.openat2;

const link = new Uint8Array(new ArrayBuffer(PATH_MAX + 1));
let long = new Uint8Array(new ArrayBuffer(64 * 1024));
/** This thread's own working directory (O_PATH), once it has one; -2: cannot. */
let home = -1;
const how = new Uint8Array(new ArrayBuffer(24));
const howView = new DataView(how.buffer);

/** Counts, for `trace --stats`: /proc and file system lookups made. */
export const dirPathStats = { lookups: 0, long: 0 };

/**
 * The path a /proc magic link (`/proc/TID/cwd`, `/proc/TID/root`,
 * `/proc/TID/fd/N`) leads to, as this process sees it, however long;
 * undefined when it cannot be read (gone, no permission, a file beyond
 * PATH_MAX).
 *
 * @example
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { linkPath } from "./dir_path.ts";
 * assertEquals(linkPath("/proc/self/root"), "/");
 * ```
 */
export function linkPath(path: string): string | undefined {
  dirPathStats.lookups++;
  const c = cstring(path);
  const n = libc.readlink(c, link, PATH_MAX);
  if (n >= 0) return decodePath(link, 0, n);
  if (errno() !== ENAMETOOLONG) return undefined;
  const fd = libc.open(c, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return undefined;
  try {
    return dirPathOf(fd);
  } finally {
    libc.close(fd);
  }
}

/** The path of our own directory fd `fd`, however long. */
export function dirPathOf(fd: number): string | undefined {
  dirPathStats.lookups++;
  const n = libc.readlink(cstring(`/proc/self/fd/${fd}`), link, PATH_MAX);
  if (n >= 0) return decodePath(link, 0, n);
  if (errno() !== ENAMETOOLONG) return undefined;
  dirPathStats.long++;
  if (home === -1) {
    // A working directory of this thread's own, so that fchdir below moves
    // no other thread.
    home = own.unshare(CLONE_FS) === 0
      ? libc.open(cstring("."), O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
      : -2;
    if (home < 0) home = -2;
  }
  if (home < 0 || own.fchdir(fd) < 0) return undefined;
  try {
    for (;;) {
      if (own.getcwd(long, long.length) !== 0) {
        const end = long.indexOf(0);
        return decodePath(long, 0, end < 0 ? long.length : end);
      }
      if (errno() !== ERANGE || long.length >= 1 << 24) return undefined;
      long = new Uint8Array(new ArrayBuffer(long.length * 4));
    }
  } finally {
    own.fchdir(home);
  }
}

/**
 * Looks directory `dir` up for real and gives its path (symlinks followed,
 * `..` taken as the kernel takes it), as this process sees it. A relative
 * `dir` starts at `from` (a /proc link to the traced thread's working
 * directory or directory fd); an absolute one at `root` (a link to its
 * root, `/proc/TID/root`: lookups stay inside it, as the traced process's
 * do), or at our own root when `root` is undefined. Undefined when the
 * lookup fails (a name missing, not a directory, no permission).
 *
 * @example
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { realDir } from "./dir_path.ts";
 * assertEquals(realDir("/proc/self/cwd", "/proc/self/..", undefined), "/proc");
 * ```
 */
export function realDir(
  from: string,
  dir: string,
  root: string | undefined,
): string | undefined {
  dirPathStats.lookups++;
  let fd: number;
  if (dir.charCodeAt(0) === 0x2f && root !== undefined) {
    const base = libc.open(
      cstring(root),
      O_PATH | O_DIRECTORY | O_CLOEXEC,
      0,
    );
    if (base < 0) return undefined;
    try {
      fd = openInRoot(base, dir);
    } finally {
      libc.close(base);
    }
  } else if (dir.charCodeAt(0) === 0x2f) {
    fd = libc.openat(
      AT_FDCWD,
      cstring(dir),
      O_PATH | O_DIRECTORY | O_CLOEXEC,
      0,
    );
  } else {
    const base = libc.open(
      cstring(from),
      O_PATH | O_DIRECTORY | O_CLOEXEC,
      0,
    );
    if (base < 0) return undefined;
    try {
      fd = libc.openat(base, cstring(dir), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    } finally {
      libc.close(base);
    }
  }
  if (fd < 0) return undefined;
  try {
    return dirPathOf(fd);
  } finally {
    libc.close(fd);
  }
}

/** openat2(base, path, O_PATH|O_DIRECTORY, RESOLVE_IN_ROOT). */
function openInRoot(base: number, path: string): number {
  if (OPENAT2 === undefined) return -1;
  howView.setBigUint64(0, BigInt(O_PATH | O_DIRECTORY | O_CLOEXEC), true);
  howView.setBigUint64(8, 0n, true);
  howView.setBigUint64(16, BigInt(RESOLVE_IN_ROOT), true);
  return linux.syscall_openat2(OPENAT2, base, cstring(path), how, 24);
}

/**
 * The absolute path `path` names when looked up from directory fd `base`
 * (ours; AT_FDCWD for an absolute `path`, looked up from our root): the
 * base's real path, with `..` folded lexically only where no name that
 * may be a symlink comes before it (the directory up to such a name is
 * looked up for real). What the fast path's server records for a call it
 * answers; undefined when the base has no path.
 *
 * @example
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { absAt } from "./dir_path.ts";
 * assertEquals(absAt(-100, "/proc/self/../x"), "/proc/x");
 * ```
 */
export function absAt(base: number, path: string): string | undefined {
  const absolute = path.charCodeAt(0) === 0x2f;
  const split = splitAtDotDot(path);
  if (split !== undefined) {
    const fd = libc.openat(
      base,
      cstring(split.dir),
      O_PATH | O_DIRECTORY | O_CLOEXEC,
      0,
    );
    if (fd >= 0) {
      try {
        const dir = dirPathOf(fd);
        if (dir !== undefined) return resolvePath(dir, split.rest);
      } finally {
        libc.close(fd);
      }
    }
  }
  if (absolute) return resolvePath("/", path);
  const dir = base === AT_FDCWD ? linkPath("/proc/self/cwd") : dirPathOf(base);
  if (dir === undefined || dir.charCodeAt(0) !== 0x2f) return undefined;
  return path === "" ? dir : resolvePath(dir, path);
}
