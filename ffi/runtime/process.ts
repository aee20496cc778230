/**
 * Process facts and control behind one small shim, so Bun and a compiled
 * binary can slot in without touching callers.
 *
 * @module
 */

/** Command-line arguments after the script (or the binary) name. */
export function args(): string[] {
  return [...Deno.args];
}

/** Ends the process with `code`. */
export function exit(code: number): never {
  Deno.exit(code);
}

/** The argument that makes `main.ts` (or the compiled binary) act as the tracer's launcher. */
export const LAUNCH_ARG = "__filemon_launch";

/**
 * The argv prefix that starts this tool's launcher: the compiled binary with
 * `LAUNCH_ARG`, or the runtime running the launcher module with nothing but
 * FFI allowed (no config, lock file or type check, to start fast).
 */
export function launcherCommand(): string[] {
  if (Deno.build.standalone) return [Deno.execPath(), LAUNCH_ARG];
  const entry = new URL("../linux/launcher.ts", import.meta.url);
  return [
    Deno.execPath(),
    "run",
    "--allow-ffi",
    "--quiet",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-check",
    entry.href,
  ];
}

/** The tool's version. */
export const VERSION = "0.1.0";
