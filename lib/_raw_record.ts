/**
 * A filemon log record read in place: offsets into the log's bytes instead
 * of strings. `filemon decode` hands the common records (R, W, E, D, S, F, X,
 * M, L with printable ASCII paths) this way from the decoder to the encoder,
 * which writes them out without making a string or an event object.
 *
 * @module
 */

/** `RawRecord.kind` of an R line followed by the W line of the same open. */
export const KIND_RW = 1;

/** `RawRecord.aAbs`/`bAbs`: the path has no absolute form. */
export const ABS_NONE = 0;
/** The path is absolute and normal: it is its own absolute form. */
export const ABS_SAME = 1;
/** The absolute form is the directory bytes (`aDir`/`bDir`) then the path. */
export const ABS_JOIN = 2;

const NO_BYTES = new Uint8Array(0);
const NO_VIEW = new DataView(NO_BYTES.buffer);

/** ASCII bytes to copy with `copyAscii`: a view and its length. */
export class AsciiBytes {
  readonly view: DataView;
  /** `view.byteLength`, which costs more to ask each time. */
  readonly length: number;

  constructor(bytes: Uint8Array) {
    this.view = viewOf(bytes);
    this.length = bytes.length;
  }
}

const NO_ASCII = new AsciiBytes(NO_BYTES);

/**
 * One record, or an R and W line pair, of a filemon log: where its parts are
 * in `src`. Every path in it is printable ASCII without `"` or `\` (nothing
 * JSON escapes), every number plain digits without a leading zero that fits
 * a 32-bit int. One object is reused for each record: it is only valid
 * during the call it is passed to.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ABS_SAME, RawRecord } from "./_raw_record.ts";
 * const r = new RawRecord();
 * r.src = new TextEncoder().encode("W 7 /a");
 * r.view = new DataView(r.src.buffer);
 * r.kind = 0x57;
 * r.start = 0;
 * r.end = 6;
 * r.pid0 = 2;
 * r.pid1 = 3;
 * r.a0 = 4;
 * r.a1 = 6;
 * r.aAbs = ABS_SAME;
 * assertEquals(new TextDecoder().decode(r.src.subarray(r.a0, r.a1)), "/a");
 * ```
 */
export class RawRecord {
  /** The log's bytes. */
  src: Uint8Array = NO_BYTES;
  /** A view of `src`'s bytes (the same offsets). */
  view: DataView = NO_VIEW;
  /**
   * The record letter's char code (R W E D S F X M L), or `KIND_RW` for an R
   * line and the W line after it.
   */
  kind = 0;
  /** The line (both lines for `KIND_RW`): `src[start, end)`, without the last newline. */
  start = 0;
  end = 0;
  /** The pid, and its digits: `src[pid0, pid1)`. */
  pid = 0;
  pid0 = 0;
  pid1 = 0;
  /** The first field after the pid: the path, the child pid, the exit status, or the link or rename's `from`. */
  a0 = 0;
  a1 = 0;
  /** How the first path's absolute form is made (`ABS_NONE`, `ABS_SAME`, `ABS_JOIN`). */
  aAbs = ABS_NONE;
  /** For `ABS_JOIN`: the working directory's bytes (ASCII) with a trailing "/". */
  aDir: AsciiBytes = NO_ASCII;
  /** The second field: the exit signal (`b0 < 0` when none), or the link or rename's `to`. */
  b0 = -1;
  b1 = -1;
  /** As `aAbs` and `aDir`, for `to`. */
  bAbs = ABS_NONE;
  bDir: AsciiBytes = NO_ASCII;
}

/**
 * Writes a record at `at` in `out`, which has room for `maxRecordBytes(r)`
 * bytes there; returns where the record ends.
 */
export type RecordWriter = (
  out: DataView,
  at: number,
  r: RawRecord,
) => number;

/** A view of all of `bytes` (for `copyAscii`). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Copies `src[start, end)`, which must all be ASCII (below 0x80), to `out`
 * at `at`; returns where the copy ends.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { copyAscii, viewOf } from "./_raw_record.ts";
 * const out = new Uint8Array(12);
 * const src = new TextEncoder().encode("abcdefghijkl");
 * assertEquals(copyAscii(viewOf(out), 1, viewOf(src), 1, 10), 10);
 * assertEquals(new TextDecoder().decode(out), "\0bcdefghij\0\0");
 * ```
 */
export function copyAscii(
  out: DataView,
  at: number,
  src: DataView,
  start: number,
  end: number,
): number {
  // Eight bytes at a time, as a float64: a byte loop costs several times
  // as much, a subarray for `set` more still. Eight bytes below 0x80 are
  // never a NaN (its exponent bits would need a byte of 0xf0 or more), so
  // the number holds them exactly. The last eight overlap the ones before
  // when the length is not a multiple.
  const shift = at - start;
  const n = end - start;
  if (n >= 8) {
    const last = end - 8;
    for (let i = start; i < last; i += 8) {
      out.setFloat64(i + shift, src.getFloat64(i, true), true);
    }
    out.setFloat64(last + shift, src.getFloat64(last, true), true);
  } else if (n >= 4) {
    out.setInt32(at, src.getInt32(start, true), true);
    out.setInt32(end - 4 + shift, src.getInt32(end - 4, true), true);
  } else {
    for (let i = start; i < end; i++) out.setUint8(i + shift, src.getUint8(i));
  }
  return end + shift;
}

/**
 * `copyAscii` to two places at once, `at` and `at2`: one read of each word
 * for the two writes (a path and its absolute form that is the same).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { copyAsciiTwice, viewOf } from "./_raw_record.ts";
 * const out = new Uint8Array(20);
 * const src = new TextEncoder().encode("/usr/bin/cc");
 * copyAsciiTwice(viewOf(out), 0, 10, viewOf(src), 4, 11);
 * assertEquals(new TextDecoder().decode(out.subarray(0, 17)), "/bin/cc\0\0\0/bin/cc");
 * ```
 */
export function copyAsciiTwice(
  out: DataView,
  at: number,
  at2: number,
  src: DataView,
  start: number,
  end: number,
): void {
  const shift = at - start;
  const shift2 = at2 - start;
  if (end - start >= 8) {
    const last = end - 8;
    for (let i = start; i < last; i += 8) {
      const w = src.getFloat64(i, true);
      out.setFloat64(i + shift, w, true);
      out.setFloat64(i + shift2, w, true);
    }
    const w = src.getFloat64(last, true);
    out.setFloat64(last + shift, w, true);
    out.setFloat64(last + shift2, w, true);
  } else {
    copyAscii(out, at, src, start, end);
    copyAscii(out, at2, src, start, end);
  }
}

/** The most bytes a `RecordWriter` (JSON Lines or filemon text) writes for `r`. */
export function maxRecordBytes(r: RawRecord): number {
  return 2 * (r.end - r.start) + r.aDir.length + r.bDir.length + 128;
}
