/**
 * Files under Bun, through `node:fs` (which Bun implements natively) and
 * `Bun.stdin`. A path that is not UTF-8 (lib/path.ts's strings) is handed
 * to `node:fs` as its bytes, in a Buffer.
 *
 * @module
 */

import * as fs from "node:fs";
import { Buffer } from "node:buffer";
import { encodePath } from "../../../lib/path.ts";
import {
  FileError,
  type FileIdentity,
  type FileKind,
  type Files,
  type Input,
} from "../types.ts";

const CHUNK = 1 << 16;

/** Whether this API can name any file (true: bytes go as they are). */
export const bytePaths = true;

/** `path` as node:fs takes it: the string, or its exact bytes. */
function named(path: string): string | Buffer {
  return path.isWellFormed() ? path : Buffer.from(encodePath(path));
}

/** Bun's implementation of `Files`. */
export const files: Files = {
  kind(path: string): FileKind {
    try {
      return fs.lstatSync(named(path)).isFile() ? "regular" : "other";
    } catch (err) {
      return (err as { code?: string }).code === "ENOENT" ? "missing" : "other";
    }
  },
  openWrite: (path: string) =>
    FileError.wrap(() => fs.openSync(named(path), "w", 0o666)),
  openUnnamed: () => undefined,
  linkUnnamed(): void {
    throw new FileError("EOPNOTSUPP", "no unnamed files here");
  },
  write: (handle: number, bytes: Uint8Array) =>
    FileError.wrap(() => fs.writeSync(handle, bytes)),
  close: (handle: number) => FileError.wrap(() => fs.closeSync(handle)),
  rename: (from: string, to: string) =>
    FileError.wrap(() => fs.renameSync(named(from), named(to))),
  unlink: (path: string) => FileError.wrap(() => fs.unlinkSync(named(path))),
  pid: () =>
    (globalThis as unknown as { process: { pid: number } }).process.pid,
  identity(path: string): FileIdentity | undefined {
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(named(path), { bigint: true });
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return undefined;
      return FileError.wrap(() => {
        throw err;
      });
    }
    return {
      id: `${st.dev}:${st.ino}`,
      size: Number(st.size),
      mtime: String(st.mtimeNs),
      ctime: String(st.ctimeNs),
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
    };
  },
  copyAttributes(handle: number, like: FileIdentity): void {
    try {
      fs.fchownSync(handle, like.uid, like.gid);
    } catch { /* not ours to give away */ }
    FileError.wrap(() => fs.fchmodSync(handle, like.mode));
  },
};

/** Bun's implementation of `Input`. */
export const input: Input = {
  stdin: () =>
    (globalThis as unknown as {
      Bun: { stdin: { stream(): ReadableStream<Uint8Array> } };
    }).Bun.stdin.stream(),
  // deno-lint-ignore require-await
  async open(path: string): Promise<ReadableStream<Uint8Array>> {
    const fd = FileError.wrap(() => fs.openSync(named(path), "r"));
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
