/**
 * The libc symbols filemon uses, in one table with each C prototype beside
 * its entry, and the one place where a failed call becomes a typed error.
 *
 * Every call here runs on the calling JavaScript thread (the main thread),
 * which ptrace requires. Calls on the tracer's hot path return `i32` where
 * the C type is wider but the values fit, so results are numbers, not
 * BigInts.
 *
 * @module
 */

import { dlopen } from "./runtime/dlopen.ts";

const SYMBOLS = {
  // long ptrace(enum __ptrace_request request, pid_t pid, void *addr, void *data);
  // The requests used here return 0 or -1, so the result is read as an int
  // (a JavaScript number, not a BigInt: this is the tracer's hottest call).
  ptrace: { parameters: ["i32", "i32", "usize", "usize"], result: "i32" },
  // The same, with `data` pointing into a buffer of ours.
  ptrace_buf: {
    name: "ptrace",
    parameters: ["i32", "i32", "usize", "buffer"],
    result: "i32",
  },
  // pid_t waitpid(pid_t pid, int *wstatus, int options);
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  // ssize_t process_vm_readv(pid_t pid, const struct iovec *local_iov, unsigned long liovcnt,
  //                          const struct iovec *remote_iov, unsigned long riovcnt, unsigned long flags);
  process_vm_readv: {
    parameters: ["i32", "buffer", "usize", "buffer", "usize", "usize"],
    result: "i32", // at most a page is asked for at a time
  },
  // int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *file_actions,
  //                 const posix_spawnattr_t *attrp, char *const argv[], char *const envp[]);
  posix_spawn: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "buffer", "pointer"],
    result: "i32",
  },
  // int pipe2(int pipefd[2], int flags);
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  // ssize_t read(int fd, void *buf, size_t count);
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // ssize_t write(int fd, const void *buf, size_t count);
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // int fcntl(int fd, int cmd, int arg);  (variadic in C; int arguments pass the same way)
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // int close(int fd);
  close: { parameters: ["i32"], result: "i32" },
  // int open(const char *pathname, int flags, mode_t mode);
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  // int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf);
  statx: {
    parameters: ["i32", "buffer", "i32", "u32", "buffer"],
    result: "i32",
  },
  // int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
  linkat: {
    parameters: ["i32", "buffer", "i32", "buffer", "i32"],
    result: "i32",
  },
  // int rename(const char *oldpath, const char *newpath);
  rename: { parameters: ["buffer", "buffer"], result: "i32" },
  // int unlink(const char *pathname);
  unlink: { parameters: ["buffer"], result: "i32" },
  // ssize_t readlink(const char *pathname, char *buf, size_t bufsiz);
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "i32" }, // <= PATH_MAX
  // int access(const char *pathname, int mode);
  access: { parameters: ["buffer", "i32"], result: "i32" },
  // int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact);
  sigaction: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // int setitimer(int which, const struct itimerval *new_value, struct itimerval *old_value);
  setitimer: { parameters: ["i32", "buffer", "pointer"], result: "i32" },
  // pid_t getpid(void), by address: a handler that does nothing, so a signal
  // only interrupts a blocking call.
  getpid_address: { name: "getpid", type: "pointer" },
  // int kill(pid_t pid, int sig);
  kill: { parameters: ["i32", "i32"], result: "i32" },
  // int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);
  prctl: {
    parameters: ["i32", "usize", "usize", "usize", "usize"],
    result: "i32",
  },
  // int prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, struct sock_fprog *prog, 0, 0);
  prctl_buf: {
    name: "prctl",
    parameters: ["i32", "usize", "buffer", "usize", "usize"],
    result: "i32",
  },
  // int execvp(const char *file, char *const argv[]);
  execvp: { parameters: ["buffer", "buffer"], result: "i32" },
  // pid_t getpid(void);
  getpid: { parameters: [], result: "i32" },
  // int isatty(int fd);
  isatty: { parameters: ["i32"], result: "i32" },
  // char *strerror(int errnum);
  strerror: { parameters: ["i32"], result: "pointer" },
  // int *__errno_location(void);
  __errno_location: { parameters: [], result: "pointer" },
  // extern char **environ;
  environ: { type: "pointer" },
} as const;

/** The opened C library. */
export const libc = dlopen("libc.so.6", SYMBOLS).symbols;

const errnoPtr = libc.__errno_location()!;

/** The calling thread's errno; read it right after the failed call. */
export function errno(): number {
  return new Deno.UnsafePointerView(errnoPtr).getInt32();
}

/** errno names by number (Linux, all architectures filemon supports). */
export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  7: "E2BIG",
  8: "ENOEXEC",
  9: "EBADF",
  10: "ECHILD",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  18: "EXDEV",
  19: "ENODEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  25: "ENOTTY",
  26: "ETXTBSY",
  27: "EFBIG",
  28: "ENOSPC",
  29: "ESPIPE",
  30: "EROFS",
  31: "EMLINK",
  32: "EPIPE",
  36: "ENAMETOOLONG",
  38: "ENOSYS",
  39: "ENOTEMPTY",
  40: "ELOOP",
  61: "ENODATA",
  75: "EOVERFLOW",
  95: "EOPNOTSUPP",
  122: "EDQUOT",
};

/** The errno name for a number ("E123" when it has none here). */
export function errnoName(code: number): string {
  return ERRNO_NAMES[code] ?? `E${code}`;
}

/** The C library's message for an errno. */
export function strerror(code: number): string {
  const p = libc.strerror(code);
  return p === null ? `error ${code}` : Deno.UnsafePointerView.getCString(p);
}

/** A failed libc call: names the call and carries errno. */
export class LibcError extends Error {
  /** errno at the time of the failure. */
  readonly errno: number;
  /** errno's name, such as "ENOENT". */
  readonly code: string;
  /** The call that failed. */
  readonly call: string;

  constructor(call: string, errnum: number, what?: string) {
    super(
      `${call}${what === undefined ? "" : ` ${what}`}: ${strerror(errnum)} (${
        errnoName(errnum)
      })`,
    );
    this.name = "LibcError";
    this.errno = errnum;
    this.code = errnoName(errnum);
    this.call = call;
  }
}

/** Throws `LibcError` with errno when `result` is -1; returns it otherwise. */
export function check<T extends number | bigint>(
  call: string,
  result: T,
  what?: string,
): T {
  if (result === -1 || result === -1n) {
    throw new LibcError(call, errno(), what);
  }
  return result;
}

/**
 * A NUL-terminated copy of a string's bytes, for `const char *` arguments.
 * Its memory comes from an explicit ArrayBuffer, which V8 never keeps on its
 * moving heap, so its address (see `addressOf`) stays valid.
 */
export function cstring(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(bytes.length + 1));
  out.set(bytes);
  return out;
}

/**
 * The address of a buffer, for pointers stored inside other buffers (argv
 * arrays, struct fields). Give it buffers made from an explicit ArrayBuffer
 * (like `cstring`'s) or larger than 64 bytes: small typed arrays may live on
 * V8's moving heap.
 */
export function addressOf(buffer: Uint8Array<ArrayBuffer>): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
}

/** The process environment, as libc holds it (no Deno permission needed). */
export function environ(): Deno.PointerValue {
  return new Deno.UnsafePointerView(libc.environ!).getPointer(0);
}
