/**
 * The seccomp-bpf program the launcher installs before it execs the traced
 * command: SECCOMP_RET_TRACE (a ptrace stop) for the calls filemon records,
 * SECCOMP_RET_ALLOW for everything else, so untraced calls cost nothing
 * (nor do fstat-style stat calls on an fd with AT_EMPTY_PATH).
 *
 * The program checks `seccomp_data.arch` first and has one block per
 * architecture of the host (a 32-bit static binary must not escape); a call
 * from an architecture it does not know is traced, not allowed.
 *
 * @module
 */

import {
  AT_EMPTY_PATH,
  CLONE_NEW_MASK,
  type SyscallName,
  SYSCALLS,
  type SyscallSpec,
} from "./syscalls/semantics.ts";
import type { SyscallTable } from "./syscalls/types.ts";

// Classic BPF opcodes.
const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const BPF_JSET_K = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const BPF_JA = 0x05; // BPF_JMP | BPF_JA: k instructions ahead, any distance
const BPF_RET_K = 0x06; // BPF_RET | BPF_K

/** SECCOMP_RET_* actions. */
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_ERRNO = 0x00050000;
const ENOSYS = 38;

/** Offsets in struct seccomp_data. */
const OFF_NR = 0;
const OFF_ARCH = 4;
/** args[i] is at 16 + 8 * i; its low 32 bits first (little-endian hosts). */
const OFF_ARGS = 16;

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const stmt = (code: number, k: number): Insn => ({ code, jt: 0, jf: 0, k });
const jump = (code: number, k: number, jt: number, jf: number): Insn => ({
  code,
  jt,
  jf,
  k,
});

/**
 * Builds the filter for `tables` (the host's architectures; an x32 table,
 * sharing its audit value with x86_64, is told apart by its number bias) and
 * the calls to trace. Returns the `struct sock_filter` array's bytes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import {
 *   buildFilter,
 *   SECCOMP_RET_ALLOW as ALLOW,
 *   SECCOMP_RET_TRACE as TRACE,
 * } from "./seccomp.ts";
 * import { X86_64 } from "./syscalls/x86_64.ts";
 * const prog = buildFilter([X86_64], new Set(["openat", "execve"]));
 * // Each `struct sock_filter` is 8 bytes: code (u16), jt, jf (u8), k (u32).
 * const view = new DataView(prog.buffer, prog.byteOffset, prog.byteLength);
 * const insns = Array.from({ length: prog.length / 8 }, (_, i) => [
 *   view.getUint16(i * 8, true),
 *   view.getUint8(i * 8 + 2),
 *   view.getUint8(i * 8 + 3),
 *   view.getUint32(i * 8 + 4, true),
 * ]);
 * assertEquals(insns, [
 *   [0x20, 0, 0, 4], // load seccomp_data.arch
 *   [0x15, 1, 0, X86_64.audit], // x86_64: to its block
 *   [0x06, 0, 0, TRACE], // an unknown architecture is traced
 *   [0x20, 0, 0, 0], // load seccomp_data.nr
 *   [0x15, 0, 1, 257], // openat
 *   [0x06, 0, 0, TRACE],
 *   [0x15, 0, 1, 59], // execve
 *   [0x06, 0, 0, TRACE],
 *   [0x06, 0, 0, ALLOW], // any other call
 * ]);
 * ```
 */
export function buildFilter(
  tables: readonly SyscallTable[],
  calls: ReadonlySet<SyscallName>,
  options: FilterOptions = {},
): Uint8Array {
  const blocks: Insn[][] = [];
  const byAudit = new Map<number, SyscallTable[]>();
  for (const t of tables) {
    byAudit.set(t.audit, [...(byAudit.get(t.audit) ?? []), t]);
  }
  for (const group of byAudit.values()) {
    const block: Insn[] = [stmt(BPF_LD_W_ABS, OFF_NR)];
    // Biased tables (x32) first: numbers at or above the bias are theirs.
    const ordered = [...group].sort((a, b) => b.bias - a.bias);
    for (const table of ordered) {
      const checks = numberChecks(table, calls, options);
      if (table.bias > 0) {
        // if nr < bias skip this table's checks (a JA: they may be long)
        block.push(jump(BPF_JGE_K, table.bias, 1, 0));
        block.push(stmt(BPF_JA, checks.length + 1));
        block.push(...checks);
        block.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
      } else {
        block.push(...checks);
      }
    }
    block.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    blocks.push(block);
  }
  // Arch dispatch: one JEQ per audit value, jumping to its block; past the
  // first, through a JA (a block may be longer than a JEQ can jump).
  const audits = [...byAudit.keys()];
  const prog: Insn[] = [stmt(BPF_LD_W_ABS, OFF_ARCH)];
  // The JEQs (and JAs) and the unknown-arch RET.
  const dispatchLen = 1 + 2 * (audits.length - 1) + 1;
  let offset = 0;
  audits.forEach((audit, i) => {
    if (i === 0) {
      // The first block follows the dispatch directly.
      prog.push(jump(BPF_JEQ_K, audit, dispatchLen - 1, 0));
    } else {
      // From the JA (at 2i of the dispatch), skip the rest and the blocks before.
      prog.push(jump(BPF_JEQ_K, audit, 0, 1));
      prog.push(stmt(BPF_JA, dispatchLen - 1 - 2 * i + offset));
    }
    offset += blocks[i].length;
  });
  prog.push(stmt(BPF_RET_K, SECCOMP_RET_TRACE));
  for (const block of blocks) prog.push(...block);
  if (prog.length > 4096) throw new Error("seccomp filter is too long");
  const bytes = new Uint8Array(prog.length * 8);
  const view = new DataView(bytes.buffer);
  prog.forEach((insn, i) => {
    if (insn.jt > 255 || insn.jf > 255) {
      throw new Error("seccomp filter jump is too far");
    }
    view.setUint16(i * 8, insn.code, true);
    view.setUint8(i * 8 + 2, insn.jt);
    view.setUint8(i * 8 + 3, insn.jf);
    view.setUint32(i * 8 + 4, insn.k >>> 0, true);
  });
  return bytes;
}

/** How the filter routes calls beyond SECCOMP_RET_TRACE. */
export interface FilterOptions {
  /**
   * Send read-only opens (open and openat whose flags have none of
   * `NOT_READ_ONLY`) to the user-notification listener, on the
   * architectures whose tables have a register layout (x86_64, aarch64).
   */
  notifyReadOnlyOpens?: boolean;
  /** Send probes (the stat family, access, readlink) there too. */
  notifyProbes?: boolean;
}

/** O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_PATH, the bare __O_TMPFILE bit (not its O_DIRECTORY). */
export const NOT_READ_ONLY = 0x1 | 0x2 | 0o100 | 0o1000 | 0o10000000 |
  0o20000000;

/**
 * A value the tracer puts in a restarted call's sixth argument register
 * (which none of the notified calls read) so that the filter sends it the
 * ptrace way, where its result can be read; the register gets its own value
 * back at the call's exit stop. "filemon" in ASCII.
 */
export const TRACE_MARK = { lo: 0x656c6966, hi: 0x006e6f6d } as const;

/** The calls the fast path answers, and the jump to the end of their checks. */
function notified(
  table: SyscallTable,
  spec: SyscallSpec,
  options: FilterOptions,
): boolean {
  if (table.regs === undefined) return false;
  if (spec.op === "open") {
    return options.notifyReadOnlyOpens === true && spec.flags !== undefined;
  }
  return options.notifyProbes === true &&
    (spec.op === "stat" || spec.op === "access" || spec.op === "readlink");
}

/**
 * The checks of a notified call `k`: marked calls the ptrace way; then, for
 * opens, only read-only ones to the listener; for stat-like calls, fstat on
 * an fd (AT_EMPTY_PATH) allowed.
 */
function notifyChecks(k: number, spec: SyscallSpec): Insn[] {
  const mark = [
    stmt(BPF_LD_W_ABS, OFF_ARGS + 8 * 5),
    jump(BPF_JEQ_K, TRACE_MARK.lo, 0, 2),
    stmt(BPF_LD_W_ABS, OFF_ARGS + 8 * 5 + 4),
  ];
  let rest: Insn[];
  if (spec.op === "open") {
    rest = [
      jump(BPF_JEQ_K, TRACE_MARK.hi, 3, 0),
      stmt(BPF_LD_W_ABS, OFF_ARGS + 8 * spec.flags!),
      jump(BPF_JSET_K, NOT_READ_ONLY, 1, 0),
      stmt(BPF_RET_K, SECCOMP_RET_USER_NOTIF),
      stmt(BPF_RET_K, SECCOMP_RET_TRACE),
    ];
  } else if (spec.op === "stat" && spec.atFlags !== undefined) {
    rest = [
      jump(BPF_JEQ_K, TRACE_MARK.hi, 4, 0),
      stmt(BPF_LD_W_ABS, OFF_ARGS + 8 * spec.atFlags),
      jump(BPF_JSET_K, AT_EMPTY_PATH, 0, 1),
      stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
      stmt(BPF_RET_K, SECCOMP_RET_USER_NOTIF),
      stmt(BPF_RET_K, SECCOMP_RET_TRACE),
    ];
  } else {
    rest = [
      jump(BPF_JEQ_K, TRACE_MARK.hi, 1, 0),
      stmt(BPF_RET_K, SECCOMP_RET_USER_NOTIF),
      stmt(BPF_RET_K, SECCOMP_RET_TRACE),
    ];
  }
  const body = [...mark, ...rest];
  return [jump(BPF_JEQ_K, k, 0, body.length), ...body];
}

/** JEQ/RET runs: trace, notify or refuse each wanted call this table has. */
function numberChecks(
  table: SyscallTable,
  calls: ReadonlySet<SyscallName>,
  options: FilterOptions,
): Insn[] {
  const out: Insn[] = [];
  for (const name of calls) {
    const nr = table.numbers[name];
    if (nr === undefined) continue;
    const spec: SyscallSpec = SYSCALLS[name];
    const k = (nr + table.bias) >>> 0;
    if (notified(table, spec, options)) {
      out.push(...notifyChecks(k, spec));
      continue;
    }
    if (spec.op === "taint" && spec.flags !== undefined) {
      // clone: only when it makes a namespace.
      out.push(jump(BPF_JEQ_K, k, 0, 4));
      out.push(stmt(BPF_LD_W_ABS, OFF_ARGS + 8 * spec.flags));
      out.push(jump(BPF_JSET_K, CLONE_NEW_MASK, 0, 1));
      out.push(stmt(BPF_RET_K, SECCOMP_RET_TRACE));
      out.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
      continue;
    }
    if (spec.op === "stat" && spec.atFlags !== undefined) {
      // fstat is fstatat(fd, "", AT_EMPTY_PATH): no path lookup, so let it
      // run. (A non-empty path with AT_EMPTY_PATH, legal but rare, goes
      // unrecorded too: the filter cannot read strings.)
      out.push(jump(BPF_JEQ_K, k, 0, 4));
      out.push(stmt(BPF_LD_W_ABS, OFF_ARGS + 8 * spec.atFlags));
      out.push(jump(BPF_JSET_K, AT_EMPTY_PATH, 0, 1));
      out.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
      out.push(stmt(BPF_RET_K, SECCOMP_RET_TRACE));
      continue;
    }
    const action = spec.op === "deny"
      ? SECCOMP_RET_ERRNO | ENOSYS
      : SECCOMP_RET_TRACE;
    // if (nr == N) return action; else fall through to the next check
    out.push(jump(BPF_JEQ_K, k, 0, 1));
    out.push(stmt(BPF_RET_K, action));
  }
  return out;
}
