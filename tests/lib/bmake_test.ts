/**
 * `MetaJobs` on event sequences shaped like real bmake runs (the shapes
 * were taken from traces of Debian's bmake 20200710 in jobs and compat
 * mode), with a fake /proc: which `.meta` files bmake has open is set by
 * each test as bmake would have it.
 */

import { assertEquals } from "@std/assert";
import { MetaJobs } from "../../lib/bmake/meta_jobs.ts";
import { withMetaMode } from "../../lib/bmake/meta_mode.ts";
import type { TraceEvent } from "../../lib/event.ts";

/** A fake system: open files per pid, and the sections written. */
function setup() {
  const open = new Map<number, Set<string>>();
  const written = new Map<string, string>();
  let lookups = 0;
  const jobs = new MetaJobs({
    host: {
      openFiles: (pid) => {
        lookups++;
        const files = open.get(pid);
        return files === undefined ? undefined : ["/dev/pts/0", ...files];
      },
      realPath: (p) => p,
      now: () => 100,
    },
    write: (meta, section) => {
      assertEquals(written.has(meta), false, `${meta} written twice`);
      written.set(meta, section);
    },
  });
  const fds = (pid: number) => {
    if (!open.has(pid)) open.set(pid, new Set());
    return open.get(pid)!;
  };
  return {
    jobs,
    written,
    lookups: () => lookups,
    /** Events; `+path`/`-path` strings open or close a file in bmake `pid`. */
    run(pid: number, ...steps: (TraceEvent | string)[]) {
      for (const s of steps) {
        if (typeof s === "string") {
          if (s.startsWith("+")) fds(pid).add(s.slice(1));
          else if (s.startsWith("-")) fds(pid).delete(s.slice(1));
          else if (s === "gone") open.delete(pid);
        } else jobs.event(s);
      }
    },
  };
}

const exec = (pid: number, path: string): TraceEvent => ({
  op: "exec",
  pid,
  path,
  abs: path,
});
const fork = (pid: number, child: number): TraceEvent => ({
  op: "fork",
  pid,
  child,
});
const read = (pid: number, path: string): TraceEvent => ({
  op: "open",
  pid,
  path,
  abs: path,
  mode: "r",
});
const write = (pid: number, path: string): TraceEvent => ({
  op: "open",
  pid,
  path,
  abs: path,
  mode: "w",
  create: true,
  trunc: true,
});
const exit = (pid: number, status = 0, signal = 0): TraceEvent => ({
  op: "exit",
  pid,
  status,
  signal,
});

/** The record lines of a section (between `V 5` and `# Stop`). */
function records(section: string | undefined): string[] {
  if (section === undefined) return [];
  const lines = section.split("\n");
  return lines.slice(
    lines.indexOf("V 5") + 1,
    lines.indexOf("# Stop 100.000000"),
  );
}

/** One job in jobs mode: the commands' temporary file, the .meta, the fork. */
function jobsModeJob(
  t: ReturnType<typeof setup>,
  bmake: number,
  meta: string | undefined,
  child: number,
) {
  t.run(bmake, write(bmake, `/tmp/make${child}`));
  if (meta !== undefined) t.run(bmake, `+${meta}`, write(bmake, meta));
  t.run(bmake, fork(bmake, child), exec(child, "/bin/sh"));
}

Deno.test("jobs mode: each job's tree goes to its own .meta, a .PHONY job's to none", () => {
  const t = setup();
  t.run(10, exec(10, "/usr/bin/bmake"), read(10, "/w/Makefile"));
  jobsModeJob(t, 10, "/w/a.o.meta", 11);
  jobsModeJob(t, 10, undefined, 12); // .PHONY: no .meta
  jobsModeJob(t, 10, "/w/b.o.meta", 13);
  t.run(
    10,
    fork(11, 21),
    exec(21, "/usr/bin/cc"),
    fork(13, 23),
    exec(23, "/usr/bin/cc"),
    read(12, "/w/phony-input"),
    read(21, "/w/a.c"),
    read(23, "/w/b.c"),
    read(21, "/w/h.h"),
    exit(21),
    exit(11),
  );
  // bmake has not closed a.o.meta yet: nothing written.
  t.run(10, read(10, "/w/x"));
  assertEquals([...t.written.keys()], []);
  t.run(10, "-/w/a.o.meta", exit(12), read(10, "/w/y"));
  assertEquals([...t.written.keys()], ["/w/a.o.meta"]);
  assertEquals(records(t.written.get("/w/a.o.meta")), [
    "E 11 /bin/sh",
    "F 11 21",
    "E 21 /usr/bin/cc",
    "R 21 /w/a.c",
    "R 21 /w/h.h",
    "X 21 0 0",
    "X 11 0 0",
  ]);
  t.run(10, exit(23), exit(13), "-/w/b.o.meta", exit(10));
  assertEquals(records(t.written.get("/w/b.o.meta")), [
    "E 13 /bin/sh",
    "F 13 23",
    "E 23 /usr/bin/cc",
    "R 23 /w/b.c",
    "X 23 0 0",
    "X 13 0 0",
  ]);
  assertEquals(t.jobs.counts.written, 2);
  assertEquals(
    t.written.get("/w/a.o.meta")!.split("\n").slice(0, 5),
    [
      "-- filemon acquired metadata --",
      "# filemon version 5",
      "# Target pid 10",
      "# Start 100.000000",
      "V 5",
    ],
  );
  assertEquals(
    t.written.get("/w/a.o.meta")!.endsWith("# Stop 100.000000\n# Bye bye\n"),
    true,
  );
});

Deno.test("compat mode: every command of a target goes to its .meta; a later .PHONY target's does not", () => {
  const t = setup();
  t.run(10, exec(10, "/usr/bin/bmake"));
  t.run(10, "+/w/prog.meta", write(10, "/w/prog.meta"));
  t.run(
    10,
    fork(10, 11),
    exec(11, "/usr/bin/cc"),
    read(11, "/w/a.o"),
    exit(11),
  );
  t.run(10, fork(10, 12), exec(12, "/usr/bin/echo"), exit(12));
  // meta_job_finish closed it; then the .PHONY target 'sub' runs a sub-make.
  t.run(10, "-/w/prog.meta", fork(10, 13), exec(13, "/usr/bin/bmake"));
  assertEquals(records(t.written.get("/w/prog.meta")), [
    "E 11 /usr/bin/cc",
    "R 11 /w/a.o",
    "X 11 0 0",
    "E 12 /usr/bin/echo",
    "X 12 0 0",
  ]);
  t.run(13, read(13, "/w/sub/Makefile"), exit(13), exit(10));
  assertEquals(t.jobs.counts, {
    written: 1,
    unfinished: 0,
    superseded: 0,
    unrepresentable: 0,
  });
});

Deno.test("a sub-make's jobs go to its own .meta files; the outer job keeps the sub-make's own records", () => {
  const t = setup();
  t.run(
    10,
    exec(10, "/usr/bin/bmake"),
    write(10, "/w/sub.stamp.meta"),
    "+/w/sub.stamp.meta",
  );
  t.run(
    10,
    fork(10, 11),
    exec(11, "/bin/sh"),
    fork(11, 12),
    exec(12, "/usr/bin/bmake"),
  );
  t.run(
    12,
    read(12, "/w/sub/Makefile"),
    write(12, "/w/sub/s.o.meta"),
    "+/w/sub/s.o.meta",
  );
  t.run(
    12,
    fork(12, 13),
    exec(13, "/usr/bin/cc"),
    read(13, "/w/sub/s.c"),
    exit(13),
  );
  t.run(12, "-/w/sub/s.o.meta", exit(12), exit(11));
  t.run(10, "-/w/sub.stamp.meta", exit(10));
  assertEquals(records(t.written.get("/w/sub/s.o.meta")), [
    "E 13 /usr/bin/cc",
    "R 13 /w/sub/s.c",
    "X 13 0 0",
  ]);
  assertEquals(records(t.written.get("/w/sub.stamp.meta")), [
    "E 11 /bin/sh",
    "F 11 12",
    "E 12 /usr/bin/bmake",
    "R 12 /w/sub/Makefile",
    "W 12 /w/sub/s.o.meta",
    "F 12 13",
    "X 12 0 0",
    "X 11 0 0",
  ]);
});

Deno.test("interrupted jobs get no section; a finished one does", () => {
  // Jobs mode: SIGINT; bmake kills the running job and exits 2 without
  // closing its .meta (the last job it finished is closed).
  const t = setup();
  t.run(10, exec(10, "/usr/bin/bmake"));
  jobsModeJob(t, 10, "/w/fast.meta", 11);
  t.run(10, exit(11), "-/w/fast.meta");
  jobsModeJob(t, 10, "/w/slow.meta", 12);
  t.run(
    10,
    fork(12, 13),
    exec(13, "/bin/sleep"),
    exit(13, 0, 2),
    exit(12, 0, 2),
  );
  t.run(10, exit(10, 2));
  assertEquals([...t.written.keys()], ["/w/fast.meta"]);
  assertEquals(t.jobs.counts.unfinished, 1);

  // Compat mode: bmake dies of SIGINT; its command, not killed, ends later.
  const c = setup();
  c.run(
    10,
    exec(10, "/usr/bin/bmake"),
    write(10, "/w/slow.meta"),
    "+/w/slow.meta",
  );
  c.run(
    10,
    fork(10, 11),
    exec(11, "/bin/sleep"),
    "gone",
    exit(10, 0, 2),
    exit(11),
  );
  assertEquals([...c.written.keys()], []);
  assertEquals(c.jobs.counts.unfinished, 1);
});

Deno.test("the last job of a bmake that exits right after it is written; one whose processes outlive it waits for them", () => {
  const t = setup();
  t.run(10, exec(10, "/usr/bin/bmake"), "+/w/a.meta", write(10, "/w/a.meta"));
  // The job leaves a background process running.
  t.run(10, fork(10, 11), exec(11, "/bin/sh"), fork(11, 12), exit(11));
  t.run(10, "-/w/a.meta", read(10, "/w/other"));
  assertEquals(t.written.size, 0);
  t.run(12, exec(12, "/bin/sleep"), exit(12));
  assertEquals(records(t.written.get("/w/a.meta")), [
    "E 11 /bin/sh",
    "F 11 12",
    "X 11 0 0",
    "E 12 /bin/sleep",
    "X 12 0 0",
  ]);
  // Its close unseen (bmake exited just after): written all the same.
  t.run(
    10,
    write(10, "/w/b.meta"),
    "+/w/b.meta",
    fork(10, 13),
    exit(13),
    "gone",
    exit(10),
  );
  assertEquals(records(t.written.get("/w/b.meta")), ["X 13 0 0"]);
});

Deno.test("a .meta written again later in the run gets the later job's section only", () => {
  const t = setup();
  t.run(10, exec(10, "/usr/bin/bmake"));
  jobsModeJob(t, 10, "/w/a.meta", 11);
  // A second sub-make writes the same .meta before the first job ended.
  t.run(20, exec(20, "/usr/bin/bmake"), "+/w/a.meta", write(20, "/w/a.meta"));
  t.run(20, fork(20, 21), exit(21), "-/w/a.meta", exit(20));
  t.run(10, exit(11), "-/w/a.meta", exit(10));
  assertEquals(records(t.written.get("/w/a.meta")), ["X 21 0 0"]);
  assertEquals(t.jobs.counts.superseded, 1);
});

Deno.test("a record whose path has a newline is left out, never a broken line", () => {
  const t = setup();
  t.run(10, exec(10, "/usr/bin/bmake"), "+/w/a.meta", write(10, "/w/a.meta"));
  t.run(
    10,
    fork(10, 11),
    read(11, "/w/new\nline"),
    read(11, "/w/ok"),
    exit(11),
  );
  t.run(10, "-/w/a.meta", exit(10));
  assertEquals(records(t.written.get("/w/a.meta")), ["R 11 /w/ok", "X 11 0 0"]);
  assertEquals(t.jobs.counts.unrepresentable, 1);
});

Deno.test("only bmake's own writes start jobs; other programs' .meta writes are records", () => {
  const t = setup();
  t.run(10, exec(10, "/usr/bin/bmake"), "+/w/a.meta", write(10, "/w/a.meta"));
  t.run(10, fork(10, 11), exec(11, "/bin/cp"), write(11, "/w/copy.meta"));
  t.run(11, fork(11, 12), exit(12), exit(11));
  t.run(10, "-/w/a.meta", exit(10));
  assertEquals([...t.written.keys()], ["/w/a.meta"]);
  assertEquals(records(t.written.get("/w/a.meta")), [
    "E 11 /bin/cp",
    "W 11 /w/copy.meta",
    "F 11 12",
    "X 12 0 0",
    "X 11 0 0",
  ]);
});

Deno.test("finish() decides jobs left when the trace ends", () => {
  const t = setup();
  t.run(10, exec(10, "/usr/bin/bmake"), "+/w/a.meta", write(10, "/w/a.meta"));
  t.run(10, fork(10, 11), exec(11, "/bin/sh"));
  t.jobs.finish();
  assertEquals(t.written.size, 0);
  assertEquals(t.jobs.counts.unfinished, 1);
});

Deno.test("withMetaMode: meta mode and missing-filemon=yes, the user's words kept", () => {
  assertEquals(withMetaMode([]), [".MAKE.MODE=meta missing-filemon=yes"]);
  assertEquals(
    withMetaMode([
      ".MAKE.MODE=compat",
      "-C",
      "d",
      ".MAKE.MODE=meta curdirok=yes",
    ]),
    [
      ".MAKE.MODE=compat",
      "-C",
      "d",
      ".MAKE.MODE=meta curdirok=yes missing-filemon=yes",
    ],
  );
  assertEquals(withMetaMode([".MAKE.MODE=META missing-filemon=no"]), [
    ".MAKE.MODE=META missing-filemon=no",
  ]);
});
