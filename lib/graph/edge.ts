/**
 * The kinds of edge between a process and a file, and their bit masks.
 *
 * @module
 */

/**
 * What a process did to a file. Each kind is one edge process → file.
 *
 * - `read`: opened for reading only (an `rw` open is a write: compilers and
 *   linkers open their outputs O_RDWR, and a filemon log cannot say whether
 *   the open truncated).
 * - `write`: opened for writing, or truncated.
 * - `exec`: executed (counts as a read for inputs and hazards).
 * - `delete`: unlinked, or removed as a directory.
 * - `rename`: renamed onto this path (the edge is on the new name; the old
 *   name is in `Graph.moves`).
 * - `link`: created this path as a hard or symbolic link.
 * - `probe`: stat, access or readlink that succeeded.
 * - `missing`: any call on the path that failed (it carries an `error`):
 *   a lookup, never a read or a write.
 * - `mkdir`: created this path as a directory.
 * - `attr`: chmod, chown or utime.
 */
export type EdgeKind =
  | "read"
  | "write"
  | "exec"
  | "delete"
  | "rename"
  | "link"
  | "probe"
  | "missing"
  | "mkdir"
  | "attr";

/** Every edge kind, in bit order: kind `EDGE_KINDS[i]` is bit `1 << i` of a mask. */
export const EDGE_KINDS: readonly EdgeKind[] = [
  "read",
  "write",
  "exec",
  "delete",
  "rename",
  "link",
  "probe",
  "missing",
  "mkdir",
  "attr",
];

/**
 * The bit of each edge kind in `FileAccess.kinds`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { EDGE_BIT } from "./edge.ts";
 * const kinds = EDGE_BIT.read | EDGE_BIT.write;
 * assert((kinds & EDGE_BIT.write) !== 0);
 * ```
 */
export const EDGE_BIT: Readonly<Record<EdgeKind, number>> = Object.freeze(
  Object.fromEntries(EDGE_KINDS.map((k, i) => [k, 1 << i])) as Record<
    EdgeKind,
    number
  >,
);

/**
 * The edge kinds set in a mask, in `EDGE_KINDS` order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { EDGE_BIT, edgeKinds } from "./edge.ts";
 * assertEquals(edgeKinds(EDGE_BIT.exec | EDGE_BIT.read).join(), "read,exec");
 * ```
 */
export function edgeKinds(mask: number): EdgeKind[] {
  const out: EdgeKind[] = [];
  for (let i = 0; i < EDGE_KINDS.length; i++) {
    if (mask & (1 << i)) out.push(EDGE_KINDS[i]);
  }
  return out;
}

/** Kinds that take a file's content in: read and exec. */
export const READ_KINDS: number = EDGE_BIT.read | EDGE_BIT.exec;

/** Kinds that put content at a path: write, rename (onto it) and link (at it). */
export const PRODUCE_KINDS: number = EDGE_BIT.write | EDGE_BIT.rename |
  EDGE_BIT.link;

/** Kinds that only look a path up: probe and missing. */
export const LOOKUP_KINDS: number = EDGE_BIT.probe | EDGE_BIT.missing;
