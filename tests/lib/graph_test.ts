import { assert, assertEquals, assertThrows } from "@std/assert";
import type { TraceEvent } from "../../lib/event.ts";
import {
  buildView,
  escapeMake,
  globToRegExp,
  type Graph,
  GraphBuilder,
  type GraphBuilderOptions,
  jobOf,
  makePathFilter,
  makeRules,
  toDot,
  toJson,
  toJsonChunks,
  toMake,
  toMermaid,
} from "../../lib/graph/mod.ts";

// ---------------------------------------------------------------- helpers

const fork = (pid: number, child: number): TraceEvent => ({
  op: "fork",
  pid,
  child,
});
const exec = (pid: number, path: string, argv?: string[]): TraceEvent => ({
  op: "exec",
  pid,
  path,
  argv,
});
const read = (pid: number, path: string): TraceEvent => ({
  op: "open",
  pid,
  path,
  mode: "r",
});
const write = (pid: number, path: string): TraceEvent => ({
  op: "open",
  pid,
  path,
  mode: "w",
  create: true,
  trunc: true,
});
const unlink = (pid: number, path: string): TraceEvent => ({
  op: "unlink",
  pid,
  path,
});
const rename = (pid: number, from: string, to: string): TraceEvent => ({
  op: "rename",
  pid,
  from,
  to,
});
const chdir = (pid: number, path: string): TraceEvent => ({
  op: "chdir",
  pid,
  path,
});
const exit = (pid: number, status = 0): TraceEvent => ({
  op: "exit",
  pid,
  status,
  signal: 0,
});
const failed = (pid: number, path: string, error = "ENOENT"): TraceEvent => ({
  op: "open",
  pid,
  path,
  mode: "r",
  error,
});

function build(
  events: TraceEvent[],
  options: GraphBuilderOptions = { cwd: "/src" },
): Graph {
  const b = new GraphBuilder(options);
  for (const e of events) b.add(e);
  return b.finish();
}

function byPid(graph: Graph, pid: number): number {
  const p = graph.processes.filter((q) => q.pid === pid);
  assertEquals(p.length, 1, `one process with pid ${pid}`);
  return p[0].id;
}

/**
 * `gcc -c name.c -o name.o` as make runs it: sh → gcc → cc1 (reads the
 * source and headers, probes a missing header, writes a /tmp .s) → as
 * (reads the .s, writes the .o); gcc removes the .s.
 */
function gccJob(
  make: number,
  base: number,
  name: string,
  headers: string[],
): TraceEvent[] {
  const [sh, gcc, cc1, as] = [base, base + 1, base + 2, base + 3];
  const tmp = `/tmp/cc${base}.s`;
  return [
    fork(make, sh),
    exec(sh, "/bin/sh", ["sh", "-c", `gcc -c ${name}.c -o ${name}.o`]),
    fork(sh, gcc),
    exec(gcc, "/usr/bin/gcc", ["gcc", "-c", `${name}.c`, "-o", `${name}.o`]),
    read(gcc, "/usr/lib/gcc/x86_64-linux-gnu/12/specs"),
    fork(gcc, cc1),
    exec(cc1, "/usr/libexec/gcc/x86_64-linux-gnu/12/cc1"),
    read(cc1, `${name}.c`),
    ...headers.map((h) => read(cc1, h)),
    failed(cc1, "/usr/local/include/stdio.h"),
    read(cc1, "/usr/include/stdio.h"),
    write(cc1, tmp),
    exit(cc1),
    fork(gcc, as),
    exec(as, "/usr/bin/as"),
    read(as, tmp),
    write(as, `${name}.o`),
    exit(as),
    unlink(gcc, tmp),
    exit(gcc),
    exit(sh),
  ];
}

/** make (pid 100) building x.o and y.o (interleaved, as make -j does) then linking prog. */
function gccBuild(): TraceEvent[] {
  const x = gccJob(100, 200, "x", ["x.h", "include/common.h"]);
  const y = gccJob(100, 300, "y", ["include/common.h", "y.h"]);
  const interleaved: TraceEvent[] = [];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (i < x.length) interleaved.push(x[i]);
    if (i < y.length) interleaved.push(y[i]);
  }
  return [
    { op: "begin", version: 5 },
    exec(100, "/usr/bin/make", ["make", "-j2"]),
    read(100, "Makefile"),
    { op: "stat", pid: 100, path: "x.c" },
    ...interleaved,
    fork(100, 400),
    exec(400, "/bin/sh", ["sh", "-c", "cc -o prog x.o y.o"]),
    fork(400, 401),
    exec(401, "/usr/bin/cc"),
    fork(401, 402),
    exec(402, "/usr/bin/ld"),
    read(402, "x.o"),
    read(402, "y.o"),
    read(402, "/usr/lib/x86_64-linux-gnu/libc.so"),
    write(402, "prog"),
    exit(402),
    exit(401),
    exit(400),
    exit(100),
    { op: "bye" },
  ];
}

// ---------------------------------------------------------------- model

Deno.test("GraphBuilder builds the process tree of a gcc-like build", () => {
  const g = build(gccBuild());
  const make = byPid(g, 100);
  assertEquals(g.roots, [make]);
  const gcc = g.processes[byPid(g, 201)];
  assertEquals(gcc.ppid, 200);
  assertEquals(gcc.parent, byPid(g, 200));
  assertEquals(gcc.program, "/usr/bin/gcc");
  assertEquals(gcc.argv, ["gcc", "-c", "x.c", "-o", "x.o"]);
  assertEquals(gcc.execed, true);
  assertEquals(gcc.cwd, "/src");
  assertEquals(gcc.exit, { status: 0, signal: 0 });
  assertEquals(gcc.children.map((c) => g.processes[c].pid), [202, 203]);
  assertEquals(g.processes[make].children.map((c) => g.processes[c].pid), [
    200,
    300,
    400,
  ]);
  assertEquals(g.descendants(byPid(g, 200)).map((id) => g.processes[id].pid), [
    200,
    201,
    202,
    203,
  ]);
  assert(g.isAncestor(make, byPid(g, 203)));
  assert(!g.isAncestor(byPid(g, 300), byPid(g, 203)));
});

Deno.test("GraphBuilder summarizes a gcc subtree: inputs, outputs, temporaries, missing", () => {
  const g = build(gccBuild());
  const s = g.subtreeSummary(byPid(g, 201));
  assertEquals(s.inputs, [
    "/usr/bin/gcc",
    "/usr/lib/gcc/x86_64-linux-gnu/12/specs",
    "/usr/libexec/gcc/x86_64-linux-gnu/12/cc1",
    "/src/x.c",
    "/src/x.h",
    "/src/include/common.h",
    "/usr/include/stdio.h",
    "/usr/bin/as",
  ]);
  assertEquals(s.outputs, ["/src/x.o"]);
  assertEquals(s.temporaries, ["/tmp/cc200.s"]);
  assertEquals(s.missing, ["/usr/local/include/stdio.h"]);
  // as alone read the .s: for as by itself it is an input.
  const as = g.processSummary(byPid(g, 203));
  assertEquals(as.inputs, ["/usr/bin/as", "/tmp/cc200.s"]);
  assertEquals(as.outputs, ["/src/x.o"]);
  // make only stat'ed x.c: a probe, not an input.
  const make = g.processSummary(byPid(g, 100));
  assertEquals(make.inputs, ["/usr/bin/make", "/src/Makefile"]);
  assertEquals(make.probes, ["/src/x.c"]);
  assert(g.traceSummary().inputs.includes("/src/x.c"));
  assertEquals(g.traceSummary().outputs, ["/src/x.o", "/src/y.o", "/src/prog"]);
  // Siblings that hand files on (cc1 → as, as → ld) are not hazards: the
  // writer exited before the reader started, so the trace shows the order.
  assertEquals(g.hazards, []);
});

Deno.test("GraphBuilder tracks a rename into place", () => {
  const g = build([
    exec(1, "/bin/sh", ["sh", "-c", "cc -o x.tmp a.c && mv x.tmp x"]),
    fork(1, 2),
    exec(2, "/usr/bin/cc"),
    read(2, "a.c"),
    write(2, "x.tmp"),
    exit(2),
    fork(1, 3),
    exec(3, "/bin/mv"),
    rename(3, "x.tmp", "x"),
    exit(3),
    exit(1),
  ]);
  const [cc, mv] = [byPid(g, 2), byPid(g, 3)];
  const x = g.file("/src/x")!;
  const tmp = g.file("/src/x.tmp")!;
  assertEquals([x.exists, tmp.exists], [true, false]);
  assertEquals(x.producers, [cc, mv]);
  assertEquals(tmp.producers, []);
  assertEquals(tmp.formerProducers, [cc]);
  assertEquals(g.moves, [{
    kind: "rename",
    process: mv,
    from: tmp.id,
    to: x.id,
  }]);
  assertEquals(g.traceSummary().outputs, ["/src/x"]);
  assertEquals(g.traceSummary().temporaries, ["/src/x.tmp"]);
  // The identity follows the rename: cc's output is x, x.tmp its temporary.
  assertEquals(g.processSummary(cc).outputs, ["/src/x"]);
  assertEquals(g.processSummary(cc).temporaries, ["/src/x.tmp"]);
  assertEquals(g.processSummary(mv).inputs, ["/bin/mv"]);
  assertEquals(toMake(g, { root: "/src" }), "x: a.c\n");
  assertEquals(g.hazards, []);
  assert(
    [...g.edges()].some((e) =>
      e.process === mv && e.file === x.id && e.kind === "rename"
    ),
  );
});

Deno.test("GraphBuilder counts a temp created then deleted as a temporary, not an output", () => {
  const g = build([
    exec(1, "/usr/bin/tool"),
    read(1, "in.txt"),
    write(1, "scratch"),
    read(1, "scratch"),
    write(1, "out.txt"),
    unlink(1, "scratch"),
    exit(1),
  ]);
  const s = g.traceSummary();
  assertEquals(s.outputs, ["/src/out.txt"]);
  assertEquals(s.temporaries, ["/src/scratch"]);
  // Written before it was read: not an input either.
  assertEquals(s.inputs, ["/usr/bin/tool", "/src/in.txt"]);
  assertEquals(toMake(g, { root: "/src" }), "out.txt: in.txt\n");
  assertEquals(g.file("/src/scratch")!.exists, false);
});

Deno.test("GraphBuilder treats failed calls as missing lookups, never reads or writes", () => {
  const g = build([
    exec(1, "/bin/sh"),
    { op: "exec", pid: 1, path: "/usr/local/bin/tool", error: "ENOENT" },
    exec(1, "/usr/bin/tool"),
    failed(1, "config.h"),
    {
      op: "open",
      pid: 1,
      path: "locked",
      mode: "w",
      create: true,
      error: "EACCES",
    },
    { op: "stat", pid: 1, path: "present" },
    { op: "access", pid: 1, path: "gone", error: "ENOENT" },
    { op: "rename", pid: 1, from: "nothere", to: "dest", error: "ENOENT" },
    exit(1),
  ]);
  const s = g.traceSummary();
  assertEquals(s.inputs, ["/bin/sh", "/usr/bin/tool"]);
  assertEquals(s.outputs, []);
  assertEquals(s.probes, ["/src/present"]);
  assertEquals(s.missing, [
    "/usr/local/bin/tool",
    "/src/config.h",
    "/src/locked",
    "/src/gone",
    "/src/nothere",
  ]);
  assertEquals(g.processes[0].program, "/usr/bin/tool");
  assertEquals(g.file("/src/dest")!.producers, []);
  assertEquals(toMake(g, { root: "/src" }), "");
});

Deno.test("GraphBuilder resolves relative paths through chdir and fork", () => {
  const g = build([
    chdir(1, "sub"),
    fork(1, 2),
    read(2, "a.c"),
    chdir(2, "/abs/dir/"),
    read(2, "../b"),
    read(1, "./c"),
    { op: "open", pid: 1, path: "d", abs: "/elsewhere/d", mode: "r" },
    read(9, "e"), // a pid never forked starts in the builder's cwd
    { op: "rename", pid: 1, from: "f", to: "g", to_abs: "/t/g" },
    exit(2),
    fork(1, 2), // pid 2 reused
    read(2, "h"),
  ], { cwd: "/w" });
  assertEquals(
    g.files.map((f) => f.path),
    [
      "/w/sub/a.c",
      "/abs/b",
      "/w/sub/c",
      "/elsewhere/d",
      "/w/e",
      "/t/g",
      "/w/sub/f",
      "/w/sub/h",
    ],
  );
  assertEquals(g.processes.map((p) => p.pid), [1, 2, 9, 2]);
  assertEquals(g.processes[3].parent, 0);
  assertEquals(g.processes[1].exit, { status: 0, signal: 0 });
  assertEquals(g.processes[3].exit, undefined);
  // Without a known cwd, relative paths stay as given, also after a relative chdir.
  const h = build([
    read(1, "x"),
    chdir(1, "sub"),
    read(1, "y"),
    chdir(1, "/r"),
    read(1, "z"),
  ], {});
  assertEquals(h.files.map((f) => f.path), ["x", "y", "/r/z"]);
});

Deno.test("GraphBuilder adopts a child whose events came before its fork", () => {
  const g = build([
    exec(1, "/bin/sh"),
    read(2, "early"),
    fork(1, 2),
    exec(2, "/bin/cat"),
  ]);
  assertEquals(g.roots, [0]);
  assertEquals(g.processes[1].parent, 0);
  assertEquals(g.processes[0].children, [1]);
  assertThrows(() => {
    const b = new GraphBuilder();
    b.finish();
    b.add(read(1, "x"));
  });
});

Deno.test("GraphBuilder reports write-write hazards", () => {
  const g = build([
    exec(1, "/usr/bin/make"),
    fork(1, 2),
    exec(2, "/usr/bin/cc"),
    write(2, "out.o"),
    write(2, "/dev/null"),
    fork(1, 3),
    exec(3, "/usr/bin/cc"),
    write(3, "out.o"),
    write(3, "/dev/null"),
    exit(3),
    exit(2),
  ]);
  assertEquals(g.hazards, [{
    kind: "write-write",
    path: "/src/out.o",
    file: g.file("/src/out.o")!.id,
    pids: [2, 3],
    processes: [1, 2],
  }]);
});

Deno.test("GraphBuilder reports read-write hazards between unrelated processes only", () => {
  const g = build([
    exec(1, "/usr/bin/make"),
    fork(1, 2),
    exec(2, "/bin/sh"),
    fork(1, 3),
    exec(3, "/usr/bin/cc"),
    read(3, "gen.h"), // read before the generator ran: a race
    write(2, "gen.h"),
    fork(2, 4),
    exec(4, "/bin/cat"),
    read(4, "gen.h"), // the writer's child: ordered, no hazard
    read(1, "gen.h"), // the writer's ancestor: no hazard
    exit(4),
    exit(3),
    exit(2),
    fork(1, 5),
    exec(5, "/usr/bin/cc"),
    read(5, "gen.h"), // started after the writer exited: ordered, no hazard
    exit(5),
    exit(1),
  ]);
  assertEquals(g.hazards, [{
    kind: "read-write",
    path: "/src/gen.h",
    file: g.file("/src/gen.h")!.id,
    pids: [3, 2],
    processes: [2, 1],
    readFirst: true,
  }]);
});

// ---------------------------------------------------------------- make

Deno.test("toMake lists exactly the .c and headers the gcc job read", () => {
  const g = build(gccBuild());
  assertEquals(
    toMake(g, { root: "/src" }),
    "prog: x.o y.o\n" +
      "x.o: x.c x.h include/common.h\n" +
      "y.o: y.c include/common.h y.h\n",
  );
  // The job of as is the recipe line make started: sh with all it ran.
  assertEquals(jobOf(g, byPid(g, 203)), byPid(g, 200));
  assertEquals(jobOf(g, byPid(g, 100)), byPid(g, 100));
  // With system files: the programs and system headers, never the /tmp temporary.
  const x = makeRules(g, { system: true }).find((r) =>
    r.target === "/src/x.o"
  )!;
  assertEquals(x.prerequisites, [
    "/bin/sh",
    "/usr/bin/gcc",
    "/usr/lib/gcc/x86_64-linux-gnu/12/specs",
    "/usr/libexec/gcc/x86_64-linux-gnu/12/cc1",
    "/src/x.c",
    "/src/x.h",
    "/src/include/common.h",
    "/usr/include/stdio.h",
    "/usr/bin/as",
  ]);
  // Without root, /tmp is not a system directory, yet the temporary is not listed.
  assertEquals(
    makeRules(g).find((r) => r.target === "/src/x.o")!.prerequisites,
    ["/src/x.c", "/src/x.h", "/src/include/common.h"],
  );
});

Deno.test("toMake follows a temporary made by another job back to its inputs", () => {
  const g = build([
    exec(1, "/bin/sh", [
      "sh",
      "-c",
      "cpp x.c > /tmp/x.i && cc -c /tmp/x.i -o x.o; rm /tmp/x.i",
    ]),
    fork(1, 2),
    write(2, "/tmp/x.i"),
    exec(2, "/usr/bin/cpp"),
    read(2, "x.c"),
    read(2, "x.h"),
    exit(2),
    fork(1, 3),
    exec(3, "/usr/bin/cc"),
    read(3, "/tmp/x.i"),
    write(3, "x.o"),
    exit(3),
    fork(1, 4),
    exec(4, "/bin/rm"),
    unlink(4, "/tmp/x.i"),
    exit(4),
    exit(1),
  ]);
  assertEquals(toMake(g), "/src/x.o: /src/x.c /src/x.h\n");
});

Deno.test("toMake drops the target itself, directories, and driver-only reads", () => {
  const g = build([
    exec(1, "/usr/bin/make"),
    fork(1, 2),
    exec(2, "/usr/bin/ar", ["ar", "rcs", "lib.a", "a.o"]),
    { op: "open", pid: 2, path: "lib.a", mode: "rw", create: true },
    read(2, "a.o"),
    read(2, "objs"),
    read(2, "objs/b.o"),
    exit(2),
    read(1, "Makefile"),
  ]);
  assertEquals(g.file("/src/objs")!.directory, true);
  // A read-write open is a write (the rule must hold for filemon logs,
  // which cannot say whether the open truncated).
  assertEquals(g.traceSummary().inputs.includes("/src/lib.a"), false);
  assertEquals(g.traceSummary().outputs.includes("/src/lib.a"), true);
  assertEquals(toMake(g, { root: "/src" }), "lib.a: a.o objs/b.o\n");
});

Deno.test("toMake escapes spaces, # and $ the way make needs", () => {
  assertEquals(escapeMake("plain/path.c"), "plain/path.c");
  assertEquals(escapeMake("a b\tc"), "a\\ b\\\tc");
  assertEquals(escapeMake("x\\ y"), "x\\\\\\ y");
  assertEquals(escapeMake("cost$1#2"), "cost$$1\\#2");
  const g = build([
    exec(1, "/usr/bin/cc"),
    read(1, "my dir/a b.c"),
    read(1, "$HOME.h"),
    write(1, "out #1.o"),
  ]);
  assertEquals(
    toMake(g, { root: "/src" }),
    "out\\ \\#1.o: my\\ dir/a\\ b.c $$HOME.h\n",
  );
});

Deno.test("toMake applies root, include and exclude", () => {
  const g = build([
    exec(1, "/usr/bin/cc"),
    read(1, "a.c"),
    read(1, "gen/b.h"),
    read(1, "/opt/sdk/c.h"),
    read(1, "/etc/cc.conf"),
    write(1, "a.o"),
    write(1, "/opt/out/a.o"),
  ]);
  assertEquals(toMake(g, { root: "/src" }), "a.o: a.c gen/b.h\n");
  assertEquals(
    toMake(g),
    "/opt/out/a.o: /src/a.c /src/gen/b.h /opt/sdk/c.h\n/src/a.o: /src/a.c /src/gen/b.h /opt/sdk/c.h\n",
  );
  assertEquals(toMake(g, { root: "/src", exclude: ["gen/**"] }), "a.o: a.c\n");
  assertEquals(
    toMake(g, { include: ["**/*.o", "/opt/**"] }),
    "/opt/out/a.o: /opt/sdk/c.h\n/src/a.o: /opt/sdk/c.h\n",
  );
  assertEquals(toMake(g, { root: "/src", system: true }), "a.o: a.c gen/b.h\n");
  assert(toMake(g, { system: true }).includes("/etc/cc.conf"));
});

// ---------------------------------------------------------------- filters

Deno.test("makePathFilter applies root, system, include and exclude", () => {
  const keep = makePathFilter({});
  assert(keep("/home/me/a.c"));
  assert(keep("/tmp/x"));
  assert(keep("/opt/x"));
  for (
    const p of [
      "/usr/include/a.h",
      "/lib/x.so",
      "/etc/passwd",
      "/dev/null",
      "/var/lib/x",
      "/var/cache/y",
    ]
  ) {
    assert(!keep(p), p);
  }
  assert(keep("/var/tmp/x"));
  assert(makePathFilter({ system: true })("/usr/include/a.h"));
  const rooted = makePathFilter({ root: "/usr/src/proj/" });
  assert(
    rooted("/usr/src/proj/a.c"),
    "a root inside a system directory is not system",
  );
  assert(!rooted("/usr/src/other/a.c"));
  assert(!rooted("/usr/src/projx"));
  assert(rooted("relative/path"), "relative paths are kept");
  const globs = makePathFilter({
    root: "/p",
    include: ["src/**", "/p/top.c"],
    exclude: ["**/*.o"],
  });
  assert(globs("/p/src/a/b.c"));
  assert(globs("/p/top.c"));
  assert(!globs("/p/src/a/b.o"));
  assert(!globs("/p/doc/x.md"));
});

Deno.test("globToRegExp matches *, ** and ? on paths", () => {
  const cases: [string, string, boolean][] = [
    ["*.c", "a.c", true],
    ["*.c", "d/a.c", false],
    ["src/**", "src", true],
    ["src/**", "src/a/b", true],
    ["src/**", "srcx/a", false],
    ["**/*.h", "x.h", true],
    ["**/*.h", "a/b/x.h", true],
    ["a/**/b", "a/b", true],
    ["a/**/b", "a/x/y/b", true],
    ["a**", "abc/d", true],
    ["?.c", "a.c", true],
    ["?.c", "ab.c", false],
    ["?", "/", false],
    ["a.c", "abc", false],
    ["(x)+[y]", "(x)+[y]", true],
    ["\\*", "*", true],
    ["\\*", "a", false],
  ];
  for (const [glob, path, want] of cases) {
    assertEquals(globToRegExp(glob).test(path), want, `${glob} ~ ${path}`);
  }
});

// ---------------------------------------------------------------- drawings

async function dotAvailable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("dot", {
      args: ["-V"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

async function renderDot(text: string): Promise<string> {
  const child = new Deno.Command("dot", {
    args: ["-Tsvg"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const err = new TextDecoder().decode(out.stderr);
  assert(out.success, `dot failed: ${err}`);
  assertEquals(err, "", "dot printed warnings");
  return new TextDecoder().decode(out.stdout);
}

/** A build whose link step reads many objects of one directory, with odd characters in paths. */
function wideBuild(objects: number): TraceEvent[] {
  const events: TraceEvent[] = [exec(1, "/usr/bin/make")];
  for (let i = 0; i < objects; i++) {
    const pid = 10 + i;
    events.push(
      fork(1, pid),
      exec(pid, "/usr/bin/cc"),
      read(pid, `src/m${i}.c`),
      write(pid, `obj/m${i}.o`),
    );
    events.push(exit(pid));
  }
  events.push(
    fork(1, 2),
    exec(2, "/usr/bin/ld"),
    ...Array.from({ length: objects }, (_, i) => read(2, `obj/m${i}.o`)),
    read(2, 'odd "quoted" \\ #name<&>.c'),
    write(2, "prog.tmp"),
    rename(2, "prog.tmp", "prog"),
    unlink(2, "stale"),
    { op: "link", pid: 2, from: "prog", to: "prog-link", symbolic: true },
    { op: "stat", pid: 2, path: "probed" },
    exit(2),
  );
  return events;
}

Deno.test("toDot draws processes, files and styled edges, and dot accepts it", async () => {
  const g = build(gccBuild());
  // With `system`, system files are drawn as one node per system directory.
  const dot = toDot(g, { system: true, temporaries: true });
  assert(dot.startsWith("digraph filemon {\n") && dot.endsWith("}\n"));
  const node = (label: string) => {
    const m = dot.match(
      new RegExp(
        `^  (\\w+) \\[[^\\n]*label="${
          label.replace(/[.*+?()[\]\\/]/g, "\\$&")
        }"\\];$`,
        "m",
      ),
    );
    if (!m) throw new Error(`no node ${label}`);
    return m[1];
  };
  const [gcc, cc1, as, xc, xo, tmp, usr, make] = [
    node("gcc 201"),
    node("cc1 202"),
    node("as 203"),
    node("/src/x.c"),
    node("/src/x.o"),
    node("/tmp/cc200.s"),
    node("/usr/**"),
    node("make 100"),
  ];
  assert(
    dot.includes(`  ${xc} -> ${cc1} [color="#333333"];`),
    "read: file -> process",
  );
  assert(
    dot.includes(`  ${as} -> ${xo} [color="#1565c0", penwidth=2];`),
    "write: process -> file",
  );
  assert(
    dot.includes(`  ${usr} -> ${gcc} [color="#2e7d32", style=dashed];`),
    "exec of a system program",
  );
  assert(
    dot.includes(`  ${gcc} -> ${tmp} [color="#c62828", arrowhead=tee];`),
    "delete",
  );
  assert(dot.includes(`  ${make} -> p`), "process tree");
  assert(
    new RegExp(`  ${xo} \\[shape=ellipse, style=filled`).test(dot),
    "outputs are filled",
  );
  assert(
    new RegExp(`  ${tmp} \\[shape=ellipse, style=dashed`).test(dot),
    "temporaries are dashed",
  );
  assert(!dot.includes("stdio.h"), "system files collapse into /usr/**");
  assert(
    dot.includes(`  ${node("/src/Makefile")} -> ${make} [`),
    "make reads the Makefile",
  );
  const rooted = toDot(g, { root: "/src" });
  assert(
    rooted.includes('label="x.c"') &&
      rooted.includes('label="include/common.h"'),
  );
  assert(
    !rooted.includes("/tmp/") && !rooted.includes("/src/"),
    "paths outside root dropped",
  );
  // Each statement line is a node or an edge.
  for (const line of dot.split("\n").slice(4, -2)) {
    assert(/^ {2}\w+( -> \w+)? \[.*\];$/.test(line), `line: ${line}`);
  }
  // By default system files are left out, and so are the processes that
  // only touched them.
  const plain = toDot(g);
  assert(!plain.includes("/usr/"), "no system files");
  assert(!plain.includes("/tmp/cc200.s"), "a deleted temporary is hidden");
  assert(plain.includes('label="/src/x.c"'));
  const withSystem = plain;
  if (await dotAvailable()) {
    assert((await renderDot(dot)).includes("<svg"));
    assert((await renderDot(withSystem)).includes("<svg"));
  }
});

Deno.test("toDot groups a wide fan-in and shows renames, links and probes", async () => {
  const g = build(wideBuild(25));
  const dot = toDot(g, { root: "/src" });
  assert(
    dot.includes('label="obj/ (25 files)"'),
    "the link step's 25 reads are grouped",
  );
  assert(
    dot.includes('label="obj/m3.o"'),
    "each compile still writes its own object",
  );
  assert(
    dot.includes('label="odd \\"quoted\\" \\\\ #name<&>.c"'),
    "quotes and backslashes are escaped",
  );
  assert(dot.includes('label="mv"') && dot.includes('label="ln"'));
  assert(
    / -> f\d+ \[color="#6a1b9a", style=dashed, arrowhead=empty\];/.test(dot),
    "old name -> new name",
  );
  assert(!dot.includes('label="probed"'), "probes hidden by default");
  assert(toDot(g, { root: "/src", probes: true }).includes('label="probed"'));
  assert(!toDot(g, { root: "/src", fanIn: 30 }).includes("(25 files)"));
  assert(!toDot(g, { root: "/src", tree: false }).includes("arrowhead=odot"));
  const view = buildView(g, { root: "/src" });
  const ids = new Set(view.nodes.map((n) => n.id));
  assertEquals(ids.size, view.nodes.length, "node ids are unique");
  for (const e of view.edges) {
    assert(ids.has(e.from) && ids.has(e.to), `edge ${e.from} -> ${e.to}`);
  }
  if (await dotAvailable()) {
    assert((await renderDot(dot)).includes("obj/ (25 files)"));
  }
});

Deno.test("toMermaid draws processes, files and styled links in sane syntax", () => {
  const g = build(wideBuild(25));
  const text = toMermaid(g, { root: "/src", system: true });
  const lines = text.trimEnd().split("\n");
  assertEquals(lines[0], "flowchart LR");
  const nodes = new Map<string, string>();
  let links = 0;
  const styled = new Set<number>();
  for (const line of lines.slice(1)) {
    let m = line.match(
      /^ {2}(\w+)(\[|\(\[|\[\[|\[\()"([^"]*)"(\]|\]\)|\]\]|\)\])$/,
    );
    if (m) {
      assert(
        !/[<>&]|#(?!quot;|35;|amp;|lt;|gt;)/.test(m[3]),
        `label escaped: ${m[3]}`,
      );
      nodes.set(m[3], m[1]);
      continue;
    }
    m = line.match(
      /^ {2}(\w+) (-->|==>|-\.->|--x|-\.-o|-\.-x|--o)(\|\w+\|)? (\w+)$/,
    );
    if (m) {
      links++;
      continue;
    }
    m = line.match(/^ {2}linkStyle ([\d,]+) stroke:#[0-9a-f]{6}$/);
    if (m) {
      for (const i of m[1].split(",")) styled.add(Number(i));
      continue;
    }
    assert(
      /^ {2}classDef \w+ [\w:#,\- ]+$/.test(line) ||
        /^ {2}class [\w,]+ \w+$/.test(line),
      `line: ${line}`,
    );
  }
  assertEquals(styled.size, links, "every link styled once");
  assertEquals(Math.max(...styled), links - 1);
  const ld = nodes.get("ld 2")!;
  assert(nodes.has("make 1") && nodes.has("cc 10"));
  assert(
    text.includes(`  ${nodes.get("obj/ (25 files)")} --> ${ld}\n`),
    "grouped read",
  );
  assert(
    text.includes(`  ${nodes.get("src/m0.c")} --> ${nodes.get("cc 10")}\n`),
    "read",
  );
  assert(
    text.includes(`  ${nodes.get("cc 10")} ==> ${nodes.get("obj/m0.o")}\n`),
    "write",
  );
  assert(text.includes(`  ${ld} ==>|mv| ${nodes.get("prog")}\n`), "rename");
  assert(text.includes(`  ${ld} --x ${nodes.get("stale")}\n`), "delete");
  assert(
    text.includes(
      `  ${nodes.get("prog.tmp")} -.->|renamed| ${nodes.get("prog")}\n`,
    ),
  );
  assert(text.includes(`  ${nodes.get("/usr/**")} -.-> ${ld}\n`), "exec");
  assert(nodes.has("odd #quot;quoted#quot; \\ #35;name#lt;#amp;#gt;.c"));
  assert(
    new RegExp(`class [\\w,]*\\b${nodes.get("prog")}\\b[\\w,]* output`).test(
      text,
    ),
  );
  assert(toMermaid(g, { direction: "TB" }).startsWith("flowchart TB\n"));
});

// ---------------------------------------------------------------- json

Deno.test("toJson writes the whole model as one document", () => {
  const g = build(gccBuild());
  const text = toJson(g, { summaries: true });
  assertEquals([...toJsonChunks(g, { summaries: true })].join(""), text);
  const doc = JSON.parse(text);
  assertEquals([doc.format, doc.version], ["filemon-graph", 2]);
  assertEquals(doc.processes.length, g.processes.length);
  assertEquals(doc.files.length, g.files.length);
  const gcc = doc.processes[byPid(g, 201)];
  assertEquals(gcc.program, "/usr/bin/gcc");
  assertEquals(gcc.ppid, 200);
  assertEquals(gcc.exit, { status: 0, signal: 0 });
  const xo = g.file("/src/x.o")!.id;
  assertEquals(doc.files[xo], {
    id: xo,
    path: "/src/x.o",
    exists: true,
    directory: false,
    producers: [byPid(g, 203)],
    formerProducers: [],
  });
  const paths = (ids: number[]) => ids.map((i) => doc.files[i].path);
  // Jobs: the recipe line make started (sh 200), with everything it ran.
  assertEquals(gcc.job, byPid(g, 200));
  const job = doc.jobs.find((j: { process: number }) =>
    j.process === byPid(g, 200)
  );
  assertEquals(paths(job.summary.outputs), ["/src/x.o"]);
  assertEquals(paths(job.summary.temporaries), ["/tmp/cc200.s"]);
  assertEquals(gcc.subtree, undefined);
  const subtrees = JSON.parse(toJson(g, { subtrees: true }));
  const gccTree = subtrees.processes[byPid(g, 201)].subtree;
  assertEquals(paths(gccTree.outputs), ["/src/x.o"]);
  assertEquals(paths(gccTree.temporaries), ["/tmp/cc200.s"]);
  assertEquals(paths(doc.summary.outputs), [
    "/src/x.o",
    "/src/y.o",
    "/src/prog",
  ]);
  assert(
    doc.processes[byPid(g, 203)].files.some((
      f: { file: number; kinds: string[] },
    ) => f.file === xo && f.kinds.join() === "write"),
  );
  assertEquals(doc.hazards, g.hazards.map((h) => ({ ...h })));
  const plain = JSON.parse(toJson(g));
  assertEquals(plain.processes[0].summary, undefined);
  // Paths that are not UTF-8 survive.
  const raw = build([read(1, "bad\udcff")]);
  assertEquals(JSON.parse(toJson(raw)).files[0].path, "/src/bad\udcff");
});
