/**
 * What differs between two runs, from their manifests (`lib/manifest`):
 * inputs, outputs and absent paths added, removed or changed (by content
 * hash when both sides have one, else by presence and type), commands run
 * by one side only (their argv, as multisets), and commands run by both
 * whose exit status differs.
 *
 * JSON form (`diffJson`), version 1:
 *
 * ```text
 * {
 *   "format": "filemon-diff", "version": 1,
 *   "equal": boolean,
 *   "inputs":  { "added": [string], "removed": [string], "changed": [string] },
 *   "outputs": { "added": [string], "removed": [string], "changed": [string] },
 *   "absent":  { "added": [string], "removed": [string], "changed": [] },
 *   "commands": { "onlyA": [[string]], "onlyB": [[string]] },   // argv lists
 *   "exits": [{ "argv": [string], "a": Exit, "b": Exit }]        // Exit = { "status", "signal"? } or null
 * }
 * ```
 *
 * Paths are as the manifests give them (relative to their `root`); lists
 * are shortest first, then in code-unit order.
 *
 * @module
 */

import type { Manifest, ManifestEntry } from "../manifest/manifest.ts";
import type { ProcessExit } from "../graph/mod.ts";

/** Paths added (in B only), removed (in A only) and changed. */
export interface PathChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** One command run by both sides with different exit statuses. */
export interface ExitChange {
  argv: string[];
  a: ProcessExit | null;
  b: ProcessExit | null;
}

/** The difference of two manifests. */
export interface ManifestDiff {
  equal: boolean;
  inputs: PathChanges;
  outputs: PathChanges;
  absent: PathChanges;
  commands: { onlyA: string[][]; onlyB: string[][] };
  exits: ExitChange[];
}

/** Shortest first, then code-unit order. */
export function shortestFirst(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function compareEntries(
  a: readonly ManifestEntry[],
  b: readonly ManifestEntry[],
): PathChanges {
  const inA = new Map(a.map((e) => [e.path, e]));
  const inB = new Map(b.map((e) => [e.path, e]));
  const out: PathChanges = { added: [], removed: [], changed: [] };
  for (const [path, ea] of inA) {
    const eb = inB.get(path);
    if (eb === undefined) out.removed.push(path);
    else if (
      (ea.sha256 !== undefined && eb.sha256 !== undefined &&
        ea.sha256 !== eb.sha256) ||
      (ea.type !== undefined && eb.type !== undefined && ea.type !== eb.type)
    ) out.changed.push(path);
  }
  for (const path of inB.keys()) if (!inA.has(path)) out.added.push(path);
  for (const list of Object.values(out)) list.sort(shortestFirst);
  return out;
}

function sameExit(a: ProcessExit | undefined, b: ProcessExit | undefined) {
  return a?.status === b?.status && (a?.signal ?? 0) === (b?.signal ?? 0);
}

/**
 * Compares two manifests.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import type { Manifest } from "../manifest/manifest.ts";
 * import { diffManifests } from "./diff.ts";
 * const run = (hash: string, status: number): Manifest => ({
 *   format: "filemon-manifest", version: 1, command: {},
 *   inputs: [{ path: "a.c", sha256: hash }], outputs: [],
 *   commands: [{ argv: ["cc"], exit: { status } }],
 * });
 * const d = diffManifests(run("aa", 0), run("ab", 1));
 * assertEquals(d.inputs.changed, ["a.c"]);
 * assertEquals(d.exits, [{ argv: ["cc"], a: { status: 0 }, b: { status: 1 } }]);
 * assertEquals(d.equal, false);
 * ```
 */
export function diffManifests(a: Manifest, b: Manifest): ManifestDiff {
  const byArgv = (m: Manifest) => {
    const map = new Map<string, (ProcessExit | undefined)[]>();
    for (const c of m.commands) {
      const key = JSON.stringify(c.argv);
      const list = map.get(key);
      if (list === undefined) map.set(key, [c.exit]);
      else list.push(c.exit);
    }
    return map;
  };
  const ca = byArgv(a);
  const cb = byArgv(b);
  const onlyA: string[][] = [];
  const onlyB: string[][] = [];
  const exits: ExitChange[] = [];
  for (const [key, ea] of ca) {
    const eb = cb.get(key) ?? [];
    const argv = JSON.parse(key) as string[];
    for (let i = eb.length; i < ea.length; i++) onlyA.push(argv);
    // Runs of the same command, paired in trace order.
    for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
      if (!sameExit(ea[i], eb[i])) {
        exits.push({ argv, a: ea[i] ?? null, b: eb[i] ?? null });
      }
    }
  }
  for (const [key, eb] of cb) {
    const n = ca.get(key)?.length ?? 0;
    for (let i = n; i < eb.length; i++) onlyB.push(JSON.parse(key));
  }
  const d: ManifestDiff = {
    equal: false,
    inputs: compareEntries(a.inputs, b.inputs),
    outputs: compareEntries(a.outputs, b.outputs),
    absent: compareEntries(a.absent ?? [], b.absent ?? []),
    commands: { onlyA, onlyB },
    exits,
  };
  d.equal =
    [d.inputs, d.outputs, d.absent].every((c) =>
      c.added.length + c.removed.length + c.changed.length === 0
    ) && onlyA.length + onlyB.length + exits.length === 0;
  return d;
}

/** The diff as JSON (see the module's schema), with a final newline. */
export function diffJson(d: ManifestDiff): string {
  return JSON.stringify({ format: "filemon-diff", version: 1, ...d }) + "\n";
}

/** An argv as a shell would read it back (words with specials single-quoted). */
export function shellWords(argv: readonly string[]): string {
  return argv.map((w) =>
    /^[\w@%+=:,./<>-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`
  ).join(" ");
}

function exitText(e: ProcessExit | null): string {
  if (e === null) return "no exit";
  return e.signal ? `signal ${e.signal}` : `status ${e.status}`;
}

/**
 * The diff for people: one group a kind of change, a heading with the
 * count, then the paths or commands indented; nothing when equal.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import type { Manifest } from "../manifest/manifest.ts";
 * import { diffManifests, diffText } from "./diff.ts";
 * const m = (h: string): Manifest => ({
 *   format: "filemon-manifest", version: 1, command: {}, commands: [],
 *   inputs: [{ path: "x.h", sha256: h }], outputs: [],
 * });
 * assertEquals(diffText(diffManifests(m("1"), m("2"))), "inputs changed (1):\n  x.h\n");
 * assertEquals(diffText(diffManifests(m("1"), m("1"))), "");
 * ```
 */
export function diffText(d: ManifestDiff): string {
  let text = "";
  const group = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    text += `${title} (${lines.length}):\n`;
    for (const l of lines) text += `  ${l}\n`;
  };
  for (const kind of ["inputs", "outputs", "absent"] as const) {
    const c = d[kind];
    const name = kind === "absent" ? "absent paths" : kind;
    group(`${name} added`, c.added);
    group(`${name} removed`, c.removed);
    group(`${name} changed`, c.changed);
  }
  const commands = (list: string[][]) =>
    list.map(shellWords).sort(shortestFirst);
  group("commands only in A", commands(d.commands.onlyA));
  group("commands only in B", commands(d.commands.onlyB));
  group(
    "exit status differs",
    d.exits.map((e) =>
      `${shellWords(e.argv)}: ${exitText(e.a)} -> ${exitText(e.b)}`
    ).sort(shortestFirst),
  );
  return text;
}
