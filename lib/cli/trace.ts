/**
 * `filemon trace`: run a command, trace its whole process tree, write the
 * trace as a filemon log or JSON Lines, and exit with the command's status.
 *
 * @module
 */

import type { Backend, TraceResult } from "../backend.ts";
import type { TraceEvent } from "../event.ts";
import { fitsFilemon, formatFilemonAbsolute } from "../filemon_encoder.ts";
import { eventKept, GraphBuilder, makePathFilter } from "../graph/mod.ts";
import { formatJsonLine } from "../jsonl.ts";
import { DEFAULT_CLASSES, type OpClass, parseOps } from "../ops.ts";
import {
  choiceFlag,
  parseCommandArgs,
  stringFlag,
  UsageError,
} from "./args.ts";
import {
  GRAPH_FLAGS,
  GRAPH_FORMATS,
  GRAPH_OPTIONS_HELP,
  type GraphFormat,
  graphOptions,
  renderGraph,
} from "./graph.ts";
import { type CommandIO, printError, printLine } from "./io.ts";
import { reportOptions } from "./report.ts";
import { ReportBuilder } from "../report/data.ts";
import { reportHtmlChunks } from "../report/html.ts";
import { Output, TargetKeptError } from "./output.ts";
import {
  Progress,
  progressSize,
  progressWanted,
  type Terminal,
} from "./progress.ts";
import type { ContentFiles } from "../manifest/content.ts";
import {
  formatManifest,
  makeManifest,
  ManifestBuilder,
} from "../manifest/manifest.ts";

export const TRACE_HELP =
  `filemon trace: run a command and record every file its processes touch

Usage: filemon trace [options] -- COMMAND [ARG...]

The command runs with your stdin, stdout and stderr untouched. The trace goes
to standard error unless -o says otherwise. filemon exits with the command's
exit status (128+N when signal N killed it, 127 when it cannot be found).

Options:
  -o, --output FILE  write the trace to FILE (- for standard output); a file
                     appears, complete, when the command has finished, with
                     the mode and owner of the file it replaces; a file the
                     command wrote itself is kept, and the trace goes beside
                     it to FILE.filemon-PID (exit status 1)
  -f, --format FMT   filemon (default: a FreeBSD filemon version 5 log, with
                     absolute paths), jsonl (JSON Lines: paths as passed and
                     absolute, argv, open flags, errno, timestamps), or a
                     dependency graph: graph-make, graph-dot, graph-mermaid,
                     graph-json, graph-hazards (see 'filemon graph --help'),
                     or report: one HTML page to explore the trace (see
                     'filemon report --help')
      --ops LIST     operations to record, comma-separated names or letters:
                       read r, write w, exec e, chdir c, unlink d, link l,
                       rename m (the default set, filemon's own), mkdir k,
                       rmdir x, truncate t, chmod a, chown o, utime u,
                       probe q (stat, lstat, statx, access, readlink...);
                     'all', 'default', or '+LIST' to add to the default set
      --failed       also record failed calls, with their errno (JSON Lines;
                     a filemon log has no room for them)
      --stats        say where the tracer's time went (stops, ptrace and
                     memory reads per stop, time waiting vs working, what
                     the fast path answered)
      --no-fast-path answer every call the ptrace way (two stops a call),
                     not read-only opens by seccomp user notification
      --progress     show a status line (processes running and seen, events,
                     time) on the terminal's bottom row while the command
                     runs; the default when standard error is a terminal
                     and the trace goes elsewhere (-o)
      --no-progress  never show it
      --manifest FILE  also write the run's manifest to FILE: inputs and
                     outputs with SHA-256 and a digest (see 'filemon
                     manifest --help'; the graph options filter it)
  -h, --help         show this help
${GRAPH_OPTIONS_HELP}
  With -f filemon or jsonl, --root, --include and --exclude filter the records
  too (system files are then dropped unless --system); exec, fork, exit and
  chdir records are always kept.

Under 'deno run' it needs --allow-ffi, and --allow-read for the fast path
(its worker's code is read from disk); with --allow-ffi alone every call
takes the ptrace way. Linux: ptrace + seccomp, no root.`;

/** Signal subscriptions the command needs (the runtime's, handed in). */
export interface TraceSignals {
  /** Calls `handler` on each `signal`; returns a function that stops listening. */
  on(
    signal: "SIGINT" | "SIGQUIT" | "SIGTERM" | "SIGHUP",
    handler: () => void,
  ): () => void;
}

/**
 * Runs `filemon trace`; returns the exit code to use. `terminal` tells
 * whether standard error is a terminal, for the live progress. `content`
 * (what `--manifest` hashes files with) may be given as a loader, called
 * only when a manifest is asked for.
 */
export async function traceCommand(
  argv: string[],
  io: CommandIO,
  backend: () => Promise<Backend>,
  signals: TraceSignals,
  content?: ContentFiles | (() => Promise<ContentFiles>),
  terminal?: Terminal,
): Promise<number> {
  const args = parseCommandArgs("trace", argv, {
    boolean: [
      "help",
      "failed",
      "stats",
      "no-fast-path",
      "progress",
      "no-progress",
      ...GRAPH_FLAGS.boolean!,
    ],
    string: ["output", "format", "ops", "manifest", ...GRAPH_FLAGS.string!],
    collect: [...GRAPH_FLAGS.collect!],
    alias: { h: "help", o: "output", f: "format" },
    stopEarly: true,
  });
  if (args.help) {
    printLine(io, TRACE_HELP);
    return 0;
  }
  const command = [...args._, ...args["--"]];
  if (command.length === 0 || command[0] === "") {
    throw new UsageError(
      "trace needs a command to run: filemon trace [options] -- COMMAND [ARG...]",
    );
  }
  const format = choiceFlag(
    args,
    "format",
    [
      "filemon",
      "jsonl",
      ...GRAPH_FORMATS.map((f) => `graph-${f}` as const),
      "report",
    ],
    "filemon",
  );
  const output = stringFlag(args, "output");
  if (output === "") throw new UsageError("option -o needs a file name (or -)");
  // A trace to a stream that was closed when filemon started would go to
  // /dev/null (which the runtime opens there) or to whatever file took the
  // descriptor: refuse before running anything.
  const stream = output === "-" ? 1 : output === undefined ? 2 : undefined;
  if (stream !== undefined && io.files.closedAtStart?.(stream) === true) {
    throw new UsageError(
      `standard ${
        stream === 1 ? "output" : "error"
      } is closed, so the trace would be lost: give it a file with -o FILE`,
    );
  }
  if (args.progress === true && args["no-progress"] === true) {
    throw new UsageError("--progress and --no-progress cannot both be given");
  }
  const graphOpts = graphOptions(args);
  const opsText = stringFlag(args, "ops");
  let ops: Set<OpClass>;
  try {
    ops = opsText === undefined ? new Set(DEFAULT_CLASSES) : parseOps(opsText);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (ops.size === 0) {
    throw new UsageError("--ops names no operation (try --ops default)");
  }
  const graph = format.startsWith("graph-") ? new GraphBuilder() : undefined;
  const report = format === "report" ? new ReportBuilder() : undefined;
  const manifestPath = stringFlag(args, "manifest");
  if (manifestPath === "") {
    throw new UsageError("option --manifest needs a file name");
  }
  if (manifestPath !== undefined && content === undefined) {
    throw new UsageError("--manifest is not available here");
  }
  const contentFiles = manifestPath === undefined
    ? undefined
    : typeof content === "function"
    ? await content()
    : content;
  const manifest = manifestPath === undefined
    ? undefined
    : new ManifestBuilder({ cwd: io.files.cwd?.() });
  // --root, --include and --exclude also filter the filemon and JSON Lines
  // records (then system files go too, unless --system).
  const keep = graph === undefined && report === undefined &&
      (graphOpts.root !== undefined || graphOpts.include !== undefined ||
        graphOpts.exclude !== undefined)
    ? makePathFilter(graphOpts)
    : undefined;
  let unrepresentable = 0;
  const format1: (e: TraceEvent) => string = format === "jsonl"
    ? (e) => formatJsonLine(e) + "\n"
    : graph !== undefined
    ? (e) => {
      graph.add(e);
      return "";
    }
    : report !== undefined
    ? (e) => {
      report.add(e);
      return "";
    }
    : (e) => {
      if (!fitsFilemon(e)) unrepresentable++;
      return formatFilemonAbsolute(e);
    };
  const tracer = await backend();
  const out = Output.open(io.files, output, 2);
  let lastFlush = performance.now();
  const progress = progressWanted(
      args.progress === true
        ? true
        : args["no-progress"] === true
        ? false
        : undefined,
      terminal,
      out.handle,
    )
    ? new Progress({
      write: (text) => {
        const bytes = new TextEncoder().encode(text);
        for (let off = 0; off < bytes.length;) {
          off += io.files.write(2, bytes.subarray(off));
        }
      },
      size: () => progressSize(terminal),
      now: () => performance.now(),
    })
    : undefined;
  const stops = [
    // Ctrl-C reaches the command from the terminal; the backend tells.
    signals.on("SIGINT", () => tracer.forward("SIGINT")),
    signals.on("SIGQUIT", () => {}),
    signals.on("SIGTERM", () => tracer.forward("SIGTERM")),
    signals.on("SIGHUP", () => tracer.forward("SIGHUP")),
  ];
  let exitCode: number;
  try {
    const result = await tracer.run({
      argv: command,
      ops,
      failed: args.failed === true,
      timestamps: format === "jsonl" || format === "report" ||
        manifest !== undefined,
      stats: args.stats === true,
      fastPath: args["no-fast-path"] !== true,
      // A kernel that writes the log itself writes it straight there.
      filemonLogFd: format === "filemon" && keep === undefined &&
          manifest === undefined
        ? out.handle
        : undefined,
      emit: (event) => {
        progress?.event(event);
        if (writesTo(event, out)) out.targetWritten();
        manifest?.add(event);
        if (keep !== undefined && !eventKept(event, keep)) return;
        const text = format1(event);
        if (text !== "") out.write(text);
      },
      idle: () => {
        progress?.tick();
        const now = performance.now();
        if (now - lastFlush > 200) {
          out.flush();
          lastFlush = now;
        }
      },
    });
    // Gone before anything else is said on standard error.
    progress?.finish();
    exitCode = result.exitCode;
    if (result.stats !== undefined) printError(io, statsLine(result));
    for (const w of result.warnings ?? []) {
      printError(io, `filemon: warning: ${w}`);
    }
    if (graph !== undefined) {
      const kind = format.slice("graph-".length) as GraphFormat;
      out.write(
        renderGraph(
          graph.finish(),
          kind,
          graphOpts,
          (m) => printError(io, `filemon: warning: ${m}`),
        ),
      );
    }
    if (report !== undefined) {
      const data = report.finish(
        reportOptions(graphOpts, io.files, command.join(" ")),
      );
      for (const chunk of reportHtmlChunks(data)) out.write(chunk);
    }
    if (manifest !== undefined) {
      const m = makeManifest(manifest.finish(), graphOpts, contentFiles);
      const mout = Output.open(io.files, manifestPath, 1);
      mout.write(formatManifest(m));
      try {
        mout.close();
      } catch (err) {
        printError(io, `filemon: manifest: ${(err as Error).message}`);
        if (exitCode === 0) exitCode = 1;
      }
    }
  } catch (err) {
    progress?.finish();
    out.abort();
    throw err;
  } finally {
    for (const stop of stops) stop();
  }
  if (unrepresentable > 0) {
    printError(
      io,
      `filemon: warning: ${unrepresentable} record${
        unrepresentable === 1 ? " has a path" : "s have paths"
      } that a filemon log cannot represent (a newline, or ' ' in a link or rename); -f jsonl keeps them`,
    );
  }
  try {
    out.close();
  } catch (err) {
    // The command ran; say where the trace is (or that it is lost), keep a
    // failing command's status.
    printError(
      io,
      `filemon: ${
        err instanceof TargetKeptError
          ? `${
            err.written
              ? `the command wrote '${err.path}' itself`
              : `'${err.path}' changed while the command ran`
          }: it is left as it is, and the trace is in '${err.kept}'`
          : (err as Error).message
      }`,
    );
    return exitCode !== 0 ? exitCode : 1;
  }
  return exitCode;
}

/**
 * Whether `event` creates, writes or replaces the file `out` will put in
 * place (an open for writing, a rename or link onto it, a truncate).
 */
function writesTo(event: TraceEvent, out: Output): boolean {
  switch (event.op) {
    case "open":
      return event.mode !== "r" && event.error === undefined &&
        event.abs !== undefined && out.isTarget(event.abs);
    case "truncate":
      return event.error === undefined && event.abs !== undefined &&
        out.isTarget(event.abs);
    case "rename":
    case "link":
      return event.error === undefined && event.to_abs !== undefined &&
        out.isTarget(event.to_abs);
    default:
      return false;
  }
}

/** One line about the tracer's own work. */
function statsLine(result: TraceResult): string {
  const s = result.stats!;
  const per = (n: number) => (n / Math.max(1, result.stops)).toFixed(2);
  const busy = (s.loopMs - s.waitMs) / 1000;
  return `filemon: ${result.stops} stops for ${s.events} events from ${result.processes} processes; ` +
    `per stop ${per(s.ptrace)} ptrace, ${per(s.waits)} waits, ${
      per(s.memReads)
    } memory reads, ` +
    `${per(s.proc)} /proc lookups; tracer working ${busy.toFixed(2)} s ` +
    `(${
      (1e6 * busy / Math.max(1, result.stops)).toFixed(1)
    } µs a stop), waiting ${(s.waitMs / 1000).toFixed(2)} s; ${
      s.fastPath === undefined
        ? "fast path off (ptrace only)"
        : `fast path: ${s.fastPath.emulated} opens answered, ${s.fastPath.answeredErrors} errors answered, ${s.fastPath.fallbacks} sent the ptrace way, ${s.fastPath.vanished} callers gone, ${s.fastPath.ringWaits} ring waits`
    }`;
}
