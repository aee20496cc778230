/**
 * `filemon graph`: a dependency graph from a trace (filemon log, .meta
 * file or JSON Lines), as make rules, Graphviz, Mermaid, JSON or a list of
 * hazards. The graph options here are shared with `filemon trace`.
 *
 * @module
 */

import {
  absolutePathFlag,
  choiceFlag,
  type FlagSpec,
  parseCommandArgs,
  type ParsedArgs,
  stringFlag,
  UsageError,
} from "./args.ts";
import { type CommandIO, printError, printLine } from "./io.ts";
import { readTrace, TraceInputError } from "./trace_input.ts";
import { Output } from "./output.ts";
import {
  type Graph,
  GraphBuilder,
  type Hazard,
  makeText,
  toDotChunks,
  toJsonChunks,
  toMermaidChunks,
} from "../graph/mod.ts";

/** The graph renderings. */
export const GRAPH_FORMATS = [
  "make",
  "dot",
  "mermaid",
  "json",
  "hazards",
] as const;
/** One of `GRAPH_FORMATS`. */
export type GraphFormat = typeof GRAPH_FORMATS[number];

/** Options that shape a graph's rendering. */
export interface GraphRenderOptions {
  root?: string;
  system?: boolean;
  include?: string[];
  exclude?: string[];
  probes?: boolean;
  temporaries?: boolean;
}

/** Graph flags, for commands that accept them. */
export const GRAPH_FLAGS: FlagSpec = {
  boolean: ["system", "probes", "temporaries"],
  string: ["root"],
  collect: ["include", "exclude"],
};

export const GRAPH_OPTIONS_HELP = `Graph options (for the graph formats):
      --root DIR      keep files under DIR, shown relative to it
      --include GLOB  keep only files matching GLOB (repeatable; * ? **)
      --exclude GLOB  drop files matching GLOB (repeatable)
      --system        keep /usr, /lib, /etc, /proc, /dev, /sys... (dropped by default)
      --probes        draw stat/access probes and missing files (dot, mermaid)
      --temporaries   draw files created then deleted (dot, mermaid)`;

export const GRAPH_HELP = `filemon graph: what depends on what, from a trace

Usage: filemon graph [FILE|-] [options]

Reads a trace (standard input when FILE is - or absent): JSON Lines from
'filemon trace -f jsonl', a filemon log (from 'filemon trace' or FreeBSD /
NetBSD), or a bmake .meta file; the kind is detected.

Options:
  -f, --format FMT   make (default): 'output: inputs' lines like gcc -MD;
                     dot (Graphviz); mermaid (renders in Markdown); json (the
                     whole model); hazards (files written by two processes,
                     read and written by processes the trace does not order)
  -o, --output FILE  write to FILE (whole or not at all) instead of stdout
      --cwd DIR      working directory of the traced command, for relative
                     paths in logs that have them
${GRAPH_OPTIONS_HELP}
  -h, --help         show this help`;

/** Reads the graph flags of parsed arguments. */
export function graphOptions(args: ParsedArgs): GraphRenderOptions {
  const root = absolutePathFlag(args, "root");
  const list = (name: string): string[] | undefined => {
    const v = args[name];
    if (v === undefined) return undefined;
    return (Array.isArray(v) ? v : [String(v)]).filter((x) => x !== "");
  };
  const options: GraphRenderOptions = {
    system: args.system === true,
    probes: args.probes === true,
    temporaries: args.temporaries === true,
  };
  if (root !== undefined) options.root = root;
  const include = list("include");
  if (include?.length) options.include = include;
  const exclude = list("exclude");
  if (exclude?.length) options.exclude = exclude;
  return options;
}

function hazardLine(h: Hazard): string {
  return h.kind === "write-write"
    ? `write-write ${h.path}: written by pid ${h.pids[0]} and pid ${
      h.pids[1]
    }\n`
    : `read-write ${h.path}: read by pid ${h.pids[0]} ${
      h.readFirst ? "before" : "after"
    } pid ${h.pids[1]} wrote it, and the trace shows no order between them\n`;
}

/**
 * Renders a finished graph in pieces, so a big graph never becomes one
 * string. `warn` receives a one-line warning (without the `filemon: `
 * prefix) when the rendering had to leave something out: with `make`,
 * files make cannot name.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "../graph/mod.ts";
 * import { graphChunks } from "./graph.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "open", pid: 1, path: "a.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "new\nline.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "a.o", mode: "w" });
 * const warnings: string[] = [];
 * const text = [...graphChunks(b.finish(), "make", { root: "/w" }, (w) => warnings.push(w))].join("");
 * assertEquals(text.split("\n").at(-2), "a.o: a.c");
 * assertEquals(warnings.length, 1);
 * ```
 */
export function* graphChunks(
  graph: Graph,
  format: GraphFormat,
  options: GraphRenderOptions,
  warn: (message: string) => void = () => {},
): Generator<string> {
  switch (format) {
    case "make": {
      const m = makeText(graph, options);
      const n = m.leftOut.length;
      if (n > 0) {
        warn(
          `${n} file${n === 1 ? "" : "s"} left out of the make rules: make ` +
            `cannot name ${n === 1 ? "it" : "them"} (a newline, ';', a ` +
            `leading '~' or 'archive(member)' in the name); see the ` +
            `'# filemon: left out' lines`,
        );
      }
      yield m.text;
      return;
    }
    case "dot":
      yield* toDotChunks(graph, options);
      return;
    case "mermaid":
      yield* toMermaidChunks(graph, options);
      return;
    case "json":
      yield* toJsonChunks(graph, { summaries: true });
      return;
    case "hazards":
      for (const h of graph.hazards) yield hazardLine(h);
      return;
  }
}

/**
 * Renders a finished graph as one string (see `graphChunks`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "../graph/mod.ts";
 * import { renderGraph } from "./graph.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/cc" });
 * b.add({ op: "open", pid: 1, path: "a.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "a.o", mode: "w" });
 * assertEquals(renderGraph(b.finish(), "make", { root: "/w" }), "a.o: a.c\n");
 * ```
 */
export function renderGraph(
  graph: Graph,
  format: GraphFormat,
  options: GraphRenderOptions,
  warn?: (message: string) => void,
): string {
  let text = "";
  for (const chunk of graphChunks(graph, format, options, warn)) text += chunk;
  return text;
}

/** Runs `filemon graph`; returns the exit code. */
export async function graphCommand(
  argv: string[],
  io: CommandIO,
): Promise<number> {
  const args = parseCommandArgs("graph", argv, {
    boolean: ["help", ...GRAPH_FLAGS.boolean!],
    string: ["format", "output", "cwd", ...GRAPH_FLAGS.string!],
    collect: [...GRAPH_FLAGS.collect!],
    alias: { h: "help", f: "format", o: "output" },
  });
  if (args.help) {
    printLine(io, GRAPH_HELP);
    return 0;
  }
  const format = choiceFlag(args, "format", GRAPH_FORMATS, "make");
  if (args._.length > 1) {
    throw new UsageError(`graph takes one input file, got ${args._.length}`);
  }
  const cwd = absolutePathFlag(args, "cwd");
  const options = graphOptions(args);
  const inputPath = args._[0];
  const builder = new GraphBuilder({ cwd });
  try {
    await readTrace(io, inputPath, (e) => builder.add(e), { cwd });
  } catch (err) {
    if (err instanceof TraceInputError) {
      printError(io, `filemon: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const graph = builder.finish();
  const output = Output.open(io.files, stringFlag(args, "output"), 1);
  const warn = (message: string) =>
    printError(io, `filemon: warning: ${message}`);
  for (const chunk of graphChunks(graph, format, options, warn)) {
    output.write(chunk);
  }
  output.close();
  return 0;
}
