/**
 * `filemon manifest`: what a traced command depended on and made, with
 * content hashes and one digest over the inputs (see
 * `lib/manifest/manifest.ts` for the schema).
 *
 * @module
 */

import {
  absolutePathFlag,
  parseCommandArgs,
  stringFlag,
  UsageError,
} from "./args.ts";
import { GRAPH_FLAGS, graphOptions } from "./graph.ts";
import { type CommandIO, printLine } from "./io.ts";
import { Output } from "./output.ts";
import { readTrace } from "./trace_input.ts";
import type { ContentFiles } from "../manifest/content.ts";
import {
  formatManifest,
  makeManifest,
  ManifestBuilder,
} from "../manifest/manifest.ts";

export const MANIFEST_HELP =
  `filemon manifest: a trace's inputs and outputs with content hashes

Usage: filemon manifest [TRACE|-] [options]

Reads a trace (JSON Lines from 'filemon trace -f jsonl', a filemon log or a
.meta file; standard input when TRACE is - or absent) and writes JSON: the
root command's argv and working directory; its inputs (files read or run
that the run did not produce itself), outputs (files written that exist at
the end; temporaries left out), and, when the trace has failed calls
(--failed), the paths looked for and absent. Each existing file gets its
size and SHA-256 (read as it is now); 'digest' is one SHA-256 over the
argv, the inputs and the absent paths: a cache key. An input modified after
the run first read it is marked "changed": true.

Options:
  -o, --output FILE  write to FILE (whole or not at all) instead of stdout
      --cwd DIR      working directory of the traced command, for relative
                     paths in logs that have them
      --root DIR     keep files under DIR, shown relative to it
      --include GLOB keep only files matching GLOB (repeatable; * ? **)
      --exclude GLOB drop files matching GLOB (repeatable)
      --system       keep /usr, /lib, /etc... (dropped by default)
  -h, --help         show this help`;

/** Runs `filemon manifest`; returns the exit code. */
export async function manifestCommand(
  argv: string[],
  io: CommandIO,
  content: ContentFiles,
): Promise<number> {
  const args = parseCommandArgs("manifest", argv, {
    boolean: ["help", "system"],
    string: ["output", "cwd", "root"],
    collect: [...GRAPH_FLAGS.collect!],
    alias: { h: "help", o: "output" },
  });
  if (args.help) {
    printLine(io, MANIFEST_HELP);
    return 0;
  }
  if (args._.length > 1) {
    throw new UsageError(`manifest takes one trace, got ${args._.length}`);
  }
  const cwd = absolutePathFlag(args, "cwd");
  const options = graphOptions(args);
  const builder = new ManifestBuilder({ cwd });
  await readTrace(io, args._[0], (e) => builder.add(e), { cwd });
  const manifest = makeManifest(builder.finish(), options, content);
  const output = Output.open(io.files, stringFlag(args, "output"), 1);
  output.write(formatManifest(manifest));
  output.close();
  return 0;
}
