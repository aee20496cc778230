/** Helpers shared by the tests. @module */

/** The repository's root directory. */
export const ROOT = new URL("../", import.meta.url).pathname;

/** Real filemon logs (copies of shared/filemon-samples, see fixtures/SOURCES.md). */
export const SAMPLES = new URL("./fixtures/", import.meta.url)
  .pathname;

/** What running the CLI printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
}

/** Runs `main.ts` with `args` under `deno run` with the given permissions. */
export async function runCli(
  args: string[],
  options: { stdin?: Uint8Array; perms?: string[]; cwd?: string } = {},
): Promise<RunResult> {
  const perms = options.perms ?? ["--allow-read", "--allow-write"];
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...perms, `${ROOT}main.ts`, ...args],
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

/** `deno run` arguments that start `filemon trace` with FFI allowed and nothing else. */
export function traceArgs(...args: string[]): string[] {
  return ["run", "--allow-ffi", `${ROOT}main.ts`, "trace", ...args];
}
