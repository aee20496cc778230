/**
 * FreeBSD's ioctl request numbers for /dev/filemon, computed the way
 * sys/sys/ioccom.h encodes them: direction bits at the top, the argument's
 * size in bits 16..28, the group letter in bits 8..15, the number in 0..7.
 * `FILEMON_SET_FD` is `_IOWR('S', 1, int)` and `FILEMON_SET_PID` is
 * `_IOWR('S', 2, pid_t)` (sys/dev/filemon/filemon.h); int and pid_t are
 * 32 bits on every FreeBSD architecture.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FILEMON_SET_FD, iowr } from "./ioctl.ts";
 * assertEquals(iowr("S", 1, 4), FILEMON_SET_FD);
 * assertEquals(FILEMON_SET_FD.toString(16), "c0045301");
 * ```
 *
 * @module
 */

/** Bits of the parameter length (IOCPARM_SHIFT). */
const IOCPARM_SHIFT = 13;
/** IOCPARM_MASK: the largest argument size an ioctl number can say. */
const IOCPARM_MASK = (1 << IOCPARM_SHIFT) - 1;
/** IOC_OUT: the kernel copies the argument out. */
export const IOC_OUT = 0x40000000;
/** IOC_IN: the kernel copies the argument in. */
export const IOC_IN = 0x80000000;

/** `_IOC(inout, group, num, len)`, as an unsigned number. */
export function ioc(
  inout: number,
  group: string,
  num: number,
  len: number,
): number {
  if (group.length !== 1 || group.charCodeAt(0) > 0xff) {
    throw new RangeError(`ioctl group must be one byte: '${group}'`);
  }
  if (len < 0 || len > IOCPARM_MASK) {
    throw new RangeError(`ioctl argument too large: ${len} bytes`);
  }
  return (inout | ((len & IOCPARM_MASK) << 16) |
    (group.charCodeAt(0) << 8) | (num & 0xff)) >>> 0;
}

/** `_IOWR(group, num, type)` for a type of `size` bytes: copied in and out. */
export function iowr(group: string, num: number, size: number): number {
  return ioc(IOC_IN | IOC_OUT, group, num, size);
}

/** sizeof(int) and sizeof(pid_t) on FreeBSD (every architecture). */
export const INT_SIZE = 4;

/** `ioctl(fd, FILEMON_SET_FD, &fd)`: where the kernel writes the log. */
export const FILEMON_SET_FD: number = iowr("S", 1, INT_SIZE);
/** `ioctl(fd, FILEMON_SET_PID, &pid)`: the process to trace (and its descendants). */
export const FILEMON_SET_PID: number = iowr("S", 2, INT_SIZE);
