/**
 * Turns batches of events into bytes through one reusable buffer: several
 * times faster than allocating a new array per batch.
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
 * import { BatchEncoder } from "./batch_encoder.ts";
 * import { formatFilemon } from "./filemon_encoder.ts";
 * const enc = new BatchEncoder(formatFilemon);
 * const bytes = enc.encode([{ op: "fork", pid: 1, child: 2 }]);
 * console.assert(new TextDecoder().decode(bytes) === "F 1 2\n");
 * ```
 */
export class BatchEncoder {
  #format: (event: TraceEvent) => string;
  #buffer = new Uint8Array(1 << 20);
  #encoder = new TextEncoder();

  constructor(format: (event: TraceEvent) => string) {
    this.#format = format;
  }

  /** The bytes of a batch; valid until the next call. */
  encode(events: readonly TraceEvent[]): Uint8Array {
    let text = "";
    for (let i = 0; i < events.length; i++) text += this.#format(events[i]);
    if (!text.isWellFormed()) return encodePath(text);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.#buffer.length < text.length * 3) {
      this.#buffer = new Uint8Array(text.length * 3);
    }
    const { written } = this.#encoder.encodeInto(text, this.#buffer);
    return this.#buffer.subarray(0, written);
  }
}
