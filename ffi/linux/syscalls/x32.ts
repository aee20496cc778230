/**
 * x32 syscall numbers, from the Linux kernel's arch/x86/entry/syscalls/syscall_64.tbl (common and x32 entries; numbers without __X32_SYSCALL_BIT).
 *
 * @module
 */

import type { SyscallTable } from "./types.ts";

/** x32 */
export const X32: SyscallTable = {
  arch: "x32",
  audit: 0xc000003e,
  pointerSize: 4,
  bias: 0x40000000,
  numbers: {
    open: 2,
    stat: 4,
    lstat: 6,
    access: 21,
    truncate: 76,
    chdir: 80,
    fchdir: 81,
    rename: 82,
    mkdir: 83,
    rmdir: 84,
    creat: 85,
    link: 86,
    unlink: 87,
    symlink: 88,
    readlink: 89,
    chmod: 90,
    chown: 92,
    lchown: 94,
    utime: 132,
    utimes: 235,
    openat: 257,
    mkdirat: 258,
    fchownat: 260,
    futimesat: 261,
    newfstatat: 262,
    unlinkat: 263,
    renameat: 264,
    linkat: 265,
    symlinkat: 266,
    readlinkat: 267,
    fchmodat: 268,
    faccessat: 269,
    utimensat: 280,
    renameat2: 316,
    statx: 332,
    io_uring_setup: 425,
    openat2: 437,
    faccessat2: 439,
    fchmodat2: 452,
    execve: 520,
    execveat: 545,
  },
};
