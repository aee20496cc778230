/**
 * filemon's library: the event model every producer and sink shares, the
 * streaming filemon(4) log decoder, and the filemon and JSON Lines encoders.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeFilemon, formatJsonLine } from "./mod.ts";
 * const [event] = decodeFilemon("W 12 /tmp/out\n");
 * assertEquals(
 *   formatJsonLine(event),
 *   '{"op":"open","pid":12,"path":"/tmp/out","abs":"/tmp/out","mode":"w"}',
 * );
 * ```
 *
 * @module
 */

export * from "./event.ts";
export * from "./path.ts";
export * from "./decode_error.ts";
export * from "./filemon_decoder.ts";
export * from "./filemon_encoder.ts";
export * from "./jsonl.ts";
export * from "./batch_encoder.ts";
