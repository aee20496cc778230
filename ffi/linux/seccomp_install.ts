/**
 * Installing a seccomp-bpf program in the calling process (the launcher,
 * just before it execs the traced command).
 *
 * @module
 */

import { addressOf, errno, strerror } from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";

const PR_SET_NO_NEW_PRIVS = 38;
const PR_SET_SECCOMP = 22;
const SECCOMP_MODE_FILTER = 2;

/**
 * Sets no_new_privs and installs `program` (an array of `struct
 * sock_filter`). Returns a one-line problem, or undefined when installed.
 */
export function installFilter(
  program: Uint8Array<ArrayBuffer>,
): string | undefined {
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
  const prog = new Uint8Array(64);
  const view = new DataView(prog.buffer);
  view.setUint16(0, program.length / 8, true);
  view.setBigUint64(8, addressOf(program), true);
  if (linux.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) {
    return `cannot set no_new_privs: ${strerror(errno())}`;
  }
  if (linux.prctl_buf(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) !== 0) {
    return `cannot install the seccomp filter: ${strerror(errno())}`;
  }
  return undefined;
}
