/**
 * `Files` in memory, for command tests that run in-process: standard output
 * and error are captured, files live in a map.
 *
 * @module
 */

import { FileError, type FileKind, type Files } from "../lib/cli/output.ts";
import type { CommandIO } from "../lib/cli/io.ts";

/** An in-memory file system with captured standard streams. */
export class MemoryFiles implements Files {
  /** Complete files by path. */
  readonly disk = new Map<string, Uint8Array>();
  /** Directories that exist (everything under "/" by default). */
  missingDirs = new Set<string>();
  #open = new Map<number, { path: string; chunks: Uint8Array[] }>();
  #next = 3;
  #streams: Record<1 | 2, Uint8Array[]> = { 1: [], 2: [] };

  /** What was written to standard output (1) or error (2). */
  text(fd: 1 | 2): string {
    return new TextDecoder().decode(concat(this.#streams[fd]));
  }

  /** A file's contents as text. */
  file(path: string): string | undefined {
    const bytes = this.disk.get(path);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  kind(path: string): FileKind {
    return this.disk.has(path) ? "regular" : "missing";
  }
  openWrite(path: string): number {
    const dir = path.slice(0, path.lastIndexOf("/"));
    if (this.missingDirs.has(dir)) throw new FileError("ENOENT", "no dir");
    this.#open.set(this.#next, { path, chunks: [] });
    return this.#next++;
  }
  openUnnamed(): number | undefined {
    return undefined;
  }
  linkUnnamed(): void {
    throw new FileError("EOPNOTSUPP", "no unnamed files");
  }
  write(handle: number, bytes: Uint8Array): number {
    if (handle === 1 || handle === 2) {
      this.#streams[handle].push(bytes.slice());
    } else this.#open.get(handle)!.chunks.push(bytes.slice());
    return bytes.length;
  }
  close(handle: number): void {
    const f = this.#open.get(handle);
    this.#open.delete(handle);
    if (f !== undefined) this.disk.set(f.path, concat(f.chunks));
  }
  rename(from: string, to: string): void {
    const bytes = this.disk.get(from);
    if (bytes === undefined) throw new FileError("ENOENT", from);
    this.disk.delete(from);
    this.disk.set(to, bytes);
  }
  unlink(path: string): void {
    this.disk.delete(path);
  }
  pid(): number {
    return 4242;
  }

  /** A `CommandIO` over these files (no standard input). */
  io(): CommandIO {
    return {
      files: this,
      input: {
        stdin: () => new Blob([]).stream(),
        open: (path) => {
          const bytes = this.disk.get(path);
          if (bytes === undefined) {
            return Promise.reject(new FileError("ENOENT", path));
          }
          return Promise.resolve(new Blob([bytes as BlobPart]).stream());
        },
      },
    };
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
