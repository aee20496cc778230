/**
 * The C library on Linux (glibc): errno names and flag values (the same on
 * every architecture filemon supports, but O_TMPFILE).
 *
 * @module
 */

import type { OsAbi } from "./abi.ts";

/** errno names by number (asm-generic/errno*.h, shared by x86 and arm64). */
export const LINUX_ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  7: "E2BIG",
  8: "ENOEXEC",
  9: "EBADF",
  10: "ECHILD",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  18: "EXDEV",
  19: "ENODEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  25: "ENOTTY",
  26: "ETXTBSY",
  27: "EFBIG",
  28: "ENOSPC",
  29: "ESPIPE",
  30: "EROFS",
  31: "EMLINK",
  32: "EPIPE",
  36: "ENAMETOOLONG",
  38: "ENOSYS",
  39: "ENOTEMPTY",
  40: "ELOOP",
  61: "ENODATA",
  75: "EOVERFLOW",
  95: "EOPNOTSUPP",
  122: "EDQUOT",
};

/**
 * File-call constants filemon's Linux code shares, under their C names (the
 * same on x86_64, i386 and aarch64).
 */
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_EMPTY_PATH = 0x1000;
export const O_RDONLY = 0;
export const O_CLOEXEC = 0o2000000;
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const EINTR = 4;

/** Linux's facts for `arch` ("x86_64", "aarch64"). */
export function LINUX_ABI(arch: string): OsAbi {
  return {
    libc: "libc.so.6",
    errnoFunction: "__errno_location",
    errnoNames: LINUX_ERRNO_NAMES,
    RTLD_DEFAULT: 0n,
    EINTR,
    EAGAIN: 11,
    ENOENT: 2,
    O_WRONLY: 0x1,
    O_CREAT: 0x40,
    O_TRUNC: 0x200,
    O_CLOEXEC,
    // __O_TMPFILE | O_DIRECTORY: O_DIRECTORY differs on arm64.
    O_TMPFILE: arch === "aarch64" ? 0o20040000 : 0o20200000,
    AT_FDCWD,
    AT_SYMLINK_FOLLOW: 0x400,
    F_SETFD: 2,
    POLLOUT: 0x4,
  };
}

/**
 * The open(2) flags only filemon's Linux code uses, for `arch` (two of them
 * differ on arm64).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { linuxOpenFlags } from "./linux_abi.ts";
 * assertEquals(linuxOpenFlags("x86_64").O_DIRECTORY, 0o200000);
 * assertEquals(linuxOpenFlags("aarch64").O_NOFOLLOW, 0o100000);
 * ```
 */
export function linuxOpenFlags(
  arch: string,
): { O_PATH: number; O_DIRECTORY: number; O_NOFOLLOW: number } {
  const arm = arch === "aarch64";
  return {
    O_PATH: 0o10000000,
    O_DIRECTORY: arm ? 0o40000 : 0o200000,
    O_NOFOLLOW: arm ? 0o100000 : 0o400000,
  };
}
