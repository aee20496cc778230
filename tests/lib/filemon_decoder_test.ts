import { assertEquals, assertThrows } from "@std/assert";
import {
  DecodeError,
  decodeFilemon,
  encodeFilemon,
  type EventSink,
  exitCode,
  FilemonDecoder,
  type FilemonDecoderOptions,
  FilemonDecoderStream,
  resolvePath,
  type TraceEvent,
} from "../../lib/mod.ts";
import { bytes, SAMPLES } from "../_helpers.ts";

const SAMPLE_FILES = [
  "freebsd-v5-sleep.log",
  "netbsd-v4-manpage.log",
  "record-examples.log",
];

for (const name of SAMPLE_FILES) {
  Deno.test(`decodeFilemon() round-trips ${name} byte for byte`, () => {
    const original = Deno.readFileSync(SAMPLES + name);
    const events = decodeFilemon(original);
    assertEquals(encodeFilemon(events), original);
  });
}

Deno.test("decodeFilemon() reads the FreeBSD v5 sample's header, records and trailer", () => {
  const events = decodeFilemon(
    Deno.readFileSync(SAMPLES + "freebsd-v5-sleep.log"),
  );
  assertEquals(events.slice(0, 5), [
    { op: "begin", version: 5 },
    { op: "target", pid: 53942 },
    { op: "start", time: 1497269126.786684 },
    { op: "version", version: 5 },
    { op: "exec", pid: 65204, path: "/bin/sleep", abs: "/bin/sleep" },
  ]);
  assertEquals(events.slice(-3), [
    { op: "exit", pid: 65204, status: 0, signal: 0 },
    { op: "stop", time: 1497269127.857683 },
    { op: "bye" },
  ]);
});

Deno.test("decodeFilemon() reads NetBSD's two traces back to back", () => {
  const events = decodeFilemon(
    Deno.readFileSync(SAMPLES + "netbsd-v4-manpage.log"),
  );
  assertEquals(events.filter((e) => e.op === "bye").length, 2);
  assertEquals(events.filter((e) => e.op === "begin").length, 1);
  const rename = events.find((e) => e.op === "rename");
  assertEquals(rename, {
    op: "rename",
    pid: 576,
    from: "foo.h.new",
    to: "foo.h",
  });
  const cmp = events.find((e) => e.op === "exit" && e.pid === 26673);
  assertEquals(cmp, { op: "exit", pid: 26673, status: 2 });
  assertEquals(exitCode(cmp as Extract<TraceEvent, { op: "exit" }>, 4), {
    code: 2,
    signal: 0,
  });
});

Deno.test("decodeFilemon() decodes each record type", () => {
  const events = decodeFilemon(
    Deno.readFileSync(SAMPLES + "record-examples.log"),
    { cwd: "/home/u" },
  );
  assertEquals(events, [
    { op: "version", version: 5 },
    { op: "openat", pid: 57489, path: "moo" },
    { op: "chdir", pid: 46839, path: "/etc", abs: "/etc" },
    { op: "unlink", pid: 54423, path: "abc", abs: "/home/u/abc" },
    { op: "exec", pid: 42567, path: "/bin/mv", abs: "/bin/mv" },
    { op: "fork", pid: 46839, child: 47343 },
    {
      op: "link",
      pid: 21745,
      from: "a",
      to: "b",
      to_abs: "/home/u/b",
    },
    {
      op: "rename",
      pid: 42567,
      from: "a",
      to: "b",
      from_abs: "/home/u/a",
      to_abs: "/home/u/b",
    },
    {
      op: "open",
      pid: 42567,
      path: "/etc/libmap.conf",
      abs: "/etc/libmap.conf",
      mode: "r",
    },
    { op: "open", pid: 46839, path: "abc", abs: "/etc/abc", mode: "w" },
    { op: "exit", pid: 42567, status: 0, signal: 0 },
  ]);
});

Deno.test("FilemonDecoder tracks the cwd through fork, chdir and exit", () => {
  const events = decodeFilemon(
    [
      "C 1 /src",
      "F 1 2",
      "C 2 sub/../lib",
      "R 2 x.h",
      "R 1 y.h",
      "X 2 0 0",
      "R 2 z.h",
      "",
    ].join("\n"),
  );
  const abs = events.map((e) => "abs" in e ? e.abs : undefined);
  assertEquals(abs, [
    "/src",
    undefined,
    "/src/lib",
    "/src/lib/x.h",
    "/src/y.h",
    undefined,
    undefined,
  ]);
});

Deno.test("FilemonDecoder reads version 4 S records and two-field X", () => {
  const events = decodeFilemon("V 4\nS 5 /etc/passwd\nX 5 256\n");
  assertEquals(events[1], {
    op: "stat",
    pid: 5,
    path: "/etc/passwd",
    abs: "/etc/passwd",
  });
  const exit = events[2] as Extract<TraceEvent, { op: "exit" }>;
  assertEquals(exit, { op: "exit", pid: 5, status: 256 });
  assertEquals(exitCode(exit, 5), { code: 1, signal: 0 });
});

Deno.test("FilemonDecoder accepts CRLF line ends", () => {
  const events = decodeFilemon("V 5\r\nW 3 /tmp/o\r\n# Bye bye\r\n");
  assertEquals(events, [
    { op: "version", version: 5 },
    { op: "open", pid: 3, path: "/tmp/o", abs: "/tmp/o", mode: "w" },
    { op: "bye" },
  ]);
});

Deno.test("FilemonDecoder reports a last line without newline as truncated", () => {
  const err = assertThrows(
    () => decodeFilemon("V 5\nR 3 /etc/pa"),
    DecodeError,
    "Cannot decode line 2: truncated",
  );
  assertEquals(err.line, 2);
});

Deno.test("FilemonDecoder names the line and the unknown record", () => {
  assertThrows(
    () => decodeFilemon("V 5\nR 1 /a\nQ 1 /b\n"),
    DecodeError,
    "Cannot decode line 3: unknown record 'Q'",
  );
  assertThrows(
    () => decodeFilemon("R x /a\n"),
    DecodeError,
    "Cannot decode line 1: pid 'x' is not a number",
  );
  assertThrows(
    () => decodeFilemon("R 1\n"),
    DecodeError,
    "Cannot decode line 1: missing path",
  );
  assertThrows(
    () => decodeFilemon("M 1 a b\n"),
    DecodeError,
    "Cannot decode line 1: expected two quoted paths",
  );
  assertThrows(
    () => decodeFilemon("V 5\n\n"),
    DecodeError,
    "Cannot decode line 2: empty line",
  );
  assertThrows(
    () => decodeFilemon("X 1 zero 0\n"),
    DecodeError,
    "exit status 'zero' is not a number",
  );
  assertThrows(
    () => decodeFilemon("Rx 1 /a\n"),
    DecodeError,
    "unknown record 'Rx 1 /a'",
  );
});

// --- What a bad input looks like in a message ---------------------------------

/** The message `decodeFilemon` throws for `log`, pushed whole and a byte at a time. */
function refusal(log: Uint8Array, lenient = false): string {
  const whole = assertThrows(
    () => decodeFilemon(log, { lenient }),
    DecodeError,
  ).message;
  const piecewise = assertThrows(() => {
    const d = new FilemonDecoder({ lenient });
    for (let i = 0; i < log.length; i++) d.push(log.subarray(i, i + 1));
    d.finish();
  }, DecodeError).message;
  assertEquals(piecewise, whole);
  return whole;
}

Deno.test("FilemonDecoder escapes what a bad line holds in its message", () => {
  // An escape sequence that retitles a terminal, one that clears it, a
  // carriage return, a C1 control, a bidi override, and bytes not UTF-8.
  assertEquals(
    refusal(bytes("V 5\n\x1b]0;owned\x07\n")),
    "Cannot decode line 2: unknown record '\\x1b]0;owned\\x07'",
  );
  assertEquals(
    refusal(bytes("Q\x1b[2J\x1b[H 1 /a\n")),
    "Cannot decode line 1: unknown record 'Q\\x1b[2J\\x1b[H 1 /a'",
  );
  assertEquals(
    refusal(bytes("R 1\r2 /a\n")),
    "Cannot decode line 1: pid '1\\r2' is not a number",
  );
  assertEquals(
    refusal(bytes("X 1 \u009b31m 0\n")),
    "Cannot decode line 1: exit status '\\u009b31m' is not a number",
  );
  assertEquals(
    refusal(bytes("\u202eR 1 /a\n")),
    "Cannot decode line 1: unknown record '\\u202eR 1 /a'",
  );
  assertEquals(
    refusal(Uint8Array.from([...bytes("V 5\n"), 0xff, 0x1b, 0x9b, 0x0a])),
    "Cannot decode line 2: unknown record '\\xff\\x1b\\x9b'",
  );
  // A backslash is written twice, so that an escape cannot be faked.
  assertEquals(
    refusal(bytes("\\x1b 1 /a\n")),
    "Cannot decode line 1: unknown record '\\\\x1b 1 /a'",
  );
  // Printable text that is not ASCII stays as it is.
  assertEquals(
    refusal(bytes("\u00e9t\u00e9 1 /a\n")),
    "Cannot decode line 1: unknown record '\u00e9t\u00e9 1 /a'",
  );
  // The warnings of lenient mode are the same errors.
  const warnings: string[] = [];
  decodeFilemon("V 5\nQ\x1b[2J\nR 1 /a\n", {
    lenient: true,
    onWarning: (e) => warnings.push(e.message),
  });
  assertEquals(warnings, ["Cannot decode line 2: unknown record 'Q\\x1b[2J'"]);
});

/** `text` in UTF-16, little- or big-endian, with or without a byte order mark. */
function utf16(text: string, littleEndian: boolean, bom: boolean): Uint8Array {
  const units = (bom ? "\ufeff" : "") + text;
  const out = new Uint8Array(units.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < units.length; i++) {
    view.setUint16(i * 2, units.charCodeAt(i), littleEndian);
  }
  return out;
}

Deno.test("FilemonDecoder says when a log is UTF-16 or UTF-32", () => {
  const log = "# filemon version 5\nV 5\nR 1 /a\n";
  const tail = "; filemon logs are bytes, UTF-8 for text " +
    "(convert it first, e.g. with iconv -t UTF-8)";
  const cases: [Uint8Array, string][] = [
    [utf16(log, true, true), "UTF-16 (little-endian, byte order mark FF FE)"],
    [utf16(log, false, true), "UTF-16 (big-endian, byte order mark FE FF)"],
    [
      utf16(log, true, false),
      "UTF-16 (little-endian, without a byte order mark: NUL bytes between the characters)",
    ],
    [
      utf16(log, false, false),
      "UTF-16 (big-endian, without a byte order mark: NUL bytes between the characters)",
    ],
    [
      Uint8Array.from([0xff, 0xfe, 0, 0, 0x56, 0, 0, 0, 0x0a, 0, 0, 0]),
      "UTF-32 (little-endian, byte order mark FF FE 00 00)",
    ],
  ];
  for (const [input, what] of cases) {
    const want = `Cannot decode line 1: the input is ${what}${tail}`;
    assertEquals(refusal(input), want);
    // Not a malformed line to skip: the whole input is not a log.
    assertEquals(refusal(input, true), want);
    // Nor a .meta file.
    assertThrows(
      () => decodeFilemon(input, { input: "meta" }),
      DecodeError,
      want,
    );
  }
  // Without a newline at all: the last line is the first.
  assertEquals(
    refusal(utf16("V 5", true, true)),
    `Cannot decode line 1: the input is UTF-16 (little-endian, byte order mark FF FE)${tail}`,
  );
});

Deno.test("FilemonDecoder skips a UTF-8 byte order mark on the first line only", () => {
  const BOM = [0xef, 0xbb, 0xbf];
  const log = "# filemon version 5\nV 5\nR 1 /a\nW 1 /a\n";
  const plain = decodeFilemon(log);
  const withBom = Uint8Array.from([...BOM, ...bytes(log)]);
  assertEquals(decodeFilemon(withBom), plain);
  for (let size = 1; size <= 4; size++) {
    assertEquals(decodeInChunks(withBom, size), plain, `chunks of ${size}`);
  }
  // A .meta file is still told by its first line.
  const meta = Uint8Array.from([
    ...BOM,
    ...bytes(
      "# Meta data file x.o.meta\nCWD /obj\n" +
        "-- filemon acquired metadata --\nR 2 x.c\n",
    ),
  ]);
  assertEquals(decodeFilemon(meta), [
    { op: "open", pid: 2, path: "x.c", abs: "/obj/x.c", mode: "r" },
  ]);
  // Elsewhere it is no byte order mark but a character a record cannot start with.
  assertEquals(
    refusal(Uint8Array.from([...bytes("V 5\n"), ...BOM, ...bytes("R 1 /a\n")])),
    "Cannot decode line 2: unknown record '\\ufeffR 1 /a'",
  );
});

Deno.test("FilemonDecoder refuses a version it does not know, a negative pid, a NUL in a path", () => {
  const cases: [string, string][] = [
    [
      "# filemon version 99\nV 99\n",
      "Cannot decode line 1: filemon version 99 is not one this decoder reads (it reads 4 and 5)",
    ],
    [
      "# filemon version 5\nV 99\n",
      "Cannot decode line 2: filemon version 99 is not one this decoder reads (it reads 4 and 5)",
    ],
    [
      "V 5\nV -1\n",
      "Cannot decode line 2: filemon version -1 is not one this decoder reads (it reads 4 and 5)",
    ],
    ["V 5\nR -3 /a\n", "Cannot decode line 2: pid -3 is negative"],
    ["V 5\nF 1 -2\n", "Cannot decode line 2: child pid -2 is negative"],
    ["V 5\nX -3 0 0\n", "Cannot decode line 2: pid -3 is negative"],
    [
      "V 5\nR 1 /a\nR 1 /etc/pass\0wd\n",
      "Cannot decode line 3: path has a NUL byte, which no path can have",
    ],
    [
      "V 5\nW 1 \0\n",
      "Cannot decode line 2: path has a NUL byte, which no path can have",
    ],
    [
      "V 5\nM 1 'a' 'b\0'\n",
      "Cannot decode line 2: path has a NUL byte, which no path can have",
    ],
    [
      "V 5\nE 1 /bin/\0sh\r\n",
      "Cannot decode line 2: path has a NUL byte, which no path can have",
    ],
  ];
  for (const [log, want] of cases) assertEquals(refusal(bytes(log)), want, log);
  // The versions there are.
  assertEquals(
    decodeFilemon("# filemon version 4\nV 4\n# filemon version 5\nV 5\n")
      .map((e) => "version" in e ? e.version : 0),
    [4, 4, 5, 5],
  );
  // A pid of 0 is a pid; a NUL in a comment is no path.
  assertEquals(decodeFilemon("R 0 /a\n#\0\n").length, 2);
  // In lenient mode each is a warning, and the line is left out.
  const warnings: number[] = [];
  const events = decodeFilemon("V 99\nR -3 /a\nR 1 /\0\nR 1 /b\n", {
    lenient: true,
    onWarning: (e) => warnings.push(e.line),
  });
  assertEquals(warnings, [1, 2, 3]);
  assertEquals(events, [{
    op: "open",
    pid: 1,
    path: "/b",
    abs: "/b",
    mode: "r",
  }]);
});

Deno.test("FilemonDecoder in lenient mode skips bad lines and counts them", () => {
  const warnings: DecodeError[] = [];
  const events = decodeFilemon("V 5\nQ 1 /b\nR 1 /a\nR 1 /trunc", {
    lenient: true,
    onWarning: (e) => warnings.push(e),
  });
  assertEquals(events.map((e) => e.op), ["version", "open"]);
  assertEquals(warnings.map((w) => w.line), [2, 4]);
});

Deno.test("FilemonDecoder flags a record the kernel cut at 1023 bytes", () => {
  const long = "R 42 /" + "a".repeat(1023 - 6);
  assertEquals(bytes(long).length, 1023);
  assertThrows(
    () => decodeFilemon(`V 5\n${long}W 42 /tmp/x\n`),
    DecodeError,
    "Cannot decode line 2: record is 1023 bytes long",
  );
  // A long path of our own (Linux allows 4096 bytes) is fine.
  const mine = "R 42 /" + "b".repeat(3000);
  assertEquals(decodeFilemon(mine + "\n").length, 1);
});

Deno.test("FilemonDecoder skips a bmake .meta file's header and uses its CWD", () => {
  const meta = [
    "# Meta data file /obj/foo.o.meta",
    "CMD cc -c foo.c",
    "CWD /usr/src/bin/foo",
    "TARGET foo.o",
    "-- command output --",
    "R 1 looks like a record but is output",
    "-- filemon acquired metadata --",
    "# filemon version 5",
    "# Target pid 100",
    "V 5",
    "E 101 /usr/bin/cc",
    "R 101 foo.c",
    "X 101 0 0",
    "# Bye bye",
    "",
  ].join("\n");
  const events = decodeFilemon(meta);
  assertEquals(events[0], { op: "begin", version: 5 });
  assertEquals(events[4], {
    op: "open",
    pid: 101,
    path: "foo.c",
    abs: "/usr/src/bin/foo/foo.c",
    mode: "r",
  });
  assertEquals(events.length, 7);
  // Errors keep the file's own line numbers.
  assertThrows(
    () => decodeFilemon(meta.replace("X 101 0 0", "Z 1")),
    DecodeError,
    "Cannot decode line 13:",
  );
});

Deno.test("FilemonDecoder keeps bytes that are not UTF-8", () => {
  const log = new Uint8Array([
    ...bytes("V 5\nR 1 /tmp/caf"),
    0xe9, // latin-1 é
    ...bytes("\nW 1 /tmp/\u00e9t\u00e9\n"),
  ]);
  const events = decodeFilemon(log);
  assertEquals(
    (events[1] as { path: string }).path,
    "/tmp/caf\udce9",
  );
  assertEquals((events[2] as { path: string }).path, "/tmp/\u00e9t\u00e9");
  assertEquals(encodeFilemon(events), log);
});

Deno.test("FilemonDecoder gives the same events however the input is split", () => {
  const log = Deno.readFileSync(SAMPLES + "netbsd-v4-manpage.log");
  const whole = decodeFilemon(log);
  for (const size of [1, 2, 7, 64]) {
    const d = new FilemonDecoder();
    const events: TraceEvent[] = [];
    for (let i = 0; i < log.length; i += size) {
      events.push(...d.push(log.subarray(i, i + size)));
    }
    events.push(...d.finish());
    assertEquals(events, whole, `chunks of ${size}`);
  }
});

Deno.test("FilemonDecoderStream decodes 1,000,000 records in bounded memory", async () => {
  const RECORDS = 1_000_000;
  const PER_CHUNK = 5000;
  let made = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (made >= RECORDS) {
        controller.close();
        return;
      }
      let s = "";
      for (let i = 0; i < PER_CHUNK; i++, made++) {
        const pid = 1000 + (made >> 6);
        s += made % 64 === 0
          ? `F 999 ${pid}\n`
          : made % 64 === 63
          ? `X ${pid} 0 0\n`
          : `R ${pid} /usr/include/dir${made % 97}/header${made}.h\n`;
      }
      controller.enqueue(bytes(s));
    },
  });
  const before = Deno.memoryUsage().rss;
  let count = 0;
  let peak = 0;
  for await (
    const _ of source.pipeThrough(new FilemonDecoderStream({ cwd: "/" }))
  ) {
    if (++count % 100_000 === 0) {
      peak = Math.max(peak, Deno.memoryUsage().rss - before);
    }
  }
  assertEquals(count, RECORDS);
  // Holding a million events would take several hundred MiB.
  if (peak > 120 * 1024 * 1024) {
    throw new Error(`memory grew by ${peak >> 20} MiB while decoding`);
  }
});

// --- Long lines, chunk boundaries -------------------------------------------

const KIB64 = 64 * 1024;

/** Decodes `input` pushed in chunks of `size` bytes. */
function decodeInChunks(
  input: Uint8Array,
  size: number,
  options?: ConstructorParameters<typeof FilemonDecoder>[0],
): TraceEvent[] {
  const d = new FilemonDecoder(options);
  const events: TraceEvent[] = [];
  for (let i = 0; i < input.length; i += size) {
    events.push(...d.push(input.subarray(i, i + size)));
  }
  events.push(...d.finish());
  return events;
}

/** A record line of exactly `length` bytes (newline not counted). */
function recordOfLength(length: number): string {
  return "R 7 /" + "p".repeat(length - 5);
}

Deno.test("FilemonDecoder rejects a line longer than 64 KiB", () => {
  const log = bytes(`V 5\nR 7 /a\n${recordOfLength(KIB64 + 1)}\nR 7 /b\n`);
  for (const size of [log.length, 1000, 4096, KIB64, KIB64 + 3]) {
    const err = assertThrows(
      () => decodeInChunks(log, size),
      DecodeError,
      "Cannot decode line 3: line is longer than 65536 bytes",
      `chunks of ${size}`,
    );
    assertEquals(err.line, 3);
  }
  // The same without a newline: too long, not merely truncated.
  assertThrows(
    () => decodeFilemon(`V 5\n${recordOfLength(KIB64 + 1)}`),
    DecodeError,
    "Cannot decode line 2: line is longer than 65536 bytes",
  );
});

Deno.test("FilemonDecoder accepts a line of exactly 64 KiB", () => {
  // The newline is not counted; a CR before it is.
  const line = recordOfLength(KIB64);
  const crlf = recordOfLength(KIB64 - 1);
  const log = bytes(`${line}\n${crlf}\r\n`);
  for (const size of [log.length, 1000, KIB64, KIB64 + 1]) {
    const events = decodeInChunks(log, size);
    assertEquals(events.length, 2, `chunks of ${size}`);
    assertEquals((events[0] as { path: string }).path, line.slice(4));
  }
});

Deno.test("FilemonDecoder in lenient mode skips a line longer than 64 KiB and goes on", () => {
  const long = recordOfLength(3 * KIB64);
  const log = bytes(
    `V 5\nR 7 /a\n${long}\nR 7 /b\n${long}\r\n${long}\nW 7 /c\n${long}`,
  );
  const expected = [
    { op: "version", version: 5 },
    { op: "open", pid: 7, path: "/a", abs: "/a", mode: "r" },
    { op: "open", pid: 7, path: "/b", abs: "/b", mode: "r" },
    { op: "open", pid: 7, path: "/c", abs: "/c", mode: "w" },
  ];
  for (const size of [log.length, 1, 977, 4096, KIB64, 2 * KIB64 + 5]) {
    if (size === 1 && log.length > 1 << 20) continue;
    const warnings: DecodeError[] = [];
    const events = decodeInChunks(log, size, {
      lenient: true,
      onWarning: (w) => warnings.push(w),
    });
    assertEquals(events, expected, `chunks of ${size}`);
    assertEquals(warnings.map((w) => w.line), [3, 5, 6, 8]);
    assertEquals(
      warnings[0].message,
      "Cannot decode line 3: line is longer than 65536 bytes",
    );
  }
});

Deno.test("FilemonDecoder stops early on 32 MB without a newline", () => {
  const input = new Uint8Array(32 * 1024 * 1024); // NUL bytes
  const t0 = performance.now();
  // Whole, and in 64 KiB chunks: it must throw by the second chunk, having
  // kept no more than 64 KiB.
  assertThrows(
    () => decodeFilemon(input),
    DecodeError,
    "Cannot decode line 1: line is longer than 65536 bytes",
  );
  const d = new FilemonDecoder();
  let pushed = 0;
  assertThrows(
    () => {
      for (let i = 0; i < input.length; i += KIB64) {
        pushed++;
        d.push(input.subarray(i, i + KIB64));
      }
    },
    DecodeError,
    "line is longer than 65536 bytes",
  );
  assertEquals(pushed, 2);
  // Lenient: one warning, then the next line decodes.
  const warnings: DecodeError[] = [];
  const lenient = new FilemonDecoder({
    lenient: true,
    onWarning: (w) => warnings.push(w),
  });
  const events: TraceEvent[] = [];
  for (let i = 0; i < input.length; i += KIB64) {
    events.push(...lenient.push(input.subarray(i, i + KIB64)));
  }
  events.push(...lenient.push(bytes("\nX 7 0 0\n")));
  events.push(...lenient.finish());
  assertEquals(events, [{ op: "exit", pid: 7, status: 0, signal: 0 }]);
  assertEquals(warnings.map((w) => w.line), [1]);
  const seconds = (performance.now() - t0) / 1000;
  if (seconds > 10) throw new Error(`took ${seconds.toFixed(1)} s`);
});

Deno.test("FilemonDecoder lets a .meta file's command output have long lines", () => {
  const meta = [
    "# Meta data file /obj/prog.meta",
    "CMD cc -o prog " + "x.o ".repeat(50_000),
    "CWD /obj",
    "-- command output --",
    "warning: " + "w".repeat(KIB64 * 2),
    "-- filemon acquired metadata --",
    "# filemon version 5",
    "V 5",
    "R 9 prog.c",
    "",
  ].join("\n");
  const events = decodeInChunks(bytes(meta), 4096);
  assertEquals(events.at(-1), {
    op: "open",
    pid: 9,
    path: "prog.c",
    abs: "/obj/prog.c",
    mode: "r",
  });
  // After the marker the limit holds again, with the file's line numbers.
  assertThrows(
    () => decodeFilemon(meta + recordOfLength(KIB64 + 1) + "\n"),
    DecodeError,
    "Cannot decode line 10: line is longer than 65536 bytes",
  );
});

Deno.test("FilemonDecoder gives the same events wherever a chunk boundary falls", () => {
  // Multi-byte characters (2, 3 and 4 bytes), invalid bytes (a lone
  // continuation byte, a cut 3-byte sequence, latin-1), CRLF, an R+W pair.
  const log = new Uint8Array([
    ...bytes(
      "# filemon version 5\r\nV 5\r\nR 1 /tmp/caf\u00e9\u20ac\u{1f600}\n",
    ),
    ...bytes("R 1 /tmp/x"),
    0x80,
    ...bytes("y\nW 1 /tmp/"),
    0xe2,
    0x82,
    ...bytes("\nR 2 /tmp/caf"),
    0xe9,
    ...bytes("\r\nR 3 /o\nW 3 /o\nM 3 '/a\u00e9' '/b"),
    0xff,
    ...bytes("'\n# Bye bye\n"),
  ]);
  const whole = decodeFilemon(log);
  assertEquals(whole.map((e) => "path" in e ? e.path : e.op), [
    "begin",
    "version",
    "/tmp/caf\u00e9\u20ac\u{1f600}",
    "/tmp/x\udc80y",
    "/tmp/\udce2\udc82",
    "/tmp/caf\udce9",
    "/o",
    "rename",
    "bye",
  ]);
  assertEquals((whole[6] as { mode: string }).mode, "rw");
  // Byte for byte, but for the CRs.
  assertEquals(encodeFilemon(whole), log.filter((b) => b !== 0x0d));
  for (let i = 0; i <= log.length; i++) {
    for (const j of [i, i + 1, i + 3]) {
      const d = new FilemonDecoder();
      const events = [
        ...d.push(log.subarray(0, i)),
        ...d.push(log.subarray(i, Math.max(i, j))),
        ...d.push(log.subarray(Math.max(i, j))),
        ...d.finish(),
      ];
      assertEquals(events, whole, `split at ${i} and ${j}`);
    }
  }
});

Deno.test("FilemonDecoder still reports a truncated last line after a split", () => {
  const d = new FilemonDecoder();
  d.push(bytes("V 5\nR 3 /etc/"));
  d.push(bytes("pa"));
  d.push(new Uint8Array(0));
  assertThrows(
    () => d.finish(),
    DecodeError,
    "Cannot decode line 2: truncated",
  );
});

// --- Sinks --------------------------------------------------------------------

/** What `pushTo`/`finishTo` send, an open as `[pid, path, abs, mode, plain]`. */
function sent(
  input: Uint8Array,
  options?: FilemonDecoderOptions,
  piece = input.length,
): unknown[] {
  const calls: unknown[] = [];
  const sink: EventSink = {
    open: (pid, path, abs, mode, plain) =>
      calls.push([pid, path, abs, mode, plain]),
    event: (event) => calls.push(event),
  };
  const d = new FilemonDecoder(options);
  for (let i = 0; i < input.length; i += piece) {
    d.pushTo(input.subarray(i, i + piece), sink);
  }
  d.finishTo(sink);
  return calls;
}

Deno.test("FilemonDecoder.pushTo sends the events of push, an open as its fields", () => {
  for (const name of SAMPLE_FILES) {
    const log = Deno.readFileSync(SAMPLES + name);
    for (const piece of [log.length, 100, 7]) {
      const events = sent(log, { cwd: "/w" }, piece).map((e) => {
        if (!Array.isArray(e)) return e;
        const [pid, path, abs, mode] = e;
        return abs === undefined
          ? { op: "open", pid, path, mode }
          : { op: "open", pid, path, abs, mode };
      });
      assertEquals(
        events,
        decodeFilemon(log, { cwd: "/w" }),
        `${name} in ${piece}s`,
      );
    }
  }
});

Deno.test("FilemonDecoder tells a sink the opens whose strings are plain", () => {
  assertEquals(sent(bytes("R 1 /a\nW 1 /a\nR 1 /b\nW 1 /c\n")), [
    [1, "/a", "/a", "rw", true],
    [1, "/b", "/b", "r", true],
    [1, "/c", "/c", "w", true],
  ]);
  // A quote, backslash or control character anywhere in what is decoded.
  for (const odd of ['"', "\\", "\t", "\u0001"]) {
    assertEquals(sent(bytes(`W 1 /a\nW 1 /b${odd}\n`)), [
      [1, "/a", "/a", "w", false],
      [1, `/b${odd}`, `/b${odd}`, "w", false],
    ]);
  }
  // CRLF line ends (a CR is a control character).
  assertEquals(sent(bytes("W 1 /a\r\n")), [[1, "/a", "/a", "w", false]]);
  // Plain again in the next chunk; an R held over keeps its own.
  assertEquals(sent(bytes("R 1 /a\t\nR 1 /b\nW 1 /c\n"), undefined, 8), [
    [1, "/a\t", "/a\t", "r", false],
    [1, "/b", "/b", "r", true],
    [1, "/c", "/c", "w", true],
  ]);
  // An abs made from a working directory, or folded, is not vouched for.
  assertEquals(sent(bytes("W 1 a\nW 1 /d/./e\n"), { cwd: "/w" }), [
    [1, "a", "/w/a", "w", false],
    [1, "/d/./e", "/d/e", "w", false],
  ]);
  assertEquals(sent(bytes("W 1 a\n")), [[1, "a", undefined, "w", true]]);
  // Not UTF-8.
  const raw = Uint8Array.from([...bytes("W 1 /a\nW 1 /"), 0xff, 0x0a]);
  assertEquals(sent(raw), [
    [1, "/a", "/a", "w", false],
    [1, "/\udcff", "/\udcff", "w", false],
  ]);
});

Deno.test("FilemonDecoder folds each absolute path wherever it is in a chunk", () => {
  const paths = [
    "/a//b",
    "/c",
    "/d/./e",
    "/f/",
    "/g.h",
    "/",
    "/i/..",
    "/j/.k",
    "/l",
    "//",
  ];
  const log = paths.map((p) => `R 1 ${p}\n`).join("");
  for (const piece of [log.length, 5, 1]) {
    assertEquals(
      sent(bytes(log), undefined, piece).map((e) => (e as unknown[])[2]),
      paths.map((p) => resolvePath("/", p)),
      `in ${piece}s`,
    );
  }
});
