/**
 * The fast path's ring: a record still being answered holds up the reader
 * only for the process whose stop is about to be handled.
 */

import { assert, assertEquals } from "@std/assert";
import {
  CANCELLED,
  createRing,
  DONE,
  KIND_OPEN,
  Ring,
  type RingRecord,
} from "../../../ffi/linux/notify_ring.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Puts an open record of `tid` for `path`; returns its offset. */
function put(ring: Ring, tid: number, path: string): number {
  return ring.put(KIND_OPEN, tid, 0, 0, 0, enc.encode(path), undefined);
}

/** Drains `ring`; returns "tid path" for each record read. */
function read(ring: Ring, mustSettle?: (tid: number) => boolean): string[] {
  const seen: string[] = [];
  ring.drain((rec: RingRecord) => {
    const start = rec.start1;
    seen.push(
      `${rec.tid} ${dec.decode(rec.bytes.slice(start, start + rec.length1))}`,
    );
  }, mustSettle);
  return seen;
}

Deno.test("ring: a pending record of another process is left for the next read", () => {
  const ring = new Ring(createRing());
  const a = put(ring, 10, "/a");
  ring.settle(a, DONE);
  const b = put(ring, 20, "/b"); // still being answered
  const c = put(ring, 30, "/c");
  ring.settle(c, DONE);
  // A stop of process 40: neither 20 nor 30 is its own.
  assertEquals(read(ring, (tid) => tid === 40), ["10 /a"]);
  // Nothing new settled: the reader stays at the pending record.
  assertEquals(read(ring, (tid) => tid === 40), []);
  ring.settle(b, DONE);
  assertEquals(read(ring, (tid) => tid === 40), ["20 /b", "30 /c"]);
  assertEquals(read(ring), []);
});

Deno.test("ring: cancelled records are skipped, in order", () => {
  const ring = new Ring(createRing());
  const a = put(ring, 10, "/a");
  const b = put(ring, 10, "/b");
  ring.settle(a, CANCELLED);
  ring.settle(b, DONE);
  assertEquals(read(ring, () => false), ["10 /b"]);
});

/** Settles the record at `off` from another thread after `ms`. */
function settleLater(sab: SharedArrayBuffer, off: number, ms: number) {
  const worker = new Worker(
    new URL("./_ring_settler.ts", import.meta.url).href,
    { type: "module" },
  );
  const settled = new Promise<void>((resolve) => {
    worker.onmessage = () => {
      worker.terminate();
      resolve();
    };
  });
  worker.postMessage({ sab, off, ms });
  return settled;
}

Deno.test("ring: the reader waits for a pending record when its process is stopping", async () => {
  const sab = createRing();
  const ring = new Ring(sab);
  const b = put(ring, 20, "/b");
  const c = put(ring, 30, "/c");
  ring.settle(c, DONE);
  const settled = settleLater(sab, b, 50);
  // Process 30 is stopping: its record comes after 20's, which is waited for.
  const t0 = performance.now();
  assertEquals(read(ring, (tid) => tid === 30), ["20 /b", "30 /c"]);
  assert(performance.now() - t0 >= 20, "did not wait for the pending record");
  await settled;
});

Deno.test("ring: a full read waits for every pending record", async () => {
  const sab = createRing();
  const ring = new Ring(sab);
  const b = put(ring, 20, "/b");
  const settled = settleLater(sab, b, 50);
  assertEquals(read(ring), ["20 /b"]);
  await settled;
});
