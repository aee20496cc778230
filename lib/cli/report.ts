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
import { type CommandIO, printError, printLine } from "./io.ts";
import { readTrace, TraceInputError } from "./trace_input.ts";
import { type Files, Output } from "./output.ts";
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
  const builder = new ReportBuilder({ cwd });
  let events = 0;
  try {
    await readTrace(io, inputPath, (e) => {
      events++;
      builder.add(e);
    }, { cwd });
  } catch (err) {
    if (err instanceof TraceInputError) {
      printError(io, `filemon: ${err.message}`);
      return 1;
    }
    throw err;
  }
  if (events === 0) {
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
