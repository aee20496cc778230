/**
 * What a manifest needs from the file system: a file's type, size and
 * modification time (following symlinks), and its content's SHA-256, read
 * in chunks so that a file of any size takes constant memory. The
 * implementation comes from outside (`ffi/runtime/content.ts`); lib/ makes
 * no runtime call.
 *
 * @module
 */

/** What a path names, following symlinks. */
export interface ContentStat {
  /** A regular file, a directory, or anything else (a device, FIFO, socket). */
  readonly type: "file" | "directory" | "other";
  /** Size in bytes. */
  readonly size: number;
  /** Modification time in nanoseconds since the epoch (as precise as the runtime gives it). */
  readonly mtimeNs: bigint;
}

/** An incremental SHA-256. */
export interface Sha256 {
  /** Adds bytes. */
  update(bytes: Uint8Array): void;
  /** The digest of everything added, as 64 lowercase hex digits. */
  digest(): string;
}

/** File system access for manifests. Methods throw an `Error` with `code` (errno name) when a path cannot be read. */
export interface ContentFiles {
  /** The path's type, size and mtime, following symlinks; undefined when it does not exist. */
  stat(path: string): ContentStat | undefined;
  /**
   * The SHA-256 of a regular file's content, read in chunks, and the number
   * of bytes read.
   */
  hashFile(path: string): { size: number; sha256: string };
  /** A new incremental SHA-256. */
  sha256(): Sha256;
}
