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
  throw new Error(
    `tracing is not supported on ${proc.os} yet (Linux only for now)`,
  );
}
