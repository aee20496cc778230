/**
 * `filemon diff` on real traced builds: a header edited between two runs
 * of the hello fixture and of a generated C build names that header and
 * exactly the objects built from it; exit statuses and commands that
 * differ; errors (exit 2).
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { makeProject } from "../bench/trace_bench.ts";
import { FILEMON, installed, ROOT, runCli, traceArgs } from "../_helpers.ts";

const ready = Deno.build.os === "linux" &&
  ["gcc", "make"].every(installed);

async function sh(cwd: string, script: string): Promise<string> {
  const r = await new Deno.Command("sh", {
    args: ["-c", script],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return new TextDecoder().decode(r.stdout);
}

/** Traces `command` in `cwd` to `out` (JSON Lines); returns its exit code. */
async function trace(
  cwd: string,
  out: string,
  command: string[],
): Promise<number> {
  const r = await new Deno.Command(FILEMON, {
    args: traceArgs("-f", "jsonl", "--failed", "-o", out, "--", ...command),
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  return r.code;
}

/** Traces the build, then writes its manifest to `manifest`. */
async function build(
  dir: string,
  name: string,
  command: string[],
): Promise<{ trace: string; manifest: string }> {
  const t = `${dir}.${name}.jsonl`;
  assertEquals(await trace(dir, t, command), 0);
  const m = `${dir}.${name}.json`;
  const r = await runCli(["manifest", t, "--root", dir, "-o", m]);
  assertEquals(r.code, 0, r.stderr);
  return { trace: t, manifest: m };
}

/** A line every object that includes the header gets a symbol from. */
const USED = (tag: string) =>
  `\nstatic const char tag_${tag}[] __attribute__((used)) = "${tag}";\n`;

async function tempDir(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "filemon-d-" }));
}

Deno.test({
  name:
    "diff of the hello build before and after util.h changed: util.h and the objects and program built from it",
  ignore: !ready,
  async fn() {
    const dir = await tempDir();
    await sh(dir, `cp ${ROOT}tests/fixtures/hello/* .`);
    const a = await build(dir, "a", ["make", "-s"]);
    await sh(dir, "make -s clean");
    await Deno.writeTextFile(`${dir}/util.h`, USED("v2"), { append: true });
    const b = await build(dir, "b", ["make", "-s"]);

    const r = await runCli(["diff", a.manifest, b.manifest]);
    assertEquals(r.stderr, "");
    assertEquals(r.code, 1);
    assertEquals(
      r.stdout,
      "inputs changed (1):\n  util.h\n" +
        "outputs changed (3):\n  hello\n  main.o\n  util.o\n",
    );
    // A run against itself: equal, silent, exit 0.
    const same = await runCli(["diff", a.manifest, a.manifest]);
    assertEquals([same.code, same.stdout, same.stderr], [0, "", ""]);
    // The two traces (no hashes: presence only) ran the same commands with
    // the same statuses, though cc1 and as were given other /tmp names.
    const traces = await runCli(["diff", a.trace, b.trace, "--root", dir]);
    assertEquals([traces.code, traces.stdout, traces.stderr], [0, "", ""]);
    // A trace against a manifest: presence only.
    const mixed = await runCli([
      "diff",
      a.trace,
      b.manifest,
      "--root",
      dir,
      "-f",
      "json",
    ]);
    assertEquals(mixed.code, 0, mixed.stderr);
    assertEquals(JSON.parse(mixed.stdout).equal, true);
    for (const f of [a, b]) {
      await Deno.remove(f.trace);
      await Deno.remove(f.manifest);
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "diff --format json of a generated C build names the edited header and exactly the objects gcc -MM says include it",
  ignore: !ready,
  async fn() {
    const dir = await tempDir();
    await makeProject(dir, 8);
    const make = ["make", "-j2", "-s", "app"];
    const a = await build(dir, "a", make);
    await sh(dir, "make -s clean");
    const header = "include/h5.h";
    const text = await Deno.readTextFile(`${dir}/${header}`);
    await Deno.writeTextFile(
      `${dir}/${header}`,
      text.replace("#endif", USED("h5") + "#endif"),
    );
    const b = await build(dir, "b", make);
    const r = await runCli(["diff", a.manifest, b.manifest, "-f", "json"]);
    assertEquals(r.code, 1, r.stderr);
    const d = JSON.parse(r.stdout);
    assertEquals(d.format, "filemon-diff");
    assertEquals(d.inputs, { added: [], removed: [], changed: [header] });
    const objects: string[] = [];
    for (
      const unit of [...Array(8).keys()].map((u) => `u${u}`).concat("main")
    ) {
      const deps = await sh(dir, `gcc -MM -Iinclude src/${unit}.c`);
      if (deps.replace(/\\\n/g, " ").split(/\s+/).includes(header)) {
        objects.push(`obj/${unit}.o`);
      }
    }
    assert(objects.length > 0 && objects.length < 9, objects.join());
    assertEquals(d.outputs.added, []);
    assertEquals(d.outputs.removed, []);
    assertEquals(
      [...d.outputs.changed].sort(),
      ["app", ...objects].sort(),
    );
    assertEquals(d.commands, { onlyA: [], onlyB: [] });
    assertEquals(d.exits, []);
    assertEquals(d.equal, false);
    for (const f of [a, b]) {
      await Deno.remove(f.trace);
      await Deno.remove(f.manifest);
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "diff names a command whose exit status differs and commands only one run made; errors exit 2",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await tempDir();
    const script =
      "test -e flag; s=$?; if [ -e extra ]; then true extra; fi; exit $s";
    assertEquals(await trace(dir, `${dir}/a.jsonl`, ["sh", "-c", script]), 1);
    await Deno.writeTextFile(`${dir}/flag`, "");
    await Deno.writeTextFile(`${dir}/extra`, "");
    await sh(dir, "ln -s /bin/true ./true-prog");
    assertEquals(
      await trace(dir, `${dir}/b.jsonl`, [
        "sh",
        "-c",
        script.replace("true extra", "./true-prog extra"),
      ]),
      0,
    );
    const r = await runCli([
      "diff",
      `${dir}/a.jsonl`,
      `${dir}/b.jsonl`,
      "--root",
      dir,
    ]);
    assertEquals(r.code, 1, r.stderr);
    assertStringIncludes(r.stdout, "commands only in A (1):\n  sh -c ");
    assertStringIncludes(r.stdout, "commands only in B (2):\n");
    assertStringIncludes(r.stdout, "  ./true-prog extra\n");

    const sameArgv = ["sh", "-c", "test -e flag"];
    assertEquals(await trace(dir, `${dir}/c.jsonl`, sameArgv), 0);
    await Deno.remove(`${dir}/flag`);
    assertEquals(await trace(dir, `${dir}/d.jsonl`, sameArgv), 1);
    const e = await runCli([
      "diff",
      `${dir}/c.jsonl`,
      `${dir}/d.jsonl`,
      "--root",
      dir,
    ]);
    assertEquals(e.code, 1, e.stderr);
    assertEquals(
      e.stdout,
      "exit status differs (1):\n  sh -c 'test -e flag': status 0 -> status 1\n",
    );

    const missing = await runCli(["diff", `${dir}/c.jsonl`, `${dir}/none`]);
    assertEquals([missing.code, missing.stdout], [2, ""]);
    assertStringIncludes(missing.stderr, "no such file");
    await Deno.writeTextFile(
      `${dir}/bad.json`,
      '{"format": "filemon-manifest", "version": 7}',
    );
    const bad = await runCli(["diff", `${dir}/bad.json`, `${dir}/c.jsonl`]);
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "unknown version 7");
    const usage = await runCli(["diff", `${dir}/c.jsonl`]);
    assertEquals(usage.code, 2);
    await Deno.remove(dir, { recursive: true });
  },
});
