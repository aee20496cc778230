/**
 * `filemon report` and `trace -f report` from the command line (any
 * executable, FILEMON_CLI): the page holds the trace's data, its make rules
 * are `graph -f make`'s, nothing in it reaches the network, and bad input
 * gives one line, exit status 1 and no page. The page in a browser:
 * tests/lib/report_test.ts.
 */

import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { FILEMON, installed, runCli, SAMPLES, traceArgs } from "../_helpers.ts";
import type { ReportData } from "../../lib/report/data.ts";

const ready = Deno.build.os === "linux" && ["cc", "make"].every(installed);

/** The data a page holds. */
export function pageData(html: string): ReportData {
  const m = html.match(
    /<script type="application\/json" id="filemon-data">([^<]*)<\/script>/,
  );
  if (m === null) throw new Error("the page has no data element");
  return JSON.parse(m[1]);
}

/** Parses make rules into target → prerequisites. */
function parseRules(text: string): Map<string, string[]> {
  const rules = new Map<string, string[]>();
  for (const line of text.replace(/\\\n/g, " ").split("\n")) {
    const i = line.indexOf(":");
    if (i < 0) continue;
    rules.set(
      line.slice(0, i).trim(),
      line.slice(i + 1).trim().split(/\s+/).filter((d) => d !== ""),
    );
  }
  return rules;
}

/** The page's rules as shown paths. */
function pageRules(data: ReportData): Map<string, string[]> {
  const shown = (f: number) => data.strings[data.files.path[f]];
  return new Map(
    data.rules.map(([f, l]) => [shown(f), data.inputLists[l].map(shown)]),
  );
}

/** A copy of the example build, traced as JSON Lines; returns [dir, trace]. */
async function tracedHello(): Promise<[string, string]> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "filemon-report-" }),
  );
  for (const f of ["Makefile", "main.c", "util.c", "util.h", "config.h"]) {
    await Deno.copyFile(`${SAMPLES}hello/${f}`, `${dir}/${f}`);
  }
  const trace = `${dir}.jsonl`;
  const r = await new Deno.Command(FILEMON, {
    args: traceArgs("-f", "jsonl", "-o", trace, "--", "make", "-s"),
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  return [dir, trace];
}

/** Every element that could fetch something: src, href, url(), @import. */
function fetchers(html: string): string[] {
  return html.match(/\s(src|href|action)=|url\(|@import|https?:\/\//g) ?? [];
}

Deno.test({
  name:
    "report: the page of a traced build holds its processes, files and graph -f make's rules",
  ignore: !ready,
  async fn() {
    const [dir, trace] = await tracedHello();
    try {
      const out = `${dir}/report.html`;
      const r = await runCli(["report", trace, "--root", dir, "-o", out]);
      assertEquals([r.code, r.stderr], [0, ""]);
      const html = await Deno.readTextFile(out);
      assert(html.startsWith("<!doctype html>"));
      assertStringIncludes(
        html,
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none';`,
      );
      assertEquals(fetchers(html), []);
      const data = pageData(html);
      assertEquals([data.format, data.version, data.clock], [
        "filemon-report",
        1,
        "seconds",
      ]);
      assertEquals(data.title, "make -s");
      // Every process of the trace: the traced command and each forked child.
      const events = (await Deno.readTextFile(trace)).trim().split("\n").map(
        (l) => JSON.parse(l),
      );
      const root = events.find((e) => e.op === "exec").pid;
      const pids = [
        root,
        ...events.filter((e) => e.op === "fork").map((e) => e.child),
      ].sort();
      assertEquals([...data.procs.pid].sort(), pids);
      const names = data.procs.program.map((s) => data.strings[s]);
      assert(names.some((n) => n.endsWith("/cc1")), names.join());
      for (let p = 0; p < pids.length; p++) {
        assertEquals(data.procs.status[p], 0);
        assert(data.procs.end[p]! >= data.procs.start[p]);
      }
      // The same rules as graph -f make, and the outputs are the files of role output.
      const g = await runCli(["graph", trace, "--root", dir]);
      assertEquals(g.code, 0, g.stderr);
      assertEquals(pageRules(data), parseRules(g.stdout));
      assertEquals(
        [...pageRules(data).get("main.o")!].sort(),
        ["config.h", "main.c", "util.h"],
      );
      const kept = (f: number) => (data.files.flags[f] & 4) !== 0;
      const outputs = data.files.role.flatMap((role, f) =>
        role === "output" && kept(f) ? [data.strings[data.files.path[f]]] : []
      );
      assertEquals(outputs.sort(), ["hello", "main.o", "util.o"]);
      const tmp = data.files.path.findIndex((s) =>
        data.strings[s] === "main.o.tmp"
      );
      assertEquals(data.files.role[tmp], "temporary");
      // Sizes, read when the page was made.
      const hello = data.files.path.findIndex((s) =>
        data.strings[s] === "hello"
      );
      assertEquals(
        data.files.size[hello],
        (await Deno.stat(`${dir}/hello`)).size,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(trace);
    }
  },
});

Deno.test({
  name: "trace -f report: the page as the command runs, with times",
  ignore: !ready,
  async fn() {
    const [dir, trace] = await tracedHello();
    try {
      await new Deno.Command("make", { args: ["-s", "clean"], cwd: dir })
        .output();
      const out = `${dir}.html`;
      const r = await new Deno.Command(FILEMON, {
        args: traceArgs(
          "-f",
          "report",
          "--root",
          dir,
          "-o",
          out,
          "--",
          "make",
          "-s",
        ),
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      }).output();
      assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
      const data = pageData(await Deno.readTextFile(out));
      await Deno.remove(out);
      assertEquals(data.clock, "seconds");
      assertEquals(data.title, "make -s");
      assertEquals(
        data.procs.pid.length,
        pageData(
          (await runCli(["report", trace])).stdout,
        ).procs.pid.length,
      );
      assertEquals([...pageRules(data).keys()].sort(), [
        "hello",
        "main.o",
        "util.o",
      ]);
      assert(data.span > 0 && data.span < 60, String(data.span));
      const make = data.procs.program.findIndex((s) =>
        data.strings[s].endsWith("/make")
      );
      // The root's bar spans its children's.
      for (let p = 0; p < data.procs.pid.length; p++) {
        assert(data.procs.start[p] >= data.procs.start[make]);
        assert(data.procs.end[p]! <= data.procs.end[make]!);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(trace);
    }
  },
});

Deno.test("report: a filemon log without times counts events; a path cannot end the data element", async () => {
  const r = await runCli(["report", `${SAMPLES}freebsd-v5-sleep.log`]);
  assertEquals([r.code, r.stderr], [0, ""]);
  const data = pageData(r.stdout);
  assertEquals(data.clock, "events");
  assert(data.procs.pid.length >= 1);
  const path = "/w/</script><script>alert(1)</script>.c";
  const lines = [
    { op: "exec", pid: 5, path: "/usr/bin/cc", argv: ["cc", path] },
    { op: "open", pid: 5, path, mode: "r" },
    { op: "open", pid: 5, path: "/w/<!--x.o", mode: "w" },
    { op: "exit", pid: 5, status: 1 },
  ].map((e) => JSON.stringify(e)).join("\n") + "\n";
  const t = await runCli(["report", "-", "--title", "<b>x</b>"], {
    stdin: new TextEncoder().encode(lines),
  });
  assertEquals([t.code, t.stderr], [0, ""]);
  assertEquals(t.stdout.split("</script>").length, 3); // the data's and the code's
  assertStringIncludes(
    t.stdout,
    "<title>filemon: &lt;b&gt;x&lt;/b&gt;</title>",
  );
  const d = pageData(t.stdout);
  assert(d.strings.includes(path));
  assertEquals(pageRules(d).get("/w/<!--x.o"), [path]);
  assertEquals(d.procs.status, [1]);
});

Deno.test("report: bad input is one line, exit status 1, and no page", async () => {
  const dir = await Deno.makeTempDir({ prefix: "filemon-report-bad-" });
  try {
    const bad = `${dir}/bad.log`;
    await Deno.writeTextFile(bad, "# filemon version 5\nR 1 /a\nQ 2 /b\n");
    const out = `${dir}/out.html`;
    const r = await runCli(["report", bad, "-o", out]);
    assertEquals(r.code, 1);
    assertEquals(
      r.stderr,
      `filemon: ${bad}: Cannot decode line 3: unknown record 'Q'\n`,
    );
    assertEquals((await Array.fromAsync(Deno.readDir(dir))).length, 1);
    const missing = await runCli(["report", `${dir}/nope.jsonl`, "-o", out]);
    assertEquals(missing.code, 1);
    assertEquals(
      missing.stderr,
      `filemon: Cannot read '${dir}/nope.jsonl': no such file\n`,
    );
    for (
      const [args, message] of [
        [["a", "b"], "report takes one input file, got 2"],
        [["--probes", bad], "report: --probes is for graph's drawings"],
        [["--bogus"], "report: unknown option '--bogus'"],
        [["--root", "rel", bad], "--root must be an absolute path, not 'rel'"],
      ] as const
    ) {
      const u = await runCli(["report", ...args]);
      assertEquals(u.code, 2, u.stderr);
      assertMatch(
        u.stderr,
        new RegExp(`^filemon: ${message.replace(/[.*?()[\]]/g, "\\$&")}`),
      );
      assertEquals(u.stdout, "");
    }
    const help = await runCli(["report", "--help"]);
    assertEquals(help.code, 0);
    assertStringIncludes(
      help.stdout,
      "Usage: filemon report [FILE|-] [-o FILE]",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
