/**
 * The dependency graph of real traced builds, checked against gcc's own
 * dependency lists.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { formatFilemonAbsolute, parseJsonLine } from "../../lib/mod.ts";
import { makeProject } from "../bench/trace_bench.ts";
import { FILEMON, installed, runCli, traceArgs } from "../_helpers.ts";

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

async function traceJsonl(cwd: string, command: string[]): Promise<string> {
  const out = `${cwd}.trace.jsonl`;
  const r = await new Deno.Command(FILEMON, {
    args: traceArgs("-f", "jsonl", "-o", out, "--", ...command),
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  const text = await Deno.readTextFile(out);
  await Deno.remove(out);
  return text;
}

/** Parses make rules ("a: b c", with `\` continuations) into target → prerequisites. */
function parseRules(text: string): Map<string, string[]> {
  const rules = new Map<string, string[]>();
  for (const line of text.replace(/\\\n/g, " ").split("\n")) {
    const i = line.indexOf(":");
    if (i < 0) continue;
    const deps = line.slice(i + 1).trim().split(/\s+/).filter((d) => d !== "");
    rules.set(line.slice(0, i).trim(), deps);
  }
  return rules;
}

Deno.test({
  name:
    "graph --format make lists exactly the headers gcc -MM lists for every object",
  ignore: !ready,
  async fn() {
    const dir = await Deno.realPath(
      await Deno.makeTempDir({ prefix: "filemon-g-" }),
    );
    await makeProject(dir, 60);
    const jsonl = await traceJsonl(dir, ["make", "-j2", "-s", "app"]);
    const input = `${dir}.jsonl`;
    await Deno.writeTextFile(input, jsonl);
    const r = await runCli(["graph", input, "--root", dir]);
    assertEquals(r.code, 0, r.stderr);
    const ours = parseRules(r.stdout);
    const objects = [...ours.keys()].filter((t) => t.endsWith(".o"));
    assertEquals(objects.length, 61);
    for (const obj of objects) {
      const src = `src/${obj.slice(4, -2)}.c`;
      const gcc = parseRules(await sh(dir, `gcc -MM -Iinclude ${src}`));
      const expected = [...new Set([...gcc.values()][0])].sort();
      assertEquals([...ours.get(obj)!].sort(), expected, obj);
    }
    // The link step: app from every object, through the rename into place.
    assertEquals(ours.get("app")!.length, 61);
    // No temporary (x.o.tmp, /tmp/cc*.s) is an output or an input.
    assert(![...ours.keys()].some((t) => t.includes(".tmp")));
    assert(
      ![...ours.values()].flat().some((d) =>
        d.includes(".tmp") || d.startsWith("/tmp")
      ),
    );
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(input);
  },
});

Deno.test({
  name:
    "graph shows a rename into place as the output and hides a deleted temporary",
  ignore: !ready,
  async fn() {
    const dir = await Deno.realPath(
      await Deno.makeTempDir({ prefix: "filemon-g-" }),
    );
    await Deno.writeTextFile(
      `${dir}/a.c`,
      '#include "a.h"\nint main(void){return A;}\n',
    );
    await Deno.writeTextFile(`${dir}/a.h`, "#define A 0\n");
    const jsonl = await traceJsonl(dir, [
      "sh",
      "-c",
      "cc -o x.tmp a.c && mv x.tmp x && echo scratch > t.tmp && cat t.tmp > /dev/null && rm t.tmp",
    ]);
    const r = await runCli(["graph", "-", "--root", dir], {
      stdin: new TextEncoder().encode(jsonl),
    });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "x: a.c a.h\n");
    const json = await runCli(["graph", "-", "--root", dir, "-f", "json"], {
      stdin: new TextEncoder().encode(jsonl),
    });
    const doc = JSON.parse(json.stdout);
    const path = (id: number) => doc.files[id].path;
    assert(doc.summary.temporaries.map(path).includes(`${dir}/t.tmp`));
    assert(doc.summary.temporaries.map(path).includes(`${dir}/x.tmp`));
    assert(!doc.summary.outputs.map(path).includes(`${dir}/t.tmp`));
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "graph from a filemon log equals graph from the same run's JSON Lines",
  ignore: !ready,
  async fn() {
    const dir = await Deno.realPath(
      await Deno.makeTempDir({ prefix: "filemon-g-" }),
    );
    await makeProject(dir, 8);
    const jsonl = await traceJsonl(dir, ["make", "-j2", "-s", "app"]);
    // The filemon log that `trace -f filemon` writes for the same events.
    const log = jsonl.split("\n").filter((l) => l !== "")
      .map((l, i) => formatFilemonAbsolute(parseJsonLine(l, i + 1))).join("");
    const enc = new TextEncoder();
    for (const format of ["make", "dot", "mermaid", "hazards"]) {
      const a = await runCli(["graph", "-", "--root", dir, "-f", format], {
        stdin: enc.encode(jsonl),
      });
      const b = await runCli(["graph", "-", "--root", dir, "-f", format], {
        stdin: enc.encode(log),
      });
      assertEquals(a.code, 0, a.stderr);
      assertEquals(b.stdout, a.stdout, format);
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace --format graph-dot renders with Graphviz",
  ignore: !ready,
  async fn() {
    const dir = await Deno.realPath(
      await Deno.makeTempDir({ prefix: "filemon-g-" }),
    );
    await makeProject(dir, 4);
    const r = await new Deno.Command(FILEMON, {
      args: traceArgs(
        "-f",
        "graph-dot",
        "--root",
        dir,
        "-o",
        `${dir}/graph.dot`,
        "--",
        "make",
        "-s",
        "app",
      ),
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const dot = await Deno.readTextFile(`${dir}/graph.dot`);
    assert(dot.startsWith("digraph"));
    assertStringIncludes(dot, '"obj/u0.o"');
    if (installed("dot")) {
      const svg = await new Deno.Command("dot", {
        args: ["-Tsvg", `${dir}/graph.dot`],
        stdout: "piped",
        stderr: "piped",
      })
        .output();
      assert(svg.success, new TextDecoder().decode(svg.stderr));
      assertStringIncludes(new TextDecoder().decode(svg.stdout), "<svg");
    }
    await Deno.remove(dir, { recursive: true });
  },
});
