/**
 * `Files` on FreeBSD, over a `FreebsdFileLibc` (libc.so.7, or a test's
 * fake), for `trace`'s output and for inputs named by any bytes. FreeBSD
 * has no O_TMPFILE, statx, kcmp, or linkat of a descriptor by
 * /proc/self/fd, so:
 *
 * - an output file is written under a temporary name beside its target
 *   (`openUnnamed` says there are no unnamed files, and the output writer
 *   uses `.NAME.PID.tmp`) and renamed over it when complete;
 * - what a path names, and the identity that tells whether a file changed
 *   or is the one a traced command wrote (device, inode, size, mtime,
 *   ctime, mode, owner), come from `fstatat(AT_FDCWD, path, sb,
 *   AT_SYMLINK_NOFOLLOW)` read with FreeBSD's `struct stat` (`stat.ts`);
 * - a replaced file's mode and owner are kept with `fchmod`/`fchown` on the
 *   temporary file before the rename;
 * - whether standard output or error was closed at start (Deno opens
 *   /dev/null read-write there, as Rust's runtime does): a descriptor that
 *   is /dev/null (its `st_rdev` that of `/dev/null`) opened read-write
 *   without close-on-exec counts as closed unless it shares its open file
 *   description with another standard descriptor. Without kcmp, sharing is
 *   seen by flipping O_APPEND on it (a status flag of the description, with
 *   no effect on /dev/null) and looking whether the other descriptor's
 *   flags flipped too; the flag is put back at once.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { freebsdFiles } from "./files.ts";
 * import type { FreebsdFileLibc } from "./libc.ts";
 * // A libc whose every path is missing: fstatat fails with ENOENT (2).
 * const libc = {
 *   fstatat: () => -1,
 *   errno: () => 2,
 * } as unknown as FreebsdFileLibc;
 * const { files } = freebsdFiles(libc);
 * assertEquals(files.kind("/nowhere"), "missing");
 * assertEquals(files.identity?.("/nowhere"), undefined);
 * assertEquals(files.openUnnamed("/tmp"), undefined);
 * ```
 *
 * @module
 */

import {
  FileError,
  type FileIdentity,
  type FileKind,
  type Files,
} from "../../lib/cli/output.ts";
import type { Input } from "../../lib/cli/io.ts";
import { decodePath } from "../../lib/path.ts";
import { FREEBSD_ERRNO, FREEBSD_FLAGS } from "../libc/freebsd_abi.ts";
import { cstring, freebsdErrnoName } from "./calls.ts";
import type { FreebsdFileLibc } from "./libc.ts";
import {
  type FreebsdStat,
  parseStat,
  S_IFCHR,
  S_IFDIR,
  S_IFMT,
  S_IFREG,
  STAT_SIZE,
} from "./stat.ts";

/** sys/syslimits.h: PATH_MAX, with its NUL. */
const PATH_MAX = 1024;
const CHUNK = 1 << 20;
const F = FREEBSD_FLAGS;
const E = FREEBSD_ERRNO;

/** A failed call as a `FileError`: "open '/w/x': EACCES". */
function failure(call: string, errno: number, path?: string): FileError {
  const name = freebsdErrnoName(errno);
  return new FileError(
    name,
    `${call}${path === undefined ? "" : ` '${path}'`}: ${name}`,
  );
}

/** FreeBSD's `Files` and `Input.open` over `libc`. */
export function freebsdFiles(
  libc: FreebsdFileLibc,
): { files: Files; input: Pick<Input, "open"> } {
  const check = (call: string, rc: number | bigint, path?: string): number => {
    if (rc == -1) throw failure(call, libc.errno(), path);
    return Number(rc);
  };

  /** fstatat(2) without following a symlink; undefined (errno set) when it fails. */
  const lstat = (path: string): FreebsdStat | undefined => {
    const buf = new Uint8Array(new ArrayBuffer(STAT_SIZE));
    if (
      libc.fstatat(F.AT_FDCWD, cstring(path), buf, F.AT_SYMLINK_NOFOLLOW) !== 0
    ) {
      return undefined;
    }
    return parseStat(buf);
  };

  /** fstat(2) of a descriptor; undefined when it fails. */
  const fstat = (fd: number): FreebsdStat | undefined => {
    const buf = new Uint8Array(new ArrayBuffer(STAT_SIZE));
    return libc.fstat(fd, buf) === 0 ? parseStat(buf) : undefined;
  };

  const open = (path: string, flags: number, mode = 0o666): number =>
    check("open", libc.open(cstring(path), flags, mode), path);

  const close = (fd: number): void => {
    libc.close(fd);
  };

  /** Waits until `fd` can be written (a traced program may have made it non-blocking). */
  const waitWritable = (fd: number): void => {
    // struct pollfd { int fd; short events; short revents; }
    const pfd = new Uint8Array(new ArrayBuffer(64));
    const view = new DataView(pfd.buffer);
    view.setInt32(0, fd, true);
    view.setInt16(4, F.POLLOUT, true);
    while (libc.poll(pfd, 1, -1) === -1 && libc.errno() === E.EINTR) {
      // interrupted: wait again
    }
  };

  const writeAll = (fd: number, bytes: Uint8Array): void => {
    let off = 0;
    while (off < bytes.length) {
      const rest = bytes.subarray(off) as Uint8Array<ArrayBuffer>;
      const n = libc.write(fd, rest, rest.length);
      if (n == -1) {
        const err = libc.errno();
        if (err === E.EINTR) continue;
        if (err === E.EAGAIN) {
          waitWritable(fd);
          continue;
        }
        throw failure("write", err);
      }
      off += Number(n);
    }
  };

  const read = (fd: number, buf: Uint8Array<ArrayBuffer>): number => {
    for (;;) {
      const n = libc.read(fd, buf, buf.length);
      if (n != -1) return Number(n);
      const err = libc.errno();
      if (err !== E.EINTR) throw failure("read", err);
    }
  };

  const kind = (path: string): FileKind => {
    const st = lstat(path);
    if (st === undefined) {
      return libc.errno() === E.ENOENT ? "missing" : "other";
    }
    return (st.mode & S_IFMT) === S_IFREG ? "regular" : "other";
  };

  /** Whether `a` and `b` share an open file description: O_APPEND flipped on one shows on the other. */
  const shareDescription = (a: number, b: number): boolean => {
    const flagsA = libc.fcntl(a, F.F_GETFL, 0);
    const flagsB = libc.fcntl(b, F.F_GETFL, 0);
    if (flagsA === -1 || flagsB === -1) return false;
    if (libc.fcntl(a, F.F_SETFL, flagsA ^ F.O_APPEND) === -1) return false;
    const after = libc.fcntl(b, F.F_GETFL, 0);
    libc.fcntl(a, F.F_SETFL, flagsA);
    return after !== -1 && (after & F.O_APPEND) !== (flagsB & F.O_APPEND);
  };

  const closedAtStart = (fd: 1 | 2): boolean => {
    const fdFlags = libc.fcntl(fd, F.F_GETFD, 0);
    if (fdFlags === -1) return libc.errno() === E.EBADF;
    if ((fdFlags & F.FD_CLOEXEC) !== 0) return true;
    const flags = libc.fcntl(fd, F.F_GETFL, 0);
    if (flags === -1 || (flags & F.O_ACCMODE) !== F.O_RDWR) return false;
    const st = fstat(fd);
    if (st === undefined || (st.mode & S_IFMT) !== S_IFCHR) return false;
    const devNull = lstat("/dev/null");
    if (devNull === undefined || devNull.rdev !== st.rdev) return false;
    for (const other of [0, 1, 2]) {
      if (other !== fd && shareDescription(fd, other)) return false;
    }
    return true;
  };

  const files: Files = {
    kind,
    openWrite: (path: string) =>
      open(path, F.O_WRONLY | F.O_CREAT | F.O_TRUNC | F.O_CLOEXEC),
    // No O_TMPFILE: the output writer falls back to a name beside the target.
    openUnnamed: () => undefined,
    linkUnnamed(): void {
      throw new FileError("EOPNOTSUPP", "FreeBSD has no unnamed files");
    },
    write(handle: number, bytes: Uint8Array): number {
      writeAll(handle, bytes);
      return bytes.length;
    },
    close,
    rename: (from: string, to: string) => {
      check("rename", libc.rename(cstring(from), cstring(to)), from);
    },
    unlink: (path: string) => {
      check("unlink", libc.unlink(cstring(path)), path);
    },
    pid: () => libc.getpid(),
    identity(path: string): FileIdentity | undefined {
      const st = lstat(path);
      if (st === undefined) {
        const err = libc.errno();
        if (err === E.ENOENT) return undefined;
        throw new FileError("EIO", failure("fstatat", err, path).message);
      }
      return {
        id: `${st.dev}:${st.ino}`,
        size: st.size,
        mtime: st.mtime,
        ctime: st.ctime,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
      };
    },
    copyAttributes(handle: number, like: FileIdentity): void {
      // First: giving a file away may clear its set-id bits.
      libc.fchown(handle, like.uid, like.gid); // not ours to give: left as is
      check("fchmod", libc.fchmod(handle, like.mode));
    },
    cwd(): string {
      const buf = new Uint8Array(new ArrayBuffer(PATH_MAX));
      if (libc.getcwd(buf, PATH_MAX) == 0) {
        throw failure("getcwd", libc.errno());
      }
      return decodePath(buf, 0, buf.indexOf(0));
    },
    realPath(path: string): string | undefined {
      const buf = new Uint8Array(new ArrayBuffer(PATH_MAX));
      if (libc.realpath(cstring(path), buf) == 0) return undefined;
      return decodePath(buf, 0, buf.indexOf(0));
    },
    closedAtStart,
  };

  const input: Pick<Input, "open"> = {
    // deno-lint-ignore require-await
    async open(path: string): Promise<ReadableStream<Uint8Array>> {
      const fd = open(path, F.O_RDONLY | F.O_CLOEXEC);
      const st = fstat(fd);
      if (st !== undefined && (st.mode & S_IFMT) === S_IFDIR) {
        close(fd);
        throw new FileError("EISDIR", `${path} is a directory`);
      }
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          const buf = new Uint8Array(new ArrayBuffer(CHUNK));
          let n: number;
          try {
            n = read(fd, buf);
          } catch (err) {
            close(fd);
            throw err;
          }
          if (n === 0) {
            close(fd);
            controller.close();
          } else controller.enqueue(buf.subarray(0, n));
        },
        cancel: () => close(fd),
      });
    },
  };

  return { files, input };
}
