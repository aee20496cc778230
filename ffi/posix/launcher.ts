/**
 * The launcher: this tool started again by the tracer, in a hidden mode, to
 * become the traced command (see `spawn.ts` for the handshake). It applies
 * the tracer's payload — on Linux the seccomp program; for the fast path
 * it tells the tracer the listener fd and waits until it has taken it; on
 * FreeBSD FILEMON_SET_PID on itself with the inherited device fd — and
 * execs the command; when that fails it says why in one line and exits 127 (not
 * found) or 126. It loads little beyond libc, to start fast.
 *
 * Usage (internal): `launcher.ts READY_FD GO_FD KEEP COMMAND [ARG...]`, KEEP
 * being the descriptors to hand on to the command ("5,7", or "-"). The
 * command and its arguments are exec'd with the bytes the tracer gave:
 * `proc.args()` reads them from /proc/self/cmdline when one is not UTF-8.
 *
 * @module
 */

import {
  ABI,
  close,
  execvp,
  inherit,
  libc,
  read,
  strerror,
  writeAll,
} from "../libc/posix.ts";
import { libcTerminal } from "../libc/terminal.ts";
import { proc } from "../runtime/process.ts";
import { encodePath } from "../../lib/path.ts";

/** Names a file the launcher opens right after installing the filter (tests). */
export const EARLY_OPEN = "FILEMON_TEST_LAUNCHER_EARLY_OPEN";

function fail(message: string): number {
  try {
    // A command's name keeps its bytes (see proc.args()).
    writeAll(2, encodePath(`filemon: ${message}\n`));
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
  const [readyArg, goArg, keepArg, ...command] = argv;
  const ready = Number(readyArg);
  const go = Number(goArg);
  if (
    !Number.isInteger(ready) || !Number.isInteger(go) || command.length === 0
  ) {
    return fail("launcher: usage: READY_FD GO_FD KEEP COMMAND [ARG...]");
  }
  writeAll(ready, new TextEncoder().encode("R"));
  const header = readExactly(go, 4);
  if (header === null) return fail("launcher: the tracer went away");
  const length = new DataView(header.buffer, header.byteOffset).getUint32(
    0,
    true,
  );
  const payload = readExactly(go, length);
  if (payload === null) return fail("launcher: the tracer went away");
  if (proc.os === "linux") {
    const { installFilter, wantsFastPath } = await import(
      "../linux/seccomp_install.ts"
    );
    const installed = installFilter(payload);
    if (typeof installed === "string") return fail(installed);
    // Tests make the launcher do what a runtime may do at any allocation
    // (Bun's reads /proc/self/statm): open a file on the new filter before
    // it has said where its listener is.
    const early = libcTerminal.env(EARLY_OPEN);
    if (early !== undefined) {
      const fd = libc.open(new TextEncoder().encode(early + "\0"), 0, 0);
      if (fd >= 0) close(fd);
    }
    if (wantsFastPath(payload)) {
      // Tell the tracer (a listener fd to take); with one, wait until it has.
      const reply = new Uint8Array(new ArrayBuffer(4));
      new DataView(reply.buffer).setInt32(0, installed, true);
      writeAll(ready, reply);
      if (installed >= 0) {
        const goOn = readExactly(go, 1);
        if (goOn === null) return fail("launcher: the tracer went away");
        close(installed);
      }
    }
  }
  if (proc.os === "freebsd") {
    // Be traced by the tracer's /dev/filemon (its fd is the payload), say
    // how that went, and wait until the device has its log.
    const { attachReply, attachSelf, deviceFdOf } = await import(
      "../freebsd/attach_self.ts"
    );
    const { loadFreebsdLibc } = await import("../freebsd/libc.ts");
    const device = deviceFdOf(payload);
    if (device === undefined) return fail("launcher: no /dev/filemon fd");
    const err = attachSelf(loadFreebsdLibc(), device);
    writeAll(ready, attachReply(err));
    const goOn = err === 0 ? readExactly(go, 1) : null;
    close(device);
    // The tracer says why (FILEMON_SET_PID failed, or its own SET_FD did).
    if (goOn === null) return 1;
  }
  close(ready);
  close(go);
  if (keepArg !== undefined && keepArg !== "-") {
    for (const fd of keepArg.split(",")) {
      try {
        inherit(Number(fd));
      } catch { /* not open here */ }
    }
  }
  const err = execvp(command);
  fail(`cannot run '${command[0]}': ${strerror(err)}`);
  return err === ABI.ENOENT ? 127 : 126;
}

if (import.meta.main) proc.exit(await launch(proc.args()));
