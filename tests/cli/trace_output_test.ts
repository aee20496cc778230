/**
 * Where `filemon trace` puts its trace, on real processes: a standard
 * stream closed when filemon starts (refused before anything runs), an
 * `-o` file the command writes itself (kept; the trace goes beside it), an
 * `-o` file replaced with its mode and owner kept, and a stream a traced
 * program made non-blocking with a slow reader (the whole trace arrives).
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { FILEMON, installed, traceArgs } from "../_helpers.ts";

const isLinux = Deno.build.os === "linux";
const havePython = isLinux && installed("python3");

async function tmp(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "filemon-o-" }));
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

interface ShResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sh -c SCRIPT` in `cwd`, where `"$@"` is filemon with `args`
 * (`exec "$@"` runs it with the redirections the script set up).
 */
async function sh(
  script: string,
  args: string[],
  cwd: string,
): Promise<ShResult> {
  const r = await new Deno.Command("sh", {
    args: ["-c", script, "sh", FILEMON, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: r.code,
    stdout: dec.decode(r.stdout),
    stderr: dec.decode(r.stderr),
  };
}

// --- closed standard streams -------------------------------------------

Deno.test({
  name: "trace with standard error closed refuses before running the command",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    // The command would leave a mark; filemon's stdout is a file to watch.
    const r = await sh(
      'exec 2>&- >stdout.txt; exec "$@"',
      traceArgs("--", "sh", "-c", "echo ran > marker"),
      dir,
    );
    assertEquals(r.code, 2);
    // Not run, nothing written: no marker, the trace nowhere (stdout empty).
    assertEquals(names(dir), ["stdout.txt"]);
    assertEquals(Deno.readTextFileSync(`${dir}/stdout.txt`), "");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "trace -o - with standard output closed says so on stderr and runs nothing",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const r = await sh(
      'exec >&-; exec "$@"',
      traceArgs("-o", "-", "--", "sh", "-c", "echo ran > marker"),
      dir,
    );
    assertEquals(r.code, 2);
    assertEquals(
      r.stderr,
      "filemon: standard output is closed, so the trace would be lost: give it a file with -o FILE\n",
    );
    assertEquals(names(dir), []);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace to an open /dev/null, or with the other stream closed, runs",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    for (
      const [why, script] of [
        // Asked for: the trace is thrown away, the command runs.
        ["2>/dev/null", 'exec 2>/dev/null; exec "$@"'],
        // As daemon(3) leaves a process: one /dev/null read-write on 0, 1, 2.
        ["daemon-style /dev/null", 'exec 0<>/dev/null 1>&0 2>&0; exec "$@"'],
        // Standard output closed, the trace to standard error.
        [">&-", 'exec >&-; exec "$@"'],
      ]
    ) {
      const r = await sh(
        script,
        traceArgs("--", "sh", "-c", "echo ran > marker"),
        dir,
      );
      assertEquals(r.code, 0, `${why}: ${r.stderr}`);
      assertEquals(Deno.readTextFileSync(`${dir}/marker`), "ran\n", why);
      if (why === ">&-") {
        assert(r.stderr.startsWith("# filemon version 5\n"), r.stderr);
        assertMatch(r.stderr, new RegExp(`\nW \\d+ ${dir}/marker\n`));
      }
      Deno.removeSync(`${dir}/marker`);
    }
    await Deno.remove(dir, { recursive: true });
  },
});

// --- -o naming a file the command writes -------------------------------

Deno.test({
  name:
    "trace -o FILE that the command writes keeps the command's file; the trace goes beside it",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    for (const [exit, expected] of [[0, 1], [3, 3]]) {
      const r = await sh(
        'exec "$@"',
        traceArgs(
          "-o",
          "out.log",
          "--",
          "sh",
          "-c",
          `echo mine > out.log; exit ${exit}`,
        ),
        dir,
      );
      assertEquals(r.code, expected);
      const [kept] = names(dir).filter((n) => n.startsWith("out.log.filemon-"));
      assertMatch(kept, /^out\.log\.filemon-\d+$/);
      assertEquals(
        r.stderr,
        `filemon: the command wrote 'out.log' itself: it is left as it is, and the trace is in '${kept}'\n`,
      );
      assertEquals(Deno.readTextFileSync(`${dir}/out.log`), "mine\n");
      const trace = Deno.readTextFileSync(`${dir}/${kept}`);
      assertMatch(trace, new RegExp(`\nW \\d+ ${dir}/out.log\n`));
      assert(trace.endsWith("# Bye bye\n"));
      assertEquals(names(dir), ["out.log", kept]);
      Deno.removeSync(`${dir}/out.log`);
      Deno.removeSync(`${dir}/${kept}`);
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "trace -o FILE changed by the command unrecorded (--ops r, another name) is kept too",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    Deno.mkdirSync(`${dir}/sub`);
    Deno.symlinkSync("sub", `${dir}/link`);
    Deno.writeTextFileSync(`${dir}/sub/out.log`, "old\n");
    // Writes are not recorded, and the command names the file another way.
    const r = await sh(
      'exec "$@"',
      traceArgs(
        "--ops",
        "r",
        "-o",
        "sub/out.log",
        "--",
        "sh",
        "-c",
        "echo more >> link/out.log",
      ),
      dir,
    );
    assertEquals(r.code, 1);
    const [kept] = names(`${dir}/sub`).filter((n) => n !== "out.log");
    assertEquals(
      r.stderr,
      `filemon: 'sub/out.log' changed while the command ran: it is left as it is, and the trace is in 'sub/${kept}'\n`,
    );
    assertEquals(Deno.readTextFileSync(`${dir}/sub/out.log`), "old\nmore\n");
    assert(Deno.readTextFileSync(`${dir}/sub/${kept}`).endsWith("# Bye bye\n"));
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "trace -o FILE written by the command through a symlinked directory is seen in the trace",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    Deno.mkdirSync(`${dir}/sub`);
    Deno.symlinkSync(`${dir}/sub`, `${dir}/link`);
    // -o names it through the symlink, the command by its real directory.
    const r = await sh(
      'exec "$@"',
      traceArgs(
        "-o",
        "link/out.log",
        "--",
        "sh",
        "-c",
        `echo mine > ${dir}/sub/out.log`,
      ),
      dir,
    );
    assertEquals(r.code, 1);
    assertMatch(
      r.stderr,
      /^filemon: the command wrote 'link\/out\.log' itself/,
    );
    assertEquals(Deno.readTextFileSync(`${dir}/sub/out.log`), "mine\n");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace -o FILE that the command writes and deletes gets the trace",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const r = await sh(
      'exec "$@"',
      traceArgs(
        "-o",
        "out.log",
        "--",
        "sh",
        "-c",
        "echo tmp > out.log; rm out.log",
      ),
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stderr, "");
    assertEquals(names(dir), ["out.log"]);
    assertMatch(
      Deno.readTextFileSync(`${dir}/out.log`),
      new RegExp(`\nD \\d+ ${dir}/out.log\n`),
    );
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "trace -o FILE replacing a file keeps its mode, and its owner (as root)",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const target = `${dir}/out.log`;
    Deno.writeTextFileSync(target, "old\n");
    Deno.chmodSync(target, 0o600);
    const root = Deno.uid() === 0;
    if (root) Deno.chownSync(target, 65534, 65534);
    const before = Deno.statSync(target);
    const r = await sh(
      'exec "$@"',
      traceArgs("-o", "out.log", "--", "true"),
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    const after = Deno.statSync(target);
    assert(Deno.readTextFileSync(target).startsWith("# filemon version 5\n"));
    assertEquals(after.mode! & 0o7777, 0o600);
    assertEquals([after.uid, after.gid], [before.uid, before.gid]);
    if (root) assertEquals(after.uid, 65534);
    assertEquals(names(dir), ["out.log"]);
    await Deno.remove(dir, { recursive: true });
  },
});

// --- a non-blocking stream and a slow reader ---------------------------

Deno.test({
  name:
    "trace to a pipe a traced program made non-blocking, read slowly, arrives whole",
  ignore: !havePython,
  async fn() {
    const dir = await tmp();
    const file = `${dir}/${"a-long-name-to-make-the-trace-big-".repeat(2)}`;
    Deno.writeTextFileSync(file, "");
    const opens = 3000;
    // O_NONBLOCK on fd 2 is set on the pipe's open file description, which
    // filemon's standard error shares.
    const program = `
import fcntl, os, sys
fcntl.fcntl(2, fcntl.F_SETFL, fcntl.fcntl(2, fcntl.F_GETFL) | os.O_NONBLOCK)
for _ in range(${opens}):
    os.close(os.open(sys.argv[1], os.O_RDONLY))
`;
    // The trace goes to a pipe nobody reads for a second (64 KiB fill it).
    const r = await sh(
      '{ "$@" 2>&1 >/dev/null; echo $? > status; } | { sleep 1; cat; }',
      traceArgs("--", "python3", "-c", program, file),
      dir,
    );
    assertEquals(r.code, 0);
    assertEquals(Deno.readTextFileSync(`${dir}/status`), "0\n", r.stdout);
    const lines = r.stdout.split("\n");
    const reads = lines.filter((l) => /^R \d+ /.test(l) && l.endsWith(file));
    assert(r.stdout.length > 4 * 65536, `${r.stdout.length} bytes`);
    assertEquals(reads.length, opens);
    assert(r.stdout.endsWith("\n# Bye bye\n"), r.stdout.slice(-300));
    assert(!r.stdout.includes("filemon:"), r.stdout.slice(-300));
    await Deno.remove(dir, { recursive: true });
  },
});
