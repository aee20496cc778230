/**
 * Files under Deno, through its own API (`--allow-read`/`--allow-write`).
 * Deno's API takes a path as a string and turns it into UTF-8 (a file URL
 * too), so a file name that is not UTF-8 cannot be named through it: such a
 * path is refused here with a reason, and `main.ts` takes libc's files
 * instead where native calls are allowed.
 *
 * @module
 */

import {
  FileError,
  type FileIdentity,
  type FileKind,
  type Files,
  type Input,
} from "../types.ts";

/** Open files by handle; 1 and 2 are standard output and error. */
const open = new Map<
  number,
  { file: { writeSync(p: Uint8Array): number }; path?: string }
>([
  [1, { file: Deno.stdout }],
  [2, { file: Deno.stderr }],
]);
let next = 3;

/** Whether this API can name any file (false: not a name that is not UTF-8). */
export const bytePaths = false;

/** `path`, or a FileError when Deno cannot name it. */
function named(path: string): string {
  if (path.isWellFormed()) return path;
  throw new FileError(
    "EILSEQ",
    "the name is not UTF-8, which Deno's file API cannot name (allow native calls: --allow-ffi)",
  );
}

/** Deno's implementation of `Files`. */
export const files: Files = {
  kind(path: string): FileKind {
    named(path);
    try {
      return Deno.lstatSync(path).isFile ? "regular" : "other";
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return "missing";
      return "other";
    }
  },
  openWrite(path: string): number {
    const file = FileError.wrap(() =>
      Deno.openSync(named(path), { write: true, create: true, truncate: true })
    );
    open.set(next, { file, path });
    return next++;
  },
  openUnnamed: () => undefined,
  linkUnnamed(): void {
    throw new FileError("EOPNOTSUPP", "no unnamed files here");
  },
  write(handle: number, bytes: Uint8Array): number {
    return FileError.wrap(() => open.get(handle)!.file.writeSync(bytes));
  },
  close(handle: number): void {
    const file = open.get(handle)?.file as Deno.FsFile | undefined;
    open.delete(handle);
    file?.close();
  },
  rename: (from: string, to: string) =>
    FileError.wrap(() => Deno.renameSync(named(from), named(to))),
  unlink: (path: string) => FileError.wrap(() => Deno.removeSync(named(path))),
  pid: () => Deno.pid,
  identity(path: string): FileIdentity | undefined {
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(named(path));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      return FileError.wrap(() => {
        throw err;
      });
    }
    return {
      id: `${st.dev}:${st.ino}`,
      size: st.size,
      mtime: String(st.mtime?.getTime()),
      ctime: String(st.ctime?.getTime()),
      mode: (st.mode ?? 0o644) & 0o7777,
      uid: st.uid ?? 0,
      gid: st.gid ?? 0,
    };
  },
  copyAttributes(handle: number, like: FileIdentity): void {
    const path = open.get(handle)?.path;
    if (path === undefined) return;
    try {
      Deno.chownSync(path, like.uid, like.gid);
    } catch { /* not ours to give away */ }
    FileError.wrap(() => Deno.chmodSync(path, like.mode));
  },
};

/** Deno's implementation of `Input`. */
export const input: Input = {
  stdin: () => Deno.stdin.readable,
  async open(path: string): Promise<ReadableStream<Uint8Array>> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(named(path), { read: true });
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
