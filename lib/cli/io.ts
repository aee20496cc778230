/**
 * The one I/O interface the commands share, handed in by `main.ts`: file
 * operations for output (`Files`), input streams, and lines to standard
 * output and error written through the same operations.
 *
 * @module
 */

import { FileError, type Files, Output } from "./output.ts";

/** Reading input. */
export interface Input {
  /** Standard input as a stream. */
  stdin(): ReadableStream<Uint8Array>;
  /** A file as a stream; throws `FileError` when it cannot be opened or is a directory. */
  open(path: string): Promise<ReadableStream<Uint8Array>>;
}

/** What a command reads and writes through. */
export interface CommandIO {
  readonly files: Files;
  readonly input: Input;
}

/** Writes all of `text` to handle 1 or 2, ignoring failure (a closed stream). */
function writeLine(io: CommandIO, fd: 1 | 2, text: string): void {
  const out = Output.open(io.files, undefined, fd);
  out.write(text + "\n");
  try {
    out.close();
  } catch { /* nowhere left to say it */ }
}

/** Writes a line to standard output. */
export function printLine(io: CommandIO, text: string): void {
  writeLine(io, 1, text);
}

/** Writes a line to standard error. */
export function printError(io: CommandIO, text: string): void {
  writeLine(io, 2, text);
}

/** Reads a file, or standard input for "-" / undefined. Errors name the file. */
export async function openInput(
  io: CommandIO,
  path: string | undefined,
): Promise<ReadableStream<Uint8Array>> {
  if (path === undefined || path === "-") return io.input.stdin();
  try {
    return await io.input.open(path);
  } catch (err) {
    const code = err instanceof FileError ? err.code : "";
    const why = code === "ENOENT"
      ? "no such file"
      : code === "EACCES" || code === "EPERM"
      ? "permission denied"
      : code === "EISDIR"
      ? "it is a directory"
      : err instanceof Error
      ? err.message
      : String(err);
    throw new Error(`Cannot read '${path}': ${why}`);
  }
}
