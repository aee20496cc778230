/**
 * seccomp user notification (linux/seccomp.h): the ioctls on a listener
 * fd, their structs' layouts, and the flags filemon uses.
 *
 * @module
 */

import { errno } from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";
import { EINTR } from "../libc/linux_abi.ts";

/** seccomp(2) operation and flags. */
export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
/** A received notification's wait can only be ended by a fatal signal (5.19). */
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5;

/** _IOC(dir, '!', nr, size) for the listener's ioctls. */
function ioc(dir: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (0x21 << 8) | nr) >>> 0;
}
const IOC_WRITE = 1;
const IOC_READ = 2;

/** struct seccomp_notif: id u64, pid u32, flags u32, struct seccomp_data. */
export const NOTIF_SIZE = 80;
/** struct seccomp_notif_resp: id u64, val s64, error s32, flags u32. */
export const RESP_SIZE = 24;
/** struct seccomp_notif_addfd: id u64, flags u32, srcfd u32, newfd u32, newfd_flags u32. */
export const ADDFD_SIZE = 24;

/** Offsets in struct seccomp_notif. */
export const NOTIF_ID = 0;
export const NOTIF_PID = 8;
export const NOTIF_NR = 16;
export const NOTIF_ARCH = 20;
export const NOTIF_ARGS = 32;

/**
 * The ioctl request numbers.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import {
 *   SECCOMP_IOCTL_NOTIF_ADDFD,
 *   SECCOMP_IOCTL_NOTIF_RECV,
 *   SECCOMP_IOCTL_NOTIF_SEND,
 * } from "./seccomp_notify.ts";
 * // The values in the kernel's headers, as strace prints them.
 * assertEquals(SECCOMP_IOCTL_NOTIF_RECV, 0xc0502100);
 * assertEquals(SECCOMP_IOCTL_NOTIF_SEND, 0xc0182101);
 * assertEquals(SECCOMP_IOCTL_NOTIF_ADDFD, 0x40182103);
 * ```
 */
export const SECCOMP_IOCTL_NOTIF_RECV = ioc(
  IOC_READ | IOC_WRITE,
  0,
  NOTIF_SIZE,
);
export const SECCOMP_IOCTL_NOTIF_SEND = ioc(IOC_READ | IOC_WRITE, 1, RESP_SIZE);
export const SECCOMP_IOCTL_NOTIF_ADDFD = ioc(IOC_WRITE, 3, ADDFD_SIZE);

/** Let the call run in the tracee as if the filter had allowed it. */
export const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
/** ADDFD: the new fd is the call's result, and the reply is sent. */
export const SECCOMP_ADDFD_FLAG_SEND = 2;

/** A reply that makes the tracee run the call again (the kernel restarts it). */
export const ERESTARTNOINTR = 513;

/** Host syscall numbers of the calls made through syscall(2). */
export const HOST_SYSCALLS: Readonly<
  Record<
    string,
    {
      seccomp: number;
      openat2: number;
      tgkill: number;
      pidfd_open: number;
      pidfd_getfd: number;
    }
  >
> = {
  x86_64: {
    seccomp: 317,
    openat2: 437,
    tgkill: 234,
    pidfd_open: 434,
    pidfd_getfd: 438,
  },
  aarch64: {
    seccomp: 277,
    openat2: 437,
    tgkill: 131,
    pidfd_open: 434,
    pidfd_getfd: 438,
  },
};

/** struct open_how's resolve flag: refuse /proc magic links (they would resolve to us). */
export const RESOLVE_NO_MAGICLINKS = 0x02;

/** ptrace requests and notes for the fast path's fallback. */
export const PTRACE_INTERRUPT = 0x4207;
export const PTRACE_GETREGSET = 0x4204;
export const PTRACE_SETREGSET = 0x4205;
export const NT_PRSTATUS = 1;

/**
 * SECCOMP_IOCTL_NOTIF_SEND with `resp`; false when the call is gone
 * (ENOENT). The kernel takes the listener's lock interruptibly first: a
 * signal while another thread holds it fails the answer with EINTR before
 * anything changed (seen under Bun, whose GC signals its threads, as a
 * call never answered), so that is tried again.
 */
export function sendResponse(
  listener: number,
  resp: Uint8Array<ArrayBuffer>,
): boolean {
  for (;;) {
    if (linux.ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) >= 0) {
      return true;
    }
    if (errno() !== EINTR) return false;
  }
}
