/**
 * The command line's exact bytes. Deno and Bun decode their arguments as
 * UTF-8 and put U+FFFD where a byte is not, so `cat $'f\xff'` under the
 * tracer would open `f\uFFFD`. On Linux /proc/self/cmdline holds the bytes
 * as the process was started with them: its last entries are the
 * arguments the runtime gives, and each is taken from there as a
 * lib/path.ts string (a byte that is not UTF-8 becomes U+DC80 + byte, which
 * libc calls and output turn back into the byte). On FreeBSD, which does
 * not mount /proc by default, the same bytes come from the `kern.proc.args`
 * sysctl (`kernProcArgs`).
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

/** sys/sysctl.h: CTL_KERN, KERN_PROC, KERN_PROC_ARGS. */
export const KERN_PROC_ARGS_MIB = [1, 14, 7] as const;

/** The libc.so.7 functions `kernProcArgs` calls, for a runtime's dlopen. */
export const SYSCTL_SYMBOLS = {
  // int sysctl(const int *name, u_int namelen, void *oldp, size_t *oldlenp,
  //            const void *newp, size_t newlen);  FBSD_1.0
  sysctl: {
    parameters: ["buffer", "u32", "buffer", "buffer", "buffer", "usize"],
    result: "i32",
  },
  // pid_t getpid(void);  FBSD_1.0
  getpid: { parameters: [], result: "i32" },
} as const;

/** sysctl(3) as the runtime's FFI gives it (buffers for pointers, NULL as null). */
export type Sysctl = (
  name: Uint8Array<ArrayBuffer>,
  namelen: number,
  oldp: Uint8Array<ArrayBuffer> | null,
  oldlenp: Uint8Array<ArrayBuffer>,
  newp: Uint8Array<ArrayBuffer> | null,
  newlen: bigint,
) => number;

/**
 * FreeBSD's counterpart of /proc/self/cmdline (which FreeBSD does not mount
 * by default): `kern.proc.args` of `pid` through `sysctl`, its arguments
 * NUL-separated as the process was started with them. One call asks for
 * the size, the next reads (again, larger, while the arguments do not fit:
 * ENOMEM); undefined when sysctl fails otherwise.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { kernProcArgs } from "./raw_args.ts";
 * const args = new TextEncoder().encode("deno\0run\0x\0");
 * const sysctl = (_n: Uint8Array, _l: number, old: Uint8Array | null, len: Uint8Array) => {
 *   const lenView = new DataView(len.buffer);
 *   if (old !== null) old.set(args);
 *   lenView.setBigUint64(0, BigInt(args.length), true);
 *   return 0;
 * };
 * assertEquals(kernProcArgs(sysctl, 77), args);
 * ```
 */
export function kernProcArgs(
  sysctl: Sysctl,
  pid: number,
): Uint8Array | undefined {
  const mib = new Int32Array(new ArrayBuffer(16));
  mib.set([...KERN_PROC_ARGS_MIB, pid]);
  const name = new Uint8Array(mib.buffer);
  const len = new Uint8Array(new ArrayBuffer(8));
  const lenView = new DataView(len.buffer);
  if (sysctl(name, 4, null, len, null, 0n) !== 0) return undefined;
  for (let tries = 0; tries < 4; tries++) {
    const size = Number(lenView.getBigUint64(0, true)) + 4096;
    const out = new Uint8Array(new ArrayBuffer(size));
    lenView.setBigUint64(0, BigInt(size), true);
    if (sysctl(name, 4, out, len, null, 0n) === 0) {
      return out.slice(0, Number(lenView.getBigUint64(0, true)));
    }
    // The only failure worth a retry (ENOMEM: grown meanwhile) cannot be
    // told from here without errno: try again, larger, a few times.
  }
  return undefined;
}
