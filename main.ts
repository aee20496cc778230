/**
 * filemon: run a command and record every file its process tree touches, or
 * decode existing filemon(4) logs.
 *
 *     filemon trace [options] -- COMMAND [ARG...]
 *     filemon decode [FILE|-] [options]
 *     filemon graph [FILE|-] [options]
 *
 * Commands are loaded on demand, so the tracer's launcher (the same program
 * started with a hidden first argument) loads almost nothing.
 *
 * @module
 */

import { args, exit, LAUNCH_ARG, VERSION } from "./ffi/runtime/process.ts";

const HELP =
  `filemon ${VERSION}: record every file a command's process tree touches

Usage:
  filemon trace [options] -- COMMAND [ARG...]   run COMMAND and trace it
  filemon decode [FILE|-] [options]             filemon log or .meta file to JSON Lines
  filemon graph [FILE|-] [options]              a trace's dependency graph

Run 'filemon COMMAND --help' for a command's options.
  -h, --help      show this help
  -V, --version   show the version`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === LAUNCH_ARG) {
    // The compiled binary started again as the tracer's launcher.
    const { launch } = await import("./ffi/linux/launcher.ts");
    return launch(rest);
  }
  const { UsageError } = await import("./lib/cli_args.ts");
  const io = await import("./ffi/runtime/io.ts");
  try {
    switch (command) {
      case undefined:
        io.printError(HELP);
        return 2;
      case "-h":
      case "--help":
      case "help":
        console.log(HELP);
        return 0;
      case "-V":
      case "--version":
        console.log(`filemon ${VERSION}`);
        return 0;
      case "trace": {
        const { traceCommand } = await import("./ffi/cli_trace.ts");
        return await traceCommand(rest, io);
      }
      case "graph": {
        const { graphCommand } = await import("./lib/cli_graph.ts");
        return await graphCommand(rest, io);
      }
      case "decode": {
        const { decodeCommand } = await import("./lib/cli_decode.ts");
        return await decodeCommand(rest, io);
      }
      default:
        throw new UsageError(
          `unknown command '${command}' (see 'filemon --help')`,
        );
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.printError(`filemon: ${err.message}`);
      return 2;
    }
    io.printError(
      `filemon: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
}

if (import.meta.main) exit(await main(args()));
