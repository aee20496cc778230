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
import type { LinkEvent, OpenEvent, RenameEvent, TraceEvent } from "./event.ts";
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
/** What `resolvePath` folds in an absolute path: "//", "/.", a trailing "/". */
const UNNORMAL = /\/[/.]|[\s\S]\/$/;
const GLUED = /^(?:[ACDEFLMRSWX] \d+ |[#V] )/;
/**
 * The longest line accepted, newline not counted. A Linux path has at most
 * 4096 bytes and an L or M record two of them; FreeBSD cuts a record at 1023.
 */
const MAX_LINE = 64 * 1024;
const CR = 13;
const NL = 10;

/**
 * The decoder's core: push bytes, get events. Synchronous and allocation
 * light; `FilemonDecoderStream` wraps it as a web stream.
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
 * ```
 */
export class FilemonDecoder {
  #splitter = new LineSplitter(MAX_LINE);
  #sink: LineSink = {
    lines: (bytes, start, end) => this.#lines(bytes, start, end),
    tooLong: () => this.#tooLong(),
  };
  /** Where the lines being decoded put their events. */
  #out: TraceEvent[] = [];
  #line = 0;
  #version = 5;
  #cwd = new Map<number, string>();
  #initialCwd: string | undefined;
  #mode: "auto" | "log" | "meta-header" | "meta-body";
  #lenient: boolean;
  #onWarning: ((error: DecodeError) => void) | undefined;
  #cwdGiven: boolean;
  /** An R record held back until the next line shows whether a W of the same open follows. */
  #heldRead: OpenEvent | undefined;

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
    const out: TraceEvent[] = [];
    this.#out = out;
    this.#splitter.push(chunk, this.#sink);
    return out;
  }

  /** Decodes what is left at the end of the input. */
  finish(): TraceEvent[] {
    const out: TraceEvent[] = [];
    this.#out = out;
    const rest = this.#splitter.finish();
    if (rest !== undefined) {
      let end = rest.length;
      if (rest[end - 1] === CR) end--;
      this.#take(decodePath(rest, 0, end), false);
    }
    if (this.#heldRead !== undefined) {
      out.push(this.#heldRead);
      this.#heldRead = undefined;
    }
    return out;
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
      let from = 0;
      for (;;) {
        const to = text.indexOf("\n", from);
        if (to < 0) break;
        this.#take(text.slice(from, to), true);
        from = to + 1;
      }
      this.#take(from === 0 ? text : text.slice(from), true);
      return;
    }
    // Some path is not UTF-8: decode line by line, keeping raw bytes.
    let from = start;
    while (from <= end) {
      let to = bytes.indexOf(NL, from);
      if (to < 0 || to > end) to = end;
      this.#take(decodePath(bytes, from, to), true);
      from = to + 1;
    }
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

  #take(raw: string, complete: boolean): void {
    this.#line++;
    const out = this.#out;
    const line = raw.charCodeAt(raw.length - 1) === CR ? raw.slice(0, -1) : raw;
    if (this.#mode !== "log") {
      if (this.#skipMeta(line)) return;
    }
    try {
      if (!complete) {
        throw this.#error("truncated: the last line has no newline");
      }
      const event = this.#parse(line);
      const held = this.#heldRead;
      if (held !== undefined) {
        this.#heldRead = undefined;
        if (
          event.op === "open" && event.mode === "w" && event.pid === held.pid &&
          event.path === held.path
        ) {
          // FreeBSD writes one O_RDWR open as an R line then a W line.
          held.mode = "rw";
          out.push(held);
          return;
        }
        out.push(held);
      }
      if (event.op === "open" && event.mode === "r") this.#heldRead = event;
      else out.push(event);
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

  #parse(line: string): TraceEvent {
    if (line.length === 0) throw this.#error("empty line");
    const letter = line.charCodeAt(0);
    if (letter === 0x23 /* # */) return this.#comment(line);
    if (line.charCodeAt(1) !== 0x20) {
      throw this.#error(
        line.length === 1
          ? `record '${line}' has no fields`
          : `unknown record '${line.slice(0, 16)}'`,
      );
    }
    if (letter === 0x56 /* V */) {
      const version = this.#int(line, 2, line.length, "version");
      this.#version = version;
      return { op: "version", version };
    }
    // Every other record starts with "<letter> <pid> ".
    let i = 2;
    while (i < line.length && line.charCodeAt(i) !== 0x20) i++;
    const pid = this.#int(line, 2, i, "pid");
    const rest = i + 1;
    switch (letter) {
      case 0x52: /* R */
      case 0x57: /* W */ {
        const path = this.#path(line, rest);
        const abs = this.#abs(pid, path);
        const mode = letter === 0x52 ? "r" : "w";
        return abs === undefined
          ? { op: "open", pid, path, mode }
          : { op: "open", pid, path, abs, mode };
      }
      case 0x45: /* E */ {
        const path = this.#path(line, rest);
        const abs = this.#abs(pid, path);
        return abs === undefined
          ? { op: "exec", pid, path }
          : { op: "exec", pid, path, abs };
      }
      case 0x46: /* F */ {
        const child = this.#int(line, rest, line.length, "child pid");
        const cwd = this.#cwd.get(pid) ?? this.#initialCwd;
        if (cwd !== undefined) this.#cwd.set(child, cwd);
        return { op: "fork", pid, child };
      }
      case 0x58: /* X */ {
        const sp = line.indexOf(" ", rest);
        if (sp < 0) {
          const status = this.#int(line, rest, line.length, "exit status");
          this.#cwd.delete(pid);
          return { op: "exit", pid, status };
        }
        const status = this.#int(line, rest, sp, "exit status");
        const signal = this.#int(line, sp + 1, line.length, "signal");
        this.#cwd.delete(pid);
        return { op: "exit", pid, status, signal };
      }
      case 0x43: /* C */ {
        const path = this.#path(line, rest);
        const abs = this.#abs(pid, path);
        if (abs !== undefined) this.#cwd.set(pid, abs);
        else this.#cwd.delete(pid);
        return abs === undefined
          ? { op: "chdir", pid, path }
          : { op: "chdir", pid, path, abs };
      }
      case 0x44: /* D */ {
        const path = this.#path(line, rest);
        const abs = this.#abs(pid, path);
        return abs === undefined
          ? { op: "unlink", pid, path }
          : { op: "unlink", pid, path, abs };
      }
      case 0x53: /* S */ {
        const path = this.#path(line, rest);
        const abs = this.#abs(pid, path);
        return abs === undefined
          ? { op: "stat", pid, path }
          : { op: "stat", pid, path, abs };
      }
      case 0x41: /* A */
        return { op: "openat", pid, path: this.#path(line, rest) };
      case 0x4c: /* L */
      case 0x4d: /* M */ {
        const [from, to] = this.#pair(line, rest);
        const fromAbs = letter === 0x4d ? this.#abs(pid, from) : undefined;
        const toAbs = this.#abs(pid, to);
        const event: LinkEvent | RenameEvent = letter === 0x4c
          ? { op: "link", pid, from, to }
          : { op: "rename", pid, from, to };
        if (fromAbs !== undefined) event.from_abs = fromAbs;
        if (toAbs !== undefined) event.to_abs = toAbs;
        return event;
      }
      default:
        throw this.#error(`unknown record '${line[0]}'`);
    }
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

  #int(line: string, start: number, end: number, what: string): number {
    let n = 0;
    let i = start;
    const negative = line.charCodeAt(i) === 0x2d;
    if (negative) i++;
    if (i >= end) throw this.#error(`missing ${what}`);
    for (; i < end; i++) {
      const d = line.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) {
        throw this.#error(
          `${what} '${line.slice(start, end).slice(0, 24)}' is not a number`,
        );
      }
      n = n * 10 + d;
    }
    if (n > 0x7fffffff) {
      throw this.#error(`${what} ${line.slice(start, end)} is out of range`);
    }
    return negative ? -n : n;
  }

  #path(line: string, start: number): string {
    if (start >= line.length) throw this.#error("missing path");
    if (line.length >= FREEBSD_RECORD_MAX) this.#checkGlued(line);
    return line.slice(start);
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

  #pair(line: string, start: number): [string, string] {
    const sep = line.indexOf("' '", start);
    if (
      line.charCodeAt(start) !== 0x27 || sep < 0 ||
      line.charCodeAt(line.length - 1) !== 0x27 || line.length - 1 < sep + 2
    ) {
      throw this.#error("expected two quoted paths 'from' 'to'");
    }
    return [line.slice(start + 1, sep), line.slice(sep + 3, line.length - 1)];
  }

  #abs(pid: number, path: string): string | undefined {
    if (path.charCodeAt(0) === 0x2f) {
      // Most absolute paths are already normal: skip the general resolver.
      return UNNORMAL.test(path) ? resolvePath("/", path) : path;
    }
    const cwd = this.#cwd.get(pid) ?? this.#initialCwd;
    return cwd === undefined ? undefined : resolvePath(cwd, path);
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
