/**
 * Which JavaScript runtime this is, decided once for every runtime module.
 *
 * @module
 */

/** True under Bun (also in a binary from `bun build --compile`), false under Deno. */
export const IS_BUN: boolean = "Bun" in globalThis;
