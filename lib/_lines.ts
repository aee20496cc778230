/**
 * Line splitting shared by the decoders: linear in the input and bounded in
 * memory whatever the input looks like.
 *
 * @module
 */

import { DecodeError } from "./decode_error.ts";

const NL = 10;

/** Where a `LineSplitter` sends what it finds, in input order. */
export interface LineSink {
  /**
   * One or more complete lines: `bytes[start, end)` holds them separated by
   * "\n", without the newline of the last one. Only valid during the call.
   */
  lines(bytes: Uint8Array, start: number, end: number): void;
  /**
   * A line longer than the maximum. Its bytes are dropped, the ones still to
   * come up to its newline included. Throw `splitter.tooLong(line)` to stop,
   * or return to go on with the next line.
   */
  tooLong(): void;
}

/**
 * Cuts a byte stream into lines. A partial line is kept as a list of pieces
 * (copies: the caller may reuse its chunk) and joined once, when its newline
 * arrives; complete lines inside a chunk are handed on in one run without
 * being copied. A line that grows past `max` bytes (the newline not counted)
 * is reported as soon as it does, and the rest of it is skipped without being
 * kept.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { LineSplitter } from "./_lines.ts";
 * const seen: string[] = [];
 * const sink = {
 *   lines: (b: Uint8Array, s: number, e: number) =>
 *     seen.push(...new TextDecoder().decode(b.subarray(s, e)).split("\n")),
 *   tooLong: () => seen.push("(too long)"),
 * };
 * const s = new LineSplitter(4);
 * const bytes = new TextEncoder().encode("ab\ncd");
 * s.push(bytes, sink);
 * s.push(new TextEncoder().encode("\nabcdefgh\nz"), sink);
 * assertEquals(seen, ["ab", "cd", "(too long)"]);
 * assertEquals(new TextDecoder().decode(s.finish()), "z");
 * ```
 */
export class LineSplitter {
  /** The longest line accepted, in bytes: the newline is not counted, a CR before it is. */
  readonly max: number;
  #pieces: Uint8Array[] = [];
  #length = 0;
  #skipping = false;

  constructor(max: number) {
    this.max = max;
  }

  /** The error for line `line` being too long. */
  tooLong(line: number): DecodeError {
    return new DecodeError(line, `line is longer than ${this.max} bytes`);
  }

  /** Splits `chunk`, continuing the partial line of the chunks before it. */
  push(chunk: Uint8Array, sink: LineSink): void {
    const n = chunk.length;
    let start = 0;
    if (this.#skipping) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) return;
      this.#skipping = false;
      start = nl + 1;
    }
    let head: Uint8Array | undefined;
    let headTooLong = false;
    if (this.#length > 0) {
      const nl = chunk.indexOf(NL, start);
      if (nl < 0) {
        this.#keep(chunk, start, n, sink);
        return;
      }
      if (this.#length + (nl - start) > this.max) {
        headTooLong = true;
      } else {
        head = new Uint8Array(this.#length + (nl - start));
        let at = 0;
        for (const piece of this.#pieces) {
          head.set(piece, at);
          at += piece.length;
        }
        head.set(chunk.subarray(start, nl), at);
      }
      this.#pieces = [];
      this.#length = 0;
      start = nl + 1;
    }
    // Keep the tail first: a sink that throws leaves the state consistent.
    const last = start < n ? chunk.lastIndexOf(NL) : -1;
    const tail = last < start ? start : last + 1;
    const tailTooLong = n - tail > this.max;
    if (tailTooLong) this.#skipping = true;
    else if (tail < n) {
      this.#pieces.push(chunk.slice(tail));
      this.#length = n - tail;
    }
    if (headTooLong) sink.tooLong();
    else if (head !== undefined) sink.lines(head, 0, head.length);
    if (last >= start) this.#body(chunk, start, last, sink);
    if (tailTooLong) sink.tooLong();
  }

  /**
   * Ends the input: the last line when it has no newline (joined into one
   * array), else undefined.
   */
  finish(): Uint8Array | undefined {
    const pieces = this.#pieces;
    const length = this.#length;
    this.#pieces = [];
    this.#length = 0;
    this.#skipping = false;
    if (length === 0) return undefined;
    if (pieces.length === 1) return pieces[0];
    const line = new Uint8Array(length);
    let at = 0;
    for (const piece of pieces) {
      line.set(piece, at);
      at += piece.length;
    }
    return line;
  }

  /** Adds `chunk[start, end)`, which has no newline, to the partial line. */
  #keep(chunk: Uint8Array, start: number, end: number, sink: LineSink): void {
    if (this.#length + (end - start) > this.max) {
      this.#pieces = [];
      this.#length = 0;
      this.#skipping = true;
      sink.tooLong();
      return;
    }
    if (end > start) {
      this.#pieces.push(chunk.slice(start, end));
      this.#length += end - start;
    }
  }

  /** Hands on the complete lines of `chunk[start, end)`, cutting out long ones. */
  #body(chunk: Uint8Array, start: number, end: number, sink: LineSink): void {
    const max = this.max;
    let run = start;
    let p = start;
    // Only a run longer than `max` can hold a long line; each probe jumps
    // over up to `max` bytes.
    while (end - p > max) {
      const nl = chunk.lastIndexOf(NL, p + max);
      if (nl >= p) {
        p = nl + 1;
        continue;
      }
      const lineEnd = chunk.indexOf(NL, p + max + 1);
      if (p > run) sink.lines(chunk, run, p - 1);
      sink.tooLong();
      run = p = lineEnd + 1;
    }
    if (run <= end) sink.lines(chunk, run, end);
  }
}
