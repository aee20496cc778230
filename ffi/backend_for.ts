/**
 * The tracing backend of the system filemon runs on.
 *
 * @module
 */

import type { Backend } from "../lib/backend.ts";
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
