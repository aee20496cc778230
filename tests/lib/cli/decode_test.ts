/**
 * The `decode` command in-process, on a log long enough to be read in
 * several pieces and decoded in several batches: the output must be the
 * library's, whatever the input stream's chunks.
 */

import { assert, assertEquals } from "@std/assert";
import { decodeCommand } from "../../../lib/cli/decode.ts";
import type { CommandIO } from "../../../lib/cli/io.ts";
import { decodeFilemon, FilemonDecoder } from "../../../lib/filemon_decoder.ts";
import { encodeJsonLines } from "../../../lib/jsonl.ts";
import { MemoryFiles } from "../../_memory_files.ts";

/** A log of about 5 MB, every record type, some of it not plain ASCII. */
function bigLog(): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [enc.encode("# filemon version 5\nV 5\n")];
  for (let i = 0; i < 60000; i++) {
    const pid = 100 + (i >> 5);
    const lines = [
      `F ${pid - 1} ${pid}`,
      `C ${pid} /src/d${i % 7}/`,
      `R ${pid} /usr/include/h${i % 40}.h`,
      `R ${pid} rel/../x${i >> 4}.c`,
      `W ${pid} rel/../x${i >> 4}.c`,
      `E ${pid} /bin//cc`,
      `M ${pid} 'a${i}' '/abs/b${i}'`,
      `W ${pid} /o/"q"\\${i}\t.o`,
      `D ${pid} caf\u00e9\u{1f600}${i}`,
      `X ${pid} 0 0`,
    ];
    parts.push(enc.encode(lines[i % lines.length] + "\n"));
    // Now and then a path that is not UTF-8.
    if (i % 997 === 0) {
      parts.push(Uint8Array.from([0x41, 0x20, 0x31, 0x20, 0xff, 0x0a]));
    }
  }
  parts.push(enc.encode("# Bye bye\n"));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const LOG = bigLog();

/** `files`' I/O, with the input given as a plain stream of `size`-byte chunks. */
function chunked(files: MemoryFiles, size: number): CommandIO {
  const io = files.io();
  return {
    files: io.files,
    input: {
      stdin: io.input.stdin,
      open: (path) => {
        const bytes = files.disk.get(path)!;
        let at = 0;
        return Promise.resolve(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (at >= bytes.length) return controller.close();
              controller.enqueue(bytes.slice(at, at + size));
              at += size;
            },
          }),
        );
      },
    },
  };
}

for (const size of [0, 1000, 70000, 3 << 20]) {
  const how = size === 0 ? "a byte stream" : `chunks of ${size} bytes`;
  Deno.test(`decode from ${how} writes what the library does`, async () => {
    const expected = encodeJsonLines(decodeFilemon(LOG, { cwd: "/w" }));
    for (const format of ["jsonl", "filemon"]) {
      const files = new MemoryFiles();
      files.disk.set("/in.log", LOG);
      const io = size === 0 ? files.io() : chunked(files, size);
      const code = await decodeCommand(
        ["/in.log", "--cwd", "/w", "-f", format, "-o", "/out"],
        io,
      );
      assertEquals(code, 0, files.text(2));
      const out = files.disk.get("/out")!;
      // Not assertEquals: its diff of megabytes would not end.
      const want = format === "jsonl" ? expected : LOG;
      assertEquals(out.length, want.length, format);
      assertEquals(out.findIndex((b, i) => b !== want[i]), -1, format);
    }
  });
}

Deno.test("decode stopped by a bad line has written what came 64 KiB at a time before it", async () => {
  const enc = new TextEncoder();
  const log = enc.encode(
    "V 5\n" + "R 1 /usr/include/stdio.h\n".repeat(6000) + "R 2 " +
      "x".repeat(70000) + "\nR 3 /b\n",
  );
  // What the library gives for each 64 KiB until the error.
  const d = new FilemonDecoder();
  let expected = "";
  try {
    for (let i = 0; i < log.length; i += 1 << 16) {
      const events = d.push(log.subarray(i, i + (1 << 16)));
      expected += new TextDecoder().decode(encodeJsonLines(events));
    }
  } catch { /* the long line */ }
  const files = new MemoryFiles();
  files.disk.set("/in.log", log);
  assertEquals(await decodeCommand(["/in.log"], files.io()), 1);
  assertEquals(
    files.text(2),
    "filemon: /in.log: Cannot decode line 6002: line is longer than 65536 bytes\n",
  );
  assertEquals(files.text(1), expected);
  assert(expected.length > 0);
  // To a file: none at all.
  assertEquals(await decodeCommand(["/in.log", "-o", "/out"], files.io()), 1);
  assertEquals([...files.disk.keys()], ["/in.log"]);
});
