/**
 * The shape of a per-architecture syscall table: which number each traced
 * system call has. What each call means lives in `semantics.ts`, once for
 * all architectures.
 *
 * @module
 */

import type { SyscallName } from "./semantics.ts";

/** One architecture's numbers for the calls filemon traces. */
export interface SyscallTable {
  /** Architecture name as `uname -m` prints it. */
  readonly arch: "x86_64" | "i386" | "x32" | "aarch64";
  /** `AUDIT_ARCH_*`: what `seccomp_data.arch` and PTRACE_GET_SYSCALL_INFO report. */
  readonly audit: number;
  /** Bytes in a pointer of the traced program (argv arrays are read with it). */
  readonly pointerSize: 4 | 8;
  /** Added to every number by the kernel (x32's `__X32_SYSCALL_BIT`). */
  readonly bias: number;
  /**
   * Where `PTRACE_GETREGSET(NT_PRSTATUS)` puts a syscall's return value and
   * arguments (byte offsets), on the architectures where read-only opens take
   * the user-notification fast path.
   */
  readonly regs?: {
    readonly size: number;
    readonly ret: number;
    readonly args: readonly number[];
  };
  /** Syscall numbers, from the kernel's table for this architecture. */
  readonly numbers: Readonly<Partial<Record<SyscallName, number>>>;
}
