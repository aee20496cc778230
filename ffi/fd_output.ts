/**
 * Trace output written through libc, so `--allow-ffi` alone is enough.
 *
 * - Standard error (no `-o`) or standard output (`-o -`).
 * - A new or regular file: written to an unnamed file (O_TMPFILE) in the
 *   target's directory — invisible to the traced command — and linked into
 *   place when the trace is complete, so readers never see half a trace and a
 *   failed run leaves an old file as it was. Where the file system has no
 *   O_TMPFILE, a hidden temporary name is used instead.
 * - Anything else (a symlink, a device such as /dev/null, a FIFO): written
 *   through directly; it is never replaced.
 *
 * A write that fails (a closed pipe, a full disk) does not stop the trace:
 * the command goes on undisturbed, and `close()` reports the failure.
 *
 * @module
 */

import { cstring, errno, libc, strerror } from "./libc.ts";

const O_WRONLY = 0x1;
const O_CREAT = 0x40;
const O_TRUNC = 0x200;
const O_CLOEXEC = 0x80000;
/** O_TMPFILE (__O_TMPFILE | O_DIRECTORY): O_DIRECTORY differs by architecture. */
const O_TMPFILE = Deno.build.arch === "aarch64" ? 0o20040000 : 0o20200000;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_SYMLINK_FOLLOW = 0x400;
const STATX_TYPE = 1;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const ENOENT = 2;
const EINTR = 4;
const FLUSH_AT = 1 << 16;

const enc = new TextEncoder();
const c = (s: string) => cstring(enc.encode(s));

/** How the file is being written. */
type Mode =
  | { kind: "stream" }
  | { kind: "direct" }
  | { kind: "unnamed"; dir: string }
  | { kind: "named"; tmp: string };

/** The file type of `path` without following a symlink: "missing", "regular" or "other". */
function fileType(path: string): "missing" | "regular" | "other" {
  const buf = new Uint8Array(256);
  if (libc.statx(AT_FDCWD, c(path), AT_SYMLINK_NOFOLLOW, STATX_TYPE, buf) < 0) {
    return errno() === ENOENT ? "missing" : "other";
  }
  const mode = new DataView(buf.buffer).getUint16(28, true);
  return (mode & S_IFMT) === S_IFREG ? "regular" : "other";
}

/** Buffered text output to a file descriptor. */
export class FdOutput {
  #fd: number;
  #path: string;
  #mode: Mode;
  #text = "";
  #encode: (s: string) => Uint8Array;
  #error: string | undefined;

  private constructor(
    fd: number,
    path: string,
    mode: Mode,
    encode: (s: string) => Uint8Array,
  ) {
    this.#fd = fd;
    this.#path = path;
    this.#mode = mode;
    this.#encode = encode;
  }

  /**
   * Standard error (undefined), standard output ("-"), or a file. Throws,
   * naming the file, when it cannot be written at all.
   */
  static open(
    path: string | undefined,
    encode: (s: string) => Uint8Array,
  ): FdOutput {
    if (path === undefined) {
      return new FdOutput(2, "standard error", { kind: "stream" }, encode);
    }
    if (path === "-") {
      return new FdOutput(1, "standard output", { kind: "stream" }, encode);
    }
    const fail = (err: number): never => {
      const why = err === ENOENT ? "no such directory" : strerror(err);
      throw new Error(`Cannot write '${path}': ${why}`);
    };
    if (fileType(path) === "other") {
      const fd = libc.open(
        c(path),
        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
        0o666,
      );
      if (fd < 0) fail(errno());
      return new FdOutput(fd, path, { kind: "direct" }, encode);
    }
    const slash = path.lastIndexOf("/");
    const dir = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
    const fd = libc.open(c(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0o666);
    if (fd >= 0) {
      return new FdOutput(fd, path, { kind: "unnamed", dir }, encode);
    }
    const tmp = `${path.slice(0, slash + 1)}.${
      path.slice(slash + 1)
    }.${libc.getpid()}.tmp`;
    const named = libc.open(
      c(tmp),
      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
      0o666,
    );
    if (named < 0) fail(errno());
    return new FdOutput(named, path, { kind: "named", tmp }, encode);
  }

  /** Appends text; writes when enough has gathered. */
  write(text: string): void {
    this.#text += text;
    if (this.#text.length >= FLUSH_AT) this.flush();
  }

  /** Writes what has gathered (dropped once a write has failed). */
  flush(): void {
    if (this.#text.length === 0) return;
    const text = this.#text;
    this.#text = "";
    if (this.#error !== undefined) return;
    const bytes = this.#encode(text);
    let off = 0;
    while (off < bytes.length) {
      const n = Number(
        libc.write(this.#fd, bytes.subarray(off), BigInt(bytes.length - off)),
      );
      if (n < 0) {
        const err = errno();
        if (err === EINTR) continue;
        this.#error = strerror(err);
        return;
      }
      off += n;
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
      if (mode.kind !== "stream") libc.close(this.#fd);
      this.#discard();
      throw new Error(
        `Cannot write the trace to ${this.#name()}: ${this.#error}`,
      );
    }
    if (mode.kind === "unnamed") {
      // Link the unnamed file in under a temporary name (while its fd is
      // open), then rename it over the target: linkat cannot replace a file.
      const tmp = `${this.#path}.${libc.getpid()}.tmp`;
      const linked = libc.linkat(
        AT_FDCWD,
        c(`/proc/self/fd/${this.#fd}`),
        AT_FDCWD,
        c(tmp),
        AT_SYMLINK_FOLLOW,
      );
      const linkErr = linked < 0 ? errno() : 0;
      libc.close(this.#fd);
      if (linked < 0) this.#fail(linkErr);
      if (libc.rename(c(tmp), c(this.#path)) < 0) {
        const err = errno();
        libc.unlink(c(tmp));
        this.#fail(err);
      }
    } else if (mode.kind === "named") {
      libc.close(this.#fd);
      if (libc.rename(c(mode.tmp), c(this.#path)) < 0) {
        const err = errno();
        libc.unlink(c(mode.tmp));
        this.#fail(err);
      }
    } else if (mode.kind === "direct") {
      libc.close(this.#fd);
    }
  }

  /** Drops a file's partial output (an old file stays as it was). */
  abort(): void {
    if (this.#mode.kind === "stream") {
      this.flush();
      return;
    }
    libc.close(this.#fd);
    this.#discard();
  }

  #discard(): void {
    if (this.#mode.kind === "named") libc.unlink(c(this.#mode.tmp));
  }

  #name(): string {
    return this.#mode.kind === "stream" ? this.#path : `'${this.#path}'`;
  }

  #fail(err: number): never {
    const why = err === ENOENT ? "its directory is gone" : strerror(err);
    throw new Error(`Cannot write the trace to '${this.#path}': ${why}`);
  }
}
