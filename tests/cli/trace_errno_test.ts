/**
 * The tracer must not change what a system call returns: a C program runs a
 * table of open/openat cases (successes with what fstat says, failures with
 * their errno, fd numbers, close-on-exec, contents read, threads) and prints
 * one line per case; its output traced must equal its output untraced. The
 * trace of the run with `--ops all --failed` must also show each case's open
 * with the same success or errno as the program saw.
 */

import { assert, assertEquals } from "@std/assert";
import { parseJsonLine, type TraceEvent } from "../../lib/mod.ts";
import { cc, FILEMON, installed, traceArgs } from "../_helpers.ts";

const haveCc = Deno.build.os === "linux" && installed("gcc");

/**
 * `./prog setup` (re)creates the fixture in the working directory; `./prog`
 * runs the cases and prints `name<TAB>result<TAB>path` per case, path `-`
 * when the call names no path of its own. A result is `ok TYPE SIZE [...]`
 * (from fstat) or an errno name. Every case that passes a path opens it
 * once, and no other case passes the same path.
 */
const PROG_C = String.raw`#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct how { unsigned long long flags, mode, resolve; };
#define RESOLVE_NO_SYMLINKS_ 0x04ULL

static const char *errname(int e) {
  static char b[32];
  switch (e) {
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case ESRCH: return "ESRCH";
  case EINTR: return "EINTR";
  case ENXIO: return "ENXIO";
  case E2BIG: return "E2BIG";
  case EBADF: return "EBADF";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES";
  case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY";
  case EEXIST: return "EEXIST";
  case EXDEV: return "EXDEV";
  case ENODEV: return "ENODEV";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  case EINVAL: return "EINVAL";
  case EMFILE: return "EMFILE";
  case ETXTBSY: return "ETXTBSY";
  case EROFS: return "EROFS";
  case ENAMETOOLONG: return "ENAMETOOLONG";
  case ENOSYS: return "ENOSYS";
  case ELOOP: return "ELOOP";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case EOVERFLOW: return "EOVERFLOW";
  }
  snprintf(b, sizeof b, "E%d", e);
  return b;
}

static const char *ftype(mode_t m) {
  if (S_ISREG(m)) return "reg";
  if (S_ISDIR(m)) return "dir";
  if (S_ISCHR(m)) return "chr";
  if (S_ISBLK(m)) return "blk";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISLNK(m)) return "lnk";
  if (S_ISSOCK(m)) return "sock";
  return "?";
}

static void out(const char *name, const char *result, const char *path) {
  printf("%s\t%s\t%s\n", name, result, path ? path : "-");
}

/* "ok TYPE SIZE" from fstat, or the errno name. */
static const char *describe(long fd, int err) {
  static char b[256];
  struct stat st;
  if (fd < 0) return errname(err);
  if (fstat((int)fd, &st) != 0)
    snprintf(b, sizeof b, "ok fstat=%s", errname(errno));
  else
    snprintf(b, sizeof b, "ok %s %lld", ftype(st.st_mode), (long long)st.st_size);
  return b;
}

static void simple(const char *name, const char *path, long fd, int err) {
  out(name, describe(fd, err), path);
  if (fd >= 0) close((int)fd);
}

#define OPEN(name, path, flags)                          \
  do {                                                   \
    errno = 0;                                           \
    int fd_ = open((path), (flags), 0644);               \
    int e_ = errno;                                      \
    simple((name), (path), fd_, e_);                     \
  } while (0)

/* Opens, reads up to 4 KiB and says whether the bytes are the expected ones. */
static void content(const char *name, const char *path, int flags,
                    const char *want) {
  char b[4096], r[512];
  errno = 0;
  int fd = open(path, flags);
  int e = errno;
  if (fd < 0) { simple(name, path, fd, e); return; }
  ssize_t n = read(fd, b, sizeof b);
  int match = n == (ssize_t)strlen(want) && memcmp(b, want, n) == 0;
  snprintf(r, sizeof r, "%s content=%s", describe(fd, 0),
           n < 0 ? errname(errno) : match ? "match" : "MISMATCH");
  out(name, r, path);
  close(fd);
}

/* ---- fixture ---- */

static int setup_failed;
static void must(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "setup: %s: %s\n", what, strerror(errno));
    setup_failed = 1;
  }
}
static void rmf(const char *p) {
  if (unlink(p) != 0) must(errno == ENOENT, p);
}
static void mkfile(const char *p, const char *text, mode_t mode) {
  rmf(p);
  int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
  must(fd >= 0, p);
  if (fd >= 0) {
    must(write(fd, text, strlen(text)) == (ssize_t)strlen(text), p);
    close(fd);
  }
  must(chmod(p, mode) == 0, p);
}
static void mkdirm(const char *p, mode_t mode) {
  if (mkdir(p, 0755) != 0) must(errno == EEXIST, p);
  must(chmod(p, mode) == 0, p);
}
static void mksym(const char *target, const char *p) {
  rmf(p);
  must(symlink(target, p) == 0, p);
}
static void mkfifo_(const char *p) {
  rmf(p);
  must(mkfifo(p, 0644) == 0, p);
}

static char n255[256], n256[257], pm4095[4096], pm4096[4097];
static void long_names(void) {
  memset(n255, 'x', 255);
  memcpy(n255, "n255_", 5);
  memset(n256, 'y', 256);
  memcpy(n256, "n256_", 5);
  /* "./" * 2042 + "pm4095_.txt": 4095 bytes, the longest path (PATH_MAX
     counts the NUL); one more byte is too long. */
  for (int i = 0; i < 2042; i++) memcpy(pm4095 + 2 * i, "./", 2);
  strcpy(pm4095 + 4084, "pm4095_.txt");
  for (int i = 0; i < 2043; i++) memcpy(pm4096 + 2 * i, "./", 2);
  strcpy(pm4096 + 4086, "pm4096.txt");
}

static void chain(const char *prefix, int links) {
  char p[64], t[64];
  for (int i = 0; i < links; i++) {
    snprintf(p, sizeof p, "%s_%02d", prefix, i);
    if (i + 1 < links) snprintf(t, sizeof t, "%s_%02d", prefix, i + 1);
    else snprintf(t, sizeof t, "%s_target.txt", prefix);
    mksym(t, p);
  }
  snprintf(p, sizeof p, "%s_target.txt", prefix);
  mkfile(p, "end of chain\n", 0644);
}

static int setup(void) {
  char p[64], t[64];
  umask(022);
  mkfile("inherited.txt", "inherited\n", 0644);
  mkfile("reg_rdonly.txt", "hello\n", 0644);
  mkfile("content.txt", "filemon-content-0123456789\n", 0644);
  rmf("missing_enoent.txt");
  mkdirm("dir_rdonly", 0755);
  mkdirm("dir_odirectory", 0755);
  mkdirm("dir_wronly", 0755);
  mkfile("notdir_odir.txt", "f\n", 0644);
  mkfile("notdir_comp.txt", "f\n", 0644);
  mkfile("mode0000.txt", "secret\n", 0);
  mkdirm("nosearch_dir", 0755);
  mkfile("nosearch_dir/inner.txt", "inner\n", 0644);
  must(chmod("nosearch_dir", 0666) == 0, "nosearch_dir");
  mkfile("nofollow_target.txt", "target\n", 0644);
  mksym("nofollow_target.txt", "nofollow_link");
  mkfile("nofollow_reg.txt", "reg\n", 0644);
  rmf("dangling_missing_target");
  mksym("dangling_missing_target", "dangling_link");
  rmf("dangling_creat_target.txt");
  mksym("dangling_creat_target.txt", "dangling_creat");
  rmf("dangling_excl_target.txt");
  mksym("dangling_excl_target.txt", "dangling_excl");
  mksym("loop_b", "loop_a");
  mksym("loop_a", "loop_b");
  chain("c40", 40);
  chain("c41", 41);
  long_names();
  mkfile(n255, "255\n", 0644);
  mkfile("pm4095_.txt", "4095\n", 0644);
  mkfile("pm4096.txt", "4096\n", 0644);
  mkdirm("at_dir", 0755);
  mkfile("at_dir/at_inner.txt", "inner\n", 0644);
  mkfile("at_dir/at_inner_garbage.txt", "inner garbage\n", 0644);
  mkfile("at_dir/at_inner_high.txt", "inner high\n", 0644);
  mkfile("at_file.txt", "at file\n", 0644);
  mkfile("at_abs_badfd.txt", "abs\n", 0644);
  mkfile("at_fdcwd_raw.txt", "raw\n", 0644);
  mkfile("at_fdcwd_zext.txt", "zext\n", 0644);
  mkfile("at_fdcwd_garbage.txt", "garbage\n", 0644);
  mkfile("flags_high.txt", "flags\n", 0644);
  mkfile("opath_reg.txt", "opath\n", 0644);
  mkfile("opath_0000.txt", "opath0\n", 0);
  mksym("opath_reg.txt", "opath_link");
  mkdirm("opath_dir", 0755);
  mkfifo_("fifo_nb");
  mkfifo_("fifo_wr_nb");
  mkfile("cloexec_on.txt", "on\n", 0644);
  mkfile("cloexec_off.txt", "off\n", 0644);
  mkfile("lowfd_a.txt", "a\n", 0644);
  mkfile("lowfd_b.txt", "b\n", 0644);
  mkfile("lowfd_c.txt", "c\n", 0644);
  mkfile("trunc_ro.txt", "abc\n", 0444);
  mkfile("trunc_rw.txt", "abc\n", 0644);
  mkfile("excl_exists.txt", "exists\n", 0644);
  rmf("creat_new.txt");
  if (rmdir("nodir") != 0) must(errno == ENOENT, "nodir");
  mkdirm("tmpfile_dir", 0755);
  mkfile("pageedge.txt", "edge\n", 0644);
  mkfile("sys_open.txt", "sys open\n", 0644);
  mkfile("openat2_reg.txt", "openat2\n", 0644);
  mksym("openat2_reg.txt", "openat2_link");
  mkdirm("thr", 0755);
  for (int i = 0; i < 200; i++) {
    snprintf(p, sizeof p, "thr/f%03d", i);
    snprintf(t, sizeof t, "file %03d\n", i);
    mkfile(p, t, 0644);
    snprintf(p, sizeof p, "thr/missing%03d", i);
    rmf(p);
  }
  return setup_failed;
}

/* ---- threads ---- */

static pthread_barrier_t barrier;
struct tres { long opened, bytes, enoent, bad, other; };
static void *worker(void *arg) {
  struct tres *r = arg;
  char p[64], want[64], b[64];
  pthread_barrier_wait(&barrier);
  for (int j = 0; j < 200; j++) {
    snprintf(p, sizeof p, "thr/f%03d", j);
    snprintf(want, sizeof want, "file %03d\n", j);
    int fd = open(p, O_RDONLY);
    if (fd < 0) { r->other++; continue; }
    r->opened++;
    ssize_t n = read(fd, b, sizeof b);
    if (n > 0) r->bytes += n;
    if (n != (ssize_t)strlen(want) || memcmp(b, want, n) != 0) r->bad++;
    close(fd);
    snprintf(p, sizeof p, "thr/missing%03d", j);
    fd = open(p, O_RDONLY);
    if (fd >= 0) { r->other++; close(fd); }
    else if (errno == ENOENT) r->enoent++;
    else r->other++;
  }
  return 0;
}

/* Without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH root sees EACCES too. */
static const char *drop_dac(void) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  if (geteuid() != 0) return "unprivileged";
  if (syscall(SYS_capget, &h, d) != 0) return "capget-failed";
  d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
  if (syscall(SYS_capset, &h, d) != 0) return "root-with-dac";
  return "root-dac-dropped";
}

int main(int argc, char **argv) {
  char r[512], abs_path[4200], cwd[4096];
  int fd, e;
  long lfd;
  if (argc > 1 && strcmp(argv[1], "setup") == 0) return setup();
  long_names();

  /* Descriptors open at start (the tracer adds none and keeps the ones
     passed on, such as the test's 5), then the lowest free one rule. */
  {
    char list[512] = "";
    for (int i = 0; i < 1024; i++)
      if (fcntl(i, F_GETFD) >= 0)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d",
                 list[0] ? "," : "", i);
    out("fds-at-start", list, 0);
    int a = open("lowfd_a.txt", O_RDONLY);
    int b = open("lowfd_b.txt", O_RDONLY);
    snprintf(r, sizeof r, "%s fd=%d", describe(a, errno), a);
    out("lowfd-first", r, "lowfd_a.txt");
    snprintf(r, sizeof r, "%s fd=%d", describe(b, errno), b);
    out("lowfd-second", r, "lowfd_b.txt");
    close(a);
    int c = open("lowfd_c.txt", O_RDONLY);
    snprintf(r, sizeof r, "%s fd=%d (after closing %d)", describe(c, errno), c, a);
    out("lowfd-after-close", r, "lowfd_c.txt");
    close(b);
    close(c);
  }

  out("privilege", drop_dac(), 0);
  snprintf(r, sizeof r, "%03o", (unsigned)umask(022));
  out("umask", r, 0);

  content("regular-rdonly", "reg_rdonly.txt", O_RDONLY, "hello\n");
  content("read-content", "content.txt", O_RDONLY,
          "filemon-content-0123456789\n");
  OPEN("missing-enoent", "missing_enoent.txt", O_RDONLY);
  OPEN("dir-rdonly", "dir_rdonly", O_RDONLY);
  OPEN("dir-rdonly-odirectory", "dir_odirectory", O_RDONLY | O_DIRECTORY);
  OPEN("file-odirectory-enotdir", "notdir_odir.txt", O_RDONLY | O_DIRECTORY);
  OPEN("file-component-enotdir", "notdir_comp.txt/x", O_RDONLY);
  OPEN("mode0000-rdonly", "mode0000.txt", O_RDONLY);
  OPEN("nosearch-dir-in-path", "nosearch_dir/inner.txt", O_RDONLY);
  OPEN("nofollow-symlink-eloop", "nofollow_link", O_RDONLY | O_NOFOLLOW);
  OPEN("nofollow-regular", "nofollow_reg.txt", O_RDONLY | O_NOFOLLOW);
  OPEN("dangling-symlink", "dangling_link", O_RDONLY);
  OPEN("dangling-symlink-ocreat", "dangling_creat", O_WRONLY | O_CREAT);
  OPEN("dangling-symlink-oexcl", "dangling_excl", O_WRONLY | O_CREAT | O_EXCL);
  OPEN("symlink-loop", "loop_a", O_RDONLY);
  content("symlinks-40-chained", "c40_00", O_RDONLY, "end of chain\n");
  OPEN("symlinks-41-chained", "c41_00", O_RDONLY);
  OPEN("name-255", n255, O_RDONLY);
  OPEN("name-256-enametoolong", n256, O_RDONLY);
  content("path-4095", pm4095, O_RDONLY, "4095\n");
  OPEN("path-4096-enametoolong", pm4096, O_RDONLY);
  OPEN("empty-path", "", O_RDONLY);
  OPEN("nodir-ocreat", "nodir/creat.txt", O_WRONLY | O_CREAT);

  /* openat */
  {
    int dfd = open("at_dir", O_RDONLY | O_DIRECTORY);
    errno = 0;
    fd = openat(dfd, "at_inner.txt", O_RDONLY);
    simple("openat-dirfd-dir", "at_inner.txt", fd, errno);
    errno = 0;
    lfd = syscall(SYS_openat, 0xdead00000000L | (long)dfd,
                  "at_inner_garbage.txt", O_RDONLY);
    simple("openat-dirfd-upper-bits", "at_inner_garbage.txt", lfd, errno);
    /* The kernel takes an int: only the low 32 bits count, also when the
       upper ones make a number above 2^53. */
    errno = 0;
    lfd = syscall(SYS_openat, (long)0x5a5a5a5a00000000UL | (long)dfd,
                  "at_inner_high.txt", O_RDONLY);
    simple("openat-dirfd-high-bits", "at_inner_high.txt", lfd, errno);
    close(dfd);
    int ffd = open("at_file.txt", O_RDONLY);
    errno = 0;
    fd = openat(ffd, "at_via_file", O_RDONLY);
    simple("openat-dirfd-file-enotdir", "at_via_file", fd, errno);
    close(ffd);
    errno = 0;
    fd = openat(0, "at_via_stdin", O_RDONLY);
    simple("openat-dirfd-stdin-pipe-enotdir", "at_via_stdin", fd, errno);
    close(900);
    errno = 0;
    fd = openat(900, "at_closed_rel", O_RDONLY);
    simple("openat-closed-dirfd-ebadf", "at_closed_rel", fd, errno);
    errno = 0;
    fd = openat(-5, "at_negative_rel", O_RDONLY);
    simple("openat-negative-dirfd-ebadf", "at_negative_rel", fd, errno);
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
    snprintf(abs_path, sizeof abs_path, "%s/at_abs_badfd.txt", cwd);
    errno = 0;
    fd = openat(900, abs_path, O_RDONLY);
    simple("openat-absolute-closed-dirfd", abs_path, fd, errno);
    errno = 0;
    lfd = syscall(SYS_openat, (long)AT_FDCWD, "at_fdcwd_raw.txt", O_RDONLY);
    simple("openat-at-fdcwd-sign-extended", "at_fdcwd_raw.txt", lfd, errno);
    errno = 0;
    lfd = syscall(SYS_openat, (long)(unsigned)AT_FDCWD, "at_fdcwd_zext.txt",
                  O_RDONLY);
    simple("openat-at-fdcwd-zero-extended", "at_fdcwd_zext.txt", lfd, errno);
    errno = 0;
    lfd = syscall(SYS_openat, 0x1234567800000000L | (unsigned)AT_FDCWD,
                  "at_fdcwd_garbage.txt", O_RDONLY);
    simple("openat-at-fdcwd-upper-bits", "at_fdcwd_garbage.txt", lfd, errno);
    errno = 0;
    lfd = syscall(SYS_openat, (long)AT_FDCWD, "flags_high.txt",
                  0x1234567800000000L | O_WRONLY | O_APPEND);
    simple("openat-flags-upper-bits", "flags_high.txt", lfd, errno);
  }

  /* O_PATH */
  {
    OPEN("opath-regular", "opath_reg.txt", O_PATH);
    errno = 0;
    fd = open("opath_0000.txt", O_PATH);
    e = errno;
    if (fd >= 0) {
      char b[8];
      ssize_t n = read(fd, b, sizeof b);
      snprintf(r, sizeof r, "%s read=%s", describe(fd, 0),
               n < 0 ? errname(errno) : "ok");
      out("opath-mode0000", r, "opath_0000.txt");
      close(fd);
    } else simple("opath-mode0000", "opath_0000.txt", fd, e);
    OPEN("opath-nofollow-symlink", "opath_link", O_PATH | O_NOFOLLOW);
    OPEN("opath-directory", "opath_dir", O_PATH | O_DIRECTORY);
  }

  OPEN("dev-null", "/dev/null", O_RDONLY);
  OPEN("fifo-rdonly-nonblock", "fifo_nb", O_RDONLY | O_NONBLOCK);
  OPEN("fifo-wronly-nonblock-enxio", "fifo_wr_nb", O_WRONLY | O_NONBLOCK);

  {
    errno = 0;
    fd = open("/proc/self/status", O_RDONLY);
    e = errno;
    if (fd >= 0) {
      char b[8192];
      ssize_t n = read(fd, b, sizeof b - 1);
      b[n > 0 ? n : 0] = 0;
      char *pid = strstr(b, "\nPid:");
      snprintf(r, sizeof r, "%s %s", describe(fd, 0),
               pid && atol(pid + 5) == (long)getpid() ? "self ok" : "self wrong");
      out("proc-self-status", r, "/proc/self/status");
      close(fd);
    } else simple("proc-self-status", "/proc/self/status", fd, e);
  }
  {
    errno = 0;
    fd = open("/dev/stdin", O_RDONLY);
    e = errno;
    if (fd >= 0) {
      char b[64] = "";
      ssize_t n = read(fd, b, sizeof b - 1);
      b[n > 0 ? n : 0] = 0;
      if (n > 0 && b[n - 1] == '\n') b[n - 1] = 0;
      snprintf(r, sizeof r, "%s read=%s", describe(fd, 0), b);
      out("dev-stdin", r, "/dev/stdin");
      close(fd);
    } else simple("dev-stdin", "/dev/stdin", fd, e);
  }
  {
    fd = open("cloexec_on.txt", O_RDONLY | O_CLOEXEC);
    snprintf(r, sizeof r, "%s cloexec=%d", describe(fd, errno),
             fd >= 0 ? (fcntl(fd, F_GETFD) & FD_CLOEXEC) : -1);
    out("ocloexec-set", r, "cloexec_on.txt");
    if (fd >= 0) close(fd);
    fd = open("cloexec_off.txt", O_RDONLY);
    snprintf(r, sizeof r, "%s cloexec=%d", describe(fd, errno),
             fd >= 0 ? (fcntl(fd, F_GETFD) & FD_CLOEXEC) : -1);
    out("ocloexec-unset", r, "cloexec_off.txt");
    if (fd >= 0) close(fd);
  }
  OPEN("rdonly-otrunc-readonly-file", "trunc_ro.txt", O_RDONLY | O_TRUNC);
  OPEN("rdonly-otrunc-writable-file", "trunc_rw.txt", O_RDONLY | O_TRUNC);
  OPEN("ocreat-oexcl-eexist", "excl_exists.txt", O_WRONLY | O_CREAT | O_EXCL);
  {
    errno = 0;
    fd = open("creat_new.txt", O_WRONLY | O_CREAT | O_EXCL, 0666);
    e = errno;
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0) {
      snprintf(r, sizeof r, "%s perm=%03o", describe(fd, 0),
               (unsigned)(st.st_mode & 0777));
      out("ocreat-new-file", r, "creat_new.txt");
      close(fd);
    } else simple("ocreat-new-file", "creat_new.txt", fd, e);
  }
  OPEN("dir-wronly-eisdir", "dir_wronly", O_WRONLY);
  OPEN("otmpfile", "tmpfile_dir", O_TMPFILE | O_RDWR);
  OPEN("otmpfile-missing-dir", "tmpfile_missing_dir", O_TMPFILE | O_RDWR);

  /* Raw open(2) where the architecture has it. */
#ifdef SYS_open
  errno = 0;
  lfd = syscall(SYS_open, "sys_open.txt", O_RDONLY, 0);
  simple("sys-open", "sys_open.txt", lfd, errno);
  errno = 0;
  lfd = syscall(SYS_open, "sys_open_missing.txt", O_RDONLY, 0);
  simple("sys-open-missing", "sys_open_missing.txt", lfd, errno);
#endif
  {
    struct how h = {O_RDONLY, 0, 0};
    errno = 0;
    lfd = syscall(SYS_openat2, AT_FDCWD, "openat2_reg.txt", &h, sizeof h);
    simple("openat2", "openat2_reg.txt", lfd, errno);
    h.resolve = RESOLVE_NO_SYMLINKS_;
    errno = 0;
    lfd = syscall(SYS_openat2, AT_FDCWD, "openat2_link", &h, sizeof h);
    simple("openat2-resolve-no-symlinks", "openat2_link", lfd, errno);
    errno = 0;
    lfd = syscall(SYS_openat2, AT_FDCWD, "openat2_badsize.txt", &h, 8);
    simple("openat2-bad-size", "openat2_badsize.txt", lfd, errno);
  }

  /* Paths the kernel (and the tracer) read at the edge of readable memory. */
  {
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(0, 2 * pg, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(m + pg, pg, PROT_NONE);
    char *p = m + pg - sizeof "pageedge.txt";
    memcpy(p, "pageedge.txt", sizeof "pageedge.txt");
    errno = 0;
    fd = open(p, O_RDONLY);
    simple("path-ends-at-page-end", "pageedge.txt", fd, errno);
    memset(m + pg - 16, 'z', 16);
    errno = 0;
    lfd = syscall(SYS_openat, AT_FDCWD, m + pg - 16, O_RDONLY);
    simple("path-runs-into-unreadable-page", 0, lfd, errno);
    errno = 0;
    lfd = syscall(SYS_openat, AT_FDCWD, (char *)1, O_RDONLY);
    simple("path-bad-pointer", 0, lfd, errno);
  }

  {
    pthread_t t[4];
    struct tres res[4];
    memset(res, 0, sizeof res);
    pthread_barrier_init(&barrier, 0, 4);
    for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, worker, &res[i]);
    struct tres sum = {0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
      pthread_join(t[i], 0);
      sum.opened += res[i].opened;
      sum.bytes += res[i].bytes;
      sum.enoent += res[i].enoent;
      sum.bad += res[i].bad;
      sum.other += res[i].other;
    }
    snprintf(r, sizeof r, "opened=%ld bytes=%ld enoent=%ld bad=%ld other=%ld",
             sum.opened, sum.bytes, sum.enoent, sum.bad, sum.other);
    out("threads-4x200", r, 0);
  }
  return 0;
}
`;

/** What the untraced run must print (a prefix of the result), per case. */
const EXPECTED: Record<string, string | string[] | RegExp> = {
  // 5 from the test; the test runner may pass more on.
  "fds-at-start": /^0,1,2(,\d+)*,5(,\d+)*$/,
  "lowfd-first": "ok reg 2 fd=3",
  "lowfd-second": "ok reg 2 fd=4",
  "lowfd-after-close": "ok reg 2 fd=3",
  "regular-rdonly": "ok reg 6 content=match",
  "read-content": "ok reg 27 content=match",
  "missing-enoent": "ENOENT",
  "dir-rdonly": "ok dir",
  "dir-rdonly-odirectory": "ok dir",
  "file-odirectory-enotdir": "ENOTDIR",
  "file-component-enotdir": "ENOTDIR",
  "mode0000-rdonly": ["EACCES", "ok reg 7"],
  "nosearch-dir-in-path": ["EACCES", "ok reg 6"],
  "nofollow-symlink-eloop": "ELOOP",
  "nofollow-regular": "ok reg 4",
  "dangling-symlink": "ENOENT",
  "dangling-symlink-ocreat": "ok reg 0",
  "dangling-symlink-oexcl": "EEXIST",
  "symlink-loop": "ELOOP",
  "symlinks-40-chained": "ok reg 13 content=match",
  "symlinks-41-chained": "ELOOP",
  "name-255": "ok reg 4",
  "name-256-enametoolong": "ENAMETOOLONG",
  "path-4095": "ok reg 5 content=match",
  "path-4096-enametoolong": "ENAMETOOLONG",
  "empty-path": "ENOENT",
  "nodir-ocreat": "ENOENT",
  "openat-dirfd-dir": "ok reg 6",
  "openat-dirfd-upper-bits": "ok reg 14",
  "openat-dirfd-high-bits": "ok reg 11",
  "openat-dirfd-file-enotdir": "ENOTDIR",
  "openat-dirfd-stdin-pipe-enotdir": "ENOTDIR",
  "openat-closed-dirfd-ebadf": "EBADF",
  "openat-negative-dirfd-ebadf": "EBADF",
  "openat-absolute-closed-dirfd": "ok reg 4",
  "openat-at-fdcwd-sign-extended": "ok reg 4",
  "openat-at-fdcwd-zero-extended": "ok reg 5",
  "openat-at-fdcwd-upper-bits": "ok reg 8",
  "openat-flags-upper-bits": "ok reg 6",
  "opath-regular": "ok reg 6",
  "opath-mode0000": "ok reg 7 read=EBADF",
  "opath-nofollow-symlink": "ok lnk 13",
  "opath-directory": "ok dir",
  "dev-null": "ok chr 0",
  "fifo-rdonly-nonblock": "ok fifo 0",
  "fifo-wronly-nonblock-enxio": "ENXIO",
  "proc-self-status": "ok reg 0 self ok",
  "dev-stdin": "ok fifo 0 read=stdin-data",
  "ocloexec-set": "ok reg 3 cloexec=1",
  "ocloexec-unset": "ok reg 4 cloexec=0",
  "rdonly-otrunc-readonly-file": ["EACCES", "ok reg 0"],
  "rdonly-otrunc-writable-file": "ok reg 0",
  "ocreat-oexcl-eexist": "EEXIST",
  "ocreat-new-file": "ok reg 0 perm=644",
  "dir-wronly-eisdir": "EISDIR",
  "otmpfile": ["ok reg 0", "EOPNOTSUPP"],
  "otmpfile-missing-dir": "ENOENT",
  "sys-open": "ok reg 9",
  "sys-open-missing": "ENOENT",
  "openat2": ["ok reg 8", "ENOSYS"],
  "openat2-resolve-no-symlinks": ["ELOOP", "ENOSYS"],
  "openat2-bad-size": ["EINVAL", "ENOSYS"],
  "path-ends-at-page-end": "ok reg 5",
  "path-runs-into-unreadable-page": "EFAULT",
  "path-bad-pointer": "EFAULT",
  "threads-4x200": "opened=800 bytes=7200 enoent=800 bad=0 other=0",
};

/** A case's printed line. */
interface Case {
  name: string;
  result: string;
  path?: string;
}

function parseCases(stdout: string): Case[] {
  return stdout.split("\n").filter((l) => l !== "").map((l) => {
    const [name, result, path] = l.split("\t");
    return path === "-" ? { name, result } : { name, result, path };
  });
}

/** The first word of a result: its errno name, or undefined for success. */
function errorOf(result: string): string | undefined {
  return result.startsWith("ok") ? undefined : result.split(" ")[0];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `./prog setup`, then `program args` with a pipe for stdin and
 * descriptor 5 open.
 */
async function run(dir: string, program: string, args: string[]) {
  const setup = await new Deno.Command(`${dir}/prog`, {
    args: ["setup"],
    cwd: dir,
    stderr: "piped",
  }).output();
  assert(setup.success, new TextDecoder().decode(setup.stderr));
  // Descriptor 5 open on a file: the command must get it, as without tracer.
  const child = new Deno.Command("sh", {
    args: ["-c", 'exec 5<inherited.txt "$@"', "sh", program, ...args],
    cwd: dir,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode("stdin-data\n"));
  await w.close();
  // A hang fails this test in two minutes, not CI in ninety.
  const watchdog = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 120_000);
  const r = await child.output();
  clearTimeout(watchdog);
  const dec = new TextDecoder();
  return {
    code: r.code,
    stdout: dec.decode(r.stdout),
    stderr: dec.decode(r.stderr),
  } satisfies Run;
}

/** Shortens a long path for messages. */
function short(path: string): string {
  return path.length > 60 ? `${path.slice(0, 20)}...(${path.length})` : path;
}

/** An open, or an O_PATH open (a lookup: it reads nothing). */
type OpenEvent = Extract<TraceEvent, { op: "open" | "lookup" }>;

/** A temporary directory with the program built in it. */
async function prepare(): Promise<string> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "filemon-errno-" }),
  );
  await cc(dir, "prog", PROG_C, ["-pthread"]);
  return dir;
}

async function cleanup(dir: string): Promise<void> {
  await Deno.chmod(`${dir}/nosearch_dir`, 0o755).catch(() => {});
  await Deno.remove(dir, { recursive: true });
}

/** Runs the program under `trace -f jsonl --ops all --failed`. */
async function traceAll(
  dir: string,
): Promise<{ run: Run; cases: Case[]; opens: OpenEvent[] }> {
  const out = `${dir}/trace.jsonl`;
  const traced = await run(
    dir,
    FILEMON,
    traceArgs(
      "-f",
      "jsonl",
      "-o",
      out,
      "--ops",
      "all",
      "--failed",
      "--",
      "./prog",
    ),
  );
  assertEquals(traced.code, 0, traced.stderr);
  const events = (await Deno.readTextFile(out)).split("\n")
    .filter((l) => l !== "").map((l, i) => parseJsonLine(l, i + 1));
  return {
    run: traced,
    cases: parseCases(traced.stdout),
    opens: events.filter((e): e is OpenEvent =>
      e.op === "open" || e.op === "lookup"
    ),
  };
}

Deno.test({
  name: "trace does not change what open and openat return",
  ignore: !haveCc,
  async fn(t) {
    const dir = await prepare();
    try {
      const untraced = await run(dir, `${dir}/prog`, []);
      assertEquals(untraced.code, 0, untraced.stderr);
      assertEquals(untraced.stderr, "");
      const cases = parseCases(untraced.stdout);
      const byName = new Map(cases.map((c) => [c.name, c]));

      await t.step("the program tests what it says (untraced)", () => {
        const wrong: string[] = [];
        for (const [name, want] of Object.entries(EXPECTED)) {
          const got = byName.get(name)?.result;
          const ok = got !== undefined &&
            (want instanceof RegExp
              ? want.test(got)
              : (Array.isArray(want) ? want : [want]).some((w) =>
                got === w || got.startsWith(`${w} `)
              ));
          if (!ok) wrong.push(`${name}: ${got} (expected ${want})`);
        }
        assertEquals(wrong, []);
        assertEquals(
          cases.map((c) => c.name).filter((n) =>
            !(n in EXPECTED) && n !== "privilege" && n !== "umask"
          ),
          [],
          "cases without an expectation",
        );
      });

      /** The cases whose result differs from the untraced run's. */
      const differences = (traced: Run): string[] => {
        const got = parseCases(traced.stdout);
        const diff = got.filter((c, i) =>
          cases[i]?.name !== c.name || cases[i]?.result !== c.result
        ).map((c) =>
          `${c.name}: traced "${c.result}", untraced "${
            byName.get(c.name)?.result
          }"`
        );
        if (got.length !== cases.length) {
          diff.push(`${got.length} cases traced, ${cases.length} untraced`);
        }
        return diff;
      };

      for (
        const [label, flags] of [
          ["--ops all --failed", ["--ops", "all", "--failed"]],
          ["default ops", []],
        ] as const
      ) {
        await t.step(`traced (${label}, -o /dev/null)`, async () => {
          const traced = await run(
            dir,
            FILEMON,
            traceArgs("-o", "/dev/null", ...flags, "--", "./prog"),
          );
          assertEquals(traced.code, 0, traced.stderr);
          assertEquals(traced.stderr, "");
          assertEquals(differences(traced), []);
        });
      }

      await t.step(
        "traced (-f jsonl --ops all --failed): same output, and the trace has each open with the program's result",
        async () => {
          const { run: traced, cases: got, opens } = await traceAll(dir);
          assertEquals(traced.code, 0, traced.stderr);
          assertEquals(traced.stderr, "");
          // The output's differences and the trace's, reported together.
          const wrong = differences(traced);
          for (const c of got) {
            if (c.path === undefined) continue;
            const seen = opens.filter((e) => e.path === c.path);
            const want = errorOf(c.result) ?? "ok";
            const results = seen.map((e) => e.error ?? "ok");
            if (results.length !== 1 || results[0] !== want) {
              wrong.push(
                `${c.name} (${
                  short(c.path)
                }): program ${want}, trace [${results}]`,
              );
            }
          }
          // The threads' opens, each with its result.
          const count = (re: RegExp, error?: string) =>
            opens.filter((e) => re.test(e.path) && e.error === error).length;
          const threads = [
            count(/^thr\/f\d{3}$/),
            count(/^thr\/missing\d{3}$/, "ENOENT"),
          ];
          if (threads[0] !== 800 || threads[1] !== 800) {
            wrong.push(
              `threads: trace has ${threads[0]} opens and ${
                threads[1]
              } ENOENT (expected 800 and 800)`,
            );
          }
          assertEquals(wrong, []);
        },
      );
    } finally {
      await cleanup(dir);
    }
  },
});

// open/openat take int dirfd and flags: the kernel ignores the upper 32 bits
// of those registers, so the tracer must too. A number above 2^53 built from
// the two halves loses its low bits (written when it failed: the dirfd
// resolved as fd 0, O_WRONLY read as O_RDONLY).
Deno.test({
  name:
    "trace reads an open's dirfd and flags as the kernel does (ints: upper 32 bits ignored) and writes only absolute abs",
  ignore: !haveCc,
  async fn() {
    const dir = await prepare();
    try {
      const { run: traced, cases, opens } = await traceAll(dir);
      assertEquals(traced.code, 0, traced.stderr);
      const wrong: string[] = [];
      // Where a directory fd or AT_FDCWD was passed, the absolute path.
      const absOf = (path: string) => opens.find((e) => e.path === path)?.abs;
      for (
        const [path, abs] of [
          ["at_inner.txt", `${dir}/at_dir/at_inner.txt`],
          ["at_inner_garbage.txt", `${dir}/at_dir/at_inner_garbage.txt`],
          ["at_inner_high.txt", `${dir}/at_dir/at_inner_high.txt`],
          ["at_fdcwd_raw.txt", `${dir}/at_fdcwd_raw.txt`],
          ["at_fdcwd_zext.txt", `${dir}/at_fdcwd_zext.txt`],
          ["at_fdcwd_garbage.txt", `${dir}/at_fdcwd_garbage.txt`],
          [`${dir}/at_abs_badfd.txt`, `${dir}/at_abs_badfd.txt`],
        ]
      ) {
        if (absOf(path) !== abs) {
          wrong.push(`abs of ${path}: ${absOf(path)} (expected ${abs})`);
        }
      }
      // The access mode, also when the flags' upper 32 bits are set.
      for (
        const [path, mode] of [["reg_rdonly.txt", "r"], ["flags_high.txt", "w"]]
      ) {
        const got = opens.find((e) => e.path === path)?.mode;
        if (got !== mode) {
          wrong.push(`mode of ${path}: ${got} (expected ${mode})`);
        }
      }
      // abs is absolute or absent (a pipe as dirfd has no directory).
      for (const c of cases) {
        const abs = c.path === undefined
          ? undefined
          : opens.find((e) => e.path === c.path)?.abs;
        if (abs !== undefined && !abs.startsWith("/")) {
          wrong.push(`${c.name}: abs ${short(abs)} is not absolute`);
        }
      }
      assertEquals(wrong, []);
    } finally {
      await cleanup(dir);
    }
  },
});
