/**
 * Run by module_graph_test.ts with an import map that makes the OS
 * "freebsd" (`process.ts`), records native calls (`ffi.ts`) and makes each
 * Linux-only module throw when evaluated (`poison.ts`): loads what main.ts
 * loads for each command, the backend and the launcher, and prints what
 * happened as one JSON line, last.
 */

import { main } from "../../../../main.ts";
import { OPENED, WRITTEN } from "./ffi.ts";

const results: Record<string, unknown> = {};
const quietly = async (name: string, fn: () => Promise<unknown>) => {
  try {
    results[name] = await fn();
  } catch (err) {
    results[name] = `threw: ${err instanceof Error ? err.message : err}`;
  }
};

await quietly("trace", () => main(["trace", "--help"]));
await quietly("bmake", () => main(["bmake", "--help"]));
await quietly("decode", () => main(["decode", "--help"]));
await quietly("graph", () => main(["graph", "--help"]));
// A name that is not UTF-8: decode reads it through libc's files (the
// recorded FFI opens it as an empty file).
await quietly("decode-bytes", () => main(["decode", "/nonexistent/\udcff"]));
await quietly("backend", async () => {
  const { backendFor } = await import("../../../../ffi/backend_for.ts");
  return (await backendFor()).constructor.name;
});
await quietly("launcher", async () => {
  const { launch } = await import("../../../../ffi/posix/launcher.ts");
  return typeof launch;
});
// The control: a Linux-only module does throw here.
await quietly("control", async () => {
  await import("../../../../ffi/linux/tracer.ts");
  return "loaded";
});
const text = (fd: number) =>
  new TextDecoder().decode(new Uint8Array(WRITTEN[fd] ?? []));
console.log(
  JSON.stringify({ results, opened: OPENED, stdout: text(1), stderr: text(2) }),
);
