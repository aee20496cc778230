/**
 * The report's data, and the page in a real browser (headless Chromium over
 * the DevTools protocol): the tree holds every process, the file table's
 * "output" filter shows exactly graph -f make's outputs, clicking an output
 * shows its inputs, the keyboard works, and the page makes no request. Runs
 * once, under Deno (the CLI side runs under every runtime in
 * tests/cli/report_test.ts).
 *
 * With FILEMON_REPORT_SCREENSHOTS=DIR the main views are saved there as
 * report-*.png (docs/ holds the README's).
 */

import { assert, assertEquals, assertLess } from "@std/assert";
import type { TraceEvent } from "../../lib/event.ts";
import { GraphBuilder, makeRules } from "../../lib/graph/mod.ts";
import { ReportBuilder } from "../../lib/report/data.ts";
import { PAGE_SCRIPT } from "../../lib/report/_page_script.ts";
import { makeLog } from "../bench/decode_bench.ts";
import { Browser, chromiumPath, type Page } from "../_browser.ts";
import { FILEMON, installed, runCli, SAMPLES, traceArgs } from "../_helpers.ts";

const CHROMIUM = chromiumPath();
const SHOTS = Deno.env.get("FILEMON_REPORT_SCREENSHOTS");

Deno.test("report data: roles, producers, rules as make's, times from the events", () => {
  const events = [
    { op: "exec", pid: 1, path: "/usr/bin/make", argv: ["make"], time: 100 },
    { op: "fork", pid: 1, child: 2, time: 100.5 },
    { op: "exec", pid: 2, path: "/usr/bin/cc", argv: ["cc", "x.c"], time: 101 },
    { op: "open", pid: 2, path: "x.c", mode: "r", time: 101 },
    { op: "stat", pid: 2, path: "x.h", time: 101 },
    { op: "stat", pid: 2, path: "y.h", error: "ENOENT", time: 101 },
    { op: "open", pid: 2, path: "/tmp/x.s", mode: "w", time: 101.2 },
    { op: "unlink", pid: 2, path: "/tmp/x.s", time: 101.3 },
    { op: "open", pid: 2, path: "x.o", mode: "w", time: 101.4 },
    { op: "exit", pid: 2, status: 0, time: 102 },
    { op: "exit", pid: 1, status: 2, time: 103 },
  ] satisfies TraceEvent[];
  const b = new ReportBuilder({ cwd: "/w" });
  const g = new GraphBuilder({ cwd: "/w" });
  for (const e of events) {
    b.add(e);
    g.add(e);
  }
  const data = b.finish({ root: "/w" });
  const role = (p: string) =>
    data.files.role[data.files.path.findIndex((s) => data.strings[s] === p)];
  assertEquals(
    ["x.o", "x.c", "x.h", "y.h", "/tmp/x.s", "/usr/bin/cc"].map(role),
    ["output", "input", "probe", "missing", "temporary", "input"],
  );
  assertEquals(data.procs.start, [0, 0.5]);
  assertEquals(data.procs.end, [3, 2]);
  assertEquals(data.procs.status, [2, 0]);
  assertEquals(data.procs.job, [0, 1]);
  assertEquals(data.span, 3);
  const shown = (f: number) => data.strings[data.files.path[f]];
  assertEquals(
    data.rules.map(([f, l]) => ({
      target: shown(f),
      prerequisites: data.inputLists[l].map(shown),
    })),
    makeRules(g.finish(), { root: "/w" }),
  );
  // A log without times: positions.
  const log = new ReportBuilder();
  for (const e of events) log.add({ ...e, time: undefined } as TraceEvent);
  const d2 = log.finish();
  assertEquals([d2.clock, d2.procs.start, d2.procs.end], [
    "events",
    [0, 1],
    [10, 9],
  ]);
});

Deno.test("report page script is valid JavaScript", () => {
  // Parsing only: a syntax error would leave the page blank.
  new Function(PAGE_SCRIPT);
});

/** Sets a <select> as a user would (value, then a change event). */
async function choose(page: Page, id: string, value: string): Promise<void> {
  await page.eval(`(() => {
    const s = document.getElementById(${JSON.stringify(id)});
    s.focus(); s.value = ${JSON.stringify(value)};
    s.dispatchEvent(new Event("change", { bubbles: true }));
  })()`);
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS !== undefined) {
    await Deno.writeFile(
      `${SHOTS}/report-${name}.png`,
      await page.screenshot(),
    );
  }
}

Deno.test({
  name:
    "report page in Chromium: every process, make's outputs and inputs, keyboard, no request",
  ignore: CHROMIUM === undefined || Deno.build.os !== "linux" ||
    !["cc", "make"].every(installed),
  async fn() {
    const dir = await Deno.realPath(
      await Deno.makeTempDir({ prefix: "filemon-report-page-" }),
    );
    const browser = await Browser.launch(CHROMIUM!);
    try {
      for (const f of ["Makefile", "main.c", "util.c", "util.h", "config.h"]) {
        await Deno.copyFile(`${SAMPLES}hello/${f}`, `${dir}/${f}`);
      }
      const trace = `${dir}/trace.jsonl`;
      const t = await new Deno.Command(FILEMON, {
        args: traceArgs("-f", "jsonl", "-o", trace, "--", "make", "-s"),
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      }).output();
      assertEquals(t.code, 0, new TextDecoder().decode(t.stderr));
      const html = `${dir}/report.html`;
      const r = await runCli(["report", trace, "--root", dir, "-o", html]);
      assertEquals(r.code, 0, r.stderr);
      const g = await runCli(["graph", trace, "--root", dir]);
      const rules = new Map(
        g.stdout.trim().split("\n").map((l) => {
          const [target, deps] = l.split(":");
          return [target, deps.trim().split(" ")];
        }),
      );
      const events = (await Deno.readTextFile(trace)).trim().split("\n").map(
        (l) => JSON.parse(l),
      );
      const pids = [
        events.find((e) => e.op === "exec").pid,
        ...events.filter((e) => e.op === "fork").map((e) => e.child),
      ].map(String).sort();

      const page = await browser.newPage();
      await page.viewport(1400, 800);
      const url = `file://${html}`;
      await page.goto(url);

      // The tree: a row for every process, all in view.
      const rows = await page.eval<string[]>(
        `[...document.querySelectorAll("#tree .row")].map((r) => r.dataset.pid)`,
      );
      assertEquals(rows.sort(), pids);
      await shot(page, "tree");
      // Searching keeps the matches and their ancestors.
      await page.click("#tree-search");
      await page.type("cc1");
      const found = await page.eval<string[]>(
        `[...document.querySelectorAll("#tree .row .prog")].map((e) => e.textContent)`,
      );
      // What matches "cc1" (program or an argument: the assembler's is
      // cc1's random temporary, /tmp/ccXXXXXX.s, which may hold "cc1"
      // too), with its ancestors.
      assertEquals(found.sort(), searchResult(events, "cc1").sort());
      assert(found.filter((p) => p === "cc1").length === 2, String(found));
      await page.press("Escape");

      // Files: "output" shows exactly the outputs graph -f make names.
      await page.press("2");
      await choose(page, "file-role", "output");
      const outputs = await page.eval<string[]>(
        `[...document.querySelectorAll("#files .row .path")].map((e) => e.textContent)`,
      );
      assertEquals(outputs.sort(), [...rules.keys()].sort());
      // Clicking an output shows its inputs, as graph -f make gives them.
      for (const [i, target] of outputs.entries()) {
        await page.click(`#files .row[data-index="${i}"]`);
        const shown = await page.eval<string[]>(
          `[...document.querySelectorAll("#rule-inputs li")].map((e) => e.textContent)`,
        );
        assertEquals(
          await page.eval(`document.querySelector("#details h2").textContent`),
          target,
        );
        assertEquals(shown, rules.get(target));
      }
      await shot(page, "output");
      // Keyboard: the list takes arrows and Enter.
      await page.eval(`document.getElementById("files").focus()`);
      await page.press("Home");
      await page.press("Enter");
      assertEquals(
        await page.eval(`document.querySelector("#details h2").textContent`),
        outputs[0],
      );
      // "why is this file an input?": an input names the outputs that used it.
      await choose(page, "file-role", "");
      await page.eval(`(() => { const e = document.getElementById("file-text");
        e.value = "config.h"; e.dispatchEvent(new Event("input")); })()`);
      await page.click("#files .row");
      const why = await page.eval<string>(
        `document.getElementById("details").textContent`,
      );
      assert(why.includes("why an input") && why.includes("main.o"), why);

      // Timeline and hazards draw; a click on a bar selects its process.
      await page.press("4");
      await page.waitFor(`!document.getElementById("view-timeline").hidden`);
      await shot(page, "timeline");
      await page.press("5");
      assertEquals(
        await page.eval(`document.getElementById("hazard-count").textContent`),
        "No hazards.",
      );
      await page.eval(
        `(() => { const e = document.getElementById("tree-search");
        e.value = ""; e.dispatchEvent(new Event("input")); })()`,
      );
      await page.viewport(1400, 800, "dark");
      await page.press("1");
      await shot(page, "dark");

      assertEquals(page.errors, []);
      // One request: the page itself.
      assertEquals(page.requests, [url]);
      page.close();
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "report page in Chromium: a 100,000-event trace loads and lists only the rows in view",
  ignore: CHROMIUM === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "filemon-report-big-" });
    const browser = await Browser.launch(CHROMIUM!);
    try {
      const log = `${dir}/big.log`;
      await makeLog(log, 100_000);
      const html = `${dir}/big.html`;
      const started = performance.now();
      const r = await runCli(["report", log, "-o", html]);
      const made = performance.now() - started;
      assertEquals(r.code, 0, r.stderr);
      const g = await runCli(["graph", log]);
      const targets = g.stdout.trim().split("\n").length;
      const size = (await Deno.stat(html)).size;

      const page = await browser.newPage();
      await page.viewport(1400, 800);
      const t = performance.now();
      await page.goto(`file://${html}`);
      const load = performance.now() - t;
      const processes = await page.eval<number>(
        `window.filemonReport.treeRows().length`,
      );
      assertEquals(processes, 4000);
      assertLess(
        await page.eval<number>(
          `document.querySelectorAll("#tree .row").length`,
        ),
        60,
      );
      // The last row, after a scroll to the end.
      await page.eval(`document.getElementById("tree").focus()`);
      await page.press("End");
      await page.waitFor(
        `document.querySelector('#tree .row[data-index="3999"]')`,
      );
      await page.press("2");
      await choose(page, "file-role", "output");
      assertEquals(
        await page.eval(`window.filemonReport.fileRows().length`),
        targets,
      );
      const filter = performance.now();
      await page.eval(`(() => { const e = document.getElementById("file-text");
        e.value = "file9"; e.dispatchEvent(new Event("input")); })()`);
      const filtered = performance.now() - filter;
      assertEquals(page.errors, []);
      console.log(
        `100,000 events: report ${Math.round(made)} ms, page ${
          (size / 1e6).toFixed(2)
        } MB, loaded in ${Math.round(load)} ms, text filter ${
          Math.round(filtered)
        } ms`,
      );
      assertLess(load, 15_000);
      page.close();
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The programs a tree search for `text` shows: the matches and their ancestors. */
function searchResult(
  events: {
    op: string;
    pid: number;
    child?: number;
    path?: string;
    argv?: string[];
  }[],
  text: string,
): string[] {
  const parent = new Map<number, number>();
  const prog = new Map<number, string>();
  const args = new Map<number, string[]>();
  for (const e of events) {
    if (e.op === "fork" && e.child !== undefined) parent.set(e.child, e.pid);
    if (e.op === "exec" && e.path !== undefined) {
      prog.set(e.pid, e.path.slice(e.path.lastIndexOf("/") + 1));
      args.set(e.pid, e.argv ?? []);
    }
  }
  const shown = new Set<number>();
  for (const [pid, name] of prog) {
    const hit = name.includes(text) ||
      (args.get(pid) ?? []).some((a) => a.toLowerCase().includes(text)) ||
      String(pid).includes(text);
    if (!hit) continue;
    for (let p: number | undefined = pid; p !== undefined; p = parent.get(p)) {
      shown.add(p);
    }
  }
  // A process that did not exec runs its parent's program.
  const nameOf = (p: number | undefined): string =>
    p === undefined ? "?" : prog.get(p) ?? nameOf(parent.get(p));
  return [...shown].map(nameOf);
}
