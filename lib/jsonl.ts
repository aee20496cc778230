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

import { DecodeError } from "./decode_error.ts";
import { ACTION_OPS, type TraceEvent } from "./event.ts";
import { decodePath, pathFromBase64, pathToBase64 } from "./path.ts";

const PATH_FIELDS = [
  "path",
  "abs",
  "from",
  "to",
  "from_abs",
  "to_abs",
  "text",
] as const;

const FRAME_OPS = [
  "begin",
  "target",
  "start",
  "version",
  "stop",
  "bye",
  "comment",
];
const OPS: ReadonlySet<string> = new Set([...ACTION_OPS, ...FRAME_OPS]);

/** Strings that JSON needs no escapes for and that hold no surrogates. */
// JSON escapes control characters, so they leave the fast path.
// deno-lint-ignore no-control-regex
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** `,"<field>_b64":"..."` entries for the line being written. */
let extras = "";

/** A quoted JSON string for a path field; raw bytes go to `extras`. */
function q(field: string, s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  if (s.isWellFormed()) return JSON.stringify(s);
  extras += `,"${field}_b64":"${pathToBase64(s)}"`;
  return JSON.stringify(s.toWellFormed());
}

function opt(field: string, s: string | undefined): string {
  return s === undefined ? "" : `,"${field}":${q(field, s)}`;
}

function tail(e: { error?: string; time?: number }): string {
  let t = "";
  if (e.error !== undefined) t += `,"error":${JSON.stringify(e.error)}`;
  if (e.time !== undefined) t += `,"time":${e.time}`;
  return t + extras + "}";
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

/**
 * One event as one JSON line (without the newline). Fields come in the
 * schema's order whatever order the event object has them in.
 *
 * @example
 * ```ts
 * import { formatJsonLine } from "./jsonl.ts";
 * const line = formatJsonLine({ op: "open", pid: 1, path: "a\udcff", mode: "r" });
 * console.assert(line === '{"op":"open","pid":1,"path":"a\ufffd","mode":"r","path_b64":"Yf8="}');
 * ```
 */
export function formatJsonLine(event: TraceEvent): string {
  extras = "";
  switch (event.op) {
    case "open":
      return `{"op":"open","pid":${event.pid},"path":${q("path", event.path)}${
        opt("abs", event.abs)
      },"mode":"${event.mode}"${event.create ? ',"create":true' : ""}${
        event.trunc ? ',"trunc":true' : ""
      }${tail(event)}`;
    case "exec":
      return `{"op":"exec","pid":${event.pid},"path":${q("path", event.path)}${
        opt("abs", event.abs)
      }${event.argv === undefined ? "" : argvJson(event.argv)}${tail(event)}`;
    case "fork":
      return `{"op":"fork","pid":${event.pid},"child":${event.child}${
        tail(event)
      }`;
    case "exit":
      return `{"op":"exit","pid":${event.pid},"status":${event.status}${
        event.signal === undefined ? "" : `,"signal":${event.signal}`
      }${tail(event)}`;
    case "link":
    case "rename":
      return `{"op":"${event.op}","pid":${event.pid},"from":${
        q("from", event.from)
      },"to":${q("to", event.to)}${opt("from_abs", event.from_abs)}${
        opt("to_abs", event.to_abs)
      }${
        event.op === "link" && event.symbolic !== undefined
          ? `,"symbolic":${event.symbolic}`
          : ""
      }${tail(event)}`;
    case "openat":
      return `{"op":"openat","pid":${event.pid},"path":${
        q("path", event.path)
      }${tail(event)}`;
    case "begin":
      return `{"op":"begin","version":${event.version}}`;
    case "target":
      return `{"op":"target","pid":${event.pid}}`;
    case "start":
    case "stop":
      return `{"op":"${event.op}","time":${event.time}}`;
    case "version":
      return `{"op":"version","version":${event.version}}`;
    case "bye":
      return `{"op":"bye"}`;
    case "comment":
      return `{"op":"comment","text":${q("text", event.text)}${extras}}`;
    default:
      // chdir, unlink, stat and the extra ops: one path.
      return `{"op":"${event.op}","pid":${event.pid},"path":${
        q("path", event.path)
      }${opt("abs", event.abs)}${tail(event)}`;
  }
}

/** Encodes a batch of events as JSON Lines bytes. */
export function encodeJsonLines(events: Iterable<TraceEvent>): Uint8Array {
  let text = "";
  for (const event of events) text += formatJsonLine(event) + "\n";
  return new TextEncoder().encode(text);
}

/**
 * Turns event batches into JSON Lines bytes.
 *
 * @example
 * ```ts
 * import { JsonLinesEncoderStream } from "./jsonl.ts";
 * const stream = ReadableStream.from([[{ op: "bye" } as const]])
 *   .pipeThrough(new JsonLinesEncoderStream());
 * const [bytes] = await Array.fromAsync(stream);
 * console.assert(new TextDecoder().decode(bytes) === '{"op":"bye"}\n');
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

/**
 * Reads one JSON line back into an event, restoring raw path bytes from the
 * `_b64` fields. `line` is the 1-based line number for errors.
 *
 * @example
 * ```ts
 * import { parseJsonLine } from "./jsonl.ts";
 * const e = parseJsonLine('{"op":"unlink","pid":3,"path":"a\ufffd","path_b64":"Yf8="}', 1);
 * console.assert(e.op === "unlink" && e.path === "a\udcff");
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
  if (typeof e.op !== "string" || !OPS.has(e.op)) {
    throw new DecodeError(
      line,
      `unknown op ${JSON.stringify(e.op)}`,
    );
  }
  if (e.pid !== undefined && !Number.isInteger(e.pid)) {
    throw new DecodeError(line, "pid is not an integer");
  }
  for (const field of PATH_FIELDS) {
    const b64 = e[`${field}_b64`];
    if (typeof b64 === "string") {
      e[field] = pathFromBase64(b64);
      delete e[`${field}_b64`];
    }
  }
  if (Array.isArray(e.argv_b64) && Array.isArray(e.argv)) {
    const argv = e.argv as string[];
    (e.argv_b64 as (string | null)[]).forEach((b64, i) => {
      if (typeof b64 === "string") argv[i] = pathFromBase64(b64);
    });
    delete e.argv_b64;
  }
  return e as unknown as TraceEvent;
}

/**
 * A streaming JSON Lines reader: bytes in, events out.
 *
 * @example
 * ```ts
 * import { JsonLinesDecoder } from "./jsonl.ts";
 * const d = new JsonLinesDecoder();
 * const events = d.push(new TextEncoder().encode('{"op":"bye"}\n'));
 * console.assert(events.length === 1 && d.finish().length === 0);
 * ```
 */
export class JsonLinesDecoder {
  #carry = new Uint8Array(0);
  #line = 0;
  #decoder = new TextDecoder();

  /** Lines read so far. */
  get lines(): number {
    return this.#line;
  }

  /** Decodes the complete lines in `chunk`. */
  push(chunk: Uint8Array): TraceEvent[] {
    let bytes = chunk;
    if (this.#carry.length > 0) {
      bytes = new Uint8Array(this.#carry.length + chunk.length);
      bytes.set(this.#carry);
      bytes.set(chunk, this.#carry.length);
    }
    const last = bytes.lastIndexOf(10);
    const out: TraceEvent[] = [];
    if (last < 0) {
      this.#carry = bytes.slice();
      return out;
    }
    this.#carry = bytes.slice(last + 1);
    const text = this.#decoder.decode(bytes.subarray(0, last));
    for (const line of text.split("\n")) this.#take(line, out);
    return out;
  }

  /** Decodes a last line without newline. */
  finish(): TraceEvent[] {
    const out: TraceEvent[] = [];
    if (this.#carry.length > 0) {
      const text = decodePath(this.#carry);
      this.#carry = new Uint8Array(0);
      this.#take(text, out);
    }
    return out;
  }

  #take(raw: string, out: TraceEvent[]): void {
    this.#line++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
    out.push(parseJsonLine(line, this.#line));
  }
}
