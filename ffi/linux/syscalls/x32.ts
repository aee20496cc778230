/**
 * x32 syscall numbers, from the Linux kernel's
 * arch/x86/entry/syscalls/syscall_64.tbl: the x86_64 ("common") numbers,
 * except for the calls with an x32-only entry; each is entered without
 * __X32_SYSCALL_BIT, which the kernel adds (`bias`).
 *
 * @module
 */

import type { SyscallTable } from "./types.ts";
import { X86_64 } from "./x86_64.ts";

/** x32 */
export const X32: SyscallTable = {
  ...X86_64,
  arch: "x32",
  pointerSize: 4,
  bias: 0x40000000,
  // Read-only opens take the ptrace way (no fast path for x32).
  regs: undefined,
  numbers: {
    ...X86_64.numbers,
    // x32 entries: the calls that take pointer arrays (argv, envp).
    execve: 520,
    execveat: 545,
  },
};
