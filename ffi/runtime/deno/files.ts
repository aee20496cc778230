/**
 * Files under Deno, through its own API (`--allow-read`/`--allow-write`).
 *
 * @module
 */

import { FileError, type FileKind, type Files, type Input } from "../types.ts";

/** Open files by handle; 1 and 2 are standard output and error. */
const open = new Map<number, { writeSync(p: Uint8Array): number }>([
  [1, Deno.stdout],
  [2, Deno.stderr],
]);
let next = 3;

/** Deno's implementation of `Files`. */
export const files: Files = {
  kind(path: string): FileKind {
    try {
      return Deno.lstatSync(path).isFile ? "regular" : "other";
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return "missing";
      return "other";
    }
  },
  openWrite(path: string): number {
    const file = FileError.wrap(() =>
      Deno.openSync(path, { write: true, create: true, truncate: true })
    );
    open.set(next, file);
    return next++;
  },
  openUnnamed: () => undefined,
  linkUnnamed(): void {
    throw new FileError("EOPNOTSUPP", "no unnamed files here");
  },
  write(handle: number, bytes: Uint8Array): number {
    return FileError.wrap(() => open.get(handle)!.writeSync(bytes));
  },
  close(handle: number): void {
    const file = open.get(handle) as Deno.FsFile | undefined;
    open.delete(handle);
    file?.close();
  },
  rename: (from: string, to: string) =>
    FileError.wrap(() => Deno.renameSync(from, to)),
  unlink: (path: string) => FileError.wrap(() => Deno.removeSync(path)),
  pid: () => Deno.pid,
};

/** Deno's implementation of `Input`. */
export const input: Input = {
  stdin: () => Deno.stdin.readable,
  async open(path: string): Promise<ReadableStream<Uint8Array>> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (err) {
      return FileError.wrap(() => {
        throw err;
      });
    }
    if ((await file.stat()).isDirectory) {
      file.close();
      throw new FileError("EISDIR", `${path} is a directory`);
    }
    return file.readable;
  },
};
