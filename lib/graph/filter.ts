/**
 * Which paths a writer shows, and how it names them: the `root`, `system`,
 * `include` and `exclude` options every writer shares.
 *
 * @module
 */

import { pathOf, type TraceEvent } from "../event.ts";
import { resolvePath } from "../path.ts";
import { globToRegExp } from "./glob.ts";

/** The path options every writer takes. */
export interface PathFilterOptions {
  /** Keep only paths under this directory, and show them relative to it. */
  root?: string;
  /** Keep system paths (see `SYSTEM_DIRS`); dropped by default, unless under `root`. */
  system?: boolean;
  /**
   * Keep only paths matching one of these globs (see `globToRegExp`). A glob
   * that starts with `/` is matched against the absolute path; any other
   * against the path as shown (relative to `root` when under it).
   */
  include?: readonly string[];
  /** Drop paths matching any of these globs (matched like `include`). */
  exclude?: readonly string[];
}

/** Directories whose files are the system's, not the build's. */
export const SYSTEM_DIRS: readonly string[] = [
  "/usr",
  "/lib",
  "/lib64",
  "/etc",
  "/proc",
  "/dev",
  "/sys",
  "/bin",
  "/sbin",
  "/run",
  "/var/lib",
  "/var/cache",
];

/**
 * The entry of `SYSTEM_DIRS` a path is in (or is), if any.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { systemDir } from "./filter.ts";
 * assertEquals(systemDir("/usr/include/stdio.h"), "/usr");
 * assertEquals(systemDir("/var/lib/dpkg/status"), "/var/lib");
 * assertEquals(systemDir("/usrx/a"), undefined);
 * ```
 */
export function systemDir(path: string): string | undefined {
  for (const dir of SYSTEM_DIRS) {
    if (isUnder(dir, path)) return dir;
  }
  return undefined;
}

/**
 * True when `path` is `dir` or inside it (lexically; both absolute and normalized).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isUnder } from "./filter.ts";
 * assert(isUnder("/src", "/src/a.c") && isUnder("/src", "/src"));
 * assert(!isUnder("/src", "/srcx/a.c") && isUnder("/", "/a"));
 * ```
 */
export function isUnder(dir: string, path: string): boolean {
  if (dir === "/") return path.startsWith("/");
  return path.startsWith(dir) &&
    (path.length === dir.length || path.charCodeAt(dir.length) === 0x2f);
}

/**
 * A path as writers show it: relative to `root` when under it (`.` for the
 * root itself), else unchanged.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { displayPath } from "./filter.ts";
 * assertEquals(displayPath("/w/src/a.c", "/w"), "src/a.c");
 * assertEquals(displayPath("/tmp/x", "/w"), "/tmp/x");
 * assertEquals(displayPath("/w", "/w/"), ".");
 * ```
 */
export function displayPath(path: string, root?: string): string {
  if (root === undefined) return path;
  const r = resolvePath("/", root);
  if (!isUnder(r, path)) return path;
  if (path.length === r.length) return ".";
  return path.slice(r === "/" ? 1 : r.length + 1);
}

interface CompiledGlob {
  absolute: boolean;
  re: RegExp;
}

/**
 * Compiles the path options into one test. Relative paths (those no
 * working directory could resolve) are kept whatever `root` says, and only
 * relative globs apply to them.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { makePathFilter } from "./filter.ts";
 * const keep = makePathFilter({ root: "/w", exclude: ["**\/*.o"] });
 * assert(keep("/w/src/a.c"));
 * assert(!keep("/w/src/a.o"));
 * assert(!keep("/usr/include/stdio.h"));
 * assert(!keep("/home/me/other.c"));
 * ```
 */
export function makePathFilter(
  options: PathFilterOptions = {},
): (absPath: string) => boolean {
  const root = options.root === undefined
    ? undefined
    : resolvePath("/", options.root);
  const system = options.system === true;
  const compile = (glob: string): CompiledGlob => ({
    absolute: glob.startsWith("/"),
    re: globToRegExp(glob),
  });
  const include = (options.include ?? []).map(compile);
  const exclude = (options.exclude ?? []).map(compile);
  return (path: string): boolean => {
    const absolute = path.startsWith("/");
    const inside = absolute && root !== undefined && isUnder(root, path);
    if (absolute && root !== undefined && !inside) return false;
    if (absolute && !inside && !system && systemDir(path) !== undefined) {
      return false;
    }
    const shown = inside ? displayPath(path, root) : path;
    const matches = (g: CompiledGlob) =>
      g.absolute ? absolute && g.re.test(path) : g.re.test(shown);
    if (include.length > 0 && !include.some(matches)) return false;
    return !exclude.some(matches);
  };
}

/**
 * Whether a trace record passes a path filter: the process tree (exec, fork,
 * exit, chdir) always does; a link or rename when either path does; any
 * other record by its absolute path.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { eventKept, makePathFilter } from "./filter.ts";
 * const keep = makePathFilter({ root: "/w" });
 * assertEquals(eventKept({ op: "open", pid: 1, path: "/etc/x", mode: "r" }, keep), false);
 * assertEquals(eventKept({ op: "exec", pid: 1, path: "/bin/sh" }, keep), true);
 * assertEquals(eventKept({ op: "rename", pid: 1, from: "/tmp/a", to: "/w/a" }, keep), true);
 * ```
 */
export function eventKept(
  event: TraceEvent,
  keep: (absPath: string) => boolean,
): boolean {
  switch (event.op) {
    case "exec":
    case "fork":
    case "exit":
    case "chdir":
      return true;
    case "link":
    case "rename":
      return keep(event.from_abs ?? event.from) ||
        keep(event.to_abs ?? event.to);
    default:
      return "path" in event ? keep(pathOf(event)) : true;
  }
}
