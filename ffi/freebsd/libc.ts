/**
 * The C library calls the /dev/filemon backend and its launcher make on
 * FreeBSD, one table with each C prototype beside its entry, loaded from
 * libc.so.7 only when asked (`loadFreebsdLibc`), so that this module can be
 * imported, and the backend tested against a scripted fake, anywhere.
 *
 * `FreebsdLibc` is the table's functions as the runtime gives them, plus
 * `errno()` (read through FreeBSD's `__error()`) and `environ()` (the
 * process environment, for posix_spawn): the backend makes no other native
 * call, so a test object with these members sees every call it makes.
 * `FreebsdFileLibc` is the same for the file layer (`files.ts`: outputs,
 * their identity and attributes, inputs by name), its own table
 * (`loadFreebsdFileLibc`).
 *
 * Every function in both tables is one FreeBSD's libc.so.7 exports
 * (tests/ffi/freebsd/_libc_exports.ts lists them with their symbol
 * versions, and a test checks every table loaded on FreeBSD against it):
 * `fstat` and `fstatat` are the FBSD_1.5 versions, FreeBSD 12's
 * `struct stat` with 64-bit inode numbers (an unversioned lookup finds a
 * symbol's default version), which `stat.ts` reads.
 *
 * @module
 */

import { ffi, type Library, type Wide } from "../runtime/ffi.ts";
import { FREEBSD_ABI, FREEBSD_FLAGS } from "../libc/freebsd_abi.ts";

const SYMBOLS = {
  // int open(const char *path, int flags, ...);
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  // int ioctl(int fd, unsigned long request, ...);  (the argument: a pointer)
  ioctl: { parameters: ["i32", "usize", "buffer"], result: "i32" },
  // int pipe2(int fildes[2], int flags);
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  // int fcntl(int fd, int cmd, ...);  (an int argument)
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *file_actions,
  //                 const posix_spawnattr_t *attrp, char *const argv[], char *const envp[]);
  posix_spawn: {
    parameters: ["buffer", "buffer", "usize", "usize", "buffer", "usize"],
    result: "i32",
  },
  // pid_t waitpid(pid_t wpid, int *status, int options);
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  // ssize_t read(int fd, void *buf, size_t nbytes);
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // ssize_t write(int fd, const void *buf, size_t nbytes);
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // int close(int fd);
  close: { parameters: ["i32"], result: "i32" },
  // int poll(struct pollfd fds[], nfds_t nfds, int timeout);  (nfds_t: unsigned int)
  poll: { parameters: ["buffer", "u32", "i32"], result: "i32" },
  // int kill(pid_t pid, int sig);
  kill: { parameters: ["i32", "i32"], result: "i32" },
  // pid_t getpid(void);
  getpid: { parameters: [], result: "i32" },
  // pid_t getpgrp(void);
  getpgrp: { parameters: [], result: "i32" },
  // pid_t tcgetpgrp(int fd);
  tcgetpgrp: { parameters: ["i32"], result: "i32" },
  // char *getcwd(char *buf, size_t size);
  getcwd: { parameters: ["buffer", "usize"], result: "usize" },
  // void *dlsym(void * restrict handle, const char * restrict symbol);
  dlsym: { parameters: ["usize", "buffer"], result: "usize" },
  // int *__error(void);
  __error: { parameters: [], result: "usize" },
} as const;

/** The raw functions of the table. */
export type FreebsdSymbols = Library<typeof SYMBOLS>;

/** Every native call of the backend and launcher: the table, errno and environ. */
export interface FreebsdLibc extends Omit<FreebsdSymbols, "__error" | "dlsym"> {
  /** The calling thread's errno; read right after the failed call. */
  errno(): number;
  /** `environ`: the process environment as libc holds it, for posix_spawn's envp. */
  environ(): Wide;
}

const FILE_SYMBOLS = {
  // int open(const char *path, int flags, ...);  FBSD_1.0
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  // ssize_t read(int fd, void *buf, size_t nbytes);  FBSD_1.0
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // ssize_t write(int fd, const void *buf, size_t nbytes);  FBSD_1.0
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // int close(int fd);  FBSD_1.0
  close: { parameters: ["i32"], result: "i32" },
  // int fcntl(int fd, int cmd, ...);  (an int argument)  FBSD_1.0
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // int fstat(int fd, struct stat *sb);  FBSD_1.5
  fstat: { parameters: ["i32", "buffer"], result: "i32" },
  // int fstatat(int fd, const char *path, struct stat *sb, int flag);  FBSD_1.5
  fstatat: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  // int rename(const char *from, const char *to);  FBSD_1.0
  rename: { parameters: ["buffer", "buffer"], result: "i32" },
  // int unlink(const char *path);  FBSD_1.0
  unlink: { parameters: ["buffer"], result: "i32" },
  // int fchmod(int fd, mode_t mode);  FBSD_1.0  (mode_t is __uint16_t: passed
  // in a register, of which the callee reads the low 16 bits)
  fchmod: { parameters: ["i32", "u32"], result: "i32" },
  // int fchown(int fd, uid_t owner, gid_t group);  FBSD_1.0
  fchown: { parameters: ["i32", "u32", "u32"], result: "i32" },
  // char *getcwd(char *buf, size_t size);  FBSD_1.0
  getcwd: { parameters: ["buffer", "usize"], result: "usize" },
  // char *realpath(const char * restrict pathname, char * restrict resolved_path);  FBSD_1.3
  realpath: { parameters: ["buffer", "buffer"], result: "usize" },
  // int poll(struct pollfd fds[], nfds_t nfds, int timeout);  (nfds_t: unsigned int)  FBSD_1.0
  poll: { parameters: ["buffer", "u32", "i32"], result: "i32" },
  // pid_t getpid(void);  FBSD_1.0
  getpid: { parameters: [], result: "i32" },
  // int *__error(void);  FBSD_1.0
  __error: { parameters: [], result: "usize" },
} as const;

/** The raw functions of the file layer's table. */
export type FreebsdFileSymbols = Library<typeof FILE_SYMBOLS>;

/** Every native call of the file layer: its table and errno. */
export interface FreebsdFileLibc extends Omit<FreebsdFileSymbols, "__error"> {
  /** The calling thread's errno; read right after the failed call. */
  errno(): number;
}

let loadedFiles: FreebsdFileLibc | undefined;

/** The file layer's functions from FreeBSD's libc.so.7, opened once. Throws on any other system. */
export function loadFreebsdFileLibc(): FreebsdFileLibc {
  if (loadedFiles !== undefined) return loadedFiles;
  const lib = ffi.dlopen(FREEBSD_ABI.libc, FILE_SYMBOLS);
  const errnoAddress = lib.__error();
  loadedFiles = { ...lib, errno: () => ffi.readI32(errnoAddress) };
  return loadedFiles;
}

let loaded: FreebsdLibc | undefined;

/** FreeBSD's libc.so.7, opened once. Throws on any other system. */
export function loadFreebsdLibc(): FreebsdLibc {
  if (loaded !== undefined) return loaded;
  const lib = ffi.dlopen(FREEBSD_ABI.libc, SYMBOLS);
  const errnoAddress = lib.__error();
  const name = new TextEncoder().encode("environ\0");
  const environName = new Uint8Array(new ArrayBuffer(name.length));
  environName.set(name);
  loaded = {
    ...lib,
    errno: () => ffi.readI32(errnoAddress),
    environ: () => {
      const address = lib.dlsym(FREEBSD_FLAGS.RTLD_DEFAULT, environName);
      if (address == 0) throw new Error("cannot find libc's environ");
      return ffi.readPointer(address);
    },
  };
  return loaded;
}
