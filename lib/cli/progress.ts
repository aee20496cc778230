/**
 * `trace`'s live progress: one status line (processes running and seen,
 * events, elapsed time) on the terminal's bottom row while the command
 * runs, erased at the end.
 *
 * The traced command writes to the same terminal whenever it likes, and
 * filemon cannot see those writes, so the status never shares a line with
 * them: the first draw sets the terminal's scrolling region to every row
 * but the last (DECSTBM), so the command's output scrolls above it, and
 * each draw saves the cursor (DECSC), writes the bottom row and restores
 * the cursor (DECRC), all in one write(2), which the terminal driver never
 * interleaves with another process's write. A line the command has only
 * half written goes on where it stopped, in its own colours. The end
 * erases the row and gives the whole screen back to scrolling.
 *
 * @module
 */

import type { TraceEvent } from "../event.ts";

/** A terminal's size in character cells. */
export interface TerminalSize {
  rows: number;
  columns: number;
}

/** What the progress needs to know about this process's terminal. */
export interface Terminal {
  /** Whether descriptor `fd` is a terminal. */
  isTerminal(fd: number): boolean;
  /** The size of the terminal on `fd`; undefined when it is not one. */
  size(fd: number): TerminalSize | undefined;
  /** An environment variable (`TERM`, `LINES`, `COLUMNS`). */
  env(name: string): string | undefined;
}

/** How a `Progress` draws and tells time. */
export interface ProgressOptions {
  /** Writes `text` to the terminal in one write (throws when it cannot). */
  write(text: string): void;
  /** The terminal's size now (asked before each draw, to follow a resize). */
  size(): TerminalSize | undefined;
  /** Milliseconds from some fixed point (`performance.now`). */
  now(): number;
  /** No line before this much of the run has gone (a quick command shows none); 300 ms. */
  delayMs?: number;
  /** At most one draw this often; 250 ms. */
  intervalMs?: number;
}

const ESC = "\x1b";
/** DECSC, DECRC: save and restore the cursor (with its colours). */
const SAVE = `${ESC}7`;
const RESTORE = `${ESC}8`;

/**
 * Counts a trace's events and draws the status line at most every
 * `intervalMs` when `tick` is called; `finish` erases it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Progress } from "./progress.ts";
 * let now = 0;
 * const out: string[] = [];
 * const p = new Progress({
 *   write: (t) => out.push(t),
 *   size: () => ({ rows: 24, columns: 80 }),
 *   now: () => now,
 * });
 * p.event({ op: "start", time: 0 });
 * p.event({ op: "fork", pid: 1, child: 2 });
 * p.tick(); // too early: nothing drawn
 * assertEquals(out, []);
 * now = 7_500;
 * p.tick();
 * assertEquals(p.text(), "filemon: 2 running, 2 seen, 1 event, 0:07");
 * assertEquals(out.length, 1);
 * p.finish();
 * assertEquals(out[1], "\x1b7\x1b[24;1H\x1b[2K\x1b[r\x1b8");
 * ```
 */
export class Progress {
  #opts: ProgressOptions;
  #start: number;
  #delay: number;
  #interval: number;
  #lastDraw = -Infinity;
  #lastText = "";
  /** The rows the scrolling region was set up for; 0: not set up. */
  #rows = 0;
  #columns = 0;
  #broken = false;
  #counting = false;
  #running = 0;
  #seen = 0;
  #events = 0;

  constructor(opts: ProgressOptions) {
    this.#opts = opts;
    this.#start = opts.now();
    this.#delay = opts.delayMs ?? 300;
    this.#interval = opts.intervalMs ?? 250;
  }

  /** Counts one event the tracer reported. */
  event(event: TraceEvent): void {
    switch (event.op) {
      case "begin":
      case "target":
      case "version":
      case "stop":
      case "bye":
        return;
      case "start":
        // The command's first process starts right after.
        this.#counting = true;
        this.#seen = this.#running = 1;
        return;
      case "fork":
        this.#seen++;
        this.#running++;
        break;
      case "exit":
        this.#running = Math.max(0, this.#running - 1);
        break;
    }
    this.#counting = true;
    this.#events++;
  }

  /** The status as it would be drawn now (before fitting the width). */
  text(): string {
    const elapsed = formatElapsed(this.#opts.now() - this.#start);
    if (!this.#counting) return `filemon: tracing, ${elapsed}`;
    const ev = this.#events;
    return `filemon: ${this.#running} running, ${this.#seen} seen, ${ev} event${
      ev === 1 ? "" : "s"
    }, ${elapsed}`;
  }

  /** Draws the status line if it is due (call it a few times a second). */
  tick(): void {
    if (this.#broken) return;
    const now = this.#opts.now();
    if (now - this.#start < this.#delay) return;
    if (now - this.#lastDraw < this.#interval) return;
    const size = this.#opts.size();
    // A bottom row of its own needs at least one row left to scroll in.
    if (size === undefined || size.rows < 2 || size.columns < 2) return;
    // Never the last column: a terminal would wrap (or hold a wrap) there.
    const text = this.text().slice(0, size.columns - 1);
    if (
      text === this.#lastText && size.rows === this.#rows &&
      size.columns === this.#columns
    ) return;
    let out = "";
    if (size.rows !== this.#rows) {
      if (this.#rows !== 0 && this.#rows <= size.rows) {
        // Resized: the old status row would scroll into the output.
        out += `${SAVE}${ESC}[${this.#rows};1H${ESC}[2K${RESTORE}`;
      }
      out += regionFor(size.rows);
    }
    out += `${SAVE}${ESC}[${size.rows};1H${ESC}[0m${ESC}[2K${text}${RESTORE}`;
    this.#send(out);
    this.#rows = size.rows;
    this.#columns = size.columns;
    this.#lastText = text;
    this.#lastDraw = now;
  }

  /** Erases the status line and gives the whole screen back to scrolling. */
  finish(): void {
    if (this.#rows === 0 || this.#broken) return;
    this.#send(`${SAVE}${ESC}[${this.#rows};1H${ESC}[2K${ESC}[r${RESTORE}`);
    this.#rows = 0;
  }

  #send(text: string): void {
    try {
      this.#opts.write(text);
    } catch {
      // The terminal has gone: the trace goes on without a status line.
      this.#broken = true;
    }
  }
}

/**
 * The escape sequences that keep the bottom row of a `rows`-row screen out
 * of the scrolling: the whole screen scrolls again (its region reset) and
 * the cursor moves down a row and back up (IND, CUU), so that a cursor on
 * the bottom row has the screen scrolled up one line under it rather than
 * be left below the region; then rows 1 to rows-1 become the region.
 * Setting a region moves the cursor home, so it is saved and restored
 * around each; its column never changes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { regionFor } from "./progress.ts";
 * assertEquals(regionFor(24), "\x1b7\x1b[r\x1b8\x1bD\x1b[A\x1b7\x1b[1;23r\x1b8");
 * ```
 */
export function regionFor(rows: number): string {
  return `${SAVE}${ESC}[r${RESTORE}${ESC}D${ESC}[A` +
    `${SAVE}${ESC}[1;${rows - 1}r${RESTORE}`;
}

/**
 * Elapsed time as m:ss, or h:mm:ss from an hour.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatElapsed } from "./progress.ts";
 * assertEquals(formatElapsed(7_900), "0:07");
 * assertEquals(formatElapsed(3_723_000), "1:02:03");
 * ```
 */
export function formatElapsed(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/**
 * Whether `trace` shows progress: forced by `--progress`/`--no-progress`
 * (`flag`), else only when standard error is a terminal that understands
 * escape sequences (TERM set, not "dumb") and the trace itself does not go
 * to a terminal (descriptor `traceFd`: 2 when it goes to standard error).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { progressWanted, type Terminal } from "./progress.ts";
 * const tty: Terminal = {
 *   isTerminal: (fd) => fd === 2,
 *   size: () => undefined,
 *   env: (n) => n === "TERM" ? "xterm" : undefined,
 * };
 * assertEquals(progressWanted(undefined, tty, 7), true);
 * assertEquals(progressWanted(undefined, tty, 2), false);
 * assertEquals(progressWanted(false, tty, 7), false);
 * assertEquals(progressWanted(true, undefined, 2), true);
 * ```
 */
export function progressWanted(
  flag: boolean | undefined,
  terminal: Terminal | undefined,
  traceFd: number,
): boolean {
  if (flag !== undefined) return flag;
  if (terminal === undefined || !terminal.isTerminal(2)) return false;
  const term = terminal.env("TERM");
  if (term === undefined || term === "" || term === "dumb") return false;
  return !terminal.isTerminal(traceFd);
}

/**
 * The size to draw for: the terminal's on standard error, else `LINES` and
 * `COLUMNS`, else 24 by 80 (`--progress` forced onto something else).
 */
export function progressSize(terminal: Terminal | undefined): TerminalSize {
  const size = terminal?.size(2);
  if (size !== undefined) return size;
  const n = (name: string, fallback: number) => {
    const v = Number(terminal?.env(name));
    return Number.isInteger(v) && v > 0 ? v : fallback;
  };
  return { rows: n("LINES", 24), columns: n("COLUMNS", 80) };
}
