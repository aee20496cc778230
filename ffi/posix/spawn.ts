/**
 * Starting a traced command suspended. `fork()` through FFI kills the child
 * under Deno and Bun (their heaps are MADV_DONTFORK), so the tracer
 * posix_spawns this tool again as its launcher (`launcher.ts`):
 *
 * 1. the launcher writes one byte on the ready pipe, then blocks reading the
 *    go pipe;
 * 2. the tracer attaches to it (PTRACE_SEIZE) and writes a payload on the
 *    go pipe (seccomp programs, or nothing; on FreeBSD the /dev/filemon fd
 *    the launcher inherited);
 * 3. the launcher applies the payload and execs the command. On FreeBSD it
 *    first calls FILEMON_SET_PID on itself, writes the result (errno, or 0)
 *    on the ready pipe and waits for one byte on the go pipe, which the
 *    tracer sends once the device has its log (`../freebsd/device.ts`). Where the
 *    payload asks for a fast path, it first writes the result (an int: the
 *    seccomp listener's fd, or -1) on the ready pipe and, with a listener,
 *    waits for one byte on the go pipe: the pipes are then handed to
 *    whoever takes the listener (`handOff`), while the tracer goes on to
 *    serve the launcher's ptrace stops.
 *
 * The command's argv goes to the launcher as its exact bytes: `argv` holds
 * lib/path.ts strings (a byte that is not UTF-8 is U+DC80 + byte, as
 * `proc.args()` reads them from /proc/self/cmdline) and `cstring` turns
 * them back into the bytes; the launcher reads its own argv the same way
 * before execvp.
 *
 * @module
 */

import { proc } from "../runtime/process.ts";
import { close, inherit, pipe, read, spawn, writeAll } from "../libc/posix.ts";
import { LAUNCH_ARG } from "./launch_arg.ts";

/**
 * The argv prefix that starts the launcher: the compiled binary with
 * `LAUNCH_ARG`, or the runtime running `launcher.ts` with native calls
 * allowed and nothing else.
 */
export function launcherCommand(): string[] {
  if (proc.standalone) return [proc.execPath(), LAUNCH_ARG];
  return proc.scriptCommand(new URL("./launcher.ts", import.meta.url));
}

/**
 * The C library calls `spawnSuspended` makes: this system's (`POSIX_CALLS`)
 * unless a backend brings its own (FreeBSD's, or a test's fake).
 */
export interface SpawnCalls {
  /** A pipe whose ends are close-on-exec: [read end, write end]. */
  pipe(): [number, number];
  /** Clears close-on-exec on `fd`. */
  inherit(fd: number): void;
  /** posix_spawn(3)s `argv` (argv[0] a path); returns the pid. */
  spawn(argv: readonly string[]): number;
  /** read(2), retried on EINTR. */
  read(fd: number, buffer: Uint8Array<ArrayBuffer>): number;
  /** Writes all of `bytes`. */
  writeAll(fd: number, bytes: Uint8Array): void;
  close(fd: number): void;
}

/** This system's libc, through ../libc/posix.ts. */
export const POSIX_CALLS: SpawnCalls = {
  pipe,
  inherit,
  spawn,
  read,
  writeAll,
  close,
};

/**
 * Starts `argv` through the launcher, calls `attach(pid)` while it waits,
 * and hands it `payload`. With `handOff`, the ready pipe's read end and the
 * go pipe's write end then belong to `handOff(pid, ready, go)`, which reads
 * the launcher's answer and lets it go on. Returns the launcher's pid (the
 * command's, once it has exec'd).
 */
export function spawnSuspended(
  argv: readonly string[],
  payload: Uint8Array,
  attach: (pid: number) => void,
  handOff?: (pid: number, ready: number, go: number) => void,
  calls: SpawnCalls = POSIX_CALLS,
): number {
  const { close, inherit, pipe, read, spawn, writeAll } = calls;
  const [readyRead, readyWrite] = pipe();
  const [goRead, goWrite] = pipe();
  let pid: number;
  // Descriptors the runtime marked close-on-exec that the command should
  // have: open again to exec here, and named to the launcher, whose runtime
  // marks them again.
  const keep = proc.inheritedFds().filter((fd) => {
    try {
      inherit(fd);
      return true;
    } catch {
      return false; // closed since
    }
  });
  try {
    inherit(readyWrite);
    inherit(goRead);
    pid = spawn([
      ...launcherCommand(),
      String(readyWrite),
      String(goRead),
      keep.length === 0 ? "-" : keep.join(","),
      ...argv,
    ]);
  } catch (err) {
    close(readyRead);
    close(goWrite);
    throw err;
  } finally {
    close(readyWrite);
    close(goRead);
  }
  let handedOff = false;
  try {
    const mark = new Uint8Array(new ArrayBuffer(64));
    if (read(readyRead, mark.subarray(0, 1)) !== 1) {
      throw new Error("the launcher did not start");
    }
    attach(pid);
    const message = new Uint8Array(4 + payload.length);
    new DataView(message.buffer).setUint32(0, payload.length, true);
    message.set(payload, 4);
    writeAll(goWrite, message);
    if (handOff !== undefined) {
      handOff(pid, readyRead, goWrite);
      handedOff = true;
    }
  } finally {
    if (!handedOff) {
      close(readyRead);
      close(goWrite);
    }
  }
  return pid;
}
