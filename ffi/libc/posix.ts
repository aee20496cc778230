/**
 * The C library calls filemon makes on every POSIX system, in one table with
 * each C prototype beside its entry, behind typed wrappers: callers pass
 * strings, numbers and byte arrays, never BigInts or raw pointers, and a
 * failure is a `LibcError` carrying errno, made in one place.
 *
 * What differs by OS (the library's file name, how errno is reached, errno
 * names, flag values) comes from the OS's own module (`linux_abi.ts`,
 * `freebsd_abi.ts`), loaded on that OS only. The table holds only functions
 * both glibc's libc.so.6 and FreeBSD's libc.so.7 export (FreeBSD's symbol
 * version beside each, from lib/libc's Symbol.map files), so it loads on
 * either: what one OS alone has lives in that OS's own table
 * (`linux.ts`, `files_linux.ts`; `../freebsd/libc.ts`). Every call runs on
 * the calling JavaScript thread.
 *
 * @module
 */

import { ffi, type Wide } from "../runtime/ffi.ts";
import { proc } from "../runtime/process.ts";
import { loadOsAbi, type OsAbi } from "./abi.ts";
import { decodePath, encodePath } from "../../lib/path.ts";

/** This system's C library facts: file name, errno names, flag values. */
export const ABI: OsAbi = await loadOsAbi(proc.os, proc.arch);

/** Exported by both C libraries; FreeBSD's symbol version after each prototype. */
export const SYMBOLS = {
  // ssize_t read(int fd, void *buf, size_t count);  FBSD_1.0
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // ssize_t write(int fd, const void *buf, size_t count);  FBSD_1.0
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // int close(int fd);  FBSD_1.0
  close: { parameters: ["i32"], result: "i32" },
  // int open(const char *pathname, int flags, ...);  (mode_t passes as an int)  FBSD_1.0
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  // int openat(int dirfd, const char *pathname, int flags, ...);  FBSD_1.1
  openat: { parameters: ["i32", "buffer", "i32", "u32"], result: "i32" },
  // int pipe2(int pipefd[2], int flags);  FBSD_1.3
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  // int fcntl(int fd, int cmd, ...);  (an int argument passes the same way)  FBSD_1.0
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // int fchmod(int fd, mode_t mode);  FBSD_1.0
  fchmod: { parameters: ["i32", "u32"], result: "i32" },
  // int fchown(int fd, uid_t owner, gid_t group);  FBSD_1.0
  fchown: { parameters: ["i32", "u32", "u32"], result: "i32" },
  // char *getcwd(char *buf, size_t size);  FBSD_1.0
  getcwd: { parameters: ["buffer", "usize"], result: "usize" },
  // char *realpath(const char *path, char *resolved_path);  (resolved_path: PATH_MAX bytes)  FBSD_1.3
  realpath: { parameters: ["buffer", "buffer"], result: "usize" },
  // int poll(struct pollfd *fds, nfds_t nfds, int timeout);  FBSD_1.0
  poll: { parameters: ["buffer", "usize", "i32"], result: "i32" },
  // int rename(const char *oldpath, const char *newpath);  FBSD_1.0
  rename: { parameters: ["buffer", "buffer"], result: "i32" },
  // int unlink(const char *pathname);  FBSD_1.0
  unlink: { parameters: ["buffer"], result: "i32" },
  // ssize_t readlink(const char *pathname, char *buf, size_t bufsiz);  FBSD_1.0
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "i32" }, // <= PATH_MAX
  // int access(const char *pathname, int mode);  FBSD_1.0
  access: { parameters: ["buffer", "i32"], result: "i32" },
  // int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *file_actions,
  //                 const posix_spawnattr_t *attrp, char *const argv[], char *const envp[]);  FBSD_1.0
  posix_spawn: {
    parameters: ["buffer", "buffer", "usize", "usize", "buffer", "usize"],
    result: "i32",
  },
  // int execvp(const char *file, char *const argv[]);  FBSD_1.0
  execvp: { parameters: ["buffer", "buffer"], result: "i32" },
  // int kill(pid_t pid, int sig);  FBSD_1.0
  kill: { parameters: ["i32", "i32"], result: "i32" },
  // pid_t getpid(void);  FBSD_1.0
  getpid: { parameters: [], result: "i32" },
  // uid_t getuid(void); uid_t geteuid(void); gid_t getgid(void); gid_t getegid(void);  FBSD_1.0
  getuid: { parameters: [], result: "u32" },
  geteuid: { parameters: [], result: "u32" },
  getgid: { parameters: [], result: "u32" },
  getegid: { parameters: [], result: "u32" },
  // int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact);  FBSD_1.0
  sigaction: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset);  FBSD_1.0 (libc's stub, libthr's when loaded)
  pthread_sigmask: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  // int setitimer(int which, const struct itimerval *new_value, struct itimerval *old_value);  FBSD_1.0
  setitimer: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  // char *strerror(int errnum);  FBSD_1.0
  strerror: { parameters: ["i32"], result: "usize" },
  // void *dlsym(void *handle, const char *symbol);  (in libc since glibc 2.34; FreeBSD: FBSD_1.0)
  dlsym: { parameters: ["usize", "buffer"], result: "usize" },
} as const;

/** POSIX timers: in libc with glibc 2.34+, in librt on FreeBSD (`ABI.timerLibrary`, FBSD_1.0). */
export const TIMER_SYMBOLS = {
  // int timer_create(clockid_t clockid, struct sigevent *sevp, timer_t *timerid);
  timer_create: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  // int timer_settime(timer_t timerid, int flags, const struct itimerspec *new_value, struct itimerspec *old_value);
  timer_settime: {
    parameters: ["usize", "i32", "buffer", "usize"],
    result: "i32",
  },
  // int timer_delete(timer_t timerid);
  timer_delete: { parameters: ["usize"], result: "i32" },
} as const;

/** The raw functions, for the few hot paths that manage their own buffers. */
export const libc = {
  ...ffi.dlopen(ABI.libc, SYMBOLS),
  ...ffi.dlopen(ABI.timerLibrary ?? ABI.libc, TIMER_SYMBOLS),
};

// int *__errno_location(void) (glibc), int *__error(void) (FreeBSD).
const errnoAddress = ffi.dlopen(ABI.libc, {
  errno_location: { name: ABI.errnoFunction, parameters: [], result: "usize" },
}).errno_location();

/** The calling thread's errno; read it right after the failed call. */
export function errno(): number {
  return ffi.readI32(errnoAddress);
}

/** The errno name for a number ("E123" when it has none here). */
export function errnoName(code: number): string {
  return ABI.errnoNames[code] ?? `E${code}`;
}

const utf8Decoder = new TextDecoder();

/** The C library's message for an errno. */
export function strerror(code: number): string {
  const p = libc.strerror(code);
  return p == 0 ? `error ${code}` : utf8Decoder.decode(ffi.readCString(p));
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

/** Throws `LibcError` with errno when `result` is -1; returns it as a number otherwise. */
export function check(call: string, result: Wide, what?: string): number {
  if (result == -1) throw new LibcError(call, errno(), what);
  return Number(result);
}

/**
 * A NUL-terminated copy of a string (UTF-8, with the raw bytes of a path
 * string made by `decodePath`, see lib/path.ts) or of bytes, for
 * `const char *` arguments. Its memory is an explicit ArrayBuffer, which
 * never moves, so its address stays valid while it is referenced.
 */
export function cstring(text: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = typeof text === "string" ? encodePath(text) : text;
  const out = new Uint8Array(new ArrayBuffer(bytes.length + 1));
  out.set(bytes);
  return out;
}

/** Stores a non-negative integer below 2^53 as a little-endian u64 (a struct field). */
export function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, Math.floor(value / 0x100000000), true);
}

/** The address of a buffer, for pointers stored inside other buffers. */
export function addressOf(buffer: Uint8Array<ArrayBuffer>): bigint {
  return ffi.addressOf(buffer);
}

/**
 * A NULL-terminated `char *[]` (argv, envp) of `strings`. Keep the returned
 * object referenced until the call has returned: it holds the strings.
 */
export function cstringArray(
  strings: readonly string[],
): { array: Uint8Array<ArrayBuffer>; strings: Uint8Array<ArrayBuffer>[] } {
  const held = strings.map((s) => cstring(s));
  const ptrs = new BigUint64Array(new ArrayBuffer(8 * (held.length + 1)));
  held.forEach((s, i) => ptrs[i] = addressOf(s));
  return { array: new Uint8Array(ptrs.buffer), strings: held };
}

/** The process environment as libc holds it (no runtime permission needed). */
export function environ(): bigint {
  const address = libc.dlsym(ABI.RTLD_DEFAULT, cstring("environ"));
  if (address == 0) throw new Error("cannot find libc's environ");
  return ffi.readPointer(address);
}

/** The address of a C function (for a signal handler). */
export function functionAddress(name: string): bigint {
  const address = libc.dlsym(ABI.RTLD_DEFAULT, cstring(name));
  if (address == 0) throw new Error(`cannot find libc's ${name}`);
  return BigInt(address);
}

/** read(2), retried on EINTR; returns the count (0 at end of file). */
export function read(fd: number, buffer: Uint8Array<ArrayBuffer>): number {
  for (;;) {
    const n = libc.read(fd, buffer, buffer.length);
    if (n != -1) return Number(n);
    if (errno() !== ABI.EINTR) throw new LibcError("read", errno());
  }
}

/**
 * Writes all of `bytes`, retried on EINTR, and waiting (poll) when `fd` is
 * non-blocking and full (EAGAIN): a traced program may set O_NONBLOCK on a
 * terminal or pipe it shares with us.
 */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    const rest = bytes.subarray(off) as Uint8Array<ArrayBuffer>;
    const n = libc.write(fd, rest, rest.length);
    if (n == -1) {
      const err = errno();
      if (err === ABI.EINTR) continue;
      if (err === ABI.EAGAIN) {
        waitWritable(fd);
        continue;
      }
      throw new LibcError("write", err);
    }
    off += Number(n);
  }
}

/** Blocks until `fd` can be written (or has an error to report). */
function waitWritable(fd: number): void {
  // struct pollfd { int fd; short events; short revents; }
  const pfd = new Uint8Array(new ArrayBuffer(64));
  const view = new DataView(pfd.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, ABI.POLLOUT, true);
  while (libc.poll(pfd, 1, -1) === -1 && errno() === ABI.EINTR) {
    // interrupted by the tracer's own ticker: wait again
  }
}

/** close(2), ignoring errors (the fd is gone either way). */
export function close(fd: number): void {
  libc.close(fd);
}

/** A pipe whose ends are close-on-exec: [read end, write end]. */
export function pipe(): [number, number] {
  const fds = new Int32Array(new ArrayBuffer(8));
  check("pipe2", libc.pipe2(new Uint8Array(fds.buffer), ABI.O_CLOEXEC));
  return [fds[0], fds[1]];
}

/** Clears close-on-exec on `fd`, so a spawned program inherits it. */
export function inherit(fd: number): void {
  check("fcntl", libc.fcntl(fd, ABI.F_SETFD, 0));
}

/** open(2); throws `LibcError` naming the path. */
export function open(path: string, flags: number, mode = 0o666): number {
  return check("open", libc.open(cstring(path), flags, mode), `'${path}'`);
}

/** fchmod(2); throws `LibcError`. */
export function fchmod(fd: number, mode: number): void {
  check("fchmod", libc.fchmod(fd, mode));
}

/** fchown(2); throws `LibcError` (EPERM when we may not give the file away). */
export function fchown(fd: number, uid: number, gid: number): void {
  check("fchown", libc.fchown(fd, uid, gid));
}

const PATH_MAX = 4096;

/** This process's working directory, as the kernel names it (no symlinks). */
export function getcwd(): string {
  const buf = new Uint8Array(new ArrayBuffer(PATH_MAX));
  if (libc.getcwd(buf, PATH_MAX) == 0) throw new LibcError("getcwd", errno());
  return decodePath(buf, 0, buf.indexOf(0));
}

/** realpath(3): `path` with every symlink, `.` and `..` resolved; throws `LibcError`. */
export function realpath(path: string): string {
  const buf = new Uint8Array(new ArrayBuffer(PATH_MAX));
  if (libc.realpath(cstring(path), buf) == 0) {
    throw new LibcError("realpath", errno(), `'${path}'`);
  }
  return decodePath(buf, 0, buf.indexOf(0));
}

/** kill(2); false when the process is gone. */
export function kill(pid: number, signal: number): boolean {
  return libc.kill(pid, signal) === 0;
}

/** This process's id. */
export function getpid(): number {
  return libc.getpid();
}

/**
 * posix_spawn(3)s `argv` (argv[0] is a path) with libc's environment and our
 * standard streams; returns the child's pid.
 */
export function spawn(argv: readonly string[]): number {
  const args = cstringArray(argv);
  const pid = new Int32Array(new ArrayBuffer(8));
  const rc = libc.posix_spawn(
    new Uint8Array(pid.buffer),
    args.strings[0],
    0,
    0,
    args.array,
    environ(),
  );
  if (rc !== 0) throw new LibcError("posix_spawn", rc, argv[0]);
  return pid[0];
}

/** execvp(3); returns errno when it fails (it does not return otherwise). */
export function execvp(argv: readonly string[]): number {
  const args = cstringArray(argv);
  libc.execvp(args.strings[0], args.array);
  return errno();
}
