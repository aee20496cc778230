/**
 * The FreeBSD backend: the kernel's own filemon(4) device does the tracing;
 * this drives it through libc, as bmake's meta mode does.
 *
 * 1. `open("/dev/filemon", O_RDWR | O_CLOEXEC)`.
 * 2. The launcher (this tool again, `../posix/spawn.ts`) is posix_spawned
 *    with the device's fd inherited (close-on-exec cleared for the spawn and
 *    set again once it runs); the fd goes to it as the payload, and it calls
 *    `ioctl(fd, FILEMON_SET_PID, &pid)` with its own pid
 *    (`attach_self.ts`), then replies with errno (0: traced).
 * 3. `ioctl(fd, FILEMON_SET_FD, &outfd)` gives the device its log: for a
 *    filemon log (`request.filemonLogFd`) the output itself, so the kernel
 *    writes it byte for byte; otherwise the write end of a pipe (closed
 *    here at once, the kernel holds its own reference), whose read end is
 *    decoded while the command runs by the streaming decoder `decode` uses,
 *    each event going to `request.emit`. SET_FD comes after SET_PID so
 *    that no failure leaves a partial log behind (the kernel writes the
 *    header at SET_FD).
 * 4. One byte on the go pipe lets the launcher close its copy of the device
 *    and exec the command. The backend waits for it (`waitpid` with WNOHANG
 *    between polls of the pipe, yielding to the event loop so that signals
 *    reach `forward`), then closes the device: the kernel writes `# Stop`
 *    and `# Bye bye`, drops the log, and the pipe reaches its end.
 *
 * Every failure before the command runs is one `FilemonDeviceError` line;
 * the command is not run. The device records what it records — the default
 * `--ops` set, successful calls only — so other requests are refused
 * (`refusal`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { exitOf, refusal } from "./device.ts";
 * import { DEFAULT_CLASSES } from "../../lib/ops.ts";
 * // A wait status: killed by SIGKILL, as a shell says it.
 * assertEquals(exitOf(9), { exitCode: 137, signal: 9 });
 * assertEquals(exitOf(2 << 8), { exitCode: 2, signal: 0 });
 * const ops = new Set(DEFAULT_CLASSES);
 * assertEquals(refusal({ argv: ["true"], ops, failed: false, emit() {} }), undefined);
 * ```
 *
 * @module
 */

import type {
  Backend,
  TraceRequest,
  TraceResult,
  TraceStats,
} from "../../lib/backend.ts";
import { UsageError } from "../../lib/cli/args.ts";
import type { DecodeError } from "../../lib/decode_error.ts";
import { FilemonDecoder } from "../../lib/filemon_decoder.ts";
import { DEFAULT_CLASSES } from "../../lib/ops.ts";
import { decodePath } from "../../lib/path.ts";
import {
  FREEBSD_ERRNO,
  FREEBSD_FLAGS,
  FREEBSD_SIGNALS,
} from "../libc/freebsd_abi.ts";
import { type SpawnCalls, spawnSuspended } from "../posix/spawn.ts";
import { devicePayload } from "./attach_self.ts";
import {
  cstring,
  FreebsdCallError,
  freebsdErrnoName,
  spawnCalls,
} from "./calls.ts";
import { FILEMON_SET_FD, INT_SIZE } from "./ioctl.ts";
import type { FreebsdLibc } from "./libc.ts";

/** Where FreeBSD's device lives. */
export const DEVICE_PATH = "/dev/filemon";

/** A failure of the device before the command ran: one line for the user. */
export class FilemonDeviceError extends Error {
  /** errno's FreeBSD name ("ENOENT"). */
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = "FilemonDeviceError";
    this.code = code;
  }
}

/**
 * Why /dev/filemon cannot do what `request` asks (a sentence naming the
 * option), or undefined when it can: it records the default classes, always
 * and only, and successful calls only.
 */
export function refusal(request: TraceRequest): string | undefined {
  if (request.failed) {
    return "--failed is not available with FreeBSD's /dev/filemon: the kernel logs successful calls only";
  }
  const device =
    "FreeBSD's /dev/filemon records read, write, exec, chdir, unlink, link and rename (the default set)";
  const extra = [...request.ops].filter((c) => !DEFAULT_CLASSES.includes(c));
  if (extra.length > 0) {
    const names = extra.map((c) =>
      c === "probe" ? "probe (stat, access, readlink...)" : c
    );
    return `--ops: ${device} and nothing else, not ${names.join(", ")}`;
  }
  const missing = DEFAULT_CLASSES.filter((c) => !request.ops.has(c));
  if (missing.length > 0) {
    return `--ops: ${device}, always: it cannot leave out ${
      missing.join(", ")
    }`;
  }
  return undefined;
}

/** The message for a failed `open` of the device. */
export function openFailure(path: string, errno: number): FilemonDeviceError {
  const name = freebsdErrnoName(errno);
  const why = errno === FREEBSD_ERRNO.ENOENT ||
      errno === FREEBSD_ERRNO.ENXIO || errno === FREEBSD_ERRNO.ENODEV
    ? `the filemon kernel module is not loaded: load it with \`kldload filemon\` (as root), or add filemon_load="YES" to /boot/loader.conf`
    : errno === FREEBSD_ERRNO.EACCES || errno === FREEBSD_ERRNO.EPERM
    ? `permission denied: filemon needs read and write access to the device (its mode comes from devfs; the module makes it 0666)`
    : "";
  return new FilemonDeviceError(
    `cannot open ${path} (${name})${why === "" ? "" : `: ${why}`}`,
    name,
  );
}

/** The message for a failed FILEMON_SET_FD. */
export function setFdFailure(fd: number, errno: number): FilemonDeviceError {
  const name = freebsdErrnoName(errno);
  const why = errno === FREEBSD_ERRNO.EEXIST
    ? "the device already has a log"
    : errno === FREEBSD_ERRNO.EBADF
    ? `descriptor ${fd} is not open for writing`
    : "";
  return new FilemonDeviceError(
    `cannot give /dev/filemon its log: FILEMON_SET_FD (${name})${
      why === "" ? "" : `: ${why}`
    }; the command was not run`,
    name,
  );
}

/** The message for a failed FILEMON_SET_PID (the launcher's, on itself). */
export function setPidFailure(errno: number): FilemonDeviceError {
  const name = freebsdErrnoName(errno);
  const why = errno === FREEBSD_ERRNO.ESRCH
    ? "no such process, or it is exiting"
    : errno === FREEBSD_ERRNO.EBUSY
    ? "the process is already traced by another filemon"
    : errno === FREEBSD_ERRNO.EPERM
    ? "the process may not be traced (security.bsd.unprivileged_proc_debug, jail or MAC policy)"
    : "";
  return new FilemonDeviceError(
    `cannot trace the command: FILEMON_SET_PID (${name})${
      why === "" ? "" : `: ${why}`
    }; the command was not run`,
    name,
  );
}

/** Options of the backend (tests change them). */
export interface FilemonDeviceOptions {
  /** The device (default /dev/filemon). */
  devicePath?: string;
  /** Longest wait in one poll, in milliseconds (default 50). */
  maxPollMs?: number;
}

const GO = new Uint8Array([1]);
/** FreeBSD's PATH_MAX. */
const PATH_MAX = 1024;
/** Bytes read from the log pipe at a time. */
const CHUNK = 1 << 16;

function bytesOf(ints: Int32Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  return new Uint8Array(ints.buffer);
}

/** Waits for the event loop to run what is pending (signal listeners). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** FreeBSD's /dev/filemon as a `Backend`. */
export class FilemonDevice implements Backend {
  readonly name = "freebsd-filemon";
  readonly #libc: FreebsdLibc;
  readonly #calls: SpawnCalls;
  readonly #path: string;
  readonly #maxPollMs: number;
  /** The command's pid while it runs (0 otherwise). */
  #running = 0;

  constructor(libc: FreebsdLibc, options: FilemonDeviceOptions = {}) {
    this.#libc = libc;
    this.#calls = spawnCalls(libc);
    this.#path = options.devicePath ?? DEVICE_PATH;
    this.#maxPollMs = options.maxPollMs ?? 50;
  }

  async run(request: TraceRequest): Promise<TraceResult> {
    const why = refusal(request);
    if (why !== undefined) throw new UsageError(why);
    const libc = this.#libc;
    const started = performance.now();
    const device = libc.open(
      cstring(this.#path),
      FREEBSD_FLAGS.O_RDWR | FREEBSD_FLAGS.O_CLOEXEC,
      0,
    );
    if (device === -1) throw openFailure(this.#path, libc.errno());
    let deviceOpen = true;
    let logRead = -1;
    try {
      const raw = request.filemonLogFd !== undefined;
      let target: number;
      let logWrite = -1;
      if (raw) {
        target = request.filemonLogFd!;
      } else {
        [logRead, logWrite] = this.#calls.pipe();
        target = logWrite;
      }
      let pid: number;
      try {
        pid = this.#start(request.argv, device, target);
      } finally {
        // The device holds its own reference to the log (bmake closes it too).
        if (logWrite >= 0) libc.close(logWrite);
      }
      this.#running = pid;
      const decoder = raw
        ? undefined
        : new LogReader(request, (buf, size) => libc.getcwd(buf, size));
      const stats = { waits: 0, waitMs: 0 };
      let status: number | undefined;
      let wait = 1;
      try {
        const pfd = new Uint8Array(new ArrayBuffer(8));
        new DataView(pfd.buffer).setInt32(0, logRead, true);
        new DataView(pfd.buffer).setInt16(4, FREEBSD_FLAGS.POLLIN, true);
        let yielded = performance.now();
        for (;;) {
          status = this.#reap(pid, FREEBSD_FLAGS.WNOHANG);
          if (status !== undefined) break;
          const before = performance.now();
          const n = libc.poll(raw ? null : pfd, raw ? 0 : 1, wait);
          stats.waits++;
          const now = performance.now();
          stats.waitMs += now - before;
          if (n > 0 && decoder !== undefined) {
            decoder.readFrom(libc, logRead);
            wait = 1;
          } else {
            request.idle?.();
            wait = Math.min(this.#maxPollMs, wait * 2);
          }
          // Signal listeners run between tasks: let them, now and then.
          if (n <= 0 || now - yielded > 20) {
            await nextTask();
            yielded = performance.now();
          }
        }
      } finally {
        this.#running = 0;
      }
      // The command has exited: closing the device ends the log.
      deviceOpen = false;
      const closeErrno = libc.close(device) === -1 ? libc.errno() : 0;
      if (decoder !== undefined) {
        while (decoder.readFrom(libc, logRead)) { /* to the end */ }
        decoder.finish();
      }
      const warnings = decoder?.warnings() ?? [];
      let { exitCode, signal } = exitOf(status);
      if (closeErrno !== 0) {
        warnings.push(
          `/dev/filemon could not write the whole log (${
            freebsdErrnoName(closeErrno)
          }: ${
            closeErrno === FREEBSD_ERRNO.EFAULT ||
              closeErrno === FREEBSD_ERRNO.ENAMETOOLONG
              ? "a record was dropped"
              : "a write to the log failed"
          })`,
        );
        if (exitCode === 0) exitCode = 1;
      }
      const loopMs = performance.now() - started;
      const events = decoder?.events ?? 0;
      const result: TraceResult = {
        exitCode,
        signal,
        processes: decoder?.processes ?? 1,
        stops: events,
      };
      if (request.stats === true) {
        const s: TraceStats = {
          events,
          waits: stats.waits,
          ptrace: 0,
          memReads: 0,
          proc: 0,
          waitMs: stats.waitMs,
          loopMs,
        };
        result.stats = s;
      }
      if (warnings.length > 0) result.warnings = warnings;
      return result;
    } finally {
      if (deviceOpen) libc.close(device);
      if (logRead >= 0) libc.close(logRead);
    }
  }

  /**
   * Spawns the launcher with the device, waits until it is traced (its
   * FILEMON_SET_PID), gives the device its log, and lets it exec. Returns
   * its pid; on a failure, reaps it (it exits without running the command).
   */
  #start(argv: readonly string[], device: number, target: number): number {
    const libc = this.#libc;
    let launcher = 0;
    let inherited = true;
    const calls: SpawnCalls = {
      ...this.#calls,
      spawn: (args) => launcher = this.#calls.spawn(args),
    };
    calls.inherit(device);
    try {
      return spawnSuspended(
        argv,
        devicePayload(device),
        () => {
          // The launcher has its copy: no other child gets one.
          inherited = false;
          this.#cloexec(device);
        },
        (_pid, ready, go) => {
          const reply = new Int32Array(new ArrayBuffer(INT_SIZE));
          if (!readFull(calls, ready, bytesOf(reply))) {
            throw new Error(
              "the launcher ended before /dev/filemon traced it; the command was not run",
            );
          }
          const errno = new DataView(reply.buffer).getInt32(0, true);
          if (errno !== 0) throw setPidFailure(errno);
          const fd = new Int32Array(new ArrayBuffer(INT_SIZE));
          fd[0] = target;
          if (libc.ioctl(device, FILEMON_SET_FD, bytesOf(fd)) === -1) {
            throw setFdFailure(target, libc.errno());
          }
          calls.writeAll(go, GO);
          calls.close(ready);
          calls.close(go);
        },
        calls,
      );
    } catch (err) {
      // The launcher, told nothing more, exits without running the command.
      try {
        if (inherited) this.#cloexec(device);
        if (launcher > 0) this.#reap(launcher, 0);
      } catch { /* the first error is the one to tell */ }
      throw err;
    }
  }

  /** Sets close-on-exec on `fd` again. */
  #cloexec(fd: number): void {
    if (
      this.#libc.fcntl(fd, FREEBSD_FLAGS.F_SETFD, FREEBSD_FLAGS.FD_CLOEXEC) ===
        -1
    ) {
      throw new FreebsdCallError("fcntl", this.#libc.errno());
    }
  }

  /** waitpid(pid): its wait status, or undefined (WNOHANG) while it runs. */
  #reap(pid: number, options: number): number | undefined {
    const status = new Int32Array(new ArrayBuffer(INT_SIZE));
    for (;;) {
      const r = this.#libc.waitpid(pid, bytesOf(status), options);
      if (r === pid) return status[0];
      if (r === 0) return undefined;
      const errno = this.#libc.errno();
      if (errno !== FREEBSD_ERRNO.EINTR) {
        throw new FreebsdCallError("waitpid", errno);
      }
    }
  }

  forward(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void {
    const pid = this.#running;
    if (pid === 0) return;
    // Ctrl-C in the terminal reaches the command too (same process group).
    if (signal === "SIGINT" && this.#terminalForeground()) return;
    this.#libc.kill(pid, FREEBSD_SIGNALS[signal]);
  }

  /** Whether this process's group is the foreground of its terminal. */
  #terminalForeground(): boolean {
    const group = this.#libc.getpgrp();
    for (const fd of [0, 1, 2]) {
      const foreground = this.#libc.tcgetpgrp(fd);
      if (foreground !== -1) return foreground === group;
    }
    return false;
  }
}

/** Reads exactly `buffer.length` bytes; false at an early end of file. */
function readFull(
  calls: SpawnCalls,
  fd: number,
  buffer: Uint8Array<ArrayBuffer>,
): boolean {
  let got = 0;
  while (got < buffer.length) {
    const n = calls.read(fd, buffer.subarray(got));
    if (n <= 0) return false;
    got += n;
  }
  return true;
}

/** The exit code (128 + N for signal N, as shells say) of a wait status. */
export function exitOf(status: number): { exitCode: number; signal: number } {
  const signal = status & 0x7f;
  return signal === 0
    ? { exitCode: (status >> 8) & 0xff, signal: 0 }
    : { exitCode: 128 + signal, signal };
}

/**
 * The log pipe's reader: the kernel's bytes, as they come, through the
 * streaming decoder `decode` uses (lenient: a line it cannot read is a
 * warning at the end, the trace goes on), each event to `request.emit`.
 */
export class LogReader {
  readonly #decoder: FilemonDecoder;
  readonly #emit: TraceRequest["emit"];
  readonly #buffer = new Uint8Array(new ArrayBuffer(CHUNK));
  readonly #skipped: DecodeError[] = [];
  /** Events emitted. */
  events = 0;
  /** Processes seen: the command and one a fork. */
  processes = 1;

  constructor(
    request: Pick<TraceRequest, "emit">,
    getcwd?: (buffer: Uint8Array<ArrayBuffer>, size: number) => unknown,
  ) {
    this.#emit = request.emit;
    this.#decoder = new FilemonDecoder({
      input: "log",
      lenient: true,
      onWarning: (e) => this.#skipped.push(e),
      cwd: getcwd === undefined ? undefined : workingDirectory(getcwd),
    });
  }

  /** One read(2) of `fd`, decoded; false at the end of the log. */
  readFrom(libc: Pick<FreebsdLibc, "read" | "errno">, fd: number): boolean {
    for (;;) {
      const n = Number(libc.read(fd, this.#buffer, CHUNK));
      if (n === 0) return false;
      if (n > 0) {
        this.push(this.#buffer.subarray(0, n));
        return true;
      }
      const errno = libc.errno();
      if (errno !== FREEBSD_ERRNO.EINTR) {
        throw new FreebsdCallError("read", errno, "(the log pipe)");
      }
    }
  }

  /** Decodes a chunk of the log. */
  push(chunk: Uint8Array): void {
    for (const event of this.#decoder.push(chunk)) this.#send(event);
  }

  /** Decodes what is left at the end. */
  finish(): void {
    for (const event of this.#decoder.finish()) this.#send(event);
  }

  #send(event: ReturnType<FilemonDecoder["finish"]>[number]): void {
    this.events++;
    if (event.op === "fork") this.processes++;
    this.#emit(event);
  }

  /** What the user must know: lines of the log that could not be decoded. */
  warnings(): string[] {
    const n = this.#skipped.length;
    if (n === 0) return [];
    return [
      `${n} line${
        n === 1 ? "" : "s"
      } of the kernel's log could not be decoded and ${
        n === 1 ? "was" : "were"
      } left out (first: ${this.#skipped[0].message})`,
    ];
  }
}

/** The working directory through libc's getcwd; undefined when it fails. */
function workingDirectory(
  getcwd: (buffer: Uint8Array<ArrayBuffer>, size: number) => unknown,
): string | undefined {
  const buf = new Uint8Array(new ArrayBuffer(PATH_MAX + 1));
  const p = getcwd(buf, buf.length);
  if (p === 0 || p === 0n) return undefined;
  const end = buf.indexOf(0);
  return end <= 0 ? undefined : decodePath(buf, 0, end);
}
