/**
 * Opening a native library: `Deno.dlopen` today; Bun's `bun:ffi` slots in
 * here.
 *
 * @module
 */

/** Opens `path` with the given symbol table. */
export function dlopen<const S extends Deno.ForeignLibraryInterface>(
  path: string,
  symbols: S,
): Deno.DynamicLibrary<S> {
  return Deno.dlopen(path, symbols);
}
