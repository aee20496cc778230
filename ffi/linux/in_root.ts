/**
 * Paths as openat2(2) resolves them with RESOLVE_IN_ROOT: the directory fd
 * is the root, so an absolute path starts there and `..` never climbs above
 * it.
 *
 * @module
 */

import { resolvePath } from "../../lib/path.ts";

/**
 * The absolute path that `path` names when `root` is the root directory
 * (RESOLVE_IN_ROOT): a leading `/` and every `..` stay inside `root`.
 * Folded without consulting the file system, like `resolvePath` (a symlink
 * inside is also resolved inside `root` by the kernel, and is not followed
 * here).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resolveInRoot } from "./in_root.ts";
 * assertEquals(resolveInRoot("/w/sub", "/b"), "/w/sub/b");
 * assertEquals(resolveInRoot("/w/sub", "../../etc/passwd"), "/w/sub/etc/passwd");
 * assertEquals(resolveInRoot("/w/sub", "a/../b"), "/w/sub/b");
 * assertEquals(resolveInRoot("/", "/x/../y"), "/y");
 * assertEquals(resolveInRoot("/w/sub", ""), "/w/sub");
 * ```
 */
export function resolveInRoot(root: string, path: string): string {
  // Fold the path as if "/" were the root (".." at the top stays there),
  // then put it under `root`.
  const inside = resolvePath("/", path);
  if (inside === "/") return root;
  return root === "/" ? inside : root + inside;
}
