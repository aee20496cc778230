/**
 * `Files` through glibc on Linux (chosen by `files.ts`), for `trace`: it runs with native calls allowed and
 * nothing else, writes to O_TMPFILE files a traced command cannot see, and
 * waits out a non-blocking standard stream a traced program left full. It
 * takes every path as bytes (lib/path.ts's strings), so it also serves
 * `decode` and `graph` under Deno for a file name that is not UTF-8.
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
import { ffi, type Library } from "../runtime/ffi.ts";
import { proc } from "../runtime/process.ts";
import { linux } from "./linux.ts";
import {
  ABI,
  check,
  close,
  cstring,
  errno,
  fchmod,
  fchown,
  getcwd,
  getpid,
  libc,
  LibcError,
  open,
  read,
  realpath,
  writeAll,
} from "./posix.ts";
import {
  AT_EMPTY_PATH,
  AT_SYMLINK_NOFOLLOW,
  O_RDONLY,
  S_IFCHR,
  S_IFDIR,
  S_IFMT,
  S_IFREG,
} from "./linux_abi.ts";

const STATX_BASIC_STATS = 0x7ff;
const O_RDWR = 2;
const O_ACCMODE = 3;
const F_GETFD = 1;
const F_GETFL = 3;
const FD_CLOEXEC = 1;
const EBADF = 9;
const KCMP_FILE = 0;
/** kcmp(2)'s number (asm-generic's on aarch64). */
const SYS_KCMP: Readonly<Record<string, number>> = {
  x86_64: 312,
  aarch64: 272,
};

/** struct statx, the fields read here. */
interface Statx {
  mode: number;
  uid: number;
  gid: number;
  ino: bigint;
  size: number;
  ctime: string;
  mtime: string;
  rdev: string;
  dev: string;
}

/** statx(2) of `path` (relative to `dirfd`); undefined with errno set when it fails. */
function statx(dirfd: number, path: string, flags: number): Statx | undefined {
  const buf = new Uint8Array(256);
  if (
    linux.statx(dirfd, cstring(path), flags, STATX_BASIC_STATS, buf) < 0
  ) {
    return undefined;
  }
  const v = new DataView(buf.buffer);
  const time = (at: number) =>
    `${v.getBigInt64(at, true)}.${
      String(v.getUint32(at + 8, true)).padStart(9, "0")
    }`;
  return {
    uid: v.getUint32(20, true),
    gid: v.getUint32(24, true),
    mode: v.getUint16(28, true),
    ino: v.getBigUint64(32, true),
    size: Number(v.getBigUint64(40, true)),
    ctime: time(96),
    mtime: time(112),
    rdev: `${v.getUint32(128, true)}:${v.getUint32(132, true)}`,
    dev: `${v.getUint32(136, true)}:${v.getUint32(140, true)}`,
  };
}

/** The file type of `path`, without following a symlink (Linux: statx). */
function kind(path: string): FileKind {
  const st = statx(ABI.AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
  if (st === undefined) return errno() === ABI.ENOENT ? "missing" : "other";
  return (st.mode & S_IFMT) === S_IFREG ? "regular" : "other";
}

const LINUX_ONLY = {
  // int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
  // (naming an O_TMPFILE file through /proc/self/fd/N, which only Linux has)
  linkat: {
    parameters: ["i32", "buffer", "i32", "buffer", "i32"],
    result: "i32",
  },
  // long syscall(long number, ...);  kcmp(pid1, pid2, type, idx1, idx2)
  kcmp: {
    name: "syscall",
    parameters: ["usize", "usize", "usize", "usize", "usize", "usize"],
    result: "i32",
  },
} as const;

let linuxLib: Library<typeof LINUX_ONLY> | undefined;
const own = () => linuxLib ??= ffi.dlopen(ABI.libc, LINUX_ONLY);

/**
 * Whether descriptors `a` and `b` of this process share one open file
 * description (kcmp KCMP_FILE); undefined when the kernel cannot say.
 */
function sameDescription(a: number, b: number): boolean | undefined {
  const nr = SYS_KCMP[proc.arch];
  if (nr === undefined) return undefined;
  const pid = getpid();
  const r = own().kcmp(nr, pid, pid, KCMP_FILE, a, b);
  return r < 0 ? undefined : r === 0;
}

/**
 * Whether standard output or error was closed when this process started.
 * Deno and Bun open /dev/null (read-write) on a standard descriptor they
 * find closed: Bun with close-on-exec, which a descriptor inherited across
 * exec never has; Deno (Rust's runtime) without, so a /dev/null opened
 * read-write that shares its open file description with no other standard
 * descriptor is taken as one it opened (`2<>/dev/null` on its own looks
 * the same). A /dev/null given as `2>/dev/null` (write-only), or shared
 * with stdin and stdout as daemon(3) leaves it, is an open stream.
 */
function closedAtStart(fd: 1 | 2): boolean {
  const fdFlags = libc.fcntl(fd, F_GETFD, 0);
  if (fdFlags === -1) return errno() === EBADF;
  if ((fdFlags & FD_CLOEXEC) !== 0) return true;
  const flags = libc.fcntl(fd, F_GETFL, 0);
  if (flags === -1 || (flags & O_ACCMODE) !== O_RDWR) return false;
  const st = statx(fd, "", AT_EMPTY_PATH);
  if (st === undefined || (st.mode & S_IFMT) !== S_IFCHR || st.rdev !== "1:3") {
    return false;
  }
  for (const other of [0, 1, 2]) {
    if (other !== fd && sameDescription(fd, other) === true) return false;
  }
  return true;
}

/** libc's implementation of `Files`. */
export const libcFiles: Files = {
  kind,
  openWrite: (path: string) =>
    FileError.wrap(() =>
      open(path, ABI.O_WRONLY | ABI.O_CREAT | ABI.O_TRUNC | ABI.O_CLOEXEC)
    ),
  openUnnamed(dir: string): number | undefined {
    if (ABI.O_TMPFILE === 0) return undefined;
    const fd = libc.open(
      cstring(dir),
      ABI.O_TMPFILE | ABI.O_WRONLY | ABI.O_CLOEXEC,
      0o666,
    );
    return fd < 0 ? undefined : fd;
  },
  linkUnnamed(handle: number, path: string): void {
    FileError.wrap(() =>
      check(
        "linkat",
        own().linkat(
          ABI.AT_FDCWD,
          cstring(`/proc/self/fd/${handle}`),
          ABI.AT_FDCWD,
          cstring(path),
          ABI.AT_SYMLINK_FOLLOW,
        ),
      )
    );
  },
  write(handle: number, bytes: Uint8Array): number {
    FileError.wrap(() => writeAll(handle, bytes));
    return bytes.length;
  },
  close,
  rename: (from: string, to: string) =>
    FileError.wrap(() =>
      check("rename", libc.rename(cstring(from), cstring(to)))
    ),
  unlink: (path: string) =>
    FileError.wrap(() => check("unlink", libc.unlink(cstring(path)))),
  pid: getpid,
  identity(path: string): FileIdentity | undefined {
    const st = statx(ABI.AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
    if (st === undefined) {
      if (errno() === ABI.ENOENT) return undefined;
      throw new FileError("EIO", new LibcError("statx", errno()).message);
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
    try {
      fchown(handle, like.uid, like.gid); // first: it may clear set-id bits
    } catch { /* not ours to give away */ }
    FileError.wrap(() => fchmod(handle, like.mode));
  },
  cwd: getcwd,
  realPath(path: string): string | undefined {
    try {
      return realpath(path);
    } catch {
      return undefined;
    }
  },
  closedAtStart,
};

const CHUNK = 1 << 20;

/**
 * Files read through libc, any name's bytes (standard input stays the
 * runtime's): for `decode` and `graph` under Deno, whose file API cannot
 * name a file that is not UTF-8.
 */
export const libcInput: Pick<Input, "open"> = {
  // deno-lint-ignore require-await
  async open(path: string): Promise<ReadableStream<Uint8Array>> {
    const fd = FileError.wrap(() => open(path, O_RDONLY | ABI.O_CLOEXEC));
    const st = statx(fd, "", AT_EMPTY_PATH);
    if (st !== undefined && (st.mode & S_IFMT) === S_IFDIR) {
      close(fd);
      throw new FileError("EISDIR", `${path} is a directory`);
    }
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const buf = new Uint8Array(new ArrayBuffer(CHUNK));
        const n = FileError.wrap(() => read(fd, buf));
        if (n === 0) {
          close(fd);
          controller.close();
        } else controller.enqueue(buf.subarray(0, n));
      },
      cancel: () => close(fd),
    });
  },
};
