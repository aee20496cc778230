/**
 * Native calls under Bun: `bun:ffi`. Bun has no aliases in a symbol table,
 * so an aliased entry gets a library handle of its own; 64-bit results use
 * Bun's `*_fast` types (a number when it fits, else a bigint), as Deno may
 * give a bigint too.
 *
 * @module
 */

import type { Ffi, Library, NativeType, SymbolTable, Wide } from "../types.ts";

/** The part of `bun:ffi` used here. */
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown> };
  ptr(view: ArrayBufferView): number;
  read: {
    i32(address: number, offset?: number): number;
    u8(address: number, offset?: number): number;
    intptr(address: number, offset?: number): number;
  };
  toArrayBuffer(address: number, offset: number, length: number): ArrayBuffer;
}

// A specifier Deno's type checker does not try to resolve.
const BUN_FFI = "bun:ffi";
const bun = (await import(BUN_FFI)) as BunFfi;

const PARAMETER: Readonly<Record<NativeType, string>> = {
  void: "void",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  u64: "u64",
  usize: "u64",
  isize: "i64",
  buffer: "ptr",
};

const RESULT: Readonly<Record<NativeType, string>> = {
  ...PARAMETER,
  i64: "i64_fast",
  u64: "u64_fast",
  usize: "u64_fast",
  isize: "i64_fast",
};

const num = (address: Wide): number => Number(address);

/** Bun's implementation of `Ffi`. */
export const ffi: Ffi = {
  dlopen<const S extends SymbolTable>(path: string, symbols: S): Library<S> {
    // One handle per group of entries with distinct C names.
    const groups: Map<string, string>[] = [];
    for (const [key, fn] of Object.entries(symbols)) {
      const name = fn.name ?? key;
      let group = groups.find((g) => !g.has(name));
      if (group === undefined) groups.push(group = new Map());
      group.set(name, key);
    }
    const out: Record<string, unknown> = {};
    for (const group of groups) {
      const table: Record<string, { args: string[]; returns: string }> = {};
      for (const [name, key] of group) {
        const fn = symbols[key];
        table[name] = {
          args: fn.parameters.map((t) => PARAMETER[t]),
          returns: RESULT[fn.result],
        };
      }
      const lib = bun.dlopen(path, table);
      for (const [name, key] of group) out[key] = lib.symbols[name];
    }
    return out as Library<S>;
  },
  addressOf(buffer: Uint8Array<ArrayBuffer>): bigint {
    return BigInt(bun.ptr(buffer));
  },
  readI32(address: Wide): number {
    return bun.read.i32(num(address), 0);
  },
  readPointer(address: Wide): bigint {
    return BigInt(bun.read.intptr(num(address), 0));
  },
  readCString(address: Wide): Uint8Array {
    const at = num(address);
    let n = 0;
    while (bun.read.u8(at, n) !== 0) n++;
    return new Uint8Array(bun.toArrayBuffer(at, 0, n).slice(0));
  },
};
