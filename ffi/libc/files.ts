/**
 * `Files` through libc, for `trace`: it runs with native calls allowed and
 * nothing else, writes to O_TMPFILE files a traced command cannot see, and
 * waits out a non-blocking standard stream a traced program left full.
 *
 * @module
 */

import { FileError, type FileKind, type Files } from "../../lib/cli/output.ts";
import { linux } from "./linux.ts";
import {
  ABI,
  check,
  close,
  cstring,
  errno,
  getpid,
  libc,
  open,
  writeAll,
} from "./posix.ts";

const AT_SYMLINK_NOFOLLOW = 0x100;
const STATX_TYPE = 1;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** The file type of `path`, without following a symlink (Linux: statx). */
function kind(path: string): FileKind {
  const buf = new Uint8Array(256);
  if (
    linux.statx(
      ABI.AT_FDCWD,
      cstring(path),
      AT_SYMLINK_NOFOLLOW,
      STATX_TYPE,
      buf,
    ) < 0
  ) {
    return errno() === ABI.ENOENT ? "missing" : "other";
  }
  const mode = new DataView(buf.buffer).getUint16(28, true);
  return (mode & S_IFMT) === S_IFREG ? "regular" : "other";
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
        libc.linkat(
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
};
