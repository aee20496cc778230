/**
 * The running process (arguments, exit, platform, how to start a script of
 * this tool again): Deno's or Bun's, chosen once.
 *
 * @module
 */

import type { Process } from "./types.ts";
import { IS_BUN } from "./which.ts";

export type { Process } from "./types.ts";

/** The running process. */
export const proc: Process = IS_BUN
  ? (await import("./bun/process.ts")).proc
  : (await import("./deno/process.ts")).proc;
