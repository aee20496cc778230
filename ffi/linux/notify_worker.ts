/**
 * The worker thread that runs the fast path's server (`notify_server.ts`):
 * it loads, says so, waits for its setup (the listener fd arrives once the
 * launcher has installed the filter), then serves until told to stop.
 *
 * @module
 */

import { NotifyServer, type ServerSetup } from "./notify_server.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ServerSetup>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (e: MessageEvent<ServerSetup>) => {
  try {
    const server = new NotifyServer(e.data);
    server.serve();
    scope.postMessage({ done: true });
  } catch (err) {
    scope.postMessage({
      error: err instanceof Error ? err.message : String(err),
    });
  }
};
scope.postMessage({ loaded: true });
