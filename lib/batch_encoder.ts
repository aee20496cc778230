/**
 * Turns batches of events into bytes through one reusable buffer: several
 * times faster than allocating a new array per batch. The one way batches
 * are encoded: `encodeFilemon` and `encodeJsonLines` use it too, and
 * `filemon decode` sends the decoder's events straight to it (it is an
 * `EventSink`).
 *
 * @module
 */

import type { EventSink, OpenEvent, TraceEvent } from "./event.ts";
import { encodePath } from "./path.ts";
import {
  maxRecordBytes,
  type RawRecord,
  type RecordWriter,
  viewOf,
} from "./_raw_record.ts";

/** Formats an open event given as its fields (see `EventSink.open`). */
export type OpenFormat = (
  pid: number,
  path: string,
  abs: string | undefined,
  mode: OpenEvent["mode"],
  plain: boolean,
) => string;

/**
 * Formats each event with `format` and encodes the batch as UTF-8 (raw path
 * bytes kept, see `encodePath`). The bytes returned are valid until the next
 * call to `encode` or `take`.
 *
 * It is also an `EventSink` that gathers the events sent to it until `take`;
 * `formatOpen`, when given, formats the opens sent as fields (it must give
 * what `format` gives for the event). With `writeRecord` it also takes log
 * records read in place (`record`, see `RawRecord`), which it writes as
 * bytes: `writeRecord` must give the bytes of what `format` gives for the
 * record's event.
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
 * // As a sink.
 * enc.open(3, "/a", "/a", "rw", true);
 * enc.event({ op: "exit", pid: 3, status: 0 });
 * assertEquals(new TextDecoder().decode(enc.take()), "R 3 /a\nW 3 /a\nX 3 0\n");
 * ```
 */
export class BatchEncoder implements EventSink {
  #format: (event: TraceEvent) => string;
  #formatOpen: OpenFormat | undefined;
  #writeRecord: RecordWriter | undefined;
  /** Grown on demand to the largest batch seen. */
  #buffer = new Uint8Array(0);
  /** A view of `#buffer`, for `#writeRecord`. */
  #view = viewOf(this.#buffer);
  #encoder = new TextEncoder();
  /** Text gathered and not yet encoded, then the bytes encoded so far. */
  #text = "";
  #written = 0;

  constructor(
    format: (event: TraceEvent) => string,
    formatOpen?: OpenFormat,
    writeRecord?: RecordWriter,
  ) {
    this.#format = format;
    this.#formatOpen = formatOpen;
    this.#writeRecord = writeRecord;
  }

  /** Whether `record` may be called (a `RecordWriter` was given). */
  get takesRecords(): boolean {
    return this.#writeRecord !== undefined;
  }

  /** A log record read in place, written after what was sent before it. */
  record(r: RawRecord): void {
    if (this.#text !== "") {
      this.#written = this.#put(this.#text, this.#written);
      this.#text = "";
    }
    this.#reserve(this.#written, maxRecordBytes(r));
    this.#written = this.#writeRecord!(this.#view, this.#written, r);
  }

  /** The bytes of a batch (alone: what the sink gathered is dropped); valid until the next call. */
  encode(events: Iterable<TraceEvent>): Uint8Array {
    this.#text = "";
    this.#written = 0;
    for (const event of events) this.#add(this.#format(event));
    return this.take();
  }

  open(
    pid: number,
    path: string,
    abs: string | undefined,
    mode: OpenEvent["mode"],
    plain: boolean,
  ): void {
    if (this.#formatOpen !== undefined) {
      this.#add(this.#formatOpen(pid, path, abs, mode, plain));
    } else {
      this.#add(this.#format(
        abs === undefined
          ? { op: "open", pid, path, mode }
          : { op: "open", pid, path, abs, mode },
      ));
    }
  }

  event(event: TraceEvent): void {
    this.#add(this.#format(event));
  }

  /** Encodes what was sent so far; returns how many bytes `take` would give. */
  flush(): number {
    this.#written = this.#put(this.#text, this.#written);
    this.#text = "";
    return this.#written;
  }

  /** The bytes of the events sent since the last `take`; valid until the next call. */
  take(): Uint8Array {
    const end = this.#put(this.#text, this.#written);
    this.#text = "";
    this.#written = 0;
    return this.#buffer.subarray(0, end);
  }

  #add(text: string): void {
    this.#text += text;
    // Encoded a piece at a time: a long joined string is costly to make
    // flat (the encoder needs it so) and to collect.
    if (this.#text.length >= PIECE && !endsInHighSurrogate(this.#text)) {
      this.#written = this.#put(this.#text, this.#written);
      this.#text = "";
    }
  }

  /** Encodes `text` into the buffer at `at`; returns where it ends. */
  #put(text: string, at: number): number {
    if (!text.isWellFormed()) {
      const bytes = encodePath(text);
      this.#reserve(at, bytes.length);
      this.#buffer.set(bytes, at);
      return at + bytes.length;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.#reserve(at, text.length * 3);
    const view = at === 0 ? this.#buffer : this.#buffer.subarray(at);
    return at + this.#encoder.encodeInto(text, view).written;
  }

  /** Makes room for `more` bytes after the first `used`, keeping those. */
  #reserve(used: number, more: number): void {
    if (this.#buffer.length >= used + more) return;
    const grown = new Uint8Array(
      Math.max(used + more, this.#buffer.length * 2),
    );
    grown.set(this.#buffer.subarray(0, used));
    this.#buffer = grown;
    this.#view = viewOf(grown);
  }
}

/** UTF-16 units joined before they are encoded. */
const PIECE = 1 << 16;

/** Whether `text` ends in the first half of a surrogate pair (not to be cut there). */
function endsInHighSurrogate(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
}
