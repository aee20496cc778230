/**
 * File content for manifests (`lib/manifest/content.ts`'s `ContentFiles`):
 * stat following symlinks, and SHA-256 read in 1 MiB chunks, through
 * `node:fs` and `node:crypto`, which Deno and Bun both provide (one
 * implementation serves both; under Deno it needs `--allow-read`). A path
 * that is not UTF-8 is passed as its bytes; Deno's `node:fs` cannot name
 * such a file, which is then reported as an error, not as missing.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import type {
  ContentFiles,
  ContentStat,
  Sha256,
} from "../../lib/manifest/content.ts";
import { encodePath } from "../../lib/path.ts";
import { proc } from "./process.ts";

export type { ContentFiles, ContentStat, Sha256 };

const CHUNK = 1 << 20;

/** The path as node:fs takes it: a string, or its bytes when not UTF-8. */
function named(path: string): string | Buffer {
  if (path.isWellFormed()) return path;
  if (proc.runtime === "deno") {
    throw Object.assign(
      new Error("the name is not UTF-8, which Deno's file API cannot name"),
      { code: "EILSEQ" },
    );
  }
  return Buffer.from(encodePath(path));
}

function sha256(): Sha256 {
  const h = createHash("sha256");
  return {
    update: (bytes: Uint8Array) => void h.update(bytes),
    digest: () => h.digest("hex"),
  };
}

/** `ContentFiles` through node:fs and node:crypto. */
export const contentFiles: ContentFiles = {
  stat(path: string): ContentStat | undefined {
    const st = fs.statSync(named(path), {
      bigint: true,
      throwIfNoEntry: false,
    });
    if (st === undefined) return undefined;
    return {
      type: st.isFile() ? "file" : st.isDirectory() ? "directory" : "other",
      size: Number(st.size),
      mtimeNs: st.mtimeNs,
    };
  },
  hashFile(path: string): { size: number; sha256: string } {
    const fd = fs.openSync(named(path), "r");
    try {
      const h = createHash("sha256");
      const buf = new Uint8Array(CHUNK);
      let size = 0;
      for (;;) {
        const n = fs.readSync(fd, buf, 0, CHUNK, null);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        size += n;
      }
      return { size, sha256: h.digest("hex") };
    } finally {
      fs.closeSync(fd);
    }
  },
  sha256,
};
