/**
 * Which calls end the fast path for a process: those after which an open
 * made by the tracer on its behalf might not be the open it would make
 * itself. A set*id call that asks for ids the process already has (glibc's
 * posix_spawn child calls `setresuid(-1, euid, -1)`) changes nothing and
 * does not count.
 *
 * @module
 */

import type { SyscallName } from "./syscalls/semantics.ts";

/** The tracer's own ids, which an untainted tracee shares. */
export interface Ids {
  uid: number;
  gid: number;
}

const UID_CALLS: ReadonlySet<string> = new Set([
  "setuid",
  "setreuid",
  "setresuid",
  "setfsuid",
  "setuid32",
  "setreuid32",
  "setresuid32",
  "setfsuid32",
]);
const GID_CALLS: ReadonlySet<string> = new Set([
  "setgid",
  "setregid",
  "setresgid",
  "setfsgid",
  "setgid32",
  "setregid32",
  "setresgid32",
  "setfsgid32",
]);
/** i386's calls with 16-bit ids (where -1 is 0xffff). */
const SIXTEEN_BIT: ReadonlySet<string> = new Set([
  "setuid",
  "setreuid",
  "setresuid",
  "setfsuid",
  "setgid",
  "setregid",
  "setresgid",
  "setfsgid",
]);
const ARITY: Readonly<Record<string, number>> = {
  setreuid: 2,
  setregid: 2,
  setresuid: 3,
  setresgid: 3,
};

/**
 * Whether the call `name` with `args` may change what the process can open
 * (credentials, root, mounts). `sixteenBit`: an i386 call with 16-bit ids.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { taints } from "./taint.ts";
 * const me = { uid: 1000, gid: 1000 };
 * // glibc's posix_spawn child: setresuid(-1, 1000, -1): nothing changes.
 * assertEquals(taints("setresuid", [0xffffffff, 1000, 0xffffffff], me, false), false);
 * assertEquals(taints("setuid", [0], me, false), true);
 * assertEquals(taints("setgid", [0xffff], me, true), false);
 * assertEquals(taints("setresgid", [-1, 1000, -1], me, false), false);
 * assertEquals(taints("chroot", [0x1000], me, false), true);
 * ```
 */
export function taints(
  name: SyscallName,
  args: readonly number[],
  ids: Ids,
  sixteenBit: boolean,
): boolean {
  const own = UID_CALLS.has(name)
    ? ids.uid
    : GID_CALLS.has(name)
    ? ids.gid
    : undefined;
  if (own === undefined) return true; // setgroups, capset, chroot, unshare...
  const n = ARITY[name.replace("32", "")] ?? 1;
  const unchanged = sixteenBit && SIXTEEN_BIT.has(name) ? 0xffff : 0xffffffff;
  for (let i = 0; i < n; i++) {
    const id = args[i] >>> 0; // the low 32 bits: -1 either way is all ones
    if (id !== unchanged && id !== own) return true;
  }
  return false;
}
