/**
 * A streaming decoder for filemon(4) logs and bmake `.meta` files.
 *
 * Accepts every producer described in `shared/notes/filemon-format.md`:
 * FreeBSD version 5 (two- or three-field `X`), version 4 with `S`, NetBSD's
 * header without `# Start`/`# Stop` and traces back to back, bmake `.meta`
 * files (everything before `-- filemon acquired metadata --` is skipped; its
 * `CWD` line gives the starting directory), CRLF line ends. A last line
 * without a newline is reported as truncated. An `R` line followed at once by
 * a `W` line of the same process and path (how filemon writes one O_RDWR
 * open) becomes one event with mode "rw"; encoding writes both lines back.
 *
 * Refused, each a `DecodeError` naming the line: a version other than 4
 * or 5 (`# filemon version N`, `V N`), a negative pid, a NUL byte in a path
 * (no path can hold one), and an input in UTF-16 or UTF-32, with or without
 * a byte order mark (said so on line 1, in lenient mode too). A UTF-8 byte
 * order mark at the start is skipped. Messages escape what they quote of the
 * input (`escapeText`).
 *
 * Memory stays constant whatever the log size: only the current partial line
 * and one working directory per live process are kept. A line longer than
 * 64 KiB is an error (in lenient mode a warning; the line is skipped up to its
 * newline without being kept), except in a .meta file's header, whose command
 * output may have lines of any length.
 *
 * @module
 */

import { DecodeError } from "./decode_error.ts";
import { inputStart } from "./_input_start.ts";
import { type LineSink, LineSplitter } from "./_lines.ts";
import type {
  EventSink,
  LinkEvent,
  OpenEvent,
  RenameEvent,
  TraceEvent,
} from "./event.ts";
import { decodePath, resolvePath } from "./path.ts";
import {
  ABS_JOIN,
  ABS_NONE,
  ABS_SAME,
  AsciiBytes,
  KIND_RW,
  RawRecord,
  viewOf,
} from "./_raw_record.ts";

/**
 * A sink that also takes log records read in place (see `RawRecord`): the
 * decoder hands it the common records that way when `takesRecords`.
 * `BatchEncoder` is one.
 */
export interface RecordSink extends EventSink {
  readonly takesRecords: boolean;
  /** One record (or R and W line pair); `r` is only valid during the call. */
  record(r: RawRecord): void;
}

/** Options of the filemon decoders. */
export interface FilemonDecoderOptions {
  /**
   * Working directory of processes the log has not introduced with `F` (the
   * traced command itself). Lets relative paths get an absolute form. For a
   * `.meta` file its `CWD` line is used when this is not given.
   */
  cwd?: string;
  /**
   * Skip malformed lines instead of failing; each one is passed to
   * `onWarning`. Without this the first malformed line throws `DecodeError`.
   */
  lenient?: boolean;
  /** Receives each skipped line's error in lenient mode. */
  onWarning?: (error: DecodeError) => void;
  /**
   * How the input starts: "log" (a filemon log), "meta" (a bmake .meta file),
   * or "auto" (a .meta file when its first line is `# Meta data file`).
   */
  input?: "auto" | "log" | "meta";
}

const META_MARKER = "-- filemon acquired metadata --";
/** The versions of the log format this decoder reads. */
const VERSIONS = [4, 5];
/** What a log is, for the message about an input in UTF-16. */
const LOG_ENCODING =
  "filemon logs are bytes, UTF-8 for text (convert it first, e.g. with iconv -t UTF-8)";
const META_FIRST = "# Meta data file";
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Several times faster than `utf8`; its U+FFFD sends a chunk to `utf8`. */
const lax = new TextDecoder("utf-8", { ignoreBOM: true });
/** FreeBSD formats a record into a 1024-byte buffer; a longer one loses its newline. */
const FREEBSD_RECORD_MAX = 1023;
/** "//" or "/.": what `resolvePath` folds in an absolute path, with a trailing "/". */
const FOLD = /\/[/.]/g;
const GLUED = /^(?:[ACDEFLMRSWX] \d+ |[#V] )/;
/**
 * The longest line accepted, newline not counted. A Linux path has at most
 * 4096 bytes and an L or M record two of them; FreeBSD cuts a record at 1023.
 */
const MAX_LINE = 64 * 1024;
const CR = 13;
const NL = 10;
const SP = 0x20;
const QUOTE = 0x27;

/** Where the digits from `start` end (at `end` at the latest). */
function digitsEnd(src: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && src[i] >= 0x30 && src[i] <= 0x39) i++;
  return i;
}

/**
 * The number `src[start, end)`, or -1 unless it is 1 to 10 digits without a
 * leading zero, at most 2^31 - 1 (how a formatter writes it back).
 */
function plainInt(src: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 1 || n > 10 || (n > 1 && src[start] === 0x30)) return -1;
  let v = 0;
  for (let i = start; i < end; i++) v = v * 10 + (src[i] - 0x30);
  return v > 0x7fffffff ? -1 : v;
}

/** Whether `src[a, a + n)` and `src[b, b + n)` are the same bytes. */
function same(src: Uint8Array, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (src[a + i] !== src[b + i]) return false;
  return true;
}

/**
 * A working directory's bytes with a "/" after it, for paths joined to it in
 * place; undefined when `resolvePath` could change it, or when it is not
 * printable ASCII or has something JSON escapes.
 */
function dirBytes(cwd: string): AsciiBytes | undefined {
  if (
    !/^[\x20-\x7f]+$/.test(cwd) || cwd.charCodeAt(0) !== 0x2f ||
    cwd.includes('"') || cwd.includes("\\") || /\/[/.]/.test(cwd) ||
    (cwd.length > 1 && cwd.endsWith("/"))
  ) return undefined;
  return new AsciiBytes(
    new TextEncoder().encode(cwd === "/" ? "/" : cwd + "/"),
  );
}

/** What `isPlain` looks for: `"`, `\` and the control characters but newline. */
const UNPLAIN = ['"', "\\"];
for (let c = 0; c < 0x20; c++) {
  if (c !== NL) UNPLAIN.push(String.fromCharCode(c));
}

/** Whether `text` has no control character but newline, no `"` and no `\`. */
function isPlain(text: string): boolean {
  // A search per character (a memchr) is faster than one for a class.
  for (let i = 0; i < UNPLAIN.length; i++) {
    if (text.includes(UNPLAIN[i])) return false;
  }
  return true;
}

/** An `EventSink` that gathers the events in an array. */
class EventList implements EventSink {
  readonly events: TraceEvent[] = [];

  open(
    pid: number,
    path: string,
    abs: string | undefined,
    mode: OpenEvent["mode"],
  ): void {
    this.events.push(
      abs === undefined
        ? { op: "open", pid, path, mode }
        : { op: "open", pid, path, abs, mode },
    );
  }

  event(event: TraceEvent): void {
    this.events.push(event);
  }
}

/**
 * The decoder's core: push bytes, get events. Synchronous and allocation
 * light; `FilemonDecoderStream` wraps it as a web stream. `pushTo` and
 * `finishTo` hand the events to an `EventSink` instead of an array.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FilemonDecoder } from "./filemon_decoder.ts";
 * const decoder = new FilemonDecoder({ cwd: "/src" });
 * const events = decoder.push(new TextEncoder().encode("V 5\nR 7 main.c\n"));
 * events.push(...decoder.finish());
 * assertEquals(events, [
 *   { op: "version", version: 5 },
 *   { op: "open", pid: 7, path: "main.c", abs: "/src/main.c", mode: "r" },
 * ]);
 * // Or to a sink, an open as its fields.
 * const opens: string[] = [];
 * new FilemonDecoder().pushTo(new TextEncoder().encode("W 1 /a\n"), {
 *   open: (pid, path, abs, mode) => opens.push(`${pid} ${path} ${abs} ${mode}`),
 *   event: () => {},
 * });
 * assertEquals(opens, ["1 /a /a w"]);
 * ```
 */
export class FilemonDecoder {
  #splitter = new LineSplitter(MAX_LINE);
  #lineSink: LineSink = {
    lines: (bytes, start, end) => this.#lines(bytes, start, end),
    tooLong: () => this.#tooLong(),
  };
  /** Where the lines being decoded send their events. */
  #out: EventSink = new EventList();
  /** `#out` when it takes records read in place. */
  #records: RecordSink | undefined;
  /** The record read in place, reused. */
  #raw = new RawRecord();
  /** The working directory whose bytes `#dirBytes` are (see `#dir`). */
  #dirOf: string | undefined;
  #dirBytes: AsciiBytes | undefined;
  /** Set by `#scan`. */
  #fold = false;
  #line = 0;
  #version = 5;
  #cwd = new Map<number, string>();
  #initialCwd: string | undefined;
  #mode: "auto" | "log" | "meta-header" | "meta-body";
  #lenient: boolean;
  #onWarning: ((error: DecodeError) => void) | undefined;
  #cwdGiven: boolean;
  /** Where in the text being decoded the next `FOLD` is (-1: not looked for). */
  #foldAt = -1;
  /**
   * The text being decoded `isPlain`, and came from valid UTF-8 (so it has
   * no lone surrogate): see `EventSink.open`.
   */
  #plain = false;
  /**
   * An R record held back until the next line shows whether a W of the same
   * open follows: its pid, path and abs when `#holding`.
   */
  #holding = false;
  #heldPid = 0;
  #heldPath = "";
  #heldAbs: string | undefined;
  #heldPlain = false;

  constructor(options: FilemonDecoderOptions = {}) {
    this.#initialCwd = options.cwd;
    this.#cwdGiven = options.cwd !== undefined;
    this.#lenient = options.lenient ?? false;
    this.#onWarning = options.onWarning;
    const input = options.input ?? "auto";
    this.#mode = input === "meta" ? "meta-header" : input;
  }

  /** True when the input was a .meta file whose filemon section never came. */
  get metaWithoutLog(): boolean {
    return this.#mode === "meta-header";
  }

  /** Lines read so far. */
  get lines(): number {
    return this.#line;
  }

  /** Decodes the complete lines in `chunk` (plus any carried partial line). */
  push(chunk: Uint8Array): TraceEvent[] {
    const list = new EventList();
    this.pushTo(chunk, list);
    return list.events;
  }

  /** `push`, the events going to `sink`. */
  pushTo(chunk: Uint8Array, sink: EventSink): void {
    this.#out = sink;
    this.#records = (sink as Partial<RecordSink>).takesRecords === true
      ? sink as RecordSink
      : undefined;
    this.#splitter.push(chunk, this.#lineSink);
  }

  /** Decodes what is left at the end of the input. */
  finish(): TraceEvent[] {
    const list = new EventList();
    this.finishTo(list);
    return list.events;
  }

  /** `finish`, the events going to `sink`. */
  finishTo(sink: EventSink): void {
    this.#out = sink;
    this.#records = undefined;
    const rest = this.#splitter.finish();
    if (rest !== undefined) {
      let end = rest.length;
      if (rest[end - 1] === CR) end--;
      const start = this.#line === 0
        ? inputStart(rest, 0, end, LOG_ENCODING)
        : 0;
      const line = decodePath(rest, start, end);
      this.#begin(false);
      this.#take(line, 0, line.length, false);
    }
    this.#release();
  }

  /** Decodes complete lines: `bytes[start, end)`, separated by newlines. */
  #lines(bytes: Uint8Array, start: number, end: number): void {
    // The first line tells UTF-16 from bytes, and may start with a UTF-8
    // byte order mark, which is skipped.
    if (this.#line === 0) start += inputStart(bytes, start, end, LOG_ENCODING);
    const records = this.#records;
    if (records === undefined) {
      this.#text(bytes, start, end);
      return;
    }
    // The common records go to the sink in place; each other line is
    // decoded as text.
    let from = start;
    for (;;) {
      if (this.#mode === "log" || this.#mode === "meta-body") {
        from = this.#inPlace(bytes, from, end, records);
        if (from > end) return;
      }
      let to = bytes.indexOf(NL, from);
      if (to < 0 || to > end) to = end;
      this.#text(bytes, from, to);
      if (to === end) return;
      from = to + 1;
    }
  }

  /** Decodes complete lines as text: `bytes[start, end)`, separated by newlines. */
  #text(bytes: Uint8Array, start: number, end: number): void {
    const view = bytes.subarray(start, end);
    let text: string | undefined = lax.decode(view);
    if (text.includes("\ufffd")) {
      try {
        text = utf8.decode(view);
      } catch {
        text = undefined;
      }
    }
    if (text !== undefined) {
      // The lines are read in place: no string is made for a whole line.
      this.#begin(isPlain(text));
      let from = 0;
      for (;;) {
        const to = text.indexOf("\n", from);
        if (to < 0) break;
        this.#take(text, from, to, true);
        from = to + 1;
      }
      this.#take(text, from, text.length, true);
      return;
    }
    // Some path is not UTF-8: decode line by line, keeping raw bytes.
    let from = start;
    while (from <= end) {
      let to = bytes.indexOf(NL, from);
      if (to < 0 || to > end) to = end;
      const line = decodePath(bytes, from, to);
      this.#begin(false);
      this.#take(line, 0, line.length, true);
      from = to + 1;
    }
  }

  /**
   * Hands the lines of `src[from, end)` to `sink` as records read in place,
   * up to the first line that needs decoding as text: a record of another
   * kind, a byte that is not printable ASCII or that JSON escapes, a number
   * with a sign or a leading zero, a path to fold, anything wrong. Returns
   * where that line starts, or `end + 1` when there is none. A record read
   * in place stands for the very event decoding its text would give.
   */
  #inPlace(
    src: Uint8Array,
    from: number,
    end: number,
    sink: RecordSink,
  ): number {
    const r = this.#raw;
    if (r.src !== src) {
      r.src = src;
      r.view = viewOf(src);
    }
    let p = from;
    while (p <= end) {
      if (this.#holding) {
        // An R held back by the text path is paired there with a W.
        if (src[p] === 0x57) return p;
        this.#release();
      }
      // A small function called for each line is optimized sooner than a
      // loop in a large one.
      const lineEnd = this.#read(src, p, end);
      if (lineEnd < 0) return p;
      sink.record(r);
      this.#line += r.kind === KIND_RW ? 2 : 1;
      p = lineEnd + 1;
    }
    return p;
  }

  /**
   * Reads the line at `p` into `#raw` (`src` already there), and makes the
   * changes to the working directories its event makes; returns where it
   * ends (where the W line after it ends for `KIND_RW`), or -1 when the
   * line needs decoding as text (see `#inPlace`).
   */
  #read(src: Uint8Array, p: number, end: number): number {
    const r = this.#raw;
    const kind = src[p];
    if (p + 2 >= end || src[p + 1] !== SP) return -1;
    const pid1 = digitsEnd(src, p + 2, end);
    const pid = plainInt(src, p + 2, pid1);
    if (pid < 0 || pid1 >= end || src[pid1] !== SP) return -1;
    r.pid = pid;
    r.pid0 = p + 2;
    r.pid1 = pid1;
    const rest = pid1 + 1;
    let lineEnd: number;
    r.kind = kind;
    switch (kind) {
      case 0x52: /* R */
      case 0x57: /* W */
      case 0x45: /* E */
      case 0x44: /* D */
      case 0x53: /* S */ {
        lineEnd = this.#scan(src, rest, end);
        if (lineEnd <= rest || lineEnd - p >= FREEBSD_RECORD_MAX) return -1;
        const abs = this.#absKind(src, pid, rest, lineEnd);
        if (abs < 0) return -1;
        r.a0 = rest;
        r.a1 = lineEnd;
        r.aAbs = abs;
        if (abs === ABS_JOIN) r.aDir = this.#dirBytes!;
        if (kind !== 0x52) break;
        // An R and the W line after it of the same pid and path are one
        // open. The text path holds an R at the end of the text, or when
        // the W's pid or path is written some other way (a leading zero,
        // a CR).
        if (lineEnd === end) return -1;
        const q = lineEnd + 1;
        if (src[q] !== 0x57) break;
        const wPid1 = digitsEnd(src, q + 2, end);
        if (
          src[q + 1] !== SP || plainInt(src, q + 2, wPid1) < 0 ||
          src[wPid1] !== SP
        ) return -1;
        if (
          wPid1 - q !== pid1 - p || !same(src, r.pid0, q + 2, pid1 - p - 2)
        ) {
          break;
        }
        const w0 = wPid1 + 1;
        const n = lineEnd - rest;
        if (w0 + n > end || !same(src, rest, w0, n)) break;
        const wEnd = w0 + n;
        if (wEnd < end && src[wEnd] !== NL) {
          if (src[wEnd] === CR) return -1;
          break;
        }
        r.kind = KIND_RW;
        lineEnd = wEnd;
        break;
      }
      case 0x46: /* F */ {
        lineEnd = digitsEnd(src, rest, end);
        const child = plainInt(src, rest, lineEnd);
        if (child < 0 || (lineEnd < end && src[lineEnd] !== NL)) return -1;
        r.a0 = rest;
        r.a1 = lineEnd;
        if (this.#cwd.size > 0 || this.#initialCwd !== undefined) {
          const cwd = this.#cwd.get(pid) ?? this.#initialCwd;
          if (cwd !== undefined) this.#cwd.set(child, cwd);
        }
        break;
      }
      case 0x58: /* X */ {
        const status = digitsEnd(src, rest, end);
        if (plainInt(src, rest, status) < 0) return -1;
        r.a0 = rest;
        r.a1 = status;
        if (status === end || src[status] === NL) {
          lineEnd = status;
          r.b0 = r.b1 = -1;
        } else {
          if (src[status] !== SP) return -1;
          lineEnd = digitsEnd(src, status + 1, end);
          if (
            plainInt(src, status + 1, lineEnd) < 0 ||
            (lineEnd < end && src[lineEnd] !== NL)
          ) return -1;
          r.b0 = status + 1;
          r.b1 = lineEnd;
        }
        if (this.#cwd.size > 0) this.#cwd.delete(pid);
        break;
      }
      case 0x4d: /* M */
      case 0x4c: /* L */ {
        // 'from' 'to', split at the first "' '" as the text path does.
        lineEnd = this.#scan(src, rest, end);
        if (
          lineEnd < rest + 7 || lineEnd - p >= FREEBSD_RECORD_MAX ||
          src[rest] !== QUOTE || src[rest + 1] === SP ||
          src[lineEnd - 1] !== QUOTE
        ) return -1;
        let sep = rest + 1;
        while (
          sep < lineEnd - 2 &&
          !(src[sep] === QUOTE && src[sep + 1] === SP &&
            src[sep + 2] === QUOTE)
        ) sep++;
        // The closing quote may be the separator's last one: `to` is then
        // empty to the text path too, but the bytes of neither are there.
        if (sep + 3 > lineEnd - 1) return -1;
        const fromAbs = kind === 0x4d
          ? this.#absKind(src, pid, rest + 1, sep)
          : ABS_NONE;
        if (fromAbs < 0) return -1;
        if (fromAbs === ABS_JOIN) r.aDir = this.#dirBytes!;
        const toAbs = this.#absKind(src, pid, sep + 3, lineEnd - 1);
        if (toAbs < 0) return -1;
        if (toAbs === ABS_JOIN) r.bDir = this.#dirBytes!;
        r.a0 = rest + 1;
        r.a1 = sep;
        r.aAbs = fromAbs;
        r.b0 = sep + 3;
        r.b1 = lineEnd - 1;
        r.bAbs = toAbs;
        break;
      }
      default:
        return -1;
    }
    r.start = p;
    r.end = lineEnd;
    return lineEnd;
  }

  /**
   * Where the line from `start` (before `end`) ends, or -1 when it has a
   * byte that is not printable ASCII, or is `"` or `\`. Sets `#fold`: whether
   * a "/" in it is followed by "/" or ".".
   */
  #scan(src: Uint8Array, start: number, end: number): number {
    const view = this.#raw.view;
    let fold = 0;
    /** 0x80 when the last byte of the word before was a slash. */
    let lastSlash = 0;
    let i = start;
    // Four bytes at a time while none is out of the ordinary (a newline
    // is), with the bit tricks of "Determine if a word has a byte less than
    // n": each test leaves the top bit of the bytes it finds.
    for (; i + 4 <= end; i += 4) {
      const w = view.getInt32(i, true);
      const quote = w ^ 0x22222222;
      const backslash = w ^ 0x5c5c5c5c;
      if (
        (w | ((w - 0x20202020) & ~w) | ((quote - 0x01010101) & ~quote) |
          ((backslash - 0x01010101) & ~backslash)) & 0x80808080
      ) break;
      // The slashes, and the slashes and dots (a false find in a byte
      // after a true one only makes the line go the text way).
      const sx = w ^ 0x2f2f2f2f;
      const dx = w ^ 0x2e2e2e2e;
      const slash = (sx - 0x01010101) & ~sx & 0x80808080;
      const either = slash | ((dx - 0x01010101) & ~dx & 0x80808080);
      // A slash then a slash or dot, in this word or across from the last.
      fold |= ((slash << 8) | lastSlash) & either;
      lastSlash = slash >>> 24;
    }
    for (; i < end; i++) {
      const b = src[i];
      if (b === NL) break;
      if (b < 0x20 || b > 0x7f || b === 0x22 || b === 0x5c) return -1;
      if ((b === 0x2f || b === 0x2e) && i > start && src[i - 1] === 0x2f) {
        fold = 1;
      }
    }
    this.#fold = fold !== 0;
    return i;
  }

  /**
   * How the path `src[start, end)` of `pid` gets its absolute form in place
   * (see `RawRecord.aAbs`; for `ABS_JOIN`, `#dirBytes` holds the directory),
   * or -1 when `#abs` must make it: a path to fold (after `#scan`), or a
   * working directory that is not plain.
   */
  #absKind(src: Uint8Array, pid: number, start: number, end: number): number {
    // An empty path folds into the working directory.
    if (end === start) return -1;
    if (src[start] === 0x2f) {
      return this.#fold || (end - start > 1 && src[end - 1] === 0x2f)
        ? -1
        : ABS_SAME;
    }
    const cwd = this.#cwd.size === 0
      ? this.#initialCwd
      : this.#cwd.get(pid) ?? this.#initialCwd;
    if (cwd === undefined) return ABS_NONE;
    // `cwd + "/" + path` is what `resolvePath` gives when nothing folds.
    if (this.#fold || src[start] === 0x2e || src[end - 1] === 0x2f) return -1;
    if (cwd !== this.#dirOf) {
      this.#dirOf = cwd;
      this.#dirBytes = dirBytes(cwd);
    }
    return this.#dirBytes === undefined ? -1 : ABS_JOIN;
  }

  /** Starts on a new text of lines; `plain`: see `#plain`. */
  #begin(plain: boolean): void {
    this.#foldAt = -1;
    this.#plain = plain;
  }

  /** A line longer than `MAX_LINE`: an error, or a warning and skipped. */
  #tooLong(): void {
    this.#line++;
    // Command output in a .meta file's header may have lines of any length.
    if (this.#mode === "meta-header") return;
    if (this.#mode === "auto") this.#mode = "log";
    const err = this.#splitter.tooLong(this.#line);
    if (!this.#lenient) throw err;
    this.#onWarning?.(err);
  }

  /** Decodes the line `s[start, end)` (a CR at its end is dropped). */
  #take(s: string, start: number, end: number, complete: boolean): void {
    this.#line++;
    if (end > start && s.charCodeAt(end - 1) === CR) end--;
    if (this.#mode !== "log") {
      if (this.#skipMeta(s.slice(start, end))) return;
    }
    try {
      if (!complete) {
        throw this.#error("truncated: the last line has no newline");
      }
      const event = this.#parse(s, start, end);
      if (event !== undefined) {
        this.#release();
        this.#out.event(event);
      }
    } catch (err) {
      if (!(err instanceof DecodeError) || !this.#lenient) throw err;
      this.#onWarning?.(err);
    }
  }

  /** Handles the part of a .meta file before the log; true when the line is not log. */
  #skipMeta(line: string): boolean {
    if (this.#mode === "auto") {
      this.#mode = line.startsWith(META_FIRST) ? "meta-header" : "log";
    }
    if (this.#mode === "meta-header") {
      if (line === META_MARKER) {
        this.#mode = "meta-body";
      } else if (line.startsWith("CWD ") && !this.#cwdGiven) {
        this.#initialCwd = line.slice(4);
      }
      return true;
    }
    return false;
  }

  #error(reason: string): DecodeError {
    return new DecodeError(this.#line, reason);
  }

  /**
   * The event of the line `s[start, end)`; undefined for an R or W line,
   * whose open goes to `#open`.
   */
  #parse(s: string, start: number, end: number): TraceEvent | undefined {
    if (end === start) throw this.#error("empty line");
    const letter = s.charCodeAt(start);
    if (letter === 0x23 /* # */) return this.#comment(s.slice(start, end));
    if (end - start < 2 || s.charCodeAt(start + 1) !== 0x20) {
      const line = s.slice(start, end);
      throw this.#error(
        line.length === 1
          ? `record '${line}' has no fields`
          : `unknown record '${line.slice(0, 16)}'`,
      );
    }
    if (letter === 0x56 /* V */) {
      const version = this.#checkVersion(
        this.#int(s, start + 2, end, "version"),
      );
      this.#version = version;
      return { op: "version", version };
    }
    // Every other record starts with "<letter> <pid> ".
    let i = start + 2;
    let pid = 0;
    for (; i < end; i++) {
      const d = s.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      pid = pid * 10 + d;
    }
    if (
      i === start + 2 || pid > 0x7fffffff ||
      (i < end && s.charCodeAt(i) !== 0x20)
    ) {
      // Not plain digits: `#int` tells what is wrong.
      while (i < end && s.charCodeAt(i) !== 0x20) i++;
      pid = this.#pid(s, start + 2, i, "pid");
    }
    const rest = i + 1;
    switch (letter) {
      case 0x52: /* R */
      case 0x57: /* W */ {
        const path = this.#path(s, start, rest, end);
        const abs = this.#abs(pid, path, s, rest, end);
        this.#open(pid, path, abs, letter === 0x52 ? "r" : "w");
        return undefined;
      }
      case 0x45: /* E */ {
        const path = this.#path(s, start, rest, end);
        const abs = this.#abs(pid, path, s, rest, end);
        return abs === undefined
          ? { op: "exec", pid, path }
          : { op: "exec", pid, path, abs };
      }
      case 0x46: /* F */ {
        const child = this.#pid(s, rest, end, "child pid");
        const cwd = this.#cwd.get(pid) ?? this.#initialCwd;
        if (cwd !== undefined) this.#cwd.set(child, cwd);
        return { op: "fork", pid, child };
      }
      case 0x58: /* X */ {
        const sp = s.indexOf(" ", rest);
        if (sp < 0 || sp >= end) {
          const status = this.#int(s, rest, end, "exit status");
          this.#cwd.delete(pid);
          return { op: "exit", pid, status };
        }
        const status = this.#int(s, rest, sp, "exit status");
        const signal = this.#int(s, sp + 1, end, "signal");
        this.#cwd.delete(pid);
        return { op: "exit", pid, status, signal };
      }
      case 0x43: /* C */ {
        const path = this.#path(s, start, rest, end);
        const abs = this.#abs(pid, path, s, rest, end);
        if (abs !== undefined) this.#cwd.set(pid, abs);
        else this.#cwd.delete(pid);
        return abs === undefined
          ? { op: "chdir", pid, path }
          : { op: "chdir", pid, path, abs };
      }
      case 0x44: /* D */ {
        const path = this.#path(s, start, rest, end);
        const abs = this.#abs(pid, path, s, rest, end);
        return abs === undefined
          ? { op: "unlink", pid, path }
          : { op: "unlink", pid, path, abs };
      }
      case 0x53: /* S */ {
        const path = this.#path(s, start, rest, end);
        const abs = this.#abs(pid, path, s, rest, end);
        return abs === undefined
          ? { op: "stat", pid, path }
          : { op: "stat", pid, path, abs };
      }
      case 0x41: /* A */
        return { op: "openat", pid, path: this.#path(s, start, rest, end) };
      case 0x4c: /* L */
      case 0x4d: /* M */ {
        const sep = this.#pair(s, rest, end);
        const from = s.slice(rest + 1, sep);
        const to = s.slice(sep + 3, end - 1);
        const fromAbs = letter === 0x4d
          ? this.#abs(pid, from, s, rest + 1, sep)
          : undefined;
        const toAbs = this.#abs(pid, to, s, sep + 3, end - 1);
        const event: LinkEvent | RenameEvent = letter === 0x4c
          ? { op: "link", pid, from, to }
          : { op: "rename", pid, from, to };
        if (fromAbs !== undefined) event.from_abs = fromAbs;
        if (toAbs !== undefined) event.to_abs = toAbs;
        return event;
      }
      default:
        throw this.#error(`unknown record '${s[start]}'`);
    }
  }

  /** Sends an open on; an R is held back until the next line (see `#holding`). */
  #open(pid: number, path: string, abs: string | undefined, mode: "r" | "w") {
    // An abs made from a working directory is not known plain.
    const plain = this.#plain && (abs === undefined || abs === path);
    if (this.#holding) {
      if (mode === "w" && pid === this.#heldPid && path === this.#heldPath) {
        // FreeBSD writes one O_RDWR open as an R line then a W line.
        this.#holding = false;
        this.#out.open(pid, path, this.#heldAbs, "rw", this.#heldPlain);
        return;
      }
      this.#release();
    }
    if (mode === "w") {
      this.#out.open(pid, path, abs, "w", plain);
      return;
    }
    this.#holding = true;
    this.#heldPid = pid;
    this.#heldPath = path;
    this.#heldAbs = abs;
    this.#heldPlain = plain;
  }

  /** Sends on the R held back, if any. */
  #release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    const pid = this.#heldPid;
    this.#out.open(pid, this.#heldPath, this.#heldAbs, "r", this.#heldPlain);
  }

  #comment(line: string): TraceEvent {
    let m: RegExpExecArray | null;
    if (line === "# Bye bye") return { op: "bye" };
    if ((m = /^# filemon version (\d+)$/.exec(line)) !== null) {
      this.#version = this.#checkVersion(Number(m[1]));
      return { op: "begin", version: this.#version };
    }
    if ((m = /^# Target pid (\d+)$/.exec(line)) !== null) {
      return { op: "target", pid: Number(m[1]) };
    }
    if ((m = /^# (Start|Stop) (\d+)\.(\d{6})$/.exec(line)) !== null) {
      const time = Number(m[2]) + Number(m[3]) / 1e6;
      return { op: m[1] === "Start" ? "start" : "stop", time };
    }
    return { op: "comment", text: line.slice(1) };
  }

  /** `version`, unless it is not one this decoder reads. */
  #checkVersion(version: number): number {
    if (!VERSIONS.includes(version)) {
      throw this.#error(
        `filemon version ${version} is not one this decoder reads (it reads ${
          VERSIONS.join(" and ")
        })`,
      );
    }
    return version;
  }

  /** The pid `s[start, end)` (`what`: which one). */
  #pid(s: string, start: number, end: number, what: string): number {
    const pid = this.#int(s, start, end, what);
    if (pid < 0) throw this.#error(`${what} ${pid} is negative`);
    return pid;
  }

  /** The number `s[start, end)`. */
  #int(s: string, start: number, end: number, what: string): number {
    let n = 0;
    let i = start;
    const negative = i < end && s.charCodeAt(i) === 0x2d;
    if (negative) i++;
    if (i >= end) throw this.#error(`missing ${what}`);
    for (; i < end; i++) {
      const d = s.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) {
        throw this.#error(
          `${what} '${s.slice(start, end).slice(0, 24)}' is not a number`,
        );
      }
      n = n * 10 + d;
    }
    if (n > 0x7fffffff) {
      throw this.#error(`${what} ${s.slice(start, end)} is out of range`);
    }
    return negative ? -n : n;
  }

  /** The path `s[start, end)` of the line that begins at `line`. */
  #path(s: string, line: number, start: number, end: number): string {
    if (start >= end) throw this.#error("missing path");
    if (end - line >= FREEBSD_RECORD_MAX) this.#checkGlued(s.slice(line, end));
    this.#checkNul(s, start, end);
    return s.slice(start, end);
  }

  /** Refuses a NUL byte in the path(s) `s[start, end)`: no path has one. */
  #checkNul(s: string, start: number, end: number): void {
    // A plain text has no control character at all.
    if (this.#plain) return;
    const nul = s.indexOf("\0", start);
    if (nul >= 0 && nul < end) {
      throw this.#error(
        "path has a NUL byte, which no path can have",
      );
    }
  }

  #checkGlued(line: string): void {
    const bytes = new TextEncoder().encode(line);
    if (bytes.length <= FREEBSD_RECORD_MAX) return;
    const tail = decodePath(bytes, FREEBSD_RECORD_MAX, bytes.length);
    if (GLUED.test(tail)) {
      throw this.#error(
        "record is 1023 bytes long and another record follows it on the same line " +
          "(the kernel cut a long record and dropped its newline)",
      );
    }
  }

  /** Where "' '" is between the two quoted paths of `s[start, end)`. */
  #pair(s: string, start: number, end: number): number {
    const sep = s.indexOf("' '", start);
    if (
      start >= end || s.charCodeAt(start) !== 0x27 || sep < 0 ||
      sep > end - 3 || s.charCodeAt(end - 1) !== 0x27 || end - 1 < sep + 2
    ) {
      throw this.#error("expected two quoted paths 'from' 'to'");
    }
    this.#checkNul(s, start + 1, end - 1);
    return sep;
  }

  /** The absolute form of `path`, which is `s[start, end)`. */
  #abs(
    pid: number,
    path: string,
    s: string,
    start: number,
    end: number,
  ): string | undefined {
    if (path.charCodeAt(0) === 0x2f) {
      // Most absolute paths are already normal: skip the general resolver.
      return this.#normal(s, start, end) ? path : resolvePath("/", path);
    }
    const cwd = this.#cwd.get(pid) ?? this.#initialCwd;
    return cwd === undefined ? undefined : resolvePath(cwd, path);
  }

  /** Whether the absolute path `s[start, end)` has nothing to fold. */
  #normal(s: string, start: number, end: number): boolean {
    if (end - start > 1 && s.charCodeAt(end - 1) === 0x2f) return false;
    // One search finds the next "//" or "/." for all the paths before it.
    if (this.#foldAt < start) {
      FOLD.lastIndex = start;
      this.#foldAt = FOLD.test(s) ? FOLD.lastIndex - 2 : s.length;
    }
    return this.#foldAt > end - 2;
  }
}

/**
 * The decoder as a web stream: bytes in, events out.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FilemonDecoderStream } from "./filemon_decoder.ts";
 * const log = "# filemon version 5\nV 5\nE 9 /bin/true\nX 9 0 0\n# Bye bye\n";
 * const events = await Array.fromAsync(
 *   ReadableStream.from([new TextEncoder().encode(log)])
 *     .pipeThrough(new FilemonDecoderStream()),
 * );
 * assertEquals(events.map((e) => e.op), ["begin", "version", "exec", "exit", "bye"]);
 * ```
 */
export class FilemonDecoderStream
  extends TransformStream<Uint8Array, TraceEvent> {
  constructor(options: FilemonDecoderOptions = {}) {
    const decoder = new FilemonDecoder(options);
    super({
      transform(chunk, controller) {
        for (const event of decoder.push(chunk)) controller.enqueue(event);
      },
      flush(controller) {
        for (const event of decoder.finish()) controller.enqueue(event);
      },
    });
  }
}

/**
 * Decodes a whole log held in memory.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeFilemon } from "./filemon_decoder.ts";
 * const events = decodeFilemon("V 5\nM 3 'a.tmp' 'a'\n");
 * assertEquals(events[1], { op: "rename", pid: 3, from: "a.tmp", to: "a" });
 * ```
 */
export function decodeFilemon(
  log: string | Uint8Array,
  options?: FilemonDecoderOptions,
): TraceEvent[] {
  const decoder = new FilemonDecoder(options);
  const bytes = typeof log === "string" ? new TextEncoder().encode(log) : log;
  const events = decoder.push(bytes);
  for (const event of decoder.finish()) events.push(event);
  return events;
}
