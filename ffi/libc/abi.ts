/**
 * What the C library looks like on each OS filemon runs on: its file name,
 * how errno is reached, errno names and the flag values filemon passes.
 * Each OS's facts live in its own module, loaded only on that OS
 * (`loadOsAbi`), so nothing of Linux is evaluated on FreeBSD.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { libcFileName, loadOsAbi } from "./abi.ts";
 * assertEquals(libcFileName("freebsd"), "libc.so.7");
 * assertEquals((await loadOsAbi("freebsd")).errnoFunction, "__error");
 * ```
 *
 * @module
 */

/** One OS's C library facts. */
export interface OsAbi {
  /** The C library to open ("libc.so.6"). */
  readonly libc: string;
  /** The function that returns errno's address. */
  readonly errnoFunction: string;
  /** errno names by number. */
  readonly errnoNames: Readonly<Record<number, string>>;
  /** dlsym's RTLD_DEFAULT handle. */
  readonly RTLD_DEFAULT: bigint;
  readonly EINTR: number;
  readonly EAGAIN: number;
  readonly ENOENT: number;
  readonly O_WRONLY: number;
  readonly O_CREAT: number;
  readonly O_TRUNC: number;
  readonly O_CLOEXEC: number;
  /** O_TMPFILE (with its O_DIRECTORY bit), or 0 where there is none. */
  readonly O_TMPFILE: number;
  readonly AT_FDCWD: number;
  readonly AT_SYMLINK_FOLLOW: number;
  readonly F_SETFD: number;
  readonly POLLOUT: number;
  /**
   * The library holding timer_create and its kin where libc does not
   * (FreeBSD: librt.so.1); absent when libc has them (glibc 2.34 and later).
   */
  readonly timerLibrary?: string;
}

/** The C library's file name on `os` (as `proc.os` names it); throws for an OS filemon does not know. */
export function libcFileName(os: string): string {
  if (os === "linux") return "libc.so.6";
  if (os === "freebsd") return "libc.so.7";
  throw new Error(`filemon does not know the C library of ${os}`);
}

/**
 * The facts for `os` (as `proc.os` names it), loading that OS's module
 * only; throws for an OS filemon does not know.
 */
export async function loadOsAbi(os: string, arch = "x86_64"): Promise<OsAbi> {
  if (os === "linux") return (await import("./linux_abi.ts")).LINUX_ABI(arch);
  if (os === "freebsd") return (await import("./freebsd_abi.ts")).FREEBSD_ABI;
  throw new Error(`filemon does not know the C library of ${os}`);
}
