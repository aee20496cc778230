/**
 * x86_64 syscall numbers, from the Linux kernel's arch/x86/entry/syscalls/syscall_64.tbl (common and 64 entries).
 *
 * @module
 */

import type { SyscallTable } from "./types.ts";

/** x86_64 */
export const X86_64: SyscallTable = {
  arch: "x86_64",
  audit: 0xc000003e,
  pointerSize: 8,
  bias: 0,
  numbers: {
    open: 2,
    stat: 4,
    lstat: 6,
    access: 21,
    execve: 59,
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
    execveat: 322,
    statx: 332,
    io_uring_setup: 425,
    openat2: 437,
    faccessat2: 439,
    fchmodat2: 452,
  },
};
