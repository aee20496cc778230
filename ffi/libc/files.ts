/**
 * `Files` through libc, for `trace` (and for `decode` and `graph` under
 * Deno for a file name that is not UTF-8): this system's, chosen once.
 * Linux's (`files_linux.ts`: O_TMPFILE outputs, statx, kcmp) and FreeBSD's
 * (`files_freebsd.ts`: a temporary name beside the target, fstatat with
 * FreeBSD's `struct stat`) are each loaded only on their own OS, so that
 * nothing Linux-only is evaluated on FreeBSD.
 *
 * @module
 */

import type { Files } from "../../lib/cli/output.ts";
import type { Input } from "../../lib/cli/io.ts";
import { proc } from "../runtime/process.ts";

const impl = proc.os === "freebsd"
  ? await import("./files_freebsd.ts")
  : await import("./files_linux.ts");

/** libc's implementation of `Files`. */
export const libcFiles: Files = impl.libcFiles;

/**
 * Files read through libc, any name's bytes (standard input stays the
 * runtime's).
 */
export const libcInput: Pick<Input, "open"> = impl.libcInput;
