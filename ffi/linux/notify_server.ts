/**
 * The fast path's server: it answers read-only opens that the seccomp
 * filter sent to the user-notification listener, one step per open instead
 * of two ptrace stops. It runs on a worker thread, blocking in
 * SECCOMP_IOCTL_NOTIF_RECV.
 *
 * For each open it reads the path once, resolves it from the tracee's own
 * working directory or directory fd (`/proc/TID/cwd`, `/proc/TID/fd/N`, so
 * the directory is the real one at that moment), and opens it itself:
 * first with O_PATH (no side effect), refusing /proc's magic links; then,
 * only for a regular file or a directory outside /proc, for real through
 * `/proc/self/fd/N`. It hands the tracee the new fd as the call's result
 * (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND), or answers the
 * lookup's errno. The record is committed to the ring before the answer.
 *
 * Where that would not be exact it does not answer: the main thread makes
 * the tracee run the call again the ptrace way (`KIND_FALLBACK`). That is a
 * FIFO, device, socket or symlink at the end of the path, anything in
 * /proc, a magic link, an error its own lookup may not share with the
 * tracee's (ELOOP, EMFILE...), unreadable memory, and a process that
 * changed credentials, root or namespaces (the main thread marks it in
 * `taint`).
 *
 * @module
 */

import {
  addressOf,
  close,
  cstring,
  errno,
  kill,
  libc,
  read,
  setU64,
  writeAll,
} from "../libc/posix.ts";
import { linux } from "../libc/linux.ts";
import { proc } from "../runtime/process.ts";
import { callArgs } from "./syscall_events.ts";
import type { SyscallSpec } from "./syscalls/semantics.ts";
import { hostTables, SyscallIndex } from "./syscalls/host.ts";
import {
  ADDFD_SIZE,
  HOST_SYSCALLS,
  NOTIF_ARCH,
  NOTIF_ARGS,
  NOTIF_NR,
  NOTIF_PID,
  NOTIF_SIZE,
  RESOLVE_NO_MAGICLINKS,
  RESP_SIZE,
  SECCOMP_ADDFD_FLAG_SEND,
  SECCOMP_IOCTL_NOTIF_ADDFD,
  SECCOMP_IOCTL_NOTIF_RECV,
  sendResponse,
} from "./seccomp_notify.ts";
import {
  CANCELLED,
  DONE,
  H_ANSWERED_ERROR,
  H_EMULATED,
  H_FALLBACK,
  H_LISTENER_FD,
  H_LISTENING,
  H_READ,
  H_SERVER_TIDS,
  H_STOP,
  H_VANISHED,
  KIND_FALLBACK,
  KIND_OPEN,
  Ring,
} from "./notify_ring.ts";
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  EINTR,
  linuxOpenFlags,
  O_CLOEXEC,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from "../libc/linux_abi.ts";

const { O_PATH, O_DIRECTORY, O_NOFOLLOW } = linuxOpenFlags(proc.arch);

const PATH_MAX = 4096;
/** An empty C string (for AT_EMPTY_PATH). */
const EMPTY = new Uint8Array(new ArrayBuffer(8));
const PAGE = 4096;
const EINVAL = 22;
const ENOENT = 2;
const SIGALRM = 14;
const AT_EACCESS = 0x200;
const AT_NO_AUTOMOUNT = 0x800;
const AT_STATX_SYNC_TYPE = 0x6000;
const AT_STATX_FORCE_SYNC = 0x2000;
/** statx's STATX__RESERVED mask bit (EINVAL). */
const STATX_RESERVED = 0x80000000;
/** sizeof(struct stat) by host, sizeof(struct statx). */
const STAT_SIZE: Readonly<Record<string, number>> = {
  x86_64: 144,
  aarch64: 128,
};
const STATX_SIZE = 256;

/** A probe answered here: where its result buffer, statx mask and access mode are. */
interface Probe {
  /**
   * The AT_* flags the call may carry and still be answered here; any
   * other (one the kernel refuses with EINVAL, or AT_EMPTY_PATH) sends it
   * the ptrace way.
   */
  flags: number;
  buf?: number;
  mask?: number;
  mode?: number;
  /** readlink's buffer size. */
  size?: number;
  nofollow?: true;
}

/** The probes answered here, by call. */
const PROBES: Readonly<Record<string, Probe>> = {
  stat: { flags: 0, buf: 1 },
  lstat: { flags: 0, buf: 1, nofollow: true },
  newfstatat: { flags: AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, buf: 2 },
  statx: {
    flags: AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_FORCE_SYNC,
    mask: 3,
    buf: 4,
  },
  access: { flags: 0, mode: 1 },
  faccessat: { flags: 0, mode: 2 },
  faccessat2: { flags: AT_SYMLINK_NOFOLLOW | AT_EACCESS, mode: 2 },
  readlink: { flags: 0, buf: 1, size: 2, nofollow: true },
  readlinkat: { flags: 0, buf: 2, size: 3, nofollow: true },
};

/** Lookup errors the tracee's own open meets the same way. */
const SHARED_ERRORS = new Set([2, 13, 20, 36]); // ENOENT EACCES ENOTDIR ENAMETOOLONG
/** Errors of our own (our fd table, our memory): never the tracee's answer. */
const OWN_ERRORS = new Set([12, 23, 24]); // ENOMEM ENFILE EMFILE

/** What the main thread hands the server. */
export interface ServerSetup {
  /** Which server this is: the first takes the listener, the others wait for it. */
  index: number;
  /** The launcher, and its pipes: it answers the listener's fd number on `ready`, then waits for a byte on `go`. */
  launcher: number;
  ready: number;
  go: number;
  ring: SharedArrayBuffer;
  /** One byte per thread id: 1 when the fast path must not answer for it. */
  taint: SharedArrayBuffer;
  /** The main thread's id, woken with SIGALRM when it has work. */
  mainTid: number;
  /** Record failed opens too. */
  failed: boolean;
  /** The device number of /proc, whose files are never opened here. */
  procDev: number;
  /** Offset of st_dev's low word and st_mode in struct stat. */
  statLayout: { dev: number; mode: number };
}

/** Answers notifications until told to stop. */
export class NotifyServer {
  #setup: ServerSetup;
  #ring: Ring;
  #taint: Uint8Array;
  #index = new SyscallIndex(hostTables(proc.arch));
  #host = HOST_SYSCALLS[proc.arch];
  // Buffers handed to libc, allocated once.
  #notif = new Uint8Array(new ArrayBuffer(NOTIF_SIZE));
  #notifView = new DataView(this.#notif.buffer);
  #resp = new Uint8Array(new ArrayBuffer(RESP_SIZE + 8));
  #respView = new DataView(this.#resp.buffer);
  #addfd = new Uint8Array(new ArrayBuffer(ADDFD_SIZE + 8));
  #addfdView = new DataView(this.#addfd.buffer);
  #path = new Uint8Array(new ArrayBuffer(PATH_MAX + 8));
  #pathAddr = Number(addressOf(this.#path));
  #base = new Uint8Array(new ArrayBuffer(PATH_MAX + 8));
  #how = new Uint8Array(new ArrayBuffer(64));
  #howView = new DataView(this.#how.buffer);
  #stat = new Uint8Array(new ArrayBuffer(STATX_SIZE + 64));
  #statAddr = Number(addressOf(this.#stat));
  #statView = new DataView(this.#stat.buffer);
  #iovLocal = new Uint8Array(new ArrayBuffer(64));
  #iovRemote = new Uint8Array(new ArrayBuffer(64));
  #iovLocalView = new DataView(this.#iovLocal.buffer);
  #iovRemoteView = new DataView(this.#iovRemote.buffer);
  #id = new Uint8Array(8);
  #enc = new TextEncoder();
  #cstrCache = new Map<string, Uint8Array<ArrayBuffer>>();
  #listener = -1;
  /** The ready pipe, when it must stay open to the end (see `takeListener`). */
  #readyFd = -1;
  /** The signal mask while an ADDFD waits (see `#answerFd`). */
  #oldMask = new Uint8Array(new ArrayBuffer(128));
  #oldMaskAddr = Number(addressOf(this.#oldMask));
  /** The record's directory: its length in #base (0: none), and where the path's rest begins (0: the whole path). */
  #dirLen = 0;
  #restAt = 0;
  /** An O_PATH fd of /proc/self/fd (its entries reopen our O_PATH fds). */
  #selfFds = libc.open(cstring("/proc/self/fd"), O_PATH | O_CLOEXEC, 0);

  constructor(setup: ServerSetup) {
    this.#setup = setup;
    this.#ring = new Ring(setup.ring);
    this.#taint = new Uint8Array(setup.taint);
    if (this.#host === undefined) throw new Error("no fast path here");
  }

  /**
   * Takes the listener out of the launcher (its answer on the ready pipe,
   * then pidfd_getfd) and lets it exec. Returns false when there is none
   * (a kernel without the fast path) or the launcher failed.
   */
  takeListener(): boolean {
    const { launcher, ready, go } = this.#setup;
    const header = this.#ring.header;
    let keepReady = false;
    try {
      const answer = new Uint8Array(new ArrayBuffer(64));
      const found = this.#awaitListener(launcher, ready, answer);
      // Found before the launcher said: it may be waiting in a call of its
      // own on the new filter, and writes its answer later; the ready pipe
      // stays open until the end (a closed one would kill it, SIGPIPE).
      keepReady = !found.replied;
      if (keepReady) this.#readyFd = ready;
      const remote = found.remote;
      if (remote < 0) {
        Atomics.store(header, H_LISTENING, -1);
        Atomics.notify(header, H_LISTENING);
        return false;
      }
      const host = this.#host;
      const pidfd = linux.syscall3(host.pidfd_open, launcher, 0, 0);
      this.#listener = pidfd < 0
        ? -1
        : linux.syscall3(host.pidfd_getfd, pidfd, remote, 0);
      if (pidfd >= 0) close(pidfd);
      if (this.#listener < 0) {
        // Its opens would wait for an answer forever: end it instead.
        kill(launcher, 9);
        Atomics.store(header, H_LISTENING, -1);
        Atomics.notify(header, H_LISTENING);
        return false;
      }
      // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (tracee and server wake each
      // other on the waker's CPU; the ioctl takes the flags as its argument)
      // is not set: on two cores it made a failed open cheaper alone (15 µs
      // against 21), but the bench's `make -j2` build slower (2.29 s
      // against 1.96), and lua's no faster.
      Atomics.store(header, H_LISTENER_FD, this.#listener);
      Atomics.store(header, H_LISTENING, 1);
      Atomics.notify(header, H_LISTENING);
      writeAll(go, answer.subarray(0, 1));
      return true;
    } finally {
      if (!keepReady) close(ready);
      close(go);
    }
  }

  /**
   * The launcher's listener fd: its answer on the ready pipe, or, when it
   * has not answered after a few milliseconds, the fd /proc shows as a
   * seccomp listener. The launcher runs this tool's runtime, which may
   * open a file (Bun's allocator reads /proc/self/statm) between installing
   * the filter and answering: that open waits for a server, so a server
   * that waited for the answer would wait for ever.
   */
  #awaitListener(
    launcher: number,
    ready: number,
    answer: Uint8Array<ArrayBuffer>,
  ): { remote: number; replied: boolean } {
    const pfd = new Uint8Array(new ArrayBuffer(8));
    const pv = new DataView(pfd.buffer);
    for (let waited = 0;; waited++) {
      pv.setInt32(0, ready, true);
      pv.setInt16(4, POLLIN, true);
      pv.setInt16(6, 0, true);
      if (libc.poll(pfd, 1, 1) > 0) {
        let got = 0;
        while (got < 4) {
          const n = read(ready, answer.subarray(got, 4));
          if (n === 0) break;
          got += n;
        }
        const remote = got === 4
          ? new DataView(answer.buffer).getInt32(0, true)
          : -1;
        return { remote, replied: true };
      }
      if (waited >= 5 && waited % 5 === 0) {
        const fd = this.#listenerIn(launcher);
        if (fd >= 0) return { remote: fd, replied: false };
        if (!kill(launcher, 0)) return { remote: -1, replied: true };
      }
    }
  }

  /** The fd of process `pid` that /proc names a seccomp listener, or -1. */
  #listenerIn(pid: number): number {
    for (let fd = 0; fd < 256; fd++) {
      const n = linux.readlinkat(
        AT_FDCWD,
        this.#cstr(`/proc/${pid}/fd/${fd}`),
        this.#base,
        PATH_MAX,
      );
      if (
        n === LISTENER_NAME.length &&
        hasBytes(this.#base.subarray(0, n), LISTENER_NAME)
      ) {
        return fd;
      }
    }
    return -1;
  }

  /** Serves until the main thread sets the stop flag. */
  serve(): void {
    const header = this.#ring.header;
    Atomics.store(header, H_SERVER_TIDS + this.#setup.index, linux.gettid());
    if (this.#setup.index === 0) {
      if (!this.takeListener()) return;
    } else {
      // Wait for the first server to take the listener (or to give up).
      Atomics.wait(header, H_LISTENING, 0);
      if (Atomics.load(header, H_LISTENING) !== 1) return;
      this.#listener = Atomics.load(header, H_LISTENER_FD);
    }
    while (Atomics.load(header, H_STOP) === 0) {
      this.#notif.fill(0);
      const r = linux.ioctl(
        this.#listener,
        SECCOMP_IOCTL_NOTIF_RECV,
        this.#notif,
      );
      if (r < 0) {
        const err = errno();
        if (Atomics.load(header, H_STOP) !== 0) break;
        if (err === EINTR || err === ENOENT) continue;
        break; // the listener is gone
      }
      this.#handle();
    }
    if (this.#setup.index === 0) close(this.#listener);
    if (this.#readyFd >= 0) close(this.#readyFd);
  }

  #handle(): void {
    const v = this.#notifView;
    const tid = v.getUint32(NOTIF_PID, true);
    const call = this.#index.lookup(
      v.getUint32(NOTIF_ARCH, true),
      v.getInt32(NOTIF_NR, true),
    );
    const spec = call?.spec;
    if (call === undefined || spec === undefined || this.#taint[tid] !== 0) {
      return this.#fallBack(tid);
    }
    if (
      spec.op === "stat" || spec.op === "access" || spec.op === "readlink"
    ) {
      return this.#probe(tid, call.name, spec);
    }
    if (spec.op !== "open" || spec.flags === undefined) {
      return this.#fallBack(tid);
    }
    const args = callArgs(spec, this.#word);
    const flags = args[spec.flags];
    this.#withPath(tid, spec, args, (path, base) => {
      this.#open(tid, flags, path, base);
    });
  }

  /**
   * Reads the call's path and opens (O_PATH) the directory a relative one
   * starts from, then calls `use` (the base is AT_FDCWD for an absolute
   * path); unreadable memory or a base that cannot be opened sends the call
   * the ptrace way.
   */
  #withPath(
    tid: number,
    spec: SyscallSpec,
    args: readonly number[],
    use: (path: Uint8Array, base: number) => void,
  ): void {
    const n = this.#readPath(tid, args[spec.path!]);
    if (n <= 0) return this.#fallBack(tid);
    const path = this.#path.subarray(0, n);
    let base = AT_FDCWD;
    if (path[0] !== 0x2f) {
      const dirfd = spec.dirfd === undefined ? AT_FDCWD : args[spec.dirfd];
      base = this.#openBase(tid, dirfd);
      if (base < 0) return this.#fallBack(tid);
    }
    try {
      // The directory the record's abs starts from must be known whole
      // before answering; where it cannot be (deeper than PATH_MAX), the
      // ptrace way records the call.
      if (!this.#findDir(path, base)) return this.#fallBack(tid);
      use(path, base);
    } finally {
      if (base >= 0) close(base);
    }
  }

  /**
   * Sets #dirLen and #restAt for the record of `path` (looked up from
   * `base`): a relative path starts from the base's real name; a path with
   * `..` after a name (that name may be a symlink, so `..` cannot be
   * folded as text) starts from the real name of the directory before that
   * `..`, and #restAt is where the rest of the path begins. False when that
   * directory cannot be named (too deep, or not there: the ptrace way).
   */
  #findDir(path: Uint8Array, base: number): boolean {
    const cut = dotDotCut(path);
    this.#restAt = cut === 0 ? 0 : cut + 1;
    this.#dirLen = 0;
    let dir = base;
    if (cut > 0) {
      dir = libc.openat(
        base,
        cstring(path.subarray(0, cut)),
        O_PATH | O_DIRECTORY | O_CLOEXEC,
        0,
      );
      if (dir < 0) return false;
    } else if (base < 0) {
      return true; // absolute, nothing to resolve against
    }
    try {
      const n = linux.readlinkat(
        this.#selfFds,
        this.#cstr(String(dir)),
        this.#base,
        PATH_MAX,
      );
      if (n <= 0 || n >= PATH_MAX || this.#base[0] !== 0x2f) return false;
      this.#dirLen = n;
      return true;
    } finally {
      if (dir !== base) close(dir);
    }
  }

  #open(tid: number, flags: number, path: Uint8Array, base: number): void {
    // O_PATH first: no side effect, whatever the file is.
    const opath = this.#lookUp(
      base,
      path.length,
      flags & (O_NOFOLLOW | O_DIRECTORY),
    );
    if (opath < 0) {
      const err = -opath;
      if (!SHARED_ERRORS.has(err) || this.#mayMeanProc(path)) {
        return this.#fallBack(tid);
      }
      return this.#answerError(tid, err, path, base);
    }
    let fd = -1;
    try {
      if (!this.#plainFile(opath, false)) return this.#fallBack(tid);
      // Open it for real through its O_PATH fd: /proc/self/fd/N.
      fd = libc.openat(
        this.#selfFds,
        this.#cstr(String(opath)),
        (flags & ~O_NOFOLLOW) | O_CLOEXEC,
        0,
      );
      if (fd < 0) {
        const err = errno();
        if (OWN_ERRORS.has(err)) return this.#fallBack(tid);
        return this.#answerError(tid, err, path, base);
      }
    } finally {
      close(opath);
    }
    try {
      this.#answerFd(tid, fd, flags, path, base);
    } finally {
      close(fd);
    }
  }

  /** Hands the tracee `fd` as the call's result; the record goes first. */
  #answerFd(
    tid: number,
    fd: number,
    flags: number,
    path: Uint8Array,
    base: number,
  ): void {
    const at = this.#record(tid, 0, path, base);
    const a = this.#addfdView;
    this.#copyId(this.#addfd);
    a.setUint32(8, SECCOMP_ADDFD_FLAG_SEND, true);
    a.setUint32(12, fd, true);
    a.setUint32(16, 0, true);
    a.setUint32(20, flags & O_CLOEXEC, true);
    // With SECCOMP_ADDFD_FLAG_SEND the kernel marks the notification
    // answered before it waits for the tracee to take the fd. A signal to
    // this thread in that wait withdraws the fd but not the answer: the
    // tracee's call then returns 0, a descriptor it never opened (seen with
    // V8's profiler signals; a runtime's GC may signal its threads too). So
    // no signal may interrupt it: all are blocked for the wait.
    libc.pthread_sigmask(SIG_BLOCK, ALL_SIGNALS, this.#oldMaskAddr);
    const r = linux.ioctl(
      this.#listener,
      SECCOMP_IOCTL_NOTIF_ADDFD,
      this.#addfd,
    );
    const err = r < 0 ? errno() : 0;
    libc.pthread_sigmask(SIG_SETMASK, this.#oldMask, 0);
    if (r >= 0) {
      this.#ring.count(H_EMULATED);
      this.#ring.settle(at, DONE);
      return;
    }
    if (err === ENOENT) {
      // The tracee is gone (killed while it waited).
      this.#ring.count(H_VANISHED);
      this.#ring.settle(at, CANCELLED);
      return;
    }
    // Its own fd table refused (EMFILE under its limit): its open would too.
    this.#ring.settle(at, this.#setup.failed ? DONE : CANCELLED, err);
    this.#send(-err);
  }

  /** Answers an errno (recorded with --failed). */
  #answerError(
    tid: number,
    err: number,
    path: Uint8Array,
    base: number,
    op = 0,
  ): void {
    this.#ring.count(H_ANSWERED_ERROR);
    if (!this.#setup.failed) return void this.#send(-err);
    const at = this.#record(tid, err, path, base, op);
    this.#ring.settle(at, this.#send(-err) ? DONE : CANCELLED);
  }

  /**
   * A probe (stat family, access) answered here: the file is looked up
   * with O_PATH as for an open, then stat'ed or checked through that fd; a
   * stat's result is written into the tracee's buffer.
   */
  #probe(tid: number, name: string, spec: SyscallSpec): void {
    const probe = PROBES[name];
    const args = callArgs(spec, this.#word);
    const atFlags = spec.atFlags === undefined ? 0 : args[spec.atFlags];
    // Checks the kernel makes before the lookup, with EINVAL: the ptrace
    // way (statx's two sync flags at once, its reserved mask bit; access
    // mode bits beyond R_OK|W_OK|X_OK).
    if (
      probe === undefined || (atFlags & ~probe.flags) !== 0 ||
      (probe.mask !== undefined && (this.#int(probe.mask) & STATX_RESERVED)) ||
      (probe.mode !== undefined && (this.#int(probe.mode) & ~7) !== 0)
    ) {
      return this.#fallBack(tid);
    }
    this.#withPath(tid, spec, args, (path, base) => {
      this.#probeFile(tid, probe, args, atFlags, path, base);
    });
  }

  #probeFile(
    tid: number,
    probe: Probe,
    args: readonly number[],
    atFlags: number,
    path: Uint8Array,
    base: number,
  ): void {
    const op = probe.size !== undefined ? 3 : probe.mode === undefined ? 1 : 2;
    // readlink's bufsiz is checked before the lookup: the ptrace way.
    if (probe.size !== undefined && this.#int(probe.size) <= 0) {
      return this.#fallBack(tid);
    }
    const nofollow = probe.nofollow === true ||
      (atFlags & AT_SYMLINK_NOFOLLOW) !== 0;
    const opath = this.#lookUp(base, path.length, nofollow ? O_NOFOLLOW : 0);
    if (opath < 0) {
      const err = -opath;
      if (!SHARED_ERRORS.has(err) || this.#mayMeanProc(path)) {
        return this.#fallBack(tid);
      }
      return this.#answerError(tid, err, path, base, op);
    }
    try {
      if (!this.#plainFile(opath, true)) return this.#fallBack(tid);
      let err = 0;
      let result = 0;
      if (probe.size !== undefined) {
        const layout = this.#setup.statLayout;
        const mode = this.#statView.getUint32(layout.mode, true) & S_IFMT;
        if (mode !== S_IFLNK) {
          err = EINVAL; // not a symlink: readlink's own answer
        } else {
          const n = linux.readlinkat(
            opath,
            EMPTY,
            this.#stat,
            Math.min(this.#int(probe.size), STATX_SIZE),
          );
          // A longer link than our buffer: the ptrace way.
          if (n < 0 || n >= STATX_SIZE) return this.#fallBack(tid);
          if (n > 0 && !this.#writeBack(tid, args[probe.buf!], n)) {
            return this.#fallBack(tid);
          }
          result = n;
        }
      } else if (probe.mode !== undefined) {
        const r = linux.faccessat(
          opath,
          EMPTY,
          this.#int(probe.mode),
          AT_EMPTY_PATH | (atFlags & AT_EACCESS),
        );
        if (r < 0) err = errno();
        // Our own trouble, or a mode the kernel refuses: the ptrace way.
        if (OWN_ERRORS.has(err) || err === EINVAL) return this.#fallBack(tid);
      } else {
        let size = STAT_SIZE[proc.arch];
        if (probe.mask !== undefined) {
          size = STATX_SIZE;
          const r = linux.statx(
            opath,
            EMPTY,
            AT_EMPTY_PATH | (atFlags & AT_STATX_SYNC_TYPE),
            this.#int(probe.mask) >>> 0,
            this.#stat,
          );
          if (r < 0) return this.#fallBack(tid);
        }
        // A buffer the tracee could not have written: the kernel's EFAULT.
        if (!this.#writeBack(tid, args[probe.buf!], size)) {
          return this.#fallBack(tid);
        }
      }
      if (err !== 0) return this.#answerError(tid, err, path, base, op);
      const at = this.#record(tid, 0, path, base, op);
      this.#ring.count(H_EMULATED);
      this.#ring.settle(at, this.#send(0, result) ? DONE : CANCELLED);
    } finally {
      close(opath);
    }
  }

  /**
   * openat2(base, #path, O_PATH | extra, RESOLVE_NO_MAGICLINKS): the fd, or
   * -errno.
   */
  #lookUp(base: number, length: number, extra: number): number {
    const how = this.#howView;
    setU64(how, 0, O_PATH | O_CLOEXEC | extra);
    setU64(how, 8, 0);
    setU64(how, 16, RESOLVE_NO_MAGICLINKS);
    this.#path[length] = 0;
    const fd = linux.syscall_openat2(
      this.#host.openat2,
      base,
      this.#path,
      this.#how,
      24,
    );
    return fd < 0 ? -errno() : fd;
  }

  /**
   * fstat's the O_PATH fd into #stat: whether it is outside /proc and (but
   * with `anyType`) a regular file or a directory.
   */
  #plainFile(opath: number, anyType: boolean): boolean {
    if (linux.fstat(opath, this.#stat) < 0) return false;
    const layout = this.#setup.statLayout;
    const mode = this.#statView.getUint32(layout.mode, true) & S_IFMT;
    const dev = this.#statView.getUint32(layout.dev, true);
    if (dev === this.#setup.procDev) return false;
    return anyType || mode === S_IFREG || mode === S_IFDIR;
  }

  /** Writes #stat's first `size` bytes to the tracee at `addr`. */
  #writeBack(tid: number, addr: number, size: number): boolean {
    if (addr === 0) return false;
    setU64(this.#iovLocalView, 0, this.#statAddr);
    setU64(this.#iovLocalView, 8, size);
    setU64(this.#iovRemoteView, 0, addr);
    setU64(this.#iovRemoteView, 8, size);
    return linux.process_vm_writev(
      tid,
      this.#iovLocal,
      1,
      this.#iovRemote,
      1,
      0,
    ) === size;
  }

  /**
   * Commits a record (pending) of an open (op 0) or a probe (1 stat, 2
   * access); returns its offset.
   */
  #record(
    tid: number,
    err: number,
    path: Uint8Array,
    _base: number,
    op = 0,
  ): number {
    const dir = this.#dirLen > 0
      ? this.#base.subarray(0, this.#dirLen)
      : undefined;
    const time = performance.timeOrigin + performance.now();
    const b = op | (this.#restAt << 8);
    for (;;) {
      const at = this.#ring.put(KIND_OPEN, tid, err, b, time, path, dir);
      if (at >= 0) return at;
      this.#wakeMain();
      this.#ring.waitForRoom(50);
    }
  }

  /**
   * Whether a failed lookup of `path` may have gone through /proc (or
   * /dev/fd, /dev/std*, links into it), where our own /proc/self is not the
   * caller's: such a failure is not shared, so the ptrace way makes it.
   */
  #mayMeanProc(path: Uint8Array): boolean {
    return hasBytes(path, PROC) || hasBytes(path, DEV) ||
      (path[0] !== 0x2f && this.#dirLen > 0 &&
        hasBytes(this.#base.subarray(0, this.#dirLen), PROC));
  }

  /** Asks the main thread to make the tracee run the call the ptrace way. */
  #fallBack(tid: number): void {
    this.#ring.count(H_FALLBACK);
    this.#id.set(this.#notif.subarray(0, 8));
    for (;;) {
      const at = this.#ring.put(
        KIND_FALLBACK,
        tid,
        0,
        0,
        0,
        this.#id,
        undefined,
      );
      if (at >= 0) {
        this.#ring.settle(at, DONE);
        break;
      }
      this.#wakeMain();
      this.#ring.waitForRoom(50);
    }
    // The caller waits for the main thread to read this. A signal that
    // reaches it between reading the ring and blocking in waitpid is
    // lost (it waited for its next tick, 100 ms): wake it until it has.
    const end = this.#ring.lastEnd;
    const header = this.#ring.header;
    while (!this.#ring.readPast(end) && Atomics.load(header, H_STOP) === 0) {
      this.#wakeMain();
      Atomics.wait(header, H_READ, Atomics.load(header, H_READ), 1);
    }
  }

  /** SECCOMP_IOCTL_NOTIF_SEND: an errno, or a value; false when the tracee is gone. */
  #send(error: number, value = 0): boolean {
    const v = this.#respView;
    this.#copyId(this.#resp);
    setU64(v, 8, value);
    v.setInt32(16, error, true);
    v.setUint32(20, 0, true);
    return sendResponse(this.#listener, this.#resp);
  }

  #copyId(into: Uint8Array): void {
    into.set(this.#notif.subarray(0, 8), 0);
  }

  /** Interrupts the main thread's wait (the ticker's no-op SIGALRM handler). */
  #wakeMain(): void {
    linux.syscall3(
      this.#host.tgkill,
      this.#setup.mainTid,
      this.#setup.mainTid,
      SIGALRM,
    );
  }

  /** Argument `i` read as the kernel reads an int (its low 32 bits). */
  #int(i: number): number {
    return this.#word(2 * i) | 0;
  }

  /** 32-bit word `k` of the notified call's arguments. */
  #word = (k: number): number =>
    this.#notifView.getUint32(NOTIF_ARGS + 4 * k, true);

  /** An O_PATH fd of the tracee's working directory or of its `dirfd`. */
  #openBase(tid: number, dirfd: number): number {
    const where = dirfd === AT_FDCWD
      ? `/proc/${tid}/cwd`
      : `/proc/${tid}/fd/${dirfd}`;
    return libc.open(this.#cstr(where), O_PATH | O_CLOEXEC, 0);
  }

  #cstr(text: string): Uint8Array<ArrayBuffer> {
    let c = this.#cstrCache.get(text);
    if (c === undefined) {
      if (this.#cstrCache.size > 4096) this.#cstrCache.clear();
      c = cstring(this.#enc.encode(text));
      this.#cstrCache.set(text, c);
    }
    return c;
  }

  /** Reads the NUL-terminated path at `addr` into #path; its length, or -1. */
  #readPath(tid: number, addr: number): number {
    if (addr === 0) return -1;
    let got = 0;
    while (got < PATH_MAX) {
      const len = Math.min(PAGE - (addr + got) % PAGE, PATH_MAX - got);
      setU64(this.#iovLocalView, 0, this.#pathAddr + got);
      setU64(this.#iovLocalView, 8, len);
      setU64(this.#iovRemoteView, 0, addr + got);
      setU64(this.#iovRemoteView, 8, len);
      const n = linux.process_vm_readv(
        tid,
        this.#iovLocal,
        1,
        this.#iovRemote,
        1,
        0,
      );
      if (n <= 0) return -1;
      const nul = this.#path.subarray(got, got + n).indexOf(0);
      if (nul >= 0) return got + nul;
      got += n;
    }
    return -1; // longer than PATH_MAX: ENAMETOOLONG, the ptrace way
  }
}

/** pthread_sigmask's `how`, and a set of every signal. */
const SIG_BLOCK = 0;
const SIG_SETMASK = 2;
const ALL_SIGNALS = new Uint8Array(new ArrayBuffer(128)).fill(0xff);

const POLLIN = 1;
/** What /proc/PID/fd/N reads for a seccomp listener. */
const LISTENER_NAME = new TextEncoder().encode("anon_inode:seccomp notify");

const PROC = new TextEncoder().encode("proc");
const DEV = new TextEncoder().encode("/dev/");

/** Whether `bytes` contain `part`. */
function hasBytes(bytes: Uint8Array, part: Uint8Array): boolean {
  const last = bytes.length - part.length;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < part.length; j++) {
      if (bytes[i + j] !== part[j]) continue outer;
    }
    return true;
  }
  return false;
}

/**
 * Where a path's last name followed (past "." and empty names) by ".."
 * ends, or 0 when no name is: "a/link/../x" gives 6 ("a/link"), "../x"
 * and "/a/./x" give 0.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dotDotCut } from "./notify_server.ts";
 *
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * assertEquals(dotDotCut(bytes("a/link/../x")), 6);
 * assertEquals(dotDotCut(bytes("/usr/lib/gcc/12/../../crt1.o")), 15);
 * assertEquals(dotDotCut(bytes("../x")), 0);
 * assertEquals(dotDotCut(bytes("./a/./x")), 0);
 * ```
 */
export function dotDotCut(path: Uint8Array): number {
  let cut = 0;
  let nameEnd = -1;
  let i = 0;
  const n = path.length;
  while (i < n) {
    if (path[i] === 0x2f) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && path[j] !== 0x2f) j++;
    const len = j - i;
    if (len === 2 && path[i] === 0x2e && path[i + 1] === 0x2e) {
      if (nameEnd >= 0) cut = nameEnd;
      nameEnd = -1;
    } else if (len !== 1 || path[i] !== 0x2e) {
      nameEnd = j;
    }
    i = j;
  }
  return cut;
}
