/**
 * The dependency graph: which process read, wrote, ran, deleted, renamed,
 * linked or looked up which file, built from a stream of trace events.
 *
 * `GraphBuilder` takes events one at a time and keeps state proportional to
 * the distinct processes, files and (process, file) pairs it has seen, never
 * to the number of events; `finish()` turns that state into a `Graph`.
 *
 * @module
 */

import type {
  ExitEvent,
  LinkEvent,
  RenameEvent,
  TraceEvent,
} from "../event.ts";
import { dirname, resolvePath } from "../path.ts";
import { computeHazards } from "./_hazards.ts";
import {
  EDGE_BIT,
  type EdgeKind,
  edgeKinds,
  LOOKUP_KINDS,
  PRODUCE_KINDS,
  READ_KINDS,
} from "./edge.ts";

const READ = EDGE_BIT.read;
const WRITE = EDGE_BIT.write;
const EXEC = EDGE_BIT.exec;
const DELETE = EDGE_BIT.delete;
const RENAME = EDGE_BIT.rename;
const LINK = EDGE_BIT.link;
const PROBE = EDGE_BIT.probe;
const MISSING = EDGE_BIT.missing;
const MKDIR = EDGE_BIT.mkdir;
const ATTR = EDGE_BIT.attr;

/** Everything one process did to one file. */
export interface FileAccess {
  /** Bit mask of `EDGE_BIT` values. */
  readonly kinds: number;
  /** Trace position of the first read or exec; `Infinity` when none. */
  readonly firstRead: number;
  /** Trace position of the first write, rename or link onto the path; `Infinity` when none. */
  readonly firstWrite: number;
}

/** How a process ended. */
export interface ProcessExit {
  /** The `status` of the exit event (an exit code, or a wait status in old two-field logs). */
  readonly status: number;
  /** The terminating signal, when the producer said. */
  readonly signal?: number;
}

/** One process (a pid between its fork and its exit: a reused pid is a new process). */
export interface ProcessNode {
  /** Index in `Graph.processes`. */
  readonly id: number;
  /** The process id the trace gave. */
  readonly pid: number;
  /** `id` of the parent, absent for a root (a process whose fork was not traced). */
  readonly parent?: number;
  /** pid of the parent, absent for a root. */
  readonly ppid?: number;
  /** The program of the last exec (inherited from the parent when this process never exec'd). */
  readonly program?: string;
  /** argv of the last exec, when the producer gave it (inherited like `program`). */
  readonly argv?: readonly string[];
  /** true when `program` comes from an exec by this process itself. */
  readonly execed: boolean;
  /** Working directory at the last exec (at the start when none), when known. */
  readonly cwd?: string;
  /** How it ended; absent when the trace has no exit for it. */
  readonly exit?: ProcessExit;
  /** Position in the trace where it began (its fork, or its first event). */
  readonly start: number;
  /** Position in the trace where it ended (its exit; Infinity when none). */
  readonly end: number;
  /** `id`s of the children, in fork order. */
  readonly children: readonly number[];
  /** What it did, by file id. */
  readonly files: ReadonlyMap<number, FileAccess>;
}

/** One path. A rename moves content from one file node to another; the nodes stay paths. */
export interface FileNode {
  /** Index in `Graph.files`; ids follow first appearance in the trace. */
  readonly id: number;
  /** Absolute and normalized when it could be resolved, else as the process gave it. */
  readonly path: string;
  /** Whether the path existed at the end, from the last evidence in the trace. */
  readonly exists: boolean;
  /** Known to be a directory (mkdir, rmdir, or the parent of another path). */
  readonly directory: boolean;
  /**
   * `id`s of the processes whose content is at this path at the end: the
   * writers of the last generation, plus, through a rename or hard link,
   * the writers of the content that was moved here and the process that
   * moved it. Empty when the trace did not produce it.
   */
  readonly producers: readonly number[];
  /** `id`s of producers of earlier generations (ended by a delete, rename away, or truncation). */
  readonly formerProducers: readonly number[];
}

/** A rename or link: content (or a link text) `from` placed at `to` by `process`. */
export interface Move {
  /** A rename, or a hard or symbolic link. */
  readonly kind: "rename" | "link";
  /** The process id (`ProcessNode.id`) that made it. */
  readonly process: number;
  /** File id of the old name (rename), the existing file (hard link) or the link text (symlink). */
  readonly from: number;
  /** File id of the new name. */
  readonly to: number;
}

/** One edge process → file. */
export interface Edge {
  /** Process id (`ProcessNode.id`). */
  readonly process: number;
  /** File id (`FileNode.id`). */
  readonly file: number;
  /** What the process did to the file. */
  readonly kind: EdgeKind;
}

/**
 * A likely build race.
 *
 * - `write-write`: two processes, neither an ancestor of the other, wrote (or renamed or linked onto)
 *   the same path, and either they are of different jobs (see `jobRoots`)
 *   or their lifetimes overlap. A path with more than two writers gives one
 *   hazard per writer after the first, paired with the first.
 * - `read-write`: one process read (or ran) a path another wrote, their
 *   lifetimes overlap in the trace (neither ended before the other began), and neither
 *   is an ancestor of the other.
 *
 * Paths under /dev, /proc and /sys are not files and give no hazards.
 */
export interface Hazard {
  /** Two writers, or a reader and a writer. */
  readonly kind: "write-write" | "read-write";
  /** The file's path. */
  readonly path: string;
  /** The file's id. */
  readonly file: number;
  /** The two pids: for `write-write` the first writer then the other; for `read-write` the reader then the writer. */
  readonly pids: readonly [number, number];
  /** The two processes' ids, in the same order as `pids`. */
  readonly processes: readonly [number, number];
  /** `read-write` only: the first read came before the first write. */
  readonly readFirst?: boolean;
}

/**
 * What a set of processes (one process, a subtree, the trace) did, as
 * paths: inputs in the order the set first read them, the others in the
 * order the trace first named them.
 */
export interface Summary {
  /** Files read or executed before any write to them by the set. */
  readonly inputs: readonly string[];
  /** Files at the end whose content the set produced (see `FileNode.producers`). */
  readonly outputs: readonly string[];
  /** Files the set wrote that are not its outputs at the end: deleted, renamed away, or replaced. */
  readonly temporaries: readonly string[];
  /** Files the set only looked up (stat, access, readlink), successfully. */
  readonly probes: readonly string[];
  /** Files the set only looked up and never found (every call on them failed). */
  readonly missing: readonly string[];
}

/** Options of `GraphBuilder`. */
export interface GraphBuilderOptions {
  /** Working directory of processes first seen without a traced fork (the traced command's). */
  cwd?: string;
}

interface MutableAccess {
  kinds: number;
  firstRead: number;
  firstWrite: number;
  /** The file's `generation` when this process was last added to its producers. */
  produced?: number;
}

interface MutableProcess {
  id: number;
  pid: number;
  parent?: number;
  ppid?: number;
  program?: string;
  argv?: readonly string[];
  execed: boolean;
  cwd?: string;
  exit?: ProcessExit;
  start: number;
  end: number;
  children: number[];
  /** A `Map` while the process runs; packed into an `AccessTable` once it has exited. */
  files: Map<number, MutableAccess> | AccessTable;
  /** Current working directory while the process runs. */
  current?: string;
}

interface MutableFile {
  id: number;
  path: string;
  exists: boolean;
  directory: boolean;
  producers: number[];
  formerProducers: number[];
  /** Counts the ends of generations, so a producer is listed once per generation. */
  generation: number;
  /** Length of `formerProducers` at its last de-duplication. */
  formerUnique: number;
}

const ENOENT = new Set(["ENOENT", "ENOTDIR"]);

/** The empty list files share until they get producers (most never do). */
const NONE: number[] = Object.freeze([]) as unknown as number[];

/** True when process `a` is `b` or one of its ancestors (ids index `processes`). */
function isAncestor(
  processes: readonly { readonly parent?: number }[],
  a: number,
  b: number,
): boolean {
  for (
    let q: number | undefined = b;
    q !== undefined;
    q = processes[q].parent
  ) {
    if (q === a) return true;
  }
  return false;
}

/**
 * Builds a `Graph` from trace events, one at a time.
 *
 * Paths: an event's `abs` (`from_abs`, `to_abs`) when present; else the
 * path resolved against the process's working directory, tracked from chdir
 * events (a fork copies the parent's, an unknown pid starts in
 * `options.cwd`); else, when no directory is known, the path as given.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * const b = new GraphBuilder({ cwd: "/src" });
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/cc" });
 * b.add({ op: "open", pid: 1, path: "x.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "x.o", mode: "w", create: true });
 * b.add({ op: "exit", pid: 1, status: 0 });
 * const g = b.finish();
 * assertEquals(g.traceSummary().outputs.join(), "/src/x.o");
 * assertEquals(g.traceSummary().inputs.join(), "/usr/bin/cc,/src/x.c");
 * ```
 */
export class GraphBuilder {
  #cwd: string | undefined;
  #processes: MutableProcess[] = [];
  #files: MutableFile[] = [];
  #fileIds = new Map<string, number>();
  #live = new Map<number, number>();
  #moves = new Map<string, Move>();
  #pool = new AccessPool();
  #seq = 0;
  #done = false;

  /** A builder; `options.cwd` is where processes first seen without a fork start. */
  constructor(options: GraphBuilderOptions = {}) {
    this.#cwd = options.cwd === undefined
      ? undefined
      : resolvePath("/", options.cwd);
  }

  /** Takes one event. Frame events (headers, comments) and `openat` clues are ignored. */
  add(event: TraceEvent): void {
    if (this.#done) throw new Error("GraphBuilder: add() after finish()");
    this.#seq += 2;
    switch (event.op) {
      case "fork":
        this.#fork(event.pid, event.child);
        return;
      case "exit":
        this.#exit(event);
        return;
      case "exec": {
        const p = this.#proc(event.pid);
        if (event.anon) {
          // A memfd or deleted file: no file to depend on.
          if (event.error !== undefined) return;
          p.program = event.abs ?? event.path;
          p.argv = event.argv;
          p.execed = true;
          p.cwd = p.current;
          return;
        }
        const f = this.#file(p, event.path, event.abs);
        if (event.error !== undefined) return this.#failed(p, f, event.error);
        this.#read(p, f, EXEC);
        p.program = f.path;
        p.argv = event.argv;
        p.execed = true;
        p.cwd = p.current;
        return;
      }
      case "chdir": {
        if (event.error !== undefined) return;
        const p = this.#proc(event.pid);
        const dir = this.#resolve(p, event.path, event.abs);
        p.current = dir.startsWith("/") ? dir : undefined;
        return;
      }
      case "open": {
        const p = this.#proc(event.pid);
        if (event.anon) return; // an O_TMPFILE or deleted file: no path
        const f = this.#file(p, event.path, event.abs);
        if (event.error !== undefined) return this.#failed(p, f, event.error);
        f.exists = true;
        // A read-write open counts as a write: compilers, assemblers and
        // linkers open their outputs O_RDWR. (A filemon log cannot say
        // whether it also truncated, so the rule must not depend on that.)
        if (event.mode === "r") this.#read(p, f, READ);
        if (event.mode !== "r") {
          if (event.trunc) endGeneration(f);
          this.#write(p, f, WRITE);
        }
        return;
      }
      case "unlink":
      case "rmdir": {
        const p = this.#proc(event.pid);
        const f = this.#file(p, event.path, event.abs);
        if (event.error !== undefined) return this.#failed(p, f, event.error);
        this.#mark(p, f, DELETE);
        endGeneration(f);
        f.exists = false;
        if (event.op === "rmdir") f.directory = true;
        return;
      }
      case "rename":
      case "link":
        this.#move(event);
        return;
      case "stat":
      case "access":
      case "readlink":
      case "mkdir":
      case "chmod":
      case "chown":
      case "utime":
      case "truncate":
      case "lookup":
      case "getxattr":
      case "listxattr":
      case "setxattr":
      case "removexattr":
      case "mknod": {
        const p = this.#proc(event.pid);
        if (event.anon) return;
        const f = this.#file(p, event.path, event.abs);
        if (event.error !== undefined) return this.#failed(p, f, event.error);
        f.exists = true;
        // mknod (a FIFO, a device, a socket's path): the process made it.
        if (event.op === "truncate" || event.op === "mknod") {
          this.#write(p, f, WRITE);
        } else if (event.op === "mkdir") {
          f.directory = true;
          this.#mark(p, f, MKDIR);
        } else if (
          event.op === "chmod" || event.op === "chown" ||
          event.op === "utime" || event.op === "setxattr" ||
          event.op === "removexattr"
        ) {
          this.#mark(p, f, ATTR);
        } else this.#mark(p, f, PROBE);
        return;
      }
      default:
        // openat clues and frame events carry no file access.
        return;
    }
  }

  /** Ends the build and returns the graph. The builder cannot take more events. */
  finish(): Graph {
    this.#done = true;
    markDirectories(this.#files, this.#fileIds);
    for (const p of this.#processes) {
      delete p.current;
      if (p.files instanceof Map) {
        p.files = new AccessTable(this.#pool, p.files);
      }
    }
    for (const f of this.#files) {
      if (f.producers.length > 1) f.producers = [...new Set(f.producers)];
      dedupeFormer(f);
    }
    return new Graph(
      this.#processes,
      this.#files,
      [...this.#moves.values()],
      this.#fileIds,
    );
  }

  #proc(pid: number): MutableProcess {
    const id = this.#live.get(pid);
    if (id !== undefined) return this.#processes[id];
    return this.#newProcess(pid, undefined);
  }

  #newProcess(pid: number, parent: MutableProcess | undefined): MutableProcess {
    const p: MutableProcess = {
      id: this.#processes.length,
      pid,
      execed: false,
      start: this.#seq,
      end: Infinity,
      children: [],
      files: new Map(),
    };
    if (parent) {
      p.parent = parent.id;
      p.ppid = parent.pid;
      p.program = parent.program;
      p.argv = parent.argv;
      p.current = parent.current;
      parent.children.push(p.id);
    } else p.current = this.#cwd;
    p.cwd = p.current;
    this.#processes.push(p);
    this.#live.set(pid, p.id);
    return p;
  }

  #fork(pid: number, child: number): void {
    const parent = this.#proc(pid);
    const seen = this.#live.get(child);
    if (seen !== undefined && child !== pid) {
      // The child's own events came first (or the pid was reused without an exit).
      const c = this.#processes[seen];
      if (
        c.parent === undefined && !isAncestor(this.#processes, c.id, parent.id)
      ) {
        c.parent = parent.id;
        c.ppid = parent.pid;
        c.start = Math.min(c.start, this.#seq);
        parent.children.push(c.id);
        if (c.program === undefined) {
          c.program = parent.program;
          c.argv = parent.argv;
        }
        if (c.current === this.#cwd && c.files.size === 0) {
          c.current = parent.current;
          if (!c.execed) c.cwd = c.current;
        }
        return;
      }
    }
    this.#newProcess(child, parent);
  }

  #exit(event: ExitEvent): void {
    const p = this.#proc(event.pid);
    p.exit = event.signal === undefined
      ? { status: event.status }
      : { status: event.status, signal: event.signal };
    p.end = this.#seq;
    this.#live.delete(event.pid);
    // An exited process's accesses never change again: pack them.
    if (p.files instanceof Map) p.files = new AccessTable(this.#pool, p.files);
  }

  #move(event: RenameEvent | LinkEvent): void {
    const p = this.#proc(event.pid);
    const symbolic = event.op === "link" && event.symbolic === true;
    const to = this.#file(p, event.to, event.to_abs);
    let fromPath = event.from_abs;
    if (
      fromPath === undefined && symbolic && to.path.startsWith("/") &&
      !event.from.startsWith("/")
    ) {
      fromPath = resolvePath(dirname(to.path), event.from);
    }
    const from = this.#file(p, event.from, fromPath);
    if (event.error !== undefined) {
      return this.#failed(p, symbolic ? to : from, event.error);
    }
    const kind = event.op;
    const key = `${kind} ${p.id} ${from.id} ${to.id}`;
    if (!this.#moves.has(key)) {
      this.#moves.set(key, { kind, process: p.id, from: from.id, to: to.id });
    }
    if (from === to) return;
    if (event.op === "rename" && event.exchange) {
      // Both names stay; each now has the other's file.
      const fromProducers = from.producers;
      from.producers = to.producers.slice();
      to.producers = fromProducers.slice();
      for (const f of [from, to]) {
        if (!f.producers.includes(p.id)) f.producers.push(p.id);
        f.exists = true;
        this.#write(p, f, RENAME, false);
      }
      return;
    }
    const carried = symbolic ? [] : from.producers.slice();
    if (!carried.includes(p.id)) carried.push(p.id);
    endGeneration(to);
    to.producers = carried;
    to.exists = true;
    this.#write(p, to, kind === "rename" ? RENAME : LINK, false);
    if (kind === "rename") {
      endGeneration(from);
      from.exists = false;
    }
  }

  #resolve(p: MutableProcess, path: string, abs: string | undefined): string {
    if (abs !== undefined) return abs;
    if (path.startsWith("/")) return resolvePath("/", path);
    if (p.current !== undefined) return resolvePath(p.current, path);
    return path;
  }

  #file(p: MutableProcess, path: string, abs: string | undefined): MutableFile {
    const key = this.#resolve(p, path, abs);
    const id = this.#fileIds.get(key);
    if (id !== undefined) return this.#files[id];
    const f: MutableFile = {
      id: this.#files.length,
      path: key,
      exists: false,
      directory: false,
      producers: NONE,
      formerProducers: NONE,
      generation: 0,
      formerUnique: 0,
    };
    this.#files.push(f);
    this.#fileIds.set(key, f.id);
    return f;
  }

  #access(p: MutableProcess, f: MutableFile): MutableAccess {
    // Only live processes get events, and their table is still a Map.
    const files = p.files as Map<number, MutableAccess>;
    let a = files.get(f.id);
    if (a === undefined) {
      a = { kinds: 0, firstRead: Infinity, firstWrite: Infinity };
      files.set(f.id, a);
    }
    return a;
  }

  #mark(p: MutableProcess, f: MutableFile, bit: number): void {
    this.#access(p, f).kinds |= bit;
  }

  #read(p: MutableProcess, f: MutableFile, bit: number): void {
    const a = this.#access(p, f);
    a.kinds |= bit;
    if (a.firstRead === Infinity) a.firstRead = this.#seq;
    f.exists = true;
  }

  #write(p: MutableProcess, f: MutableFile, bit: number, produce = true): void {
    const a = this.#access(p, f);
    a.kinds |= bit;
    if (a.firstWrite === Infinity) a.firstWrite = this.#seq + 1;
    if (!produce) a.produced = f.generation;
    else if (a.produced !== f.generation) {
      a.produced = f.generation;
      if (f.producers === NONE) f.producers = [p.id];
      else f.producers.push(p.id);
    }
  }

  #failed(p: MutableProcess, f: MutableFile, error: string): void {
    this.#mark(p, f, MISSING);
    if (ENOENT.has(error)) f.exists = false;
  }
}

/** The typed arrays every `AccessTable` of one builder is packed into. */
class AccessPool {
  files = new Int32Array(1024);
  kinds = new Uint16Array(1024);
  firstRead = new Float64Array(1024);
  firstWrite = new Float64Array(1024);
  length = 0;

  /** Appends the accesses; returns where they start. */
  add(accesses: Map<number, MutableAccess>): number {
    const start = this.length;
    const need = start + accesses.size;
    if (need > this.files.length) {
      let size = this.files.length * 2;
      while (size < need) size *= 2;
      const grow = <T extends Int32Array | Uint16Array | Float64Array>(
        old: T,
        fresh: T,
      ): T => (fresh.set(old), fresh);
      this.files = grow(this.files, new Int32Array(size));
      this.kinds = grow(this.kinds, new Uint16Array(size));
      this.firstRead = grow(this.firstRead, new Float64Array(size));
      this.firstWrite = grow(this.firstWrite, new Float64Array(size));
    }
    let i = start;
    for (const [file, a] of accesses) {
      this.files[i] = file;
      this.kinds[i] = a.kinds;
      this.firstRead[i] = a.firstRead;
      this.firstWrite[i] = a.firstWrite;
      i++;
    }
    this.length = need;
    return start;
  }
}

/**
 * What one process did to each file, packed into a builder's `AccessPool`
 * (22 bytes a file instead of a map entry and an object): a read-only map,
 * in the order the process first touched the files.
 */
class AccessTable implements ReadonlyMap<number, FileAccess> {
  readonly #pool: AccessPool;
  readonly #start: number;
  readonly #end: number;
  #index?: Map<number, number>;

  constructor(pool: AccessPool, accesses: Map<number, MutableAccess>) {
    this.#pool = pool;
    this.#start = pool.add(accesses);
    this.#end = this.#start + accesses.size;
  }

  get size(): number {
    return this.#end - this.#start;
  }

  #at(i: number): FileAccess {
    return {
      kinds: this.#pool.kinds[i],
      firstRead: this.#pool.firstRead[i],
      firstWrite: this.#pool.firstWrite[i],
    };
  }

  #find(file: number): number {
    const files = this.#pool.files;
    if (this.size <= 16) {
      for (let i = this.#start; i < this.#end; i++) {
        if (files[i] === file) return i;
      }
      return -1;
    }
    if (this.#index === undefined) {
      this.#index = new Map();
      for (let i = this.#start; i < this.#end; i++) {
        this.#index.set(files[i], i);
      }
    }
    return this.#index.get(file) ?? -1;
  }

  get(file: number): FileAccess | undefined {
    const i = this.#find(file);
    return i < 0 ? undefined : this.#at(i);
  }

  has(file: number): boolean {
    return this.#find(file) >= 0;
  }

  *entries(): MapIterator<[number, FileAccess]> {
    for (let i = this.#start; i < this.#end; i++) {
      yield [this.#pool.files[i], this.#at(i)];
    }
  }

  *keys(): MapIterator<number> {
    for (let i = this.#start; i < this.#end; i++) yield this.#pool.files[i];
  }

  *values(): MapIterator<FileAccess> {
    for (let i = this.#start; i < this.#end; i++) yield this.#at(i);
  }

  forEach(
    fn: (
      value: FileAccess,
      key: number,
      map: ReadonlyMap<number, FileAccess>,
    ) => void,
  ): void {
    for (let i = this.#start; i < this.#end; i++) {
      fn(this.#at(i), this.#pool.files[i], this);
    }
  }

  [Symbol.iterator](): MapIterator<[number, FileAccess]> {
    return this.entries();
  }
}

function endGeneration(f: MutableFile): void {
  f.generation++;
  if (f.producers.length === 0) return;
  if (f.formerProducers === NONE) f.formerProducers = [];
  const former = f.formerProducers;
  for (const id of f.producers) {
    if (former[former.length - 1] !== id) former.push(id);
  }
  f.producers = NONE;
  // Keep the list within twice its distinct entries, however often the
  // same processes truncate or replace the file.
  if (former.length > 2 * f.formerUnique + 16) dedupeFormer(f);
}

function dedupeFormer(f: MutableFile): void {
  if (f.formerProducers.length > f.formerUnique) {
    f.formerProducers = [...new Set(f.formerProducers)];
    f.formerUnique = f.formerProducers.length;
  }
}

/** Marks as directories the paths that are the parent of another path. */
function markDirectories(files: MutableFile[], ids: Map<string, number>): void {
  const done = new Set<string>();
  for (const f of files) {
    if (!f.path.startsWith("/")) continue;
    for (let d = dirname(f.path); !done.has(d); d = dirname(d)) {
      done.add(d);
      const id = ids.get(d);
      if (id !== undefined) files[id].directory = true;
      if (d === "/") break;
    }
  }
}

/**
 * The finished graph: a process forest, file nodes, edges between them,
 * moves, hazards, and summaries over any set of processes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { GraphBuilder } from "./model.ts";
 * const b = new GraphBuilder({ cwd: "/w" });
 * b.add({ op: "open", pid: 1, path: "x.tmp", mode: "w" });
 * b.add({ op: "rename", pid: 1, from: "x.tmp", to: "x" });
 * const g = b.finish();
 * assertEquals(g.traceSummary().outputs.join(), "/w/x");
 * assertEquals(g.traceSummary().temporaries.join(), "/w/x.tmp");
 * ```
 */
export class Graph {
  /** All processes; `processes[i].id === i`, in order of first appearance. */
  readonly processes: readonly ProcessNode[];
  /** All paths; `files[i].id === i`, in order of first appearance. */
  readonly files: readonly FileNode[];
  /** Renames and links, one per distinct (kind, process, from, to). */
  readonly moves: readonly Move[];
  /** `id`s of the processes without a traced parent. */
  readonly roots: readonly number[];
  /** Likely races; see `Hazard`. */
  readonly hazards: readonly Hazard[];
  #fileIds: ReadonlyMap<string, number>;
  /** Per process id: ids of the files it is a producer of at the end. */
  #produced: number[][];
  /** Per process id: its place in a depth-first walk, and the end of its subtree's places. */
  #enter: Int32Array;
  #leave: Int32Array;

  /**
   * A graph from its parts (normally made by `GraphBuilder.finish()`): ids
   * must be array indexes, and parents, children and producers consistent.
   */
  constructor(
    processes: readonly ProcessNode[],
    files: readonly FileNode[],
    moves: readonly Move[],
    fileIds?: ReadonlyMap<string, number>,
  ) {
    this.processes = processes;
    this.files = files;
    this.moves = moves;
    this.roots = processes.filter((p) => p.parent === undefined).map((p) =>
      p.id
    );
    this.#fileIds = fileIds ?? new Map(files.map((f) => [f.path, f.id]));
    // One walk numbers the processes so that `isAncestor` is two
    // comparisons, however deep the tree.
    this.#enter = new Int32Array(processes.length);
    this.#leave = new Int32Array(processes.length);
    let order = 0;
    for (const root of this.roots) {
      for (const id of this.descendants(root)) this.#enter[id] = order++;
    }
    this.#computeLeave();
    this.#produced = processes.map(() => []);
    for (const f of files) {
      if (!f.exists) continue;
      for (const p of f.producers) this.#produced[p].push(f.id);
    }
    this.hazards = computeHazards(this);
  }

  /** The node of a path (as stored: absolute when it was resolved). */
  file(path: string): FileNode | undefined {
    const id = this.#fileIds.get(path);
    return id === undefined ? undefined : this.files[id];
  }

  /** True when process `a` is `b` or one of its ancestors (constant time). */
  isAncestor(a: number, b: number): boolean {
    return this.#enter[a] <= this.#enter[b] &&
      this.#enter[b] <= this.#leave[a];
  }

  /** Sets each process's `#leave`: the highest walk place in its subtree. */
  #computeLeave(): void {
    const byPlace = new Int32Array(this.processes.length);
    for (let id = 0; id < byPlace.length; id++) byPlace[this.#enter[id]] = id;
    // Highest place first: every child's subtree is done before its parent.
    for (let place = byPlace.length - 1; place >= 0; place--) {
      const id = byPlace[place];
      let leave = place;
      for (const c of this.processes[id].children) {
        if (this.#leave[c] > leave) leave = this.#leave[c];
      }
      this.#leave[id] = leave;
    }
  }

  /** The ids of a process and all its descendants, parents before children. */
  descendants(id: number): number[] {
    const out: number[] = [];
    const stack = [id];
    while (stack.length > 0) {
      const q = stack.pop()!;
      out.push(q);
      const children = this.processes[q].children;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
    return out;
  }

  /** Every edge process → file, by process then file. */
  *edges(): IterableIterator<Edge> {
    for (const p of this.processes) {
      for (const [file, access] of p.files) {
        for (const kind of edgeKinds(access.kinds)) {
          yield { process: p.id, file, kind };
        }
      }
    }
  }

  /** What one process did by itself. */
  processSummary(id: number): Summary {
    return this.summarize([id]);
  }

  /** What a process and its descendants did. */
  subtreeSummary(id: number): Summary {
    return this.summarize(this.descendants(id));
  }

  /** What the whole trace did. */
  traceSummary(): Summary {
    return this.summarize(this.processes.map((p) => p.id));
  }

  /**
   * What a set of processes did, taken as one: a file is an input when one
   * of them read it before any of them wrote it.
   */
  summarize(ids: Iterable<number>): Summary {
    const s = this.summarizeIds(ids);
    const paths = (list: number[]) => list.map((id) => this.files[id].path);
    return {
      inputs: paths(s.inputs),
      outputs: paths(s.outputs),
      temporaries: paths(s.temporaries),
      probes: paths(s.probes),
      missing: paths(s.missing),
    };
  }

  /** Like `summarize`, with file ids instead of paths (in the same order). */
  summarizeIds(ids: Iterable<number>): Record<keyof Summary, number[]> {
    const merged = new Map<number, MutableAccess>();
    const outputs = new Set<number>();
    for (const id of ids) {
      for (const f of this.#produced[id]) outputs.add(f);
      for (const [f, a] of this.processes[id].files) {
        const m = merged.get(f);
        if (m === undefined) merged.set(f, { ...a });
        else {
          m.kinds |= a.kinds;
          if (a.firstRead < m.firstRead) m.firstRead = a.firstRead;
          if (a.firstWrite < m.firstWrite) m.firstWrite = a.firstWrite;
        }
      }
    }
    const s: Record<keyof Summary, number[]> = {
      inputs: [],
      outputs: [...outputs],
      temporaries: [],
      probes: [],
      missing: [],
    };
    for (const [f, m] of merged) {
      if ((m.kinds & READ_KINDS) && m.firstRead < m.firstWrite) {
        s.inputs.push(f);
      }
      if ((m.kinds & PRODUCE_KINDS) && !outputs.has(f)) s.temporaries.push(f);
      if ((m.kinds & ~LOOKUP_KINDS) === 0) {
        if (m.kinds & PROBE) s.probes.push(f);
        else s.missing.push(f);
      }
    }
    for (const list of Object.values(s)) list.sort((a, b) => a - b);
    s.inputs.sort((a, b) =>
      merged.get(a)!.firstRead - merged.get(b)!.firstRead
    );
    return s;
  }
}
