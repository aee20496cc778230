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
