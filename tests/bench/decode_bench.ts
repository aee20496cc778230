/**
 * Decode throughput: generates a 1,000,000-record filemon log, then times
 * `filemon decode` turning it into JSON Lines (and filemon text), as a whole
 * process (startup included, output to a file that already exists), and
 * reports records per second.
 *
 *     deno task bench decode [--records N] [--runs N] [--baseline DIR]
 *
 * With `--baseline`, the checkout in DIR (`git worktree add /tmp/old REV`)
 * is timed too, the two alternating run by run, so that both see the same
 * load on a shared machine.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Writes a log of `records` records shaped like a compiler build's. */
export async function makeLog(path: string, records: number): Promise<void> {
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  const enc = new TextEncoder();
  let text =
    "# filemon version 5\n# Target pid 100\n# Start 1700000000.000001\nV 5\n";
  for (let i = 0; i < records; i++) {
    const pid = 1000 + Math.floor(i / 50);
    const r = i % 50;
    if (r === 0) text += `F ${pid - 1} ${pid}\n`;
    else if (r === 1) text += `E ${pid} /usr/bin/cc\n`;
    else if (r === 49) text += `X ${pid} 0 0\n`;
    else if (r % 7 === 0) text += `W ${pid} obj/file${i}.o\n`;
    else if (r % 11 === 0) text += `M ${pid} 'obj/t${i}' 'obj/o${i}'\n`;
    else text += `R ${pid} /usr/include/sys/header${r}.h\n`;
    if (text.length > 1 << 20) {
      await file.write(enc.encode(text));
      text = "";
    }
  }
  text += "# Stop 1700000001.000001\n# Bye bye\n";
  await file.write(enc.encode(text));
  file.close();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs the decode benchmark and prints its figures. */
export async function benchDecode(argv: string[]): Promise<void> {
  const flags = parseArgs(argv, { string: ["records", "runs", "baseline"] });
  const records = Number(flags.records ?? 1_000_000);
  const runs = Number(flags.runs ?? 5);
  /** The checkouts to time: this one, and the baseline's when given. */
  const trees: [string, string][] = [["this", ROOT]];
  if (flags.baseline !== undefined) {
    trees.push(["baseline", `${flags.baseline.replace(/\/$/, "")}/`]);
  }
  const dir = await Deno.makeTempDir({ prefix: "filemon-bench-" });
  const log = `${dir}/build.log`;
  await makeLog(log, records);
  const size = (await Deno.stat(log)).size;
  console.log(
    `decode: ${records} records, ${
      (size / 1e6).toFixed(1)
    } MB, ${runs} runs (+1 warm-up), one process each`,
  );
  const rows: Record<string, number[]> = {};
  for (let i = 0; i <= runs; i++) {
    for (const format of ["jsonl", "filemon"]) {
      // Each pair in turn in both orders.
      for (const [name, root] of i % 2 === 0 ? trees : [...trees].reverse()) {
        const row = trees.length > 1 ? `${format} (${name})` : format;
        rows[row] ??= [];
        const secs = await timeDecode(
          root,
          log,
          format,
          `${dir}/out.${format}`,
        );
        if (i > 0) rows[row].push(secs);
      }
    }
  }
  for (const [row, secs] of Object.entries(rows)) {
    const m = median(secs);
    console.log(
      `  to ${row.padEnd(trees.length > 1 ? 20 : 7)} median ${
        m.toFixed(3)
      } s  (min ${Math.min(...secs).toFixed(3)}, max ${
        Math.max(...secs).toFixed(3)
      })  ${Math.round(records / m).toLocaleString("en")} records/s`,
    );
  }
  await Deno.remove(dir, { recursive: true });
}

/** Seconds one `filemon decode` process of the checkout at `root` takes. */
async function timeDecode(
  root: string,
  log: string,
  format: string,
  output: string,
): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      `${root}main.ts`,
      "decode",
      log,
      "--format",
      format,
      "-o",
      output,
    ],
    stdout: "null",
    stderr: "inherit",
  }).output();
  const secs = (performance.now() - t0) / 1000;
  if (!out.success) throw new Error(`decode failed (exit ${out.code})`);
  return secs;
}

if (import.meta.main) await benchDecode(Deno.args);
