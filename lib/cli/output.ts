/**
 * The one output writer of every command: standard output or error, or a
 * file that appears whole or not at all.
 *
 * - A new or regular file is written to an unnamed file (O_TMPFILE) in the
 *   target's directory where the file system has them — invisible to a
 *   traced command — or else under a hidden temporary name beside it
 *   (`.NAME.PID.tmp`), and renamed over the target when complete. Readers
 *   never see half an output, and a failed run leaves an old file as it was.
 * - Anything else (a symlink, a device such as /dev/null, a FIFO) is written
 *   through directly and never replaced.
 *
 * A failed write does not throw: a traced command must go on undisturbed.
 * The output remembers the failure (`failed`) and `close()` reports it.
 *
 * The file operations come from outside (`Files`): the runtime's file API for
 * `decode` and `graph`, libc for `trace`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type Files, Output } from "./output.ts";
 * const disk = new Map<string, string>();
 * const open = new Map<number, { path: string; text: string }>();
 * let next = 3;
 * const files: Files = {
 *   kind: (p) => disk.has(p) ? "regular" : "missing",
 *   openWrite: (path) => (open.set(next, { path, text: "" }), next++),
 *   openUnnamed: () => undefined,
 *   linkUnnamed: () => {},
 *   write: (h, b) => (open.get(h)!.text += new TextDecoder().decode(b), b.length),
 *   close: (h) => { const f = open.get(h)!; disk.set(f.path, f.text); },
 *   rename: (a, b) => { disk.set(b, disk.get(a)!); disk.delete(a); },
 *   unlink: (p) => { disk.delete(p); },
 *   pid: () => 42,
 * };
 * const out = Output.open(files, "/w/trace.log", 1);
 * out.write("W 1 /w/a\n");
 * assertEquals([...disk.keys()], []);
 * out.close();
 * assertEquals([...disk.entries()], [["/w/trace.log", "W 1 /w/a\n"]]);
 * ```
 *
 * @module
 */

import { encodePath } from "../path.ts";

/** What kind of thing a path names, without following a symlink. */
export type FileKind = "missing" | "regular" | "other";

/** An error from a file operation, with the errno name ("ENOENT", "EACCES"). */
export class FileError extends Error {
  /** The errno name. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "FileError";
    this.code = code;
  }

  /**
   * Runs `fn`; an error it throws that carries an errno name in `code` (a
   * runtime's file error, a `LibcError`) becomes a `FileError`.
   */
  static wrap<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof FileError) throw err;
      const code = (err as { code?: unknown }).code;
      throw new FileError(
        typeof code === "string" ? code : "EIO",
        err instanceof Error ? err.message : String(err),
      );
    }
  }
}

/**
 * Synchronous file operations on small integer handles (1 and 2 are
 * standard output and error). They throw `FileError`.
 */
export interface Files {
  /** What `path` is, without following a symlink. */
  kind(path: string): FileKind;
  /** Opens for writing: created with mode 0666 & ~umask, truncated. */
  openWrite(path: string): number;
  /** An unnamed file in `dir` (O_TMPFILE), or undefined where there is none. */
  openUnnamed(dir: string): number | undefined;
  /** Gives the unnamed file `handle` the new name `path` (which must not exist). */
  linkUnnamed(handle: number, path: string): void;
  /** Writes some of `bytes`; returns how many. */
  write(handle: number, bytes: Uint8Array): number;
  /** Closes a handle from `openWrite` or `openUnnamed`. */
  close(handle: number): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** This process's id (temporary names carry it). */
  pid(): number;
}

/** Text gathered before a write. */
const FLUSH_AT = 1 << 16;

/** Why an operation failed, in words. */
function reason(err: unknown, missing: string): string {
  if (err instanceof FileError) {
    if (err.code === "ENOENT") return missing;
    if (err.code === "EACCES" || err.code === "EPERM") {
      return "permission denied";
    }
    if (err.code === "EISDIR") return "it is a directory";
    if (err.code === "ENOSPC") return "no space left on the device";
    if (err.code === "EPIPE") return "the reader has gone (broken pipe)";
  }
  return err instanceof Error ? err.message : String(err);
}

type Mode =
  | { kind: "stream" }
  | { kind: "direct" }
  | { kind: "unnamed" }
  | { kind: "named"; tmp: string };

/** Buffered output to standard output or error, or to a file put in place whole. */
export class Output {
  #files: Files;
  #handle: number;
  #path: string;
  #mode: Mode;
  #text = "";
  #error: string | undefined;

  private constructor(files: Files, handle: number, path: string, mode: Mode) {
    this.#files = files;
    this.#handle = handle;
    this.#path = path;
    this.#mode = mode;
  }

  /**
   * Standard output ("-"), the stream `stream` (1 or 2) when `path` is
   * undefined, or the file `path`. Throws, naming the file, when it cannot
   * be written at all.
   */
  static open(files: Files, path: string | undefined, stream: 1 | 2): Output {
    if (path === undefined || path === "-") {
      const fd = path === "-" ? 1 : stream;
      const name = fd === 1 ? "standard output" : "standard error";
      return new Output(files, fd, name, { kind: "stream" });
    }
    const cannot = (err: unknown): never => {
      throw new Error(
        `Cannot write '${path}': ${reason(err, "no such directory")}`,
      );
    };
    try {
      if (files.kind(path) === "other") {
        return new Output(files, files.openWrite(path), path, {
          kind: "direct",
        });
      }
      const slash = path.lastIndexOf("/");
      const dir = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
      const unnamed = files.openUnnamed(dir);
      if (unnamed !== undefined) {
        return new Output(files, unnamed, path, { kind: "unnamed" });
      }
      const tmp = `${path.slice(0, slash + 1)}.${
        path.slice(slash + 1)
      }.${files.pid()}.tmp`;
      return new Output(files, files.openWrite(tmp), path, {
        kind: "named",
        tmp,
      });
    } catch (err) {
      return cannot(err);
    }
  }

  /** Whether a write has failed (later writes are dropped; `close()` throws). */
  get failed(): boolean {
    return this.#error !== undefined;
  }

  /** Appends text (paths' odd bytes kept) or bytes; writes when enough has gathered. */
  write(chunk: string | Uint8Array): void {
    if (typeof chunk === "string") {
      this.#text += chunk;
      if (this.#text.length >= FLUSH_AT) this.flush();
      return;
    }
    this.flush();
    this.#writeBytes(chunk);
  }

  /** Writes what has gathered. */
  flush(): void {
    if (this.#text.length === 0) return;
    const text = this.#text;
    this.#text = "";
    this.#writeBytes(encodePath(text));
  }

  #writeBytes(bytes: Uint8Array): void {
    if (this.#error !== undefined) return;
    let off = 0;
    try {
      while (off < bytes.length) {
        off += this.#files.write(this.#handle, bytes.subarray(off));
      }
    } catch (err) {
      this.#error = reason(err, "no such file");
    }
  }

  /**
   * Flushes and, for a file, puts it in place. Throws an error naming the
   * output when any of it could not be written.
   */
  close(): void {
    this.flush();
    const mode = this.#mode;
    if (this.#error !== undefined) {
      this.#discard();
      throw new Error(`Cannot write to ${this.#name()}: ${this.#error}`);
    }
    if (mode.kind === "stream") return;
    const files = this.#files;
    try {
      if (mode.kind === "unnamed") {
        // Link the unnamed file in under a temporary name (while it is
        // open), then rename it over the target: a link cannot replace.
        const tmp = `${this.#path}.${files.pid()}.tmp`;
        try {
          files.linkUnnamed(this.#handle, tmp);
        } finally {
          files.close(this.#handle);
        }
        this.#renameIntoPlace(tmp);
      } else if (mode.kind === "named") {
        files.close(this.#handle);
        this.#renameIntoPlace(mode.tmp);
      } else {
        files.close(this.#handle);
      }
    } catch (err) {
      throw new Error(
        `Cannot write to ${this.#name()}: ${
          reason(err, "its directory is gone")
        }`,
      );
    }
  }

  #renameIntoPlace(tmp: string): void {
    try {
      this.#files.rename(tmp, this.#path);
    } catch (err) {
      try {
        this.#files.unlink(tmp);
      } catch { /* already gone */ }
      throw err;
    }
  }

  /** Drops a file's partial output (an old file stays as it was). */
  abort(): void {
    if (this.#mode.kind === "stream") {
      this.flush();
      return;
    }
    this.#text = "";
    this.#discard();
  }

  #discard(): void {
    if (this.#mode.kind === "stream") return;
    try {
      this.#files.close(this.#handle);
      if (this.#mode.kind === "named") this.#files.unlink(this.#mode.tmp);
    } catch { /* nothing more to undo */ }
  }

  #name(): string {
    return this.#mode.kind === "stream" ? this.#path : `'${this.#path}'`;
  }
}
