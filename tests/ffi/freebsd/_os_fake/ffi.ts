/**
 * Stands in for ffi/runtime/ffi.ts in module_graph_test.ts: records every
 * library opened and the C symbols asked of it (`OPENED`), and answers
 * calls harmlessly: write() says it wrote everything (and keeps the bytes
 * in `WRITTEN`), everything else returns 0.
 */

import type {
  Ffi,
  Library,
  SymbolTable,
} from "../../../../ffi/runtime/types.ts";

export type {
  Ffi,
  ForeignFunction,
  Library,
  NativeType,
  SymbolTable,
  Wide,
} from "../../../../ffi/runtime/types.ts";

/** Each dlopen: the library's file name and the C symbols it was asked for. */
export const OPENED: { library: string; symbols: string[] }[] = [];
/** Bytes written through write(2), by descriptor. */
export const WRITTEN: Record<number, number[]> = {};

/** The recording FFI. */
export const ffi: Ffi = {
  dlopen<const S extends SymbolTable>(path: string, symbols: S): Library<S> {
    OPENED.push({
      library: path,
      symbols: Object.entries(symbols).map(([key, f]) => f.name ?? key),
    });
    const lib: Record<string, (...args: unknown[]) => unknown> = {};
    for (const [key, f] of Object.entries(symbols)) {
      const name = f.name ?? key;
      lib[key] = (...args: unknown[]) => {
        if (name === "write") {
          const [fd, buf, n] = args as [number, Uint8Array, number];
          (WRITTEN[fd] ??= []).push(...buf.subarray(0, Number(n)));
          return n;
        }
        return f.result === "i32" || f.result === "u32" ? 0 : 0n;
      };
    }
    return lib as unknown as Library<S>;
  },
  addressOf: () => 0x1000n,
  readI32: () => 0,
  readPointer: () => 0n,
  readCString: () => new Uint8Array(),
};
