/**
 * Byte streams in and out: standard streams and files, with writes to a
 * named file made whole or not at all.
 *
 * @module
 */

/** A byte sink the CLI writes output to. */
export interface Output {
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Completes the output (for a file: moves it into place). */
  close(): Promise<void>;
  /** Drops the output (for a file: removes the partial temporary). */
  abort(): Promise<void>;
}

/** Reads a file, or standard input for "-" / undefined. Errors name the file. */
export async function openInput(
  path: string | undefined,
): Promise<ReadableStream<Uint8Array>> {
  if (path === undefined || path === "-") return Deno.stdin.readable;
  try {
    const file = await Deno.open(path, { read: true });
    const info = await file.stat();
    if (info.isDirectory) {
      file.close();
      throw new Error(`Cannot read '${path}': it is a directory`);
    }
    return file.readable;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot read '${path}': no such file`);
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new Error(`Cannot read '${path}': permission denied`);
    }
    throw err;
  }
}

async function writeAll(
  file: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

function errorText(err: unknown): string {
  return err instanceof Deno.errors.NotFound
    ? "no such directory"
    : err instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : err instanceof Error
    ? err.message
    : String(err);
}

/**
 * Standard output; or a new or regular file, written under a temporary name
 * in the same directory and renamed over `path` on `close()` (so readers
 * never see a partial file, and a failed run leaves any old file as it was);
 * or anything else (a symlink, a device, a FIFO), written through directly.
 */
export async function openOutput(path: string | undefined): Promise<Output> {
  if (path === undefined || path === "-") {
    return {
      write: (bytes) => writeAll(Deno.stdout, bytes),
      close: () => Promise.resolve(),
      abort: () => Promise.resolve(),
    };
  }
  let existing: Deno.FileInfo | undefined;
  try {
    existing = await Deno.lstat(path);
  } catch {
    existing = undefined;
  }
  if (existing !== undefined && !existing.isFile) {
    // A symlink, a device (/dev/null), a FIFO: write through, never replace.
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { write: true, truncate: true });
    } catch (err) {
      throw new Error(`Cannot write '${path}': ${errorText(err)}`);
    }
    return {
      write: (bytes) => writeAll(file, bytes),
      close: () => Promise.resolve(file.close()),
      abort: () => Promise.resolve(file.close()),
    };
  }
  const slash = path.lastIndexOf("/");
  const tmp = `${path.slice(0, slash + 1)}.${
    path.slice(slash + 1)
  }.${Deno.pid}.tmp`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  } catch (err) {
    throw new Error(`Cannot write '${path}': ${errorText(err)}`);
  }
  return {
    write: (bytes) => writeAll(file, bytes),
    async close() {
      file.close();
      await Deno.rename(tmp, path);
    },
    async abort() {
      try {
        file.close();
      } catch { /* already closed */ }
      await Deno.remove(tmp).catch(() => {});
    },
  };
}

/** Writes a line to standard error. */
export function printError(line: string): void {
  const bytes = new TextEncoder().encode(line + "\n");
  let off = 0;
  while (off < bytes.length) off += Deno.stderr.writeSync(bytes.subarray(off));
}
