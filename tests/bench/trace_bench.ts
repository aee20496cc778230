/**
 * Tracing overhead on a real build: a generated C project (60 translation
 * units sharing headers) built with `make -j2`, run in turn untraced, under
 * `strace -f --seccomp-bpf` with the same syscall set, under `filemon
 * trace`, and under `filemon trace --ops +probe --failed`. Prints medians
 * and ratios; then the tracer's peak memory on a short and a 10x longer
 * trace.
 *
 *     deno task bench trace [--units 60] [--runs 5] [--jobs 2]
 *                           [--filemon 'CMD'] [--also 'NAME=CMD']...
 *
 * `--filemon` times another filemon executable (`dist/filemon`, `bun
 * main.ts`) instead of Deno's; each `--also` adds a variant that runs the
 * build (and the loop) under CMD, split at spaces, e.g. another tracer:
 * `--also 'fsatrace=fsatrace rwmd out.txt --'`.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { callsFor } from "../../ffi/linux/syscalls/semantics.ts";
import { DEFAULT_CLASSES, parseOps } from "../../lib/ops.ts";
import { X86_64 } from "../../ffi/linux/syscalls/x86_64.ts";

/** The repository's root directory, with a trailing slash. */
export const ROOT: string = new URL("../../", import.meta.url).pathname;

/** Writes a C project of `units` files sharing headers, with a Makefile. */
export async function makeProject(dir: string, units: number): Promise<void> {
  await Deno.mkdir(`${dir}/include`, { recursive: true });
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  const HEADERS = 12;
  for (let h = 0; h < HEADERS; h++) {
    await Deno.writeTextFile(
      `${dir}/include/h${h}.h`,
      `#ifndef H${h}_H
#define H${h}_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
${
        h > 0
          ? `#include "h${h - 1}.h"`
          : "#include <stdint.h>"
      }
static inline int h${h}_f(int x) { return x * ${h + 3} + ${h}; }
struct s${h} { int a[${h + 1}]; char name[16]; };
#endif
`,
    );
  }
  const objs: string[] = [];
  for (let u = 0; u < units; u++) {
    const hs = [u % HEADERS, (u * 7) % HEADERS, (u * 5 + 3) % HEADERS];
    await Deno.writeTextFile(
      `${dir}/src/u${u}.c`,
      `${hs.map((h) => `#include "h${h}.h"`).join("\n")}
int u${u}(int n) {
  struct s${hs[0]} s; memset(&s, 0, sizeof s);
  int t = 0;
  for (int i = 0; i < n; i++) t += h${hs[1]}_f(i) ^ h${hs[2]}_f(t);
  snprintf(s.name, sizeof s.name, "u%d", t);
  return t + (int)strlen(s.name);
}
`,
    );
    objs.push(`obj/u${u}.o`);
  }
  await Deno.writeTextFile(
    `${dir}/src/main.c`,
    `#include <stdio.h>
${Array.from({ length: units }, (_, u) => `int u${u}(int);`).join("\n")}
int main(void) { int t = 0;
${Array.from({ length: units }, (_, u) => `  t += u${u}(${u});`).join("\n")}
  printf("%d\\n", t); return 0; }
`,
  );
  await Deno.writeTextFile(
    `${dir}/Makefile`,
    `CC ?= cc
CFLAGS ?= -O1 -Iinclude
OBJS = ${objs.join(" ")} obj/main.o
app: $(OBJS)
\t$(CC) -o $@ $(OBJS)
obj/%.o: src/%.c | obj
\t$(CC) $(CFLAGS) -c -o $@.tmp $< && mv $@.tmp $@
obj:
\tmkdir -p obj
clean:
\trm -rf obj app
.PHONY: clean
`,
  );
}

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `argv` in `cwd`, its output discarded and its stderr kept; throws if
 * it fails. With `watchRss`, also samples its peak RSS.
 */
export async function run(
  argv: string[],
  cwd: string,
  watchRss = false,
): Promise<{ secs: number; rssKiB: number; stderr: string }> {
  const t0 = performance.now();
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let rssKiB = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (watchRss) {
    const poll = () => {
      try {
        const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) rssKiB = Math.max(rssKiB, Number(m[1]));
      } catch { /* gone */ }
    };
    timer = setInterval(poll, 20);
  }
  const out = await child.output();
  const secs = (performance.now() - t0) / 1000;
  if (timer !== undefined) clearInterval(timer);
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new Error(`${argv.join(" ")} failed (exit ${out.code}): ${stderr}`);
  }
  return { secs, rssKiB, stderr };
}

/** Syscall names strace accepts, among `names`. */
export async function straceKnows(names: string[]): Promise<string[]> {
  const known: string[] = [];
  for (const n of names) {
    const r = await new Deno.Command("strace", {
      args: ["-qq", "-e", `trace=${n}`, "-o", "/dev/null", "true"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (r.success) known.push(n);
  }
  return known;
}

/** The syscalls filemon traces for `--ops opsSpec` (default classes without). */
export function traceSet(opsSpec: string | undefined): string[] {
  const ops = opsSpec === undefined
    ? new Set(DEFAULT_CLASSES)
    : parseOps(opsSpec);
  return [...callsFor(ops)].filter((n) =>
    X86_64.numbers[n] !== undefined && n !== "io_uring_setup"
  );
}

/** `strace -f --seccomp-bpf` tracing `calls` of `command` into `out`. */
export function straceArgv(
  calls: string[],
  out: string,
  command: string[],
): string[] {
  return [
    "strace",
    "-f",
    "--seccomp-bpf",
    "-qq",
    "-e",
    `trace=${calls.join(",")}`,
    "-o",
    out,
    ...command,
  ];
}

/** A command line to time, by name. */
interface Variant {
  name: string;
  argv: string[];
}

/**
 * Times `variants` in `dir`, alternating, `runs` rounds after a warm-up
 * (`before` runs ahead of each); prints each median against the first's and
 * returns the medians by name.
 */
async function compare(
  dir: string,
  variants: Variant[],
  runs: number,
  before: string[] | undefined,
): Promise<Map<string, number>> {
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round <= runs; round++) {
    for (const v of variants) {
      if (before !== undefined) await run(before, dir);
      const { secs } = await run(v.argv, dir);
      if (round > 0) times.get(v.name)!.push(secs);
    }
  }
  const medians = new Map([...times].map(([k, xs]) => [k, median(xs)]));
  const base = medians.get(variants[0].name)!;
  for (const v of variants) {
    const xs = times.get(v.name)!;
    const m = medians.get(v.name)!;
    console.log(
      `  ${v.name.padEnd(30)} median ${m.toFixed(3)} s  (min ${
        Math.min(...xs).toFixed(3)
      }, max ${Math.max(...xs).toFixed(3)})  ${
        (m / base).toFixed(3)
      }x untraced`,
    );
  }
  return medians;
}

/** A command line split at spaces (no quoting). */
function words(line: string): string[] {
  return line.split(" ").filter((w) => w !== "");
}

/** Runs the trace benchmark and prints its figures. */
export async function benchTrace(argv: string[]): Promise<void> {
  const flags = parseArgs(argv, {
    string: ["units", "runs", "jobs", "filemon"],
    collect: ["also"],
  });
  const also = (flags.also as string[]).map((spec) => {
    const at = spec.indexOf("=");
    if (at <= 0) throw new Error(`--also needs NAME=COMMAND: '${spec}'`);
    return {
      name: spec.slice(0, at),
      prefix: words(spec.slice(at + 1)),
    };
  });
  const units = Number(flags.units ?? 60);
  const runs = Number(flags.runs ?? 5);
  const jobs = Number(flags.jobs ?? 2);
  const dir = await Deno.makeTempDir({ prefix: "filemon-bench-build-" });
  await makeProject(dir, units);
  const make = ["make", `-j${jobs}`, "-s", "app"];
  // --allow-read lets the fast path's worker load.
  const filemon = flags.filemon === undefined
    ? [
      Deno.execPath(),
      "run",
      "--allow-ffi",
      "--allow-read",
      `${ROOT}main.ts`,
      "trace",
    ]
    : [...words(String(flags.filemon)), "trace"];
  const strace = await straceKnows(traceSet(undefined));
  const straceAll = await straceKnows(traceSet("all"));
  const all = ["-f", "jsonl", "--ops", "all", "--failed"];
  console.log(
    `trace: make -j${jobs} of ${
      units + 1
    } C files, ${runs} rounds (+1 warm-up), variants alternating; ${Deno.build.arch}, ${navigator.hardwareConcurrency} cores`,
  );
  const m = await compare(
    dir,
    [
      { name: "untraced", argv: make },
      {
        name: "strace --seccomp-bpf",
        argv: straceArgv(strace, `${dir}/strace.out`, make),
      },
      {
        name: "filemon trace",
        argv: [...filemon, "-o", `${dir}/filemon.log`, "--", ...make],
      },
      {
        name: "filemon --no-fast-path",
        argv: [
          ...filemon,
          "--no-fast-path",
          "-o",
          `${dir}/slow.log`,
          "--",
          ...make,
        ],
      },
      {
        name: "strace, probes too",
        argv: straceArgv(straceAll, `${dir}/strace-all.out`, make),
      },
      {
        name: "filemon --ops all --failed",
        argv: [
          ...filemon,
          ...all,
          "-o",
          `${dir}/filemon-all.jsonl`,
          "--",
          ...make,
        ],
      },
      ...also.map((a) => ({ name: a.name, argv: [...a.prefix, ...make] })),
    ],
    runs,
    ["make", "-s", "clean"],
  );
  const base = m.get("untraced")!;
  const extra = (name: string) => m.get(name)! - base;
  console.log(
    `  extra time: filemon ${extra("filemon trace").toFixed(3)} s vs strace ${
      extra("strace --seccomp-bpf").toFixed(3)
    } s (ratio ${
      (extra("filemon trace") / extra("strace --seccomp-bpf")).toFixed(2)
    }); with probes and failed calls: ${
      extra("filemon --ops all --failed").toFixed(3)
    } s vs ${extra("strace, probes too").toFixed(3)} s`,
  );
  const lines =
    (await Deno.readTextFile(`${dir}/filemon.log`)).split("\n").length - 1;
  const allLines =
    (await Deno.readTextFile(`${dir}/filemon-all.jsonl`)).split("\n").length -
    1;
  console.log(
    `  trace size: ${lines} filemon records; ${allLines} JSON Lines events with probes and failures`,
  );

  // An exec-heavy shell loop: 300 runs of /bin/true.
  const loop = [
    "sh",
    "-c",
    "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done",
  ];
  console.log("trace: a shell loop running /bin/true 300 times");
  await compare(
    dir,
    [
      { name: "untraced", argv: loop },
      {
        name: "strace --seccomp-bpf",
        argv: straceArgv(strace, `${dir}/strace.out`, loop),
      },
      {
        name: "filemon trace",
        argv: [...filemon, "-o", `${dir}/loop.log`, "--", ...loop],
      },
      {
        name: "filemon --no-fast-path",
        argv: [
          ...filemon,
          "--no-fast-path",
          "-o",
          `${dir}/loop.log`,
          "--",
          ...loop,
        ],
      },
      ...also.map((a) => ({ name: a.name, argv: [...a.prefix, ...loop] })),
    ],
    runs,
    undefined,
  );

  // Memory: the tracer's peak RSS on a trace 10x as long.
  for (const n of [20_000, 200_000]) {
    const script =
      `i=0; while [ $i -lt ${n} ]; do : < Makefile; i=$((i+1)); done`;
    const { secs, rssKiB } = await run(
      [...filemon, "-o", `${dir}/loop.log`, "--", "sh", "-c", script],
      dir,
      true,
    );
    console.log(
      `  memory: ${n} opens in one process traced in ${
        secs.toFixed(2)
      } s, tracer peak RSS ${(rssKiB / 1024).toFixed(1)} MiB`,
    );
  }
  await Deno.remove(dir, { recursive: true });
}

if (import.meta.main) await benchTrace(Deno.args);
