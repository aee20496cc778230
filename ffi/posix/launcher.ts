/**
 * The launcher: this tool started again by the tracer, in a hidden mode, to
 * become the traced command (see `spawn.ts` for the handshake). It applies
 * the tracer's payload — on Linux the seccomp program — and execs the
 * command; when that fails it says why in one line and exits 127 (not
 * found) or 126. It loads little beyond libc, to start fast.
 *
 * Usage (internal): `launcher.ts READY_FD GO_FD COMMAND [ARG...]`
 *
 * @module
 */

import { ABI, close, execvp, read, strerror, writeAll } from "../libc/posix.ts";
import { proc } from "../runtime/process.ts";

function fail(message: string): number {
  try {
    writeAll(2, new TextEncoder().encode(`filemon: ${message}\n`));
  } catch { /* nowhere to say it */ }
  return 126;
}

function readExactly(fd: number, n: number): Uint8Array<ArrayBuffer> | null {
  const buf = new Uint8Array(new ArrayBuffer(Math.max(n, 64)));
  let got = 0;
  while (got < n) {
    const r = read(fd, buf.subarray(got, n));
    if (r <= 0) return null;
    got += r;
  }
  return buf.subarray(0, n);
}

/** Runs the launcher; returns an exit code only when something failed. */
export async function launch(argv: string[]): Promise<number> {
  const [readyArg, goArg, ...command] = argv;
  const ready = Number(readyArg);
  const go = Number(goArg);
  if (
    !Number.isInteger(ready) || !Number.isInteger(go) || command.length === 0
  ) {
    return fail("launcher: usage: READY_FD GO_FD COMMAND [ARG...]");
  }
  writeAll(ready, new TextEncoder().encode("R"));
  close(ready);
  const header = readExactly(go, 4);
  if (header === null) return fail("launcher: the tracer went away");
  const length = new DataView(header.buffer, header.byteOffset).getUint32(
    0,
    true,
  );
  const payload = readExactly(go, length);
  close(go);
  if (payload === null) return fail("launcher: the tracer went away");
  if (proc.os === "linux") {
    const { installFilter } = await import("../linux/seccomp_install.ts");
    const problem = installFilter(payload);
    if (problem !== undefined) return fail(problem);
  }
  const err = execvp(command);
  fail(`cannot run '${command[0]}': ${strerror(err)}`);
  return err === ABI.ENOENT ? 127 : 126;
}

if (import.meta.main) proc.exit(await launch(proc.args()));
