/**
 * Programs that would run with more privileges than their caller (setuid,
 * setgid, file capabilities) do not get them under the trace: the launcher
 * sets no_new_privs, and the kernel ignores those bits for a traced exec
 * anyway. The tracer looks at each exec'd program through /proc/PID/exe
 * and says so once.
 *
 * @module
 */

import { cstring } from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";
import { AT_FDCWD } from "../libc/linux_abi.ts";

const STATX_MODE = 0x2;
const STATX_UID = 0x8;
const STATX_GID = 0x10;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_IXGRP = 0o010;

const buf = new Uint8Array(new ArrayBuffer(256));
const view = new DataView(buf.buffer);

/**
 * Which privileges a program would have had that a process with effective
 * ids `euid`/`egid` lacks: the setuid bit of a file another user owns, the
 * setgid bit (with group execute: without it the bit means mandatory
 * locking) of another group's file, file capabilities (not for root, who
 * has them all already). `bits` are the file's mode, owner and group, and
 * whether it has a `security.capability` attribute. Undefined: none.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { privilegesOf } from "./privileged_exec.ts";
 * const ids = { euid: 1000, egid: 1000 };
 * assertEquals(privilegesOf({ mode: 0o104755, uid: 0, gid: 0, caps: false }, ids), "setuid (owner uid 0)");
 * assertEquals(privilegesOf({ mode: 0o104755, uid: 1000, gid: 0, caps: false }, ids), undefined);
 * assertEquals(privilegesOf({ mode: 0o102755, uid: 0, gid: 5, caps: false }, ids), "setgid (group 5)");
 * assertEquals(privilegesOf({ mode: 0o100755, uid: 0, gid: 0, caps: true }, ids), "file capabilities");
 * assertEquals(privilegesOf({ mode: 0o100755, uid: 0, gid: 0, caps: true }, { euid: 0, egid: 0 }), undefined);
 * ```
 */
export function privilegesOf(
  file: { mode: number; uid: number; gid: number; caps: boolean },
  ids: { euid: number; egid: number },
): string | undefined {
  const what: string[] = [];
  if ((file.mode & S_ISUID) && file.uid !== ids.euid) {
    what.push(`setuid (owner uid ${file.uid})`);
  }
  if (
    (file.mode & S_ISGID) && (file.mode & S_IXGRP) && file.gid !== ids.egid
  ) {
    what.push(`setgid (group ${file.gid})`);
  }
  if (file.caps && ids.euid !== 0) what.push("file capabilities");
  return what.length === 0 ? undefined : what.join(", ");
}

/**
 * The privileges (see `privilegesOf`) that the program process `pid` has
 * just exec'd would have given it, compared with the process's own
 * effective ids (the owner and group /proc gives its directory), which it
 * keeps: it gains none. Undefined when none, or when /proc cannot say.
 */
export function lostPrivileges(pid: number): string | undefined {
  const exe = cstring(`/proc/${pid}/exe`);
  const file = statIds(exe);
  if (file === undefined) return undefined;
  const special = (file.mode & (S_ISUID | S_ISGID)) !== 0;
  const caps = linux.getxattr(exe, CAPABILITY, buf, 0) >= 0;
  if (!special && !caps) return undefined;
  const self = statIds(cstring(`/proc/${pid}`));
  if (self === undefined) return undefined;
  return privilegesOf({ ...file, caps }, { euid: self.uid, egid: self.gid });
}

const CAPABILITY = cstring("security.capability");

/** statx's mode, owner and group of a path. */
function statIds(
  path: Uint8Array<ArrayBuffer>,
): { mode: number; uid: number; gid: number } | undefined {
  const mask = STATX_MODE | STATX_UID | STATX_GID;
  if (linux.statx(AT_FDCWD, path, 0, mask, buf) !== 0) return undefined;
  return {
    uid: view.getUint32(20, true),
    gid: view.getUint32(24, true),
    mode: view.getUint16(28, true),
  };
}
