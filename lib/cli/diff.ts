/**
 * `filemon diff A B`: what changed between two runs, from their traces or
 * manifests. Exit status 0 when equal, 1 when different, 2 on error, like
 * diff(1).
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
import { GRAPH_FLAGS, graphOptions, type GraphRenderOptions } from "./graph.ts";
import { type CommandIO, printError, printLine } from "./io.ts";
import { Output } from "./output.ts";
import { readTrace } from "./trace_input.ts";
import { diffJson, diffManifests, diffText } from "../diff/diff.ts";
import { displayPath, makePathFilter } from "../graph/mod.ts";
import {
  makeManifest,
  type Manifest,
  ManifestBuilder,
  parseManifest,
} from "../manifest/manifest.ts";

export const DIFF_HELP = `filemon diff: what changed between two runs

Usage: filemon diff A B [options]

A and B are traces (JSON Lines, filemon logs, .meta files) or manifests
('filemon manifest'). Reports inputs, outputs and absent paths added,
removed or changed (by content hash when both sides are manifests, else by
presence), commands only one side ran (argv; temporaries' names do not
count), and commands both ran whose exit status differs. Nothing is printed
when the runs are equal.

Exit status: 0 equal, 1 different, 2 trouble.

Options:
  -f, --format FMT   text (default: grouped, shortest first) or json
  -o, --output FILE  write to FILE (whole or not at all) instead of stdout
      --cwd DIR      working directory for relative paths in logs
      --root DIR     keep files under DIR, shown relative to it
      --include GLOB keep only files matching GLOB (repeatable)
      --exclude GLOB drop files matching GLOB (repeatable)
      --system       keep /usr, /lib, /etc... (dropped by default)
  -h, --help         show this help`;

/** A manifest's entries filtered and shown like a trace's (for --root etc.). */
function refilter(m: Manifest, options: GraphRenderOptions): Manifest {
  const keep = makePathFilter(options);
  const shown = (path: string) => {
    const abs = path.startsWith("/") || m.root === undefined
      ? path
      : `${m.root === "/" ? "" : m.root}/${path}`;
    return keep(abs) ? displayPath(abs, options.root) : undefined;
  };
  const list = <T extends { path: string }>(entries: T[] | undefined) =>
    entries?.flatMap((e) => {
      const path = shown(e.path);
      return path === undefined ? [] : [{ ...e, path }];
    });
  if (options.root === undefined && !options.include && !options.exclude) {
    return m;
  }
  return {
    ...m,
    inputs: list(m.inputs)!,
    outputs: list(m.outputs)!,
    absent: list(m.absent),
  };
}

async function load(
  io: CommandIO,
  path: string,
  cwd: string | undefined,
  options: GraphRenderOptions,
): Promise<Manifest> {
  const builder = new ManifestBuilder({ cwd });
  const text = await readTrace(io, path, (e) => builder.add(e), {
    cwd,
    manifest: true,
  });
  if (text !== undefined) {
    return refilter(parseManifest(text, inputName(path)), options);
  }
  return makeManifest(builder.finish(), options);
}

/** Runs `filemon diff`; returns 0 (equal), 1 (different) or 2 (error). */
export async function diffCommand(
  argv: string[],
  io: CommandIO,
): Promise<number> {
  try {
    const args = parseCommandArgs("diff", argv, {
      boolean: ["help", "system"],
      string: ["format", "output", "cwd", "root"],
      collect: [...GRAPH_FLAGS.collect!],
      alias: { h: "help", f: "format", o: "output" },
    });
    if (args.help) {
      printLine(io, DIFF_HELP);
      return 0;
    }
    const format = choiceFlag(args, "format", ["text", "json"], "text");
    if (args._.length !== 2) {
      throw new UsageError(
        `diff takes two traces or manifests, got ${args._.length}`,
      );
    }
    if (args._.every((p) => p === "-")) {
      throw new UsageError("diff can read only one of A and B from stdin");
    }
    const cwd = absolutePathFlag(args, "cwd");
    const options = graphOptions(args);
    const a = await load(io, args._[0], cwd, options);
    const b = await load(io, args._[1], cwd, options);
    const d = diffManifests(a, b);
    const text = format === "json" ? diffJson(d) : diffText(d);
    const output = Output.open(io.files, stringFlag(args, "output"), 1);
    output.write(text);
    output.close();
    return d.equal ? 0 : 1;
  } catch (err) {
    printError(
      io,
      `filemon: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 2;
  }
}
