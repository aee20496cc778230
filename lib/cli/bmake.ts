/**
 * `filemon bmake`: run bmake in meta mode, trace the whole run once, and
 * give each job's `.meta` file the filemon section FreeBSD's bmake writes,
 * so that bmake on Linux learns each target's real dependencies.
 *
 * @module
 */

import type { Backend } from "../backend.ts";
import { type MetaHost, MetaJobs } from "../bmake/meta_jobs.ts";
import { withMetaMode } from "../bmake/meta_mode.ts";
import { DEFAULT_CLASSES } from "../ops.ts";
import { encodePath } from "../path.ts";
import { UsageError } from "./args.ts";
import { type CommandIO, printError, printLine } from "./io.ts";
import type { TraceSignals } from "./trace.ts";

export const BMAKE_HELP =
  `filemon bmake: bmake's meta mode with the filemon data it gets on FreeBSD

Usage: filemon bmake [options] [--] [BMAKE ARGS...]

Runs bmake in meta mode and traces the whole run once (sub-makes too). Each
job's records (its processes and all their descendants) are appended to the
job's TARGET.meta file as a '-- filemon acquired metadata --' section, in
filemon version 5 form with absolute paths, once bmake has finished with
the file. bmake then rebuilds a target when a file its job read or ran is
newer than the target, or gone, whether the makefile names it or not.

bmake gets '.MAKE.MODE=meta missing-filemon=yes' on its command line (a
.MAKE.MODE=... among BMAKE ARGS is used instead, with 'meta' and
'missing-filemon=yes' added when it lacks them): a .meta file left without
a section (its job was interrupted) makes its target out of date. bmake
writes .meta files in .OBJDIR only, unless .MAKE.MODE has curdirok=yes.
filemon exits with bmake's exit status.

Options (before BMAKE ARGS):
      --bmake PATH   the bmake to run (default: bmake, from PATH)
      --no-fast-path answer every call the ptrace way
  -h, --help         show this help`;

/** What `filemon bmake` needs from the system besides the tracer. */
export interface BmakeSystem extends MetaHost {
  /** Appends bytes to the existing file `path`; throws on failure. */
  appendFile(path: string, bytes: Uint8Array): void;
}

/** filemon's own options, then bmake's arguments. */
function parse(argv: string[]): {
  help: boolean;
  bmake: string;
  fastPath: boolean;
  args: string[];
} {
  let bmake = "bmake";
  let fastPath = true;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (a === "-h" || a === "--help") {
      return { help: true, bmake, fastPath, args: [] };
    } else if (a === "--no-fast-path") {
      fastPath = false;
    } else if (a === "--bmake" || a.startsWith("--bmake=")) {
      const value = a === "--bmake" ? argv[++i] : a.slice("--bmake=".length);
      if (value === undefined || value === "") {
        throw new UsageError(
          "option --bmake needs a program (a path or a name)",
        );
      }
      bmake = value;
    } else if (a.startsWith("--")) {
      throw new UsageError(
        `bmake: unknown option '${
          a.split("=")[0]
        }' (see 'bmake --help'; bmake's own arguments have no '--' form)`,
      );
    } else break;
  }
  return { help: false, bmake, fastPath, args: argv.slice(i) };
}

/** Runs `filemon bmake`; returns the exit code to use (bmake's). */
export async function bmakeCommand(
  argv: string[],
  io: CommandIO,
  backend: () => Promise<Backend>,
  signals: TraceSignals,
  system: BmakeSystem,
): Promise<number> {
  const opts = parse(argv);
  if (opts.help) {
    printLine(io, BMAKE_HELP);
    return 0;
  }
  const failures: string[] = [];
  const jobs = new MetaJobs({
    host: system,
    write(meta, section) {
      try {
        system.appendFile(meta, encodePath(section));
      } catch (err) {
        failures.push(
          `${meta}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    },
  });
  const tracer = await backend();
  const stops = [
    signals.on("SIGINT", () => tracer.forward("SIGINT")),
    signals.on("SIGQUIT", () => {}),
    signals.on("SIGTERM", () => tracer.forward("SIGTERM")),
    signals.on("SIGHUP", () => tracer.forward("SIGHUP")),
  ];
  let exitCode: number;
  try {
    const result = await tracer.run({
      argv: [opts.bmake, ...withMetaMode(opts.args)],
      ops: new Set(DEFAULT_CLASSES),
      failed: false,
      fastPath: opts.fastPath,
      emit: (event) => jobs.event(event),
    });
    jobs.finish();
    exitCode = result.exitCode;
    for (const w of result.warnings ?? []) {
      printError(io, `filemon: warning: ${w}`);
    }
  } finally {
    for (const stop of stops) stop();
  }
  const { unfinished, unrepresentable } = jobs.counts;
  if (unfinished > 0) {
    printError(
      io,
      `filemon: ${unfinished} .meta file${
        unfinished === 1 ? " was" : "s were"
      } left without filemon data (bmake did not finish the job${
        unfinished === 1 ? "" : "s"
      }): bmake rebuilds ${unfinished === 1 ? "it" : "them"} next time`,
    );
  }
  if (unrepresentable > 0) {
    printError(
      io,
      `filemon: warning: ${unrepresentable} record${
        unrepresentable === 1 ? " was" : "s were"
      } left out of .meta files: a path with a newline cannot be written there`,
    );
  }
  for (const f of failures.slice(0, 5)) {
    printError(io, `filemon: cannot write the filemon section of ${f}`);
  }
  if (failures.length > 5) {
    printError(io, `filemon: ... and ${failures.length - 5} more .meta files`);
  }
  return failures.length > 0 && exitCode === 0 ? 1 : exitCode;
}
