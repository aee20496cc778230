/**
 * What the first line of an input says about its encoding, for the
 * decoders: a UTF-8 byte order mark is skipped, UTF-16 and UTF-32 are
 * refused with a message that says so (decoding them as bytes would only
 * give "unknown record" errors of garbled text).
 *
 * @module
 */

import { DecodeError } from "./decode_error.ts";

/**
 * How many bytes to skip at the start of the first line `bytes[start, end)`
 * (3 for a UTF-8 byte order mark, else 0). Throws a `DecodeError` for line 1
 * when the input is UTF-16 or UTF-32, with or without a byte order mark;
 * `kind` ends the message ("filemon logs are ...").
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { inputStart } from "./_input_start.ts";
 * const log = (...b: number[]) => Uint8Array.from(b);
 * assertEquals(inputStart(log(0xef, 0xbb, 0xbf, 0x56, 0x20, 0x35), 0, 6, "logs"), 3);
 * assertEquals(inputStart(log(0x56, 0x20, 0x35), 0, 3, "logs"), 0);
 * assertThrows(
 *   () => inputStart(log(0xff, 0xfe, 0x56, 0x00), 0, 4, "filemon logs are UTF-8"),
 *   Error,
 *   "Cannot decode line 1: the input is UTF-16 (little-endian, byte order mark FF FE); filemon logs are UTF-8",
 * );
 * ```
 */
export function inputStart(
  bytes: Uint8Array,
  start: number,
  end: number,
  kind: string,
): number {
  const n = end - start;
  const b = (i: number) => i < n ? bytes[start + i] : -1;
  let what: string | undefined;
  if (b(0) === 0xef && b(1) === 0xbb && b(2) === 0xbf) return 3;
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0 && b(3) === 0) {
    what = "UTF-32 (little-endian, byte order mark FF FE 00 00)";
  } else if (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff) {
    what = "UTF-32 (big-endian, byte order mark 00 00 FE FF)";
  } else if (b(0) === 0xff && b(1) === 0xfe) {
    what = "UTF-16 (little-endian, byte order mark FF FE)";
  } else if (b(0) === 0xfe && b(1) === 0xff) {
    what = "UTF-16 (big-endian, byte order mark FE FF)";
  } else if (n >= 2 && b(0) !== 0 && b(1) === 0) {
    // No log line has a NUL byte; UTF-16 text has one in every other byte.
    what =
      "UTF-16 (little-endian, without a byte order mark: NUL bytes between the characters)";
  } else if (n >= 2 && b(0) === 0 && b(1) !== 0) {
    what =
      "UTF-16 (big-endian, without a byte order mark: NUL bytes between the characters)";
  }
  if (what === undefined) return 0;
  throw new DecodeError(1, `the input is ${what}; ${kind}`);
}
