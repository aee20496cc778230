/**
 * Classes of operations a user can ask a trace to record (`--ops`), the
 * same on every backend: which class a system call or device record belongs
 * to is each backend's knowledge.
 *
 * @module
 */

/**
 * Classes of operations a user can ask for (`--ops`). Besides the calls
 * their names say: `mkdir` also asks for mknod/mknodat (mkfifo, device
 * nodes) and bind of a Unix socket path (nodes made in a directory);
 * `chmod` for setxattr and removexattr (ACLs, capabilities, labels: the
 * file's attributes); `probe` for getxattr, listxattr and O_PATH opens
 * (`lookup`: the path looked up, nothing read).
 */
export type OpClass =
  | "read"
  | "write"
  | "exec"
  | "chdir"
  | "unlink"
  | "link"
  | "rename"
  | "mkdir"
  | "rmdir"
  | "truncate"
  | "chmod"
  | "chown"
  | "utime"
  | "probe";

/** The classes filemon(4) itself records: R, W, E, C, D, L, M. */
export const DEFAULT_CLASSES: readonly OpClass[] = [
  "read",
  "write",
  "exec",
  "chdir",
  "unlink",
  "link",
  "rename",
];

/** Every class. */
export const ALL_CLASSES: readonly OpClass[] = [
  ...DEFAULT_CLASSES,
  "mkdir",
  "rmdir",
  "truncate",
  "chmod",
  "chown",
  "utime",
  "probe",
];

/** fsatrace-style one-letter names of the classes. */
export const CLASS_LETTERS: Readonly<Record<string, OpClass>> = {
  r: "read",
  w: "write",
  e: "exec",
  c: "chdir",
  d: "unlink",
  l: "link",
  m: "rename",
  k: "mkdir",
  x: "rmdir",
  t: "truncate",
  a: "chmod",
  o: "chown",
  u: "utime",
  q: "probe",
};

/**
 * Parses an `--ops` list: comma-separated class names or letters, plus
 * `default` and `all`; `+` before the list adds to the defaults.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseOps } from "./ops.ts";
 * assertEquals([...parseOps("rw")], ["read", "write"]);
 * assertEquals(parseOps("+probe").size, 8);
 * assertEquals([...parseOps("exec,q")], ["exec", "probe"]);
 * assertThrows(() => parseOps("z"), Error, "unknown operation 'z'");
 * ```
 */
export function parseOps(spec: string): Set<OpClass> {
  const out = new Set<OpClass>();
  let text = spec.trim();
  if (text.startsWith("+")) {
    for (const c of DEFAULT_CLASSES) out.add(c);
    text = text.slice(1);
  }
  const names = new Set<string>(ALL_CLASSES);
  for (const raw of text.split(",")) {
    const word = raw.trim();
    if (word === "") continue;
    if (word === "all") ALL_CLASSES.forEach((c) => out.add(c));
    else if (word === "default") DEFAULT_CLASSES.forEach((c) => out.add(c));
    else if (names.has(word)) out.add(word as OpClass);
    else if (
      /^[a-z]+$/.test(word) && [...word].every((l) => l in CLASS_LETTERS)
    ) {
      for (const l of word) out.add(CLASS_LETTERS[l]);
    } else {
      throw new Error(
        `unknown operation '${word}' in --ops (names: ${
          ALL_CLASSES.join(", ")
        }, all, default; letters: ${Object.keys(CLASS_LETTERS).join("")})`,
      );
    }
  }
  return out;
}
