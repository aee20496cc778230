/**
 * Deep process chains and long chains of temporaries: every part of the
 * graph walks them without recursion and gives the right answer. (Their
 * time is measured by `deno task bench graph`, not here.)
 */

import { assert, assertEquals } from "@std/assert";
import {
  type Graph,
  GraphBuilder,
  jobRoots,
  makeRules,
  toDotChunks,
  toJsonChunks,
} from "../../../lib/graph/mod.ts";

const DEPTH = 100_000;

/**
 * A chain DEPTH deep: each process runs /w/bin/step, reads its own source,
 * appends to /w/log and forks the next; the last writes /w/out.
 */
function chain(): Graph {
  const b = new GraphBuilder({ cwd: "/w" });
  b.add({ op: "exec", pid: 100, path: "/bin/sh" });
  for (let i = 0; i < DEPTH; i++) {
    const pid = 101 + i;
    b.add({ op: "fork", pid: pid - 1, child: pid });
    b.add({ op: "exec", pid, path: "/w/bin/step" });
    b.add({ op: "open", pid, path: `src/${i}.c`, mode: "r" });
    b.add({ op: "open", pid, path: "log", mode: "w" });
  }
  b.add({ op: "open", pid: 100 + DEPTH, path: "out", mode: "w" });
  for (let i = DEPTH; i >= 0; i--) {
    b.add({ op: "exit", pid: 100 + i, status: 0 });
  }
  return b.finish();
}

Deno.test(`a process chain ${DEPTH} deep: ancestors, job, make rules, hazards, dot, json`, () => {
  const g = chain();
  const last = g.processes.length - 1;
  assertEquals(last, DEPTH);
  assert(g.isAncestor(0, last) && g.isAncestor(1, last));
  assert(!g.isAncestor(last, 0) && !g.isAncestor(last, 1));
  assertEquals(g.descendants(0).length, DEPTH + 1);
  // No scheduler: the whole chain is one job, the root's.
  const job = jobRoots(g);
  assert(job.every((root) => root === 0));
  const rules = makeRules(g, { root: "/w" });
  assertEquals(rules.map((r) => r.target), ["log", "out"]);
  const sources = Array.from({ length: DEPTH }, (_, i) => `src/${i}.c`);
  for (const r of rules) {
    assertEquals(r.prerequisites, ["bin/step", ...sources]);
  }
  // DEPTH writers of log, each an ancestor of the next: no hazard.
  assertEquals(g.hazards, []);
  let edges = 0;
  for (const chunk of toDotChunks(g, { root: "/w" })) {
    edges += chunk.split("\n").filter((l) => l.includes(" -> ")).length;
  }
  // child edges, and per process exec + read + write (the last also out).
  assertEquals(edges, DEPTH + 3 * DEPTH + 1);
  const doc = JSON.parse([...toJsonChunks(g, { summaries: true })].join(""));
  assertEquals(doc.jobs.length, 1);
  // /bin/sh, bin/step and the sources.
  assertEquals(doc.jobs[0].summary.inputs.length, DEPTH + 2);
  assertEquals(doc.processes[last].job, 0);
});

Deno.test(`a temporary passed through ${DEPTH} jobs leads back to the one source`, () => {
  // make runs DEPTH jobs; job k reads /tmp/t(k-1), writes /tmp/t(k) and
  // deletes /tmp/t(k-1); the last writes out. Only src.c is left to depend on.
  const b = new GraphBuilder({ cwd: "/w" });
  b.add({ op: "exec", pid: 1, path: "/usr/bin/make" });
  for (let k = 0; k <= DEPTH; k++) {
    const pid = 10 + k;
    b.add({ op: "fork", pid: 1, child: pid });
    b.add({ op: "exec", pid, path: "/w/bin/step" });
    if (k === 0) b.add({ op: "open", pid, path: "src.c", mode: "r" });
    else {
      b.add({ op: "open", pid, path: `/tmp/t${k - 1}`, mode: "r" });
      b.add({ op: "unlink", pid, path: `/tmp/t${k - 1}` });
    }
    const out = k === DEPTH ? "out" : `/tmp/t${k}`;
    b.add({ op: "open", pid, path: out, mode: "w", create: true });
    b.add({ op: "exit", pid, status: 0 });
  }
  const rules = makeRules(b.finish(), { root: "/w" });
  assertEquals(rules, [{
    target: "out",
    prerequisites: ["bin/step", "src.c"],
  }]);
});
