/**
 * aarch64 syscall numbers, from the Linux kernel's include/uapi/asm-generic/unistd.h (64-bit: no open, creat, link, unlink, rename, stat... only their *at forms).
 *
 * @module
 */

import type { SyscallTable } from "./types.ts";

/** aarch64 */
export const AARCH64: SyscallTable = {
  arch: "aarch64",
  audit: 0xc00000b7,
  pointerSize: 8,
  bias: 0,
  // struct user_pt_regs: x0 (the result, and the first argument) to x5.
  regs: { size: 272, ret: 0, args: [0, 8, 16, 24, 32, 40] },
  numbers: {
    pivot_root: 41,
    chroot: 51,
    capset: 91,
    unshare: 97,
    setregid: 143,
    setgid: 144,
    setreuid: 145,
    setuid: 146,
    setresuid: 147,
    setresgid: 149,
    setfsuid: 151,
    setfsgid: 152,
    setgroups: 159,
    setns: 268,
    clone: 220,
    clone3: 435,
    mkdirat: 34,
    unlinkat: 35,
    symlinkat: 36,
    linkat: 37,
    renameat: 38,
    truncate: 45,
    faccessat: 48,
    chdir: 49,
    fchdir: 50,
    fchmodat: 53,
    fchownat: 54,
    openat: 56,
    readlinkat: 78,
    newfstatat: 79,
    utimensat: 88,
    execve: 221,
    renameat2: 276,
    execveat: 281,
    statx: 291,
    io_uring_setup: 425,
    openat2: 437,
    faccessat2: 439,
    fchmodat2: 452,
  },
};
