/**
 * A worker for notify_ring_test.ts: settles the record at `off` of the
 * ring in `sab` as done after `ms` milliseconds, as a server would once
 * its answer reached the tracee.
 *
 * @module
 */

import { DONE, Ring } from "../../../ffi/linux/notify_ring.ts";

// deno-lint-ignore no-explicit-any
const scope = self as any;
scope.onmessage = (e: MessageEvent) => {
  const { sab, off, ms } = e.data as {
    sab: SharedArrayBuffer;
    off: number;
    ms: number;
  };
  setTimeout(() => {
    new Ring(sab).settle(off, DONE);
    scope.postMessage("settled");
  }, ms);
};
