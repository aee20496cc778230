/**
 * A scripted fake of FreeBSD's file calls (`FreebsdFileLibc`), for the
 * file layer's tests on any system: files, directories and /dev/null by
 * path, descriptors pointing at shared open file descriptions (status flags
 * such as O_APPEND live there, as in the kernel), and `struct stat` filled
 * at the byte offsets of FreeBSD 12's amd64/arm64 layout, written here as
 * literals from sys/sys/stat.h (not from the implementation's table).
 * Every call is recorded as one line (`calls`). Descriptors 0, 1 and 2 are
 * open by default: 1 and 2 capture what is written to them.
 */

import type { FreebsdFileLibc } from "../../../ffi/freebsd/libc.ts";
import { decodePath } from "../../../lib/path.ts";

/** FreeBSD's numbers, written out (sys/errno.h, sys/fcntl.h, sys/stat.h). */
export const ENOENT = 2;
export const EBADF = 9;
export const EACCES = 13;
export const EEXIST = 17;
export const EISDIR = 21;
const O_ACCMODE = 3;
const O_RDWR = 2;
const O_CREAT = 0x200;
const O_TRUNC = 0x400;
const O_CLOEXEC = 0x100000;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x200;

/** A file, directory or device. */
export interface Node {
  ino: bigint;
  /** st_mode: type and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  rdev: bigint;
  data: number[];
  mtime: [bigint, bigint];
  ctime: [bigint, bigint];
  symlink?: boolean;
}

interface Description {
  node: Node;
  /** Status flags and access mode (F_GETFL). */
  flags: number;
  offset: number;
}

interface Slot {
  desc: Description;
  cloexec: boolean;
}

export const DEV = 0x1_0000_0042n; // a st_dev above 2^32
export const DEV_NULL_RDEV = 0x2_0000_0013n;

const enc = new TextEncoder();

export class FakeFs {
  readonly nodes = new Map<string, Node>();
  readonly fds = new Map<number, Slot>();
  readonly calls: string[] = [];
  readonly streams: Record<1 | 2, number[]> = { 1: [], 2: [] };
  cwd = "/w";
  pid = 500;
  uid = 1000;
  #errno = 0;
  #ino = 100n;
  #clock = 1_700_000_000n;
  /** Called on each write to a descriptor this fake does not own (set by a test). */
  onForeignWrite?: (fd: number, bytes: Uint8Array) => void;

  constructor() {
    this.mkdir("/");
    this.mkdir("/w");
    this.mkdir("/dev");
    this.nodes.set("/dev/null", this.#node(0o020666, DEV_NULL_RDEV));
    const stdio = this.#node(0o020620, 0x77n); // a terminal
    for (const fd of [0, 1, 2]) {
      this.fds.set(fd, {
        desc: { node: stdio, flags: O_RDWR, offset: 0 },
        cloexec: false,
      });
    }
  }

  #node(mode: number, rdev = 0n): Node {
    const t = this.#clock++;
    return {
      ino: 0x1_0000_0000n + this.#ino++,
      mode,
      uid: this.uid,
      gid: 20,
      rdev,
      data: [],
      mtime: [t, 123n],
      ctime: [t, 456n],
    };
  }

  mkdir(path: string): void {
    this.nodes.set(path, this.#node(0o040755));
  }

  /** A regular file with `text`. */
  put(path: string, text: string, mode = 0o100644, uid = this.uid): Node {
    const node = this.#node(mode);
    node.uid = uid;
    node.data = [...enc.encode(text)];
    this.nodes.set(path, node);
    return node;
  }

  text(path: string): string | undefined {
    const n = this.nodes.get(path);
    return n && new TextDecoder().decode(new Uint8Array(n.data));
  }

  /** Changes a file's contents as another process would (new mtime, ctime). */
  touch(path: string, more: string): void {
    const n = this.nodes.get(path)!;
    n.data.push(...enc.encode(more));
    const t = this.#clock++;
    n.mtime = [t, 7n];
    n.ctime = [t, 8n];
  }

  /** Reopens a standard descriptor: /dev/null read-write, as Deno does on one closed at start. */
  devNullOn(fd: number, share?: number): void {
    const desc = share === undefined
      ? { node: this.nodes.get("/dev/null")!, flags: O_RDWR, offset: 0 }
      : this.fds.get(share)!.desc;
    this.fds.set(fd, { desc, cloexec: false });
  }

  #fail(errno: number): -1 {
    this.#errno = errno;
    return -1;
  }

  #dirOf(path: string): string {
    const abs = path.startsWith("/") ? path : `${this.cwd}/${path}`;
    const slash = abs.lastIndexOf("/");
    return slash === 0 ? "/" : abs.slice(0, slash);
  }

  #abs(path: string): string {
    return path.startsWith("/") ? path : `${this.cwd}/${path}`;
  }

  #lowestFree(): number {
    let fd = 0;
    while (this.fds.has(fd)) fd++;
    return fd;
  }

  /**
   * struct stat at FreeBSD's offsets (sys/sys/stat.h, amd64/arm64):
   * st_dev u64 @0, st_ino u64 @8, st_nlink u64 @16, st_mode u16 @24,
   * st_uid u32 @28, st_gid u32 @32, st_rdev u64 @40, st_atim @48,
   * st_mtim @64 (tv_sec i64, tv_nsec long @72), st_ctim @80, st_birthtim @96,
   * st_size i64 @112, st_blocks @120, st_blksize i32 @128; 224 bytes.
   */
  #fill(buf: Uint8Array, n: Node): void {
    if (buf.length < 224) throw new Error(`stat buffer of ${buf.length} bytes`);
    buf.fill(0xAA); // garbage where nothing is written: a wrong offset shows
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    v.setBigUint64(0, DEV, true);
    v.setBigUint64(8, n.ino, true);
    v.setBigUint64(16, 1n, true);
    v.setUint16(24, n.mode, true);
    v.setInt16(26, 0, true);
    v.setUint32(28, n.uid, true);
    v.setUint32(32, n.gid, true);
    v.setInt32(36, 0, true);
    v.setBigUint64(40, n.rdev, true);
    v.setBigInt64(64, n.mtime[0], true);
    v.setBigInt64(72, n.mtime[1], true);
    v.setBigInt64(80, n.ctime[0], true);
    v.setBigInt64(88, n.ctime[1], true);
    v.setBigInt64(112, BigInt(n.data.length), true);
  }

  #str(buf: Uint8Array | null): string {
    const b = buf!;
    return decodePath(b, 0, b.indexOf(0)); // every byte kept
  }

  #log<T>(line: string, result: T): T {
    this.calls.push(`${line} -> ${result}`);
    return result;
  }

  readonly libc: FreebsdFileLibc = {
    errno: () => this.#errno,
    open: (pathBuf, flags, mode) => {
      const path = this.#abs(this.#str(pathBuf));
      const line = `open("${path}", 0x${flags.toString(16)}, 0o${
        mode.toString(8)
      })`;
      let node = this.nodes.get(path);
      if (node === undefined) {
        if ((flags & O_CREAT) === 0 || !this.nodes.has(this.#dirOf(path))) {
          return this.#log(line, this.#fail(ENOENT));
        }
        node = this.#node(0o100000 | (mode & ~0o022));
        this.nodes.set(path, node);
      } else if ((flags & O_TRUNC) !== 0) node.data = [];
      if ((node.mode & 0o170000) === 0o040000 && (flags & O_ACCMODE) !== 0) {
        return this.#log(line, this.#fail(EISDIR));
      }
      const fd = this.#lowestFree();
      this.fds.set(fd, {
        desc: {
          node,
          flags: flags & ~(O_CREAT | O_TRUNC | O_CLOEXEC),
          offset: 0,
        },
        cloexec: (flags & O_CLOEXEC) !== 0,
      });
      return this.#log(line, fd);
    },
    read: (fd, buf, n) => {
      const slot = this.fds.get(fd);
      if (slot === undefined) return this.#fail(EBADF);
      const d = slot.desc;
      const part = d.node.data.slice(d.offset, d.offset + Number(n));
      buf!.set(part);
      d.offset += part.length;
      return part.length;
    },
    write: (fd, buf, n) => {
      const bytes = buf!.subarray(0, Number(n));
      if (fd === 1 || fd === 2) {
        this.streams[fd].push(...bytes);
        return bytes.length;
      }
      const slot = this.fds.get(fd);
      if (slot === undefined) {
        if (this.onForeignWrite === undefined) return this.#fail(EBADF);
        this.onForeignWrite(fd, bytes);
        return bytes.length;
      }
      slot.desc.node.data.push(...bytes);
      return bytes.length;
    },
    close: (fd) => this.#log(`close(${fd})`, this.fds.delete(fd) ? 0 : -1),
    fcntl: (fd, cmd, arg) => {
      const slot = this.fds.get(fd);
      if (slot === undefined) return this.#fail(EBADF);
      if (cmd === F_GETFD) return slot.cloexec ? 1 : 0;
      if (cmd === F_SETFD) return (slot.cloexec = (arg & 1) !== 0), 0;
      if (cmd === F_GETFL) return slot.desc.flags;
      if (cmd === F_SETFL) {
        this.calls.push(`fcntl(${fd}, F_SETFL, 0x${arg.toString(16)})`);
        slot.desc.flags = (slot.desc.flags & O_ACCMODE) | (arg & ~O_ACCMODE);
        return 0;
      }
      throw new Error(`fcntl cmd ${cmd}`);
    },
    fstat: (fd, buf) => {
      const slot = this.fds.get(fd);
      if (slot === undefined) return this.#fail(EBADF);
      this.#fill(buf!, slot.desc.node);
      return 0;
    },
    fstatat: (dirfd, pathBuf, buf, flag) => {
      const path = this.#abs(this.#str(pathBuf));
      if (dirfd !== AT_FDCWD || flag !== AT_SYMLINK_NOFOLLOW) {
        throw new Error(`fstatat(${dirfd}, ${path}, ${flag})`);
      }
      const node = this.nodes.get(path);
      if (node === undefined) return this.#fail(ENOENT);
      this.#fill(buf!, node);
      return 0;
    },
    rename: (fromBuf, toBuf) => {
      const from = this.#abs(this.#str(fromBuf));
      const to = this.#abs(this.#str(toBuf));
      const node = this.nodes.get(from);
      if (node === undefined) {
        return this.#log(`rename("${from}", "${to}")`, this.#fail(ENOENT));
      }
      this.nodes.delete(from);
      this.nodes.set(to, node);
      return this.#log(`rename("${from}", "${to}")`, 0);
    },
    unlink: (pathBuf) => {
      const path = this.#abs(this.#str(pathBuf));
      const ok = this.nodes.delete(path);
      return this.#log(`unlink("${path}")`, ok ? 0 : this.#fail(ENOENT));
    },
    fchmod: (fd, mode) => {
      const node = this.fds.get(fd)!.desc.node;
      node.mode = (node.mode & 0o170000) | (mode & 0o7777);
      return this.#log(`fchmod(${fd}, 0o${mode.toString(8)})`, 0);
    },
    fchown: (fd, uid, gid) => {
      const line = `fchown(${fd}, ${uid}, ${gid})`;
      if (this.uid !== 0 && uid !== this.uid) {
        return this.#log(line, this.#fail(1)); // EPERM
      }
      const node = this.fds.get(fd)!.desc.node;
      node.uid = uid;
      node.gid = gid;
      return this.#log(line, 0);
    },
    getcwd: (buf, size) => {
      const b = enc.encode(this.cwd + "\0");
      if (b.length > Number(size)) return 0;
      buf!.set(b);
      return 0x1000;
    },
    realpath: (pathBuf, buf) => {
      const path = this.#abs(this.#str(pathBuf));
      if (!this.nodes.has(path)) return this.#fail(ENOENT), 0;
      buf!.set(enc.encode(path + "\0"));
      return 0x1000;
    },
    poll: () => 1,
    getpid: () => this.pid,
  };
}
