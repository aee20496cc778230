/**
 * `filemon manifest` and `trace --manifest` on real traced builds: the
 * hello fixture and a generated C build, hashes checked against
 * sha256sum, the digest against changes to an input and to an unrelated
 * file.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { makeProject } from "../bench/trace_bench.ts";
import {
  FILEMON,
  installed,
  ROOT,
  runCli,
  SAMPLES,
  traceArgs,
} from "../_helpers.ts";

const ready = Deno.build.os === "linux" &&
  ["gcc", "make", "sha256sum"].every(installed);

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

/** Runs `filemon trace ARGS -- COMMAND` in `cwd`; fails the test unless it exits 0. */
async function trace(
  cwd: string,
  args: string[],
  command: string[],
): Promise<void> {
  const r = await new Deno.Command(FILEMON, {
    args: traceArgs(...args, "--", ...command),
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
}

interface Entry {
  path: string;
  type?: string;
  size?: number;
  sha256?: string;
  changed?: boolean;
}

/** `sha256sum` of files in `dir`: path → hex. */
async function sha256sum(
  dir: string,
  paths: string[],
): Promise<Map<string, string>> {
  const out = await sh(
    dir,
    `sha256sum -- ${paths.map((p) => `'${p}'`).join(" ")}`,
  );
  return new Map(
    out.trim().split("\n").map((l) => {
      const [hash, path] = l.split(/\s+\*?/);
      return [path, hash];
    }),
  );
}

async function manifestOf(args: string[]): Promise<{
  digest: string;
  command: { argv: string[]; cwd: string; exit: { status: number } };
  root: string;
  inputs: Entry[];
  outputs: Entry[];
  absent?: Entry[];
  commands: { argv: string[] }[];
}> {
  const r = await runCli(["manifest", ...args]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stderr, "");
  return JSON.parse(r.stdout);
}

async function tempDir(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "filemon-m-" }));
}

Deno.test({
  name:
    "manifest of the hello build: inputs and outputs hashed as sha256sum does, digest follows an input header only",
  ignore: !ready,
  async fn() {
    const dir = await tempDir();
    await sh(dir, `cp ${ROOT}tests/fixtures/hello/* .`);
    const jsonl = `${dir}.jsonl`;
    await trace(dir, ["-f", "jsonl", "--failed", "-o", jsonl], ["make", "-s"]);
    const m = await manifestOf([jsonl, "--root", dir]);
    assertEquals(m.command.argv, ["make", "-s"]);
    assertEquals(m.command.cwd, dir);
    assertEquals(m.command.exit.status, 0);
    assertEquals(m.root, dir);
    const files = (list: Entry[]) =>
      list.filter((e) => e.type === "file").map((e) => e.path);
    assertEquals(files(m.inputs), [
      "Makefile",
      "config.h",
      "main.c",
      "util.c",
      "util.h",
    ]);
    // The objects' temporary names (x.o.tmp) are no outputs.
    assertEquals(m.outputs.map((e) => e.path), ["hello", "main.o", "util.o"]);
    const sums = await sha256sum(dir, [
      ...files(m.inputs),
      ...files(m.outputs),
    ]);
    for (const e of [...m.inputs, ...m.outputs]) {
      if (e.type !== "file") continue;
      assertEquals(e.sha256, sums.get(e.path), e.path);
      assertEquals(e.size, (await Deno.stat(`${dir}/${e.path}`)).size);
      assertEquals(e.changed, undefined, e.path);
    }
    // --failed: the linker's search for libgcc_s.so.1 in the build directory.
    const absent = (m.absent ?? []).map((e) => e.path);
    assert(absent.includes("libgcc_s.so.1"), absent.join());
    // cc1's and as's /tmp/cc*.s, a different name each run, are named alike.
    const as = m.commands.find((c) => c.argv[0] === "as")!;
    assertEquals(as.argv.at(-1), "<temporary>");

    // An unrelated file changes: same digest, nothing flagged.
    await Deno.writeTextFile(`${dir}/notes.txt`, "not part of the build\n");
    await Deno.writeTextFile(`${dir}/README`, "changed\n");
    const same = await manifestOf([jsonl, "--root", dir]);
    assertEquals(same.digest, m.digest);
    // An input header changes: another digest, and the header is flagged
    // as changed since the run read it.
    await new Promise((r) => setTimeout(r, 20));
    await Deno.writeTextFile(
      `${dir}/util.h`,
      (await Deno.readTextFile(`${dir}/util.h`)) + "/* edited */\n",
    );
    const edited = await manifestOf([jsonl, "--root", dir]);
    assert(edited.digest !== m.digest);
    const header = edited.inputs.find((e) => e.path === "util.h")!;
    assertEquals(header.changed, true);
    assertEquals(
      edited.inputs.filter((e) => e.changed).map((e) => e.path),
      ["util.h"],
    );
    // A header looked for and not found that now exists changes it too.
    await Deno.writeTextFile(
      `${dir}/util.h`,
      (await Deno.readTextFile(`${dir}/util.h`)).replace("/* edited */\n", ""),
    );
    await Deno.writeTextFile(`${dir}/libgcc_s.so.1`, "");
    const appeared = await manifestOf([jsonl, "--root", dir]);
    assertEquals(
      appeared.absent!.find((e) => e.path === "libgcc_s.so.1")!.changed,
      true,
    );
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(jsonl);
  },
});

Deno.test({
  name:
    "trace --manifest on a generated C build (make -j2) equals manifest of its JSON Lines; the digest follows a used header, not an unused one",
  ignore: !ready,
  async fn() {
    const dir = await tempDir();
    await makeProject(dir, 6);
    await Deno.writeTextFile(`${dir}/include/unused.h`, "#define UNUSED 1\n");
    const jsonl = `${dir}.jsonl`;
    const manifest = `${dir}.manifest.json`;
    await trace(
      dir,
      ["-f", "jsonl", "-o", jsonl, "--manifest", manifest],
      ["make", "-j2", "-s", "app"],
    );
    // (--root would filter the JSON Lines too, and with them the
    // temporaries the commands' argv name.)
    const direct = JSON.parse(await Deno.readTextFile(manifest));
    assertEquals(direct, await manifestOf([jsonl]));
    assertEquals(direct.command.cwd, dir);
    const m = await manifestOf([jsonl, "--root", dir]);
    // Inputs: exactly the sources, the headers gcc -MM names, the Makefile.
    const headers = new Set<string>();
    for (let u = 0; u < 6; u++) {
      const deps = await sh(dir, `gcc -MM -Iinclude src/u${u}.c`);
      for (const d of deps.replace(/\\\n/g, " ").split(/\s+/)) {
        if (d.startsWith("include/")) headers.add(d);
      }
    }
    const expected = [
      "Makefile",
      ...headers,
      ...Array.from({ length: 6 }, (_, u) => `src/u${u}.c`),
      "src/main.c",
    ].sort();
    assertEquals(
      m.inputs.filter((e) => e.type === "file").map((e) => e.path),
      expected,
    );
    assertEquals(
      m.outputs.map((e) => e.path),
      [
        "app",
        ...Array.from({ length: 6 }, (_, u) => `obj/u${u}.o`),
        "obj/main.o",
      ].sort(),
    );
    const sums = await sha256sum(dir, expected);
    for (const e of m.inputs) {
      if (e.type === "file") assertEquals(e.sha256, sums.get(e.path), e.path);
    }
    await Deno.writeTextFile(`${dir}/include/unused.h`, "#define UNUSED 2\n");
    assertEquals((await manifestOf([jsonl, "--root", dir])).digest, m.digest);
    const used = [...headers][0];
    await Deno.writeTextFile(
      `${dir}/${used}`,
      (await Deno.readTextFile(`${dir}/${used}`)) + "\n",
    );
    const after = await manifestOf([jsonl, "--root", dir]);
    assert(after.digest !== m.digest);
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(jsonl);
    await Deno.remove(manifest);
  },
});

Deno.test({
  name: "manifest hashes a 48 MiB input read in chunks, as sha256sum does",
  ignore: !ready,
  async fn() {
    const dir = await tempDir();
    const big = new Uint8Array(48 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >> 12) & 0xff;
    await Deno.writeFile(`${dir}/big.bin`, big);
    const jsonl = `${dir}.jsonl`;
    await trace(dir, ["-f", "jsonl", "-o", jsonl], [
      "sh",
      "-c",
      "cat big.bin > copy.bin",
    ]);
    const m = await manifestOf([jsonl, "--root", dir]);
    const sums = await sha256sum(dir, ["big.bin"]);
    assertEquals(m.inputs.find((e) => e.path === "big.bin"), {
      path: "big.bin",
      type: "file",
      size: big.length,
      sha256: sums.get("big.bin"),
    });
    assertEquals(
      m.outputs.find((e) => e.path === "copy.bin")?.sha256,
      sums.get("big.bin"),
    );
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(jsonl);
  },
});

Deno.test({
  name:
    "manifest of a filemon log (no timestamps) and refusals of bad input name the line",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const m = await manifestOf([`${SAMPLES}freebsd-v5-sleep.log`, "--system"]);
    assertEquals(m.digest.length, 64);
    assert(m.inputs.length > 0);
    const dir = await tempDir();
    await Deno.writeTextFile(
      `${dir}/bad.jsonl`,
      '{"op":"exec","pid":1,"path":"/bin/true"}\n{"op":"bogus","pid":1}\n',
    );
    const r = await runCli(["manifest", `${dir}/bad.jsonl`]);
    assertEquals(r.code, 1);
    assertEquals(r.stdout, "");
    assertStringIncludes(r.stderr, "line 2");
    assertEquals(r.stderr.trim().split("\n").length, 1);
    const missing = await runCli(["manifest", `${dir}/none.jsonl`]);
    assertEquals(missing.code, 1);
    assertStringIncludes(missing.stderr, "no such file");
    await Deno.remove(dir, { recursive: true });
  },
});
