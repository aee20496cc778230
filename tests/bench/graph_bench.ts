/**
 * `filemon graph` on big inputs, as whole processes: time on a process
 * chain 100,000 deep (each process forks the next; time must grow linearly
 * with depth), and time and peak memory (`/usr/bin/time`, when present) of
 * `graph -f dot` and `graph -f make` on a generated 2,000,000-record log.
 *
 *     deno task bench graph [--depth N] [--records N] [--runs N]
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { makeLog } from "./decode_bench.ts";
import { median, ROOT } from "./trace_bench.ts";

/**
 * Writes a filemon log of a process chain `depth` deep under `/w`: each
 * process runs `/w/bin/step`, reads its own `/w/src/N.c`, appends to
 * `/w/log` and forks the next; the last one writes `/w/out`; they exit
 * innermost first.
 */
export async function makeChainLog(path: string, depth: number): Promise<void> {
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  const enc = new TextEncoder();
  let text = "# filemon version 5\n# Target pid 100\nV 5\nC 100 /w\n";
  for (let i = 0; i < depth; i++) {
    const pid = 100 + i;
    text += `F ${pid} ${pid + 1}\nE ${pid + 1} /w/bin/step\n` +
      `R ${pid + 1} /w/src/${i}.c\nW ${pid + 1} /w/log\n`;
    if (text.length > 1 << 20) {
      await file.write(enc.encode(text));
      text = "";
    }
  }
  text += `W ${100 + depth} /w/out\n`;
  for (let i = depth; i >= 0; i--) {
    text += `X ${100 + i} 0 0\n`;
    if (text.length > 1 << 20) {
      await file.write(enc.encode(text));
      text = "";
    }
  }
  await file.write(enc.encode(text));
  file.close();
}

/** Runs `filemon graph` on `log`; returns seconds and peak RSS in MiB (NaN without /usr/bin/time). */
async function runGraph(
  log: string,
  args: string[],
  out: string,
): Promise<{ secs: number; mib: number }> {
  const deno = [
    Deno.execPath(),
    "run",
    "--allow-read",
    "--allow-write",
    `${ROOT}main.ts`,
    "graph",
    log,
    ...args,
    "-o",
    out,
  ];
  const timed = await Deno.stat("/usr/bin/time").then(() => true, () => false);
  const argv = timed ? ["/usr/bin/time", "-f", "%M", ...deno] : deno;
  const t0 = performance.now();
  const r = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdout: "null",
    stderr: "piped",
  }).output();
  const secs = (performance.now() - t0) / 1000;
  const err = new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(`graph failed (exit ${r.code}): ${err}`);
  const kib = timed ? Number(err.trim().split("\n").at(-1)) : NaN;
  return { secs, mib: kib / 1024 };
}

function row(label: string, results: { secs: number; mib: number }[]): string {
  const secs = results.map((r) => r.secs);
  const mib = results.map((r) => r.mib);
  return `  ${label.padEnd(34)} median ${median(secs).toFixed(2)} s  (min ${
    Math.min(...secs).toFixed(2)
  }, max ${Math.max(...secs).toFixed(2)})  peak RSS ${
    Number.isNaN(mib[0]) ? "?" : `${Math.round(Math.max(...mib))} MiB`
  }`;
}

/** Runs the graph benchmark and prints its figures. */
export async function benchGraph(argv: string[]): Promise<void> {
  const flags = parseArgs(argv, { string: ["depth", "records", "runs"] });
  const depth = Number(flags.depth ?? 100_000);
  const records = Number(flags.records ?? 2_000_000);
  const runs = Number(flags.runs ?? 3);
  const dir = await Deno.makeTempDir({ prefix: "filemon-bench-" });
  console.log(`graph: ${runs} runs each, one process each`);
  for (const d of [depth / 10, depth]) {
    const log = `${dir}/chain.log`;
    await makeChainLog(log, d);
    for (const format of ["make", "hazards"]) {
      const results = [];
      for (let i = 0; i < runs; i++) {
        results.push(
          await runGraph(log, ["-f", format], `${dir}/chain.${format}`),
        );
      }
      console.log(row(`chain ${d} deep, -f ${format}`, results));
    }
  }
  const log = `${dir}/build.log`;
  await makeLog(log, records);
  for (const format of ["dot", "make"]) {
    const results = [];
    for (let i = 0; i < runs; i++) {
      results.push(await runGraph(log, ["-f", format], `${dir}/out.${format}`));
    }
    console.log(row(`${records} records, -f ${format}`, results));
  }
  await Deno.remove(dir, { recursive: true });
}

if (import.meta.main) await benchGraph(Deno.args);
