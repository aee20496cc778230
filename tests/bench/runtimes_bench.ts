/**
 * filemon under its three executables side by side: `deno run --allow-ffi
 * main.ts`, `bun main.ts` and the compiled binary `dist/filemon` (built
 * first if missing). In one run, variants alternating round by round:
 * startup (`--version`, and tracing `true`); the generated C build of
 * `trace_bench.ts` untraced, under `strace -f --seccomp-bpf` and under each
 * executable's `trace`; and the tracer's working time a stop from `trace
 * --stats`, which should be within 10% of Deno's under Bun and the binary.
 *
 *     deno task bench runtimes [--runs 5] [--units 60] [--jobs 2]
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import {
  makeProject,
  median,
  ROOT,
  run,
  straceArgv,
  straceKnows,
  traceSet,
} from "./trace_bench.ts";

/** Which table a variant's samples go to: seconds, or µs a stop. */
type Table = "startup" | "build" | "per stop";

interface Variant {
  table: Table;
  name: string;
  argv: string[];
  /** The variant its median is divided by. */
  base: string;
}

/** The startup commands: a label and the arguments. */
const STARTUP: [string, string[]][] = [
  ["--version", ["--version"]],
  ["trace -- true", ["trace", "-o", "/dev/null", "--", "true"]],
];

/** Ratios above this for "per stop" are flagged. */
const PER_STOP_GOAL = 1.1;

/** The `µs a stop` figure of a `trace --stats` line. */
function usPerStop(stderr: string): number {
  const m = /\(([\d.]+) µs a stop\)/.exec(stderr);
  if (m === null) throw new Error(`no --stats line in: ${stderr}`);
  return Number(m[1]);
}

/** Prints one table: median, min, max and ratio to each row's base. */
function print(table: Table, samples: Map<Variant, number[]>): void {
  const rows = [...samples.keys()].filter((v) => v.table === table);
  const medianOf = (name: string) =>
    median(samples.get(rows.find((v) => v.name === name)!)!);
  const perStop = table === "per stop";
  const col = (x: number) =>
    (perStop ? `${x.toFixed(1)} µs` : `${x.toFixed(3)} s`).padStart(9);
  console.log(
    `${table.padEnd(28)}${
      ["median", "min", "max"].map((h) => h.padStart(9)).join(" ")
    }  vs ${table === "build" ? "untraced" : "deno"}`,
  );
  for (const v of rows) {
    const xs = samples.get(v)!;
    const ratio = median(xs) / medianOf(v.base);
    const flag = perStop && ratio > PER_STOP_GOAL ? "  (over 10% worse)" : "";
    console.log(
      `  ${v.name.padEnd(26)}${
        [median(xs), Math.min(...xs), Math.max(...xs)].map(col).join(" ")
      }  ${ratio.toFixed(2)}x${flag}`,
    );
  }
}

/** Runs the runtimes benchmark and prints its tables. */
export async function benchRuntimes(argv: string[]): Promise<void> {
  const flags = parseArgs(argv, { string: ["units", "runs", "jobs"] });
  const units = Number(flags.units ?? 60);
  const runs = Number(flags.runs ?? 5);
  const jobs = Number(flags.jobs ?? 2);
  const binary = `${ROOT}dist/filemon`;
  try {
    await Deno.stat(binary);
  } catch {
    console.log(`${binary} missing: building it (deno task build)`);
    await run([Deno.execPath(), "task", "build"], ROOT);
  }
  const exes: [string, string[]][] = [
    ["deno", [
      Deno.execPath(),
      "run",
      "--allow-ffi",
      "--allow-read",
      `${ROOT}main.ts`,
    ]],
    ["bun", ["bun", `${ROOT}main.ts`]],
    ["binary", [binary]],
  ];
  const dir = await Deno.makeTempDir({ prefix: "filemon-bench-runtimes-" });
  await makeProject(dir, units);
  const make = ["make", `-j${jobs}`, "-s", "app"];
  const traced = (exe: string[], ...opts: string[]) => [
    ...exe,
    "trace",
    ...opts,
    "-o",
    `${dir}/filemon.log`,
    "--",
    ...make,
  ];
  const variants: Variant[] = [
    ...STARTUP.flatMap(([what, args]) =>
      exes.map(([name, exe]): Variant => ({
        table: "startup",
        name: `${name} ${what}`,
        argv: [...exe, ...args],
        base: `deno ${what}`,
      }))
    ),
    { table: "build", name: "untraced", argv: make, base: "untraced" },
    {
      table: "build",
      name: "strace --seccomp-bpf",
      argv: straceArgv(
        await straceKnows(traceSet(undefined)),
        `${dir}/strace.out`,
        make,
      ),
      base: "untraced",
    },
    ...exes.map(([name, exe]): Variant => ({
      table: "build",
      name: `filemon trace (${name})`,
      argv: traced(exe),
      base: "untraced",
    })),
    ...exes.map(([name, exe]): Variant => ({
      table: "per stop",
      name,
      argv: traced(exe, "--stats"),
      base: "deno",
    })),
  ];
  const bun = new TextDecoder().decode(
    (await new Deno.Command("bun", { args: ["--version"] }).output()).stdout,
  ).trim();
  const size = (await Deno.stat(binary)).size;
  console.log(
    `runtimes: deno ${Deno.version.deno}, bun ${bun}, dist/filemon ${size} bytes; make -j${jobs} of ${
      units + 1
    } C files; ${runs} rounds (+1 warm-up), variants alternating; ${Deno.build.arch}, ${navigator.hardwareConcurrency} cores`,
  );
  const samples = new Map<Variant, number[]>(variants.map((v) => [v, []]));
  for (let round = 0; round <= runs; round++) {
    for (const v of variants) {
      if (v.table !== "startup") await run(["make", "-s", "clean"], dir);
      const { secs, stderr } = await run(v.argv, dir);
      if (round === 0) continue;
      samples.get(v)!.push(v.table === "per stop" ? usPerStop(stderr) : secs);
    }
  }
  for (const table of ["startup", "build", "per stop"] as const) {
    print(table, samples);
  }
  await Deno.remove(dir, { recursive: true });
}

if (import.meta.main) await benchRuntimes(Deno.args);
