/**
 * filemon: run a command and record every file its process tree touches, or
 * decode existing filemon(4) logs.
 *
 *     filemon trace [options] -- COMMAND [ARG...]
 *     filemon bmake [options] [BMAKE ARGS...]
 *     filemon decode [FILE|-] [options]
 *     filemon graph [FILE|-] [options]
 *     filemon report [FILE|-] [options]
 *
 * The same file runs under Deno (`deno run --allow-ffi main.ts`), under Bun
 * (`bun main.ts`) and as a compiled binary. It hands each command the I/O
 * and, for `trace`, the backend of this system. Commands are loaded on
 * demand, so the tracer's launcher (this program started with a hidden first
 * argument) loads almost nothing.
 *
 * @module
 */

import { LAUNCH_ARG } from "./ffi/posix/launch_arg.ts";
import { proc } from "./ffi/runtime/process.ts";
import meta from "./deno.json" with { type: "json" };
import type { CommandIO } from "./lib/cli/io.ts";

/** The tool's version (deno.json's). */
export const VERSION: string = meta.version;

const HELP =
  `filemon ${VERSION}: record every file a command's process tree touches

Usage:
  filemon trace [options] -- COMMAND [ARG...]   run COMMAND and trace it
  filemon bmake [options] [BMAKE ARGS...]       bmake's meta mode with filemon data
  filemon decode [FILE|-] [options]             filemon log or .meta file to JSON Lines
  filemon graph [FILE|-] [options]              a trace's dependency graph
  filemon report [FILE|-] [-o FILE] [options]   one HTML page to explore a trace
  filemon manifest [TRACE|-] [options]          inputs and outputs with hashes: a cache key
  filemon diff A B [options]                    what changed between two traces or manifests
  filemon timeline [TRACE|-] [-o FILE.json]     a trace for ui.perfetto.dev (Chrome trace events)

Run 'filemon COMMAND --help' for a command's options.
  -h, --help      show this help
  -V, --version   show the version`;

/** Said after an error when an argument lost bytes that were not UTF-8. */
const LOSSY_HINT =
  " (an argument is not UTF-8: under Deno, filemon gets its bytes and opens such a name only with --allow-ffi)";

/**
 * The I/O for `decode` and `graph`: the runtime's files, unless an argument
 * is not UTF-8 and the runtime's file API cannot name such a file (Deno):
 * then libc's, where native calls are allowed. `lossy` when they are not
 * (such an argument then holds U+FFFD).
 */
async function byteIO(
  io: CommandIO,
  args: string[],
): Promise<{ io: CommandIO; lossy: boolean }> {
  const runtimeFiles = await import("./ffi/runtime/files.ts");
  if (runtimeFiles.bytePaths) return { io, lossy: false };
  if (!proc.nativeCalls()) {
    return { io, lossy: args.some((a) => a.includes("\uFFFD")) };
  }
  if (args.every((a) => a.isWellFormed())) return { io, lossy: false };
  const { libcFiles, libcInput } = await import("./ffi/libc/files.ts");
  return {
    io: { files: libcFiles, input: { ...io.input, open: libcInput.open } },
    lossy: false,
  };
}

/** Runs the command line `argv`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === LAUNCH_ARG) {
    // The compiled binary started again as the tracer's launcher.
    const { launch } = await import("./ffi/posix/launcher.ts");
    return await launch(rest);
  }
  const { UsageError } = await import("./lib/cli/args.ts");
  const { printError, printLine } = await import("./lib/cli/io.ts");
  const runtimeFiles = await import("./ffi/runtime/files.ts");
  const io = { files: runtimeFiles.files, input: runtimeFiles.input };
  try {
    switch (command) {
      case undefined:
        printError(io, HELP);
        return 2;
      case "-h":
      case "--help":
      case "help":
        printLine(io, HELP);
        return 0;
      case "-V":
      case "--version":
        printLine(io, `filemon ${VERSION}`);
        return 0;
      case "trace": {
        const { traceCommand } = await import("./lib/cli/trace.ts");
        const { signals } = await import("./ffi/runtime/signals.ts");
        // The trace is written through libc: under Deno, trace needs
        // --allow-ffi and nothing else.
        const { libcFiles } = await import("./ffi/libc/files.ts");
        const { backendFor } = await import("./ffi/backend_for.ts");
        const { libcTerminal } = await import("./ffi/libc/terminal.ts");
        return await traceCommand(
          rest,
          { files: libcFiles, input: io.input },
          backendFor,
          signals,
          // Loaded only for --manifest: node:crypto and node:fs cost a Deno
          // start-up about 25 ms.
          async () => (await import("./ffi/runtime/content.ts")).contentFiles,
          libcTerminal,
        );
      }
      case "bmake": {
        const { bmakeCommand } = await import("./lib/cli/bmake.ts");
        const { signals } = await import("./ffi/runtime/signals.ts");
        const { libcFiles } = await import("./ffi/libc/files.ts");
        const { backendFor, bmakeSystemFor } = await import(
          "./ffi/backend_for.ts"
        );
        return await bmakeCommand(
          rest,
          { files: libcFiles, input: io.input },
          backendFor,
          signals,
          await bmakeSystemFor(),
        );
      }
      case "graph":
      case "report":
      case "decode": {
        const run = command === "graph"
          ? (await import("./lib/cli/graph.ts")).graphCommand
          : command === "report"
          ? (await import("./lib/cli/report.ts")).reportCommand
          : (await import("./lib/cli/decode.ts")).decodeCommand;
        const bytes = await byteIO(io, rest);
        try {
          return await run(rest, bytes.io);
        } catch (err) {
          if (!bytes.lossy || err instanceof UsageError) throw err;
          throw new Error(
            (err instanceof Error ? err.message : String(err)) + LOSSY_HINT,
          );
        }
      }
      case "manifest": {
        const { manifestCommand } = await import("./lib/cli/manifest.ts");
        const { contentFiles } = await import("./ffi/runtime/content.ts");
        return await manifestCommand(
          rest,
          (await byteIO(io, rest)).io,
          contentFiles,
        );
      }
      case "diff": {
        const { diffCommand } = await import("./lib/cli/diff.ts");
        return await diffCommand(rest, (await byteIO(io, rest)).io);
      }
      case "timeline": {
        const { timelineCommand } = await import("./lib/cli/timeline.ts");
        return await timelineCommand(rest, (await byteIO(io, rest)).io);
      }
      default:
        throw new UsageError(
          `unknown command '${command}' (see 'filemon --help')`,
        );
    }
  } catch (err) {
    if (err instanceof UsageError) {
      printError(io, `filemon: ${err.message}`);
      return 2;
    }
    printError(
      io,
      `filemon: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
}

if (import.meta.main) proc.exit(await main(proc.args()));
