/**
 * The command line's exact bytes. Deno and Bun decode their arguments as
 * UTF-8 and put U+FFFD where a byte is not, so `cat $'f\xff'` under the
 * tracer would open `f\uFFFD`. On Linux /proc/self/cmdline holds the bytes
 * as the process was started with them: its last entries are the
 * arguments the runtime gives, and each is taken from there as a
 * lib/path.ts string (a byte that is not UTF-8 becomes U+DC80 + byte, which
 * libc calls and output turn back into the byte).
 *
 * @module
 */

import { decodePath } from "../../lib/path.ts";

const lossy = new TextDecoder();

/** Runs of U+FFFD as one, so decoders that replace per byte or per sequence compare equal. */
function folded(text: string): string {
  return text.replace(/\uFFFD+/g, "\uFFFD");
}

/**
 * `args` (as the runtime decoded them) with each argument that has a
 * U+FFFD replaced by its exact bytes from `cmdline` (the NUL-separated
 * contents of /proc/self/cmdline), matched from the end; `args` as they
 * are when every one is valid UTF-8, or when `cmdline()` is undefined or
 * does not end with them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { rawArgs } from "./raw_args.ts";
 * const cmdline = new Uint8Array([
 *   ...new TextEncoder().encode("deno\0run\0main.ts\0cat\0f"), 0xff, 0,
 * ]);
 * assertEquals(rawArgs(["cat", "f\uFFFD"], () => cmdline), ["cat", "f\uDCFF"]);
 * assertEquals(rawArgs(["cat", "g\uFFFD"], () => cmdline), ["cat", "g\uFFFD"]);
 * assertEquals(rawArgs(["cat", "x"], () => undefined), ["cat", "x"]);
 * ```
 */
export function rawArgs(
  args: readonly string[],
  cmdline: () => Uint8Array | undefined,
): string[] {
  const out = [...args];
  if (!args.some((a) => a.includes("\uFFFD"))) return out;
  const bytes = cmdline();
  if (bytes === undefined) return out;
  const entries: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      entries.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < bytes.length) entries.push(bytes.subarray(start));
  if (entries.length < args.length) return out;
  const offset = entries.length - args.length;
  // All or nothing: a command line that does not end with the arguments
  // (rewritten, or arguments the runtime added) leaves them as they are.
  for (let i = 0; i < args.length; i++) {
    if (folded(lossy.decode(entries[offset + i])) !== folded(args[i])) {
      return out;
    }
  }
  for (let i = 0; i < args.length; i++) {
    if (args[i].includes("\uFFFD")) out[i] = decodePath(entries[offset + i]);
  }
  return out;
}
