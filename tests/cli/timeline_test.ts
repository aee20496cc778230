/**
 * `filemon timeline` on a real traced build: the output parses as the
 * Chrome trace-event format (the JSON object form and the fields its
 * documentation requires of each phase), holds every process of the trace
 * with a positive duration, links each fork, and marks the writes.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { makeProject } from "../bench/trace_bench.ts";
import { FILEMON, installed, runCli, SAMPLES, traceArgs } from "../_helpers.ts";

const ready = Deno.build.os === "linux" && ["gcc", "make"].every(installed);

type Ev = Record<string, unknown>;

/** The fields the trace-event format requires of each phase used here. */
function checkFormat(events: Ev[]): void {
  for (const e of events) {
    assert(
      typeof e.ph === "string" && typeof e.name === "string",
      JSON.stringify(e),
    );
    assert(
      Number.isInteger(e.pid) && Number.isInteger(e.tid),
      JSON.stringify(e),
    );
    switch (e.ph) {
      case "M":
        assert(typeof e.args === "object");
        break;
      case "X":
        assert(typeof e.ts === "number" && typeof e.dur === "number");
        break;
      case "i":
        assert(
          typeof e.ts === "number" && ["t", "p", "g"].includes(e.s as string),
        );
        break;
      case "s":
      case "f":
        assert(typeof e.ts === "number" && e.id !== undefined);
        break;
      default:
        throw new Error(`unexpected phase ${e.ph}`);
    }
  }
}

Deno.test({
  name:
    "timeline of a generated C build: every traced process has a track with a positive duration, forks linked, writes marked",
  ignore: !ready,
  async fn() {
    const dir = await Deno.realPath(
      await Deno.makeTempDir({ prefix: "filemon-t-" }),
    );
    await makeProject(dir, 4);
    const jsonl = `${dir}.jsonl`;
    const r = await new Deno.Command(FILEMON, {
      args: traceArgs(
        "-f",
        "jsonl",
        "-o",
        jsonl,
        "--",
        "make",
        "-j2",
        "-s",
        "app",
      ),
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const out = `${dir}.timeline.json`;
    const t = await runCli(["timeline", jsonl, "-o", out]);
    assertEquals([t.code, t.stdout, t.stderr], [0, "", ""]);
    const doc = JSON.parse(await Deno.readTextFile(out));
    assert(Array.isArray(doc.traceEvents));
    const events: Ev[] = doc.traceEvents;
    checkFormat(events);

    // Every process the trace names (forks' children and exec'ing pids).
    const lines = (await Deno.readTextFile(jsonl)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    const pids = new Set<number>();
    let forks = 0;
    for (const e of lines) {
      if (e.op === "fork") {
        pids.add(e.child);
        forks++;
      }
      if (e.op === "exec") pids.add(e.pid);
    }
    const spans = events.filter((e) => e.cat === "process");
    const spanPids = spans.map((e) => (e.args as { pid: number }).pid);
    assertEquals(new Set(spanPids), pids);
    assertEquals(spanPids.length, pids.size);
    for (const s of spans) assert((s.dur as number) > 0, JSON.stringify(s));
    // One named track per process, tracks in tree order.
    const names = events.filter((e) => e.name === "thread_name");
    assertEquals(names.length, spans.length);
    // Fork arrows: a start on the parent's track, a finish on the child's.
    assertEquals(events.filter((e) => e.ph === "s").length, forks);
    assertEquals(events.filter((e) => e.ph === "f").length, forks);
    // cc's compiler ran as a child of the compiler driver, an exec inside it.
    assert(
      events.some((e) => e.cat === "exec" && String(e.name).startsWith("cc ")),
    );
    // The objects' writes (to x.o.tmp) and the renames into place.
    const instants = events.filter((e) => e.ph === "i");
    assert(instants.some((e) => e.name === `write ${dir}/obj/u0.o.tmp`));
    assert(instants.some((e) => e.name === `rename ${dir}/obj/u0.o`));
    assert(!instants.some((e) => e.cat === "read"));
    const withReads = await runCli(["timeline", jsonl, "--reads"]);
    assertEquals(withReads.code, 0, withReads.stderr);
    assert(
      JSON.parse(withReads.stdout).traceEvents.some((e: Ev) =>
        e.cat === "read" && e.name === `read ${dir}/src/u0.c`
      ),
    );
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(jsonl);
    await Deno.remove(out);
  },
});

Deno.test({
  name:
    "timeline refuses a filemon log (no timestamps) with one line and no output",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "filemon-t-" });
    const r = await runCli([
      "timeline",
      `${SAMPLES}freebsd-v5-sleep.log`,
      "-o",
      `${dir}/t.json`,
    ]);
    assertEquals(r.code, 1);
    assertStringIncludes(r.stderr, "no timestamps");
    assertEquals(r.stderr.trim().split("\n").length, 1);
    assertEquals([...Deno.readDirSync(dir)], []);
    await Deno.remove(dir, { recursive: true });
  },
});
