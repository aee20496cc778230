/**
 * What `trace` and `bmake` need of the system filemon runs on: the tracing
 * backend, and bmake's meta-file host. Each OS's modules are loaded only
 * on that OS (nothing of ffi/linux/ is evaluated on FreeBSD).
 *
 * @module
 */

import type { Backend } from "../lib/backend.ts";
import type { BmakeSystem } from "../lib/cli/bmake.ts";
import { proc } from "./runtime/process.ts";

/** Picks and loads the backend for this OS. */
export async function backendFor(): Promise<Backend> {
  if (proc.os === "linux") {
    const { LinuxTracer } = await import("./linux/tracer.ts");
    return new LinuxTracer();
  }
  if (proc.os === "freebsd") {
    const { FilemonDevice } = await import("./freebsd/device.ts");
    const { loadFreebsdLibc } = await import("./freebsd/libc.ts");
    return new FilemonDevice(loadFreebsdLibc());
  }
  throw new Error(
    `tracing is not supported on ${proc.os} (Linux and FreeBSD only)`,
  );
}

/**
 * What `filemon bmake` needs besides the tracer: on Linux, the open files
 * of a process (/proc/PID/fd) and appending to a `.meta` file. On FreeBSD
 * there is nothing to add: bmake's meta mode reads /dev/filemon itself, so
 * `filemon bmake` is refused there, naming what to do instead.
 */
export async function bmakeSystemFor(): Promise<BmakeSystem> {
  if (proc.os === "linux") {
    const { metaHost, appendFile } = await import("./linux/meta_host.ts");
    return { ...metaHost, appendFile };
  }
  if (proc.os === "freebsd") {
    throw new Error(
      "filemon bmake is for Linux: on FreeBSD, bmake's meta mode gets the same records from /dev/filemon itself (load it with `kldload filemon`, then run bmake with .MAKE.MODE=meta)",
    );
  }
  throw new Error(`filemon bmake is not supported on ${proc.os} (Linux only)`);
}
