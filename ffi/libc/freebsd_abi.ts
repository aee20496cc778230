/**
 * The C library on FreeBSD (libc.so.7, amd64 and arm64 alike): errno names
 * and numbers, flag values, signal numbers and the other constants the
 * /dev/filemon backend passes. Every value here is FreeBSD's own, from its
 * headers (sys/errno.h, sys/fcntl.h, sys/signal.h, sys/wait.h, sys/poll.h,
 * dlfcn.h); none is borrowed from Linux, even where the two agree.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FREEBSD_ABI, FREEBSD_ERRNO_NAMES } from "./freebsd_abi.ts";
 * assertEquals(FREEBSD_ABI.libc, "libc.so.7");
 * assertEquals(FREEBSD_ERRNO_NAMES[35], "EAGAIN");
 * ```
 *
 * @module
 */

import type { OsAbi } from "./abi.ts";

/** errno names by number (sys/sys/errno.h). */
export const FREEBSD_ERRNO_NAMES: Readonly<Record<number, string>> = {
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
  11: "EDEADLK",
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
  35: "EAGAIN",
  45: "EOPNOTSUPP",
  62: "ELOOP",
  63: "ENAMETOOLONG",
  66: "ENOTEMPTY",
  69: "EDQUOT",
  78: "ENOSYS",
  84: "EOVERFLOW",
  87: "ENOATTR",
  93: "ENOTCAPABLE",
  94: "ECAPMODE",
  97: "EINTEGRITY",
};

/** FreeBSD's errno numbers the /dev/filemon backend tells apart. */
export const FREEBSD_ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EBADF: 9,
  ECHILD: 10,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENXIO: 6,
  ENODEV: 19,
  EINVAL: 22,
  EISDIR: 21,
  ENOMEM: 12,
  EAGAIN: 35,
  ENAMETOOLONG: 63,
} as const;

/** FreeBSD's signal numbers (sys/sys/signal.h) for the signals filemon handles. */
export const FREEBSD_SIGNALS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGTERM: 15,
  SIGSTOP: 17,
  SIGCHLD: 20,
} as const;

/** Other FreeBSD constants the backend passes. */
export const FREEBSD_FLAGS = {
  O_RDONLY: 0x0,
  O_WRONLY: 0x1,
  O_RDWR: 0x2,
  O_NONBLOCK: 0x4,
  O_APPEND: 0x8,
  O_ACCMODE: 0x3,
  O_CREAT: 0x200,
  O_TRUNC: 0x400,
  O_CLOEXEC: 0x100000,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  /** sys/fcntl.h: the *at() calls' "relative to the working directory". */
  AT_FDCWD: -100,
  AT_SYMLINK_NOFOLLOW: 0x200,
  /** waitpid(2): return at once when no child has changed state. */
  WNOHANG: 1,
  POLLIN: 0x1,
  POLLOUT: 0x4,
  POLLHUP: 0x10,
  /** dlfcn.h: `((void *)-2)`, as the unsigned address dlsym takes. */
  RTLD_DEFAULT: 0xffff_ffff_ffff_fffen,
} as const;

/** FreeBSD's facts in the common `OsAbi` shape (the same on amd64 and arm64). */
export const FREEBSD_ABI: OsAbi = {
  libc: "libc.so.7",
  errnoFunction: "__error",
  errnoNames: FREEBSD_ERRNO_NAMES,
  RTLD_DEFAULT: FREEBSD_FLAGS.RTLD_DEFAULT,
  EINTR: FREEBSD_ERRNO.EINTR,
  EAGAIN: FREEBSD_ERRNO.EAGAIN,
  ENOENT: FREEBSD_ERRNO.ENOENT,
  O_WRONLY: FREEBSD_FLAGS.O_WRONLY,
  O_CREAT: FREEBSD_FLAGS.O_CREAT,
  O_TRUNC: FREEBSD_FLAGS.O_TRUNC,
  O_CLOEXEC: FREEBSD_FLAGS.O_CLOEXEC,
  // FreeBSD has no O_TMPFILE: outputs go under a temporary name.
  O_TMPFILE: 0,
  AT_FDCWD: -100,
  AT_SYMLINK_FOLLOW: 0x400,
  F_SETFD: FREEBSD_FLAGS.F_SETFD,
  POLLOUT: FREEBSD_FLAGS.POLLOUT,
  timerLibrary: "librt.so.1",
};
