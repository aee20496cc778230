import { assertEquals, assertThrows } from "@std/assert";
import {
  DecodeError,
  decodeFilemon,
  encodeJsonLines,
  formatJsonLine,
  JsonLinesDecoder,
  parseJsonLine,
  type TraceEvent,
} from "../lib/mod.ts";
import { SAMPLES } from "./_helpers.ts";

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
