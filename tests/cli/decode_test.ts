import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { bytes, runCli, SAMPLES } from "../_helpers.ts";

Deno.test("filemon decode writes JSON Lines for a real FreeBSD log", async () => {
  const r = await runCli(["decode", SAMPLES + "freebsd-v5-sleep.log"]);
  assertEquals(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.length, 12);
  assertEquals(lines[4], {
    op: "exec",
    pid: 65204,
    path: "/bin/sleep",
    abs: "/bin/sleep",
  });
});

Deno.test("filemon decode --format filemon reproduces the log from stdin", async () => {
  const log = Deno.readFileSync(SAMPLES + "netbsd-v4-manpage.log");
  const r = await runCli(["decode", "-", "--format", "filemon"], {
    stdin: log,
  });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdoutBytes, log);
});

Deno.test("filemon decode names a missing file", async () => {
  const r = await runCli(["decode", "/nonexistent/x.log"]);
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr,
    "filemon: Cannot read '/nonexistent/x.log': no such file\n",
  );
  assertEquals(r.stdout, "");
});

Deno.test("filemon decode stops at a malformed line and leaves no output file", async () => {
  const dir = await Deno.makeTempDir();
  const input = `${dir}/bad.log`;
  const out = `${dir}/out.jsonl`;
  await Deno.writeTextFile(input, "V 5\nR 1 /a\nQ 1 /b\nR 1 /c\n");
  const r = await runCli(["decode", input, "-o", out]);
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr,
    `filemon: ${input}: Cannot decode line 3: unknown record 'Q'\n`,
  );
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["bad.log"]);
  // An existing output file is left as it was.
  await Deno.writeTextFile(out, "old\n");
  const again = await runCli(["decode", input, "-o", out]);
  assertEquals(again.code, 1);
  assertEquals(await Deno.readTextFile(out), "old\n");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("filemon decode -o writes the whole file", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out.log`;
  const r = await runCli([
    "decode",
    SAMPLES + "record-examples.log",
    "-f",
    "filemon",
    "-o",
    out,
  ]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout, "");
  assertEquals(
    Deno.readFileSync(out),
    Deno.readFileSync(SAMPLES + "record-examples.log"),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("filemon decode --lenient warns, counts and goes on", async () => {
  const r = await runCli(["decode", "--lenient"], {
    stdin: bytes("V 5\nQ 1 /b\nR 1 /a\nR 1 /trunc"),
  });
  assertEquals(r.code, 0);
  assertEquals(r.stdout.trimEnd().split("\n").length, 2);
  assertStringIncludes(
    r.stderr,
    "warning: Cannot decode line 2: unknown record 'Q'",
  );
  assertStringIncludes(r.stderr, "warning: Cannot decode line 4: truncated");
  assertStringIncludes(r.stderr, "skipped 2 malformed lines");
});

Deno.test("filemon decode reports a truncated log on stdin", async () => {
  const r = await runCli(["decode"], { stdin: bytes("V 5\nR 1 /a") });
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr,
    "filemon: <stdin>: Cannot decode line 2: truncated: the last line has no newline\n",
  );
});

Deno.test("filemon rejects unknown options and commands with exit 2", async () => {
  const a = await runCli(["decode", "--frobnicate"]);
  assertEquals(a.code, 2);
  assertEquals(
    a.stderr,
    "filemon: decode: unknown option '--frobnicate' (see 'decode --help')\n",
  );
  const b = await runCli(["decode", "--format", "xml"]);
  assertEquals(b.code, 2);
  assertStringIncludes(
    b.stderr,
    "--format must be one of jsonl, filemon, not 'xml'",
  );
  const c = await runCli(["frob"]);
  assertEquals(c.code, 2);
  assertStringIncludes(c.stderr, "unknown command 'frob'");
});

Deno.test("filemon --help, --version and decode --help", async () => {
  const h = await runCli(["--help"]);
  assertEquals(h.code, 0);
  assertStringIncludes(h.stdout, "filemon decode");
  const v = await runCli(["--version"]);
  assertMatch(v.stdout, /^filemon \d+\.\d+\.\d+\n$/);
  const d = await runCli(["decode", "--help"]);
  assertEquals(d.code, 0);
  assert(d.stdout.includes("--lenient"));
});

Deno.test("filemon decode warns about a .meta file without a filemon section", async () => {
  const r = await runCli(["decode"], {
    stdin: bytes("# Meta data file /obj/x.meta\nCMD cc -c x.c\nCWD /src\n"),
  });
  assertEquals(r.code, 0);
  assertEquals(r.stdout, "");
  assertStringIncludes(
    r.stderr,
    "is a .meta file without a '-- filemon acquired metadata --' section",
  );
});

Deno.test("filemon graph counts lines from the start, blank ones too", async () => {
  const r = await runCli(["graph"], {
    stdin: bytes('\n\n{"op":"fork","pid":1}\n'),
  });
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr,
    `filemon: <stdin>: Cannot decode line 3: 'fork' needs an integer "child"\n`,
  );
});

Deno.test("filemon decode escapes a bad line on the terminal, and the file's name", async () => {
  const dir = await Deno.makeTempDir();
  // A name and a line that would retitle the terminal and clear it.
  const input = `${dir}/log\x1b]0;owned\x07.txt`;
  await Deno.writeFile(
    input,
    Uint8Array.from([...bytes("V 5\nR 1 /a\n\x1b[2J\x1b[H"), 0xff, 0x0a]),
  );
  const r = await runCli(["decode", input]);
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr,
    `filemon: ${dir}/log\\x1b]0;owned\\x07.txt: Cannot decode line 3: unknown record '\\x1b[2J\\x1b[H\\xff'\n`,
  );
  assertEquals(r.stdout, "");
  // In lenient mode, the warning the same way.
  const w = await runCli(["decode", "--lenient", input]);
  assertEquals(w.code, 0);
  assertStringIncludes(
    w.stderr,
    "warning: Cannot decode line 3: unknown record '\\x1b[2J\\x1b[H\\xff'\n",
  );
  // deno-lint-ignore no-control-regex
  assertEquals(/[\x00-\x09\x0b-\x1f\x7f]/.test(w.stderr), false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("filemon decode says a UTF-16 log is UTF-16, and reads one with a UTF-8 byte order mark", async () => {
  const log = Deno.readFileSync(SAMPLES + "freebsd-v5-sleep.log");
  const dir = await Deno.makeTempDir();
  // What Windows tools (PowerShell's > of old, Notepad's "Unicode") write.
  const utf16 = new Uint8Array(2 + log.length * 2);
  utf16.set([0xff, 0xfe]);
  log.forEach((b, i) => utf16[2 + i * 2] = b);
  await Deno.writeFile(`${dir}/utf16.log`, utf16);
  const r = await runCli(["decode", `${dir}/utf16.log`, "-o", `${dir}/out`]);
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr,
    `filemon: ${dir}/utf16.log: Cannot decode line 1: the input is UTF-16 (little-endian, byte order mark FF FE); filemon logs are bytes, UTF-8 for text (convert it first, e.g. with iconv -t UTF-8)\n`,
  );
  assertEquals(
    [...Deno.readDirSync(dir)].map((e) => e.name),
    ["utf16.log"],
  );
  // A UTF-8 byte order mark is skipped.
  const plain = await runCli(["decode", "-"], { stdin: log });
  const bom = await runCli(["decode", "-"], {
    stdin: Uint8Array.from([0xef, 0xbb, 0xbf, ...log]),
  });
  assertEquals(bom.code, 0, bom.stderr);
  assertEquals(bom.stderr, "");
  assertEquals(bom.stdout, plain.stdout);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("filemon decode refuses version 99, a negative pid and a NUL in a path, naming the line", async () => {
  const cases: [string, string][] = [
    [
      "# filemon version 99\n",
      "Cannot decode line 1: filemon version 99 is not one this decoder reads (it reads 4 and 5)",
    ],
    [
      "# filemon version 5\nV 99\n",
      "Cannot decode line 2: filemon version 99 is not one this decoder reads (it reads 4 and 5)",
    ],
    ["V 5\nR 1 /a\nW -3 /b\n", "Cannot decode line 3: pid -3 is negative"],
    [
      "V 5\nR 1 /a\0b\n",
      "Cannot decode line 2: path has a NUL byte, which no path can have",
    ],
  ];
  for (const [log, why] of cases) {
    const r = await runCli(["decode"], { stdin: bytes(log) });
    assertEquals(r.code, 1, log);
    assertEquals(r.stderr, `filemon: <stdin>: ${why}\n`);
  }
});

Deno.test("filemon decode warns about an empty input and writes an empty output", async () => {
  const r = await runCli(["decode"], { stdin: new Uint8Array(0) });
  assertEquals(r.code, 0);
  assertEquals(r.stdout, "");
  assertEquals(r.stderr, "filemon: warning: <stdin> is empty: no records\n");
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/empty.log`, new Uint8Array(0));
  const o = await runCli([
    "decode",
    `${dir}/empty.log`,
    "-o",
    `${dir}/out.jsonl`,
  ]);
  assertEquals(o.code, 0);
  assertEquals(
    o.stderr,
    `filemon: warning: ${dir}/empty.log is empty: no records\n`,
  );
  assertEquals(Deno.readFileSync(`${dir}/out.jsonl`).length, 0);
  await Deno.remove(dir, { recursive: true });
});
