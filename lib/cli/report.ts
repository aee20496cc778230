/**
 * `filemon report`: a trace (filemon log, .meta file or JSON Lines) as one
 * self-contained HTML page to explore it.
 *
 * @module
 */

import {
  absolutePathFlag,
  inputName,
  parseCommandArgs,
  stringFlag,
  UsageError,
} from "./args.ts";
import { GRAPH_FLAGS, graphOptions, type GraphRenderOptions } from "./graph.ts";
import { type CommandIO, openInput, printError, printLine } from "./io.ts";
import { type Files, Output } from "./output.ts";
import { DecodeError } from "../decode_error.ts";
import type { TraceEvent } from "../event.ts";
import { FilemonDecoder } from "../filemon_decoder.ts";
import { JsonLinesDecoder } from "../jsonl.ts";
import { ReportBuilder, type ReportOptions } from "../report/data.ts";

export const REPORT_HELP = `filemon report: one HTML page to explore a trace

Usage: filemon report [FILE|-] [-o FILE] [options]

Reads a trace (standard input when FILE is - or absent): JSON Lines from
'filemon trace -f jsonl' (with times: the timeline in seconds), a filemon
log or a bmake .meta file (the timeline then counts events). Writes one
self-contained HTML file (no network, nothing to install) with the process
tree, the files and their roles, each output with the job that made it and
its inputs (as 'graph -f make'), a timeline and the hazards.
'filemon trace -f report -o FILE -- COMMAND' makes the page as it traces.

Options:
  -o, --output FILE  write to FILE (whole or not at all) instead of stdout
      --title TEXT   the page's title (default: the traced command)
      --cwd DIR      working directory of the traced command, for relative
                     paths in logs that have them
      --root DIR      show paths under DIR relative to it; the make rules
                      and the default file view keep only those
      --include GLOB  keep only files matching GLOB (repeatable; * ? **)
      --exclude GLOB  drop files matching GLOB (repeatable)
      --system        keep /usr, /lib, /etc... in the rules and default view
  -h, --help         show this help

Sizes are those of the files when the page is made (a trace records none).`;

/** The report's options from the graph options and a title. */
export function reportOptions(
  graph: GraphRenderOptions,
  files: Files,
  title?: string,
): ReportOptions {
  const options: ReportOptions = {
    system: graph.system,
    size: (path) => {
      try {
        return files.identity?.(path)?.size;
      } catch {
        return undefined;
      }
    },
  };
  if (graph.root !== undefined) options.root = graph.root;
  if (graph.include !== undefined) options.include = graph.include;
  if (graph.exclude !== undefined) options.exclude = graph.exclude;
  if (title !== undefined) options.title = title;
  return options;
}

/** Runs `filemon report`; returns the exit code. */
export async function reportCommand(
  argv: string[],
  io: CommandIO,
): Promise<number> {
  const args = parseCommandArgs("report", argv, {
    boolean: ["help", ...GRAPH_FLAGS.boolean!],
    string: ["output", "cwd", "title", ...GRAPH_FLAGS.string!],
    collect: [...GRAPH_FLAGS.collect!],
    alias: { h: "help", o: "output" },
  });
  if (args.help) {
    printLine(io, REPORT_HELP);
    return 0;
  }
  if (args.probes === true || args.temporaries === true) {
    throw new UsageError(
      `report: --${
        args.probes === true ? "probes" : "temporaries"
      } is for graph's drawings; the page shows every file`,
    );
  }
  if (args._.length > 1) {
    throw new UsageError(`report takes one input file, got ${args._.length}`);
  }
  const output = stringFlag(args, "output");
  if (output === "") throw new UsageError("option -o needs a file name (or -)");
  const cwd = absolutePathFlag(args, "cwd");
  const graph = graphOptions(args);
  const inputPath = args._[0];
  const input = await openInput(io, inputPath);
  const builder = new ReportBuilder({ cwd });
  let decoder:
    | { push(b: Uint8Array): TraceEvent[]; finish(): TraceEvent[] }
    | undefined;
  try {
    const held: Uint8Array[] = [];
    for await (const chunk of input) {
      if (decoder === undefined) {
        // JSON Lines start with '{'; anything else is a filemon log or .meta file.
        let i = 0;
        while (
          i < chunk.length &&
          (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d)
        ) i++;
        if (i === chunk.length) {
          held.push(chunk.slice());
          continue;
        }
        decoder = chunk[i] === 0x7b
          ? new JsonLinesDecoder()
          : new FilemonDecoder({ cwd });
        for (const h of held) for (const e of decoder.push(h)) builder.add(e);
      }
      for (const e of decoder.push(chunk)) builder.add(e);
    }
    for (const e of decoder?.finish() ?? []) builder.add(e);
  } catch (err) {
    if (err instanceof DecodeError) {
      printError(io, `filemon: ${inputName(inputPath)}: ${err.message}`);
      return 1;
    }
    throw err;
  }
  if (decoder === undefined) {
    printError(
      io,
      `filemon: warning: ${inputName(inputPath)} is empty: no records`,
    );
  }
  const title = stringFlag(args, "title");
  const data = builder.finish(reportOptions(graph, io.files, title));
  const { reportHtmlChunks } = await import("../report/html.ts");
  const out = Output.open(io.files, output, 1);
  for (const chunk of reportHtmlChunks(data)) out.write(chunk);
  out.close();
  return 0;
}
