/**
 * The launcher: this tool started again by the tracer, in a hidden mode, to
 * become the traced command. (`fork()` through FFI kills the child on Deno
 * and Bun, so the tracer posix_spawns this instead.)
 *
 * 1. write "R" on the ready pipe, then block reading the go pipe;
 * 2. meanwhile the tracer PTRACE_SEIZEs this thread and writes the seccomp
 *    program on the go pipe;
 * 3. set no_new_privs, install the program, and execvp the command. If that
 *    fails, say why in one line and exit 127 (not found) or 126.
 *
 * It loads nothing but the libc table, to start fast.
 *
 * Usage (internal): `launcher.ts READY_FD GO_FD COMMAND [ARG...]`
 *
 * @module
 */

import { addressOf, cstring, errno, libc, strerror } from "../libc.ts";

const PR_SET_NO_NEW_PRIVS = 38;
const PR_SET_SECCOMP = 22;
const SECCOMP_MODE_FILTER = 2;
const ENOENT = 2;

function fail(message: string): number {
  const bytes = new TextEncoder().encode(`filemon: ${message}\n`);
  libc.write(2, bytes, BigInt(bytes.length));
  return 126;
}

function readExactly(fd: number, n: number): Uint8Array<ArrayBuffer> | null {
  const buf = new Uint8Array(new ArrayBuffer(Math.max(n, 64)));
  let got = 0;
  while (got < n) {
    const r = Number(libc.read(fd, buf.subarray(got), BigInt(n - got)));
    if (r <= 0) return null;
    got += r;
  }
  return buf.subarray(0, n);
}

/** Runs the launcher; returns an exit code only when the exec failed. */
export function launch(argv: string[]): number {
  const [readyArg, goArg, ...command] = argv;
  const ready = Number(readyArg);
  const go = Number(goArg);
  if (
    !Number.isInteger(ready) || !Number.isInteger(go) || command.length === 0
  ) {
    return fail("launcher: usage: READY_FD GO_FD COMMAND [ARG...]");
  }
  const mark = new TextEncoder().encode("R");
  libc.write(ready, mark, 1n);
  libc.close(ready);
  const header = readExactly(go, 4);
  if (header === null) return fail("launcher: the tracer went away");
  const length = new DataView(header.buffer, header.byteOffset).getUint32(
    0,
    true,
  );
  const filter = readExactly(go, length);
  libc.close(go);
  if (filter === null) return fail("launcher: the tracer went away");

  // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
  const prog = new Uint8Array(64);
  const view = new DataView(prog.buffer);
  view.setUint16(0, length / 8, true);
  view.setBigUint64(8, addressOf(filter), true);
  if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1n, 0n, 0n, 0n) !== 0) {
    return fail(`cannot set no_new_privs: ${strerror(errno())}`);
  }
  if (
    libc.prctl_buf(
      PR_SET_SECCOMP,
      BigInt(SECCOMP_MODE_FILTER),
      prog,
      0n,
      0n,
    ) !== 0
  ) {
    return fail(`cannot install the seccomp filter: ${strerror(errno())}`);
  }

  const enc = new TextEncoder();
  const strings = command.map((a) => cstring(enc.encode(a)));
  const ptrs = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => ptrs[i] = addressOf(s));
  libc.execvp(strings[0], new Uint8Array(ptrs.buffer));
  const err = errno();
  fail(`cannot run '${command[0]}': ${strerror(err)}`);
  return err === ENOENT ? 127 : 126;
}

if (import.meta.main) Deno.exit(launch(Deno.args));
