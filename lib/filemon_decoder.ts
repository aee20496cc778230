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
 * Memory stays constant whatever the log size: only the current partial line
 * and one working directory per live process are kept. A line longer than
 * 64 KiB is an error (in lenient mode a warning; the line is skipped up to its
 * newline without being kept), except in a .meta file's header, whose command
 * output may have lines of any length.
 *
 * @module
 */

import { DecodeError } from "./decode_error.ts";
import { type LineSink, LineSplitter } from "./_lines.ts";
import type {
  EventSink,
  LinkEvent,
  OpenEvent,
  RenameEvent,
  TraceEvent,
} from "./event.ts";
import { decodePath, resolvePath } from "./path.ts";

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
    const rest = this.#splitter.finish();
    if (rest !== undefined) {
      let end = rest.length;
      if (rest[end - 1] === CR) end--;
      const line = decodePath(rest, 0, end);
      this.#begin(false);
      this.#take(line, 0, line.length, false);
    }
    this.#release();
  }

  /** Decodes complete lines: `bytes[start, end)`, separated by newlines. */
  #lines(bytes: Uint8Array, start: number, end: number): void {
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
      const version = this.#int(s, start + 2, end, "version");
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
      // Not plain digits: `#int` tells what is wrong (or reads a sign).
      while (i < end && s.charCodeAt(i) !== 0x20) i++;
      pid = this.#int(s, start + 2, i, "pid");
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
        const child = this.#int(s, rest, end, "child pid");
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
      this.#version = Number(m[1]);
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
    return s.slice(start, end);
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
