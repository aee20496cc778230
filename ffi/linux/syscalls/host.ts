/**
 * The syscall tables a host's tracees can use, indexed for the tracer: from
 * an (audit architecture, number) pair to the call's name and meaning.
 *
 * @module
 */

import { type SyscallName, SYSCALLS, type SyscallSpec } from "./semantics.ts";
import type { SyscallTable } from "./types.ts";
import { AARCH64 } from "./aarch64.ts";
import { I386 } from "./i386.ts";
import { X32 } from "./x32.ts";
import { X86_64 } from "./x86_64.ts";

/** Host architecture (`uname -m`) → the tables its tracees can use. */
export function hostTables(arch: string): SyscallTable[] {
  switch (arch) {
    case "x86_64":
      return [X86_64, X32, I386];
    case "aarch64":
      return [AARCH64];
    default:
      throw new Error(`tracing is not supported on ${arch}`);
  }
}

/** A call as one architecture numbers it. */
export interface KnownCall {
  readonly name: SyscallName;
  readonly spec: SyscallSpec;
  readonly table: SyscallTable;
}

/** Looks calls up by audit architecture and number. */
export class SyscallIndex {
  #byAudit = new Map<number, { table: SyscallTable; calls: KnownCall[] }[]>();

  constructor(tables: readonly SyscallTable[]) {
    for (const table of tables) {
      const calls: KnownCall[] = [];
      for (const [name, nr] of Object.entries(table.numbers)) {
        calls[nr!] = {
          name: name as SyscallName,
          spec: SYSCALLS[name as SyscallName],
          table,
        };
      }
      const list = this.#byAudit.get(table.audit) ?? [];
      list.push({ table, calls });
      this.#byAudit.set(table.audit, list);
    }
  }

  /**
   * The call `nr` of architecture `audit` (x32, which shares x86_64's audit
   * value, is told apart by its number bias), or undefined.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { hostTables, SyscallIndex } from "./host.ts";
   * const index = new SyscallIndex(hostTables("x86_64"));
   * assertEquals(index.lookup(0xc000003e, 257)?.name, "openat");
   * assertEquals(index.lookup(0xc000003e, 0x40000000 + 257)?.table.arch, "x32");
   * assertEquals(index.lookup(0x40000003, 5)?.name, "open"); // i386
   * ```
   */
  lookup(audit: number, nr: number): KnownCall | undefined {
    const list = this.#byAudit.get(audit);
    if (list === undefined) return undefined;
    for (const { table, calls } of list) {
      if (table.bias === 0 ? nr < 0x40000000 : nr >= table.bias) {
        return calls[nr - table.bias];
      }
    }
    return undefined;
  }
}
