/**
 * Functions FreeBSD's libc.so.7 and librt.so.1 export that filemon calls,
 * with the symbol version each has there (lib/libc/*\/Symbol.map,
 * lib/librt/Symbol.map; FreeBSD 12 and later). The module-graph test checks
 * every symbol table loaded on FreeBSD against these lists: a name Linux's
 * glibc alone has (statx, ptrace's Linux requests, process_vm_readv, prctl,
 * gettid, __errno_location) is not here.
 */

/** libc.so.7: name → symbol version. */
export const LIBC_SO_7: Readonly<Record<string, string>> = {
  __error: "FBSD_1.0",
  access: "FBSD_1.0",
  close: "FBSD_1.0",
  dlsym: "FBSD_1.0",
  execvp: "FBSD_1.0",
  fchmod: "FBSD_1.0",
  fchown: "FBSD_1.0",
  fcntl: "FBSD_1.0",
  fstat: "FBSD_1.5",
  fstatat: "FBSD_1.5",
  getcwd: "FBSD_1.0",
  getegid: "FBSD_1.0",
  geteuid: "FBSD_1.0",
  getgid: "FBSD_1.0",
  getpgrp: "FBSD_1.0",
  getpid: "FBSD_1.0",
  getuid: "FBSD_1.0",
  ioctl: "FBSD_1.0",
  kill: "FBSD_1.0",
  open: "FBSD_1.0",
  openat: "FBSD_1.1",
  pipe2: "FBSD_1.3",
  poll: "FBSD_1.0",
  posix_spawn: "FBSD_1.0",
  pthread_sigmask: "FBSD_1.0",
  read: "FBSD_1.0",
  readlink: "FBSD_1.0",
  realpath: "FBSD_1.3",
  rename: "FBSD_1.0",
  setitimer: "FBSD_1.0",
  sigaction: "FBSD_1.0",
  strerror: "FBSD_1.0",
  sysctl: "FBSD_1.0",
  tcgetpgrp: "FBSD_1.0",
  unlink: "FBSD_1.0",
  waitpid: "FBSD_1.0",
  write: "FBSD_1.0",
};

/** librt.so.1 (POSIX timers): name → symbol version. */
export const LIBRT_SO_1: Readonly<Record<string, string>> = {
  timer_create: "FBSD_1.0",
  timer_delete: "FBSD_1.0",
  timer_settime: "FBSD_1.0",
};
