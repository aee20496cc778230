/**
 * Files through the runtime's own API (so `decode` and `graph` need file
 * permissions only, not native calls): Deno's or Bun's, chosen once.
 *
 * @module
 */

import type { Files, Input } from "./types.ts";
import { IS_BUN } from "./which.ts";

export { FileError, type FileKind, type Files, type Input } from "./types.ts";

const impl = IS_BUN
  ? await import("./bun/files.ts")
  : await import("./deno/files.ts");

/** Synchronous file operations for the output writer. */
export const files: Files = impl.files;
/** Standard input and files as streams. */
export const input: Input = impl.input;
/**
 * Whether `files` and `input` can name any file: false under Deno, whose
 * file API cannot name a file that is not UTF-8 (then libc's files serve,
 * where native calls are allowed).
 */
export const bytePaths: boolean = impl.bytePaths;
