/**
 * Helpers shared by the tests.
 *
 * The CLI tests (`tests/cli/`) run the executable that `FILEMON_CLI` names,
 * words split at spaces: `bun main.ts`, `dist/filemon`, `deno run -A
 * main.ts`. Relative paths in it are taken from the repository's root.
 * Without it they run `deno run main.ts` with the fewest permissions each
 * command needs (`--allow-ffi --allow-read` for trace, file access for the
 * others).
 *
 * @module
 */

/** The repository's root directory. */
export const ROOT = new URL("../", import.meta.url).pathname;

/** Real filemon logs (copies of shared/filemon-samples, see fixtures/SOURCES.md). */
export const SAMPLES = new URL("./fixtures/", import.meta.url)
  .pathname;

/** The executable under test, from FILEMON_CLI (empty: Deno with main.ts). */
const CLI: string[] = (Deno.env.get("FILEMON_CLI") ?? "").split(" ")
  .filter((w) => w !== "")
  .map((w) =>
    !w.startsWith("/") && !w.startsWith("-") &&
      (w.includes("/") || w.endsWith(".ts"))
      ? `${ROOT}${w}`
      : w
  );

/** What `FILEMON_CLI` runs, for test names and messages ("deno" by default). */
export const CLI_NAME: string = CLI.length === 0 ? "deno" : CLI.join(" ");

/**
 * Whether the executable under test has the fast path: Bun, the binary, and
 * Deno when it may read the worker's module (`--allow-read`, `-A`).
 */
export const FAST_PATH: boolean = CLI.length === 0 ||
  !CLI[0].endsWith("deno") ||
  CLI.some((w) => /^(-A|--allow-all|--allow-read)(=|$)/.test(w));

/** The program that runs filemon (argv[0]), as an absolute path (for execv). */
export const FILEMON: string = CLI.length === 0
  ? Deno.execPath()
  : CLI[0].includes("/")
  ? CLI[0]
  : new TextDecoder().decode(
    new Deno.Command("sh", {
      args: ["-c", 'command -v "$0"', CLI[0]],
      stdout: "piped",
    }).outputSync().stdout,
  ).trim() || CLI[0];

/**
 * The arguments after `FILEMON` that run filemon with `args` (a command
 * first): under Deno by default, with only the permissions that command
 * needs.
 */
export function filemonArgs(...args: string[]): string[] {
  if (CLI.length > 0) return [...CLI.slice(1), ...args];
  // trace: --allow-read lets the fast path's worker load.
  const perms = args[0] === "trace"
    ? ["--allow-ffi", "--allow-read"]
    : ["--allow-read", "--allow-write"];
  return ["run", "--quiet", ...perms, `${ROOT}main.ts`, ...args];
}

/** `filemonArgs("trace", ...args)`. */
export function traceArgs(...args: string[]): string[] {
  return filemonArgs("trace", ...args);
}

/** What running the CLI printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
}

/** Runs filemon with `args`, optionally feeding `stdin`. */
export async function runCli(
  args: string[],
  options: { stdin?: Uint8Array; cwd?: string } = {},
): Promise<RunResult> {
  const cmd = new Deno.Command(FILEMON, {
    args: filemonArgs(...args),
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd,
  });
  const child = cmd.spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(options.stdin);
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    stdoutBytes: out.stdout,
  };
}

/** Bytes of a string. */
export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Whether `program` is on PATH. */
export function installed(program: string): boolean {
  return new Deno.Command("sh", {
    args: ["-c", `command -v ${program}`],
    stdout: "null",
    stderr: "null",
  }).outputSync().success;
}

/** Compiles C source in `dir`; returns the binary's path. */
export async function cc(
  dir: string,
  name: string,
  source: string,
  flags: string[] = [],
): Promise<string> {
  await Deno.writeTextFile(`${dir}/${name}.c`, source);
  const r = await new Deno.Command("gcc", {
    args: ["-O1", "-o", `${dir}/${name}`, `${dir}/${name}.c`, ...flags],
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return `${dir}/${name}`;
}
