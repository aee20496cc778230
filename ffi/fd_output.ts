/**
 * Trace output written through libc, so `--allow-ffi` alone is enough: a
 * standard stream, or a file made under a temporary name and renamed into
 * place when the trace is complete.
 *
 * @module
 */

import { check, cstring, errno, libc, LibcError } from "./libc.ts";

const O_WRONLY = 0x1;
const O_CREAT = 0x40;
const O_TRUNC = 0x200;
const O_CLOEXEC = 0x80000;
const EINTR = 4;
const FLUSH_AT = 1 << 16;

/** Buffered text output to a file descriptor. */
export class FdOutput {
  #fd: number;
  #path: string | undefined;
  #tmp: string | undefined;
  #text = "";
  #encoder = new TextEncoder();

  private constructor(fd: number, path?: string, tmp?: string) {
    this.#fd = fd;
    this.#path = path;
    this.#tmp = tmp;
  }

  /** Standard output ("-"), standard error (undefined), or a file. */
  static open(
    path: string | undefined,
    encode: (s: string) => Uint8Array,
  ): FdOutput {
    if (path === undefined) return new FdOutput(2).#with(encode);
    if (path === "-") return new FdOutput(1).#with(encode);
    const slash = path.lastIndexOf("/");
    const tmp = `${path.slice(0, slash + 1)}.${
      path.slice(slash + 1)
    }.${libc.getpid()}.tmp`;
    const fd = libc.open(
      cstring(new TextEncoder().encode(tmp)),
      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
      0o666,
    );
    if (fd < 0) {
      throw new Error(
        `Cannot write '${path}': ${
          new LibcError("open", errno()).message.replace(/^open: /, "")
        }`,
      );
    }
    return new FdOutput(fd, path, tmp).#with(encode);
  }

  #encode: (s: string) => Uint8Array = (s) => this.#encoder.encode(s);

  #with(encode: (s: string) => Uint8Array): this {
    this.#encode = encode;
    return this;
  }

  /** Appends text; writes when enough has gathered. */
  write(text: string): void {
    this.#text += text;
    if (this.#text.length >= FLUSH_AT) this.flush();
  }

  /** Writes what has gathered. */
  flush(): void {
    if (this.#text.length === 0) return;
    const bytes = this.#encode(this.#text);
    this.#text = "";
    let off = 0;
    while (off < bytes.length) {
      const n = Number(
        libc.write(this.#fd, bytes.subarray(off), BigInt(bytes.length - off)),
      );
      if (n < 0) {
        const err = errno();
        if (err === EINTR) continue;
        throw new LibcError("write", err, this.#path ?? `fd ${this.#fd}`);
      }
      off += n;
    }
  }

  /** Flushes and, for a file, moves it into place. */
  close(): void {
    this.flush();
    if (this.#tmp === undefined) return;
    check("close", libc.close(this.#fd));
    const enc = new TextEncoder();
    check(
      "rename",
      libc.rename(
        cstring(enc.encode(this.#tmp)),
        cstring(enc.encode(this.#path!)),
      ),
      this.#path,
    );
  }

  /** Drops a file's partial output. */
  abort(): void {
    if (this.#tmp === undefined) {
      this.flush();
      return;
    }
    libc.close(this.#fd);
    libc.unlink(cstring(new TextEncoder().encode(this.#tmp)));
  }
}
