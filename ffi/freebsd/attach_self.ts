/**
 * The launcher's part on FreeBSD, as bmake's child does it: the launcher
 * inherited the tracer's /dev/filemon descriptor (named in the payload) and
 * calls `ioctl(fd, FILEMON_SET_PID, &pid)` with its own pid, so the kernel
 * traces it, and from its exec on the command and every descendant.
 *
 * The handshake around it (`../posix/launcher.ts`, `device.ts`): the
 * launcher writes the errno (0 on success) on the ready pipe as a
 * little-endian int32; on success it waits for one byte on the go pipe (the
 * tracer sends it once the device has its log), closes the device and execs;
 * on failure it closes the device and exits 1 without running the command,
 * and the tracer says why.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { devicePayload, deviceFdOf } from "./attach_self.ts";
 * assertEquals(deviceFdOf(devicePayload(5)), 5);
 * assertEquals(deviceFdOf(new Uint8Array(2)), undefined);
 * ```
 *
 * @module
 */

import type { FreebsdLibc } from "./libc.ts";
import { FILEMON_SET_PID, INT_SIZE } from "./ioctl.ts";

/** The payload the tracer sends the launcher: the device's fd, an int32 LE. */
export function devicePayload(deviceFd: number): Uint8Array {
  const out = new Uint8Array(INT_SIZE);
  new DataView(out.buffer).setInt32(0, deviceFd, true);
  return out;
}

/** The device's fd in a payload; undefined when it is not one. */
export function deviceFdOf(payload: Uint8Array): number | undefined {
  if (payload.length !== INT_SIZE) return undefined;
  const fd = new DataView(payload.buffer, payload.byteOffset, INT_SIZE)
    .getInt32(0, true);
  return fd >= 0 ? fd : undefined;
}

/**
 * `ioctl(deviceFd, FILEMON_SET_PID, &pid)` with this process's pid (a
 * pid_t, laid out as the host's int). Returns 0, or errno when it failed.
 */
export function attachSelf(libc: FreebsdLibc, deviceFd: number): number {
  const pid = new Int32Array(new ArrayBuffer(INT_SIZE));
  pid[0] = libc.getpid();
  const rc = libc.ioctl(
    deviceFd,
    FILEMON_SET_PID,
    new Uint8Array(pid.buffer),
  );
  return rc === -1 ? libc.errno() : 0;
}

/** The reply the launcher writes on the ready pipe: errno (0: traced), an int32 LE. */
export function attachReply(errno: number): Uint8Array {
  const out = new Uint8Array(INT_SIZE);
  new DataView(out.buffer).setInt32(0, errno, true);
  return out;
}
