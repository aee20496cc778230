/**
 * The fast path must not change what a probe returns: stat, lstat,
 * newfstatat, statx, access, faccessat, faccessat2, readlink and readlinkat
 * answered by the tracer (seccomp user notification) must give the traced
 * program what the kernel gives it. A C program runs a table of cases and
 * prints one line per case: the call, its result (0/-1 and errno name, or
 * readlink's length and bytes) and, for the stat family, the fields that
 * must match. Its output untraced, traced (fast path) and traced with
 * `--no-fast-path` must be equal; the trace of a run with `-f jsonl --ops
 * all --failed` must show each case's probe once, with the program's result.
 */

import { assert, assertEquals } from "@std/assert";
import { parseJsonLine, type TraceEvent } from "../../lib/mod.ts";
import { cc, FILEMON, installed, traceArgs } from "../_helpers.ts";

const haveCc = Deno.build.os === "linux" && installed("gcc");

/**
 * `prog setup` creates the fixture in the working directory (once: the runs
 * compare inode numbers and times, and change nothing in it); `prog` runs
 * the cases and prints `name<TAB>call<TAB>result<TAB>path` per case, path
 * `-` when the call names no path of its own (a bad pointer, AT_EMPTY_PATH,
 * the threads). Every case that passes a path passes a path no other case
 * passes. A result is `0 TYPE mode=... ino=...` (stat family), `0` (access),
 * `LENGTH 'BYTES' hash=... after=XX` (readlink, with the two buffer bytes
 * after the link, `#` when untouched) or `-1 ERRNO`. The last group, the
 * cases that have brought the tracer down, is left out with `prog no-last`.
 */
const PROG_C = String.raw`#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef STATX__RESERVED
#define STATX__RESERVED 0x80000000U
#endif
#ifndef STATX_ALL
#define STATX_ALL 0x0fffU
#endif

static const char *errname(int e) {
  static char b[32];
  switch (e) {
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case EINTR: return "EINTR";
  case ENXIO: return "ENXIO";
  case EBADF: return "EBADF";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES";
  case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY";
  case EEXIST: return "EEXIST";
  case ENODEV: return "ENODEV";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  case EINVAL: return "EINVAL";
  case EMFILE: return "EMFILE";
  case EROFS: return "EROFS";
  case ERANGE: return "ERANGE";
  case ENAMETOOLONG: return "ENAMETOOLONG";
  case ENOSYS: return "ENOSYS";
  case ELOOP: return "ELOOP";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case EOVERFLOW: return "EOVERFLOW";
  }
  snprintf(b, sizeof b, "E%d", e);
  return b;
}

static const char *ftype(unsigned m) {
  if (S_ISREG(m)) return "reg";
  if (S_ISDIR(m)) return "dir";
  if (S_ISCHR(m)) return "chr";
  if (S_ISBLK(m)) return "blk";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISLNK(m)) return "lnk";
  if (S_ISSOCK(m)) return "sock";
  return "?";
}

/* name TAB call TAB result TAB path ("-": no path of its own). */
static void out(const char *name, const char *call, const char *result,
                const char *path) {
  printf("%s\t%s\t%s\t%s\n", name, call, result, path ? path : "-");
}

static unsigned fnv(const void *p, size_t n) {
  const unsigned char *b = p;
  unsigned h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

/* How many of the n bytes at b are no longer the fill byte. */
static size_t changed(const void *p, size_t n, unsigned char fill) {
  const unsigned char *b = p;
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += b[i] != fill;
  return c;
}

#define FILL 0xAA
static unsigned char SB[1024] __attribute__((aligned(64)));

static void fmt_stat(char *r, size_t n, const struct stat *s) {
  snprintf(r, n,
           "0 %s mode=%o ino=%llu dev=%llx nlink=%llu uid=%u gid=%u size=%lld "
           "blocks=%lld rdev=%llx mtime=%lld.%09ld",
           ftype(s->st_mode), (unsigned)s->st_mode,
           (unsigned long long)s->st_ino, (unsigned long long)s->st_dev,
           (unsigned long long)s->st_nlink, (unsigned)s->st_uid,
           (unsigned)s->st_gid, (long long)s->st_size,
           (long long)s->st_blocks, (unsigned long long)s->st_rdev,
           (long long)s->st_mtim.tv_sec, (long)s->st_mtim.tv_nsec);
}

static void fmt_statx(char *r, size_t n, const struct statx *x) {
  int k = snprintf(
      r, n,
      "0 %s mode=%o mask=%#x ino=%llu size=%llu attrmask=%#llx attrs=%#llx "
      "nlink=%u uid=%u gid=%u blocks=%llu dev=%u:%u rdev=%u:%u "
      "mtime=%lld.%09u",
      ftype(x->stx_mode), (unsigned)x->stx_mode, x->stx_mask,
      (unsigned long long)x->stx_ino, (unsigned long long)x->stx_size,
      (unsigned long long)x->stx_attributes_mask,
      (unsigned long long)x->stx_attributes, x->stx_nlink, x->stx_uid,
      x->stx_gid, (unsigned long long)x->stx_blocks, x->stx_dev_major,
      x->stx_dev_minor, x->stx_rdev_major, x->stx_rdev_minor,
      (long long)x->stx_mtime.tv_sec, x->stx_mtime.tv_nsec);
  if (x->stx_mask & STATX_BTIME)
    snprintf(r + k, n - k, " btime=%lld.%09u", (long long)x->stx_btime.tv_sec,
             x->stx_btime.tv_nsec);
}

/* ---- stat, lstat, newfstatat ---- */

enum { C_STAT, C_LSTAT, C_FSTATAT };
static const char *STAT_NAME[] = {"stat", "lstat", "newfstatat"};

static long call_stat(int kind, long dirfd, const char *path, void *buf,
                      long flags) {
#ifdef SYS_stat
  if (kind == C_STAT) return syscall(SYS_stat, path, buf);
  if (kind == C_LSTAT) return syscall(SYS_lstat, path, buf);
#else
  if (kind == C_STAT) return syscall(SYS_newfstatat, AT_FDCWD, path, buf, 0);
  if (kind == C_LSTAT)
    return syscall(SYS_newfstatat, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
#endif
  return syscall(SYS_newfstatat, dirfd, path, buf, flags);
}

static void stat_call(char *c, size_t n, int kind, long flags) {
  if (kind == C_FSTATAT) snprintf(c, n, "newfstatat flags=%#lx", flags);
  else snprintf(c, n, "%s", STAT_NAME[kind]);
}

/* A stat-family call into SB; the fields, or the errno and whether the
   buffer was written anyway; "overrun" when it wrote past struct stat. */
static void ST(const char *name, int kind, long dirfd, const char *path,
               long flags, const char *shown) {
  char r[1024], c[64];
  memset(SB, FILL, sizeof SB);
  errno = 0;
  long v = call_stat(kind, dirfd, path, SB, flags);
  int e = errno;
  if (v == 0) {
    fmt_stat(r, sizeof r, (struct stat *)SB);
    if (changed(SB + sizeof(struct stat), sizeof SB - sizeof(struct stat),
                FILL))
      strcat(r, " overrun");
  } else
    snprintf(r, sizeof r, "%ld %s%s", v, errname(e),
             changed(SB, sizeof SB, FILL) ? " buffer-written" : "");
  stat_call(c, sizeof c, kind, flags);
  out(name, c, r, shown);
}
#define STP(name, kind, path) ST(name, kind, AT_FDCWD, path, 0, path)

/* ---- statx ---- */

static void SX(const char *name, long dirfd, const char *path, long flags,
               unsigned mask, const char *shown) {
  char r[1024], c[64];
  memset(SB, FILL, sizeof SB);
  errno = 0;
  long v = syscall(SYS_statx, dirfd, path, flags, mask, SB);
  int e = errno;
  if (v == 0) {
    fmt_statx(r, sizeof r, (struct statx *)SB);
    if (changed(SB + sizeof(struct statx), sizeof SB - sizeof(struct statx),
                FILL))
      strcat(r, " overrun");
  } else
    snprintf(r, sizeof r, "%ld %s%s", v, errname(e),
             changed(SB, sizeof SB, FILL) ? " buffer-written" : "");
  snprintf(c, sizeof c, "statx flags=%#lx mask=%#x", flags, mask);
  out(name, c, r, shown);
}
#define SXP(name, path, flags, mask) SX(name, AT_FDCWD, path, flags, mask, path)

/* ---- access, faccessat, faccessat2 ---- */

enum { C_ACCESS, C_FACCESSAT, C_FACCESSAT2 };
static const char *ACCESS_NAME[] = {"access", "faccessat", "faccessat2"};

static const char *modestr(long m) {
  static char b[64];
  if (m == F_OK) return "F_OK";
  if ((m & ~7L) != 0) {
    snprintf(b, sizeof b, "%#lx", m);
    return b;
  }
  snprintf(b, sizeof b, "%s%s%s", m & R_OK ? "R" : "", m & W_OK ? "W" : "",
           m & X_OK ? "X" : "");
  strcat(b, "_OK");
  return b;
}

/* faccessat has no flags argument: "flags" goes in its 4th register anyway,
   which the kernel must ignore. */
static void AC(const char *name, int kind, long dirfd, const char *path,
               long mode, long flags, const char *shown) {
  char r[64], c[96];
  long v;
  errno = 0;
#ifdef SYS_access
  if (kind == C_ACCESS) v = syscall(SYS_access, path, mode);
  else
#else
  if (kind == C_ACCESS) v = syscall(SYS_faccessat, AT_FDCWD, path, mode);
  else
#endif
  if (kind == C_FACCESSAT) v = syscall(SYS_faccessat, dirfd, path, mode, flags);
  else v = syscall(SYS_faccessat2, dirfd, path, mode, flags);
  int e = errno;
  if (v == 0) snprintf(r, sizeof r, "0");
  else snprintf(r, sizeof r, "%ld %s", v, errname(e));
  if (kind == C_ACCESS) snprintf(c, sizeof c, "access %s", modestr(mode));
  else
    snprintf(c, sizeof c, "%s %s flags=%#lx", ACCESS_NAME[kind], modestr(mode),
             flags);
  out(name, c, r, shown);
}
#define ACP(name, kind, path, mode, flags) \
  AC(name, kind, AT_FDCWD, path, mode, flags, path)

/* ---- readlink, readlinkat ---- */

static char RB[8192];

/* The length, the bytes (up to 40 shown, hash of all) and the two bytes
   after them in the buffer (filled with '#'). */
static void RL(const char *name, int at, long dirfd, const char *path,
               long bufsiz, char *buf, const char *shown) {
  char r[512], c[64];
  char *b = buf ? buf : RB;
  if (!buf) memset(RB, '#', sizeof RB);
  errno = 0;
  long v = at ? syscall(SYS_readlinkat, dirfd, path, b, bufsiz)
#ifdef SYS_readlink
              : syscall(SYS_readlink, path, b, bufsiz);
#else
              : syscall(SYS_readlinkat, AT_FDCWD, path, b, bufsiz);
#endif
  int e = errno;
  if (v < 0)
    snprintf(r, sizeof r, "%ld %s%s", v, errname(e),
             !buf && changed(RB, sizeof RB, '#') ? " buffer-written" : "");
  else if (buf)
    snprintf(r, sizeof r, "%ld", v);
  else
    snprintf(r, sizeof r, "%ld '%.*s'%s hash=%08x after=%.2s", v,
             v > 40 ? 40 : (int)v, RB, v > 40 ? "..." : "", fnv(RB, v),
             RB + v);
  snprintf(c, sizeof c, "%s bufsiz=%ld", at ? "readlinkat" : "readlink",
           bufsiz);
  out(name, c, r, shown);
}
#define RLP(name, path, bufsiz) RL(name, 0, AT_FDCWD, path, bufsiz, 0, path)

/* ---- fixture ---- */

static int setup_failed;
static void must(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "setup: %s: %s\n", what, strerror(errno));
    setup_failed = 1;
  }
}
static void mkfile(const char *p, const char *text, mode_t mode) {
  int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
  must(fd >= 0, p);
  if (fd >= 0) {
    must(write(fd, text, strlen(text)) == (ssize_t)strlen(text), p);
    close(fd);
  }
  must(chmod(p, mode) == 0, p);
}
static void mkdirm(const char *p, mode_t mode) {
  must(mkdir(p, 0755) == 0, p);
  must(chmod(p, mode) == 0, p);
}
static void mksym(const char *target, const char *p) {
  must(symlink(target, p) == 0, p);
}
static void mksock(const char *p) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  must(s >= 0, p);
  snprintf(a.sun_path, sizeof a.sun_path, "%s", p);
  must(bind(s, (struct sockaddr *)&a, sizeof a) == 0, p);
  close(s);
}

/* The stat matrix: a call per prefix, a file per type. */
static const char *SPFX[] = {"stat", "lstat", "fstatat", "fstatatnf",
                             "statx", "statxnf"};
static const char *STYPES[] = {"reg",  "dir",  "lnk", "dangle",
                               "missing", "thru", "fifo", "sock"};
/* /dev/null, spelled differently per call so each path is unique. */
static const char *DEVNULL[] = {"/dev/null",    "/dev//null",
                                "/dev/./null",  "//dev/null",
                                "/dev/../dev/null", "/./dev/null"};

/* The access matrix: a file per call, mode and file mode. */
static const char *APFX[] = {"acc", "fat", "fat2", "fat2e"};
static const unsigned AMODES[] = {0644, 0755, 0000, 0100, 0200};
static const long AREQ[] = {F_OK, R_OK, W_OK, X_OK, R_OK | W_OK | X_OK};
static const char *AREQN[] = {"F", "R", "W", "X", "RWX"};

static char n255[256], n256[257], n256b[257], pm4095[4096], pm4096[4097];
static char t255[256], t256[257], t300[301], t4095[4096];
static void long_names(void) {
  memset(n255, 'x', 255);
  memcpy(n255, "n255_", 5);
  memset(n256, 'y', 256);
  memcpy(n256, "n256_", 5);
  memset(n256b, 'z', 256);
  memcpy(n256b, "n256b_", 6);
  for (int i = 0; i < 2042; i++) memcpy(pm4095 + 2 * i, "./", 2);
  strcpy(pm4095 + 4084, "pm4095_.txt");
  for (int i = 0; i < 2043; i++) memcpy(pm4096 + 2 * i, "./", 2);
  strcpy(pm4096 + 4086, "pm4096.txt");
  /* Link targets of 255, 256, 300 and 4095 bytes (longer than a name). */
  char *ts[] = {t255, t256, t300, t4095};
  int ls[] = {255, 256, 300, 4095};
  for (int k = 0; k < 4; k++) {
    for (int i = 0; i < ls[k]; i++) ts[k][i] = i % 64 == 63 ? '/' : 'a' + i % 26;
    ts[k][ls[k]] = 0;
  }
}

static int setup(void) {
  char p[128], t[128];
  umask(022);
  long_names();
  for (int i = 0; i < 6; i++) {
    const char *x = SPFX[i];
    snprintf(p, sizeof p, "%s_reg", x);
    snprintf(t, sizeof t, "regular file for %s\n", x);
    mkfile(p, t, 0640);
    snprintf(p, sizeof p, "%s_dir", x);
    mkdirm(p, 0750);
    snprintf(t, sizeof t, "%s_lnk.target", x);
    mkfile(t, "symlink target\n", 0604);
    snprintf(p, sizeof p, "%s_lnk", x);
    mksym(t, p);
    snprintf(p, sizeof p, "%s_dangle", x);
    snprintf(t, sizeof t, "%s_dangle.none", x);
    mksym(t, p);
    snprintf(p, sizeof p, "%s_thru", x);
    mkfile(p, "not a dir\n", 0644);
    snprintf(p, sizeof p, "%s_fifo", x);
    must(mkfifo(p, 0620) == 0, p);
    snprintf(p, sizeof p, "%s_sock", x);
    mksock(p);
  }
  for (int c = 0; c < 4; c++)
    for (int q = 0; q < 5; q++) {
      for (int m = 0; m < 5; m++) {
        snprintf(p, sizeof p, "%s_%04o_%s", APFX[c], AMODES[m], AREQN[q]);
        mkfile(p, "access\n", AMODES[m]);
      }
      snprintf(p, sizeof p, "%s_dir_%s", APFX[c], AREQN[q]);
      mkdirm(p, 0755);
    }
  mkfile("a_target_0000", "x\n", 0);
  mksym("a_target_0000", "a_lnk_nofollow_X");
  mksym("a_target_0000", "a_lnk_follow_X");
  mksym("a_none", "a_dangle_F");
  mksym("a_none", "a_dangle_nofollow_F");
  mksym("a_none", "a_dangle_nofollow2_F");
  mkfile("a_badmode", "x\n", 0644);
  mkfile("a_badflag", "x\n", 0644);
  mkfile("a_noautomount", "x\n", 0644);
  mkfile("a_dontsync", "x\n", 0644);
  mkfile("a_hibits", "x\n", 0644);
  mkfile("a_hibits_bad", "x\n", 0644);
  mksym("a_none", "a_fat_4th_arg_ignored");
  mkfile("a_fifo_ok", "x\n", 0644);
  must(mkfifo("a_fifo", 0600) == 0, "a_fifo");
  mkfile("a_eaccess_root", "x\n", 0600);

  mkfile(n255, "255\n", 0644);
  mkfile("pm4095_.txt", "4095\n", 0644);
  mkfile("pm4096.txt", "4096\n", 0644);

  /* Directories with no permission for anyone (caps/... and nocaps/...). */
  mkdirm("nosearch", 0755);
  mkdirm("nosearch_nc", 0755);
  const char *ns[] = {"nosearch", "nosearch_nc"};
  for (int k = 0; k < 2; k++) {
    const char *names[] = {"st", "lst", "fat", "sx", "acc", "fat2e", "rl"};
    for (int i = 0; i < 7; i++) {
      snprintf(p, sizeof p, "%s/%s", ns[k], names[i]);
      if (i == 6) mksym("inner-target", p);
      else mkfile(p, "inner\n", 0644);
    }
  }
  must(chmod("nosearch", 0) == 0, "nosearch");
  must(chmod("nosearch_nc", 0) == 0, "nosearch_nc");
  mkfile("nc_mode0000_access", "x\n", 0);
  mkfile("nc_mode0000_eaccess", "x\n", 0);
  mkfile("nc_mode0000_fat", "x\n", 0);
  mkfile("nc_mode0644_W", "x\n", 0644);
  mkfile("caps_mode0000_access", "x\n", 0);
  mkfile("caps_mode0000_eaccess", "x\n", 0);

  /* Relative paths: the cwd's subdirectory and a dirfd's. */
  mkdirm("sub", 0755);
  mkfile("sub/rel_stat", "rel\n", 0644);
  mkfile("sub/rel_statx", "rel\n", 0644);
  mkfile("sub/rel_access", "rel\n", 0644);
  mksym("rel-target", "sub/rel_readlink");
  mkdirm("dfd", 0755);
  mkfile("dfd/d_fstatat", "d\n", 0644);
  mkfile("dfd/d_statx", "d\n", 0644);
  mkfile("dfd/d_fat", "d\n", 0644);
  mkfile("dfd/d_fat2", "d\n", 0644);
  mksym("dfd-target", "dfd/d_readlinkat");
  mkfile("dfd/d_hibits", "d\n", 0644);
  mkfile("abs_closed_dirfd", "abs\n", 0644);
  mkfile("dfd_file", "f\n", 0644);
  mksym("dfd", "dfd_symlink");
  mkfile("emptypath_file", "empty path\n", 0644);
  mksym("opath-link-target", "emptypath_link");

  /* statx masks and flags, newfstatat flags. */
  const char *sx[] = {"sx_basic", "sx_btime", "sx_all", "sx_zero",
                      "sx_type", "sx_allbits", "sx_dontsync", "sx_forcesync",
                      "sx_bothsync", "sx_reserved", "sx_badflag",
                      "sx_eaccess", "sx_noautomount", "sx_emptypath_flag",
                      "nf_badflag", "nf_eaccess", "nf_dontsync",
                      "nf_noautomount", "nf_emptypath_flag"};
  for (unsigned i = 0; i < sizeof sx / sizeof *sx; i++) mkfile(sx[i], "sx\n", 0644);

  /* Bad buffers. */
  const char *bb[] = {"bb_stat", "bb_lstat", "bb_fstatat", "bb_statx",
                      "bb_ro_stat", "bb_ro_statx", "bb_cross_stat",
                      "bb_cross_statx", "bb_null_stat", "pageedge_stat"};
  for (unsigned i = 0; i < sizeof bb / sizeof *bb; i++) mkfile(bb[i], "bb\n", 0644);
  mksym("rl-target", "bb_readlink");
  mksym("rl-target", "bb_ro_readlink");
  mksym("rl-target-longer-than-the-page-edge", "bb_cross_readlink");

  /* readlink. */
  const char *rl[] = {"rl_larger", "rl_equal", "rl_smaller", "rl_one",
                      "rl_zero", "rl_negative", "rl_hibits", "rl_dangle"};
  for (unsigned i = 0; i < sizeof rl / sizeof *rl; i++)
    mksym("rl_target_0123456789", rl[i]);
  mkfile("rl_regular", "regular\n", 0644);
  mkfile("rl_regular_bb", "regular\n", 0644);
  mkdirm("rl_dir", 0755);
  mkfile("rl_thru", "f\n", 0644);
  mkfile("rl_slash.target", "f\n", 0644);
  mksym("rl_slash.target", "rl_slash");
  mksym(t255, "rl_255");
  mksym(t256, "rl_256");
  mksym(t300, "rl_300");
  mksym(t300, "rl_300_trunc");
  mksym(t300, "rl_300_trunc256");
  mksym(t4095, "rl_4095");
  mksym("zero-missing", "rl_zero_missing");

  /* A read-only mount (the test bind-mounts ro_src on ro_mnt). */
  mkdirm("ro_src", 0755);
  mkdirm("ro_mnt", 0755);
  mkfile("ro_src/w_access", "ro\n", 0644);
  mkfile("ro_src/r_access", "ro\n", 0644);
  mkfile("ro_src/w_fat2e", "ro\n", 0644);
  mkfile("ro_src/x_access", "ro\n", 0755);
  must(mkfifo("ro_src/w_fifo", 0644) == 0, "ro_src/w_fifo");
  mkfile("ro_src/stat", "ro\n", 0644);

  /* The threads' files. */
  mkdirm("thr", 0755);
  for (int i = 0; i < 200; i++) {
    snprintf(p, sizeof p, "thr/s%03d", i);
    snprintf(t, sizeof t, "file %03d\n", i);
    mkfile(p, t, 0644);
    snprintf(p, sizeof p, "thr/a%03d", i);
    mkfile(p, t, 0644);
    snprintf(p, sizeof p, "thr/l%03d", i);
    snprintf(t, sizeof t, "target-%03d", i);
    mksym(t, p);
  }
  return setup_failed;
}

/* ---- threads ---- */

static pthread_barrier_t barrier;
struct tres { long stat_ok, access_ok, readlink_ok, enoent, bad; };
static void *worker(void *arg) {
  struct tres *r = arg;
  char p[64], want[64], b[64];
  struct stat st;
  pthread_barrier_wait(&barrier);
  for (int j = 0; j < 200; j++) {
    snprintf(p, sizeof p, "thr/s%03d", j);
    if (call_stat(C_STAT, AT_FDCWD, p, &st, 0) == 0 && st.st_size == 9 &&
        S_ISREG(st.st_mode))
      r->stat_ok++;
    else r->bad++;
    snprintf(p, sizeof p, "thr/a%03d", j);
    if (syscall(SYS_faccessat, AT_FDCWD, p, R_OK) == 0) r->access_ok++;
    else r->bad++;
    snprintf(p, sizeof p, "thr/l%03d", j);
    snprintf(want, sizeof want, "target-%03d", j);
    long n = syscall(SYS_readlinkat, AT_FDCWD, p, b, sizeof b);
    if (n == (long)strlen(want) && memcmp(b, want, n) == 0) r->readlink_ok++;
    else r->bad++;
    snprintf(p, sizeof p, "thr/m%03d", j);
    if (call_stat(C_FSTATAT, AT_FDCWD, p, &st, 0) != 0 && errno == ENOENT)
      r->enoent++;
    else r->bad++;
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

/* The cases whose answer depends on permissions, in the no-permission
   directory "dir"; "pre" names them (caps: as started; nocaps: DAC
   capabilities dropped). */
static void permission_cases(const char *dir, const char *pre) {
  char p[7][64], n[64];
  const char *names[] = {"st", "lst", "fat", "sx", "acc", "fat2e", "rl"};
  for (int i = 0; i < 7; i++) snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
  snprintf(n, sizeof n, "%s/stat-through-0000-dir", pre);
  STP(n, C_STAT, p[0]);
  snprintf(n, sizeof n, "%s/lstat-through-0000-dir", pre);
  STP(n, C_LSTAT, p[1]);
  snprintf(n, sizeof n, "%s/newfstatat-through-0000-dir", pre);
  STP(n, C_FSTATAT, p[2]);
  snprintf(n, sizeof n, "%s/statx-through-0000-dir", pre);
  SXP(n, p[3], 0, STATX_BASIC_STATS);
  snprintf(n, sizeof n, "%s/access-through-0000-dir", pre);
  ACP(n, C_ACCESS, p[4], F_OK, 0);
  snprintf(n, sizeof n, "%s/faccessat2-eaccess-through-0000-dir", pre);
  ACP(n, C_FACCESSAT2, p[5], F_OK, AT_EACCESS);
  snprintf(n, sizeof n, "%s/readlink-through-0000-dir", pre);
  RLP(n, p[6], 64);
}

int main(int argc, char **argv) {
  char r[1024], n[128], p[128];
  struct stat st, st2;
  if (argc > 1 && strcmp(argv[1], "setup") == 0) return setup();
  /* A line at a time: what was printed survives a killed run. */
  setvbuf(stdout, 0, _IOLBF, 0);
  long_names();
  umask(022);

  /* The stat matrix. */
  for (int i = 0; i < 6; i++) {
    for (int k = 0; k < 9; k++) {
      const char *ty = k < 8 ? STYPES[k] : "devnull";
      if (k == 5) snprintf(p, sizeof p, "%s_thru/x", SPFX[i]);
      else if (k == 8) snprintf(p, sizeof p, "%s", DEVNULL[i]);
      else snprintf(p, sizeof p, "%s_%s", SPFX[i], ty);
      snprintf(n, sizeof n, "%s/%s", SPFX[i], ty);
      switch (i) {
      case 0: STP(n, C_STAT, p); break;
      case 1: STP(n, C_LSTAT, p); break;
      case 2: ST(n, C_FSTATAT, AT_FDCWD, p, 0, p); break;
      case 3: ST(n, C_FSTATAT, AT_FDCWD, p, AT_SYMLINK_NOFOLLOW, p); break;
      case 4: SXP(n, p, 0, STATX_BASIC_STATS | STATX_BTIME); break;
      case 5: SXP(n, p, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME); break;
      }
    }
  }

  /* Names and paths at the limits. */
  STP("stat/name-255", C_STAT, n255);
  STP("stat/name-256-enametoolong", C_STAT, n256);
  STP("stat/path-4095", C_STAT, pm4095);
  STP("stat/path-4096-enametoolong", C_STAT, pm4096);
  ACP("access/name-256-enametoolong", C_ACCESS, n256b, F_OK, 0);

  /* Permissions: as started (root with capabilities here). */
  permission_cases("nosearch", "caps");
  ACP("caps/access-mode0000-R", C_ACCESS, "caps_mode0000_access", R_OK, 0);
  ACP("caps/faccessat2-eaccess-mode0000-R", C_FACCESSAT2,
      "caps_mode0000_eaccess", R_OK, AT_EACCESS);

  /* /proc/self and /dev/stdin: the program's own. */
  {
    int fd = open("/proc/self/status", O_RDONLY);
    fstat(fd, &st2);
    close(fd);
    errno = 0;
    int v = (int)call_stat(C_STAT, 0, "/proc/self/status", &st, 0);
    snprintf(r, sizeof r, "%d %s %s", v, v ? errname(errno) : ftype(st.st_mode),
             v == 0 && st.st_ino == st2.st_ino && st.st_dev == st2.st_dev
                 ? "self ok" : "self WRONG");
    out("proc/stat-self-status", "stat", r, "/proc/self/status");
    memset(SB, 0, sizeof SB);
    errno = 0;
    v = syscall(SYS_statx, AT_FDCWD, "/proc/self/./status", 0,
                STATX_BASIC_STATS, SB);
    struct statx *x = (struct statx *)SB;
    snprintf(r, sizeof r, "%d %s %s", v, v ? errname(errno) : ftype(x->stx_mode),
             v == 0 && x->stx_ino == st2.st_ino ? "self ok" : "self WRONG");
    out("proc/statx-self-status", "statx", r, "/proc/self/./status");
    ACP("proc/access-self-status", C_ACCESS, "//proc/self/status", R_OK, 0);

    fd = open("/proc/self", O_RDONLY | O_DIRECTORY);
    fstat(fd, &st2);
    close(fd);
    errno = 0;
    v = syscall(SYS_newfstatat, AT_FDCWD, "/proc/self", &st, 0);
    snprintf(r, sizeof r, "%d %s %s", v, v ? errname(errno) : ftype(st.st_mode),
             v == 0 && st.st_ino == st2.st_ino ? "self ok" : "self WRONG");
    out("proc/stat-self", "newfstatat flags=0", r, "/proc/self");
    errno = 0;
    v = syscall(SYS_newfstatat, AT_FDCWD, "/proc/./self", &st, AT_SYMLINK_NOFOLLOW);
    snprintf(r, sizeof r, "%d %s", v, v ? errname(errno) : ftype(st.st_mode));
    out("proc/lstat-self", "newfstatat flags=0x100", r, "/proc/./self");

    char want[64], b[4200];
    snprintf(want, sizeof want, "%d", (int)getpid());
    long len = syscall(SYS_readlinkat, AT_FDCWD, "/proc//self", b, sizeof b);
    snprintf(r, sizeof r, "%ld %s", len > 0 ? 0L : len,
             len == (long)strlen(want) && memcmp(b, want, len) == 0
                 ? "self ok" : "self WRONG");
    out("proc/readlink-self", "readlinkat", r, "/proc//self");

    len = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", b, sizeof b);
    snprintf(r, sizeof r, "%ld %s", len > 0 ? 0L : len,
             len == (long)strlen(argv[0]) && memcmp(b, argv[0], len) == 0
                 ? "exe ok" : "exe WRONG");
    out("proc/readlink-self-exe", "readlinkat", r, "/proc/self/exe");

    char cwd[4200];
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
    len = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/cwd", b, sizeof b);
    snprintf(r, sizeof r, "%ld %s", len > 0 ? 0L : len,
             len == (long)strlen(cwd) && memcmp(b, cwd, len) == 0
                 ? "cwd ok" : "cwd WRONG");
    out("proc/readlink-self-cwd", "readlinkat", r, "/proc/self/cwd");

    fd = open(argv[0], O_RDONLY);
    fstat(fd, &st2);
    close(fd);
    errno = 0;
    v = (int)call_stat(C_STAT, 0, "/proc/self/./exe", &st, 0);
    snprintf(r, sizeof r, "%d %s %s", v, v ? errname(errno) : ftype(st.st_mode),
             v == 0 && st.st_ino == st2.st_ino && st.st_dev == st2.st_dev
                 ? "exe ok" : "exe WRONG");
    out("proc/stat-self-exe", "stat", r, "/proc/self/./exe");

    fstat(0, &st2);
    snprintf(want, sizeof want, "pipe:[%llu]", (unsigned long long)st2.st_ino);
    len = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/fd/0", b, sizeof b);
    snprintf(r, sizeof r, "%ld %s", len > 0 ? 0L : len,
             len == (long)strlen(want) && memcmp(b, want, len) == 0
                 ? "self ok" : "self WRONG");
    out("proc/readlink-self-fd-0", "readlinkat", r, "/proc/self/fd/0");

    errno = 0;
    v = (int)call_stat(C_STAT, 0, "/dev/stdin", &st, 0);
    snprintf(r, sizeof r, "%d %s %s", v, v ? errname(errno) : ftype(st.st_mode),
             v == 0 && st.st_ino == st2.st_ino ? "self ok" : "self WRONG");
    out("dev/stat-stdin", "stat", r, "/dev/stdin");
    STP("dev/lstat-stdin", C_LSTAT, "/dev//stdin");
    ACP("dev/access-stdin-R", C_ACCESS, "/dev/./stdin", R_OK, 0);
    ACP("dev/access-null-W", C_ACCESS, "///dev/null", W_OK, 0);
  }

  /* Relative paths: from the cwd, a dirfd, bad dirfds. */
  {
    STP("rel/stat-cwd-subdir", C_STAT, "sub/rel_stat");
    SXP("rel/statx-cwd-subdir", "sub/rel_statx", 0, STATX_BASIC_STATS);
    ACP("rel/access-cwd-subdir", C_ACCESS, "sub/rel_access", R_OK, 0);
    RLP("rel/readlink-cwd-subdir", "sub/rel_readlink", 64);
    int dfd = open("dfd", O_RDONLY | O_DIRECTORY);
    ST("rel/newfstatat-dirfd", C_FSTATAT, dfd, "d_fstatat", 0, "d_fstatat");
    SX("rel/statx-dirfd", dfd, "d_statx", 0, STATX_BASIC_STATS, "d_statx");
    AC("rel/faccessat-dirfd", C_FACCESSAT, dfd, "d_fat", R_OK, 0, "d_fat");
    AC("rel/faccessat2-dirfd", C_FACCESSAT2, dfd, "d_fat2", R_OK, 0, "d_fat2");
    RL("rel/readlinkat-dirfd", 1, dfd, "d_readlinkat", 64, 0, "d_readlinkat");
    ST("rel/newfstatat-dirfd-upper-bits", C_FSTATAT,
       (long)0x5a5a5a5a00000000UL | dfd, "d_hibits", 0, "d_hibits");
    close(dfd);
    close(900);
    ST("rel/newfstatat-closed-dirfd-ebadf", C_FSTATAT, 900, "cl_fstatat", 0,
       "cl_fstatat");
    SX("rel/statx-closed-dirfd-ebadf", 900, "cl_statx", 0, STATX_BASIC_STATS,
       "cl_statx");
    AC("rel/faccessat-closed-dirfd-ebadf", C_FACCESSAT, 900, "cl_fat", F_OK, 0,
       "cl_fat");
    AC("rel/faccessat2-closed-dirfd-ebadf", C_FACCESSAT2, 900, "cl_fat2", F_OK,
       0, "cl_fat2");
    RL("rel/readlinkat-closed-dirfd-ebadf", 1, 900, "cl_readlinkat", 64, 0,
       "cl_readlinkat");
    ST("rel/newfstatat-negative-dirfd-ebadf", C_FSTATAT, -5, "neg_fstatat", 0,
       "neg_fstatat");
    char cwd[4096], abs_path[4200];
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
    snprintf(abs_path, sizeof abs_path, "%s/abs_closed_dirfd", cwd);
    ST("rel/newfstatat-absolute-closed-dirfd", C_FSTATAT, 900, abs_path, 0,
       abs_path);
    int ffd = open("dfd_file", O_RDONLY);
    ST("rel/newfstatat-file-dirfd-enotdir", C_FSTATAT, ffd, "f_fstatat", 0,
       "f_fstatat");
    AC("rel/faccessat-file-dirfd-enotdir", C_FACCESSAT, ffd, "f_fat", F_OK, 0,
       "f_fat");
    close(ffd);
    int lfd = open("dfd_symlink", O_PATH | O_NOFOLLOW);
    ST("rel/newfstatat-symlink-opath-dirfd-enotdir", C_FSTATAT, lfd,
       "l_fstatat", 0, "l_fstatat");
    close(lfd);
    ST("rel/newfstatat-pipe-dirfd-enotdir", C_FSTATAT, 0, "p_fstatat", 0,
       "p_fstatat");
  }

  /* AT_EMPTY_PATH: the fd itself. */
  {
    int fd = open("emptypath_file", O_RDONLY);
    ST("empty/newfstatat-empty-path", C_FSTATAT, fd, "", AT_EMPTY_PATH, 0);
    SX("empty/statx-empty-path", fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, 0);
    ST("empty/newfstatat-null-path", C_FSTATAT, fd, 0, AT_EMPTY_PATH, 0);
    SX("empty/statx-null-path", fd, 0, AT_EMPTY_PATH, STATX_BASIC_STATS, 0);
    AC("empty/faccessat2-empty-path", C_FACCESSAT2, fd, "", R_OK,
       AT_EMPTY_PATH, 0);
    ST("empty/newfstatat-empty-path-no-flag-enoent", C_FSTATAT, fd, "", 0, 0);
    AC("empty/access-empty-path-enoent", C_ACCESS, AT_FDCWD, "", F_OK, 0, 0);
    RL("empty/readlink-empty-path-enoent", 0, AT_FDCWD, "", 64, 0, 0);
    close(fd);
    int lfd = open("emptypath_link", O_PATH | O_NOFOLLOW);
    RL("empty/readlinkat-empty-path-opath-symlink", 1, lfd, "", 64, 0, 0);
    ST("empty/newfstatat-empty-path-opath-symlink", C_FSTATAT, lfd, "",
       AT_EMPTY_PATH, 0);
    close(lfd);
  }

  /* Bad pointers. */
  {
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char *m = mmap(0, 3 * pg, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *ro = m + pg, *bad = m + 2 * pg;
    memset(m, FILL, 2 * pg);
    memcpy(ro + pg - sizeof "pageedge_stat", "pageedge_stat",
           sizeof "pageedge_stat");
    munmap(bad, pg);
    mprotect(ro, pg, PROT_READ);
    char *edge = (char *)ro + pg - sizeof "pageedge_stat";
#define RAW(name, callname, expr, shown)                                      \
  do {                                                                       \
    errno = 0;                                                               \
    long v_ = (expr);                                                        \
    int e_ = errno;                                                          \
    snprintf(r, sizeof r, "%ld%s%s", v_, v_ < 0 ? " " : "",                  \
             v_ < 0 ? errname(e_) : "");                                     \
    out(name, callname, r, shown);                                           \
  } while (0)
    RAW("efault/stat-buffer-unmapped", "stat",
        call_stat(C_STAT, 0, "bb_stat", bad, 0), "bb_stat");
    RAW("efault/lstat-buffer-unmapped", "lstat",
        call_stat(C_LSTAT, 0, "bb_lstat", bad, 0), "bb_lstat");
    RAW("efault/newfstatat-buffer-unmapped", "newfstatat",
        call_stat(C_FSTATAT, AT_FDCWD, "bb_fstatat", bad, 0), "bb_fstatat");
    RAW("efault/statx-buffer-unmapped", "statx",
        syscall(SYS_statx, AT_FDCWD, "bb_statx", 0, STATX_BASIC_STATS, bad),
        "bb_statx");
    RAW("efault/stat-buffer-readonly", "stat",
        call_stat(C_STAT, 0, "bb_ro_stat", ro, 0), "bb_ro_stat");
    RAW("efault/statx-buffer-readonly", "statx",
        syscall(SYS_statx, AT_FDCWD, "bb_ro_statx", 0, STATX_BASIC_STATS, ro),
        "bb_ro_statx");
    RAW("efault/stat-buffer-null", "stat",
        call_stat(C_STAT, 0, "bb_null_stat", 0, 0), "bb_null_stat");
    RAW("efault/stat-missing-path-bad-buffer-enoent", "stat",
        call_stat(C_STAT, 0, "bb_missing_stat", bad, 0), "bb_missing_stat");
    RAW("efault/readlink-buffer-unmapped", "readlink",
        syscall(SYS_readlinkat, AT_FDCWD, "bb_readlink", bad, 64),
        "bb_readlink");
    RAW("efault/readlink-buffer-readonly", "readlink",
        syscall(SYS_readlinkat, AT_FDCWD, "bb_ro_readlink", ro, 64),
        "bb_ro_readlink");
    RAW("efault/readlink-regular-bad-buffer-einval", "readlink",
        syscall(SYS_readlinkat, AT_FDCWD, "rl_regular_bb", bad, 64),
        "rl_regular_bb");
    RAW("efault/stat-path-unmapped", "stat",
        call_stat(C_STAT, 0, (char *)bad, SB, 0), 0);
    RAW("efault/stat-path-null", "stat", call_stat(C_STAT, 0, 0, SB, 0), 0);
    RAW("efault/access-path-unmapped", "access",
        syscall(SYS_faccessat, AT_FDCWD, bad, F_OK), 0);
    RAW("efault/readlink-path-unmapped", "readlink",
        syscall(SYS_readlinkat, AT_FDCWD, bad, RB, 64), 0);
    RAW("efault/statx-path-null-no-flag", "statx",
        syscall(SYS_statx, AT_FDCWD, 0, 0, STATX_BASIC_STATS, SB), 0);
    ST("efault/stat-path-ends-at-page-end", C_STAT, 0, edge, 0,
       "pageedge_stat");
    /* A path whose bytes run into the unmapped page with no NUL. */
    {
      unsigned char *w = mmap(0, 2 * pg, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      memset(w + pg - 16, 'z', 16);
      munmap(w + pg, pg);
      RAW("efault/stat-path-runs-into-unmapped", "stat",
          call_stat(C_STAT, 0, (char *)w + pg - 16, SB, 0), 0);
      RAW("efault/access-path-runs-into-unmapped", "access",
          syscall(SYS_faccessat, AT_FDCWD, w + pg - 16, F_OK), 0);
      munmap(w, pg);
    }
    /* Buffers that cross from writable memory into read-only memory: what
       was written before the fault. */
    {
      unsigned char *cross = ro - 64;
      memset(m, FILL, pg);
      errno = 0;
      long v = call_stat(C_STAT, 0, "bb_cross_stat", cross, 0);
      snprintf(r, sizeof r, "%ld %s written=%zu hash=%08x", v,
               v ? errname(errno) : "", changed(cross, 64, FILL),
               fnv(cross, 64));
      out("efault/stat-buffer-crosses-into-readonly", "stat", r,
          "bb_cross_stat");
      memset(m, FILL, pg);
      errno = 0;
      v = syscall(SYS_statx, AT_FDCWD, "bb_cross_statx", 0, STATX_BASIC_STATS,
                  cross);
      snprintf(r, sizeof r, "%ld %s written=%zu hash=%08x", v,
               v ? errname(errno) : "", changed(cross, 64, FILL),
               fnv(cross, 64));
      out("efault/statx-buffer-crosses-into-readonly", "statx", r,
          "bb_cross_statx");
      /* readlink: 35 bytes, 16 of them writable. */
      cross = ro - 16;
      memset(m, FILL, pg);
      errno = 0;
      v = syscall(SYS_readlinkat, AT_FDCWD, "bb_cross_readlink", cross, 64);
      snprintf(r, sizeof r, "%ld %s written=%zu hash=%08x", v,
               v < 0 ? errname(errno) : "", changed(cross, 16, FILL),
               fnv(cross, 16));
      out("efault/readlink-buffer-crosses-into-readonly", "readlink", r,
          "bb_cross_readlink");
    }
    munmap(m, 2 * pg);
  }

  /* statx masks and flags; newfstatat flags. */
  SXP("statx/mask-basic-stats", "sx_basic", 0, STATX_BASIC_STATS);
  SXP("statx/mask-btime", "sx_btime", 0, STATX_BTIME);
  SXP("statx/mask-all", "sx_all", 0, STATX_ALL);
  SXP("statx/mask-zero", "sx_zero", 0, 0);
  SXP("statx/mask-type", "sx_type", 0, STATX_TYPE);
  SXP("statx/mask-all-bits", "sx_allbits", 0, 0x7fffffffU);
  SXP("statx/dont-sync", "sx_dontsync", AT_STATX_DONT_SYNC, STATX_BASIC_STATS);
  SXP("statx/force-sync", "sx_forcesync", AT_STATX_FORCE_SYNC,
      STATX_BASIC_STATS);
  SXP("statx/both-sync-einval", "sx_bothsync", AT_STATX_SYNC_TYPE,
      STATX_BASIC_STATS);
  SXP("statx/both-sync-missing-einval", "sx_bothsync_missing",
      AT_STATX_SYNC_TYPE, STATX_BASIC_STATS);
  SXP("statx/reserved-mask-einval", "sx_reserved", 0, STATX__RESERVED);
  SXP("statx/reserved-mask-missing-einval", "sx_reserved_missing", 0,
      STATX__RESERVED);
  SXP("statx/bad-flag-einval", "sx_badflag", 0x10000, STATX_BASIC_STATS);
  SXP("statx/bad-flag-missing-einval", "sx_badflag_missing", 0x10000,
      STATX_BASIC_STATS);
  SXP("statx/eaccess-flag-einval", "sx_eaccess", AT_EACCESS,
      STATX_BASIC_STATS);
  SXP("statx/no-automount", "sx_noautomount", AT_NO_AUTOMOUNT,
      STATX_BASIC_STATS);
  SXP("statx/empty-path-flag-with-path", "sx_emptypath_flag", AT_EMPTY_PATH,
      STATX_BASIC_STATS);
  ST("newfstatat/bad-flag-einval", C_FSTATAT, AT_FDCWD, "nf_badflag", 0x10000,
     "nf_badflag");
  ST("newfstatat/eaccess-flag-einval", C_FSTATAT, AT_FDCWD, "nf_eaccess",
     AT_EACCESS, "nf_eaccess");
  ST("newfstatat/statx-dont-sync-flag", C_FSTATAT, AT_FDCWD, "nf_dontsync",
     AT_STATX_DONT_SYNC, "nf_dontsync");
  ST("newfstatat/no-automount", C_FSTATAT, AT_FDCWD, "nf_noautomount",
     AT_NO_AUTOMOUNT, "nf_noautomount");
  ST("newfstatat/empty-path-flag-with-path", C_FSTATAT, AT_FDCWD,
     "nf_emptypath_flag", AT_EMPTY_PATH, "nf_emptypath_flag");

  /* The access matrix: access, faccessat, faccessat2, faccessat2 with
     AT_EACCESS; files of modes 644 755 000 100 200 and a directory. */
  for (int c = 0; c < 4; c++) {
    int kind = c == 0 ? C_ACCESS : c == 1 ? C_FACCESSAT : C_FACCESSAT2;
    long flags = c == 3 ? AT_EACCESS : 0;
    for (int m = 0; m <= 5; m++)
      for (int q = 0; q < 5; q++) {
        if (m < 5) {
          snprintf(p, sizeof p, "%s_%04o_%s", APFX[c], AMODES[m], AREQN[q]);
          snprintf(n, sizeof n, "%s/mode%04o-%s", APFX[c], AMODES[m], AREQN[q]);
        } else {
          snprintf(p, sizeof p, "%s_dir_%s", APFX[c], AREQN[q]);
          snprintf(n, sizeof n, "%s/dir-%s", APFX[c], AREQN[q]);
        }
        ACP(n, kind, p, AREQ[q], flags);
      }
  }
  ACP("acc2/symlink-nofollow-X", C_FACCESSAT2, "a_lnk_nofollow_X", X_OK,
      AT_SYMLINK_NOFOLLOW);
  ACP("acc2/symlink-follow-X", C_FACCESSAT2, "a_lnk_follow_X", X_OK, 0);
  ACP("acc2/dangling-F", C_ACCESS, "a_dangle_F", F_OK, 0);
  ACP("acc2/dangling-nofollow-F", C_FACCESSAT2, "a_dangle_nofollow_F", F_OK,
      AT_SYMLINK_NOFOLLOW);
  ACP("acc2/dangling-nofollow-eaccess-F", C_FACCESSAT2,
      "a_dangle_nofollow2_F", F_OK, AT_SYMLINK_NOFOLLOW | AT_EACCESS);
  ACP("acc2/missing-enoent", C_ACCESS, "a_missing", F_OK, 0);
  ACP("acc2/through-file-enotdir", C_ACCESS, "a_badmode/x", F_OK, 0);
  ACP("acc2/bad-mode-einval", C_FACCESSAT2, "a_badmode", 8, 0);
  ACP("acc2/bad-mode-missing-einval", C_FACCESSAT2, "a_badmode_missing", 8, 0);
  ACP("acc2/access-bad-mode-missing-einval", C_ACCESS, "a_badmode_missing2",
      0x10, 0);
  ACP("acc2/bad-flag-einval", C_FACCESSAT2, "a_badflag", F_OK, 0x10000);
  ACP("acc2/no-automount-flag-einval", C_FACCESSAT2, "a_noautomount", F_OK,
      AT_NO_AUTOMOUNT);
  ACP("acc2/statx-dont-sync-flag-einval", C_FACCESSAT2, "a_dontsync", F_OK,
      AT_STATX_DONT_SYNC);
  ACP("acc2/faccessat-4th-arg-ignored", C_FACCESSAT, "a_fat_4th_arg_ignored",
      F_OK, AT_SYMLINK_NOFOLLOW);
  ACP("acc2/fifo-W", C_ACCESS, "a_fifo", W_OK, 0);

  /* A read-only mount. */
  {
    struct statvfs vfs;
    if (statvfs("ro_mnt", &vfs) != 0 || !(vfs.f_flag & ST_RDONLY)) {
      out("ro-mount", "-", "skipped", 0);
    } else {
      ACP("ro/access-W-erofs", C_ACCESS, "ro_mnt/w_access", W_OK, 0);
      ACP("ro/access-R", C_ACCESS, "ro_mnt/r_access", R_OK, 0);
      ACP("ro/access-X", C_ACCESS, "ro_mnt/x_access", X_OK, 0);
      ACP("ro/faccessat2-eaccess-W-erofs", C_FACCESSAT2, "ro_mnt/w_fat2e",
          W_OK, AT_EACCESS);
      ACP("ro/access-fifo-W", C_ACCESS, "ro_mnt/w_fifo", W_OK, 0);
      ACP("ro/access-dir-W-erofs", C_ACCESS, "ro_mnt", W_OK, 0);
      STP("ro/stat", C_STAT, "ro_mnt/stat");
    }
  }

  /* readlink. */
  RLP("readlink/bufsiz-larger", "rl_larger", 64);
  RLP("readlink/bufsiz-equal", "rl_equal", 20);
  RLP("readlink/bufsiz-smaller", "rl_smaller", 5);
  RLP("readlink/bufsiz-one", "rl_one", 1);
  RLP("readlink/bufsiz-zero-einval", "rl_zero", 0);
  RLP("readlink/bufsiz-zero-missing-einval", "rl_zero_missing_none", 0);
  RLP("readlink/bufsiz-negative-einval", "rl_negative", -1);
  RL("readlink/bufsiz-upper-bits", 1, AT_FDCWD, "rl_hibits",
     0x100000000L | 10, 0, "rl_hibits");
  RLP("readlink/dangling-symlink", "rl_dangle", 64);
  RLP("readlink/regular-einval", "rl_regular", 64);
  RLP("readlink/directory-einval", "rl_dir", 64);
  RLP("readlink/missing-enoent", "rl_missing", 64);
  RLP("readlink/through-file-enotdir", "rl_thru/x", 64);
  RLP("readlink/trailing-slash-enotdir", "rl_slash/", 64);
  RLP("readlink/target-255", "rl_255", 4096);
  RLP("readlink/target-256", "rl_256", 4096);
  RLP("readlink/target-300", "rl_300", 4096);
  RLP("readlink/target-300-bufsiz-299", "rl_300_trunc", 299);
  RLP("readlink/target-300-bufsiz-256", "rl_300_trunc256", 256);
  RLP("readlink/target-4095", "rl_4095", 8192);
  RL("readlink/readlinkat-at-fdcwd", 1, AT_FDCWD, "rl_zero_missing", 64, 0,
     "rl_zero_missing");

  /* A deleted working directory. */
  {
    int here = open(".", O_RDONLY | O_DIRECTORY);
    rmdir("../gone");
    if (mkdir("../gone", 0755) == 0 && chdir("../gone") == 0 &&
        rmdir("../gone") == 0) {
      errno = 0;
      int v = (int)call_stat(C_STAT, 0, ".", &st, 0);
      snprintf(r, sizeof r, "%d %s nlink=%llu", v,
               v ? errname(errno) : ftype(st.st_mode),
               v ? 0ULL : (unsigned long long)st.st_nlink);
      out("gone/stat-dot", "stat", r, ".");
      STP("gone/stat-missing-enoent", C_STAT, "gone_missing");
      ACP("gone/access-dot", C_ACCESS, "./", F_OK, 0);
      RLP("gone/readlink-missing-enoent", "gone_rl", 64);
      SXP("gone/statx-missing-enoent", "gone_sx", 0, STATX_BASIC_STATS);
    } else out("gone", "-", "setup failed", 0);
    fchdir(here);
    close(here);
  }

  /* Without the DAC capabilities (in a child: capset is per thread, and
     ends the fast path for the process that calls it). */
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    out("privilege", "-", drop_dac(), 0);
    permission_cases("nosearch_nc", "nocaps");
    ACP("nocaps/access-mode0000-R", C_ACCESS, "nc_mode0000_access", R_OK, 0);
    ACP("nocaps/faccessat2-eaccess-mode0000-R", C_FACCESSAT2,
        "nc_mode0000_eaccess", R_OK, AT_EACCESS);
    ACP("nocaps/faccessat-mode0000-R", C_FACCESSAT, "nc_mode0000_fat", R_OK, 0);
    ACP("nocaps/faccessat2-eaccess-mode0644-W", C_FACCESSAT2, "nc_mode0644_W",
        W_OK, AT_EACCESS);
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);

  /* Threads. */
  {
    pthread_t t[4];
    struct tres res[4];
    memset(res, 0, sizeof res);
    pthread_barrier_init(&barrier, 0, 4);
    for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, worker, &res[i]);
    struct tres sum = {0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
      pthread_join(t[i], 0);
      sum.stat_ok += res[i].stat_ok;
      sum.access_ok += res[i].access_ok;
      sum.readlink_ok += res[i].readlink_ok;
      sum.enoent += res[i].enoent;
      sum.bad += res[i].bad;
    }
    snprintf(r, sizeof r, "stat=%ld access=%ld readlink=%ld enoent=%ld bad=%ld",
             sum.stat_ok, sum.access_ok, sum.readlink_ok, sum.enoent, sum.bad);
    out("threads-4x200", "stat+faccessat+readlinkat+newfstatat", r, 0);
  }

  /* Last, so that a tracer brought down by them leaves the others compared
     ("no-last" leaves them out): access's mode is an int, the upper half of
     its register is not. */
  if (argc > 1 && strcmp(argv[1], "no-last") == 0) return 0;
  RAW("last/access-mode-upper-bits", "faccessat mode=0x100000004",
      syscall(SYS_faccessat, AT_FDCWD, "a_hibits", 0x100000000L | R_OK),
      "a_hibits");
  RAW("last/access-mode-upper-bits-bad-low", "faccessat mode=0x700000008",
      syscall(SYS_faccessat, AT_FDCWD, "a_hibits_bad", 0x700000008L),
      "a_hibits_bad");
  return 0;
}
`;

type Want = string | string[] | RegExp;

/** readlink's result: the length and bytes, nothing written after them. */
function link(length: number, text: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const shown = text.length > 40
    ? `${esc(text.slice(0, 40))}'\\.\\.\\.`
    : `${esc(text)}'`;
  return new RegExp(`^${length} '${shown} hash=[0-9a-f]{8} after=##$`);
}

/** `abcd...z` repeated, a `/` every 64 bytes: the long link targets. */
function longTarget(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) {
    s += i % 64 === 63 ? "/" : String.fromCharCode(97 + i % 26);
  }
  return s;
}

/**
 * What the untraced run must print (the result, or its first words), per
 * case; `root` when the program runs as root with CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH (its "privilege" line says which).
 */
function expected(root: boolean): Map<string, Want> {
  const want = new Map<string, Want>();
  const either = (asRoot: Want, asOwner: Want) => root ? asRoot : asOwner;

  // The stat matrix: a call per row, a file type per column.
  const follow = { reg: "reg mode=100640", lnk: "reg mode=100604" };
  const nofollow = { reg: "reg mode=100640", lnk: "lnk mode=120777" };
  for (
    const [call, kind] of [
      ["stat", follow],
      ["lstat", nofollow],
      ["fstatat", follow],
      ["fstatatnf", nofollow],
      ["statx", follow],
      ["statxnf", nofollow],
    ] as const
  ) {
    want.set(`${call}/reg`, `0 ${kind.reg}`);
    want.set(`${call}/dir`, "0 dir mode=40750");
    want.set(`${call}/lnk`, `0 ${kind.lnk}`);
    want.set(
      `${call}/dangle`,
      kind === follow ? "-1 ENOENT" : "0 lnk mode=120777",
    );
    want.set(`${call}/missing`, "-1 ENOENT");
    want.set(`${call}/thru`, "-1 ENOTDIR");
    want.set(`${call}/fifo`, "0 fifo mode=10600");
    want.set(`${call}/sock`, "0 sock mode=140755");
    want.set(`${call}/devnull`, "0 chr mode=20666");
  }

  // The access matrix: root passes every check but X_OK on a file without
  // any x bit; the owner gets what the mode's owner bits say.
  const R = 4, W = 2, X = 1;
  const requests = { F: 0, R, W, X, RWX: R | W | X };
  for (const call of ["acc", "fat", "fat2", "fat2e"]) {
    for (const mode of [0o644, 0o755, 0o000, 0o100, 0o200]) {
      const owner = mode >> 6;
      for (const [name, bits] of Object.entries(requests)) {
        const ok = root
          ? (bits & X) === 0 || (mode & 0o111) !== 0
          : (owner & bits) === bits;
        want.set(
          `${call}/mode${mode.toString(8).padStart(4, "0")}-${name}`,
          ok ? "0" : "-1 EACCES",
        );
      }
    }
    for (const name of Object.keys(requests)) {
      want.set(`${call}/dir-${name}`, "0");
    }
  }

  for (
    const [name, result] of Object.entries({
      "stat/name-255": "0 reg",
      "stat/name-256-enametoolong": "-1 ENAMETOOLONG",
      "stat/path-4095": "0 reg",
      "stat/path-4096-enametoolong": "-1 ENAMETOOLONG",
      "access/name-256-enametoolong": "-1 ENAMETOOLONG",
      "caps/stat-through-0000-dir": either("0 reg", "-1 EACCES"),
      "caps/lstat-through-0000-dir": either("0 reg", "-1 EACCES"),
      "caps/newfstatat-through-0000-dir": either("0 reg", "-1 EACCES"),
      "caps/statx-through-0000-dir": either("0 reg", "-1 EACCES"),
      "caps/access-through-0000-dir": either("0", "-1 EACCES"),
      "caps/faccessat2-eaccess-through-0000-dir": either("0", "-1 EACCES"),
      "caps/readlink-through-0000-dir": either(
        link(12, "inner-target"),
        "-1 EACCES",
      ),
      "caps/access-mode0000-R": either("0", "-1 EACCES"),
      "caps/faccessat2-eaccess-mode0000-R": either("0", "-1 EACCES"),
      // /proc/self and /dev/stdin: the program's own, not the tracer's.
      "proc/stat-self-status": "0 reg self ok",
      "proc/statx-self-status": "0 reg self ok",
      "proc/access-self-status": "0",
      "proc/stat-self": "0 dir self ok",
      "proc/lstat-self": "0 lnk",
      "proc/readlink-self": "0 self ok",
      "proc/readlink-self-exe": "0 exe ok",
      "proc/readlink-self-cwd": "0 cwd ok",
      "proc/stat-self-exe": "0 reg exe ok",
      "proc/readlink-self-fd-0": "0 self ok",
      "dev/stat-stdin": "0 fifo self ok",
      "dev/lstat-stdin": "0 lnk",
      "dev/access-stdin-R": "0",
      "dev/access-null-W": "0",
      "rel/stat-cwd-subdir": "0 reg",
      "rel/statx-cwd-subdir": "0 reg",
      "rel/access-cwd-subdir": "0",
      "rel/readlink-cwd-subdir": link(10, "rel-target"),
      "rel/newfstatat-dirfd": "0 reg",
      "rel/statx-dirfd": "0 reg",
      "rel/faccessat-dirfd": "0",
      "rel/faccessat2-dirfd": "0",
      "rel/readlinkat-dirfd": link(10, "dfd-target"),
      "rel/newfstatat-dirfd-upper-bits": "0 reg",
      "rel/newfstatat-closed-dirfd-ebadf": "-1 EBADF",
      "rel/statx-closed-dirfd-ebadf": "-1 EBADF",
      "rel/faccessat-closed-dirfd-ebadf": "-1 EBADF",
      "rel/faccessat2-closed-dirfd-ebadf": "-1 EBADF",
      "rel/readlinkat-closed-dirfd-ebadf": "-1 EBADF",
      "rel/newfstatat-negative-dirfd-ebadf": "-1 EBADF",
      "rel/newfstatat-absolute-closed-dirfd": "0 reg",
      "rel/newfstatat-file-dirfd-enotdir": "-1 ENOTDIR",
      "rel/faccessat-file-dirfd-enotdir": "-1 ENOTDIR",
      "rel/newfstatat-symlink-opath-dirfd-enotdir": "-1 ENOTDIR",
      "rel/newfstatat-pipe-dirfd-enotdir": "-1 ENOTDIR",
      "empty/newfstatat-empty-path": "0 reg",
      "empty/statx-empty-path": "0 reg",
      // A NULL path with AT_EMPTY_PATH: Linux 6.11 and later.
      "empty/newfstatat-null-path": ["0 reg", "-1 EFAULT"],
      "empty/statx-null-path": ["0 reg", "-1 EFAULT"],
      "empty/faccessat2-empty-path": "0",
      "empty/newfstatat-empty-path-no-flag-enoent": "-1 ENOENT",
      "empty/access-empty-path-enoent": "-1 ENOENT",
      "empty/readlink-empty-path-enoent": "-1 ENOENT",
      "empty/readlinkat-empty-path-opath-symlink": link(
        17,
        "opath-link-target",
      ),
      "empty/newfstatat-empty-path-opath-symlink": "0 lnk",
      "efault/stat-buffer-unmapped": "-1 EFAULT",
      "efault/lstat-buffer-unmapped": "-1 EFAULT",
      "efault/newfstatat-buffer-unmapped": "-1 EFAULT",
      "efault/statx-buffer-unmapped": "-1 EFAULT",
      "efault/stat-buffer-readonly": "-1 EFAULT",
      "efault/statx-buffer-readonly": "-1 EFAULT",
      "efault/stat-buffer-null": "-1 EFAULT",
      "efault/stat-missing-path-bad-buffer-enoent": "-1 ENOENT",
      "efault/readlink-buffer-unmapped": "-1 EFAULT",
      "efault/readlink-buffer-readonly": "-1 EFAULT",
      "efault/readlink-regular-bad-buffer-einval": "-1 EINVAL",
      "efault/stat-path-unmapped": "-1 EFAULT",
      "efault/stat-path-null": "-1 EFAULT",
      "efault/access-path-unmapped": "-1 EFAULT",
      "efault/readlink-path-unmapped": "-1 EFAULT",
      "efault/statx-path-null-no-flag": "-1 EFAULT",
      "efault/stat-path-ends-at-page-end": "0 reg",
      "efault/stat-path-runs-into-unmapped": "-1 EFAULT",
      "efault/access-path-runs-into-unmapped": "-1 EFAULT",
      "efault/stat-buffer-crosses-into-readonly": "-1 EFAULT",
      "efault/statx-buffer-crosses-into-readonly": "-1 EFAULT",
      "efault/readlink-buffer-crosses-into-readonly": "-1 EFAULT",
      "statx/mask-basic-stats": "0 reg",
      "statx/mask-btime": "0 reg",
      "statx/mask-all": "0 reg",
      "statx/mask-zero": "0 reg",
      "statx/mask-type": "0 reg",
      "statx/mask-all-bits": "0 reg",
      "statx/dont-sync": "0 reg",
      "statx/force-sync": "0 reg",
      // The kernel checks flags and mask before it looks the path up.
      "statx/both-sync-einval": "-1 EINVAL",
      "statx/both-sync-missing-einval": "-1 EINVAL",
      "statx/reserved-mask-einval": "-1 EINVAL",
      "statx/reserved-mask-missing-einval": "-1 EINVAL",
      "statx/bad-flag-einval": "-1 EINVAL",
      "statx/bad-flag-missing-einval": "-1 EINVAL",
      "statx/eaccess-flag-einval": "-1 EINVAL",
      "statx/no-automount": "0 reg",
      "statx/empty-path-flag-with-path": "0 reg",
      "newfstatat/bad-flag-einval": "-1 EINVAL",
      "newfstatat/eaccess-flag-einval": "-1 EINVAL",
      "newfstatat/statx-dont-sync-flag": "0 reg",
      "newfstatat/no-automount": "0 reg",
      "newfstatat/empty-path-flag-with-path": "0 reg",
      "acc2/symlink-nofollow-X": "0",
      "acc2/symlink-follow-X": "-1 EACCES",
      "acc2/dangling-F": "-1 ENOENT",
      "acc2/dangling-nofollow-F": "0",
      "acc2/dangling-nofollow-eaccess-F": "0",
      "acc2/missing-enoent": "-1 ENOENT",
      "acc2/through-file-enotdir": "-1 ENOTDIR",
      "acc2/bad-mode-einval": "-1 EINVAL",
      "acc2/bad-mode-missing-einval": "-1 EINVAL",
      "acc2/access-bad-mode-missing-einval": "-1 EINVAL",
      "acc2/bad-flag-einval": "-1 EINVAL",
      "acc2/no-automount-flag-einval": "-1 EINVAL",
      "acc2/statx-dont-sync-flag-einval": "-1 EINVAL",
      "acc2/faccessat-4th-arg-ignored": "-1 ENOENT",
      "acc2/fifo-W": "0",
      // A read-only bind mount, where the test can make one.
      "ro-mount": "skipped",
      "ro/access-W-erofs": "-1 EROFS",
      "ro/access-R": "0",
      "ro/access-X": "0",
      "ro/faccessat2-eaccess-W-erofs": "-1 EROFS",
      "ro/access-fifo-W": "0",
      "ro/access-dir-W-erofs": "-1 EROFS",
      "ro/stat": "0 reg",
      "readlink/bufsiz-larger": link(20, "rl_target_0123456789"),
      "readlink/bufsiz-equal": link(20, "rl_target_0123456789"),
      "readlink/bufsiz-smaller": link(5, "rl_ta"),
      "readlink/bufsiz-one": link(1, "r"),
      "readlink/bufsiz-zero-einval": "-1 EINVAL",
      "readlink/bufsiz-zero-missing-einval": "-1 EINVAL",
      "readlink/bufsiz-negative-einval": "-1 EINVAL",
      "readlink/bufsiz-upper-bits": link(10, "rl_target_"),
      "readlink/dangling-symlink": link(20, "rl_target_0123456789"),
      "readlink/regular-einval": "-1 EINVAL",
      "readlink/directory-einval": "-1 EINVAL",
      "readlink/missing-enoent": "-1 ENOENT",
      "readlink/through-file-enotdir": "-1 ENOTDIR",
      "readlink/trailing-slash-enotdir": "-1 ENOTDIR",
      "readlink/target-255": link(255, longTarget(255)),
      "readlink/target-256": link(256, longTarget(256)),
      "readlink/target-300": link(300, longTarget(300)),
      "readlink/target-300-bufsiz-299": link(299, longTarget(299)),
      "readlink/target-300-bufsiz-256": link(256, longTarget(256)),
      "readlink/target-4095": link(4095, longTarget(4095)),
      "readlink/readlinkat-at-fdcwd": link(12, "zero-missing"),
      "gone/stat-dot": "0 dir nlink=0",
      "gone/stat-missing-enoent": "-1 ENOENT",
      "gone/access-dot": "0",
      "gone/readlink-missing-enoent": "-1 ENOENT",
      "gone/statx-missing-enoent": "-1 ENOENT",
      "privilege": either("root-dac-dropped", "unprivileged"),
      "nocaps/stat-through-0000-dir": "-1 EACCES",
      "nocaps/lstat-through-0000-dir": "-1 EACCES",
      "nocaps/newfstatat-through-0000-dir": "-1 EACCES",
      "nocaps/statx-through-0000-dir": "-1 EACCES",
      // access() checks with the real ids, and root's are all permitted
      // capabilities; AT_EACCESS checks with the effective ones.
      "nocaps/access-through-0000-dir": either("0", "-1 EACCES"),
      "nocaps/faccessat2-eaccess-through-0000-dir": "-1 EACCES",
      "nocaps/readlink-through-0000-dir": "-1 EACCES",
      "nocaps/access-mode0000-R": either("0", "-1 EACCES"),
      "nocaps/faccessat2-eaccess-mode0000-R": "-1 EACCES",
      "nocaps/faccessat-mode0000-R": either("0", "-1 EACCES"),
      "nocaps/faccessat2-eaccess-mode0644-W": "0",
      "threads-4x200": "stat=800 access=800 readlink=800 enoent=800 bad=0",
      // The kernel reads an int: the register's upper half does not count.
      "last/access-mode-upper-bits": "0",
      "last/access-mode-upper-bits-bad-low": "-1 EINVAL",
    })
  ) want.set(name, result);
  return want;
}

/** Whether `got` is what `want` says (a string: all of it or its first words). */
function matches(got: string, want: Want): boolean {
  if (want instanceof RegExp) return want.test(got);
  return (Array.isArray(want) ? want : [want]).some((w) =>
    got === w || got.startsWith(`${w} `)
  );
}

/** A case's printed line. */
interface Case {
  name: string;
  call: string;
  result: string;
  path?: string;
}

function parseCases(stdout: string): Case[] {
  return stdout.split("\n").filter((l) => l !== "").map((l) => {
    const [name, call, result, path] = l.split("\t");
    return path === "-" ? { name, call, result } : { name, call, result, path };
  });
}

/** The errno of a result, or undefined for success. */
function errorOf(result: string): string | undefined {
  return result.startsWith("-1 ") ? result.split(" ")[1] : undefined;
}

/** The trace's op for a call. */
function opOf(call: string): "stat" | "access" | "readlink" | undefined {
  const name = call.split(" ")[0];
  if (/^(stat|lstat|newfstatat|statx)$/.test(name)) return "stat";
  if (/^(access|faccessat|faccessat2)$/.test(name)) return "access";
  if (/^(readlink|readlinkat)$/.test(name)) return "readlink";
  return undefined;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed after RUN_TIMEOUT ms. */
  timedOut: boolean;
}

/** How long a run may take (normally a second or two). */
const RUN_TIMEOUT = 120_000;

/** Shortens a long path for messages. */
function short(path: string): string {
  return path.length > 60 ? `${path.slice(0, 20)}...(${path.length})` : path;
}

interface Fixture {
  /** The temporary directory: the program, the trace; `fx` in it holds the fixture. */
  dir: string;
  /** Whether runs can have a mount namespace of their own with a read-only bind mount. */
  ownMounts: boolean;
}

/** A temporary directory with the program built in it and the fixture made. */
async function prepare(): Promise<Fixture> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "filemon-probe-" }),
  );
  await cc(dir, "prog", PROG_C, ["-pthread"]);
  await Deno.mkdir(`${dir}/fx`);
  const setup = await new Deno.Command(`${dir}/prog`, {
    args: ["setup"],
    cwd: `${dir}/fx`,
    stderr: "piped",
  }).output();
  assert(setup.success, new TextDecoder().decode(setup.stderr));
  // A mount namespace of the run's own (root only), so the read-only bind
  // mount is made and undone with no trace outside the run.
  const ownMounts = installed("unshare") && (await new Deno.Command("unshare", {
    args: ["-m", "true"],
    stdout: "null",
    stderr: "null",
  }).output()).success;
  return { dir, ownMounts };
}

async function cleanup({ dir }: Fixture): Promise<void> {
  for (const d of ["nosearch", "nosearch_nc"]) {
    await Deno.chmod(`${dir}/fx/${d}`, 0o755).catch(() => {});
  }
  await Deno.remove(dir, { recursive: true });
}

/**
 * Runs `program args` in the fixture with an empty pipe for stdin, where
 * it can in a mount namespace of its own with `ro_src` bind-mounted
 * read-only on `ro_mnt` (without, the program skips the read-only cases).
 * A run that
 * hangs is killed (unshare and sh exec, so that is `program`; a tracer's
 * command dies with it) and says so.
 */
async function run(
  { dir, ownMounts }: Fixture,
  program: string,
  args: string[],
): Promise<Run> {
  const child = new Deno.Command(ownMounts ? "unshare" : "sh", {
    args: [
      ...(ownMounts ? ["-m", "sh"] : []),
      "-c",
      ownMounts
        ? 'mount --bind ro_src ro_mnt && mount -o remount,bind,ro ro_mnt; exec "$@"'
        : 'exec "$@"',
      "sh",
      program,
      ...args,
    ],
    cwd: `${dir}/fx`,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* it ended meanwhile */ }
  }, RUN_TIMEOUT);
  try {
    // A pipe the program only looks at (it may be gone before a write).
    await child.stdin.close();
    const r = await child.output();
    const dec = new TextDecoder();
    return {
      code: r.code,
      stdout: dec.decode(r.stdout),
      stderr: dec.decode(r.stderr),
      timedOut,
    };
  } finally {
    clearTimeout(timer);
  }
}

type ProbeEvent = Extract<TraceEvent, { op: "stat" | "access" | "readlink" }>;

/**
 * Cases the trace may leave out: the seccomp filter lets a stat call with
 * AT_EMPTY_PATH run untraced (fstat is newfstatat(fd, "", AT_EMPTY_PATH)),
 * a non-empty path with it too, as ffi/linux/seccomp.ts says: it cannot
 * read strings.
 */
const UNSEEN: ReadonlySet<string> = new Set([
  "statx/empty-path-flag-with-path",
  "newfstatat/empty-path-flag-with-path",
]);

Deno.test({
  name: "trace's fast path does not change what probes return",
  ignore: !haveCc,
  async fn(t) {
    const fx = await prepare();
    const prog = `${fx.dir}/prog`;
    try {
      const untraced = await run(fx, prog, []);
      assert(!untraced.timedOut, `killed after ${RUN_TIMEOUT} ms`);
      assertEquals(untraced.code, 0, untraced.stderr);
      assertEquals(untraced.stderr, "");
      const cases = parseCases(untraced.stdout);
      const byName = new Map(cases.map((c) => [c.name, c]));

      await t.step("the program tests what it says (untraced)", () => {
        const root = byName.get("privilege")?.result === "root-dac-dropped";
        const want = expected(root);
        const wrong: string[] = [];
        for (const c of cases) {
          const w = want.get(c.name);
          if (w === undefined) wrong.push(`${c.name}: no expectation`);
          else if (!matches(c.result, w)) {
            wrong.push(`${c.name}: ${c.result} (expected ${w})`);
          }
        }
        // Every expected case ran (the read-only ones or "ro-mount").
        const ro = byName.has("ro-mount") ? /^ro\// : /^ro-mount$/;
        for (const name of want.keys()) {
          if (!byName.has(name) && !ro.test(name)) {
            wrong.push(`${name}: missing`);
          }
        }
        // No two cases pass the same path.
        const seen = new Map<string, string>();
        for (const c of cases) {
          if (c.path === undefined) continue;
          const other = seen.get(c.path);
          if (other !== undefined) {
            wrong.push(`${c.name}: same path as ${other} (${short(c.path)})`);
          }
          seen.set(c.path, c.name);
        }
        assertEquals(wrong, []);
      });

      /**
       * How a traced run differs from the untraced one: the cases whose
       * line differs, those missing, and how it ended.
       */
      const differences = (traced: Run, lineup = cases): string[] => {
        const got = parseCases(traced.stdout);
        const gotByName = new Map(got.map((c) => [c.name, c]));
        const diff: string[] = [];
        for (const c of lineup) {
          const g = gotByName.get(c.name);
          if (g === undefined) diff.push(`${c.name}: not printed traced`);
          else if (g.call !== c.call || g.result !== c.result) {
            diff.push(
              `${c.name} (${c.call}): traced "${g.result}", untraced "${c.result}"`,
            );
          }
        }
        if (
          got.map((c) => c.name).join() !== lineup.map((c) => c.name).join()
        ) {
          diff.push("the traced run printed other cases or another order");
        }
        if (traced.timedOut) diff.push(`killed after ${RUN_TIMEOUT} ms`);
        if (traced.code !== 0) diff.push(`exit code ${traced.code}`);
        if (traced.stderr !== "") diff.push(`stderr: ${traced.stderr.trim()}`);
        return diff;
      };

      for (
        const [label, flags] of [
          ["fast path", []],
          ["--no-fast-path", ["--no-fast-path"]],
        ] as const
      ) {
        await t.step(
          `traced (--ops all --failed, ${label}): same output`,
          async () => {
            const traced = await run(
              fx,
              FILEMON,
              traceArgs(
                "--ops",
                "all",
                "--failed",
                ...flags,
                "-o",
                "/dev/null",
                "--",
                prog,
              ),
            );
            assertEquals(differences(traced), []);
          },
        );
      }

      await t.step(
        "traced (-f jsonl --ops all --failed): each case's probe is in the trace once, with the program's result",
        async () => {
          // Without the last group: a tracer that fell on it wrote no trace.
          const out = `${fx.dir}/trace.jsonl`;
          const traced = await run(
            fx,
            FILEMON,
            traceArgs(
              "-f",
              "jsonl",
              "--ops",
              "all",
              "--failed",
              "-o",
              out,
              "--",
              prog,
              "no-last",
            ),
          );
          assert(!traced.timedOut, `killed after ${RUN_TIMEOUT} ms`);
          assertEquals(traced.code, 0, traced.stderr);
          const events = (await Deno.readTextFile(out)).split("\n")
            .filter((l) => l !== "").map((l, i) => parseJsonLine(l, i + 1));
          const probes = events.filter((e): e is ProbeEvent =>
            e.op === "stat" || e.op === "access" || e.op === "readlink"
          );
          const got = parseCases(traced.stdout);
          const wrong: string[] = [];
          if (
            got.length !==
              cases.filter((c) => !c.name.startsWith("last/")).length
          ) {
            wrong.push(`${got.length} cases printed`);
          }
          for (const c of got) {
            if (c.path === undefined) continue;
            const op = opOf(c.call);
            const want = `${op} ${errorOf(c.result) ?? "ok"}`;
            const seen = probes.filter((e) => e.path === c.path)
              .map((e) => `${e.op} ${e.error ?? "ok"}`);
            if (seen.length === 0 && UNSEEN.has(c.name)) continue;
            if (seen.length !== 1 || seen[0] !== want) {
              wrong.push(
                `${c.name} (${
                  short(c.path)
                }): program ${want}, trace [${seen}]`,
              );
            }
          }
          // The threads' probes, each with its result.
          const count = (op: string, re: RegExp, error?: string) =>
            probes.filter((e) =>
              e.op === op && re.test(e.path) && e.error === error
            ).length;
          const threads = [
            count("stat", /^thr\/s\d{3}$/),
            count("access", /^thr\/a\d{3}$/),
            count("readlink", /^thr\/l\d{3}$/),
            count("stat", /^thr\/m\d{3}$/, "ENOENT"),
          ];
          if (threads.join() !== "800,800,800,800") {
            wrong.push(
              `threads: trace has ${threads} stat, access, readlink, ENOENT stat (expected 800 each)`,
            );
          }
          assertEquals(wrong, []);
        },
      );
    } finally {
      await cleanup(fx);
    }
  },
});
