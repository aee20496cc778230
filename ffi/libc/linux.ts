/**
 * The Linux-only C library calls the tracer makes (ptrace, waitpid,
 * process_vm_readv, prctl, statx), one table with each C prototype beside
 * its entry. They sit on the tracer's hot path, so each returns an `int`
 * where the values fit: numbers, never BigInts.
 *
 * @module
 */

import { ffi } from "../runtime/ffi.ts";
import { ABI } from "./posix.ts";

const SYMBOLS = {
  // long ptrace(enum __ptrace_request request, pid_t pid, void *addr, void *data);
  // The requests used here return 0 or -1 (PTRACE_GET_SYSCALL_INFO: a size).
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
  // int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf);
  statx: {
    parameters: ["i32", "buffer", "i32", "u32", "buffer"],
    result: "i32",
  },
  // int ioctl(int fd, unsigned long request, void *argp);  (seccomp user notifications)
  ioctl: { parameters: ["i32", "usize", "buffer"], result: "i32" },
  // int fstat(int fd, struct stat *statbuf);
  fstat: { parameters: ["i32", "buffer"], result: "i32" },
  // long syscall(long number, ...);  for calls glibc 2.36 has no wrapper for
  // (seccomp, openat2, tgkill with our own signal): the results fit an int.
  syscall3: {
    name: "syscall",
    parameters: ["usize", "usize", "usize", "usize"],
    result: "i32",
  },
  syscall3_buf: {
    name: "syscall",
    parameters: ["usize", "usize", "usize", "buffer"],
    result: "i32",
  },
  // openat2(int dirfd, const char *path, struct open_how *how, size_t size)
  syscall_openat2: {
    name: "syscall",
    parameters: ["usize", "i32", "buffer", "buffer", "usize"],
    result: "i32",
  },
  // ssize_t readlinkat(int dirfd, const char *pathname, char *buf, size_t bufsiz);
  readlinkat: {
    parameters: ["i32", "buffer", "buffer", "usize"],
    result: "i32",
  },
  // ssize_t process_vm_writev(pid_t pid, const struct iovec *local_iov, unsigned long liovcnt,
  //                           const struct iovec *remote_iov, unsigned long riovcnt, unsigned long flags);
  process_vm_writev: {
    parameters: ["i32", "buffer", "usize", "buffer", "usize", "usize"],
    result: "i32",
  },
  // int faccessat(int dirfd, const char *pathname, int mode, int flags);  (faccessat2 with flags)
  faccessat: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  // ssize_t getxattr(const char *path, const char *name, void *value, size_t size);
  getxattr: {
    parameters: ["buffer", "buffer", "buffer", "usize"],
    result: "i32",
  },
  // pid_t gettid(void);
  gettid: { parameters: [], result: "i32" },
} as const;

/** The Linux-only functions. */
export const linux = ffi.dlopen(ABI.libc, SYMBOLS);
