/**
 * Typed wrappers over a `FreebsdLibc` (FreeBSD's libc.so.7, or a test's
 * fake): the calls the spawn handshake makes (`SpawnCalls`), and a
 * `FreebsdCallError` naming the call and FreeBSD's errno name. They take
 * numbers, strings and byte arrays; pointers are made here alone.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FreebsdCallError } from "./calls.ts";
 * const err = new FreebsdCallError("pipe2", 24);
 * assertEquals(err.message, "pipe2: EMFILE");
 * assertEquals(err.code, "EMFILE");
 * ```
 *
 * @module
 */

import { ffi } from "../runtime/ffi.ts";
import { encodePath } from "../../lib/path.ts";
import {
  FREEBSD_ERRNO,
  FREEBSD_ERRNO_NAMES,
  FREEBSD_FLAGS,
} from "../libc/freebsd_abi.ts";
import type { SpawnCalls } from "../posix/spawn.ts";
import type { FreebsdLibc } from "./libc.ts";

/** FreeBSD's name for an errno ("E123" when it has none here). */
export function freebsdErrnoName(errno: number): string {
  return FREEBSD_ERRNO_NAMES[errno] ?? `E${errno}`;
}

/** A failed libc call on FreeBSD: the call, what it was about, errno's name. */
export class FreebsdCallError extends Error {
  /** errno. */
  readonly errno: number;
  /** errno's name, such as "ENOENT". */
  readonly code: string;
  constructor(call: string, errno: number, what?: string) {
    super(
      `${call}${what === undefined ? "" : ` ${what}`}: ${
        freebsdErrnoName(errno)
      }`,
    );
    this.name = "FreebsdCallError";
    this.errno = errno;
    this.code = freebsdErrnoName(errno);
  }
}

/** A NUL-terminated copy of a path string's bytes, in memory that does not move. */
export function cstring(text: string): Uint8Array<ArrayBuffer> {
  const bytes = encodePath(text);
  const out = new Uint8Array(new ArrayBuffer(bytes.length + 1));
  out.set(bytes);
  return out;
}

/** A NULL-terminated `char *[]`; keep the result referenced until the call returns. */
export function cstringArray(
  strings: readonly string[],
): { array: Uint8Array<ArrayBuffer>; strings: Uint8Array<ArrayBuffer>[] } {
  const held = strings.map(cstring);
  const ptrs = new BigUint64Array(new ArrayBuffer(8 * (held.length + 1)));
  held.forEach((s, i) => ptrs[i] = ffi.addressOf(s));
  return { array: new Uint8Array(ptrs.buffer), strings: held };
}

/** The spawn handshake's calls through `libc`. */
export function spawnCalls(libc: FreebsdLibc): SpawnCalls {
  const read = (fd: number, buffer: Uint8Array<ArrayBuffer>): number => {
    for (;;) {
      const n = libc.read(fd, buffer, buffer.length);
      if (n != -1) return Number(n);
      const err = libc.errno();
      if (err !== FREEBSD_ERRNO.EINTR) throw new FreebsdCallError("read", err);
    }
  };
  return {
    pipe() {
      const fds = new Int32Array(new ArrayBuffer(8));
      if (libc.pipe2(new Uint8Array(fds.buffer), FREEBSD_FLAGS.O_CLOEXEC) < 0) {
        throw new FreebsdCallError("pipe2", libc.errno());
      }
      return [fds[0], fds[1]];
    },
    inherit(fd) {
      if (libc.fcntl(fd, FREEBSD_FLAGS.F_SETFD, 0) === -1) {
        throw new FreebsdCallError("fcntl", libc.errno());
      }
    },
    spawn(argv) {
      const args = cstringArray(argv);
      const pid = new Int32Array(new ArrayBuffer(8));
      const rc = libc.posix_spawn(
        new Uint8Array(pid.buffer),
        args.strings[0],
        0,
        0,
        args.array,
        libc.environ(),
      );
      if (rc !== 0) throw new FreebsdCallError("posix_spawn", rc, argv[0]);
      return pid[0];
    },
    read,
    writeAll(fd, bytes) {
      let off = 0;
      while (off < bytes.length) {
        const rest = bytes.subarray(off) as Uint8Array<ArrayBuffer>;
        const n = libc.write(fd, rest, rest.length);
        if (n == -1) {
          const err = libc.errno();
          if (err === FREEBSD_ERRNO.EINTR) continue;
          throw new FreebsdCallError("write", err);
        }
        off += Number(n);
      }
    },
    close(fd) {
      libc.close(fd);
    },
  };
}
