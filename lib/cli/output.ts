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
 * - A file that replaces an existing one gets its permission bits, and its
 *   owner where this process may give it (root, or the same owner).
 * - When the target changed while the output was being made (created,
 *   replaced or modified by another process: its inode, size, mtime or ctime
 *   differ), or a traced command is known to have written it
 *   (`targetWritten`), it is not replaced: the output goes beside it, to
 *   `NAME.filemon-PID`, and `close()` throws a `TargetKeptError` naming both.
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

import { basename, dirname, encodePath, resolvePath } from "../path.ts";

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
 * What identifies a file and its attributes at one moment (lstat): the same
 * file unchanged has the same `dev`, `ino`, `size`, `mtime` and `ctime`.
 */
export interface FileIdentity {
  /** Device and inode, as "DEV:INO". */
  id: string;
  size: number;
  /** Modification time, as precise as the system gives it (text). */
  mtime: string;
  /** Status change time, likewise. */
  ctime: string;
  /** The permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
}

/** Whether two identities are of the same file, unchanged. */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.id === b.id && a.size === b.size && a.mtime === b.mtime &&
    a.ctime === b.ctime;
}

/**
 * Synchronous file operations on small integer handles (1 and 2 are
 * standard output and error). They throw `FileError`. The optional ones
 * are what an implementation can tell or do beyond the basics; without
 * them the output writer does less (no change detection, no attributes
 * kept).
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
  /** The file `path` names (not following a symlink); undefined when missing. */
  identity?(path: string): FileIdentity | undefined;
  /**
   * Gives the open file `handle` the permission bits of `like`, and its
   * owner where permitted (an owner that cannot be given is left as is).
   */
  copyAttributes?(handle: number, like: FileIdentity): void;
  /** The working directory, as the kernel names it (no symlinks). */
  cwd?(): string;
  /** `path` with its symlinks resolved; undefined when it cannot be. */
  realPath?(path: string): string | undefined;
  /**
   * Whether standard output (1) or error (2) was closed when this process
   * started, so that writing there reaches no one (a runtime may have put
   * /dev/null there since).
   */
  closedAtStart?(fd: 1 | 2): boolean;
}

/**
 * The output's target changed while the output was made, or the traced
 * command wrote it: it was left as it is, and the output put beside it.
 */
export class TargetKeptError extends Error {
  /** The target, left as it is. */
  readonly path: string;
  /** Where the output went. */
  readonly kept: string;
  /** True when a traced command was seen writing the target (else: it changed). */
  readonly written: boolean;
  constructor(path: string, kept: string, written: boolean) {
    super(
      `'${path}' was ${
        written ? "written" : "changed"
      } by another process meanwhile: it is left as it is, and the output is in '${kept}'`,
    );
    this.name = "TargetKeptError";
    this.path = path;
    this.kept = kept;
    this.written = written;
  }
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

/**
 * A file put in place at the end: what its target was at the start
 * (`before`: null when missing, undefined when the files cannot tell) and
 * the absolute names a trace may record it under.
 */
interface Placed {
  before: FileIdentity | null | undefined;
  names: ReadonlySet<string>;
  written: boolean;
}

type Mode =
  | { kind: "stream" }
  | { kind: "direct" }
  | ({ kind: "unnamed" } & Placed)
  | ({ kind: "named"; tmp: string } & Placed);

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
      const kind = files.kind(path);
      if (kind === "other") {
        return new Output(files, files.openWrite(path), path, {
          kind: "direct",
        });
      }
      const placed: Placed = {
        before: files.identity === undefined
          ? undefined
          : kind === "missing"
          ? null
          : files.identity(path) ?? null,
        names: namesOf(files, path),
        written: false,
      };
      const slash = path.lastIndexOf("/");
      const dir = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
      const unnamed = files.openUnnamed(dir);
      if (unnamed !== undefined) {
        return new Output(files, unnamed, path, {
          kind: "unnamed",
          ...placed,
        });
      }
      const tmp = `${path.slice(0, slash + 1)}.${
        path.slice(slash + 1)
      }.${files.pid()}.tmp`;
      return new Output(files, files.openWrite(tmp), path, {
        kind: "named",
        tmp,
        ...placed,
      });
    } catch (err) {
      return cannot(err);
    }
  }

  /**
   * Whether `abs` (absolute and normalized, as a trace records it) names
   * the file this output will replace.
   */
  isTarget(abs: string): boolean {
    const mode = this.#mode;
    return (mode.kind === "unnamed" || mode.kind === "named") &&
      mode.names.has(abs);
  }

  /**
   * Notes that a traced command wrote the target itself: if it is there at
   * the end, it is kept and the output goes beside it.
   */
  targetWritten(): void {
    const mode = this.#mode;
    if (mode.kind === "unnamed" || mode.kind === "named") mode.written = true;
  }

  /**
   * The descriptor (handle) the output's bytes go to: 1 or 2, or the file's
   * (its temporary one until `close()`), for a writer outside this process
   * (FreeBSD's /dev/filemon writes its log there itself).
   */
  get handle(): number {
    return this.#handle;
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
   * output when any of it could not be written, and a `TargetKeptError`
   * when it went beside its target instead.
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
    let kept: string | undefined;
    let written = false;
    try {
      if (mode.kind === "direct") {
        files.close(this.#handle);
        return;
      }
      const now = files.identity?.(this.#path);
      const conflict = this.#conflict(mode, now);
      if (conflict !== undefined) {
        written = conflict === "written";
        kept = this.#besideName();
        if (mode.kind === "unnamed") {
          try {
            files.linkUnnamed(this.#handle, kept);
          } finally {
            files.close(this.#handle);
          }
        } else {
          files.close(this.#handle);
          this.#renameIntoPlace(mode.tmp, kept);
        }
      } else if (mode.kind === "unnamed") {
        if (mode.before) files.copyAttributes?.(this.#handle, mode.before);
        // Link the unnamed file in under a temporary name (while it is
        // open), then rename it over the target: a link cannot replace.
        const tmp = `${this.#path}.${files.pid()}.tmp`;
        try {
          files.linkUnnamed(this.#handle, tmp);
        } finally {
          files.close(this.#handle);
        }
        this.#renameIntoPlace(tmp, this.#path);
      } else {
        try {
          if (mode.before) files.copyAttributes?.(this.#handle, mode.before);
        } finally {
          files.close(this.#handle);
        }
        this.#renameIntoPlace(mode.tmp, this.#path);
      }
    } catch (err) {
      throw new Error(
        `Cannot write to ${this.#name()}: ${
          reason(err, "its directory is gone")
        }`,
      );
    }
    if (kept !== undefined) {
      throw new TargetKeptError(this.#path, kept, written);
    }
  }

  /**
   * Why the target must be kept: a traced command wrote it, or it changed
   * since the start; undefined when it may be replaced (also when it is
   * gone: nothing is lost then).
   */
  #conflict(
    mode: Placed,
    now: FileIdentity | undefined,
  ): "written" | "changed" | undefined {
    const files = this.#files;
    if (files.identity === undefined) {
      return mode.written && files.kind(this.#path) !== "missing"
        ? "written"
        : undefined;
    }
    if (now === undefined) return undefined;
    if (mode.written) return "written";
    if (mode.before === undefined) return undefined;
    return mode.before === null || !sameFile(mode.before, now)
      ? "changed"
      : undefined;
  }

  /** A free name beside the target: NAME.filemon-PID (then -2, -3...). */
  #besideName(): string {
    const base = `${this.#path}.filemon-${this.#files.pid()}`;
    for (let n = 1; n < 100; n++) {
      const name = n === 1 ? base : `${base}-${n}`;
      if (this.#files.kind(name) === "missing") return name;
    }
    throw new FileError("EEXIST", `every name like '${base}' is taken`);
  }

  #renameIntoPlace(tmp: string, to: string): void {
    try {
      this.#files.rename(tmp, to);
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

/**
 * The absolute names a trace may record `path` under: resolved against the
 * working directory as the kernel names it, and with its directory's
 * symlinks resolved.
 */
function namesOf(files: Files, path: string): Set<string> {
  const names = new Set<string>();
  let cwd: string | undefined;
  try {
    cwd = files.cwd?.();
  } catch { /* a working directory since removed: absolute names only */ }
  if (cwd !== undefined) names.add(resolvePath(cwd, path));
  else if (path.startsWith("/")) names.add(resolvePath("/", path));
  const dir = files.realPath?.(dirname(path));
  if (dir !== undefined) names.add(resolvePath(dir, basename(path)));
  return names;
}
