/**
 * The progress line against a model terminal: a command's output written
 * between draws (whole lines, half lines, a screen's worth and more) reads
 * the same as without it, the status sits on the bottom row meanwhile and
 * is gone at the end; timing, width, resize, a terminal that goes away,
 * and when progress is shown at all.
 */

import { assert, assertEquals } from "@std/assert";
import {
  Progress,
  progressSize,
  progressWanted,
  type Terminal,
  type TerminalSize,
} from "../../../lib/cli/progress.ts";
import { TinyTerminal } from "../../_terminal.ts";

/** A progress drawing into `term` on a clock the test moves. */
function setUp(term: TinyTerminal, size?: () => TerminalSize) {
  const clock = { now: 0 };
  const writes: string[] = [];
  const progress = new Progress({
    write: (t) => {
      writes.push(t);
      term.write(t);
    },
    size: size ?? (() => ({ rows: term.rows, columns: term.columns })),
    now: () => clock.now,
  });
  progress.event({ op: "start", time: 0 });
  return { clock, writes, progress };
}

/** What the command writes: lines, then a line in three pieces. */
const PIECES = [
  ...Array.from({ length: 30 }, (_, i) => `output line ${i + 1}\r\n`),
  "half ",
  "a line, ",
  "then the rest\r\n",
  "last\r\n",
];

Deno.test("progress: the command's output reads as it would alone, the status line goes at the end", () => {
  const alone = new TinyTerminal(8, 50);
  for (const piece of PIECES) alone.write(piece);

  const term = new TinyTerminal(8, 50);
  const { clock, writes, progress } = setUp(term);
  let statusSeen = 0;
  for (const piece of PIECES) {
    term.write(piece);
    progress.event({ op: "fork", pid: 1, child: 2 });
    clock.now += 300;
    progress.tick();
    const screen = term.screen();
    // The status is on the bottom row, and only there.
    assert(screen.at(-1)!.startsWith("filemon: "), screen.join("\n"));
    assert(screen.slice(0, -1).every((r) => !r.includes("filemon")));
    statusSeen++;
  }
  assertEquals(statusSeen, PIECES.length);
  assert(writes.length >= PIECES.length);
  progress.finish();
  assertEquals(term.transcript(), alone.transcript());
  assert(term.transcript().includes("half a line, then the rest"));
  assert(term.screen().every((r) => !r.includes("filemon")));
});

Deno.test("progress: a cursor on the bottom row when the line first shows keeps its half-written line", () => {
  const alone = new TinyTerminal(4, 30);
  const term = new TinyTerminal(4, 30);
  for (const t of [alone, term]) t.write("a\r\nb\r\nc\r\nhalf");
  const { clock, progress } = setUp(term);
  clock.now = 1000;
  progress.tick();
  assertEquals(term.screen().slice(0, 3), ["b", "c", "half"]);
  for (const t of [alone, term]) t.write(" and the rest\r\nnext\r\n");
  progress.finish();
  assertEquals(term.transcript(), alone.transcript());
});

Deno.test("progress: nothing before 300 ms, then at most one draw every 250 ms, none when unchanged", () => {
  const term = new TinyTerminal(10, 80);
  const { clock, writes, progress } = setUp(term);
  for (clock.now = 0; clock.now < 290; clock.now += 10) progress.tick();
  assertEquals(writes.length, 0);
  for (clock.now = 300; clock.now <= 1300; clock.now += 10) {
    progress.event({ op: "open", pid: 1, path: "/x", mode: "r" });
    progress.tick();
  }
  // 300, 550, 800, 1050, 1300.
  assertEquals(writes.length, 5);
  assertEquals(
    term.screen().at(-1),
    "filemon: 1 running, 1 seen, 101 events, 0:01",
  );
  // Unchanged text: no draw.
  clock.now += 300;
  progress.tick();
  assertEquals(writes.length, 5);
  clock.now += 1000;
  progress.tick();
  assertEquals(writes.length, 6);
});

Deno.test("progress: a quick command draws nothing, not even the erase", () => {
  const term = new TinyTerminal(10, 80);
  const { writes, progress } = setUp(term);
  progress.tick();
  progress.finish();
  assertEquals(writes, []);
});

Deno.test("progress: counts running and seen processes from forks and exits", () => {
  const term = new TinyTerminal(10, 80);
  const { clock, progress } = setUp(term);
  for (let child = 2; child <= 5; child++) {
    progress.event({ op: "fork", pid: 1, child });
  }
  progress.event({ op: "exit", pid: 3, status: 0, signal: 0 });
  progress.event({ op: "exit", pid: 4, status: 0, signal: 0 });
  clock.now = 61_000;
  assertEquals(
    progress.text(),
    "filemon: 3 running, 5 seen, 6 events, 1:01",
  );
});

Deno.test("progress: the line is cut to the width, short of the last column", () => {
  const term = new TinyTerminal(5, 20);
  const { clock, progress } = setUp(term);
  clock.now = 500;
  progress.tick();
  assertEquals(term.screen().at(-1), "filemon: 1 running,");
  assertEquals(term.screen().at(-1)!.length, 19);
});

Deno.test("progress: after a resize the region follows and the old status row is erased", () => {
  const term = new TinyTerminal(12, 60);
  let rows = 8;
  const { clock, writes, progress } = setUp(
    term,
    () => ({ rows, columns: 60 }),
  );
  clock.now = 500;
  progress.tick();
  assert(term.screen()[7].startsWith("filemon:"));
  rows = 12;
  clock.now = 800;
  progress.tick();
  assertEquals(term.screen()[7], "");
  assert(term.screen()[11].startsWith("filemon:"));
  assert(writes[1].includes("\x1b[1;11r"), JSON.stringify(writes[1]));
  for (let i = 0; i < 20; i++) term.write(`row ${i}\r\n`);
  assert(term.screen()[11].startsWith("filemon:"));
  progress.finish();
  assert(term.transcript().every((r) => !r.includes("filemon")));
});

Deno.test("progress: a terminal that fails a write is left alone from then on", () => {
  let calls = 0;
  const clock = { now: 0 };
  const progress = new Progress({
    write: () => {
      calls++;
      throw new Error("EIO");
    },
    size: () => ({ rows: 24, columns: 80 }),
    now: () => clock.now,
  });
  clock.now = 500;
  progress.tick();
  clock.now = 1500;
  progress.tick();
  progress.finish();
  assertEquals(calls, 1);
});

Deno.test("progress: shown by default only on a terminal stderr, with a TERM, when the trace goes elsewhere", () => {
  const terminal = (ttys: number[], term?: string): Terminal => ({
    isTerminal: (fd) => ttys.includes(fd),
    size: () => undefined,
    env: (name) => name === "TERM" ? term : undefined,
  });
  const xterm = terminal([1, 2], "xterm-256color");
  assertEquals(progressWanted(undefined, xterm, 5), true); // -o FILE
  assertEquals(progressWanted(undefined, xterm, 2), false); // the trace on stderr
  assertEquals(progressWanted(undefined, xterm, 1), false); // -o - to the terminal
  assertEquals(progressWanted(undefined, terminal([2], "xterm"), 1), true);
  assertEquals(progressWanted(undefined, terminal([1], "xterm"), 5), false);
  assertEquals(progressWanted(undefined, terminal([2], "dumb"), 5), false);
  assertEquals(progressWanted(undefined, terminal([2]), 5), false);
  assertEquals(progressWanted(undefined, undefined, 5), false);
  assertEquals(progressWanted(true, terminal([]), 2), true);
  assertEquals(progressWanted(false, xterm, 5), false);
});

Deno.test("progress: the size is the terminal's, else LINES and COLUMNS, else 24 by 80", () => {
  const env = (vars: Record<string, string>): Terminal => ({
    isTerminal: () => false,
    size: () => undefined,
    env: (name) => vars[name],
  });
  assertEquals(
    progressSize({
      ...env({}),
      size: (fd) => fd === 2 ? { rows: 50, columns: 132 } : undefined,
    }),
    { rows: 50, columns: 132 },
  );
  assertEquals(progressSize(env({ LINES: "30", COLUMNS: "100" })), {
    rows: 30,
    columns: 100,
  });
  assertEquals(progressSize(env({ LINES: "x" })), { rows: 24, columns: 80 });
  assertEquals(progressSize(undefined), { rows: 24, columns: 80 });
});
