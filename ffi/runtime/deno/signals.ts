/**
 * Signal listeners under Deno.
 *
 * @module
 */

import type { SignalName, Signals } from "../types.ts";

/** Deno's implementation of `Signals`. */
export const signals: Signals = {
  on(signal: SignalName, handler: () => void): () => void {
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  },
};
