/**
 * A scripted fake of FreeBSD's C library and kernel, for the /dev/filemon
 * backend's tests on any system: it implements `FreebsdLibc` (the same
 * functions the backend calls on libc.so.7), keeps per-process descriptor
 * tables, pipes with reference counts, the filemon device (SET_FD writes
 * the header to its log, closing the last reference writes the trailer and
 * drops the log), and plays the launcher: posix_spawn copies the
 * descriptors not marked close-on-exec, and the launcher's steps (write
 * "R", read the payload, the real `attachSelf` on itself, reply, wait for
 * the go byte, close the device, exec) run as the tracer's writes make
 * them possible. The command then "runs": each poll() lets the kernel write
 * one scripted chunk of log, and then it exits with the scripted status.
 *
 * Every call is recorded as one line (`calls`), with the process that made
 * it, so tests assert the exact sequence and arguments. The ioctl numbers
 * are checked against the literals 0xC0045301 and 0xC0045302, not against
 * the backend's constants.
 */

import { ffi } from "../../../ffi/runtime/ffi.ts";
import type { FreebsdLibc } from "../../../ffi/freebsd/libc.ts";
import {
  attachReply,
  attachSelf,
  deviceFdOf,
} from "../../../ffi/freebsd/attach_self.ts";
import { LAUNCH_ARG } from "../../../ffi/posix/launch_arg.ts";

export const TRACER_PID = 500;
export const LAUNCHER_PID = 4242;
export const ENVIRON = 0xe0e0n;
const PGRP = 77;

/** What the fake does; each field a test may change. */
export interface Script {
  /** errno of open("/dev/filemon") (the module not loaded: ENOENT). */
  openErrno?: number;
  setFdErrno?: number;
  setPidErrno?: number;
  /** The launcher dies before replying (it could not start its runtime). */
  launcherDies?: boolean;
  /** Written at SET_FD (default: a v5 header naming the caller's pid). */
  header?: Uint8Array;
  /** Written while the command runs, one chunk a poll(). */
  chunks?: Uint8Array[];
  /** Written when the device is closed (default: `# Stop`, `# Bye bye`). */
  trailer?: Uint8Array;
  /** The command's wait status (default 0). */
  status?: number;
  /** close() of the device returns this errno (a log write failed). */
  closeErrno?: number;
  /** The command ends when it gets a signal (status: the signal). */
  diesOnSignal?: boolean;
  /** Polls before the command exits once its chunks are written. */
  linger?: number;
  /** tcgetpgrp: undefined when no standard stream is a terminal. */
  terminalForeground?: boolean;
  cwd?: string;
  /** Descriptors of the tracer that are files the fake does not own (default 0, 1, 2). */
  external?: number[];
  /** Receives what is written to an external descriptor. */
  externalWrite?: (fd: number, bytes: Uint8Array) => void;
}

interface Pipe {
  kind: "pipe";
  id: number;
  bytes: number[];
  readers: number;
  writers: number;
}
interface Device {
  kind: "device";
  refs: number;
  log?: End;
  traced?: number;
}
interface External {
  kind: "external";
  fd: number;
}
type End =
  | { kind: "read"; pipe: Pipe }
  | { kind: "write"; pipe: Pipe }
  | { kind: "device"; device: Device }
  | External;

interface Slot {
  end: End;
  cloexec: boolean;
}

type LauncherState =
  | "spawned"
  | "waitGo"
  | "running"
  | "exited";

class Process {
  fds = new Map<number, Slot>();
  errno = 0;
  status: number | undefined;
  reaped = false;
  state: LauncherState = "spawned";
  ready = -1;
  go = -1;
  device = -1;
  command: string[] = [];
  lingered = 0;
  constructor(readonly pid: number) {}
  lowestFree(from = 3): number {
    let fd = from;
    while (this.fds.has(fd)) fd++;
    return fd;
  }
}

const text = new TextEncoder();
/** Bytes of a string. */
export function bytes(s: string): Uint8Array {
  return text.encode(s);
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/** The fake world: the tracer (pid 500) and, once spawned, the launcher. */
export class FakeFreebsd {
  readonly script: Script;
  /** Every call, in order: "PID call args -> result". */
  readonly calls: string[] = [];
  readonly tracer = new Process(TRACER_PID);
  launcher: Process | undefined;
  /** The launcher's argv, as posix_spawn read it from memory. */
  spawnArgv: string[] = [];
  /** Descriptors the launcher started with. */
  launcherFds: number[] = [];
  /** What the kernel wrote to external descriptors, by fd. */
  readonly written = new Map<number, number[]>();
  #pipes = 0;
  #chunk = 0;

  constructor(script: Script = {}) {
    this.script = script;
    for (const fd of script.external ?? [0, 1, 2]) {
      this.tracer.fds.set(fd, {
        end: { kind: "external", fd },
        cloexec: false,
      });
    }
  }

  /** The tracer's libc. */
  get libc(): FreebsdLibc {
    return this.libcOf(this.tracer);
  }

  /** Text the kernel wrote to an external descriptor. */
  text(fd: number): string {
    return new TextDecoder().decode(new Uint8Array(this.written.get(fd) ?? []));
  }

  /** The calls of one process, without the polling ones (poll, waitpid WNOHANG). */
  callsOf(pid: number, withPolling = false): string[] {
    return this.calls.filter((c) => c.startsWith(`${pid} `)).map((c) =>
      c.slice(String(pid).length + 1)
    ).filter((c) =>
      withPolling ||
      !(c.startsWith("poll(") || /^waitpid\(\d+, WNOHANG\) -> 0$/.test(c))
    );
  }

  #record(p: Process, call: string, result: number | bigint | string): void {
    this.calls.push(`${p.pid} ${call} -> ${result}`);
  }

  #fail(p: Process, call: string, errno: number): number {
    p.errno = errno;
    this.#record(p, call, `-1 errno ${errno}`);
    return -1;
  }

  #ref(end: End): End {
    if (end.kind === "read") end.pipe.readers++;
    if (end.kind === "write") end.pipe.writers++;
    if (end.kind === "device") end.device.refs++;
    return end;
  }

  /** Drops a reference; for the device's last one, its close (the log ends). Returns close's errno. */
  #unref(end: End): number {
    if (end.kind === "read") end.pipe.readers--;
    if (end.kind === "write") end.pipe.writers--;
    if (end.kind === "device") {
      const dev = end.device;
      if (--dev.refs === 0 && dev.log !== undefined) {
        this.#kernelWrite(
          dev,
          this.script.trailer ?? bytes("# Stop 1700000001.000000\n# Bye bye\n"),
        );
        const log = dev.log;
        dev.log = undefined;
        this.#unref(log);
        return this.script.closeErrno ?? 0;
      }
    }
    return 0;
  }

  #kernelWrite(dev: Device, data: Uint8Array): void {
    const log = dev.log!;
    if (log.kind === "write") log.pipe.bytes.push(...data);
    else if (log.kind === "external") {
      const got = this.written.get(log.fd) ?? [];
      got.push(...data);
      this.written.set(log.fd, got);
      this.script.externalWrite?.(log.fd, data);
    }
  }

  #device(): Device | undefined {
    for (const slot of this.tracer.fds.values()) {
      if (slot.end.kind === "device") return slot.end.device;
    }
    return undefined;
  }

  /** The command's progress, one step a poll. */
  #tick(): void {
    const l = this.launcher;
    if (l === undefined || l.state !== "running") return;
    const chunks = this.script.chunks ?? [];
    const dev = this.#device();
    if (this.#chunk < chunks.length) {
      if (dev?.log !== undefined && dev.traced === l.pid) {
        this.#kernelWrite(dev, chunks[this.#chunk]);
      }
      this.#chunk++;
      return;
    }
    if (l.lingered++ < (this.script.linger ?? 0)) return;
    this.#exit(l, this.script.status ?? 0);
  }

  #exit(p: Process, status: number): void {
    for (const [fd, slot] of p.fds) {
      p.fds.delete(fd);
      this.#unref(slot.end);
    }
    p.state = "exited";
    p.status = status;
  }

  #stepping = false;

  /** Runs the launcher as far as its input allows (its own calls do not re-enter). */
  #stepLauncher(): void {
    if (this.#stepping) return;
    this.#stepping = true;
    try {
      this.#launcherStep();
    } finally {
      this.#stepping = false;
    }
  }

  #launcherStep(): void {
    const l = this.launcher;
    if (l === undefined) return;
    const go = l.fds.get(l.go)?.end;
    if (go?.kind !== "read") return;
    const pipe = go.pipe;
    if (l.state === "spawned") {
      if (pipe.bytes.length < 4) {
        if (pipe.writers === 0) this.#exit(l, 126 << 8);
        return;
      }
      const length = new DataView(new Uint8Array(pipe.bytes.slice(0, 4)).buffer)
        .getUint32(0, true);
      if (pipe.bytes.length < 4 + length) return;
      const payload = new Uint8Array(pipe.bytes.splice(0, 4 + length))
        .subarray(4);
      const view = this.libcOf(l);
      if (this.script.launcherDies) {
        this.#exit(l, 1 << 8);
        return;
      }
      l.device = deviceFdOf(payload) ?? -1;
      const errno = attachSelf(view, l.device);
      const reply = attachReply(errno);
      view.write(l.ready, new Uint8Array(reply), reply.length);
      if (errno !== 0) {
        view.close(l.device);
        this.#exit(l, 1 << 8);
        return;
      }
      l.state = "waitGo";
    }
    if (l.state === "waitGo") {
      if (pipe.bytes.length === 0) {
        if (pipe.writers === 0) {
          // The tracer went away: the launcher closes the device and exits 1.
          this.libcOf(l).close(l.device);
          this.#exit(l, 1 << 8);
        }
        return;
      }
      pipe.bytes.splice(0, 1);
      const view = this.libcOf(l);
      view.close(l.device);
      view.close(l.ready);
      view.close(l.go);
      // execvp: close-on-exec descriptors go.
      for (const [fd, slot] of l.fds) {
        if (slot.cloexec) view.close(fd);
      }
      this.calls.push(`${l.pid} execvp ${JSON.stringify(l.command)}`);
      l.state = "running";
    }
  }

  /** The libc as process `p` sees it. */
  libcOf(p: Process): FreebsdLibc {
    // deno-lint-ignore no-this-alias
    const world = this;
    const rec = (call: string, r: number) => {
      world.#record(p, call, r);
      return r;
    };
    return {
      open(path, flags, mode) {
        const name = cString(path!);
        const call = `open("${name}", ${hex(flags)}, ${mode})`;
        if (world.script.openErrno !== undefined) {
          return world.#fail(p, call, world.script.openErrno);
        }
        if (name !== "/dev/filemon") return world.#fail(p, call, 2);
        const fd = p.lowestFree(10);
        p.fds.set(fd, {
          end: world.#ref({
            kind: "device",
            device: { kind: "device", refs: 0 },
          }),
          cloexec: (flags & 0x100000) !== 0,
        });
        return rec(call, fd);
      },
      ioctl(fd, request, arg) {
        const value = new Int32Array(arg!.buffer, arg!.byteOffset, 1)[0];
        const call = `ioctl(${fd}, ${hex(request)}, int ${value})`;
        const slot = p.fds.get(fd);
        if (slot?.end.kind !== "device") return world.#fail(p, call, 25);
        const dev = slot.end.device;
        if (BigInt(request) === 0xC0045301n) {
          if (world.script.setFdErrno !== undefined) {
            return world.#fail(p, call, world.script.setFdErrno);
          }
          if (dev.log !== undefined) return world.#fail(p, call, 17);
          const target = p.fds.get(value)?.end;
          if (
            target === undefined || target.kind === "read" ||
            target.kind === "device"
          ) return world.#fail(p, call, 9);
          dev.log = world.#ref(target);
          world.#kernelWrite(
            dev,
            world.script.header ??
              bytes(
                `# filemon version 5\n# Target pid ${p.pid}\n# Start 1700000000.000000\nV 5\n`,
              ),
          );
          return rec(call, 0);
        }
        if (BigInt(request) === 0xC0045302n) {
          if (world.script.setPidErrno !== undefined) {
            return world.#fail(p, call, world.script.setPidErrno);
          }
          if (value !== TRACER_PID && value !== world.launcher?.pid) {
            return world.#fail(p, call, 3);
          }
          dev.traced = value;
          return rec(call, 0);
        }
        return world.#fail(p, call, 22);
      },
      pipe2(fds, flags) {
        const pipe: Pipe = {
          kind: "pipe",
          id: ++world.#pipes,
          bytes: [],
          readers: 0,
          writers: 0,
        };
        const cloexec = (flags & 0x100000) !== 0;
        const r = p.lowestFree(10);
        p.fds.set(r, { end: world.#ref({ kind: "read", pipe }), cloexec });
        const w = p.lowestFree(10);
        p.fds.set(w, { end: world.#ref({ kind: "write", pipe }), cloexec });
        new Int32Array(fds!.buffer, fds!.byteOffset, 2).set([r, w]);
        return rec(`pipe2(${hex(flags)}) [${r}, ${w}]`, 0);
      },
      fcntl(fd, cmd, arg) {
        const call = `fcntl(${fd}, ${cmd}, ${arg})`;
        const slot = p.fds.get(fd);
        if (slot === undefined) return world.#fail(p, call, 9);
        if (cmd === 2) slot.cloexec = (arg & 1) !== 0;
        return rec(call, 0);
      },
      posix_spawn(pid, path, fileActions, attr, argv, envp) {
        const args: string[] = [];
        const view = new DataView(argv!.buffer, argv!.byteOffset);
        for (let i = 0;; i++) {
          const address = view.getBigUint64(8 * i, true);
          if (address === 0n) break;
          args.push(new TextDecoder().decode(ffi.readCString(address)));
        }
        const call = `posix_spawn("${
          cString(path!)
        }", ${fileActions}, ${attr}, argv[${args.length}], envp ${hex(envp)})`;
        world.spawnArgv = args;
        const l = new Process(LAUNCHER_PID);
        world.launcher = l;
        for (const [fd, slot] of p.fds) {
          if (!slot.cloexec) {
            l.fds.set(fd, { end: world.#ref(slot.end), cloexec: false });
          }
        }
        world.launcherFds = [...l.fds.keys()].sort((a, b) => a - b);
        const at = args.findIndex((a) =>
          a === LAUNCH_ARG || a.endsWith("/launcher.ts")
        );
        l.ready = Number(args[at + 1]);
        l.go = Number(args[at + 2]);
        l.command = args.slice(at + 4);
        new Int32Array(pid!.buffer, pid!.byteOffset, 1)[0] = l.pid;
        // The launcher says it is ready.
        world.libcOf(l).write(l.ready, new Uint8Array(bytes("R")), 1);
        return rec(call, 0);
      },
      waitpid(pid, status, options) {
        const call = `waitpid(${pid}, ${options === 1 ? "WNOHANG" : options})`;
        const l = world.launcher;
        if (l === undefined || l.pid !== pid || l.reaped) {
          return world.#fail(p, call, 10);
        }
        if (l.state !== "exited") {
          if (options === 1) return rec(call, 0);
          throw new Error(`fake: waitpid(${pid}) would block forever`);
        }
        l.reaped = true;
        new Int32Array(status!.buffer, status!.byteOffset, 1)[0] = l.status!;
        return rec(`${call} status ${hex(l.status!)}`, pid);
      },
      read(fd, buf, n) {
        const call = `read(${fd}, ${n})`;
        const end = p.fds.get(fd)?.end;
        if (end?.kind !== "read") return world.#fail(p, call, 9);
        const pipe = end.pipe;
        if (pipe.bytes.length === 0) {
          if (pipe.writers === 0) return rec(call, 0);
          throw new Error(`fake: read(${fd}) would block forever`);
        }
        const got = pipe.bytes.splice(
          0,
          Math.min(Number(n), pipe.bytes.length),
        );
        buf!.set(got);
        return rec(call, got.length);
      },
      write(fd, buf, n) {
        const data = buf!.slice(0, Number(n));
        const call = `write(${fd}, ${JSON.stringify(Array.from(data))})`;
        const end = p.fds.get(fd)?.end;
        if (end?.kind === "external") {
          world.script.externalWrite?.(fd, data);
          return rec(call, data.length);
        }
        if (end?.kind !== "write") return world.#fail(p, call, 9);
        if (end.pipe.readers === 0) return world.#fail(p, call, 32);
        end.pipe.bytes.push(...data);
        const r = rec(call, data.length);
        world.#stepLauncher();
        return r;
      },
      close(fd) {
        const slot = p.fds.get(fd);
        const call = `close(${fd})`;
        if (slot === undefined) return world.#fail(p, call, 9);
        p.fds.delete(fd);
        const errno = world.#unref(slot.end);
        if (errno !== 0) return world.#fail(p, call, errno);
        const r = rec(call, 0);
        world.#stepLauncher();
        return r;
      },
      poll(fds, nfds, timeout) {
        world.#tick();
        let ready = 0;
        if (nfds === 1) {
          const v = new DataView(fds!.buffer, fds!.byteOffset, 8);
          const end = p.fds.get(v.getInt32(0, true))?.end;
          if (
            end?.kind === "read" &&
            (end.pipe.bytes.length > 0 || end.pipe.writers === 0)
          ) {
            v.setInt16(6, 1, true);
            ready = 1;
          }
        }
        return rec(`poll(${nfds}, ${timeout})`, ready);
      },
      kill(pid, sig) {
        const l = world.launcher;
        const r = rec(`kill(${pid}, ${sig})`, 0);
        if (
          l?.pid === pid && l.state === "running" && world.script.diesOnSignal
        ) {
          world.#exit(l, sig);
        }
        return r;
      },
      getpid: () => rec("getpid()", p.pid),
      getpgrp: () => rec("getpgrp()", PGRP),
      tcgetpgrp(fd) {
        const fg = world.script.terminalForeground;
        if (fg === undefined) return world.#fail(p, `tcgetpgrp(${fd})`, 25);
        return rec(`tcgetpgrp(${fd})`, fg ? PGRP : PGRP + 1);
      },
      getcwd(buf, size) {
        const cwd = bytes(world.script.cwd ?? "/home/u/src");
        buf!.set(cwd);
        buf![cwd.length] = 0;
        world.#record(p, `getcwd(${size})`, 1);
        return 1;
      },
      errno: () => p.errno,
      environ: () => ENVIRON,
    };
  }
}

function cString(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  return new TextDecoder().decode(buf.subarray(0, end < 0 ? buf.length : end));
}
