/**
 * Arguments that are not UTF-8 reach the command, `-o`, `decode` and
 * `graph` as their exact bytes (the runtimes decode argv with U+FFFD;
 * filemon takes the bytes from /proc/self/cmdline). The shell makes the
 * bytes: Deno's own process API passes strings.
 */

import { assert, assertEquals } from "@std/assert";
import {
  CLI_NAME,
  FILEMON,
  filemonArgs,
  ROOT,
  SAMPLES,
  traceArgs,
} from "../_helpers.ts";
import { pathToBase64 } from "../../lib/path.ts";

const isLinux = Deno.build.os === "linux";

/** The shell's word for `f` + byte 0xff, and the same name as a path string. */
const F_FF = `"$(printf 'f\\377')"`;
const F_FF_PATH = "f\udcff";

async function tmp(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "filemon-a-" }));
}

interface Bytes {
  code: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/** Runs `sh -c SCRIPT` in `cwd`, `"$@"` being filemon with `args`. */
async function sh(
  script: string,
  args: string[],
  cwd: string,
): Promise<Bytes> {
  const r = await new Deno.Command("sh", {
    args: ["-c", script, "sh", FILEMON, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** Whether a file named `name` (a shell word) exists in `dir`. */
function exists(dir: string, word: string): boolean {
  return new Deno.Command("sh", {
    args: ["-c", `test -f ${word}`],
    cwd: dir,
  }).outputSync().success;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * filemon `decode` or `graph` (the command is the last argument): under
 * Deno with native calls allowed, which it needs to name such a file.
 */
function readArgs(command: "decode" | "graph"): string[] {
  if (CLI_NAME !== "deno") return filemonArgs(command);
  return [
    "run",
    "--quiet",
    "--allow-read",
    "--allow-write",
    "--allow-ffi",
    `${ROOT}main.ts`,
    command,
  ];
}

Deno.test({
  name: "trace runs a command whose argument is not UTF-8 with its bytes",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    await sh(`printf 'hello\\n' > ${F_FF}`, [], dir);
    const r = await sh(
      `exec "$@" ${F_FF}`,
      traceArgs("-f", "jsonl", "-o", "t.jsonl", "--", "cat"),
      dir,
    );
    assertEquals(r.code, 0, text(r.stderr));
    assertEquals(text(r.stdout), "hello\n");
    const events = Deno.readTextFileSync(`${dir}/t.jsonl`).trimEnd().split(
      "\n",
    ).map((l) => JSON.parse(l));
    const exec = events.find((e) => e.op === "exec");
    assertEquals(exec.argv_b64, [null, pathToBase64(F_FF_PATH)]);
    const opens = events.filter((e) => e.op === "open" && e.path_b64);
    assertEquals(opens.length, 1);
    assertEquals(opens[0].path_b64, pathToBase64(F_FF_PATH));
    assertEquals(opens[0].abs_b64, pathToBase64(`${dir}/${F_FF_PATH}`));
    assertEquals(opens[0].mode, "r");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace says a command that is not UTF-8 cannot be found with its bytes",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const r = await sh(
      `exec "$@" ./${F_FF}`,
      traceArgs("-o", "t.log", "--"),
      dir,
    );
    assertEquals(r.code, 127);
    assertEquals(
      r.stderr,
      new Uint8Array([
        ...new TextEncoder().encode("filemon: cannot run './f"),
        0xff,
        ...new TextEncoder().encode("': No such file or directory\n"),
      ]),
    );
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace -o with a name that is not UTF-8 creates exactly that name",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const r = await sh(
      `exec "$@" -o ${F_FF} -- true`,
      traceArgs(),
      dir,
    );
    assertEquals(r.code, 0, text(r.stderr));
    assert(exists(dir, F_FF));
    // One file, listed by Deno with U+FFFD for the byte.
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["f\ufffd"]);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "decode and graph read and write files whose names are not UTF-8",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const log = `${SAMPLES}freebsd-v5-sleep.log`;
    await sh(`cp '${log}' ${F_FF}`, [], dir);
    const expected = await sh(`exec "$@" '${log}'`, readArgs("decode"), dir);
    assertEquals(expected.code, 0, text(expected.stderr));
    const r = await sh(`exec "$@" ${F_FF}`, readArgs("decode"), dir);
    assertEquals(r.code, 0, text(r.stderr));
    assertEquals(text(r.stdout), text(expected.stdout));
    // -o with such a name: written whole under exactly that name.
    const o = await sh(
      `exec "$@" ${F_FF} -o "$(printf 'g\\376')"`,
      readArgs("decode"),
      dir,
    );
    assertEquals(o.code, 0, text(o.stderr));
    assert(exists(dir, `"$(printf 'g\\376')"`));
    const written = await sh(`cat "$(printf 'g\\376')"`, [], dir);
    assertEquals(text(written.stdout), text(expected.stdout));
    const g = await sh(`exec "$@" ${F_FF} -f json`, readArgs("graph"), dir);
    const gExpected = await sh(
      `exec "$@" '${log}' -f json`,
      readArgs("graph"),
      dir,
    );
    assertEquals(g.code, 0, text(g.stderr));
    assertEquals(text(g.stdout), text(gExpected.stdout));
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "decode under Deno without --allow-ffi says why a name that is not UTF-8 cannot be read",
  ignore: !isLinux || CLI_NAME !== "deno",
  async fn() {
    const dir = await tmp();
    await sh(`cp '${SAMPLES}freebsd-v5-sleep.log' ${F_FF}`, [], dir);
    const r = await sh(`exec "$@" ${F_FF}`, filemonArgs("decode"), dir);
    assertEquals(r.code, 1);
    assertEquals(
      text(r.stderr),
      "filemon: Cannot read 'f\ufffd': no such file (an argument is not UTF-8: under Deno, filemon gets its bytes and opens such a name only with --allow-ffi)\n",
    );
    assertEquals(r.stdout.length, 0);
    await Deno.remove(dir, { recursive: true });
  },
});
