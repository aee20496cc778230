/**
 * Differential tests: `filemon trace` against `strace -f --seccomp-bpf` on
 * real workloads (a shell script, a parallel C build, a Python script, and
 * `make -C`).
 *
 * Each workload runs twice in the same directory (emptied and set up again
 * between the runs): once under `strace -f --seccomp-bpf -qq -y -s 4096`,
 * tracing the calls filemon traces for the same `--ops` (see
 * `straceCalls`), and once under `filemon trace -f jsonl --ops`. Both traces
 * are reduced to one model: a tree of processes, each with the argv of every
 * exec it made and the multiset of its successful operations as
 * `op path[ -> path2]`: `r`/`w`/`rw` opens (with `(creat,trunc)` from the
 * flags), `exec`, `chdir`, `unlink`, `rmdir`, `mkdir`, `rename a -> b`,
 * `link a -> b`, `symlink TEXT -> b`, paths absolute and lexically
 * normalized. On the strace side relative paths are resolved against the
 * process's cwd (followed through chdir/fchdir and inherited at fork) or the
 * dirfd's path that `-y` prints. Processes are keyed by structure (the chain
 * of exec'd argvs from the root down to them), so pids never need to match;
 * siblings with the same key (two `cat f` processes, say) are merged and
 * their count compared. The events of every key must be equal, as
 * multisets, in both directions.
 *
 * What is rewritten or left out, and why:
 * - the work directory becomes `$W` (display only: both runs use one path);
 * - gcc's mkstemp names (`$TMPDIR/ccXXXXXX.s`) are random per run;
 * - failed calls: filemon records none without `--failed`;
 * - a thread's calls count for its process (filemon reports the tgid);
 * - NON_LEADER_EXEC (below): arranged so that no event is lost either way.
 * Nothing else. filemon's launcher installs its seccomp filter just before
 * its execvp and failed execs (its PATH search) are not recorded, so a
 * filemon trace starts at the command's exec, as strace's does; no
 * `/proc/self`, `/dev/tty` or pid-named path differed between runs. Both runs
 * get the same environment (`testEnv`), and Python writes no bytecode (a
 * first run would write `__pycache__`, the second not).
 *
 * FILEMON_KEEP_TRACES=1 keeps both raw traces and prints where.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { parseJsonLine } from "../../lib/jsonl.ts";
import { decodePath } from "../../lib/path.ts";
import type { TraceEvent } from "../../lib/event.ts";
import { callsFor, SYSCALLS } from "../../ffi/linux/syscalls/semantics.ts";
import { parseOps } from "../../lib/ops.ts";
import type { SyscallTable } from "../../ffi/linux/syscalls/types.ts";
import { AARCH64 } from "../../ffi/linux/syscalls/aarch64.ts";
import { X86_64 } from "../../ffi/linux/syscalls/x86_64.ts";
import { FILEMON, installed, traceArgs } from "../_helpers.ts";

// ---------------------------------------------------------------------------
// Tools

const onLinux = Deno.build.os === "linux" &&
  (Deno.build.arch === "x86_64" || Deno.build.arch === "aarch64");
const haveStrace = onLinux && installed("strace");
const haveMake = onLinux && installed("make");
const haveCc = haveMake && installed("gcc");
const havePython = onLinux && installed("python3");

/** `--ops` for both tracers: filemon's default set plus mkdir and rmdir. */
const OPS = "default,mkdir,rmdir";

/** The host's syscall table (strace knows only the host's names). */
const HOST_TABLE: SyscallTable = Deno.build.arch === "aarch64"
  ? AARCH64
  : X86_64;

/**
 * What strace traces: exactly the calls filemon's filter stops at for OPS
 * (those that exist on this architecture), minus io_uring_setup (filemon
 * refuses it, it names no file), plus the process-creating calls, which
 * filemon learns from ptrace events and strace needs to print to show the
 * process tree (which pid is whose child, and so the child's starting cwd).
 */
function straceCalls(): string[] {
  const calls = [...callsFor(parseOps(OPS))].filter((name) =>
    HOST_TABLE.numbers[name] !== undefined && SYSCALLS[name].op !== "deny"
  );
  return [...calls, "fork", "vfork", "clone", "clone3"].filter((name) =>
    // aarch64 has no fork and vfork.
    HOST_TABLE.arch !== "aarch64" || (name !== "fork" && name !== "vfork")
  );
}

/** One environment for both runs, so programs behave the same way. */
function testEnv(dir: string): Record<string, string> {
  return {
    LC_ALL: "C",
    TMPDIR: `${dir}/.tmp`,
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONHASHSEED: "0",
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
}

// ---------------------------------------------------------------------------
// The common model

/** One process: what it exec'd and what it did, however it was traced. */
interface ProcNode {
  parent?: number;
  argvs: string[][];
  /** `op path[ -> path2]`, paths absolute. */
  events: string[];
}

type Tree = Map<number, ProcNode>;

function node(tree: Tree, pid: number): ProcNode {
  let n = tree.get(pid);
  if (n === undefined) {
    n = { argvs: [], events: [] };
    tree.set(pid, n);
  }
  return n;
}

/** Per key: how many processes, and their events as a multiset. */
type Summary = Map<string, { procs: number; events: Map<string, number> }>;

/** Lexical normalization, written here to check the library's own. */
function absolute(base: string, path: string): string {
  const full = path.startsWith("/") ? path : `${base}/${path}`;
  const out: string[] = [];
  for (const part of full.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/** Rewrites the run-specific parts of a path or argument (see the module doc). */
function normalize(text: string, dir: string): string {
  let s = text.replaceAll(dir, "$W");
  s = s.replace(/(\$W\/\.tmp\/cc)[A-Za-z0-9]{6}/g, "$1XXXXXX");
  return s;
}

/** Keeps a key readable: a long argument (a script) becomes its start and a hash. */
function shorten(arg: string): string {
  if (arg.length <= 60) return arg;
  let h = 0x811c9dc5;
  for (let i = 0; i < arg.length; i++) {
    h = Math.imul(h ^ arg.charCodeAt(i), 0x01000193) >>> 0;
  }
  return `${arg.slice(0, 30)}...[${arg.length} chars, fnv ${h.toString(16)}]`;
}

function summarize(tree: Tree, root: number, dir: string): Summary {
  const keys = new Map<number, string>();
  const keyOf = (pid: number): string => {
    const known = keys.get(pid);
    if (known !== undefined) return known;
    const n = tree.get(pid)!;
    const own = n.argvs.length === 0
      ? "(no exec)"
      : n.argvs.map((a) =>
        JSON.stringify(a.map((x) => shorten(normalize(x, dir))))
      )
        .join(" then ");
    const up = pid === root || n.parent === undefined
      ? ""
      : keyOf(n.parent) + "\n  > ";
    const key =
      (pid === root ? "" : n.parent === undefined ? "(orphan) " : "") +
      up + own;
    keys.set(pid, key);
    return key;
  };
  const out: Summary = new Map();
  for (const [pid, n] of tree) {
    const key = keyOf(pid);
    let entry = out.get(key);
    if (entry === undefined) {
      entry = { procs: 0, events: new Map() };
      out.set(key, entry);
    }
    entry.procs++;
    for (const e of n.events) {
      const k = normalize(e, dir);
      entry.events.set(k, (entry.events.get(k) ?? 0) + 1);
    }
  }
  return out;
}

/** A readable list of every difference; empty when the summaries agree. */
function diff(strace: Summary, filemon: Summary): string[] {
  const lines: string[] = [];
  const keys = new Set([...strace.keys(), ...filemon.keys()]);
  for (const key of [...keys].sort()) {
    const s = strace.get(key);
    const f = filemon.get(key);
    const here: string[] = [];
    if ((s?.procs ?? 0) !== (f?.procs ?? 0)) {
      here.push(
        `  processes: strace ${s?.procs ?? 0}, filemon ${f?.procs ?? 0}`,
      );
    }
    const events = new Set([
      ...(s?.events.keys() ?? []),
      ...(f?.events.keys() ?? []),
    ]);
    for (const e of [...events].sort()) {
      const a = s?.events.get(e) ?? 0;
      const b = f?.events.get(e) ?? 0;
      if (a > b) here.push(`  only strace  x${a - b}: ${JSON.stringify(e)}`);
      if (b > a) here.push(`  only filemon x${b - a}: ${JSON.stringify(e)}`);
    }
    if (here.length > 0) lines.push(`process ${key}`, ...here);
  }
  return lines;
}

// ---------------------------------------------------------------------------
// strace's output

/** One finished call of one thread. */
interface Call {
  tid: number;
  name: string;
  args: string[];
  /** The return value's number (NaN for `?`). */
  ret: number;
}

/** Splits `name(arg, arg, ...) = ret...` at the top-level commas. */
function splitCall(
  text: string,
): { name: string; args: string[]; ret: number } | undefined {
  const m = /^([a-z0-9_]+)\(/.exec(text);
  if (m === null) return undefined;
  const args: string[] = [];
  let depth = 0;
  let start = m[0].length;
  let i = start;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === "\\") i++;
      }
    } else if (c === "<") {
      // -y's path of an fd: <...>, printed with the same escapes.
      for (i++; i < text.length && text[i] !== ">"; i++) {
        if (text[i] === "\\") i++;
      }
    } else if (c === "(" || c === "[" || c === "{") {
      depth++;
    } else if (c === ")" && depth === 0) {
      break;
    } else if (c === ")" || c === "]" || c === "}") {
      depth--;
    } else if (c === "," && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (i >= text.length) return undefined;
  const last = text.slice(start, i).trim();
  if (last !== "" || args.length > 0) args.push(last);
  const r = /^\)\s*=\s*(-?\d+|\?)/.exec(text.slice(i));
  if (r === null) return undefined;
  return { name: m[1], args, ret: r[1] === "?" ? NaN : Number(r[1]) };
}

/** Decodes one of strace's C string literals (escapes and all) to a path string. */
function cString(arg: string): string | undefined {
  if (!arg.startsWith('"')) return undefined; // NULL, or an address
  const bytes: number[] = [];
  const enc = new TextEncoder();
  let i = 1;
  for (; i < arg.length && arg[i] !== '"'; i++) {
    const c = arg[i];
    if (c !== "\\") {
      bytes.push(...enc.encode(c));
      continue;
    }
    const n = arg[++i];
    const simple: Record<string, number> = {
      n: 10,
      t: 9,
      r: 13,
      v: 11,
      f: 12,
      a: 7,
      b: 8,
      "\\": 92,
      '"': 34,
      "'": 39,
      "?": 63,
    };
    if (n in simple) bytes.push(simple[n]);
    else if (n === "x") {
      bytes.push(parseInt(arg.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      const oct = /^[0-7]{1,3}/.exec(arg.slice(i))![0];
      bytes.push(parseInt(oct, 8));
      i += oct.length - 1;
    } else throw new Error(`unknown escape \\${n} in ${arg}`);
  }
  if (arg.slice(i + 1).startsWith("...")) {
    throw new Error(`strace truncated a string (raise -s): ${arg}`);
  }
  return decodePath(Uint8Array.from(bytes));
}

/** The path -y printed after an fd (`3</a/b>`, `AT_FDCWD</a>`). */
function fdPath(arg: string): string | undefined {
  const m = /^[^<]*<(.*)>$/.exec(arg);
  return m === null ? undefined : cString(`"${m[1]}"`);
}

/** The access mode and O_CREAT/O_TRUNC of an open flags argument. */
function openMode(flags: string): string {
  let value = 0;
  const names = new Set<string>();
  for (const part of flags.split("|")) {
    if (/^(0x[0-9a-f]+|\d+)$/.test(part)) value |= Number(part);
    else names.add(part);
  }
  const acc = names.has("O_RDWR")
    ? 2
    : names.has("O_WRONLY")
    ? 1
    : names.has("O_ACCMODE")
    ? 3
    : value & 3;
  // Like filemon: anything but O_WRONLY reads, O_WRONLY and O_RDWR write.
  let mode = acc === 1 ? "w" : acc === 2 ? "rw" : "r";
  const extra = [];
  if (names.has("O_CREAT") || value & 0x40) extra.push("creat");
  if (names.has("O_TRUNC") || value & 0x200) extra.push("trunc");
  if (extra.length > 0) mode += `(${extra.join(",")})`;
  return mode;
}

/** Parses `strace -f -y -o` output into the per-thread lists of finished calls. */
function parseStrace(text: string): { calls: Call[]; firstTid: number } {
  const calls: Call[] = [];
  const unfinished = new Map<number, string>();
  let firstTid = 0;
  for (const line of text.split("\n")) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const tid = Number(m[1]);
    let rest = m[2];
    if (rest.startsWith("---") || rest.startsWith("+++")) continue;
    if (firstTid === 0) firstTid = tid;
    const resumed = /^<\.\.\. ([a-z0-9_]+) resumed>/.exec(rest);
    if (resumed !== null) {
      let head = unfinished.get(tid);
      unfinished.delete(tid);
      if (
        head === undefined && resumed[1].startsWith("execve") &&
        /\)\s*=\s*0$/.test(rest)
      ) {
        // Older strace: a thread's exec resumes under the leader's pid.
        const from = [...unfinished].filter(([, t]) =>
          t.startsWith(`${resumed[1]}(`)
        );
        if (from.length === 1) {
          head = from[0][1];
          unfinished.delete(from[0][0]);
        }
      }
      if (head === undefined) continue; // a bogus resume (NON_LEADER_EXEC)
      rest = head + rest.slice(resumed[0].length);
    }
    const changed = / <pid changed to (\d+) \.\.\.>$/.exec(rest);
    if (changed !== null) {
      // A thread other than the leader exec'd: the exec succeeded, and the
      // thread took over the leader's pid; strace then prints a bogus
      // `<... execve resumed>) = -1` for the leader, which has no unfinished
      // call and so is skipped above. The call stays under the thread's id,
      // which is walked as a thread of that same process.
      rest = rest.slice(0, changed.index) + ") = 0";
    }
    if (rest.endsWith(" <unfinished ...>")) {
      unfinished.set(tid, rest.slice(0, -" <unfinished ...>".length));
      continue;
    }
    const call = splitCall(rest);
    if (call === undefined) {
      throw new Error(`cannot parse strace line: ${line}`);
    }
    calls.push({ tid, ...call });
  }
  return { calls, firstTid };
}

/**
 * Builds the process tree from strace's calls. Each thread's calls are walked
 * in order, keeping its process's cwd; a child starts with its parent's cwd at
 * the clone. (A child's lines can come before the parent's clone returns, so
 * the walk goes by thread, parent first, not by line.) Threads (CLONE_THREAD)
 * share their process's cwd and count as that process, as in filemon.
 */
function straceTree(
  text: string,
  startDir: string,
): { tree: Tree; root: number } {
  const { calls, firstTid } = parseStrace(text);
  const byTid = new Map<number, Call[]>();
  for (const c of calls) {
    const list = byTid.get(c.tid) ?? [];
    list.push(c);
    byTid.set(c.tid, list);
  }
  const tree: Tree = new Map();
  const seen = new Set<number>();
  const walk = (tid: number, tgid: number, cwd: { dir: string }): void => {
    seen.add(tid);
    const n = node(tree, tgid);
    const abs = (pathArg: string, dirfdArg?: string): string => {
      const path = cString(pathArg);
      if (path === undefined) throw new Error(`no path in ${pathArg}`);
      if (path.startsWith("/")) return absolute("/", path);
      let base = cwd.dir;
      if (dirfdArg !== undefined && !dirfdArg.startsWith("AT_FDCWD")) {
        const p = fdPath(dirfdArg);
        if (p === undefined) throw new Error(`no -y path in ${dirfdArg}`);
        base = p;
      }
      return path === "" ? base : absolute(base, path);
    };
    for (const c of byTid.get(tid) ?? []) {
      if (!(c.ret >= 0)) continue; // failed, or the process died in the call
      const a = c.args;
      switch (c.name) {
        case "open":
          n.events.push(`${openMode(a[1])} ${abs(a[0])}`);
          break;
        case "openat":
          n.events.push(`${openMode(a[2])} ${abs(a[1], a[0])}`);
          break;
        case "openat2": {
          const flags = /flags=([^,}]*)/.exec(a[2]);
          n.events.push(`${openMode(flags?.[1] ?? "0")} ${abs(a[1], a[0])}`);
          break;
        }
        case "creat":
          n.events.push(`${openMode("O_WRONLY|O_CREAT|O_TRUNC")} ${abs(a[0])}`);
          break;
        case "execve":
        case "execveat": {
          const at = c.name === "execveat" ? 1 : 0;
          const path = c.name === "execveat" && cString(a[1]) === ""
            ? fdPath(a[0])!
            : abs(a[at], at === 1 ? a[0] : undefined);
          n.events.push(`exec ${path}`);
          n.argvs.push(parseArgv(a[at + 1]));
          break;
        }
        case "chdir":
          cwd.dir = abs(a[0]);
          n.events.push(`chdir ${cwd.dir}`);
          break;
        case "fchdir": {
          const p = fdPath(a[0]);
          if (p === undefined) throw new Error(`no -y path in ${a[0]}`);
          cwd.dir = p;
          n.events.push(`chdir ${p}`);
          break;
        }
        case "unlink":
          n.events.push(`unlink ${abs(a[0])}`);
          break;
        case "unlinkat":
          n.events.push(
            `${a[2].includes("AT_REMOVEDIR") ? "rmdir" : "unlink"} ${
              abs(a[1], a[0])
            }`,
          );
          break;
        case "rmdir":
          n.events.push(`rmdir ${abs(a[0])}`);
          break;
        case "mkdir":
          n.events.push(`mkdir ${abs(a[0])}`);
          break;
        case "mkdirat":
          n.events.push(`mkdir ${abs(a[1], a[0])}`);
          break;
        case "mknod":
          n.events.push(`mknod ${abs(a[0])}`);
          break;
        case "mknodat":
          n.events.push(`mknod ${abs(a[1], a[0])}`);
          break;
        case "bind": {
          // A Unix socket's path makes a file (not an abstract name: @"...").
          const sun = /sa_family=AF_UNIX, sun_path=("(?:[^"\\]|\\.)*")/
            .exec(a[1] ?? "");
          if (sun !== null) n.events.push(`mknod ${abs(sun[1])}`);
          break;
        }
        case "rename":
          n.events.push(`rename ${abs(a[0])} -> ${abs(a[1])}`);
          break;
        case "renameat":
        case "renameat2":
          n.events.push(`rename ${abs(a[1], a[0])} -> ${abs(a[3], a[2])}`);
          break;
        case "link":
          n.events.push(`link ${abs(a[0])} -> ${abs(a[1])}`);
          break;
        case "linkat":
          n.events.push(`link ${abs(a[1], a[0])} -> ${abs(a[3], a[2])}`);
          break;
        case "symlink":
          n.events.push(`symlink ${cString(a[0])} -> ${abs(a[1])}`);
          break;
        case "symlinkat":
          n.events.push(`symlink ${cString(a[0])} -> ${abs(a[2], a[1])}`);
          break;
        case "fork":
        case "vfork":
        case "clone":
        case "clone3": {
          const child = c.ret;
          const thread = (a[0] ?? "").includes("CLONE_THREAD") ||
            (a[1] ?? "").includes("CLONE_THREAD");
          if (thread) {
            walk(child, tgid, cwd);
          } else {
            node(tree, child).parent = tgid;
            walk(child, child, { dir: cwd.dir });
          }
          break;
        }
        default:
          throw new Error(`unexpected call in strace's output: ${c.name}`);
      }
    }
  };
  walk(firstTid, firstTid, { dir: startDir });
  const orphans = [...byTid.keys()].filter((t) => !seen.has(t));
  if (orphans.length > 0) {
    throw new Error(`strace: threads of no known parent: ${orphans}`);
  }
  return { tree, root: firstTid };
}

/** Parses execve's argv: `["sh", "-c", "..."]`. */
function parseArgv(arg: string): string[] {
  if (!arg.startsWith("[")) return [];
  const parsed = splitCall(`x(${arg.slice(1, -1)}) = 0`);
  if (parsed === undefined) throw new Error(`cannot parse argv ${arg}`);
  if (parsed.args.at(-1) === "...") {
    throw new Error(`strace abbreviated an argv: ${arg}`);
  }
  return parsed.args.filter((a) => a !== "").map((a) => cString(a) ?? a);
}

// ---------------------------------------------------------------------------
// filemon's output

interface FilemonTrace {
  events: TraceEvent[];
  tree: Tree;
  root: number;
}

function filemonTree(text: string): FilemonTrace {
  const events = text.split("\n").filter((l) => l !== "").map((l, i) =>
    parseJsonLine(l, i + 1)
  );
  const tree: Tree = new Map();
  let root = 0;
  const p = (abs: string | undefined, path: string): string =>
    abs ?? `(no abs) ${path}`;
  for (const e of events) {
    if (!("pid" in e) || e.op === "target") continue;
    // Failed calls are only written with --failed, which is not given.
    if ("error" in e && e.error !== undefined) continue;
    const n = node(tree, e.pid);
    switch (e.op) {
      case "exec":
        if (root === 0) root = e.pid;
        n.argvs.push(e.argv ?? [`(no argv) ${e.path}`]);
        n.events.push(`exec ${p(e.abs, e.path)}`);
        break;
      case "fork":
        node(tree, e.child).parent = e.pid;
        break;
      case "open": {
        const extra = [];
        if (e.create) extra.push("creat");
        if (e.trunc) extra.push("trunc");
        const mode = e.mode + (extra.length > 0 ? `(${extra.join(",")})` : "");
        n.events.push(`${mode} ${p(e.abs, e.path)}`);
        break;
      }
      case "chdir":
      case "unlink":
      case "rmdir":
      case "mkdir":
      case "mknod":
        n.events.push(`${e.op} ${p(e.abs, e.path)}`);
        break;
      case "rename":
        n.events.push(
          `rename ${p(e.from_abs, e.from)} -> ${p(e.to_abs, e.to)}`,
        );
        break;
      case "link":
        n.events.push(
          e.symbolic
            ? `symlink ${e.from} -> ${p(e.to_abs, e.to)}`
            : `link ${p(e.from_abs, e.from)} -> ${p(e.to_abs, e.to)}`,
        );
        break;
      case "exit":
        break;
      default:
        n.events.push(`unexpected ${JSON.stringify(e)}`);
    }
  }
  return { events, tree, root };
}

// ---------------------------------------------------------------------------
// Running a workload both ways

interface Workload {
  /** Writes the workload's input files into `dir` (empty). */
  setup(dir: string): Promise<void>;
  command: string[];
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  trace: string;
}

async function run(
  argv: string[],
  dir: string,
  traceFile: string,
): Promise<Outcome> {
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: dir,
    env: testEnv(dir),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    trace: await Deno.readTextFile(traceFile).catch(() => ""),
  };
}

async function fresh(dir: string, w: Workload): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${dir}/.tmp`, { recursive: true });
  await w.setup(dir);
}

interface Both {
  dir: string;
  strace: Summary;
  filemon: Summary;
  trace: FilemonTrace;
  filemonCode: number;
}

/** Runs `w` under strace and under filemon; checks the differences are none. */
async function compare(w: Workload): Promise<Both> {
  const top = await Deno.realPath(await Deno.makeTempDir({ prefix: "fmst-" }));
  try {
    const dir = `${top}/w`;
    const straceOut = `${top}/strace.txt`;
    const filemonOut = `${top}/filemon.jsonl`;

    await fresh(dir, w);
    const s = await run(
      [
        "strace",
        "-f",
        "--seccomp-bpf",
        "-qq",
        "-y",
        "-s",
        "4096",
        "-e",
        `trace=${straceCalls().join(",")}`,
        "-e",
        "signal=none",
        "-o",
        straceOut,
        "--",
        ...w.command,
      ],
      dir,
      straceOut,
    );
    assertEquals(
      s.code,
      0,
      `the workload failed under strace:\n${s.stdout}\n${s.stderr}`,
    );

    await fresh(dir, w);
    const f = await run(
      [
        FILEMON,
        ...traceArgs(
          "-f",
          "jsonl",
          "-o",
          filemonOut,
          "--ops",
          OPS,
          "--",
          ...w.command,
        ),
      ],
      dir,
      filemonOut,
    );
    assertEquals(
      f.code,
      0,
      `the workload failed under filemon:\n${f.stdout}\n${f.stderr}`,
    );

    const st = straceTree(s.trace, dir);
    const straceSummary = summarize(st.tree, st.root, dir);
    const trace = filemonTree(f.trace);
    assert(trace.root !== 0, "filemon recorded no exec");
    const filemonSummary = summarize(trace.tree, trace.root, dir);
    const d = diff(straceSummary, filemonSummary);
    const shown = d.length > 120
      ? [...d.slice(0, 120), `... and ${d.length - 120} more lines`]
      : d;
    assert(
      d.length === 0,
      `strace and filemon disagree ($W = ${dir}):\n${shown.join("\n")}`,
    );
    return {
      dir,
      strace: straceSummary,
      filemon: filemonSummary,
      trace,
      filemonCode: f.code,
    };
  } finally {
    // FILEMON_KEEP_TRACES=1 keeps both traces (and the last run's files).
    if (Deno.env.get("FILEMON_KEEP_TRACES") === "1") {
      console.log(`traces kept in ${top}`);
    } else {
      await Deno.remove(top, { recursive: true });
    }
  }
}

/** Checks the filemon trace on its own: root exit, every fork child exits. */
function checkSanity(t: FilemonTrace): void {
  const exits = new Map<number, number>(); // pid -> index of its exit
  const forks: { child: number; at: number }[] = [];
  t.events.forEach((e, i) => {
    if (e.op === "exit") {
      assert(!exits.has(e.pid), `two exits for pid ${e.pid}`);
      exits.set(e.pid, i);
    }
    if (e.op === "fork") forks.push({ child: e.child, at: i });
  });
  const rootExit = t.events.find((e) => e.op === "exit" && e.pid === t.root);
  if (rootExit?.op !== "exit") {
    throw new Error(`no exit for the root process ${t.root}`);
  }
  assertEquals(
    { status: rootExit.status, signal: rootExit.signal },
    { status: 0, signal: 0 },
    "the root process's exit",
  );
  assert(
    !forks.some((f) => f.child === t.root),
    "the root process is some process's fork child",
  );
  for (const f of forks) {
    const at = exits.get(f.child);
    if (at === undefined) throw new Error(`fork child ${f.child} never exits`);
    assert(at > f.at, `fork child ${f.child} exits before its fork`);
  }
  assertEquals(
    t.events.at(-1)?.op,
    "bye",
    "the trace does not end with bye",
  );
}

// ---------------------------------------------------------------------------
// The workloads

const SHELL_SCRIPT = `set -e
echo hello > a.txt
printf 'b\\na\\nb\\nc\\n' > list.txt
echo more >> a.txt
cat a.txt list.txt | sort | uniq > out.txt
wc -l < out.txt > count.txt
mkdir -p sub/deeper
cp a.txt sub/copy.txt
mv sub/copy.txt sub/deeper/moved.txt
ln a.txt hard.txt
ln -s ../a.txt sub/sym.txt
cat sub/sym.txt > /dev/null
cd sub
cat deeper/moved.txt > ../from-sub.txt
cd ..
(cd sub/deeper && cat moved.txt >> ../../from-sub.txt)
cp -r sub copy-of-sub
rm hard.txt sub/sym.txt
rm -r sub
mv copy-of-sub sub
printf '#!/bin/sh\\necho hi > hello.out\\n' > hello.sh
chmod +x hello.sh
./hello.sh
mkfifo fifo
cat fifo > fifo.out &
echo through the fifo > fifo
wait
(sleep 0.1; cat a.txt > late.txt) &
echo the shell exits before its background job writes late.txt
`;

Deno.test({
  name: "trace matches strace on a shell pipeline",
  ignore: !haveStrace,
  async fn() {
    const r = await compare({
      setup: () => Promise.resolve(),
      command: ["sh", "-c", SHELL_SCRIPT],
    });
    checkSanity(r.trace);
    assertEquals(r.filemonCode, 0);
    // The comparison saw the workload's own files, not only libraries.
    const all = [...r.filemon.values()].flatMap((v) => [...v.events.keys()]);
    for (
      const want of [
        "w(creat,trunc) $W/out.txt",
        "rename $W/sub/copy.txt -> $W/sub/deeper/moved.txt",
        "link $W/a.txt -> $W/hard.txt",
        "symlink ../a.txt -> $W/sub/sym.txt",
        "rmdir $W/sub/deeper",
        "chdir $W/sub",
        "w(creat,trunc) $W/late.txt",
        "exec $W/hello.sh",
        "w(creat,trunc) $W/hello.out",
        "w(creat,trunc) $W/fifo",
        "r $W/fifo",
      ]
    ) {
      assert(all.includes(want), `no ${JSON.stringify(want)} in the trace`);
    }
  },
});

const SOURCES = ["main", "util", "mathx", "strs", "report", "calls"];

/** calls.c: the calls glibc's wrappers no longer make, made directly. */
const CALLS_C = `#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h> /* renameat2 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

struct how { unsigned long long flags, mode, resolve; };

int calls(void) {
  int bad = 0, fd;
  bad |= mkdir("raw", 0755) != 0;
#ifdef SYS_creat /* x86_64; arm64 has only the *at calls */
  fd = syscall(SYS_creat, "raw/creat.txt", 0644);
  bad |= fd < 0 || close(fd) != 0;
  fd = syscall(SYS_open, "raw/creat.txt", O_RDWR | O_APPEND);
  bad |= fd < 0 || close(fd) != 0;
  bad |= syscall(SYS_mkdir, "raw/d", 0755) != 0;
  bad |= syscall(SYS_rename, "raw/creat.txt", "raw/d/renamed.txt") != 0;
  bad |= syscall(SYS_link, "raw/d/renamed.txt", "raw/hard.txt") != 0;
  bad |= syscall(SYS_symlink, "d/renamed.txt", "raw/sym.txt") != 0;
  bad |= syscall(SYS_chdir, "raw/d") != 0;
  fd = syscall(SYS_open, "../sym.txt", O_RDONLY);
  bad |= fd < 0 || close(fd) != 0;
  bad |= syscall(SYS_chdir, "../..") != 0;
  bad |= syscall(SYS_unlink, "raw/hard.txt") != 0;
  bad |= syscall(SYS_unlink, "raw/sym.txt") != 0;
  bad |= syscall(SYS_rename, "raw/d/renamed.txt", "raw/back.txt") != 0;
  bad |= syscall(SYS_rmdir, "raw/d") != 0;
#endif
  int dir = open("raw", O_RDONLY | O_DIRECTORY);
  bad |= dir < 0;
  struct how how = { O_WRONLY | O_CREAT | O_TRUNC, 0644, 0 };
  fd = syscall(437 /* openat2 */, dir, "o2.txt", &how, sizeof how);
  if (fd < 0) fd = openat(dir, "o2.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  bad |= fd < 0 || close(fd) != 0;
  bad |= renameat2(dir, "o2.txt", dir, "o2b.txt", RENAME_NOREPLACE) != 0;
  bad |= linkat(dir, "o2b.txt", AT_FDCWD, "raw/o2link.txt", AT_SYMLINK_FOLLOW) != 0;
  bad |= symlinkat("o2b.txt", dir, "o2sym.txt") != 0;
  bad |= mkdirat(dir, "sub", 0755) != 0;
  bad |= fchdir(dir) != 0;
  fd = open("o2link.txt", O_WRONLY | O_APPEND);
  bad |= fd < 0 || close(fd) != 0;
  bad |= unlinkat(AT_FDCWD, "sub", AT_REMOVEDIR) != 0;
  bad |= chdir("..") != 0;
  bad |= close(dir) != 0;
  return bad;
}
`;

async function writeBuild(dir: string): Promise<void> {
  const files: Record<string, string> = {
    "config.h": "#define SCALE 3\n",
    "common.h": '#include "config.h"\nint util(int);\nint mathx(int);\n' +
      "int strs(const char *);\nint report(const char *, int);\n" +
      "int calls(void);\n",
    "extra.h": '#include "common.h"\n#define TWICE(x) ((x) * 2)\n',
    "main.c": '#include "extra.h"\nint main(int c, char **v) {\n' +
      '  int n = util(1) + mathx(2) + strs("abc");\n' +
      '  return report(c > 1 ? v[1] : "result.txt", TWICE(n)) | calls();\n' +
      "}\n",
    "util.c": '#include "common.h"\nint util(int x) { return x + SCALE; }\n',
    "mathx.c":
      '#include "extra.h"\nint mathx(int x) { return TWICE(x) * SCALE; }\n',
    "strs.c": '#include <string.h>\n#include "common.h"\n' +
      "int strs(const char *s) { return (int)strlen(s); }\n",
    "report.c": '#include <stdio.h>\n#include "common.h"\n' +
      "int report(const char *path, int n) {\n" +
      '  FILE *f = fopen(path, "w");\n  if (!f) return 1;\n' +
      '  fprintf(f, "%d\\n", n);\n  return fclose(f) != 0;\n}\n',
    "calls.c": CALLS_C,
    "Makefile": "CC = gcc\nCFLAGS = -O1 -Wall\nOBJS = " +
      SOURCES.map((s) => `${s}.o`).join(" ") + "\n\n" +
      "all: result.txt\n\n" +
      "result.txt: app\n\t./app result.txt\n\n" +
      "app: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n\n" +
      "%.o: %.c common.h config.h\n\t$(CC) $(CFLAGS) -c $< -o $@\n\n" +
      "main.o mathx.o: extra.h\n",
  };
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
}

Deno.test({
  name: "trace matches strace on a parallel C build",
  ignore: !haveStrace || !haveCc,
  async fn() {
    const r = await compare({ setup: writeBuild, command: ["make", "-j2"] });
    checkSanity(r.trace);
    // Each object file is written by the compiler proper or the assembler.
    const writers = new Map<string, Set<string>>();
    const { tree } = r.trace;
    for (const n of tree.values()) {
      const prog = (n.argvs.at(-1)?.[0] ?? "").split("/").at(-1)!;
      for (const e of n.events) {
        const m = /^r?w(\([a-z,]*\))? (.*\.o)$/.exec(e);
        if (m === null) continue;
        const set = writers.get(m[2]) ?? new Set();
        set.add(prog);
        writers.set(m[2], set);
      }
    }
    for (const s of SOURCES) {
      const o = `${r.dir}/${s}.o`;
      const by = [...writers.get(o) ?? []];
      assert(
        by.some((p) => p === "as" || p === "cc1"),
        `${s}.o is not written by cc1 or as (writers: ${
          by.join(", ") || "none"
        })`,
      );
    }
    const all = [...r.filemon.values()].flatMap((v) => [...v.events.keys()]);
    assert(all.includes("r $W/extra.h"), "extra.h is never read");
    assert(all.includes("exec $W/app"), "./app is never exec'd");
    for (
      const want of [
        "w(creat,trunc) $W/result.txt",
        "rename $W/raw/o2.txt -> $W/raw/o2b.txt",
        "link $W/raw/o2b.txt -> $W/raw/o2link.txt",
        "symlink o2b.txt -> $W/raw/o2sym.txt",
        "mkdir $W/raw/sub",
        "rmdir $W/raw/sub",
        "chdir $W/raw",
        "w $W/raw/o2link.txt",
        ...(Deno.build.arch === "x86_64"
          ? [
            "w(creat,trunc) $W/raw/creat.txt",
            "rw $W/raw/creat.txt",
            "rename $W/raw/creat.txt -> $W/raw/d/renamed.txt",
            "link $W/raw/d/renamed.txt -> $W/raw/hard.txt",
            "symlink d/renamed.txt -> $W/raw/sym.txt",
            "chdir $W/raw/d",
            "r $W/raw/sym.txt",
            "rmdir $W/raw/d",
          ]
          : []),
      ]
    ) {
      assert(all.includes(want), `no ${JSON.stringify(want)} in the trace`);
    }
  },
});

/**
 * NON_LEADER_EXEC: when a thread other than the leader execs, strace 6.1
 * with --seccomp-bpf loses the new program's first traced call (it takes that
 * call's stop for the exec's return and prints a bogus
 * `<... execve resumed>) = -1 (errno 18446744073709551359)`). The script
 * gives that exec LD_LIBRARY_PATH=/nonexistent, so the new program's first
 * call is a failed open there, which neither side's model holds: the
 * comparison stays exact whether or not strace loses it.
 */
const PYTHON_SCRIPT = `import os, subprocess, sys, threading
os.makedirs("data/sub", exist_ok=True)
with open("data/a.txt", "w") as f:
    f.write("alpha\\n")
with open("data/a.txt", "a") as f:
    f.write("beta\\n")
with open("data/a.txt") as f:
    text = f.read()
with open("data/b.txt", "w+") as f:
    f.write(text)
with open("data/donn\\u00e9es \\u00e9t\\u00e9.txt", "w") as f:
    f.write("utf-8 name\\n")
fd = os.open(b"data/raw\\xff.bin", os.O_WRONLY | os.O_CREAT, 0o644)
os.close(fd)
os.rename("data/a.txt", "data/c.txt")
os.replace("data/b.txt", "data/c2.txt")
os.link("data/c.txt", "data/hard.txt")
os.symlink("c.txt", "data/sym.txt")
os.chdir("data")
with open("sym.txt") as f:
    f.read()
os.unlink("hard.txt")
d = os.open("sub", os.O_RDONLY | os.O_DIRECTORY)
with open("sub/x", "w") as f:
    f.write("x")
os.rename("x", "y", src_dir_fd=d, dst_dir_fd=d)
os.unlink("y", dir_fd=d)
os.mkdir("m", dir_fd=d)
os.rmdir("m", dir_fd=d)
os.close(os.open("z", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=d))
os.link("z", "z2", src_dir_fd=d, dst_dir_fd=d)
os.symlink("z", "zs", dir_fd=d)
os.fchdir(d)
with open("z", "a") as f:
    f.write("in sub\\n")
os.chdir("..")
os.close(d)
os.mkdir("\\u00e9t\\u00e9")
e = os.open("\\u00e9t\\u00e9", os.O_RDONLY | os.O_DIRECTORY)
os.close(os.open("in-\\u00e9t\\u00e9", os.O_RDWR | os.O_CREAT, 0o644, dir_fd=e))
os.close(e)
def write(i):
    with open(f"thread{i}.txt", "w") as f:
        f.write(str(i))
threads = [threading.Thread(target=write, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
pid = os.fork()
if pid == 0:  # a thread that is not the leader execs (see NON_LEADER_EXEC)
    env = dict(os.environ, LD_LIBRARY_PATH="/nonexistent")
    argv = ["cat", "c.txt"]
    t = threading.Thread(target=os.execve, args=("/bin/cat", argv, env))
    t.start()
    t.join()
    os._exit(3)
assert os.waitpid(pid, 0)[1] == 0
pid = os.fork()
if pid == 0:
    exe = os.open("/bin/true", os.O_RDONLY)
    os.execve(exe, ["true"], dict(os.environ))  # fexecve: execveat(fd, "")
os.waitpid(pid, 0)
with open("cat.out", "w") as out:
    subprocess.run(["cat", "c.txt"], stdout=out, check=True)
subprocess.run(
    [sys.executable, "-c", "open('child.txt', 'w').write('x')"], check=True
)
cat = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
cat.stdin.write(b"ready\\n")
cat.stdin.flush()
assert cat.stdout.readline() == b"ready\\n"  # cat has done all its opens
cat.terminate()
assert cat.wait() == -15
subprocess.run([b"/bin/echo", b"raw\\xff"], stdout=subprocess.DEVNULL)
os.unlink(b"raw\\xff.bin")
os.chdir("..")
os.unlink("data/sym.txt")
`;

Deno.test({
  name: "trace matches strace on a Python script",
  ignore: !haveStrace || !havePython,
  async fn() {
    const r = await compare({
      setup: (dir) => Deno.writeTextFile(`${dir}/script.py`, PYTHON_SCRIPT),
      command: ["python3", "script.py"],
    });
    checkSanity(r.trace);
    const all = [...r.filemon.values()].flatMap((v) => [...v.events.keys()]);
    for (
      const want of [
        "rw(creat,trunc) $W/data/b.txt",
        "w(creat,trunc) $W/data/donn\u00e9es \u00e9t\u00e9.txt",
        "w(creat) $W/data/raw\udcff.bin",
        "rename $W/data/a.txt -> $W/data/c.txt",
        "rename $W/data/b.txt -> $W/data/c2.txt",
        "rename $W/data/sub/x -> $W/data/sub/y",
        "unlink $W/data/sub/y",
        "link $W/data/c.txt -> $W/data/hard.txt",
        "symlink c.txt -> $W/data/sym.txt",
        "w(creat,trunc) $W/data/child.txt",
        "link $W/data/sub/z -> $W/data/sub/z2",
        "symlink z -> $W/data/sub/zs",
        "chdir $W/data/sub",
        "w(creat) $W/data/sub/z",
        "rmdir $W/data/sub/m",
        "rw(creat) $W/data/\u00e9t\u00e9/in-\u00e9t\u00e9",
        "w(creat,trunc) $W/data/thread2.txt",
        `exec ${Deno.realPathSync("/bin/true")}`, // fexecve: the fd's path
        "exec /bin/cat",
      ]
    ) {
      assert(all.includes(want), `no ${JSON.stringify(want)} in the trace`);
    }
    const killed = r.trace.events.filter((e) =>
      e.op === "exit" && e.signal === 15
    );
    assertEquals(killed.length, 1, "one process (cat) ends by SIGTERM");
  },
});

// A process whose first call with a relative path is a relative chdir:
// `make -C sub` (recursive make) does exactly that.
Deno.test({
  name: "trace matches strace when a process starts with a relative chdir",
  ignore: !haveStrace || !haveMake,
  async fn() {
    const r = await compare({
      setup: async (dir) => {
        await Deno.mkdir(`${dir}/sub`);
        await Deno.writeTextFile(`${dir}/sub/in.txt`, "input\n");
        await Deno.writeTextFile(
          `${dir}/sub/Makefile`,
          "out.txt: in.txt\n\tcat in.txt > out.txt\n",
        );
      },
      command: ["make", "-s", "-C", "sub"],
    });
    checkSanity(r.trace);
    const all = [...r.filemon.values()].flatMap((v) => [...v.events.keys()]);
    assert(all.includes("chdir $W/sub"), "no chdir $W/sub in the trace");
  },
});
