/**
 * Paths as strings that keep every byte.
 *
 * Unix paths are bytes. Valid UTF-8 becomes an ordinary string; each byte of
 * an invalid sequence becomes the lone surrogate U+DC00 + byte (U+DC80..U+DCFF,
 * PEP 383's "surrogateescape"). A lone surrogate can never come from valid
 * UTF-8, so the mapping is exact both ways.
 *
 * @module
 */

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Decodes bytes to a string; invalid UTF-8 bytes become U+DC80..U+DCFF. */
export function decodePath(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1(bytes, start, end);
  const view = bytes.subarray(start, end);
  try {
    return utf8.decode(view);
  } catch {
    return decodeEscaped(view);
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  const CHUNK = 8192;
  for (let i = start; i < end; i += CHUNK) {
    s += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[],
    );
  }
  return s;
}

/** Slow path: walk the bytes, keeping valid sequences and escaping the rest. */
function decodeEscaped(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80
      ? 1
      : b >= 0xc2 && b <= 0xdf
      ? 2
      : b >= 0xe0 && b <= 0xef
      ? 3
      : b >= 0xf0 && b <= 0xf4
      ? 4
      : 0;
    if (len === 1) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (len > 0 && i + len <= bytes.length) {
      try {
        out += utf8.decode(bytes.subarray(i, i + len));
        i += len;
        continue;
      } catch {
        // fall through: escape this byte alone
      }
    }
    out += String.fromCharCode(0xdc00 + b);
    i++;
  }
  return out;
}

/** Encodes a string made by `decodePath` back to the exact bytes. */
export function encodePath(path: string): Uint8Array {
  if (path.isWellFormed()) return utf8Encoder.encode(path);
  const parts: number[] = [];
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(c - 0xdc00);
      continue;
    }
    const cp = path.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (cp > 0xffff) i++;
    for (const byte of utf8Encoder.encode(ch)) parts.push(byte);
  }
  return Uint8Array.from(parts);
}

/** Base64 of a path's exact bytes (how JSON Lines carries a path that is not UTF-8). */
export function pathToBase64(path: string): string {
  const bytes = encodePath(path);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The path string for bytes given as base64. */
export function pathFromBase64(b64: string): string {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return decodePath(bytes);
}

/**
 * Joins `path` to `base` (when relative) and normalizes `.`, `..` and
 * repeated slashes lexically, the way a log reader must: the file system as
 * it was is not there to ask. `..` never climbs above `root` (a chrooted
 * process's root, as the tracer sees it): an absolute `path` starts there.
 * `base` must be `root` or below it.
 *
 * Lexical `..` is only exact where no name before it is a symlink; the
 * tracer looks such a prefix up for real first (see `splitAtDotDot`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resolvePath } from "./path.ts";
 * assertEquals(resolvePath("/usr/src", "../lib/./x.h"), "/usr/lib/x.h");
 * assertEquals(resolvePath("/a", "/b//c/"), "/b/c");
 * assertEquals(resolvePath("/w", "x"), "/w/x");
 * assertEquals(resolvePath("/jail/home", "../../../etc/passwd", "/jail"), "/jail/etc/passwd");
 * assertEquals(resolvePath("/jail/home", "/etc/passwd", "/jail"), "/jail/etc/passwd");
 * ```
 */
export function resolvePath(base: string, path: string, root = "/"): string {
  const absolute = path.charCodeAt(0) === 0x2f;
  if (root !== "/" && root !== "") {
    const inner = absolute
      ? path
      : base === root
      ? path
      : base.startsWith(root + "/")
      ? `${base.slice(root.length)}/${path}`
      : undefined;
    // A base outside the root (a directory fd opened before chroot): `..`
    // is not held there.
    if (inner === undefined) return resolvePath(base, path);
    const under = resolvePath("/", inner);
    return under === "/" ? root : root + under;
  }
  const full = absolute ? path : `${base}/${path}`;
  if (isNormal(full)) return full;
  const out: string[] = [];
  for (const part of full.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/**
 * Where lexical folding of `path` stops being exact: `dir` is the path up
 * to the last name that a `..` follows (that name may be a symlink, so
 * `dir` must be looked up on the file system), `rest` is what follows it,
 * which folds lexically onto `dir`'s real path. Undefined when no `..`
 * follows a name: then the whole path folds lexically onto its (real)
 * base directory.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { splitAtDotDot } from "./path.ts";
 * assertEquals(splitAtDotDot("link/../data.txt"), { dir: "link", rest: "../data.txt" });
 * assertEquals(
 *   splitAtDotDot("/usr/lib/gcc/x/12/../../../../include/stdio.h"),
 *   { dir: "/usr/lib/gcc/x/12", rest: "../../../../include/stdio.h" },
 * );
 * assertEquals(splitAtDotDot("a/../b/./../c"), { dir: "a/../b", rest: "./../c" });
 * assertEquals(splitAtDotDot("../../x/y"), undefined);
 * assertEquals(splitAtDotDot("/a/./b//c"), undefined);
 * ```
 */
export function splitAtDotDot(
  path: string,
): { dir: string; rest: string } | undefined {
  if (!path.includes("..")) return undefined;
  const parts = path.split("/");
  // The last name (not "", "." or "..") after which, skipping "" and ".",
  // comes a "..".
  let cut = -1;
  let name = -1;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (name >= 0) cut = name;
      name = -1;
    } else {
      name = i;
    }
  }
  if (cut < 0) return undefined;
  const dir = parts.slice(0, cut + 1).join("/");
  return { dir: dir === "" ? "/" : dir, rest: parts.slice(cut + 1).join("/") };
}

/** True when an absolute path has no "//", "/." or trailing "/" to fold. */
function isNormal(path: string): boolean {
  const n = path.length;
  if (n > 1 && path.charCodeAt(n - 1) === 0x2f) return false;
  for (
    let i = path.indexOf("/");
    i >= 0 && i < n - 1;
    i = path.indexOf("/", i + 1)
  ) {
    const next = path.charCodeAt(i + 1);
    if (next === 0x2f || next === 0x2e) return false;
  }
  return true;
}

/** The directory part of a path ("/" for "/x", "." for "x"). */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** The last part of a path ("x" for "/a/x"). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
