/**
 * Signal listeners under Bun: `process.on`.
 *
 * @module
 */

import type { SignalName, Signals } from "../types.ts";

interface BunProcess {
  on(signal: string, handler: () => void): void;
  off(signal: string, handler: () => void): void;
}

const process = (globalThis as unknown as { process: BunProcess }).process;

/** Bun's implementation of `Signals`. */
export const signals: Signals = {
  on(signal: SignalName, handler: () => void): () => void {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  },
};
