/**
 * `filemon bmake` with real bmake (Debian's, in CI): a small C project
 * whose makefile does not declare its headers, built in jobs mode (-j4) and
 * in compat mode, with a two-command target, a generated header renamed
 * into place, a .PHONY target running a recursive make, and an interrupted
 * job; the .meta files are then read by bmake, by meta2deps.py and by
 * `filemon decode`/`graph`.
 *
 * bmake ignores paths under /tmp (and /dev, /etc, /proc, /var/run,
 * /var/tmp), so the project lives in the repository's tests/ folder (or
 * $HOME when the checkout itself is under one of those).
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import {
  CLI_NAME,
  FILEMON,
  installed,
  ROOT,
  runCli,
  type RunResult,
  traceArgs,
} from "../_helpers.ts";

const HAVE = installed("bmake") && installed("cc");
const META2DEPS = "/usr/share/bmake/mk-bmake/meta2deps.py";
const MODE = ".MAKE.MODE=meta curdirok=yes";
const IGNORED = ["/tmp", "/var/tmp", "/dev", "/etc", "/proc", "/var/run"];

/** filemon's arguments for `filemon bmake ARGS` (trace's permissions). */
function bmakeArgs(...args: string[]): string[] {
  const all = traceArgs(...args);
  all[all.length - args.length - 1] = "bmake";
  return all;
}

/** Runs `filemon bmake ARGS` in `dir`. */
async function runBmake(dir: string, ...args: string[]): Promise<RunResult> {
  const out = await new Deno.Command(FILEMON, {
    args: bmakeArgs(...args),
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    stdoutBytes: out.stdout,
  };
}

/** A fresh directory bmake does not ignore. */
async function projectDir(): Promise<string> {
  const tests = `${ROOT}tests`;
  const parent = IGNORED.some((p) => tests.startsWith(p + "/"))
    ? Deno.env.get("HOME")!
    : tests;
  return await Deno.realPath(
    await Deno.makeTempDir({ dir: parent, prefix: "bmake-", suffix: ".tmp" }),
  );
}

const FILES: Record<string, string> = {
  "Makefile": `OBJS = main.o util.o
all: gen.h .WAIT prog sub
prog: \${OBJS}
	cc -o prog \${OBJS}
	@echo linked prog
.c.o:
	cc -I\${.CURDIR}/include -c \${.IMPSRC}
gen.h: gen.in
	echo "#define GEN $$(cat gen.in)" > gen.h.new
	mv gen.h.new gen.h
sub: .PHONY
	\${MAKE} -C sub
`,
  "main.c": `#include <stdio.h>
#include "a.h"
#include "gen.h"
int util(void);
int main(void) { printf("%d %d %d\\n", A, GEN, util()); return 0; }
`,
  "util.c": `#include "u.h"
int util(void) { return U; }
`,
  "gen.in": "5\n",
  "include/a.h": "#define A 1\n",
  "include/u.h": "#define U 7\n",
  "sub/Makefile": `all: s.o
s.o: s.c
	cc -I../include -c s.c
`,
  "sub/s.c": `#include "a.h"
int s = A;
`,
};

async function makeProject(): Promise<string> {
  const dir = await projectDir();
  for (const [name, text] of Object.entries(FILES)) {
    if (name.includes("/")) {
      await Deno.mkdir(`${dir}/${name.slice(0, name.lastIndexOf("/"))}`, {
        recursive: true,
      });
    }
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

/** Sets every file's mtime `seconds` back (bmake compares whole seconds). */
async function age(dir: string, seconds: number): Promise<void> {
  const when = new Date(Date.now() - seconds * 1000);
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) await age(path, seconds);
    else await Deno.utime(path, when, when);
  }
}

/** Runs `filemon bmake ARGS` in `dir`; returns what bmake did. */
async function bmake(dir: string, ...args: string[]) {
  const r = await runBmake(dir, MODE, ...args);
  assertEquals(r.code, 0, `${CLI_NAME}: ${r.stdout}\n${r.stderr}`);
  const out = r.stdout + r.stderr;
  return {
    out,
    /** Sources compiled, in the order seen (sub-make's prefixed "sub/"). */
    compiled: [...out.matchAll(/-c (?:\S*\/)?(\S+\.c)/g)].map((m) => m[1])
      .sort(),
    linked: out.includes("cc -o prog"),
    generated: out.includes("mv gen.h.new gen.h"),
  };
}

async function runProg(dir: string): Promise<string> {
  const r = await new Deno.Command(`${dir}/prog`, { stdout: "piped" })
    .output();
  return new TextDecoder().decode(r.stdout).trim();
}

/** The filemon section of a .meta file, checked for bmake's rules. */
async function section(meta: string): Promise<string[]> {
  const text = await Deno.readTextFile(meta);
  const at = text.indexOf("\n-- filemon acquired metadata --\n");
  assert(at > 0, `${meta} has no filemon section:\n${text}`);
  const lines = text.slice(at + 1).split("\n");
  assertEquals(lines.pop(), "", "ends with a newline");
  assertEquals(lines.slice(1, 2), ["# filemon version 5"]);
  assertEquals(lines[4], "V 5");
  assertEquals(lines[lines.length - 1], "# Bye bye");
  for (const line of lines.slice(1)) {
    assertMatch(line, /^(# .+|V 5|[CDEFLMRWX] \d+ .+)$/, `in ${meta}`);
  }
  return lines;
}

async function scenario(dir: string, jobs: string[]): Promise<void> {
  // First build: everything, and each .meta gets its section.
  const first = await bmake(dir, ...jobs);
  assertEquals(first.compiled, ["main.c", "s.c", "util.c"], first.out);
  assert(first.linked && first.generated, first.out);
  assertEquals(await runProg(dir), "1 5 7");
  for (const m of ["main.o", "util.o", "prog", "gen.h", "sub/s.o"]) {
    const lines = await section(`${dir}/${m}.meta`);
    if (m === "main.o") {
      assert(lines.some((l) => /^R \d+ .*\/include\/a\.h$/.test(l)), m);
    }
    if (m === "prog") {
      // Both commands; not the .PHONY sub-make run after it.
      assert(
        lines.some((l) => / \/usr\/bin\/echo$|^E \d+ \/bin\/sh$/.test(l)),
        m,
      );
      assert(!lines.some((l) => /bmake$/.test(l)), m);
    }
    if (m === "gen.h") {
      assert(
        lines.some((l) => /^M \d+ '.*\/gen\.h\.new' '.*\/gen\.h'$/.test(l)),
        m,
      );
    }
  }
  // Again: nothing to do.
  const again = await bmake(dir, ...jobs);
  assertEquals([again.compiled, again.linked, again.generated], [
    [],
    false,
    false,
  ], again.out);

  // An undeclared header changes: exactly its includers, and the program.
  await age(dir, 10);
  await Deno.writeTextFile(`${dir}/include/a.h`, "#define A 2\n");
  const edited = await bmake(dir, ...jobs);
  assertEquals(edited.compiled, ["main.c", "s.c"], edited.out);
  assert(edited.linked && !edited.generated, edited.out);
  assertEquals(await runProg(dir), "2 5 7");

  // The generated header (renamed into place) changes: main.o rebuilds.
  await age(dir, 10);
  await Deno.writeTextFile(`${dir}/gen.in`, "6\n");
  const gen = await bmake(dir, ...jobs);
  assertEquals(gen.compiled, ["main.c"], gen.out);
  assert(gen.linked && gen.generated, gen.out);
  assertEquals(await runProg(dir), "2 6 7");

  const last = await bmake(dir, ...jobs);
  assertEquals(
    [last.compiled, last.linked, last.generated],
    [[], false, false],
    last.out,
  );
}

Deno.test({
  name:
    `bmake: jobs mode (-j4): undeclared headers rebuild exactly their objects (${CLI_NAME})`,
  ignore: !HAVE,
  async fn() {
    const dir = await makeProject();
    try {
      await scenario(dir, ["-j4"]);
      // meta2deps.py: main.o and the sub-make's s.o read the project's
      // include/ directory (their own directories are left out).
      if (installed("python3")) {
        for (
          const [meta, cwd] of [["main.o", dir], ["sub/s.o", `${dir}/sub`]]
        ) {
          const r = await new Deno.Command("python3", {
            args: [
              META2DEPS,
              "-S",
              `${dir}/`,
              "-C",
              cwd,
              `${dir}/${meta}.meta`,
            ],
            stdout: "piped",
            stderr: "piped",
            cwd,
          }).output();
          const out = new TextDecoder().decode(r.stdout);
          assertEquals([r.code, out.trim()], [0, "src:include"], meta);
        }
      }
      // decode and graph read the .meta files.
      const dec = await runCli(["decode", `${dir}/main.o.meta`]);
      assertEquals(dec.code, 0, dec.stderr);
      assert(dec.stdout.includes(`"path":"${dir}/include/a.h"`), dec.stdout);
      const graph = await runCli([
        "graph",
        `${dir}/main.o.meta`,
        "--root",
        dir,
      ]);
      assertEquals(graph.code, 0, graph.stderr);
      assertEquals(graph.stdout.trim(), "main.o: main.c include/a.h gen.h");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `bmake: compat mode: the same, one section for a target's commands (${CLI_NAME})`,
  ignore: !HAVE,
  async fn() {
    const dir = await makeProject();
    try {
      await scenario(dir, []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const SLOW = `all: fast.out .WAIT slow.out
fast.out: fast.in
	cp fast.in fast.out
slow.out: .PRECIOUS slow.in
	echo partial > slow.out
	sleep 20
	cp slow.in slow.out
`;

for (const jobs of [["-j4"], []]) {
  Deno.test({
    name: `bmake: a job interrupted by SIGINT rebuilds next time (${
      jobs.length > 0 ? "jobs" : "compat"
    } mode, ${CLI_NAME})`,
    ignore: !HAVE || !installed("setsid"),
    async fn() {
      const dir = await projectDir();
      try {
        await Deno.writeTextFile(`${dir}/Makefile`, SLOW);
        await Deno.writeTextFile(`${dir}/fast.in`, "fast\n");
        await Deno.writeTextFile(`${dir}/slow.in`, "slow\n");
        // Its own process group, so that SIGINT reaches it all, as Ctrl-C.
        const child = new Deno.Command("setsid", {
          args: [FILEMON, ...bmakeArgs(MODE, ...jobs)],
          cwd: dir,
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const until = Date.now() + 20_000;
        while (Date.now() < until) {
          try {
            if ((await Deno.readTextFile(`${dir}/slow.out`)) === "partial\n") {
              break;
            }
          } catch { /* not yet */ }
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 200));
        await new Deno.Command("kill", {
          args: ["-INT", "--", `-${child.pid}`],
        })
          .output();
        const out = await child.output();
        assert(out.code !== 0);
        const err = new TextDecoder().decode(out.stderr);
        assertMatch(err, /1 \.meta file was left without filemon data/);
        // .PRECIOUS: bmake kept the partial target; its .meta has no section.
        assertEquals(await Deno.readTextFile(`${dir}/slow.out`), "partial\n");
        assert(
          !(await Deno.readTextFile(`${dir}/slow.out.meta`)).includes(
            "-- filemon",
          ),
        );
        await section(`${dir}/fast.out.meta`);
        // Next run (quick now): slow.out again, fast.out not.
        await Deno.writeTextFile(
          `${dir}/Makefile`,
          SLOW.replace("sleep 20", "true"),
        );
        const next = await runBmake(dir, MODE, ...jobs);
        assertEquals(next.code, 0, next.stderr);
        assert(next.stdout.includes("cp slow.in slow.out"), next.stdout);
        assert(!next.stdout.includes("cp fast.in"), next.stdout);
        assertEquals(await Deno.readTextFile(`${dir}/slow.out`), "slow\n");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: `bmake: usage and bmake's exit status (${CLI_NAME})`,
  ignore: !HAVE,
  async fn() {
    const help = await runBmake(ROOT, "--help");
    assertEquals(help.code, 0);
    assertMatch(help.stdout, /^filemon bmake: /);
    const bad = await runBmake(ROOT, "--frob");
    assertEquals(bad.code, 2);
    assertMatch(bad.stderr, /unknown option '--frob'/);
    const dir = await projectDir();
    try {
      await Deno.writeTextFile(`${dir}/Makefile`, "all:\n\texit 3\n");
      const fail = await runBmake(dir, MODE);
      assertEquals(fail.code, 1, fail.stdout + fail.stderr); // bmake's status
      const missing = await runBmake(dir, "--bmake", "no-such-bmake");
      assertEquals(missing.code, 127, missing.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
