/**
 * Installing the tracer's seccomp-bpf programs in the calling process (the
 * launcher, just before it execs the traced command).
 *
 * The payload the tracer sends is `[u32 n][n bytes: the program with the
 * user-notification fast path][the ptrace-only program]`. The first is
 * installed with a listener whose waits only a fatal signal ends; on a
 * kernel without that (before 5.19) or without a fast path (n = 0), the
 * second, which stops the tracee at every recorded call instead.
 *
 * @module
 */

import { addressOf, errno, strerror } from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";
import { proc } from "../runtime/process.ts";
import {
  HOST_SYSCALLS,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
  SECCOMP_SET_MODE_FILTER,
} from "./seccomp_notify.ts";

const PR_SET_NO_NEW_PRIVS = 38;
const PR_SET_SECCOMP = 22;
const SECCOMP_MODE_FILTER = 2;

/** Joins the two programs into the launcher's payload. */
export function filterPayload(
  notify: Uint8Array | undefined,
  ptraceOnly: Uint8Array,
): Uint8Array {
  const n = notify?.length ?? 0;
  const out = new Uint8Array(4 + n + ptraceOnly.length);
  new DataView(out.buffer).setUint32(0, n, true);
  if (notify !== undefined) out.set(notify, 4);
  out.set(ptraceOnly, 4 + n);
  return out;
}

/** Whether the payload carries a fast-path program (the tracer then waits for an answer). */
export function wantsFastPath(payload: Uint8Array): boolean {
  return new DataView(payload.buffer, payload.byteOffset).getUint32(0, true) >
    0;
}

/** struct sock_fprog { unsigned short len; struct sock_filter *filter; } */
function sockFprog(program: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const prog = new Uint8Array(new ArrayBuffer(64));
  const view = new DataView(prog.buffer);
  view.setUint16(0, program.length / 8, true);
  view.setBigUint64(8, addressOf(program), true);
  return prog;
}

/**
 * Sets no_new_privs and installs a program from `payload`. Returns the
 * listener fd (-1 when the ptrace-only program went in), or a one-line
 * problem.
 */
export function installFilter(
  payload: Uint8Array<ArrayBuffer>,
): number | string {
  if (linux.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) {
    return `cannot set no_new_privs: ${strerror(errno())}`;
  }
  const view = new DataView(payload.buffer, payload.byteOffset);
  const n = view.getUint32(0, true);
  const host = HOST_SYSCALLS[proc.arch];
  if (n > 0 && host !== undefined) {
    const notify = sockFprog(payload.subarray(4, 4 + n));
    const fd = linux.syscall3_buf(
      host.seccomp,
      SECCOMP_SET_MODE_FILTER,
      SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
      notify,
    );
    if (fd >= 0) return fd;
    // EINVAL: a kernel without WAIT_KILLABLE_RECV; take the ptrace way.
  }
  const prog = sockFprog(payload.subarray(4 + n));
  if (linux.prctl_buf(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) !== 0) {
    return `cannot install the seccomp filter: ${strerror(errno())}`;
  }
  return -1;
}
