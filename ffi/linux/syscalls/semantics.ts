/**
 * What each traced system call means, for every architecture at once: which
 * event it makes, which arguments hold paths, directory fds and flags, and
 * which class of operations (`--ops`) asks for it. Numbers live in the
 * per-architecture tables beside this file.
 *
 * @module
 */

import type { OpClass } from "../../../lib/ops.ts";

/** The event op a call makes (`open` splits into read/write by its flags). */
export type CallOp =
  | "open"
  | "exec"
  | "chdir"
  | "unlink"
  | "link"
  | "symlink"
  | "rename"
  | "mkdir"
  | "rmdir"
  | "truncate"
  | "chmod"
  | "chown"
  | "utime"
  | "stat"
  | "access"
  | "readlink"
  | "open_handle"
  | "mknod"
  | "bind"
  | "setxattr"
  | "removexattr"
  | "getxattr"
  | "listxattr"
  | "taint"
  | "deny";

/** How to read one call's arguments. Numbers are argument positions (0-5). */
export interface SyscallSpec {
  readonly op: CallOp;
  /** The classes that need this call traced. */
  readonly classes: readonly OpClass[];
  /** Directory fd that a relative `path` is resolved against (else the cwd). */
  readonly dirfd?: number;
  /** The path argument. */
  readonly path?: number;
  /** An fd argument naming the file itself (fchdir). */
  readonly fd?: number;
  /** open(2) flags (open_by_handle_at's too); renameat2's RENAME_* flags. */
  readonly flags?: number;
  /** openat2's `struct open_how *` (flags are its first 64-bit field). */
  readonly how?: number;
  /** Flags implied by the call (creat). */
  readonly fixedFlags?: number;
  /** AT_* flags (AT_REMOVEDIR, AT_EMPTY_PATH). */
  readonly atFlags?: number;
  /** Directory fd for the second path. */
  readonly dirfd2?: number;
  /** The second path (the new name of link, symlink, rename). */
  readonly path2?: number;
  /** The link text of a symlink (not resolved against anything). */
  readonly text?: number;
  /** execve's argv. */
  readonly argv?: number;
  /** mknod's mode (its S_IF* bits say what kind of node). */
  readonly mode?: number;
  /** An extended attribute's name (the xattr calls). */
  readonly name?: number;
  /** bind's `struct sockaddr *`, and (`addrLen`) its length. */
  readonly addr?: number;
  /** bind's address length. */
  readonly addrLen?: number;
}

/** Opens: reads and writes, and lookups (O_PATH opens, recorded as probes). */
const OPEN: readonly OpClass[] = ["read", "write", "probe"];

/** Linux open(2) and *at(2) flag bits used here (same on x86 and arm64). */
export const O_ACCMODE = 3;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0x40;
export const O_TRUNC = 0x200;
export const O_DIRECTORY = 0x10000;
/** O_PATH: an fd that only names the file (no read, no write). */
export const O_PATH = 0x200000;
/** O_TMPFILE without its O_DIRECTORY bit (`__O_TMPFILE`). */
export const O_TMPFILE_BIT = 0x400000;
/** openat2's `struct open_how` resolve bits. */
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;
/** renameat2's flags. */
export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;
export const RENAME_WHITEOUT = 4;
export const AT_FDCWD = -100;
export const AT_REMOVEDIR = 0x200;
export const AT_EMPTY_PATH = 0x1000;

/** Every call filemon knows, by its kernel name. */
export const SYSCALLS = {
  open: { op: "open", classes: OPEN, path: 0, flags: 1 },
  openat: { op: "open", classes: OPEN, dirfd: 0, path: 1, flags: 2 },
  openat2: { op: "open", classes: OPEN, dirfd: 0, path: 1, how: 2 },
  creat: {
    op: "open",
    classes: ["read", "write"],
    path: 0,
    fixedFlags: O_WRONLY | O_CREAT | O_TRUNC,
  },
  execve: { op: "exec", classes: ["exec"], path: 0, argv: 1 },
  execveat: {
    op: "exec",
    classes: ["exec"],
    dirfd: 0,
    path: 1,
    argv: 2,
    atFlags: 4,
  },
  chdir: { op: "chdir", classes: ["chdir"], path: 0 },
  fchdir: { op: "chdir", classes: ["chdir"], fd: 0 },
  unlink: { op: "unlink", classes: ["unlink"], path: 0 },
  unlinkat: {
    op: "unlink",
    classes: ["unlink", "rmdir"],
    dirfd: 0,
    path: 1,
    atFlags: 2,
  },
  rmdir: { op: "rmdir", classes: ["rmdir"], path: 0 },
  link: { op: "link", classes: ["link"], path: 0, path2: 1 },
  // linkat also makes the name of an O_TMPFILE file: a write.
  linkat: {
    op: "link",
    classes: ["link", "write"],
    dirfd: 0,
    path: 1,
    dirfd2: 2,
    path2: 3,
    atFlags: 4,
  },
  symlink: { op: "symlink", classes: ["link"], text: 0, path2: 1 },
  symlinkat: {
    op: "symlink",
    classes: ["link"],
    text: 0,
    dirfd2: 1,
    path2: 2,
  },
  rename: { op: "rename", classes: ["rename"], path: 0, path2: 1 },
  renameat: {
    op: "rename",
    classes: ["rename"],
    dirfd: 0,
    path: 1,
    dirfd2: 2,
    path2: 3,
  },
  renameat2: {
    op: "rename",
    classes: ["rename"],
    dirfd: 0,
    path: 1,
    dirfd2: 2,
    path2: 3,
    flags: 4,
  },
  mkdir: { op: "mkdir", classes: ["mkdir"], path: 0 },
  mkdirat: { op: "mkdir", classes: ["mkdir"], dirfd: 0, path: 1 },
  truncate: { op: "truncate", classes: ["truncate"], path: 0 },
  truncate64: { op: "truncate", classes: ["truncate"], path: 0 },
  chmod: { op: "chmod", classes: ["chmod"], path: 0 },
  fchmodat: { op: "chmod", classes: ["chmod"], dirfd: 0, path: 1 },
  fchmodat2: {
    op: "chmod",
    classes: ["chmod"],
    dirfd: 0,
    path: 1,
    atFlags: 3,
  },
  chown: { op: "chown", classes: ["chown"], path: 0 },
  lchown: { op: "chown", classes: ["chown"], path: 0 },
  chown32: { op: "chown", classes: ["chown"], path: 0 },
  lchown32: { op: "chown", classes: ["chown"], path: 0 },
  fchownat: {
    op: "chown",
    classes: ["chown"],
    dirfd: 0,
    path: 1,
    atFlags: 4,
  },
  utime: { op: "utime", classes: ["utime"], path: 0 },
  utimes: { op: "utime", classes: ["utime"], path: 0 },
  futimesat: { op: "utime", classes: ["utime"], dirfd: 0, path: 1 },
  utimensat: {
    op: "utime",
    classes: ["utime"],
    dirfd: 0,
    path: 1,
    atFlags: 3,
  },
  utimensat_time64: {
    op: "utime",
    classes: ["utime"],
    dirfd: 0,
    path: 1,
    atFlags: 3,
  },
  stat: { op: "stat", classes: ["probe"], path: 0 },
  lstat: { op: "stat", classes: ["probe"], path: 0 },
  oldstat: { op: "stat", classes: ["probe"], path: 0 },
  oldlstat: { op: "stat", classes: ["probe"], path: 0 },
  stat64: { op: "stat", classes: ["probe"], path: 0 },
  lstat64: { op: "stat", classes: ["probe"], path: 0 },
  newfstatat: {
    op: "stat",
    classes: ["probe"],
    dirfd: 0,
    path: 1,
    atFlags: 3,
  },
  fstatat64: {
    op: "stat",
    classes: ["probe"],
    dirfd: 0,
    path: 1,
    atFlags: 3,
  },
  statx: { op: "stat", classes: ["probe"], dirfd: 0, path: 1, atFlags: 2 },
  access: { op: "access", classes: ["probe"], path: 0 },
  faccessat: { op: "access", classes: ["probe"], dirfd: 0, path: 1 },
  faccessat2: {
    op: "access",
    classes: ["probe"],
    dirfd: 0,
    path: 1,
    atFlags: 3,
  },
  readlink: { op: "readlink", classes: ["probe"], path: 0 },
  readlinkat: { op: "readlink", classes: ["probe"], dirfd: 0, path: 1 },
  // open_by_handle_at(mount_fd, handle, flags): no path; the file is known
  // from the fd it returns.
  open_by_handle_at: { op: "open_handle", classes: OPEN, flags: 2 },
  mknod: { op: "mknod", classes: ["mkdir"], path: 0, mode: 1 },
  mknodat: { op: "mknod", classes: ["mkdir"], dirfd: 0, path: 1, mode: 2 },
  // bind(fd, addr, len): an AF_UNIX address with a path makes a socket file.
  bind: { op: "bind", classes: ["mkdir"], addr: 1, addrLen: 2 },
  setxattr: { op: "setxattr", classes: ["chmod"], path: 0, name: 1 },
  lsetxattr: { op: "setxattr", classes: ["chmod"], path: 0, name: 1 },
  setxattrat: {
    op: "setxattr",
    classes: ["chmod"],
    dirfd: 0,
    path: 1,
    atFlags: 2,
    name: 3,
  },
  removexattr: { op: "removexattr", classes: ["chmod"], path: 0, name: 1 },
  lremovexattr: { op: "removexattr", classes: ["chmod"], path: 0, name: 1 },
  removexattrat: {
    op: "removexattr",
    classes: ["chmod"],
    dirfd: 0,
    path: 1,
    atFlags: 2,
    name: 3,
  },
  getxattr: { op: "getxattr", classes: ["probe"], path: 0, name: 1 },
  lgetxattr: { op: "getxattr", classes: ["probe"], path: 0, name: 1 },
  getxattrat: {
    op: "getxattr",
    classes: ["probe"],
    dirfd: 0,
    path: 1,
    atFlags: 2,
    name: 3,
  },
  listxattr: { op: "listxattr", classes: ["probe"], path: 0 },
  llistxattr: { op: "listxattr", classes: ["probe"], path: 0 },
  listxattrat: {
    op: "listxattr",
    classes: ["probe"],
    dirfd: 0,
    path: 1,
    atFlags: 2,
  },
  // io_uring can open files with no syscall per open: refused with ENOSYS
  // so programs fall back to the calls above.
  io_uring_setup: { op: "deny", classes: [] },
  // Calls after which the tracer can no longer open files on a process's
  // behalf exactly (other credentials, root or mounts): traced only when
  // the fast path answers opens, which then stops for that process.
  setuid: { op: "taint", classes: [] },
  setgid: { op: "taint", classes: [] },
  setreuid: { op: "taint", classes: [] },
  setregid: { op: "taint", classes: [] },
  setresuid: { op: "taint", classes: [] },
  setresgid: { op: "taint", classes: [] },
  setfsuid: { op: "taint", classes: [] },
  setfsgid: { op: "taint", classes: [] },
  setgroups: { op: "taint", classes: [] },
  setuid32: { op: "taint", classes: [] },
  setgid32: { op: "taint", classes: [] },
  setreuid32: { op: "taint", classes: [] },
  setregid32: { op: "taint", classes: [] },
  setresuid32: { op: "taint", classes: [] },
  setresgid32: { op: "taint", classes: [] },
  setfsuid32: { op: "taint", classes: [] },
  setfsgid32: { op: "taint", classes: [] },
  setgroups32: { op: "taint", classes: [] },
  capset: { op: "taint", classes: [] },
  chroot: { op: "taint", classes: [] },
  pivot_root: { op: "taint", classes: [] },
  unshare: { op: "taint", classes: [] },
  setns: { op: "taint", classes: [] },
  // clone with a CLONE_NEW* flag (the filter tests the flags argument), and
  // clone3, whose flags sit in a struct the tracer reads.
  clone: { op: "taint", classes: [], flags: 0 },
  clone3: { op: "taint", classes: [], how: 0 },
} as const satisfies Record<string, SyscallSpec>;

/** A call filemon knows. */
export type SyscallName = keyof typeof SYSCALLS;

/**
 * Calls traced whatever the user asks: exec (the start and E records).
 * chdir is not: a relative path is resolved against /proc/TID/cwd at the
 * call, so no working directory is kept.
 */
export const ALWAYS: readonly SyscallName[] = [
  "execve",
  "execveat",
];

/** The namespace flags of clone(2) (CLONE_NEWNS ... CLONE_NEWNET). */
export const CLONE_NEW_MASK = 0x7e020000;

/**
 * The calls to trace for a set of classes; with `fastPath`, also the calls
 * that end it for a process (op "taint").
 */
export function callsFor(
  classes: ReadonlySet<OpClass>,
  fastPath = false,
): Set<SyscallName> {
  const calls = new Set<SyscallName>(ALWAYS);
  for (const [name, spec] of Object.entries(SYSCALLS)) {
    const wanted = spec.classes as readonly OpClass[];
    if (
      spec.op === "deny" || (fastPath && spec.op === "taint") ||
      wanted.some((c) => classes.has(c))
    ) {
      calls.add(name as SyscallName);
    }
  }
  return calls;
}
