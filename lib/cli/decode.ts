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
import { DecodeError } from "../decode_error.ts";
import { FilemonDecoder } from "../filemon_decoder.ts";
import { BatchEncoder } from "../batch_encoder.ts";
import { formatFilemon } from "../filemon_encoder.ts";
import { formatJsonLineNewline } from "../jsonl.ts";
import type { TraceEvent } from "../event.ts";

export const DECODE_HELP =
  `filemon decode: turn a filemon log or bmake .meta file into JSON Lines

Usage: filemon decode [FILE|-] [options]

Reads FILE (standard input when FILE is - or absent): a filemon(4) log from
FreeBSD (version 4 or 5) or NetBSD, or a bmake .meta file (the log after its
'-- filemon acquired metadata --' line). Writes one event per line.

Options:
  -f, --format FMT   jsonl (default) or filemon (the log text, byte for byte)
  -o, --output FILE  write to FILE (whole or not at all) instead of stdout
      --cwd DIR      working directory of the traced command, to make
                     relative paths absolute (a .meta file's CWD by default)
      --meta         the input is a .meta file even without its usual first line
      --lenient      skip malformed lines with a warning instead of failing
  -h, --help         show this help

Exit status: 0 on success, 1 when the input cannot be decoded, 2 on a usage error.`;

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
  const encoder = new BatchEncoder(
    format === "jsonl" ? formatJsonLineNewline : formatFilemon,
  );
  const encode = (events: TraceEvent[]) => encoder.encode(events);
  const output = Output.open(io.files, stringFlag(args, "output"), 1);
  try {
    for await (const chunk of input) {
      const events = decoder.push(chunk);
      if (events.length > 0) output.write(encode(events));
      if (output.failed) break;
    }
    if (!output.failed) {
      const rest = decoder.finish();
      if (rest.length > 0) output.write(encode(rest));
    }
  } catch (err) {
    output.abort();
    if (err instanceof DecodeError) {
      printError(io, `filemon: ${inputName(inputPath)}: ${err.message}`);
      return 1;
    }
    throw err;
  }
  output.close();
  if (decoder.metaWithoutLog) {
    printError(
      io,
      `filemon: warning: ${
        inputName(inputPath)
      } is a .meta file without a '-- filemon acquired metadata --' section (bmake ran without filemon)`,
    );
  }
  if (warnings > 0) {
    printError(
      io,
      `filemon: skipped ${warnings} malformed line${warnings === 1 ? "" : "s"}`,
    );
  }
  return 0;
}
