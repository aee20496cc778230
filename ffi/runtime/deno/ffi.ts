/**
 * Native calls under Deno: `Deno.dlopen` and `Deno.UnsafePointerView`.
 *
 * @module
 */

import type { Ffi, Library, SymbolTable, Wide } from "../types.ts";

function pointer(address: Wide): Deno.PointerValue {
  return Deno.UnsafePointer.create(BigInt(address));
}

// The last address readI32 read, and its view: errno is read after every
// failed call, always at this thread's one address (121 ns a read with a new
// view, 63 with this one).
let i32Address: Wide | undefined;
let i32View: Deno.UnsafePointerView | undefined;

/** Deno's implementation of `Ffi`. */
export const ffi: Ffi = {
  dlopen<const S extends SymbolTable>(path: string, symbols: S): Library<S> {
    // The table's types are Deno's own names; only the typing differs.
    const lib = Deno.dlopen(
      path,
      symbols as unknown as Deno.ForeignLibraryInterface,
    );
    return lib.symbols as unknown as Library<S>;
  },
  addressOf(buffer: Uint8Array<ArrayBuffer>): bigint {
    return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
  },
  readI32(address: Wide): number {
    if (address !== i32Address || i32View === undefined) {
      i32View = new Deno.UnsafePointerView(pointer(address)!);
      i32Address = address;
    }
    return i32View.getInt32();
  },
  readPointer(address: Wide): bigint {
    const p = new Deno.UnsafePointerView(pointer(address)!).getPointer();
    return BigInt(Deno.UnsafePointer.value(p));
  },
  readCString(address: Wide): Uint8Array {
    const view = new Deno.UnsafePointerView(pointer(address)!);
    let n = 0;
    while (view.getUint8(n) !== 0) n++;
    return new Uint8Array(view.getArrayBuffer(n).slice(0));
  },
};
