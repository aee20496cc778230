/**
 * `graph -f make` on real traced builds: what a job's inputs are (shell
 * redirections, temporaries renamed into place, pipelines), and file names
 * GNU make needs escaped, read back by GNU make itself.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { FILEMON, installed, runCli, traceArgs } from "../_helpers.ts";

const ready = Deno.build.os === "linux" && ["make", "gcc"].every(installed);

async function tempDir(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "filemon-gm-" }));
}

/** Traces `command` in `cwd` to JSON Lines; returns the log's path. */
async function trace(cwd: string, command: string[]): Promise<string> {
  const out = `${cwd}.trace.jsonl`;
  const r = await new Deno.Command(FILEMON, {
    args: traceArgs("-f", "jsonl", "-o", out, "--", ...command),
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  return out;
}

/** Rules "target: a b" (names without spaces) as target → prerequisites. */
function rules(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const i = line.indexOf(": ");
    const j = line.endsWith(":") ? line.length - 1 : i;
    if (j < 0) continue;
    out.set(line.slice(0, j), line.slice(j + 1).trim().split(" "));
  }
  return out;
}

Deno.test({
  name:
    "graph -f make: a make rule's redirections, renames into place and pipelines give the job's inputs",
  ignore: !ready,
  async fn() {
    const dir = await tempDir();
    await Deno.writeTextFile(`${dir}/in.h.in`, "#define X 0\n");
    await Deno.writeTextFile(`${dir}/cfg.in`, "int cfg;\n");
    await Deno.writeTextFile(`${dir}/gen.sh`, "#!/bin/sh\necho 'int gen;'\n");
    await Deno.chmod(`${dir}/gen.sh`, 0o755);
    await Deno.writeTextFile(`${dir}/x.h`, "#define A a\n");
    await Deno.writeTextFile(`${dir}/x.c`, '#include "x.h"\nint A;\n');
    await Deno.writeTextFile(
      `${dir}/Makefile`,
      [
        "all: out.h gen.h cfg.h pp.i",
        "out.h: in.h.in",
        "\tsed s/X/1/ in.h.in > out.h",
        "gen.h: gen.sh",
        "\t./gen.sh > $@.tmp && mv $@.tmp $@",
        "cfg.h: cfg.in",
        "\t{ echo '#pragma once'; cat cfg.in; } > $@",
        "pp.i: x.c x.h",
        "\tcc -E x.c | sed s/a/b/ > $@",
        "",
      ].join("\n"),
    );
    const log = await trace(dir, ["make", "-s"]);
    const r = await runCli(["graph", log, "--root", dir]);
    assertEquals(r.code, 0, r.stderr);
    const got = rules(r.stdout);
    assertEquals(Object.fromEntries(got), {
      "cfg.h": ["cfg.in"],
      "gen.h": ["gen.sh"],
      "out.h": ["in.h.in"],
      "pp.i": ["x.c", "x.h"],
    });
    // Each recipe line is one job: its own steps raise no hazard.
    const h = await runCli(["graph", log, "-f", "hazards"]);
    assertEquals([h.code, h.stdout], [0, ""]);
    await Deno.remove(log);
    await Deno.remove(dir, { recursive: true });
  },
});

/** Names GNU make reads specially, each copied to NAME.out by its own job. */
const NAMES = [
  "sp ace",
  "co:lon",
  "per%cent",
  "ha#sh",
  "dol$lar",
  "eq=uals",
  "st*ar",
  "que?ry",
  "br[ack]et",
  "pi|pe",
  "back\\slash\\",
  "back\\ space",
  "paren (copy).txt",
  // make cannot name these (a tab only in a target):
  "ta\tb",
  "new\nline",
  "semi;colon",
  "ar(chive)",
  "~tilde",
];

Deno.test({
  name:
    "graph -f make escapes names GNU make reads specially, and leaves out those it cannot name",
  ignore: !ready,
  async fn() {
    const dir = await tempDir();
    for (const name of NAMES) await Deno.writeTextFile(`${dir}/${name}`, "x");
    await Deno.writeTextFile(`${dir}/names`, NAMES.join("\0") + "\0");
    // xargs starts one job per name, as make would per rule.
    const log = await trace(dir, [
      "sh",
      "-c",
      `xargs -0 -n1 sh -c 'cp "$0" "$0.out"' < names`,
    ]);
    const r = await runCli(["graph", log, "--root", dir]);
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(
      r.stderr,
      "filemon: warning: 5 files left out of the make rules",
    );
    const comments = r.stdout.split("\n").filter((l) => l.startsWith("#"));
    assertEquals(comments.sort(), [
      `# filemon: left out a rule, for its target (make cannot name it): "new\\nline.out"`,
      `# filemon: left out a rule, for its target (make cannot name it): "semi;colon.out"`,
      `# filemon: left out a rule, for its target (make cannot name it): "ta\\tb.out"`,
      `# filemon: left out a rule, for its target (make cannot name it): "~tilde.out"`,
      `# filemon: left out of the next rule (make cannot name it): "ar(chive)"`,
    ]);
    await Deno.writeTextFile(`${dir}/rules.mk`, r.stdout);
    // GNU make reads the rules back; its database names the files.
    const p = await new Deno.Command("make", {
      args: ["-p", "-n", "-r", "-R", "-f", "rules.mk"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(p.stderr);
    assertEquals(p.code, 0, stderr);
    const db = new TextDecoder().decode(p.stdout);
    const files = db.slice(db.indexOf("\n# Files\n"));
    const lines = new Set(files.split("\n"));
    for (const name of NAMES.slice(0, -5)) {
      assert(
        lines.has(`${name}.out: ${name}`),
        `make reads the rule of ${JSON.stringify(name)}`,
      );
    }
    assert(lines.has("ar(chive).out:"));
    // No pattern rule: the target with % is a file.
    const implicit = db.slice(
      db.indexOf("\n# Implicit Rules\n"),
      db.indexOf("\n# Files\n"),
    );
    assert(!implicit.includes("per"), "no pattern rule from a name with %");
    await Deno.remove(log);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "trace -f graph-make warns about a file make cannot name, as graph does",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await tempDir();
    try {
      const r = await new Deno.Command(FILEMON, {
        args: traceArgs(
          "-f",
          "graph-make",
          "-o",
          "-",
          "--",
          "sh",
          "-c",
          'echo > "a;b"; cat "a;b" > out',
        ),
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(r.stdout);
      const stderr = new TextDecoder().decode(r.stderr);
      assertEquals(r.code, 0, stderr);
      assertStringIncludes(stdout, `# filemon: left out a rule`);
      assertStringIncludes(stdout, `${dir}/out:`);
      assertStringIncludes(
        stderr,
        "filemon: warning: 1 file left out of the make rules",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
