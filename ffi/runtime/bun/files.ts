/**
 * Files under Bun, through `node:fs` (which Bun implements natively) and
 * `Bun.stdin`.
 *
 * @module
 */

import * as fs from "node:fs";
import { FileError, type FileKind, type Files, type Input } from "../types.ts";

const CHUNK = 1 << 16;

/** Bun's implementation of `Files`. */
export const files: Files = {
  kind(path: string): FileKind {
    try {
      return fs.lstatSync(path).isFile() ? "regular" : "other";
    } catch (err) {
      return (err as { code?: string }).code === "ENOENT" ? "missing" : "other";
    }
  },
  openWrite: (path: string) =>
    FileError.wrap(() => fs.openSync(path, "w", 0o666)),
  openUnnamed: () => undefined,
  linkUnnamed(): void {
    throw new FileError("EOPNOTSUPP", "no unnamed files here");
  },
  write: (handle: number, bytes: Uint8Array) =>
    FileError.wrap(() => fs.writeSync(handle, bytes)),
  close: (handle: number) => FileError.wrap(() => fs.closeSync(handle)),
  rename: (from: string, to: string) =>
    FileError.wrap(() => fs.renameSync(from, to)),
  unlink: (path: string) => FileError.wrap(() => fs.unlinkSync(path)),
  pid: () =>
    (globalThis as unknown as { process: { pid: number } }).process.pid,
};

/** Bun's implementation of `Input`. */
export const input: Input = {
  stdin: () =>
    (globalThis as unknown as {
      Bun: { stdin: { stream(): ReadableStream<Uint8Array> } };
    }).Bun.stdin.stream(),
  // deno-lint-ignore require-await
  async open(path: string): Promise<ReadableStream<Uint8Array>> {
    const fd = FileError.wrap(() => fs.openSync(path, "r"));
    if (fs.fstatSync(fd).isDirectory()) {
      fs.closeSync(fd);
      throw new FileError("EISDIR", `${path} is a directory`);
    }
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const buf = new Uint8Array(CHUNK);
        const n = fs.readSync(fd, buf, 0, CHUNK, null);
        if (n === 0) {
          fs.closeSync(fd);
          controller.close();
        } else controller.enqueue(buf.subarray(0, n));
      },
      cancel: () => fs.closeSync(fd),
    });
  },
};
