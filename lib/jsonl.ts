/**
 * JSON Lines: one event a line, the event's own fields (see README, "JSON
 * Lines schema").
 *
 * A path that is not valid UTF-8 is written with its invalid bytes replaced
 * by U+FFFD, and beside it a field named `<field>_b64` holds the exact bytes
 * in base64 (`path_b64`, `abs_b64`, `from_b64`, `to_b64`, `from_abs_b64`,
 * `to_abs_b64`; for argv, `argv_b64` is an array with `null` for the
 * entries that needed no escape). Readers that want bytes take `_b64` when
 * present and the string otherwise.
 *
 * @module
 */

import { BatchEncoder } from "./batch_encoder.ts";
import { DecodeError } from "./decode_error.ts";
import { inputStart } from "./_input_start.ts";
import type { OpenEvent, TraceEvent } from "./event.ts";
import { type LineSink, LineSplitter } from "./_lines.ts";
import { pathFromBase64, pathToBase64 } from "./path.ts";
import {
  ABS_JOIN,
  ABS_NONE,
  ABS_SAME,
  AsciiBytes,
  copyAscii,
  copyAsciiTwice,
  KIND_RW,
  type RawRecord,
  viewOf,
} from "./_raw_record.ts";

/** The longest line accepted, newline not counted (an exec's argv can be large). */
const MAX_LINE = 64 * 1024 * 1024;

const PATH_FIELDS = [
  "path",
  "abs",
  "from",
  "to",
  "from_abs",
  "to_abs",
  "text",
  "name",
] as const;

/** Strings that JSON needs no escapes for and that hold no surrogates. */
// JSON escapes control characters, so they leave the fast path.
// deno-lint-ignore no-control-regex
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

// A line is joined from as few pieces as can be: the batch it goes into is
// flattened before being encoded, and that costs by the piece. So a string
// goes in without its quotes (the constant text around it has them), and the
// start of a line, `{"op":"open","pid":7,"path":"`, is made once per pid.

/** `,"<field>_b64":"..."` entries for the line being written. */
let extras = "";

/** A string's JSON form without the quotes; raw bytes go to `extras`. */
function str(field: string, s: string): string {
  if (PLAIN.test(s)) return s;
  if (s.isWellFormed()) return JSON.stringify(s).slice(1, -1);
  extras += `,"${field}_b64":"${pathToBase64(s)}"`;
  return JSON.stringify(s.toWellFormed()).slice(1, -1);
}

/** `,"<field>":"..."` when `s` is there. */
function opt(field: string, s: string | undefined): string {
  return s === undefined ? "" : `,"${field}":"${str(field, s)}"`;
}

/**
 * `path` then, when there is one, `","abs":"` and `abs`. An absolute path is
 * most often its own `abs`: then it is looked at once.
 */
function pathAbs(path: string, abs: string | undefined): string {
  const p = str("path", path);
  if (abs === undefined) return p;
  if (abs === path && extras === "") return p + '","abs":"' + p;
  return p + '","abs":"' + str("abs", abs);
}

/** What every action may end with: its error, time and `extras`. */
function tail(e: { error?: string; time?: number }): string {
  if (e.error === undefined && e.time === undefined) return extras;
  let t = "";
  if (e.error !== undefined) t += `,"error":${JSON.stringify(e.error)}`;
  if (e.time !== undefined) t += `,"time":${e.time}`;
  return t + extras;
}

/**
 * `last`, `rest`, the closing brace and, with `nl`, the newline: one piece
 * when `rest` is empty and `last` a common ending (a piece fewer to join).
 */
function close(last: string, rest: string, nl: boolean): string {
  if (rest === "") {
    if (last === '"') return nl ? '"}\n' : '"}';
    if (last === '","mode":"r"') {
      return nl ? '","mode":"r"}\n' : '","mode":"r"}';
    }
    if (last === '","mode":"w"') {
      return nl ? '","mode":"w"}\n' : '","mode":"w"}';
    }
  }
  return last + rest + (nl ? "}\n" : "}");
}

function argvJson(argv: string[]): string {
  let raw = false;
  const parts = argv.map((a) => {
    if (PLAIN.test(a)) return `"${a}"`;
    if (a.isWellFormed()) return JSON.stringify(a);
    raw = true;
    return JSON.stringify(a.toWellFormed());
  });
  if (raw) {
    extras += `,"argv_b64":${
      JSON.stringify(argv.map((a) => a.isWellFormed() ? null : pathToBase64(a)))
    }`;
  }
  return `,"argv":[${parts.join(",")}]`;
}

/** `{"op":"<op>","pid":<pid>,"<field>":<quote>`, made anew when op or pid changes. */
class Head {
  #field: string;
  #op = "";
  #pid: unknown = undefined;
  #text = "";

  /** `field` with its colon and, for a string, the opening quote. */
  constructor(field: string) {
    this.#field = field;
  }

  of(op: string, pid: number): string {
    if (pid === this.#pid && op === this.#op) return this.#text;
    return this.#make(op, pid);
  }

  #make(op: string, pid: number): string {
    this.#op = op;
    this.#pid = pid;
    // join makes one flat string, where `+` would make a tree of three.
    this.#text = ['{"op":"', op, '","pid":', `${pid}`, this.#field].join("");
    return this.#text;
  }
}

const OPEN = new Head(',"path":"');
const EXEC = new Head(',"path":"');
const FORK = new Head(',"child":');
const EXIT = new Head(',"status":');
const MOVE = new Head(',"from":"');
const OPENAT = new Head(',"path":"');
const OTHER = new Head(',"path":"');

/** `","mode":"<mode>"`: it closes the string before it. */
function modeField(mode: string): string {
  return mode === "r"
    ? '","mode":"r"'
    : mode === "w"
    ? '","mode":"w"'
    : `","mode":"${mode}"`;
}

/** One event's line, with its newline when `nl`. */
function line(event: TraceEvent, nl: boolean): string {
  extras = "";
  switch (event.op) {
    case "open":
      return OPEN.of("open", event.pid) + pathAbs(event.path, event.abs) +
        close(
          modeField(event.mode),
          (event.create ? ',"create":true' : "") +
            (event.trunc ? ',"trunc":true' : "") +
            (event.tmpfile ? ',"tmpfile":true' : "") +
            (event.anon ? ',"anon":true' : "") + tail(event),
          nl,
        );
    case "exec":
      return EXEC.of("exec", event.pid) + pathAbs(event.path, event.abs) +
        close(
          event.anon ? '","anon":true' : '"',
          (event.argv === undefined ? "" : argvJson(event.argv)) + tail(event),
          nl,
        );
    case "fork":
      return FORK.of("fork", event.pid) + event.child +
        close("", tail(event), nl);
    case "exit":
      return EXIT.of("exit", event.pid) + event.status + close(
        event.signal === undefined ? "" : `,"signal":${event.signal}`,
        tail(event),
        nl,
      );
    case "link":
    case "rename":
      return MOVE.of(event.op, event.pid) + str("from", event.from) +
        '","to":"' + str("to", event.to) + close(
          '"',
          opt("from_abs", event.from_abs) + opt("to_abs", event.to_abs) +
            (event.op === "link"
              ? event.symbolic !== undefined
                ? `,"symbolic":${event.symbolic}`
                : ""
              : (event.exchange ? ',"exchange":true' : "") +
                (event.noreplace ? ',"noreplace":true' : "") +
                (event.whiteout ? ',"whiteout":true' : "")) +
            tail(event),
          nl,
        );
    case "openat":
      return OPENAT.of("openat", event.pid) + str("path", event.path) +
        close('"', tail(event), nl);
    case "begin":
      return `{"op":"begin","version":${event.version}` + close("", "", nl);
    case "target":
      return `{"op":"target","pid":${event.pid}` + close("", "", nl);
    case "start":
    case "stop":
      return `{"op":"${event.op}","time":${event.time}` + close("", "", nl);
    case "version":
      return `{"op":"version","version":${event.version}` +
        close("", "", nl);
    case "bye":
      return `{"op":"bye"` + close("", "", nl);
    case "comment":
      return `{"op":"comment","text":"` + str("text", event.text) +
        close('"', extras, nl);
    case "mknod":
      return OTHER.of("mknod", event.pid) + pathAbs(event.path, event.abs) +
        close(`","type":"${event.type}"`, tail(event), nl);
    case "setxattr":
    case "removexattr":
    case "getxattr":
    case "listxattr":
      return OTHER.of(event.op, event.pid) + pathAbs(event.path, event.abs) +
        close('"', opt("name", event.name) + tail(event), nl);
    default:
      // chdir, unlink, stat and the extra ops: one path.
      return OTHER.of(event.op, event.pid) + pathAbs(event.path, event.abs) +
        close(event.anon ? '","anon":true' : '"', tail(event), nl);
  }
}

/**
 * One event as one JSON line (without the newline). Fields come in the
 * schema's order whatever order the event object has them in.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatJsonLine } from "./jsonl.ts";
 * const line = formatJsonLine({ op: "open", pid: 1, path: "a\udcff", mode: "r" });
 * assertEquals(line, '{"op":"open","pid":1,"path":"a\ufffd","mode":"r","path_b64":"Yf8="}');
 * ```
 */
export function formatJsonLine(event: TraceEvent): string {
  return line(event, false);
}

/**
 * `formatJsonLine(event) + "\n"`, in fewer pieces: what a `BatchEncoder`
 * writing JSON Lines should be given.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatJsonLineNewline } from "./jsonl.ts";
 * assertEquals(formatJsonLineNewline({ op: "fork", pid: 1, child: 2 }), '{"op":"fork","pid":1,"child":2}\n');
 * ```
 */
export function formatJsonLineNewline(event: TraceEvent): string {
  return line(event, true);
}

/**
 * `formatJsonLineNewline` of the open event given as its fields (see
 * `EventSink.open`), without the object. With `plain`, `path` and `abs` are
 * not looked at: they must have nothing JSON escapes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatJsonOpenLine } from "./jsonl.ts";
 * assertEquals(
 *   formatJsonOpenLine(7, "a", "/w/a", "rw"),
 *   '{"op":"open","pid":7,"path":"a","abs":"/w/a","mode":"rw"}\n',
 * );
 * ```
 */
export function formatJsonOpenLine(
  pid: number,
  path: string,
  abs: string | undefined,
  mode: OpenEvent["mode"],
  plain = false,
): string {
  extras = "";
  const strings = !plain
    ? pathAbs(path, abs)
    : abs === undefined
    ? path
    : path + '","abs":"' + abs;
  return OPEN.of("open", pid) + strings + close(modeField(mode), extras, true);
}

/** A constant piece of JSON as bytes. */
const ascii = (text: string) => new AsciiBytes(new TextEncoder().encode(text));

/**
 * `{"op":"<op>","pid":<pid><field>` as bytes, its pid rewritten in place when
 * it changes (the bytes counterpart of `Head`).
 */
class HeadBytes {
  /** The head, in the first `#length` bytes. */
  #bytes = new Uint8Array(64);
  #view = viewOf(this.#bytes);
  #length = 0;
  /** Where the pid starts. */
  #at: number;
  #field: Uint8Array;
  #pid = -1;

  /** `field`: the first field after the pid, with its colon (and quote). */
  constructor(op: string, field: string) {
    const start = new TextEncoder().encode(`{"op":"${op}","pid":`);
    this.#bytes.set(start);
    this.#at = start.length;
    this.#field = new TextEncoder().encode(field);
  }

  /** Writes the head of `r`'s pid at `at`; returns where it ends. */
  put(out: DataView, at: number, r: RawRecord): number {
    if (r.pid !== this.#pid) this.#make(r);
    return copyAscii(out, at, this.#view, 0, this.#length);
  }

  #make(r: RawRecord): void {
    const bytes = this.#bytes;
    const src = r.src;
    let at = this.#at;
    // At most 10 digits: the head fits.
    for (let i = r.pid0; i < r.pid1; i++) bytes[at++] = src[i];
    const field = this.#field;
    for (let i = 0; i < field.length; i++) bytes[at++] = field[i];
    this.#length = at;
    this.#pid = r.pid;
  }
}

const HEADS = {
  open: new HeadBytes("open", ',"path":"'),
  exec: new HeadBytes("exec", ',"path":"'),
  unlink: new HeadBytes("unlink", ',"path":"'),
  stat: new HeadBytes("stat", ',"path":"'),
  fork: new HeadBytes("fork", ',"child":'),
  exit: new HeadBytes("exit", ',"status":'),
  rename: new HeadBytes("rename", ',"from":"'),
  link: new HeadBytes("link", ',"from":"'),
};

/** The other constant pieces of the records `writeJsonRecord` writes. */
const J = {
  abs: ascii('","abs":"'),
  r: ascii('","mode":"r"}\n'),
  w: ascii('","mode":"w"}\n'),
  rw: ascii('","mode":"rw"}\n'),
  quoteEnd: ascii('"}\n'),
  signal: ascii(',"signal":'),
  end: ascii("}\n"),
  to: ascii('","to":"'),
  fromAbs: ascii('","from_abs":"'),
  toAbs: ascii('","to_abs":"'),
  quote: ascii('"'),
};

/** Writes the constant `piece` at `at`; returns where it ends. */
function put(out: DataView, at: number, piece: AsciiBytes): number {
  return copyAscii(out, at, piece.view, 0, piece.length);
}

/**
 * `formatJsonLineNewline` of the event of a log record read in place (see
 * `RawRecord`), as bytes written into `out` at `at`; returns where they end.
 * The `RecordWriter` of JSON Lines.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ABS_SAME, RawRecord, viewOf } from "./_raw_record.ts";
 * import { writeJsonRecord } from "./jsonl.ts";
 * const r = new RawRecord();
 * r.src = new TextEncoder().encode("E 42 /bin/sh");
 * r.view = viewOf(r.src);
 * [r.kind, r.start, r.end, r.pid, r.pid0, r.pid1, r.a0, r.a1, r.aAbs] =
 *   [0x45, 0, 12, 42, 2, 4, 5, 12, ABS_SAME];
 * const out = new Uint8Array(200);
 * const end = writeJsonRecord(viewOf(out), 0, r);
 * assertEquals(
 *   new TextDecoder().decode(out.subarray(0, end)),
 *   '{"op":"exec","pid":42,"path":"/bin/sh","abs":"/bin/sh"}\n',
 * );
 * ```
 */
export function writeJsonRecord(
  out: DataView,
  at: number,
  r: RawRecord,
): number {
  const src = r.view;
  const kind = r.kind;
  let o = at;
  switch (kind) {
    case 0x46: /* F */
      o = HEADS.fork.put(out, o, r);
      o = copyAscii(out, o, src, r.a0, r.a1);
      return put(out, o, J.end);
    case 0x58: /* X */
      o = HEADS.exit.put(out, o, r);
      o = copyAscii(out, o, src, r.a0, r.a1);
      if (r.b0 >= 0) {
        o = put(out, o, J.signal);
        o = copyAscii(out, o, src, r.b0, r.b1);
      }
      return put(out, o, J.end);
    case 0x4d: /* M */
    case 0x4c: /* L */ {
      o = (kind === 0x4d ? HEADS.rename : HEADS.link).put(out, o, r);
      o = copyAscii(out, o, src, r.a0, r.a1);
      o = put(out, o, J.to);
      o = copyAscii(out, o, src, r.b0, r.b1);
      if (r.aAbs !== ABS_NONE) {
        o = put(out, o, J.fromAbs);
        if (r.aAbs === ABS_JOIN) o = put(out, o, r.aDir);
        o = copyAscii(out, o, src, r.a0, r.a1);
      }
      if (r.bAbs !== ABS_NONE) {
        o = put(out, o, J.toAbs);
        if (r.bAbs === ABS_JOIN) o = put(out, o, r.bDir);
        o = copyAscii(out, o, src, r.b0, r.b1);
      }
      return put(out, o, J.quoteEnd);
    }
    default: {
      // One path: R, W, R+W, E, D, S.
      o =
        (kind === 0x45
          ? HEADS.exec
          : kind === 0x44
          ? HEADS.unlink
          : kind === 0x53
          ? HEADS.stat
          : HEADS.open).put(out, o, r);
      if (r.aAbs === ABS_SAME) {
        // The path twice, `","abs":"` between.
        const n = r.a1 - r.a0;
        copyAsciiTwice(out, o, o + n + J.abs.length, src, r.a0, r.a1);
        o = put(out, o + n, J.abs) + n;
      } else {
        o = copyAscii(out, o, src, r.a0, r.a1);
        if (r.aAbs === ABS_JOIN) {
          o = put(out, o, J.abs);
          o = put(out, o, r.aDir);
          o = copyAscii(out, o, src, r.a0, r.a1);
        }
      }
      return put(
        out,
        o,
        kind === 0x52
          ? J.r
          : kind === 0x57
          ? J.w
          : kind === KIND_RW
          ? J.rw
          : J.quoteEnd,
      );
    }
  }
}

let encoder: BatchEncoder | undefined;

/** Encodes a batch of events as JSON Lines bytes. */
export function encodeJsonLines(events: Iterable<TraceEvent>): Uint8Array {
  encoder ??= new BatchEncoder(formatJsonLineNewline);
  // A copy: the encoder's bytes are only good until its next batch.
  return encoder.encode(events).slice();
}

/**
 * Turns event batches into JSON Lines bytes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { JsonLinesEncoderStream } from "./jsonl.ts";
 * const stream = ReadableStream.from([[{ op: "bye" } as const]])
 *   .pipeThrough(new JsonLinesEncoderStream());
 * const chunks = await Array.fromAsync(stream);
 * assertEquals(chunks.map((b) => new TextDecoder().decode(b)), ['{"op":"bye"}\n']);
 * ```
 */
export class JsonLinesEncoderStream
  extends TransformStream<readonly TraceEvent[], Uint8Array> {
  constructor() {
    super({
      transform(events, controller) {
        const bytes = encodeJsonLines(events);
        if (bytes.length > 0) controller.enqueue(bytes);
      },
    });
  }
}

/** What a field of an event must hold. */
type Kind =
  | "int"
  | "pid"
  | "version"
  | "num"
  | "str"
  | "bool"
  | "mode"
  | "argv"
  | "node";

const KIND_TEST: Record<Kind, (v: unknown) => boolean> = {
  int: (v) => Number.isSafeInteger(v),
  pid: (v) =>
    Number.isSafeInteger(v) && v as number >= 0 && v as number <= 0x7fffffff,
  version: (v) => v === 4 || v === 5,
  num: (v) => typeof v === "number" && Number.isFinite(v),
  str: (v) => typeof v === "string",
  bool: (v) => typeof v === "boolean",
  mode: (v) => v === "r" || v === "w" || v === "rw",
  argv: (v) => Array.isArray(v) && v.every((a) => typeof a === "string"),
  node: (v) =>
    v === "fifo" || v === "socket" || v === "char" || v === "block" ||
    v === "file",
};

const KIND_NAME: Record<Kind, (field: string) => string> = {
  int: (f) => `an integer "${f}"`,
  pid: (f) => `an integer "${f}" from 0 to 2147483647`,
  version: (f) => `a "${f}" of 4 or 5 (the filemon versions there are)`,
  num: (f) => `a number "${f}"`,
  str: (f) => `a string "${f}"`,
  bool: (f) => `a boolean "${f}"`,
  mode: (f) => `a "${f}" of "r", "w" or "rw"`,
  argv: (f) => `an array of strings "${f}"`,
  node: (f) => `a "${f}" of "fifo", "socket", "char", "block" or "file"`,
};

/**
 * Each op's fields, from the README's schema: `name:kind`, with `?` when the
 * field is optional. Fields not listed are let through untouched.
 */
const PATH_1 = "pid:pid path:str abs:str? anon:bool? error:str? time:num?";
const XATTR = "pid:pid path:str abs:str? name:str? error:str? time:num?";
const SCHEMA: Record<TraceEvent["op"], string> = {
  exec: "pid:pid path:str abs:str? anon:bool? argv:argv? error:str? " +
    "time:num?",
  fork: "pid:pid child:pid error:str? time:num?",
  exit: "pid:pid status:int signal:int? error:str? time:num?",
  chdir: PATH_1,
  unlink: PATH_1,
  link: "pid:pid from:str to:str from_abs:str? to_abs:str? symbolic:bool? " +
    "error:str? time:num?",
  rename: "pid:pid from:str to:str from_abs:str? to_abs:str? " +
    "exchange:bool? noreplace:bool? whiteout:bool? error:str? time:num?",
  open: "pid:pid path:str abs:str? mode:mode create:bool? trunc:bool? " +
    "tmpfile:bool? anon:bool? error:str? time:num?",
  openat: "pid:pid path:str error:str? time:num?",
  stat: PATH_1,
  rmdir: PATH_1,
  mkdir: PATH_1,
  truncate: PATH_1,
  chmod: PATH_1,
  chown: PATH_1,
  utime: PATH_1,
  access: PATH_1,
  readlink: PATH_1,
  lookup: PATH_1,
  mknod: "pid:pid path:str abs:str? type:node error:str? time:num?",
  setxattr: XATTR,
  removexattr: XATTR,
  getxattr: XATTR,
  listxattr: XATTR,
  begin: "version:version",
  target: "pid:pid",
  start: "time:num",
  stop: "time:num",
  version: "version:version",
  bye: "",
  comment: "text:str",
};

interface FieldRule {
  name: string;
  required: boolean;
  test: (v: unknown) => boolean;
  kind: Kind;
}

interface Shape {
  fields: FieldRule[];
  /** `[field, field + "_b64"]` for each path field: raw bytes in base64. */
  b64: [string, string][];
  /** The op has `argv` (and so may have `argv_b64`). */
  argv: boolean;
}

const SHAPES = new Map<string, Shape>();
for (const [op, spec] of Object.entries(SCHEMA)) {
  const fields = spec.split(" ").filter((f) => f !== "").map((f) => {
    const [name, kind] = f.replace("?", "").split(":") as [string, Kind];
    return { name, kind, test: KIND_TEST[kind], required: !f.endsWith("?") };
  });
  SHAPES.set(op, {
    fields,
    b64: fields.filter((f) =>
      (PATH_FIELDS as readonly string[]).includes(f.name)
    )
      .map((f) => [f.name, `${f.name}_b64`]),
    argv: fields.some((f) => f.kind === "argv"),
  });
}

/** A short JSON rendering of a value for an error message. */
function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function fromBase64(b64: unknown, field: string, line: number): string {
  if (typeof b64 === "string") {
    try {
      return pathFromBase64(b64);
    } catch {
      // not base64: reported below
    }
  }
  throw new DecodeError(line, `"${field}" is not a base64 string`);
}

/**
 * Reads one JSON line back into an event, restoring raw path bytes from the
 * `_b64` fields. `line` is the 1-based line number for errors. Each op's
 * fields are checked against the schema: a required field missing, or any
 * known field of the wrong type, is a `DecodeError` that names the field.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { DecodeError } from "./decode_error.ts";
 * import { parseJsonLine } from "./jsonl.ts";
 * const e = parseJsonLine('{"op":"unlink","pid":3,"path":"a\ufffd","path_b64":"Yf8="}', 1);
 * assertEquals(e, { op: "unlink", pid: 3, path: "a\udcff" });
 * assertThrows(
 *   () => parseJsonLine('{"op":"unlink","path":"a"}', 7),
 *   DecodeError,
 *   `'unlink' needs an integer "pid"`,
 * );
 * ```
 */
export function parseJsonLine(text: string, line: number): TraceEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(
      line,
      `not JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DecodeError(line, "expected a JSON object");
  }
  const e = value as Record<string, unknown>;
  const op = e.op;
  const shape = typeof op === "string" ? SHAPES.get(op) : undefined;
  if (shape === undefined) {
    throw new DecodeError(
      line,
      op === undefined ? 'needs a string "op"' : `unknown op ${preview(op)}`,
    );
  }
  const fields = shape.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const v = e[f.name];
    if (v === undefined ? f.required : !f.test(v)) {
      // A pid or version that is no integer is named as an integer, an
      // integer out of range with the range.
      const what = KIND_NAME[
        !Number.isSafeInteger(v) && (f.kind === "pid" || f.kind === "version")
          ? "int"
          : f.kind
      ](f.name);
      throw new DecodeError(
        line,
        v === undefined
          ? `'${op}' needs ${what}`
          : `'${op}' needs ${what}${f.required ? "" : " or none"}, not ${
            preview(v)
          }`,
      );
    }
  }
  const b64 = shape.b64;
  for (let i = 0; i < b64.length; i++) {
    const [field, key] = b64[i];
    if (e[key] !== undefined) {
      e[field] = fromBase64(e[key], key, line);
      delete e[key];
    }
  }
  for (let i = 0; i < b64.length; i++) {
    const [field] = b64[i];
    const path = e[field];
    if (field !== "text" && typeof path === "string" && path.includes("\0")) {
      throw new DecodeError(
        line,
        `'${op}' has a NUL byte in "${field}", which no path or name can have`,
      );
    }
  }
  if (shape.argv && e.argv_b64 !== undefined) {
    const argv = e.argv;
    const raw = e.argv_b64;
    if (
      !Array.isArray(argv) || !Array.isArray(raw) || raw.length !== argv.length
    ) {
      throw new DecodeError(
        line,
        `'${op}' needs "argv_b64" to be an array as long as "argv"`,
      );
    }
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] !== null) argv[i] = fromBase64(raw[i], "argv_b64", line);
    }
    delete e.argv_b64;
  }
  if (
    shape.argv &&
    (e.argv as string[] | undefined)?.some((a) => a.includes("\0"))
  ) {
    throw new DecodeError(
      line,
      `'${op}' has a NUL byte in "argv", which no argument can have`,
    );
  }
  return e as unknown as TraceEvent;
}

/**
 * A streaming JSON Lines reader: bytes in, events out.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { JsonLinesDecoder } from "./jsonl.ts";
 * const d = new JsonLinesDecoder();
 * const events = d.push(new TextEncoder().encode('{"op":"bye"}\n{"op":"ta'));
 * assertEquals(events, [{ op: "bye" }]);
 * assertEquals(d.push(new TextEncoder().encode('rget","pid":5}')), []);
 * assertEquals(d.finish(), [{ op: "target", pid: 5 }]);
 * assertEquals(d.lines, 2);
 * ```
 */
export class JsonLinesDecoder {
  #splitter = new LineSplitter(MAX_LINE);
  #sink: LineSink = {
    lines: (bytes, start, end) => this.#lines(bytes, start, end),
    tooLong: () => {
      throw this.#splitter.tooLong(++this.#line);
    },
  };
  /** Where the lines being decoded put their events. */
  #out: TraceEvent[] = [];
  #line = 0;
  /** A byte order mark is skipped on the first line only (see `#lines`). */
  #decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  /** Lines read so far. */
  get lines(): number {
    return this.#line;
  }

  /** Decodes the complete lines in `chunk`. */
  push(chunk: Uint8Array): TraceEvent[] {
    const out: TraceEvent[] = [];
    this.#out = out;
    this.#splitter.push(chunk, this.#sink);
    return out;
  }

  /** Decodes a last line without newline. */
  finish(): TraceEvent[] {
    const out: TraceEvent[] = [];
    this.#out = out;
    const rest = this.#splitter.finish();
    if (rest !== undefined) this.#lines(rest, 0, rest.length);
    return out;
  }

  #lines(bytes: Uint8Array, start: number, end: number): void {
    if (this.#line === 0) {
      start += inputStart(bytes, start, end, "JSON Lines are UTF-8");
    }
    const text = this.#decoder.decode(bytes.subarray(start, end));
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) this.#take(lines[i]);
  }

  #take(raw: string): void {
    this.#line++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
    this.#out.push(parseJsonLine(line, this.#line));
  }
}
