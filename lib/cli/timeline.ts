/**
 * `filemon timeline TRACE -o FILE.json`: a trace as a Chrome trace-event
 * file for ui.perfetto.dev or chrome://tracing (see
 * `lib/timeline/timeline.ts`).
 *
 * @module
 */

import { parseCommandArgs, stringFlag, UsageError } from "./args.ts";
import { type CommandIO, printLine } from "./io.ts";
import { Output } from "./output.ts";
import { readTrace } from "./trace_input.ts";
import { TimelineBuilder, timelineJson } from "../timeline/timeline.ts";

export const TIMELINE_HELP =
  `filemon timeline: a trace as a timeline for ui.perfetto.dev or chrome://tracing

Usage: filemon timeline [TRACE|-] [-o FILE.json] [--reads]

Reads a JSON Lines trace ('filemon trace -f jsonl': it has the timestamps;
a filemon log has none) and writes the Chrome trace-event format: one track
per process, from its fork to its exit, named by its program and pid and
ordered by the process tree, each exec inside it named by its argv; forks
as arrows; writes, renames, links and deletes as instant events.

Options:
  -o, --output FILE  write to FILE (whole or not at all) instead of stdout
      --reads        also mark every read and exec (there are many)
  -h, --help         show this help`;

/** Runs `filemon timeline`; returns the exit code. */
export async function timelineCommand(
  argv: string[],
  io: CommandIO,
): Promise<number> {
  const args = parseCommandArgs("timeline", argv, {
    boolean: ["help", "reads"],
    string: ["output"],
    alias: { h: "help", o: "output" },
  });
  if (args.help) {
    printLine(io, TIMELINE_HELP);
    return 0;
  }
  if (args._.length > 1) {
    throw new UsageError(`timeline takes one trace, got ${args._.length}`);
  }
  const builder = new TimelineBuilder({ reads: args.reads === true });
  await readTrace(io, args._[0], (e) => builder.add(e));
  const output = Output.open(io.files, stringFlag(args, "output"), 1);
  output.write(timelineJson(builder.finish()));
  output.close();
  return 0;
}
