/**
 * Records read in place (`RawRecord`): `filemon decode` hands the common
 * records from the decoder to the encoder as offsets into the log's bytes.
 * Whatever the line, the bytes written must be those of the event the text
 * path decodes, in JSON Lines and in filemon text, wherever the chunks
 * split the input.
 */

import { assert, assertEquals, assertThrows } from "@std/assert";
import { DecodeError } from "../../lib/decode_error.ts";
import { BatchEncoder } from "../../lib/batch_encoder.ts";
import {
  decodeFilemon,
  FilemonDecoder,
  type FilemonDecoderOptions,
} from "../../lib/filemon_decoder.ts";
import {
  encodeFilemon,
  formatFilemon,
  writeFilemonRecord,
} from "../../lib/filemon_encoder.ts";
import {
  encodeJsonLines,
  formatJsonLineNewline,
  formatJsonOpenLine,
  writeJsonRecord,
} from "../../lib/jsonl.ts";
import type { RawRecord } from "../../lib/_raw_record.ts";
import { bytes } from "../_helpers.ts";

/** What `filemon decode` writes for `log`, read in chunks of `size` bytes. */
function decodeLikeTheCli(
  log: Uint8Array,
  format: "jsonl" | "filemon",
  size: number,
  options?: FilemonDecoderOptions,
): { out: Uint8Array; inPlace: number } {
  const encoder = format === "jsonl"
    ? new BatchEncoder(
      formatJsonLineNewline,
      formatJsonOpenLine,
      writeJsonRecord,
    )
    : new BatchEncoder(formatFilemon, undefined, writeFilemonRecord);
  let inPlace = 0;
  const record = encoder.record.bind(encoder);
  encoder.record = (r: RawRecord) => {
    inPlace++;
    record(r);
  };
  const decoder = new FilemonDecoder(options);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < log.length; at += size) {
    decoder.pushTo(log.subarray(at, at + size), encoder);
    parts.push(encoder.take().slice());
  }
  decoder.finishTo(encoder);
  parts.push(encoder.take().slice());
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { out, inPlace };
}

/** Lines of every kind the in-place reader takes, and lines next to them it must leave. */
const LINES = [
  "# filemon version 5",
  "V 5",
  // One path, absolute: normal, or to fold.
  "R 1 /usr/include/stdio.h",
  "W 1 /tmp/out.o",
  "E 1 /bin/cc",
  "D 1 /tmp/x",
  "S 1 /etc/passwd",
  "R 1 /",
  "R 1 /a",
  "R 1 /ab",
  "R 1 /abcdefg",
  "R 1 /abcdefgh",
  "R 1 /a//b",
  "R 1 /a/./b",
  "R 1 /a/../b",
  "R 1 /a/.hidden",
  "R 1 /a/b/",
  "R 1 //",
  "R 1 /a b c",
  "R 1 /del\x7f",
  "R 1 /a'b",
  // Relative: no working directory, or one from C or --cwd.
  "W 2 obj/a.o",
  "W 2 ./a.o",
  "W 2 a/",
  "W 2 ..",
  "W 2 a..b",
  "C 3 /src/dir",
  "R 3 main.c",
  "R 3 ./main.c",
  "R 3 sub/../x.c",
  "C 3 /src//odd/",
  "R 3 y.c",
  "C 3 /caf\u00e9",
  "R 3 z.c",
  "C 3 /",
  "R 3 top.c",
  "F 3 4",
  "R 4 inherited.c",
  "X 4 0 0",
  "R 4 gone.c",
  // R then W: one open when the same pid and path.
  "R 5 /both",
  "W 5 /both",
  "R 5 /r",
  "W 5 /w",
  "R 5 /p",
  "W 6 /p",
  "R 5 /q",
  "W 05 /q",
  "R 5 /crlf",
  "W 5 /crlf\r",
  "R 5 /short",
  "W 5 /shorter",
  "R 5 /s",
  "W 5 /s/",
  "R 5 /t",
  "W 5 /t",
  "W 5 /t",
  // Numbers: plain, leading zeros, the largest, too large, signs.
  "R 0 /zero",
  "R 007 /lead",
  "R 2147483647 /max",
  "F 1 02",
  "F 1 2147483647",
  "X 9 0",
  "X 9 256",
  "X 9 1 15",
  "X 9 01 0",
  "X 9 1 007",
  // Two paths.
  "M 1 'a.tmp' 'a'",
  "M 1 '/x/a.tmp' '/x/a'",
  "M 1 '/x//a' '/y/./b'",
  "L 1 '../lib/x' '/usr/lib/x'",
  "M 1 'a' 'b' 'c'",
  "M 1 ''' 'b'",
  "M 1 '' 'b'",
  "M 1 'a' ''",
  "M 1 'a' ' '",
  "M 1 'a' '",
  "M 1 'abc' '",
  "M 1 '' 'bcdef'",
  "M 1 'abcdef' ''",
  "M 1 ' 'b' 'c'",
  "M 3 'rel' '/abs'",
  // Left to the text path: JSON escapes, not UTF-8, CRLF, other records.
  'R 1 /quote"d',
  "R 1 /back\\slash",
  "R 1 /tab\there",
  "R 1 /caf\u00e9",
  "R 1 /crlf\r",
  "A 1 rel",
  "# a comment",
  "R 1 /" + "p".repeat(1016),
  "R 1 /" + "p".repeat(1017),
  "R 1 /" + "p".repeat(1018),
  "# Bye bye",
];

Deno.test("decode writes the records it reads in place as their events", () => {
  const raw = Uint8Array.from([...bytes("W 1 /raw"), 0xff, 0x0a]);
  const text = bytes(LINES.join("\n") + "\n");
  const log = new Uint8Array([...text, ...raw, ...text]);
  for (const cwd of [undefined, "/w", "/w/", "/w/./x", "/caf\u00e9"]) {
    const events = decodeFilemon(log, { cwd });
    for (const format of ["jsonl", "filemon"] as const) {
      const want = format === "jsonl"
        ? encodeJsonLines(events)
        : encodeFilemon(events);
      for (const size of [log.length, 4096, 100, 7, 1]) {
        const { out, inPlace } = decodeLikeTheCli(log, format, size, { cwd });
        const what = `${format}, --cwd ${cwd}, chunks of ${size}`;
        assertEquals(
          new TextDecoder().decode(out),
          new TextDecoder().decode(want),
          what,
        );
        assertEquals(out, want, what);
        // Most records went in place (a chunk of 1 byte holds no whole line).
        if (size >= 100) assert(inPlace > 60, `${what}: ${inPlace} in place`);
      }
    }
  }
});

Deno.test("decode reads a build's records in place, the W after an R too", () => {
  const log = bytes(
    "# filemon version 5\nV 5\nR 10 /usr/include/stdio.h\nW 10 /tmp/a.o\nR 10 /tmp/b\nW 10 /tmp/b\n" +
      "E 11 /bin/cc\nF 10 11\nX 11 0 0\nM 10 'a' 'b'\n",
  );
  const { out, inPlace } = decodeLikeTheCli(log, "jsonl", log.length);
  // All but the header (the first line is looked at as text: it may start
  // a .meta file); the last line too, as no W can follow an M.
  assertEquals(inPlace, 7);
  assertEquals(out, encodeJsonLines(decodeFilemon(log)));
});

Deno.test("decode reads in place no line the text path refuses", () => {
  const glued = "R 1 /" + "p".repeat(1018) + "R 1 /next";
  for (
    const line of [
      glued,
      "M 1 'a' 'b",
      "M 1 'abc' 'def",
      "M 1 a' 'b'",
      "R 1 ",
      "R 1",
      "X 1 0 0 0",
      "F 1 2 ",
      "F 1 x",
      "R 2147483648 /big",
      "R 12345678901 /big",
      "X 1 2147483648",
    ]
  ) {
    const log = bytes(`V 5\nR 1 /a\n${line}\nR 1 /b\n`);
    const text = assertThrows(() => decodeFilemon(log), DecodeError);
    for (const format of ["jsonl", "filemon"] as const) {
      for (const size of [log.length, 5]) {
        assertThrows(
          () => decodeLikeTheCli(log, format, size),
          DecodeError,
          text.message,
          `${line}: ${format} in chunks of ${size}`,
        );
      }
    }
  }
});
