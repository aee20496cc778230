/**
 * The process under Deno.
 *
 * @module
 */

import type { Process } from "../types.ts";

/** Deno's implementation of `Process`. */
export const proc: Process = {
  runtime: "deno",
  args: () => [...Deno.args],
  exit: (code: number): never => Deno.exit(code),
  os: Deno.build.os,
  arch: Deno.build.arch,
  standalone: Deno.build.standalone === true,
  // Deno leaves inherited descriptors as they came.
  inheritedFds: () => [],
  execPath: () => Deno.execPath(),
  canStartWorker: (module: URL) =>
    Deno.permissions.querySync({ name: "read", path: module }).state ===
      "granted",
  scriptCommand: (module: URL) => [
    Deno.execPath(),
    "run",
    "--allow-ffi",
    "--quiet",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-check",
    module.href,
  ],
};
