/**
 * ptrace(2) and wait(2) knowledge, under the kernel's own names
 * (linux/ptrace.h, asm-generic/signal.h, bits/waitstatus.h): requests,
 * options, events, and decoding a wait status.
 *
 * @module
 */

// Requests.
export const PTRACE_CONT = 7;
export const PTRACE_SYSCALL = 24;
export const PTRACE_GETEVENTMSG = 0x4201;
export const PTRACE_SEIZE = 0x4206;
export const PTRACE_LISTEN = 0x4208;
export const PTRACE_GET_SYSCALL_INFO = 0x420e;

// Options (PTRACE_SETOPTIONS, or PTRACE_SEIZE's data).
export const PTRACE_O_TRACESYSGOOD = 0x1;
export const PTRACE_O_TRACEFORK = 0x2;
export const PTRACE_O_TRACEVFORK = 0x4;
export const PTRACE_O_TRACECLONE = 0x8;
export const PTRACE_O_TRACEEXEC = 0x10;
export const PTRACE_O_TRACESECCOMP = 0x80;
export const PTRACE_O_EXITKILL = 0x100000;

// Events (the high bits of a stop's status).
export const PTRACE_EVENT_FORK = 1;
export const PTRACE_EVENT_VFORK = 2;
export const PTRACE_EVENT_CLONE = 3;
export const PTRACE_EVENT_EXEC = 4;
export const PTRACE_EVENT_SECCOMP = 7;
export const PTRACE_EVENT_STOP = 128;

// struct ptrace_syscall_info's op.
export const PTRACE_SYSCALL_INFO_EXIT = 2;
export const PTRACE_SYSCALL_INFO_SECCOMP = 3;

/** waitpid's __WALL: wait for threads and clones too. */
export const __WALL = 0x40000000;
/** waitpid's WNOHANG: return 0 when no child has changed state. */
export const WNOHANG = 1;

// Signals (the same numbers on x86 and arm64).
export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGTRAP = 5;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;

// errno values the loop tells apart.
export const ESRCH = 3;
export const EINTR = 4;
export const ECHILD = 10;
/** ERESTARTSYS .. ERESTART_RESTARTBLOCK: an interrupted call to be restarted. */
export const ERESTART_MIN = 512;
export const ERESTART_MAX = 516;

/** A decoded wait status. */
export type WaitStatus =
  | { kind: "exited"; code: number }
  | { kind: "killed"; signal: number }
  | { kind: "stopped"; signal: number; event: number };

/**
 * Decodes a wait(2) status (glibc's WIFEXITED / WIFSIGNALED / WIFSTOPPED and
 * ptrace's event bits).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeWaitStatus } from "./ptrace.ts";
 * assertEquals(decodeWaitStatus(3 << 8), { kind: "exited", code: 3 });
 * assertEquals(decodeWaitStatus(9), { kind: "killed", signal: 9 });
 * assertEquals(decodeWaitStatus((7 << 16) | (5 << 8) | 0x7f), {
 *   kind: "stopped", signal: 5, event: 7,
 * });
 * ```
 */
export function decodeWaitStatus(status: number): WaitStatus {
  const low = status & 0x7f;
  if (low === 0) return { kind: "exited", code: (status >> 8) & 0xff };
  if (low !== 0x7f) return { kind: "killed", signal: low };
  return {
    kind: "stopped",
    signal: (status >> 8) & 0xff,
    event: (status >>> 16) & 0xffff,
  };
}

/** Whether a stop signal is job control's (the tracee stays stopped until SIGCONT). */
export function isGroupStopSignal(signal: number): boolean {
  return signal === SIGSTOP || signal === SIGTSTP || signal === SIGTTIN ||
    signal === SIGTTOU;
}
