/**
 * Native calls and raw memory: `Deno.dlopen` or `bun:ffi`, chosen once.
 *
 * @module
 */

import type { Ffi } from "./types.ts";
import { IS_BUN } from "./which.ts";

export type {
  Ffi,
  ForeignFunction,
  Library,
  NativeType,
  SymbolTable,
  Wide,
} from "./types.ts";

/** The runtime's native-call interface. */
export const ffi: Ffi = IS_BUN
  ? (await import("./bun/ffi.ts")).ffi
  : (await import("./deno/ffi.ts")).ffi;
