/**
 * Signal listeners: `Deno.addSignalListener` or Bun's `process.on`, chosen
 * once.
 *
 * @module
 */

import type { Signals } from "./types.ts";
import { IS_BUN } from "./which.ts";

export type { SignalName, Signals } from "./types.ts";

/** The runtime's signal listeners. */
export const signals: Signals = IS_BUN
  ? (await import("./bun/signals.ts")).signals
  : (await import("./deno/signals.ts")).signals;
