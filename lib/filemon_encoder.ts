/**
 * Writes events as filemon(4) log text, byte for byte what FreeBSD writes
 * (and, for a decoded log, what the producer wrote).
 *
 * Events filemon has no record for (mkdir, rmdir, truncate, chmod, chown,
 * utime, access, readlink, lookup, mknod, the xattr calls) and failed calls
 * (events with `error`) are left out, as the kernel leaves them out; JSON
 * Lines keeps them. So are events on a file with no name (`anon`: its `abs`
 * is no path). A rename that exchanged two files (`exchange`) is written as
 * a `W` line for each name: filemon has no letter for it, and a graph must
 * not take it for a rename that leaves `from` gone.
 *
 * @module
 */

import { pathOf, type TraceEvent } from "./event.ts";
import { BatchEncoder } from "./batch_encoder.ts";
import { copyAscii, type RawRecord } from "./_raw_record.ts";

/** Formats seconds since the epoch as filemon's `SEC.USEC` (six digits). */
export function formatTime(time: number): string {
  const usec = Math.round(time * 1e6);
  const sec = Math.floor(usec / 1e6);
  return `${sec}.${String(usec - sec * 1e6).padStart(6, "0")}`;
}

/**
 * The log line(s) for one event, each ending in `\n`; "" when filemon has
 * no record for it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatFilemon } from "./filemon_encoder.ts";
 * assertEquals(
 *   formatFilemon({ op: "open", pid: 4, path: "/etc/motd", mode: "rw" }),
 *   "R 4 /etc/motd\nW 4 /etc/motd\n",
 * );
 * assertEquals(
 *   formatFilemon({ op: "mkdir", pid: 4, path: "/tmp/d" }),
 *   "",
 * );
 * ```
 */
export function formatFilemon(event: TraceEvent): string {
  switch (event.op) {
    case "open":
      if (event.error !== undefined || event.anon) return "";
      if (event.mode === "r") return `R ${event.pid} ${event.path}\n`;
      if (event.mode === "w") return `W ${event.pid} ${event.path}\n`;
      return `R ${event.pid} ${event.path}\nW ${event.pid} ${event.path}\n`;
    case "exec":
      return event.error !== undefined || event.anon
        ? ""
        : `E ${event.pid} ${event.path}\n`;
    case "fork":
      return `F ${event.pid} ${event.child}\n`;
    case "exit":
      return event.signal === undefined
        ? `X ${event.pid} ${event.status}\n`
        : `X ${event.pid} ${event.status} ${event.signal}\n`;
    case "chdir":
      return event.error !== undefined ? "" : `C ${event.pid} ${event.path}\n`;
    case "unlink":
      return event.error !== undefined ? "" : `D ${event.pid} ${event.path}\n`;
    case "link":
      return event.error !== undefined
        ? ""
        : `L ${event.pid} '${event.from}' '${event.to}'\n`;
    case "rename":
      // An exchange has no letter: both names were written.
      return event.error !== undefined
        ? ""
        : event.exchange
        ? `W ${event.pid} ${event.from}\nW ${event.pid} ${event.to}\n`
        : `M ${event.pid} '${event.from}' '${event.to}'\n`;
    case "openat":
      return `A ${event.pid} ${event.path}\n`;
    case "stat":
      return event.error !== undefined || event.anon
        ? ""
        : `S ${event.pid} ${event.path}\n`;
    case "begin":
      return `# filemon version ${event.version}\n`;
    case "target":
      return `# Target pid ${event.pid}\n`;
    case "start":
      return `# Start ${formatTime(event.time)}\n`;
    case "version":
      return `V ${event.version}\n`;
    case "stop":
      return `# Stop ${formatTime(event.time)}\n`;
    case "bye":
      return "# Bye bye\n";
    case "comment":
      return `#${event.text}\n`;
    default:
      return "";
  }
}

/**
 * The log line(s) for one event with absolute paths where the event has
 * them (`abs`, `from_abs`, `to_abs`): what `filemon trace` writes, so a
 * reader needs no working directory. A symlink's text stays as written.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatFilemonAbsolute } from "./filemon_encoder.ts";
 * assertEquals(
 *   formatFilemonAbsolute({ op: "unlink", pid: 4, path: "x", abs: "/w/x" }),
 *   "D 4 /w/x\n",
 * );
 * ```
 */
export function formatFilemonAbsolute(event: TraceEvent): string {
  switch (event.op) {
    case "open":
    case "exec":
    case "chdir":
    case "unlink":
    case "stat":
      return event.abs === undefined
        ? formatFilemon(event)
        : formatFilemon({ ...event, path: event.abs });
    case "rename":
      return formatFilemon({
        ...event,
        from: event.from_abs ?? event.from,
        to: event.to_abs ?? event.to,
      });
    case "link":
      return formatFilemon({
        ...event,
        from: event.symbolic ? event.from : event.from_abs ?? event.from,
        to: event.to_abs ?? event.to,
      });
    default:
      return formatFilemon(event);
  }
}

/**
 * Turns event batches into log bytes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FilemonEncoderStream } from "./filemon_encoder.ts";
 * const stream = ReadableStream.from([[{ op: "bye" } as const]])
 *   .pipeThrough(new FilemonEncoderStream());
 * const chunks = await Array.fromAsync(stream);
 * assertEquals(chunks.map((b) => new TextDecoder().decode(b)), ["# Bye bye\n"]);
 * ```
 */
export class FilemonEncoderStream
  extends TransformStream<readonly TraceEvent[], Uint8Array> {
  constructor() {
    super({
      transform(events, controller) {
        const bytes = encodeFilemon(events);
        if (bytes.length > 0) controller.enqueue(bytes);
      },
    });
  }
}

/**
 * `formatFilemon` of the event of a log record read in place (see
 * `RawRecord`), as bytes written into `out` at `at`: the record's own line(s)
 * and a newline. The `RecordWriter` of filemon text.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { KIND_RW, RawRecord, viewOf } from "./_raw_record.ts";
 * import { writeFilemonRecord } from "./filemon_encoder.ts";
 * const r = new RawRecord();
 * r.src = new TextEncoder().encode("R 1 /a\nW 1 /a");
 * r.view = viewOf(r.src);
 * [r.kind, r.start, r.end] = [KIND_RW, 0, 13];
 * const out = new Uint8Array(64);
 * const end = writeFilemonRecord(viewOf(out), 0, r);
 * assertEquals(new TextDecoder().decode(out.subarray(0, end)), "R 1 /a\nW 1 /a\n");
 * ```
 */
export function writeFilemonRecord(
  out: DataView,
  at: number,
  r: RawRecord,
): number {
  // The record's lines are what `formatFilemon` would write: the decoder
  // reads in place only lines it would write back the same.
  at = copyAscii(out, at, r.view, r.start, r.end);
  out.setUint8(at, 0x0a);
  return at + 1;
}

let encoder: BatchEncoder | undefined;

/** Encodes a batch of events as log bytes (paths keep their raw bytes). */
export function encodeFilemon(events: Iterable<TraceEvent>): Uint8Array {
  encoder ??= new BatchEncoder(formatFilemon);
  // A copy: the encoder's bytes are only good until its next batch.
  return encoder.encode(events).slice();
}

/**
 * Whether filemon's line format can carry an event's paths: not a newline,
 * nor `' '` in a link or rename (which separates its two quoted paths).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fitsFilemon } from "./filemon_encoder.ts";
 * assertEquals(fitsFilemon({ op: "unlink", pid: 1, path: "/a\nb" }), false);
 * assertEquals(
 *   fitsFilemon({ op: "rename", pid: 1, from: "/a' 'b", to: "/c" }),
 *   false,
 * );
 * assertEquals(fitsFilemon({ op: "open", pid: 1, path: "/a b", mode: "r" }), true);
 * ```
 */
export function fitsFilemon(event: TraceEvent): boolean {
  switch (event.op) {
    case "link":
    case "rename": {
      const a = event.from_abs ?? event.from;
      const b = event.to_abs ?? event.to;
      return !a.includes("\n") && !b.includes("\n") && !a.includes("' '") &&
        !b.includes("' '");
    }
    default:
      return !("path" in event) ||
        !pathOf(event).includes("\n");
  }
}
