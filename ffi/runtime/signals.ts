/**
 * Signal listeners: `Deno.addSignalListener` today; Bun's `process.on`
 * slots in here.
 *
 * @module
 */

/** Signals the tracer listens to. */
export type SignalName = "SIGINT" | "SIGTERM" | "SIGHUP" | "SIGQUIT";

/** Linux numbers of those signals. */
export const SIGNAL_NUMBERS: Readonly<Record<SignalName, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGTERM: 15,
};

/** Calls `handler` on each `signal`; returns a function that stops listening. */
export function onSignal(signal: SignalName, handler: () => void): () => void {
  Deno.addSignalListener(signal, handler);
  return () => Deno.removeSignalListener(signal, handler);
}
