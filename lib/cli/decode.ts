/**
 * `filemon decode`: a filemon log or bmake .meta file to JSON Lines (or back
 * to filemon text), streaming.
 *
 * @module
 */

import {
  absolutePathFlag,
  choiceFlag,
  inputName,
  parseCommandArgs,
  stringFlag,
  UsageError,
} from "./args.ts";
import { type CommandIO, openInput, printError, printLine } from "./io.ts";
import { Output } from "./output.ts";
import { DecodeError, escapeText } from "../decode_error.ts";
import { FilemonDecoder } from "../filemon_decoder.ts";
import { BatchEncoder } from "../batch_encoder.ts";
import { formatFilemon, writeFilemonRecord } from "../filemon_encoder.ts";
import {
  formatJsonLineNewline,
  formatJsonOpenLine,
  writeJsonRecord,
} from "../jsonl.ts";

export const DECODE_HELP =
  `filemon decode: turn a filemon log or bmake .meta file into JSON Lines

Usage: filemon decode [FILE|-] [options]

Reads FILE (standard input when FILE is - or absent): a filemon(4) log from
FreeBSD (version 4 or 5) or NetBSD, or a bmake .meta file (the log after its
'-- filemon acquired metadata --' line). Writes one event per line.
A UTF-8 byte order mark is skipped. Refused, naming the line: UTF-16 input,
versions other than 4 and 5, negative pids, NUL bytes in paths. An empty
input gives an empty output and a warning.

Options:
  -f, --format FMT   jsonl (default) or filemon (the log text, byte for byte)
  -o, --output FILE  write to FILE (whole or not at all) instead of stdout
      --cwd DIR      working directory of the traced command, to make
                     relative paths absolute (a .meta file's CWD by default)
      --meta         the input is a .meta file even without its usual first line
      --lenient      skip malformed lines with a warning instead of failing
  -h, --help         show this help

Exit status: 0 on success, 1 when the input cannot be decoded, 2 on a usage error.`;

/**
 * Bytes asked for by each read: a few large reads cost less than many small
 * (but under Deno, reads of 2 MiB and more leave the heap much larger).
 */
const READ_SIZE = 1 << 20;
/**
 * Bytes decoded and encoded at a time: the size of the chunks a file's
 * stream gives (so an error leaves the same output written before it), and
 * small enough that their text is no costly large object for the garbage
 * collector.
 */
const BATCH = 1 << 16;
/** Bytes of output gathered before a write to a regular file: fewer, larger writes are faster. */
const GATHER = 1 << 18;

/**
 * The stream's chunks. From a byte stream (a file under Deno) they are read
 * into two buffers of `READ_SIZE` in turn, the next read running while a
 * chunk is decoded; from another stream they come as it gives them. A chunk
 * is valid until the next one is asked for.
 */
async function* chunks(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: "byob" });
  } catch {
    yield* stream;
    return;
  }
  let spare = new Uint8Array(READ_SIZE);
  let next = reader.read(new Uint8Array(READ_SIZE));
  let done = false;
  try {
    for (;;) {
      const read = await next;
      if (read.done) break;
      // The next chunk is read while this one is decoded.
      next = reader.read(spare);
      yield read.value;
      spare = new Uint8Array(read.value.buffer);
    }
    done = true;
  } finally {
    if (!done) {
      await reader.cancel();
      await next.catch(() => {});
    }
    reader.releaseLock();
  }
}

/** Runs `filemon decode`; returns the exit code. */
export async function decodeCommand(
  argv: string[],
  io: CommandIO,
): Promise<number> {
  const args = parseCommandArgs("decode", argv, {
    boolean: ["help", "lenient", "meta"],
    string: ["format", "output", "cwd"],
    alias: { h: "help", f: "format", o: "output" },
  });
  if (args.help) {
    printLine(io, DECODE_HELP);
    return 0;
  }
  const format = choiceFlag(args, "format", ["jsonl", "filemon"], "jsonl");
  if (args._.length > 1) {
    throw new UsageError(
      `decode takes one input file, got ${args._.length}: ${args._.join(" ")}`,
    );
  }
  const cwd = absolutePathFlag(args, "cwd");
  const inputPath = args._[0];
  /** The input's name for messages, safe to print. */
  const name = escapeText(inputName(inputPath));
  const input = await openInput(io, inputPath);
  let warnings = 0;
  const decoder = new FilemonDecoder({
    cwd,
    lenient: args.lenient === true,
    input: args.meta === true ? "meta" : "auto",
    onWarning: (err) => {
      warnings++;
      printError(io, `filemon: warning: ${err.message}`);
    },
  });
  const encoder = format === "jsonl"
    ? new BatchEncoder(
      formatJsonLineNewline,
      formatJsonOpenLine,
      writeJsonRecord,
    )
    : new BatchEncoder(formatFilemon, undefined, writeFilemonRecord);
  const outputPath = stringFlag(args, "output");
  const output = Output.open(io.files, outputPath, 1);
  // A regular file appears whole, when complete: its writes can wait for
  // several batches. Anything else gets each batch as soon as it is decoded,
  // in step with the warnings on standard error.
  const gather = outputPath !== undefined && outputPath !== "-" &&
      io.files.kind(outputPath) !== "other"
    ? GATHER
    : 0;
  /** Bytes of whole batches not written yet. */
  let gathered = 0;
  try {
    reading: for await (const chunk of chunks(input)) {
      for (let at = 0; at < chunk.length; at += BATCH) {
        decoder.pushTo(chunk.subarray(at, at + BATCH), encoder);
        gathered = encoder.flush();
        if (gathered > gather) {
          output.write(encoder.take());
          gathered = 0;
          if (output.failed) break reading;
        }
      }
    }
    if (!output.failed) {
      decoder.finishTo(encoder);
      const bytes = encoder.take();
      if (bytes.length > 0) output.write(bytes);
    }
  } catch (err) {
    // What the batches before the bad one gave is written, as it would have
    // been batch by batch; had that failed, decoding would have stopped there.
    if (gathered > 0) output.write(encoder.take().subarray(0, gathered));
    if (!output.failed) {
      output.abort();
      if (err instanceof DecodeError) {
        printError(io, `filemon: ${name}: ${err.message}`);
        return 1;
      }
      throw err;
    }
  }
  output.close();
  if (decoder.metaWithoutLog) {
    printError(
      io,
      `filemon: warning: ${name} is a .meta file without a '-- filemon acquired metadata --' section (bmake ran without filemon)`,
    );
  }
  if (decoder.lines === 0) {
    // Not an error (an empty input decodes to an empty output), but most
    // likely not the file meant.
    printError(io, `filemon: warning: ${name} is empty: no records`);
  }
  if (warnings > 0) {
    printError(
      io,
      `filemon: skipped ${warnings} malformed line${warnings === 1 ? "" : "s"}`,
    );
  }
  return 0;
}
