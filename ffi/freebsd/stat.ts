/**
 * FreeBSD's `struct stat` (sys/sys/stat.h, FreeBSD 12 and later: 64-bit
 * `ino_t`, `nlink_t` and `dev_t`) on amd64 and arm64, as data: each field's
 * offset with its C declaration beside it, read from the buffer `fstat` or
 * `fstatat` fills. `__STAT_TIME_T_EXT` is defined on i386 only, so these
 * 64-bit layouts have no `st_*tim_ext` fields; `struct timespec` is
 * `{ time_t tv_sec; long tv_nsec; }`, 16 bytes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseStat, STAT_SIZE, STAT_OFFSETS } from "./stat.ts";
 * const buf = new Uint8Array(STAT_SIZE);
 * const v = new DataView(buf.buffer);
 * v.setUint16(STAT_OFFSETS.st_mode, 0o100644, true);
 * v.setBigUint64(STAT_OFFSETS.st_ino, 12345n, true);
 * v.setBigInt64(STAT_OFFSETS.st_mtim, 1700000000n, true);
 * v.setBigInt64(STAT_OFFSETS.st_mtim + 8, 5n, true);
 * const st = parseStat(buf);
 * assertEquals([st.mode, st.ino, st.mtime], [0o100644, 12345n, "1700000000.000000005"]);
 * ```
 *
 * @module
 */

/** Byte offsets of `struct stat`'s fields (amd64, arm64). */
export const STAT_OFFSETS = {
  st_dev: 0, //        dev_t     st_dev;        __uint64_t
  st_ino: 8, //        ino_t     st_ino;        __uint64_t
  st_nlink: 16, //     nlink_t   st_nlink;      __uint64_t
  st_mode: 24, //      mode_t    st_mode;       __uint16_t
  st_padding0: 26, //  __int16_t st_padding0;
  st_uid: 28, //       uid_t     st_uid;        __uint32_t
  st_gid: 32, //       gid_t     st_gid;        __uint32_t
  st_padding1: 36, //  __int32_t st_padding1;
  st_rdev: 40, //      dev_t     st_rdev;       __uint64_t
  st_atim: 48, //      struct timespec st_atim;     (tv_sec: int64, tv_nsec: long)
  st_mtim: 64, //      struct timespec st_mtim;
  st_ctim: 80, //      struct timespec st_ctim;
  st_birthtim: 96, //  struct timespec st_birthtim;
  st_size: 112, //     off_t     st_size;       __int64_t
  st_blocks: 120, //   blkcnt_t  st_blocks;     __int64_t
  st_blksize: 128, //  blksize_t st_blksize;    __int32_t
  st_flags: 132, //    fflags_t  st_flags;      __uint32_t
  st_gen: 136, //      __uint64_t st_gen;
  st_spare: 144, //    __uint64_t st_spare[10];
} as const;

/** sizeof(struct stat): st_spare's 10 u64 end at 224. */
export const STAT_SIZE = 224;

/** File type bits of `st_mode` (sys/sys/stat.h). */
export const S_IFMT = 0o170000;
export const S_IFCHR = 0o020000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;

/** The fields of `struct stat` filemon reads. */
export interface FreebsdStat {
  dev: bigint;
  ino: bigint;
  /** Type and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  rdev: bigint;
  size: number;
  /** "SECONDS.NANOSECONDS", nanoseconds in nine digits. */
  mtime: string;
  ctime: string;
}

/** Reads a `struct stat` that `fstat`/`fstatat` filled. */
export function parseStat(buf: Uint8Array): FreebsdStat {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const o = STAT_OFFSETS;
  const time = (at: number) =>
    `${v.getBigInt64(at, true)}.${
      String(v.getBigInt64(at + 8, true)).padStart(9, "0")
    }`;
  return {
    dev: v.getBigUint64(o.st_dev, true),
    ino: v.getBigUint64(o.st_ino, true),
    mode: v.getUint16(o.st_mode, true),
    uid: v.getUint32(o.st_uid, true),
    gid: v.getUint32(o.st_gid, true),
    rdev: v.getBigUint64(o.st_rdev, true),
    size: Number(v.getBigInt64(o.st_size, true)),
    mtime: time(o.st_mtim),
    ctime: time(o.st_ctim),
  };
}
