/**
 * The `.MAKE.MODE` that `filemon bmake` gives bmake on its command line:
 * meta mode, and `missing-filemon=yes` so that a `.meta` file without a
 * filemon section (its job was interrupted) makes its target out of date.
 *
 * @module
 */

/** The assignment added when the arguments set no `.MAKE.MODE`. */
export const DEFAULT_META_MODE = ".MAKE.MODE=meta missing-filemon=yes";

/**
 * bmake's arguments with meta mode on: a `.MAKE.MODE=...` the user gave
 * gets `meta` and `missing-filemon=yes` when it lacks them (the last such
 * assignment is the one bmake uses); otherwise `DEFAULT_META_MODE` is
 * added. A variable given on bmake's command line overrides the
 * makefile's, and reaches sub-makes through MAKEFLAGS.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { withMetaMode } from "./meta_mode.ts";
 * assertEquals(withMetaMode(["-j4", "all"]), [
 *   "-j4",
 *   "all",
 *   ".MAKE.MODE=meta missing-filemon=yes",
 * ]);
 * assertEquals(withMetaMode([".MAKE.MODE=curdirok=yes verbose"]), [
 *   ".MAKE.MODE=meta curdirok=yes verbose missing-filemon=yes",
 * ]);
 * assertEquals(withMetaMode([".MAKE.MODE=meta missing-filemon=no"]), [
 *   ".MAKE.MODE=meta missing-filemon=no",
 * ]);
 * ```
 */
export function withMetaMode(args: readonly string[]): string[] {
  const out = [...args];
  let at = -1;
  for (let i = 0; i < out.length; i++) {
    if (out[i].startsWith(".MAKE.MODE=")) at = i;
  }
  if (at < 0) return [...out, DEFAULT_META_MODE];
  const words = out[at].slice(".MAKE.MODE=".length).split(/\s+/)
    .filter((w) => w !== "");
  // bmake looks for these as substrings of the lower-cased value.
  const lower = words.map((w) => w.toLowerCase());
  if (!lower.some((w) => w.includes("meta"))) words.unshift("meta");
  if (!lower.some((w) => w.startsWith("missing-filemon="))) {
    words.push("missing-filemon=yes");
  }
  out[at] = `.MAKE.MODE=${words.join(" ")}`;
  return out;
}
