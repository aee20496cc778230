/**
 * Reading a trace for the commands that build on one (`graph`, `report`,
 * `manifest`, `diff`, `timeline`): JSON Lines, a filemon log or a .meta file, the kind detected
 * from the first text, events handed on one at a time; or, where a command
 * also takes one, a manifest (`filemon manifest`'s JSON), returned whole.
 *
 * @module
 */

import { DecodeError } from "../decode_error.ts";
import type { TraceEvent } from "../event.ts";
import { FilemonDecoder } from "../filemon_decoder.ts";
import { JsonLinesDecoder } from "../jsonl.ts";
import { inputName } from "./args.ts";
import { type CommandIO, openInput } from "./io.ts";

/** How a manifest begins (`formatManifest` writes `format` first). */
const MANIFEST_START = /^\s*\{\s*"format"\s*:\s*"filemon-manifest"/;

/** A trace that cannot be decoded: its message names the input and the line. */
export class TraceInputError extends Error {
  override name = "TraceInputError";
}

/** Options of `readTrace`. */
export interface ReadTraceOptions {
  /** Working directory for relative paths of a filemon log. */
  cwd?: string;
  /** Accept a manifest too: its text is returned instead of events. */
  manifest?: boolean;
}

/**
 * Reads the trace at `path` (standard input for `-` or undefined), giving
 * each event to `onEvent`. Returns the text when the input is a manifest
 * (with `options.manifest`), else undefined. A decoding error becomes a
 * `TraceInputError` whose message names the input and the line.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import type { CommandIO } from "./io.ts";
 * import { readTrace } from "./trace_input.ts";
 * const text = '{"op":"exec","pid":1,"path":"/bin/true"}\n';
 * const io = {
 *   input: {
 *     open: () => Promise.resolve(new Blob([text]).stream()),
 *     stdin: () => new Blob([]).stream(),
 *   },
 * } as unknown as CommandIO;
 * const ops: string[] = [];
 * assertEquals(await readTrace(io, "t.jsonl", (e) => ops.push(e.op)), undefined);
 * assertEquals(ops, ["exec"]);
 * ```
 */
export async function readTrace(
  io: CommandIO,
  path: string | undefined,
  onEvent: (event: TraceEvent) => void,
  options: ReadTraceOptions = {},
): Promise<string | undefined> {
  const input = await openInput(io, path);
  let decoder:
    | { push(b: Uint8Array): TraceEvent[]; finish(): TraceEvent[] }
    | undefined;
  let manifest: Uint8Array[] | undefined;
  try {
    const held: Uint8Array[] = [];
    for await (const chunk of input) {
      if (manifest !== undefined) {
        manifest.push(chunk.slice());
        continue;
      }
      if (decoder === undefined) {
        let i = 0;
        while (
          i < chunk.length &&
          (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d ||
            chunk[i] === 0x09)
        ) i++;
        if (i === chunk.length) {
          held.push(chunk.slice());
          continue;
        }
        if (chunk[i] === 0x7b && options.manifest) {
          const head = new TextDecoder().decode(chunk.subarray(i, i + 200));
          if (MANIFEST_START.test(head)) {
            manifest = [...held, chunk.slice()];
            continue;
          }
        }
        decoder = chunk[i] === 0x7b
          ? new JsonLinesDecoder()
          : new FilemonDecoder({ cwd: options.cwd });
        for (const h of held) for (const e of decoder.push(h)) onEvent(e);
      }
      for (const e of decoder.push(chunk)) onEvent(e);
    }
    if (manifest !== undefined) {
      const text = new TextDecoder();
      return manifest.map((c) => text.decode(c, { stream: true })).join("") +
        text.decode();
    }
    for (const e of decoder?.finish() ?? []) onEvent(e);
  } catch (err) {
    if (err instanceof DecodeError) {
      throw new TraceInputError(`${inputName(path)}: ${err.message}`);
    }
    throw err;
  }
  return undefined;
}
