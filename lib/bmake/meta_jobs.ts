/**
 * Splits the trace of a whole bmake run into the jobs bmake ran and hands
 * each job's records, as the section FreeBSD's bmake appends from
 * filemon(4), to that job's `.meta` file once bmake is done with the file.
 *
 * How bmake runs a job (meta.c, job.c, compat.c): it opens the target's
 * `.meta` for writing (`meta_job_start`), then forks the job. In jobs mode
 * (`-j N`) one child runs all of the target's commands through the shell;
 * before each job bmake opens a temporary file for the commands, so a fork
 * after another file opened for writing is not the job of the last `.meta`
 * (a `.PHONY` or sub-make target has none). In compat mode bmake forks once
 * per command, all while the `.meta` stays open, and closes it when the
 * target is done (`meta_job_finish`); a later fork while it is closed is
 * another target's. So a fork by bmake starts a job of the last `.meta` it
 * opened for writing when that file is still open in bmake (its
 * /proc/PID/fd, read while bmake is stopped at the fork) and bmake opened
 * nothing else for writing since that job's first fork.
 *
 * A job is the processes bmake forked for it and all their descendants,
 * except the jobs of a sub-make among them, which are the sub-make's own
 * (as with FreeBSD's filemon, where each job's child attaches itself to its
 * bmake's device). Its section is written when its processes have all
 * exited and bmake has closed the `.meta` (bmake writes the output, a final
 * newline and, after a failure, `*** Error code N` until then). A job whose
 * `.meta` bmake never closed (bmake killed or interrupted: it exits without
 * finishing its jobs) gets no section, unless its processes all ended
 * normally and bmake itself was not killed by a signal (the last job of a
 * bmake that exited right after it, whose close nothing showed). Run bmake
 * with `missing-filemon=yes`, and a `.meta` without a section is rebuilt.
 *
 * @module
 */

import type { ExitEvent, TraceEvent } from "../event.ts";
import { basename } from "../path.ts";
import {
  fitsFilemon,
  formatFilemonAbsolute,
  formatTime,
} from "../filemon_encoder.ts";

/** The line bmake looks for to start reading filemon's records. */
export const FILEMON_MARK = "-- filemon acquired metadata --";

/** What the splitter asks of the system. */
export interface MetaHost {
  /**
   * The files process `pid` has open (the targets of its /proc/PID/fd
   * links); undefined when they cannot be read (the process is gone).
   */
  openFiles(pid: number): readonly string[] | undefined;
  /** `path` with its symlinks resolved; undefined when it cannot be. */
  realPath(path: string): string | undefined;
  /** Seconds since the epoch, now. */
  now(): number;
}

/** How many jobs each way ended. */
export interface MetaJobCounts {
  /** Sections written. */
  written: number;
  /** Jobs bmake never finished: their `.meta` left without a section. */
  unfinished: number;
  /** Jobs whose `.meta` bmake wrote again later in the run. */
  superseded: number;
  /** Records left out: a path with a newline, which the log cannot carry. */
  unrepresentable: number;
}

/** What the splitter needs besides the events. */
export interface MetaJobsOptions {
  host: MetaHost;
  /** Receives a job's section (to append to `meta`). */
  write(meta: string, section: string): void;
}

interface Bmake {
  pid: number;
  /** The job of the last `.meta` this bmake opened, while forks may start it. */
  current?: Job;
  /** Its jobs not decided yet. */
  jobs: Set<Job>;
  gone: boolean;
  /** Killed by a signal. */
  killed: boolean;
}

interface Job {
  meta: string;
  /** `meta` as /proc names an open file (symlinks resolved). */
  real: string;
  bmake: Bmake;
  start: number;
  stop?: number;
  lines: string[];
  /** Processes bmake forked for it, and how many of them run. */
  roots: Set<number>;
  rootsLive: number;
  /** Every root exited with a status below 128 and no signal. */
  rootsNormal: boolean;
  /** Processes of the job alive. */
  live: number;
  /** bmake was seen without the `.meta` open after the roots ended. */
  closed: boolean;
  superseded: boolean;
  done: boolean;
}

/**
 * Follows the events of one traced bmake run and writes each job's section.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MetaJobs } from "./meta_jobs.ts";
 * const out: string[] = [];
 * const open = new Set<string>();
 * const jobs = new MetaJobs({
 *   host: {
 *     openFiles: (pid) => pid === 10 ? ["/dev/null", ...open] : undefined,
 *     realPath: (p) => p,
 *     now: () => 1,
 *   },
 *   write: (meta, section) => out.push(meta, section),
 * });
 * jobs.event({ op: "exec", pid: 10, path: "/usr/bin/bmake" });
 * jobs.event({ op: "open", pid: 10, path: "/w/a.o.meta", mode: "w" });
 * open.add("/w/a.o.meta");
 * jobs.event({ op: "fork", pid: 10, child: 11 });
 * jobs.event({ op: "exec", pid: 11, path: "/bin/sh" });
 * jobs.event({ op: "open", pid: 11, path: "/w/a.c", mode: "r" });
 * jobs.event({ op: "exit", pid: 11, status: 0, signal: 0 });
 * open.delete("/w/a.o.meta"); // bmake closed it
 * jobs.event({ op: "exit", pid: 10, status: 0, signal: 0 });
 * assertEquals(out, [
 *   "/w/a.o.meta",
 *   "-- filemon acquired metadata --\n# filemon version 5\n# Target pid 10\n" +
 *   "# Start 1.000000\nV 5\nE 11 /bin/sh\nR 11 /w/a.c\nX 11 0 0\n" +
 *   "# Stop 1.000000\n# Bye bye\n",
 * ]);
 * ```
 */
export class MetaJobs {
  readonly #host: MetaHost;
  readonly #write: (meta: string, section: string) => void;
  /** Live bmake processes. */
  readonly #bmakes = new Map<number, Bmake>();
  /** The job of each live process that belongs to one. */
  readonly #procs = new Map<number, Job>();
  /** The last job of each `.meta` path, while it is not decided. */
  readonly #byMeta = new Map<string, Job>();
  /** The first program the trace ran (bmake itself). */
  #top: string | undefined;
  readonly counts: MetaJobCounts = {
    written: 0,
    unfinished: 0,
    superseded: 0,
    unrepresentable: 0,
  };

  constructor(options: MetaJobsOptions) {
    this.#host = options.host;
    this.#write = options.write;
  }

  /** Takes the next event of the trace. */
  event(e: TraceEvent): void {
    if (!("pid" in e) || e.op === "target") return;
    const pid = e.pid;
    const bmake = this.#bmakes.get(pid);
    let child: Job | undefined;
    switch (e.op) {
      case "exec":
        if (e.error === undefined) this.#execed(pid, e.abs ?? e.path);
        break;
      case "open":
        if (bmake !== undefined && e.mode !== "r" && e.error === undefined) {
          this.#wrote(bmake, e.abs ?? e.path);
        }
        break;
      case "fork":
        if (bmake?.current !== undefined && this.#starts(bmake)) {
          child = bmake.current;
          child.roots.add(e.child);
          child.rootsLive++;
        }
        break;
    }
    const job = this.#procs.get(pid);
    if (job !== undefined) this.#log(job, e);
    if (e.op === "fork") {
      const owner = child ?? job;
      if (owner !== undefined) {
        owner.live++;
        this.#procs.set(e.child, owner);
      }
    } else if (e.op === "exit") {
      if (job !== undefined) this.#exited(job, e);
      if (bmake !== undefined) this.#bmakeExited(bmake, e);
    }
    const alive = this.#bmakes.get(pid);
    if (alive !== undefined) this.#checkClosed(alive);
  }

  /**
   * The trace has ended: every process is gone. Jobs still waiting are
   * decided as when their bmake exits; one with processes whose exit the
   * trace did not see gets no section.
   */
  finish(): void {
    for (const bmake of [...this.#bmakes.values()]) {
      this.#bmakes.delete(bmake.pid);
      bmake.gone = true;
    }
    const left = new Set([...this.#procs.values(), ...this.#byMeta.values()]);
    for (const job of left) {
      // Processes whose end the trace did not see: not finished.
      if (job.live > 0) job.rootsNormal = false;
      job.live = 0;
      job.rootsLive = 0;
      this.#decide(job);
    }
    this.#procs.clear();
  }

  #execed(pid: number, program: string): void {
    this.#top ??= program;
    if (
      program === this.#top || basename(program) === basename(this.#top) ||
      basename(program).includes("make")
    ) {
      if (!this.#bmakes.has(pid)) {
        this.#bmakes.set(pid, {
          pid,
          jobs: new Set(),
          gone: false,
          killed: false,
        });
      }
    } else if (this.#bmakes.has(pid)) {
      // A bmake that runs another program now: its jobs are decided as if
      // it had exited normally.
      this.#bmakeExited(this.#bmakes.get(pid)!, {
        op: "exit",
        pid,
        status: 0,
        signal: 0,
      });
    }
  }

  /** bmake opened `path` for writing. */
  #wrote(bmake: Bmake, path: string): void {
    if (path.endsWith(".meta")) {
      const previous = this.#byMeta.get(path);
      if (previous !== undefined) {
        previous.superseded = true;
        this.#decide(previous);
      }
      const job: Job = {
        meta: path,
        real: this.#host.realPath(path) ?? path,
        bmake,
        start: this.#host.now(),
        lines: [],
        roots: new Set(),
        rootsLive: 0,
        rootsNormal: true,
        live: 0,
        closed: false,
        superseded: false,
        done: false,
      };
      bmake.current = job;
      bmake.jobs.add(job);
      this.#byMeta.set(path, job);
    } else if (bmake.current !== undefined && bmake.current.roots.size > 0) {
      // Jobs mode: the commands' file of the next job.
      bmake.current = undefined;
    }
  }

  /** Whether bmake's fork now starts a process of its current job. */
  #starts(bmake: Bmake): boolean {
    const job = bmake.current!;
    const open = this.#host.openFiles(bmake.pid);
    if (open === undefined || open.length === 0 || open.includes(job.real)) {
      return true;
    }
    bmake.current = undefined;
    return false;
  }

  #log(job: Job, e: TraceEvent): void {
    if (!fitsFilemon(e)) {
      this.counts.unrepresentable++;
      return;
    }
    const text = formatFilemonAbsolute(e);
    if (text !== "") job.lines.push(text);
  }

  #exited(job: Job, e: ExitEvent): void {
    this.#procs.delete(e.pid);
    job.live--;
    if (job.roots.has(e.pid)) {
      job.rootsLive--;
      if ((e.signal ?? 0) !== 0 || e.status >= 128) job.rootsNormal = false;
    }
    if (job.live === 0) {
      job.stop = this.#host.now();
      this.#decide(job);
    }
  }

  #bmakeExited(bmake: Bmake, e: ExitEvent): void {
    this.#bmakes.delete(bmake.pid);
    bmake.gone = true;
    bmake.killed = (e.signal ?? 0) !== 0;
    for (const job of [...bmake.jobs]) this.#decide(job);
  }

  /**
   * Looks whether bmake still has open the `.meta` of its jobs whose
   * processes it forked have ended (it is stopped now, or running on: a
   * file it closed it does not open again without an event saying so).
   */
  #checkClosed(bmake: Bmake): void {
    let files: readonly string[] | undefined;
    for (const job of bmake.jobs) {
      if (job.closed || job.roots.size === 0 || job.rootsLive > 0) continue;
      files ??= this.#host.openFiles(bmake.pid);
      // No fds at all: bmake is exiting, which closes everything.
      if (files === undefined || files.length === 0) return;
      if (!files.includes(job.real)) {
        job.closed = true;
        this.#decide(job);
      }
    }
  }

  #decide(job: Job): void {
    if (job.done) return;
    const bmake = job.bmake;
    let write: boolean;
    if (job.superseded) {
      write = false;
    } else if (job.live > 0) {
      return;
    } else if (job.closed) {
      write = true;
    } else if (!bmake.gone) {
      return;
    } else {
      write = job.rootsNormal && !bmake.killed;
    }
    job.done = true;
    bmake.jobs.delete(job);
    if (bmake.current === job) bmake.current = undefined;
    if (this.#byMeta.get(job.meta) === job) this.#byMeta.delete(job.meta);
    if (job.superseded) {
      this.counts.superseded++;
    } else if (write) {
      this.counts.written++;
      this.#write(job.meta, section(job));
    } else {
      this.counts.unfinished++;
    }
    job.lines = [];
  }
}

/** The text appended to a finished job's `.meta`. */
function section(job: Job): string {
  return `${FILEMON_MARK}\n# filemon version 5\n# Target pid ${job.bmake.pid}\n` +
    `# Start ${formatTime(job.start)}\nV 5\n${job.lines.join("")}` +
    `# Stop ${formatTime(job.stop ?? job.start)}\n# Bye bye\n`;
}
