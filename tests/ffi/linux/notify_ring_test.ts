/**
 * The fast path's ring: records are read in order, a record still being
 * answered is waited for (its tracee may already run), cancelled ones are
 * skipped, and a server can tell when the reader is past its record.
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
function read(ring: Ring): string[] {
  const seen: string[] = [];
  ring.drain((rec: RingRecord) => {
    const start = rec.start1;
    seen.push(
      `${rec.tid} ${dec.decode(rec.bytes.slice(start, start + rec.length1))}`,
    );
  });
  return seen;
}

Deno.test("ring: cancelled records are skipped, in order", () => {
  const ring = new Ring(createRing());
  const a = put(ring, 10, "/a");
  const b = put(ring, 10, "/b");
  ring.settle(a, CANCELLED);
  ring.settle(b, DONE);
  assertEquals(read(ring), ["10 /b"]);
});

Deno.test("ring: readPast says when the reader has read a record", () => {
  const ring = new Ring(createRing());
  ring.settle(put(ring, 10, "/a"), DONE);
  const first = ring.lastEnd;
  ring.settle(put(ring, 20, "/b"), DONE);
  const second = ring.lastEnd;
  assert(!ring.readPast(first) && !ring.readPast(second));
  assertEquals(read(ring), ["10 /a", "20 /b"]);
  assert(ring.readPast(first) && ring.readPast(second));
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

Deno.test("ring: the reader waits for a pending record, and keeps the order", async () => {
  const sab = createRing();
  const ring = new Ring(sab);
  const b = put(ring, 20, "/b");
  const c = put(ring, 30, "/c");
  ring.settle(c, DONE);
  const settled = settleLater(sab, b, 50);
  const t0 = performance.now();
  assertEquals(read(ring), ["20 /b", "30 /c"]);
  assert(performance.now() - t0 >= 20, "did not wait for the pending record");
  await settled;
});
