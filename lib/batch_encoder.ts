/**
 * Turns batches of events into bytes through one reusable buffer: several
 * times faster than allocating a new array per batch. The one way batches
 * are encoded: `encodeFilemon` and `encodeJsonLines` use it too.
 *
 * @module
 */

import type { TraceEvent } from "./event.ts";
import { encodePath } from "./path.ts";

/**
 * Formats each event with `format` and encodes the batch as UTF-8 (raw path
 * bytes kept, see `encodePath`). The bytes returned are valid until the next
 * call to `encode`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { BatchEncoder } from "./batch_encoder.ts";
 * import { formatFilemon } from "./filemon_encoder.ts";
 * const enc = new BatchEncoder(formatFilemon);
 * const bytes = enc.encode([{ op: "fork", pid: 1, child: 2 }]);
 * assertEquals(new TextDecoder().decode(bytes), "F 1 2\n");
 * // A path's raw bytes (U+DC80..U+DCFF) come out as they went in.
 * const raw = enc.encode([{ op: "unlink", pid: 1, path: "a\udcff" }]);
 * assertEquals(raw, new Uint8Array([...new TextEncoder().encode("D 1 a"), 0xff, 0x0a]));
 * ```
 */
export class BatchEncoder {
  #format: (event: TraceEvent) => string;
  /** Grown on demand to the largest batch seen. */
  #buffer = new Uint8Array(0);
  #encoder = new TextEncoder();

  constructor(format: (event: TraceEvent) => string) {
    this.#format = format;
  }

  /** The bytes of a batch; valid until the next call. */
  encode(events: Iterable<TraceEvent>): Uint8Array {
    let text = "";
    for (const event of events) text += this.#format(event);
    if (!text.isWellFormed()) return encodePath(text);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.#buffer.length < text.length * 3) {
      this.#buffer = new Uint8Array(
        Math.max(text.length * 3, this.#buffer.length * 2),
      );
    }
    const { written } = this.#encoder.encodeInto(text, this.#buffer);
    return this.#buffer.subarray(0, written);
  }
}
