import { assertEquals, assertThrows } from "@std/assert";
import {
  BatchEncoder,
  DecodeError,
  decodeFilemon,
  encodeJsonLines,
  encodePath,
  formatJsonLine,
  formatJsonLineNewline,
  formatJsonOpenLine,
  JsonLinesDecoder,
  parseJsonLine,
  type TraceEvent,
} from "../../lib/mod.ts";
import { bytes, SAMPLES } from "../_helpers.ts";

function roundTrip(events: TraceEvent[]): TraceEvent[] {
  const d = new JsonLinesDecoder();
  const out = d.push(encodeJsonLines(events));
  out.push(...d.finish());
  return out;
}

for (
  const name of [
    "freebsd-v5-sleep.log",
    "netbsd-v4-manpage.log",
    "record-examples.log",
  ]
) {
  Deno.test(`JSON Lines round-trips every event of ${name}`, () => {
    const events = decodeFilemon(Deno.readFileSync(SAMPLES + name), {
      cwd: "/w",
    });
    assertEquals(roundTrip(events), events);
  });
}

Deno.test("formatJsonLine() writes fields in the schema's order", () => {
  assertEquals(
    formatJsonLine({
      mode: "rw",
      trunc: true,
      create: true,
      abs: "/w/o",
      path: "o",
      pid: 9,
      op: "open",
      time: 12.5,
    }),
    '{"op":"open","pid":9,"path":"o","abs":"/w/o","mode":"rw","create":true,"trunc":true,"time":12.5}',
  );
  assertEquals(
    formatJsonLine({
      op: "exec",
      pid: 3,
      path: "/bin/sh",
      argv: ["sh", "-c", 'echo "hi"\tthere'],
      error: "ENOENT",
    }),
    '{"op":"exec","pid":3,"path":"/bin/sh","argv":["sh","-c","echo \\"hi\\"\\tthere"],"error":"ENOENT"}',
  );
  assertEquals(
    formatJsonLine({ op: "link", pid: 1, from: "t", to: "/l", symbolic: true }),
    '{"op":"link","pid":1,"from":"t","to":"/l","symbolic":true}',
  );
});

Deno.test("formatJsonLine() keeps bytes that are not UTF-8 in _b64 fields", () => {
  const event: TraceEvent = {
    op: "rename",
    pid: 2,
    from: "/tmp/\udcff\udcfe",
    to: "/tmp/ok \u00e9",
    from_abs: "/tmp/\udcff\udcfe",
  };
  const line = formatJsonLine(event);
  const json = JSON.parse(line);
  assertEquals(json.from, "/tmp/\ufffd\ufffd");
  assertEquals(json.from_b64, btoa("/tmp/\xff\xfe"));
  assertEquals(json.to, "/tmp/ok \u00e9");
  assertEquals(json.to_b64, undefined);
  assertEquals(parseJsonLine(line, 1), event);
  const exec: TraceEvent = {
    op: "exec",
    pid: 2,
    path: "/bin/echo",
    argv: ["echo", "\udc80x"],
  };
  const execLine = formatJsonLine(exec);
  assertEquals(JSON.parse(execLine).argv_b64, [null, btoa("\x80x")]);
  assertEquals(parseJsonLine(execLine, 1), exec);
});

Deno.test("parseJsonLine() names the line and what is wrong", () => {
  assertThrows(
    () => parseJsonLine("{", 7),
    DecodeError,
    "Cannot decode line 7: not JSON",
  );
  assertThrows(
    () => parseJsonLine('{"op":"zap","pid":1}', 3),
    DecodeError,
    'Cannot decode line 3: unknown op "zap"',
  );
  assertThrows(
    () => parseJsonLine("[1]", 2),
    DecodeError,
    "Cannot decode line 2: expected a JSON object",
  );
});

// --- Long lines, chunk boundaries -------------------------------------------

const MIB = 1024 * 1024;

function decodeJsonLines(input: Uint8Array, size: number): TraceEvent[] {
  const d = new JsonLinesDecoder();
  const events: TraceEvent[] = [];
  for (let i = 0; i < input.length; i += size) {
    events.push(...d.push(input.subarray(i, i + size)));
  }
  events.push(...d.finish());
  return events;
}

Deno.test("JsonLinesDecoder rejects a line longer than 64 MiB", () => {
  const t0 = performance.now();
  // Pushed a MiB at a time: it throws as soon as the line passes the limit.
  const d = new JsonLinesDecoder();
  d.push(bytes('{"op":"bye"}\n'));
  const spaces = new Uint8Array(MIB).fill(0x20);
  let pushed = 0;
  assertThrows(
    () => {
      for (let i = 0; i < 100; i++) {
        pushed++;
        d.push(spaces);
      }
    },
    DecodeError,
    "Cannot decode line 2: line is longer than 67108864 bytes",
  );
  assertEquals(pushed, 65);
  // In one chunk, between two good lines.
  const big = new Uint8Array(64 * MIB + 40).fill(0x20);
  big.set(bytes('{"op":"bye"}\n'));
  big.set(bytes('\n{"op":"bye"}\n'), big.length - 14);
  assertThrows(
    () => decodeJsonLines(big, big.length),
    DecodeError,
    "Cannot decode line 2: line is longer than 67108864 bytes",
  );
  const seconds = (performance.now() - t0) / 1000;
  if (seconds > 10) throw new Error(`took ${seconds.toFixed(1)} s`);
});

Deno.test("JsonLinesDecoder reads a long argv line", () => {
  const argv = Array.from({ length: 100_000 }, (_, i) => `arg${i}`);
  const event: TraceEvent = { op: "exec", pid: 1, path: "/bin/x", argv };
  const events = decodeJsonLines(encodeJsonLines([event, event]), 4096);
  assertEquals(events, [event, event]);
});

Deno.test("JsonLinesDecoder fails quickly on 32 MB without a newline", () => {
  const t0 = performance.now();
  const input = new Uint8Array(32 * MIB); // NUL bytes
  assertThrows(
    () => decodeJsonLines(input, 64 * 1024),
    DecodeError,
    "Cannot decode line 1: not JSON",
  );
  const seconds = (performance.now() - t0) / 1000;
  if (seconds > 10) throw new Error(`took ${seconds.toFixed(1)} s`);
});

Deno.test("JsonLinesDecoder gives the same events wherever a chunk boundary falls", () => {
  const events: TraceEvent[] = [
    { op: "begin", version: 5 },
    { op: "open", pid: 1, path: "/tmp/caf\u00e9\u20ac\u{1f600}", mode: "r" },
    { op: "unlink", pid: 1, path: "/tmp/x\udc80y", abs: "/tmp/x\udc80y" },
    { op: "exec", pid: 2, path: "/bin/e", argv: ["e", "\u00e9", "\udcff"] },
    { op: "comment", text: " caf\u00e9" },
  ];
  const text = encodeJsonLines(events);
  const crlf = bytes(
    new TextDecoder().decode(text).replaceAll("\n", "\r\n").slice(0, -2),
  );
  for (const input of [text, crlf]) {
    for (let i = 0; i <= input.length; i++) {
      const d = new JsonLinesDecoder();
      const out = [
        ...d.push(input.subarray(0, i)),
        ...d.push(input.subarray(i)),
        ...d.finish(),
      ];
      assertEquals(out, events, `split at ${i}`);
    }
  }
});

// --- Validation ---------------------------------------------------------------

/** The reason `parseJsonLine` gives for `event` (as JSON) on line 3. */
function reason(event: Record<string, unknown>): string {
  const err = assertThrows(
    () => parseJsonLine(JSON.stringify(event), 3),
    DecodeError,
  );
  assertEquals(err.line, 3);
  return err.reason;
}

Deno.test("parseJsonLine() names a missing field", () => {
  assertThrows(
    () => parseJsonLine('{"op":"open","pid":1,"mode":"r"}', 3),
    DecodeError,
    `Cannot decode line 3: 'open' needs a string "path"`,
  );
  const cases: [Record<string, unknown>, string][] = [
    [
      { op: "open", pid: 1, path: "/a" },
      `'open' needs a "mode" of "r", "w" or "rw"`,
    ],
    [{ op: "open", path: "/a", mode: "r" }, `'open' needs an integer "pid"`],
    [{ op: "fork", pid: 1 }, `'fork' needs an integer "child"`],
    [{ op: "exit", pid: 1 }, `'exit' needs an integer "status"`],
    [{ op: "exec", pid: 1, argv: ["x"] }, `'exec' needs a string "path"`],
    [{ op: "link", pid: 1, from: "a" }, `'link' needs a string "to"`],
    [{ op: "rename", pid: 1, to: "b" }, `'rename' needs a string "from"`],
    [{ op: "chdir", pid: 1 }, `'chdir' needs a string "path"`],
    [{ op: "mkdir", pid: 1 }, `'mkdir' needs a string "path"`],
    [{ op: "openat", pid: 1 }, `'openat' needs a string "path"`],
    [{ op: "begin" }, `'begin' needs an integer "version"`],
    [{ op: "version" }, `'version' needs an integer "version"`],
    [{ op: "target" }, `'target' needs an integer "pid"`],
    [{ op: "start" }, `'start' needs a number "time"`],
    [{ op: "stop" }, `'stop' needs a number "time"`],
    [{ op: "comment" }, `'comment' needs a string "text"`],
    [{ pid: 1, path: "/a" }, `needs a string "op"`],
  ];
  for (const [event, why] of cases) assertEquals(reason(event), why);
});

Deno.test("parseJsonLine() names a field of the wrong type", () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      { op: "open", pid: "1", path: "/a", mode: "r" },
      `'open' needs an integer "pid", not "1"`,
    ],
    [
      { op: "open", pid: 1.5, path: "/a", mode: "r" },
      `'open' needs an integer "pid", not 1.5`,
    ],
    [
      { op: "open", pid: 1, path: ["/a"], mode: "r" },
      `'open' needs a string "path", not ["/a"]`,
    ],
    [
      { op: "open", pid: 1, path: "/a", mode: "x" },
      `'open' needs a "mode" of "r", "w" or "rw", not "x"`,
    ],
    [
      { op: "fork", pid: 1, child: null },
      `'fork' needs an integer "child", not null`,
    ],
    [
      { op: "exit", pid: 1, status: "0" },
      `'exit' needs an integer "status", not "0"`,
    ],
    [
      { op: "link", pid: 1, from: 1, to: "b" },
      `'link' needs a string "from", not 1`,
    ],
    [{ op: "start", time: "now" }, `'start' needs a number "time", not "now"`],
    [
      { op: "comment", text: { a: "x".repeat(100) } },
      `'comment' needs a string "text", not {"a":"${"x".repeat(31)}...`,
    ],
  ];
  for (const [event, why] of cases) assertEquals(reason(event), why);
});

Deno.test("parseJsonLine() checks optional fields when present", () => {
  const open = { op: "open", pid: 1, path: "a", mode: "w" };
  const cases: [Record<string, unknown>, string][] = [
    [{ ...open, abs: 5 }, `'open' needs a string "abs" or none, not 5`],
    [{ ...open, create: 1 }, `'open' needs a boolean "create" or none, not 1`],
    [
      { ...open, trunc: "true" },
      `'open' needs a boolean "trunc" or none, not "true"`,
    ],
    [{ ...open, error: 2 }, `'open' needs a string "error" or none, not 2`],
    [{ ...open, time: "0" }, `'open' needs a number "time" or none, not "0"`],
    [
      { op: "exit", pid: 1, status: 0, signal: "9" },
      `'exit' needs an integer "signal" or none, not "9"`,
    ],
    [
      { op: "exec", pid: 1, path: "/x", argv: "x -c" },
      `'exec' needs an array of strings "argv" or none, not "x -c"`,
    ],
    [
      { op: "exec", pid: 1, path: "/x", argv: ["x", 1] },
      `'exec' needs an array of strings "argv" or none, not ["x",1]`,
    ],
    [
      { op: "link", pid: 1, from: "a", to: "b", symbolic: "yes" },
      `'link' needs a boolean "symbolic" or none, not "yes"`,
    ],
    [
      { op: "rename", pid: 1, from: "a", to: "b", to_abs: null },
      `'rename' needs a string "to_abs" or none, not null`,
    ],
    [
      { op: "unlink", pid: 1, path: "a", abs: false },
      `'unlink' needs a string "abs" or none, not false`,
    ],
  ];
  for (const [event, why] of cases) assertEquals(reason(event), why);
});

Deno.test("parseJsonLine() checks the _b64 fields", () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      { op: "unlink", pid: 1, path: "a", path_b64: "***" },
      `"path_b64" is not a base64 string`,
    ],
    [
      { op: "unlink", pid: 1, path: "a", path_b64: 7 },
      `"path_b64" is not a base64 string`,
    ],
    [
      { op: "exec", pid: 1, path: "/x", argv: ["a", "b"], argv_b64: [null] },
      `'exec' needs "argv_b64" to be an array as long as "argv"`,
    ],
    [
      { op: "exec", pid: 1, path: "/x", argv_b64: [null] },
      `'exec' needs "argv_b64" to be an array as long as "argv"`,
    ],
    [
      { op: "exec", pid: 1, path: "/x", argv: ["a"], argv_b64: [5] },
      `"argv_b64" is not a base64 string`,
    ],
  ];
  for (const [event, why] of cases) assertEquals(reason(event), why);
});

Deno.test("parseJsonLine() accepts every op with all its fields, and unknown fields", () => {
  const events: TraceEvent[] = [
    {
      op: "exec",
      pid: 1,
      path: "x",
      abs: "/x",
      argv: ["x"],
      error: "ENOENT",
      time: 1.5,
    },
    { op: "fork", pid: 1, child: 2, time: 1 },
    { op: "exit", pid: 2, status: 0, signal: 9 },
    { op: "exit", pid: 2, status: 256 },
    { op: "chdir", pid: 1, path: "d", abs: "/d" },
    { op: "unlink", pid: 1, path: "f", error: "EACCES" },
    {
      op: "link",
      pid: 1,
      from: "t",
      to: "l",
      from_abs: "/t",
      to_abs: "/l",
      symbolic: false,
    },
    { op: "rename", pid: 1, from: "a", to: "b", from_abs: "/a", to_abs: "/b" },
    {
      op: "open",
      pid: 1,
      path: "o",
      abs: "/o",
      mode: "rw",
      create: true,
      trunc: true,
    },
    { op: "openat", pid: 1, path: "rel" },
    { op: "stat", pid: 1, path: "s" },
    { op: "readlink", pid: 1, path: "r", abs: "/r", error: "EINVAL", time: 2 },
    { op: "begin", version: 5 },
    { op: "target", pid: 100 },
    { op: "start", time: 1497269126.786684 },
    { op: "version", version: 4 },
    { op: "stop", time: 1497269127 },
    { op: "bye" },
    { op: "comment", text: " hello" },
  ];
  for (const event of events) {
    assertEquals(parseJsonLine(formatJsonLine(event), 1), event);
  }
  assertEquals(
    parseJsonLine('{"op":"fork","pid":1,"child":2,"tid":3}', 1),
    { op: "fork", pid: 1, child: 2, tid: 3 } as TraceEvent,
  );
});

Deno.test("JsonLinesDecoder names the line of a bad event", () => {
  assertThrows(
    () =>
      decodeJsonLines(
        bytes('{"op":"bye"}\n\n{"op":"fork","pid":1}\n'),
        5,
      ),
    DecodeError,
    `Cannot decode line 3: 'fork' needs an integer "child"`,
  );
});

// --- Formatting at speed ------------------------------------------------------

/** Events of every shape, with strings JSON has to escape or cannot hold. */
const AWKWARD: TraceEvent[] = [
  { op: "open", pid: 1, path: "/a", abs: "/a", mode: "r" },
  { op: "open", pid: 1, path: "a", abs: "/w/a", mode: "w" },
  { op: "open", pid: 1, path: 'q"\\\t\u0001', abs: 'q"\\\t\u0001', mode: "rw" },
  { op: "open", pid: 1, path: "x\udcff", abs: "/w/x\udcff", mode: "r" },
  { op: "open", pid: 1, path: "\u{1f600}\u00e9", mode: "w", create: true },
  { op: "open", pid: 2, path: "/t", mode: "w", trunc: true, time: 1.5 },
  { op: "open", pid: 2, path: "/e", mode: "r", error: "ENOENT" },
  {
    op: "exec",
    pid: 2,
    path: "/bin/sh",
    abs: "/bin/sh",
    argv: ["sh", "\udcfe"],
  },
  { op: "fork", pid: 2, child: 3 },
  { op: "exit", pid: 3, status: 0, signal: 0 },
  { op: "exit", pid: 3, status: 256 },
  { op: "rename", pid: 3, from: "a\udc80", to: "b", from_abs: "/a\udc80" },
  { op: "link", pid: 3, from: "l", to: "/l", to_abs: "/l", symbolic: true },
  { op: "openat", pid: 3, path: "rel\n" },
  { op: "unlink", pid: 3, path: "/u", abs: "/u", error: "EPERM" },
  { op: "mkdir", pid: 3, path: "d", abs: "/d", time: 2 },
  { op: "begin", version: 5 },
  { op: "target", pid: 100 },
  { op: "start", time: 1497269126.786684 },
  { op: "stop", time: 1497269127 },
  { op: "version", version: 4 },
  { op: "comment", text: " caf\u00e9 \udcff" },
  { op: "bye" },
];

Deno.test("formatJsonLineNewline() is formatJsonLine() and a newline", () => {
  const events = [
    ...AWKWARD,
    ...decodeFilemon(Deno.readFileSync(SAMPLES + "record-examples.log"), {
      cwd: "/w",
    }),
  ];
  for (const event of events) {
    assertEquals(formatJsonLineNewline(event), formatJsonLine(event) + "\n");
  }
});

/** An open with only the fields an `EventSink` passes. */
function plainOpen(event: TraceEvent): boolean {
  return !["create", "trunc", "error", "time"].some((f) => f in event);
}

Deno.test("formatJsonOpenLine() formats an open given as its fields", () => {
  for (const event of AWKWARD) {
    if (event.op !== "open" || !plainOpen(event)) continue;
    const { pid, path, abs, mode } = event;
    const line = formatJsonLineNewline(event);
    assertEquals(formatJsonOpenLine(pid, path, abs, mode), line);
    // `plain` vouches for strings with nothing to escape: the same line.
    // deno-lint-ignore no-control-regex
    if (!/["\\\u0000-\u001f\ud800-\udfff]/.test(path + (abs ?? ""))) {
      assertEquals(formatJsonOpenLine(pid, path, abs, mode, true), line);
    }
  }
});

Deno.test("BatchEncoder as a sink gives the bytes encode gives, however long", () => {
  // Past a piece of 64 Ki UTF-16 units, with surrogate pairs and raw bytes
  // where the pieces are cut.
  const events: TraceEvent[] = [];
  for (let i = 0; i < 30000; i++) {
    const event = AWKWARD[i % AWKWARD.length];
    events.push(
      event.op === "open" && i % 3 === 0
        ? { ...event, path: `${event.path}\u{1f600}`.repeat(i % 5) }
        : event,
    );
  }
  const all = new BatchEncoder(formatJsonLineNewline).encode(events).slice();
  assertEquals(
    all,
    bytes(events.map((e) => formatJsonLine(e) + "\n").join("")),
  );
  const sink = new BatchEncoder(formatJsonLineNewline, formatJsonOpenLine);
  for (const event of events) {
    if (event.op === "open" && plainOpen(event)) {
      sink.open(event.pid, event.path, event.abs, event.mode, false);
    } else sink.event(event);
  }
  assertEquals(sink.take(), all);
  assertEquals(sink.take(), new Uint8Array(0));
});

Deno.test("BatchEncoder never cuts a surrogate pair between two pieces", () => {
  // A format that splits each pair between two events' texts.
  const halves = ["\ud83d", "\ude00", "\udcff", "a"];
  const events: TraceEvent[] = [];
  // The first piece is full after 65536 of them, a "\ud83d" last.
  for (let i = 1; i <= 70000; i++) {
    events.push({ op: "fork", pid: i, child: 0 });
  }
  const format = (e: TraceEvent) => halves[(e as { pid: number }).pid % 4];
  const text = events.map(format).join("");
  assertEquals(
    new BatchEncoder(format).encode(events),
    encodePath(text),
  );
});

// --- What cannot be a trace, and what a message may print -------------------

Deno.test("parseJsonLine() refuses a negative or too large pid, a version there is not, a NUL in a path", () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      { op: "open", pid: -3, path: "/a", mode: "r" },
      `'open' needs an integer "pid" from 0 to 2147483647, not -3`,
    ],
    [
      { op: "fork", pid: 1, child: -1 },
      `'fork' needs an integer "child" from 0 to 2147483647, not -1`,
    ],
    [
      { op: "exec", pid: 2147483648, path: "/bin/sh" },
      `'exec' needs an integer "pid" from 0 to 2147483647, not 2147483648`,
    ],
    [
      { op: "target", pid: -1 },
      `'target' needs an integer "pid" from 0 to 2147483647, not -1`,
    ],
    [
      { op: "begin", version: 99 },
      `'begin' needs a "version" of 4 or 5 (the filemon versions there are), not 99`,
    ],
    [
      { op: "version", version: 3 },
      `'version' needs a "version" of 4 or 5 (the filemon versions there are), not 3`,
    ],
    [
      { op: "open", pid: 1, path: "/etc/pass\0wd", mode: "r" },
      `'open' has a NUL byte in "path", which no path or name can have`,
    ],
    [
      { op: "rename", pid: 1, from: "a", to: "b", to_abs: "/w/\0b" },
      `'rename' has a NUL byte in "to_abs", which no path or name can have`,
    ],
    [
      // "a\0b" in base64: the bytes are checked, not only the string.
      { op: "unlink", pid: 1, path: "a?b", path_b64: "YQBi" },
      `'unlink' has a NUL byte in "path", which no path or name can have`,
    ],
    [
      { op: "exec", pid: 1, path: "/bin/echo", argv: ["echo", "a\0b"] },
      `'exec' has a NUL byte in "argv", which no argument can have`,
    ],
  ];
  for (const [event, why] of cases) assertEquals(reason(event), why);
  // The edges, and a NUL where no path is.
  for (
    const ok of [
      { op: "open", pid: 0, path: "/a", mode: "r" },
      { op: "open", pid: 2147483647, path: "/a", mode: "r" },
      { op: "begin", version: 4 },
      { op: "version", version: 5 },
      { op: "comment", text: " a\0b" },
    ]
  ) assertEquals(parseJsonLine(JSON.stringify(ok), 1), ok);
});

Deno.test("JsonLinesDecoder escapes the input a message quotes", () => {
  // A raw escape sequence is no JSON: the parser's message quotes it.
  const err = assertThrows(
    () => decodeJsonLines(bytes('{"op":"bye"}\n\x1b]0;owned\x07\n'), 1 << 20),
    DecodeError,
  );
  assertEquals(err.line, 2);
  assertEquals(err.message.includes("\x1b"), false, err.message);
  assertEquals(err.message.includes("\x07"), false, err.message);
  assertEquals(err.message.includes("\\x1b]0;owned\\x07"), true, err.message);
  assertThrows(
    () => parseJsonLine('{"op":"\\u001b[2J\\u009b"}', 4),
    DecodeError,
    'Cannot decode line 4: unknown op "\\\\u001b[2J\\u009b"',
  );
});

Deno.test("JsonLinesDecoder says when the input is UTF-16, and skips a UTF-8 byte order mark", () => {
  const text = '{"op":"begin","version":5}\n{"op":"bye"}\n';
  const le = new Uint8Array(2 + text.length * 2);
  le.set([0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) le[2 + i * 2] = text.charCodeAt(i);
  for (const size of [le.length, 1]) {
    assertThrows(
      () => decodeJsonLines(le, size),
      DecodeError,
      "Cannot decode line 1: the input is UTF-16 (little-endian, byte order mark FF FE); JSON Lines are UTF-8",
    );
    assertThrows(
      () => decodeJsonLines(le.subarray(2), size),
      DecodeError,
      "Cannot decode line 1: the input is UTF-16 (little-endian, without a byte order mark",
    );
  }
  const bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes(text)]);
  for (const size of [bom.length, 1, 2]) {
    assertEquals(decodeJsonLines(bom, size), [
      { op: "begin", version: 5 },
      { op: "bye" },
    ]);
  }
  // On another line it is no byte order mark.
  const later = Uint8Array.from([
    ...bytes('{"op":"bye"}\n'),
    0xef,
    0xbb,
    0xbf,
    ...bytes('{"op":"bye"}\n'),
  ]);
  assertThrows(
    () => decodeJsonLines(later, later.length),
    DecodeError,
    "Cannot decode line 2: not JSON",
  );
});
