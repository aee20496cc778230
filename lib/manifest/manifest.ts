/**
 * A manifest: what a traced command depended on and what it made, as
 * content hashes, with one digest over the inputs — a cache key for any
 * command.
 *
 * `ManifestBuilder` takes the trace's events (it feeds a `GraphBuilder` and
 * keeps, besides, when each path was first read); `makeManifest` turns the
 * result into a `Manifest`, hashing each existing file through
 * `ContentFiles` (streaming), or, without it, listing paths only (what
 * `diff` does with a trace: the files on disk now are not the run's).
 *
 * Schema (`version` 1), as `formatManifest` writes it:
 *
 * ```text
 * {
 *   "format": "filemon-manifest",
 *   "version": 1,
 *   "command": { "argv"?: [string], "cwd"?: string,
 *                "exit"?: { "status": number, "signal"?: number } },
 *   "root"?: string,            // --root: paths under it are relative to it
 *   "digest"?: string,          // SHA-256 hex (see below); absent when not hashed
 *   "inputs": [Entry],          // read or executed before the run wrote them
 *   "outputs": [Entry],         // written, and there at the end (no temporaries)
 *   "absent"?: [Entry],         // looked for and not found (only when the trace has failed calls)
 *   "commands": [Command]       // every process that ran a program, in trace order
 * }
 * Entry = { "path": string,
 *           "type"?: "file" | "directory" | "missing" | "other" | "error",
 *           "size"?: number, "sha256"?: string,   // regular files
 *           "changed"?: true,   // changed during the run (see below)
 *           "error"?: string }  // why it could not be read (type "error")
 * Command = { "argv": [string],  // temporaries' names replaced by "<temporary>"
 *             "exit"?: { "status": number, "signal"?: number } }
 * ```
 *
 * Lists are sorted by path. `type` is what the path is when the manifest is
 * made: `missing` for an input or output gone since, `other` for a device,
 * FIFO or socket and anything under /proc or /sys (not hashed). `changed`
 * marks an input modified after the run first read it (its mtime is later
 * than the first read's timestamp; a filemon log without timestamps is
 * compared with its `# Start` time), and an absent path that exists now.
 *
 * The digest is the SHA-256 of these lines (each JSON, `\n`-terminated):
 * `"filemon-manifest 1"`, `["argv", argv]` (the root command's, or null),
 * then `["input", path, type, sha256 or null]` per input and
 * `["absent", path]` per absent path, both in path order.
 *
 * @module
 */

import type { TraceEvent } from "../event.ts";
import {
  displayPath,
  type Graph,
  GraphBuilder,
  isUnder,
  makePathFilter,
  type PathFilterOptions,
  type ProcessExit,
} from "../graph/mod.ts";
import { resolvePath } from "../path.ts";
import type { ContentFiles } from "./content.ts";

/** One file of a manifest. */
export interface ManifestEntry {
  path: string;
  type?: "file" | "directory" | "missing" | "other" | "error";
  size?: number;
  sha256?: string;
  changed?: true;
  error?: string;
}

/** One process that ran a program. */
export interface ManifestCommand {
  argv: string[];
  exit?: ProcessExit;
}

/** A manifest (see the module's schema). */
export interface Manifest {
  format: "filemon-manifest";
  version: 1;
  command: { argv?: string[]; cwd?: string; exit?: ProcessExit };
  root?: string;
  digest?: string;
  inputs: ManifestEntry[];
  outputs: ManifestEntry[];
  absent?: ManifestEntry[];
  commands: ManifestCommand[];
}

/** What `ManifestBuilder.finish` gives `makeManifest`. */
export interface TraceFacts {
  readonly graph: Graph;
  /** Absolute path → seconds since the epoch of its first read or exec. */
  readonly firstRead: ReadonlyMap<string, number>;
  /** The trace's start time (`# Start`), when given. */
  readonly start?: number;
  /** Whether the trace has failed calls (`--failed`). */
  readonly failed: boolean;
  /**
   * The root command's working directory when the graph does not know it:
   * the builder's `cwd`, else read off its first relative path that the
   * trace also gives absolute (before any chdir of its own).
   */
  readonly cwd?: string;
}

/**
 * Takes a trace's events, one at a time.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ManifestBuilder } from "./manifest.ts";
 * const b = new ManifestBuilder();
 * b.add({ op: "open", pid: 1, path: "/w/a.c", mode: "r", time: 10.5 });
 * b.add({ op: "open", pid: 1, path: "/w/a.c", mode: "r", time: 11 });
 * assertEquals(b.finish().firstRead.get("/w/a.c"), 10.5);
 * ```
 */
export class ManifestBuilder {
  #graph: GraphBuilder;
  #firstRead = new Map<string, number>();
  #start: number | undefined;
  #failed = false;
  #cwd: string | undefined;
  /** The first pid seen (the root command), until it changes directory. */
  #rootPid: number | undefined;
  #rootMoved = false;

  /** `options.cwd`: the working directory of a filemon log's relative paths. */
  constructor(options: { cwd?: string } = {}) {
    this.#graph = new GraphBuilder({ cwd: options.cwd });
    this.#cwd = options.cwd;
  }

  /** Takes one event. */
  add(event: TraceEvent): void {
    this.#graph.add(event);
    if ("pid" in event && event.op !== "target") this.#rootCwd(event);
    if (event.op === "start") {
      this.#start ??= event.time;
      return;
    }
    if ("error" in event && event.error !== undefined) {
      this.#failed = true;
      return;
    }
    if (
      event.op === "exec" || (event.op === "open" && event.mode === "r")
    ) {
      if (event.time === undefined || event.anon) return;
      const abs = event.abs ??
        (event.path.startsWith("/") ? resolvePath("/", event.path) : undefined);
      if (abs !== undefined && !this.#firstRead.has(abs)) {
        this.#firstRead.set(abs, event.time);
      }
    }
  }

  /** The facts `makeManifest` needs. */
  finish(): TraceFacts {
    return {
      graph: this.#graph.finish(),
      firstRead: this.#firstRead,
      start: this.#start,
      failed: this.#failed,
      cwd: this.#cwd,
    };
  }

  /** Learns the root's working directory from a relative path and its `abs`. */
  #rootCwd(event: TraceEvent & { pid: number }): void {
    if (this.#cwd !== undefined || this.#rootMoved) return;
    this.#rootPid ??= event.pid;
    if (event.pid !== this.#rootPid) return;
    if (event.op === "chdir") {
      this.#rootMoved = true;
      return;
    }
    if (!("abs" in event) || event.abs === undefined || event.anon) return;
    const path = event.path;
    if (
      path === "" || path.startsWith("/") || path.endsWith("/") ||
      path.split("/").some((w) => w === "" || w === "." || w === "..")
    ) return;
    if (event.abs.endsWith("/" + path)) {
      this.#cwd = event.abs.slice(0, -path.length - 1) || "/";
    }
  }
}

/** A path's absolute form as it can appear in an argv (split at `=`, `:`, `,`, `@`). */
const ARGV_PATH = /\/[^\s=:,@;]+/g;

/** The argv with the names of the run's temporaries replaced. */
function normalizeArgv(
  argv: readonly string[],
  temporaries: ReadonlySet<string>,
): string[] {
  if (temporaries.size === 0) return [...argv];
  return argv.map((a) =>
    a.includes("/")
      ? a.replace(ARGV_PATH, (p) => temporaries.has(p) ? "<temporary>" : p)
      : a
  );
}

/** Seconds since the epoch (microseconds precise) as nanoseconds. */
function secondsToNs(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e6)) * 1000n;
}

function exitOf(exit: ProcessExit | undefined): ProcessExit | undefined {
  if (exit === undefined) return undefined;
  return exit.signal === undefined
    ? { status: exit.status }
    : { status: exit.status, signal: exit.signal };
}

/** The entry of one path: its type, and size and hash for a regular file. */
function describe(
  abs: string,
  shown: string,
  content: ContentFiles,
  readAt: number | undefined,
): ManifestEntry {
  if (isUnder("/proc", abs) || isUnder("/sys", abs)) {
    return { path: shown, type: "other" };
  }
  try {
    const st = content.stat(abs);
    if (st === undefined) return { path: shown, type: "missing" };
    if (st.type !== "file") return { path: shown, type: st.type };
    const { size, sha256 } = content.hashFile(abs);
    const entry: ManifestEntry = { path: shown, type: "file", size, sha256 };
    const after = content.stat(abs);
    if (
      size !== st.size || after?.mtimeNs !== st.mtimeNs ||
      (readAt !== undefined && st.mtimeNs > secondsToNs(readAt))
    ) entry.changed = true;
    return entry;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return {
      path: shown,
      type: "error",
      error: typeof code === "string"
        ? code
        : err instanceof Error
        ? err.message
        : String(err),
    };
  }
}

const byPath = (a: ManifestEntry, b: ManifestEntry) =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/**
 * The manifest of a trace: its root command, inputs, outputs and (when the
 * trace has failed calls) absent paths, filtered like the graph
 * (`makePathFilter`: `root`, `include`, `exclude`, `system`). With
 * `content`, every path is described and hashed and the digest computed.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ManifestBuilder, makeManifest } from "./manifest.ts";
 * const b = new ManifestBuilder();
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/cc", argv: ["cc", "-c", "a.c"] });
 * b.add({ op: "open", pid: 1, path: "/w/a.c", mode: "r" });
 * b.add({ op: "open", pid: 1, path: "/w/a.o", mode: "w" });
 * b.add({ op: "exit", pid: 1, status: 0, signal: 0 });
 * const m = makeManifest(b.finish(), { root: "/w" });
 * assertEquals(m.command.argv, ["cc", "-c", "a.c"]);
 * assertEquals(m.inputs, [{ path: "a.c" }]);
 * assertEquals(m.outputs, [{ path: "a.o" }]);
 * ```
 */
export function makeManifest(
  facts: TraceFacts,
  options: PathFilterOptions = {},
  content?: ContentFiles,
): Manifest {
  const { graph } = facts;
  const keep = makePathFilter(options);
  const root = options.root === undefined
    ? undefined
    : resolvePath("/", options.root);
  const summary = graph.traceSummary();
  const temporaries = new Set(summary.temporaries);
  const first = graph.roots.length > 0
    ? graph.processes[graph.roots[0]]
    : undefined;
  const list = (paths: readonly string[], timed: boolean): ManifestEntry[] =>
    paths.filter(keep).map((abs) => {
      const shown = displayPath(abs, root);
      if (content === undefined) return { path: shown };
      const at = timed ? facts.firstRead.get(abs) ?? facts.start : undefined;
      return describe(abs, shown, content, at);
    }).sort(byPath);
  const command: Manifest["command"] = {};
  if (first?.argv !== undefined) {
    command.argv = normalizeArgv(first.argv, temporaries);
  }
  const cwd = first?.cwd ?? facts.cwd;
  if (cwd !== undefined) command.cwd = cwd;
  const exit = exitOf(first?.exit);
  if (exit !== undefined) command.exit = exit;
  const manifest: Manifest = {
    format: "filemon-manifest",
    version: 1,
    command,
    root,
    digest: undefined,
    inputs: list(summary.inputs, true),
    outputs: list(summary.outputs, false),
    absent: undefined,
    commands: [],
  };
  if (root === undefined) delete manifest.root;
  if (facts.failed) {
    manifest.absent = summary.missing.filter(keep).map((abs) => {
      const e: ManifestEntry = { path: displayPath(abs, root) };
      if (content !== undefined) {
        try {
          if (content.stat(abs) !== undefined) e.changed = true;
        } catch { /* not there to be read: still absent for the run */ }
      }
      return e;
    }).sort(byPath);
  } else delete manifest.absent;
  for (const p of graph.processes) {
    if (!p.execed) continue;
    const c: ManifestCommand = {
      argv: normalizeArgv(p.argv ?? [p.program ?? ""], temporaries),
    };
    const e = exitOf(p.exit);
    if (e !== undefined) c.exit = e;
    manifest.commands.push(c);
  }
  if (content !== undefined) {
    manifest.digest = manifestDigest(manifest, content);
  } else delete manifest.digest;
  return manifest;
}

/** The digest of a manifest's argv, inputs and absent paths (see the module). */
export function manifestDigest(
  manifest: Manifest,
  content: Pick<ContentFiles, "sha256">,
): string {
  const h = content.sha256();
  const enc = new TextEncoder();
  const line = (v: unknown) => h.update(enc.encode(JSON.stringify(v) + "\n"));
  line("filemon-manifest 1");
  line(["argv", manifest.command.argv ?? null]);
  for (const e of manifest.inputs) {
    line(["input", e.path, e.type ?? null, e.sha256 ?? null]);
  }
  for (const e of manifest.absent ?? []) line(["absent", e.path]);
  return h.digest();
}

/**
 * A manifest as text: JSON with the header fields first and one entry a
 * line, ending with a newline.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatManifest, parseManifest } from "./manifest.ts";
 * const m = {
 *   format: "filemon-manifest", version: 1, command: { argv: ["true"] },
 *   inputs: [{ path: "/bin/true" }], outputs: [], commands: [],
 * } as const;
 * const text = formatManifest(structuredClone(m) as never);
 * assertEquals(text.split("\n")[1], '  "format": "filemon-manifest",');
 * assertEquals(parseManifest(text, "m.json"), m);
 * ```
 */
export function formatManifest(manifest: Manifest): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(manifest)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      parts.push(
        value.length === 0
          ? `  ${JSON.stringify(key)}: []`
          : `  ${JSON.stringify(key)}: [\n${
            value.map((v) => `    ${JSON.stringify(v)}`).join(",\n")
          }\n  ]`,
      );
    } else parts.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  }
  return `{\n${parts.join(",\n")}\n}\n`;
}

/**
 * Reads a manifest's text; throws an `Error` naming `name` and what is
 * wrong when it is not one.
 */
export function parseManifest(text: string, name: string): Manifest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `Cannot read manifest '${name}': not JSON (${(err as Error).message})`,
    );
  }
  const bad = (what: string) =>
    new Error(`Cannot read manifest '${name}': ${what}`);
  if (typeof v !== "object" || v === null) throw bad("not an object");
  const m = v as Record<string, unknown>;
  if (m.format !== "filemon-manifest") throw bad("no 'format' field");
  if (m.version !== 1) {
    throw bad(`unknown version ${JSON.stringify(m.version)} (this reads 1)`);
  }
  const entries = (key: string, optional: boolean) => {
    const list = m[key];
    if (list === undefined && optional) return;
    if (
      !Array.isArray(list) ||
      !list.every((e) =>
        typeof e === "object" && e !== null &&
        typeof e.path === "string"
      )
    ) throw bad(`'${key}' is not a list of entries with a path`);
  };
  entries("inputs", false);
  entries("outputs", false);
  entries("absent", true);
  if (
    !Array.isArray(m.commands) ||
    !m.commands.every((c) =>
      typeof c === "object" && c !== null && Array.isArray(c.argv)
    )
  ) throw bad("'commands' is not a list of commands with an argv");
  if (typeof m.command !== "object" || m.command === null) {
    throw bad("no 'command' object");
  }
  return m as unknown as Manifest;
}
