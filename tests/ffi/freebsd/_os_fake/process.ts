/**
 * Stands in for ffi/runtime/process.ts in module_graph_test.ts: the Deno
 * process, but reporting FreeBSD (amd64) as its OS.
 */

import { proc as real } from "../../../../ffi/runtime/deno/process.ts";
import type { Process } from "../../../../ffi/runtime/types.ts";

export type { Process } from "../../../../ffi/runtime/types.ts";

/** The running process, said to be on FreeBSD. */
export const proc: Process = {
  ...real,
  os: "freebsd",
  arch: "x86_64",
  nativeCalls: () => true,
};
