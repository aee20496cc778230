/**
 * The Linux tracer on real processes: each test runs `filemon trace` on a
 * real command and checks what that command did.
 */

import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import {
  decodeFilemon,
  parseJsonLine,
  type TraceEvent,
} from "../../lib/mod.ts";
import {
  cc,
  CLI_NAME,
  FAST_PATH,
  FILEMON,
  installed,
  ROOT,
  traceArgs,
} from "../_helpers.ts";

const isLinux = Deno.build.os === "linux";
const haveCc = isLinux && installed("gcc");
const havePython = isLinux && installed("python3");

interface Traced {
  code: number;
  stdout: string;
  stderr: string;
  events: TraceEvent[];
  log: string;
}

/** Runs `filemon trace` with `--allow-ffi` only, the trace to a file. */
async function trace(
  command: string[],
  options: {
    cwd?: string;
    flags?: string[];
    format?: "jsonl" | "filemon";
    stdin?: string;
  } = {},
): Promise<Traced> {
  const dir = await Deno.makeTempDir({ prefix: "filemon-trace-" });
  const out = `${dir}/trace`;
  const format = options.format ?? "jsonl";
  const child = new Deno.Command(FILEMON, {
    args: traceArgs(
      "-f",
      format,
      "-o",
      out,
      ...(options.flags ?? []),
      "--",
      ...command,
    ),
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const r = await child.output();
  let log = "";
  try {
    log = await Deno.readTextFile(out);
  } catch {
    log = "";
  }
  await Deno.remove(dir, { recursive: true });
  const events = format === "jsonl"
    ? log.split("\n").filter((l) => l !== "").map((l, i) =>
      parseJsonLine(l, i + 1)
    )
    : decodeFilemon(log);
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    stderr: new TextDecoder().decode(r.stderr),
    events,
    log,
  };
}

type Ev<O extends TraceEvent["op"]> = Extract<TraceEvent, { op: O }>;

function ofOp<O extends TraceEvent["op"]>(
  events: TraceEvent[],
  op: O,
): Ev<O>[] {
  return events.filter((e) => e.op === op) as Ev<O>[];
}

async function tmp(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "filemon-t-" }));
}

Deno.test({
  name:
    "trace records a shell's files with absolute paths and passes its exit status",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const t = await trace([
      "sh",
      "-c",
      "echo a > f1; cat f1 >> f2; mv f2 f3; ln -s f3 f4; ln f3 f5; rm f4; exit 42",
    ], { cwd: dir });
    assertEquals(t.code, 42, t.stderr);
    const root = ofOp(t.events, "exec")[0];
    assertEquals(root.path, "/usr/bin/sh");
    assertEquals(root.argv?.[0], "sh");
    const sh = root.pid;
    const writes = ofOp(t.events, "open").filter((e) => e.mode === "w");
    assertEquals(
      writes.map((e) => [e.abs, e.create, e.trunc]),
      [[`${dir}/f1`, true, true], [`${dir}/f2`, true, undefined]],
    );
    const cat = ofOp(t.events, "exec").find((e) => e.argv?.[0] === "cat")!;
    assert(
      ofOp(t.events, "open").some((e) =>
        e.pid === cat.pid && e.abs === `${dir}/f1` && e.mode === "r"
      ),
    );
    assertEquals(
      ofOp(t.events, "rename").map((e) => [e.from_abs, e.to_abs]),
      [[`${dir}/f2`, `${dir}/f3`]],
    );
    assertEquals(
      ofOp(t.events, "link").map((e) => [e.from, e.to_abs, e.symbolic]),
      [["f3", `${dir}/f4`, true], ["f3", `${dir}/f5`, false]],
    );
    assertEquals(ofOp(t.events, "unlink").map((e) => e.abs), [`${dir}/f4`]);
    const forks = ofOp(t.events, "fork");
    assertEquals(forks.length, 5);
    assert(forks.every((f) => f.pid === sh));
    const exits = ofOp(t.events, "exit");
    assertEquals(exits.at(-1), { ...exits.at(-1)!, pid: sh, status: 42 });
    for (const f of forks) {
      assert(exits.some((x) => x.pid === f.child), `no exit for ${f.child}`);
    }
    assertEquals(t.events.at(-1), { op: "bye" });
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace writes a filemon v5 log that bmake-style readers accept",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const t = await trace(
      ["sh", "-c", "cd sub && echo x > o && exec cat o </dev/null >/dev/null"],
      { cwd: dir, format: "filemon" },
    );
    await Deno.mkdir(`${dir}/sub`).catch(() => {});
    const lines = t.log.split("\n");
    assertEquals(lines[0], "# filemon version 5");
    assertMatch(lines[1], /^# Target pid \d+$/);
    assertMatch(lines[2], /^# Start \d+\.\d{6}$/);
    assertEquals(lines[3], "V 5");
    assertEquals(lines.at(-3)?.startsWith("# Stop "), true);
    assertEquals(lines.at(-2), "# Bye bye");
    assertEquals(lines.at(-1), "");
    // sub did not exist: cd failed, and a failed chdir is not recorded.
    assertEquals(t.code, 2);
    assert(!t.log.includes("\nC "));
    // Every path in the log is absolute.
    for (const line of lines) {
      const m = /^[RWEDC] \d+ (.*)$/.exec(line);
      if (m) assert(m[1].startsWith("/"), line);
    }
    const ok = await trace(
      ["sh", "-c", "cd sub && echo x > o && exec cat o"],
      { cwd: dir, format: "filemon" },
    );
    assertEquals(ok.code, 0, ok.stderr);
    assertStringIncludes(ok.log, `\nC `);
    assertStringIncludes(ok.log, ` ${dir}/sub\n`);
    assertStringIncludes(ok.log, ` ${dir}/sub/o\n`);
    assertEquals(ok.stdout, "x\n");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace leaves stdin and stdout to the command",
  ignore: !isLinux,
  async fn() {
    const t = await trace(["tr", "a-z", "A-Z"], { stdin: "hello\n" });
    assertEquals(t.code, 0);
    assertEquals(t.stdout, "HELLO\n");
    assertEquals(t.stderr, "");
  },
});

Deno.test({
  name:
    "trace -o - writes the trace to stdout beside the command's own output, in whole lines",
  ignore: !isLinux,
  async fn() {
    const r = await new Deno.Command(FILEMON, {
      args: traceArgs("-o", "-", "--", "echo", "hi"),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(r.stdout);
    assertEquals(r.code, 0);
    // The trace is flushed now and then while the command runs (at most
    // every 200 ms), so the command's line may come before or after the
    // header; never inside a record.
    const lines = out.split("\n");
    assertEquals(lines.filter((l) => l === "hi").length, 1, out);
    const trace = lines.filter((l) => l !== "hi").join("\n");
    assert(trace.startsWith("# filemon version 5\n"), out);
    assert(trace.endsWith("# Bye bye\n"), out);
  },
});

Deno.test({
  name: "trace reports a command that cannot be found with exit 127",
  ignore: !isLinux,
  async fn() {
    const t = await trace(["no-such-command-filemon"], {
      flags: ["--failed"],
    });
    assertEquals(t.code, 127);
    assertEquals(
      t.stderr,
      "filemon: cannot run 'no-such-command-filemon': No such file or directory\n",
    );
    const execs = ofOp(t.events, "exec");
    assert(execs.length > 0 && execs.every((e) => e.error === "ENOENT"));
    assertEquals(ofOp(t.events, "exit").at(-1)?.status, 127);
  },
});

Deno.test({
  name: "trace passes a signal death on as 128+N",
  ignore: !isLinux,
  async fn() {
    const t = await trace(["sh", "-c", "kill -TERM $$"]);
    assertEquals(t.code, 143);
    const x = ofOp(t.events, "exit").at(-1)!;
    assertEquals([x.status, x.signal], [0, 15]);
  },
});

Deno.test({
  name: "trace records failed calls and probes only when asked",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const cmd = [
      "sh",
      "-c",
      "test -e missing.h; cat missing.h 2>/dev/null; mkdir d; rmdir d; touch t; chmod 600 t; true",
    ];
    const plain = await trace(cmd, { cwd: dir });
    assertEquals(plain.code, 0);
    assert(!plain.events.some((e) => "error" in e));
    assert(
      !plain.events.some((e) => ["stat", "access", "mkdir"].includes(e.op)),
    );
    const full = await trace(cmd, {
      cwd: dir,
      flags: ["--ops", "all", "--failed"],
    });
    const missing = full.events.filter((e) =>
      "abs" in e && e.abs === `${dir}/missing.h`
    );
    assert(
      missing.some((e) => e.op === "open" && e.error === "ENOENT"),
      JSON.stringify(missing),
    );
    assert(missing.some((e) => e.op === "stat" || e.op === "access"));
    const ops = (op: string) =>
      full.events.filter((e) =>
        e.op === op && "abs" in e && e.error === undefined
      )
        .map((e) => (e as { abs?: string }).abs);
    assertEquals(ops("mkdir"), [`${dir}/d`]);
    assertEquals(ops("rmdir"), [`${dir}/d`]);
    assertEquals(ops("chmod"), [`${dir}/t`]);
    // touch sets times through its fd (utimensat(fd, NULL)): not a path call.
    assertEquals(ops("utime"), []);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "trace lets failed execs along PATH go without an exit stop, and records the one that ran",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    await Deno.writeTextFile(`${dir}/in.txt`, "data\n");
    const missing = Array.from({ length: 20 }, (_, i) => `/nonexistent/${i}`);
    const cmd = [
      "sh",
      "-c",
      // env's execvp tries each PATH entry (the shell's own search stats).
      `PATH=${missing.join(":")}:/usr/bin:/bin env cat in.txt > out.txt`,
    ];
    const stops = (r: Traced) => {
      const m = / (\d+) stops for /.exec(r.stderr);
      if (m === null) throw new Error(`no --stats line: ${r.stderr}`);
      return Number(m[1]);
    };
    const plain = await trace(cmd, { cwd: dir, flags: ["--stats"] });
    assertEquals(plain.code, 0, plain.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/out.txt`), "data\n");
    const execs = ofOp(plain.events, "exec");
    const cat = execs.find((e) => e.abs?.endsWith("/cat"));
    if (cat === undefined) throw new Error(JSON.stringify(execs));
    assertEquals(cat.argv, ["cat", "in.txt"]);
    assert(!execs.some((e) => e.path.startsWith("/nonexistent/")));
    // The exec'd cat's records are its own, after its exec.
    const after = plain.events.slice(plain.events.indexOf(cat));
    assert(
      after.some((e) =>
        e.op === "open" && e.pid === cat.pid && e.abs === `${dir}/in.txt`
      ),
    );
    const full = await trace(cmd, { cwd: dir, flags: ["--stats", "--failed"] });
    assertEquals(full.code, 0, full.stderr);
    const failed = ofOp(full.events, "exec").filter((e) =>
      e.error === "ENOENT" && e.path.startsWith("/nonexistent/")
    );
    assertEquals(failed.map((e) => e.path), missing.map((m) => `${m}/cat`));
    // Without --failed, each failed exec costs its seccomp stop only.
    assert(
      stops(plain) <= stops(full) - missing.length,
      `${stops(plain)} stops without --failed, ${stops(full)} with`,
    );
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace follows a static binary",
  ignore: !haveCc,
  async fn() {
    const dir = await tmp();
    const bin = await cc(
      dir,
      "static",
      `#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
  int fd = open("s.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  write(fd, "x", 1);
  close(fd);
  rename("s.out", "s.done");
  return 3;
}`,
      ["-static"],
    );
    const t = await trace([bin], { cwd: dir });
    assertEquals(t.code, 3);
    assertEquals(
      ofOp(t.events, "open").filter((e) => e.mode === "w").map((e) => e.abs),
      [`${dir}/s.out`],
    );
    assertEquals(ofOp(t.events, "rename")[0].to_abs, `${dir}/s.done`);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace follows a static 32-bit (i386) binary",
  ignore: !haveCc || Deno.build.arch !== "x86_64",
  async fn() {
    const dir = await tmp();
    // No libc needed: raw int 0x80 system calls with i386 numbers.
    let bin: string;
    try {
      bin = await cc(
        dir,
        "i386",
        `static long sys(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}
void _start(void) {
  long fd = sys(5, (long)"o32", 01 | 0100 | 01000, 0644); /* open */
  sys(4, fd, (long)"hi", 2);                             /* write */
  sys(6, fd, 0, 0);                                      /* close */
  sys(38, (long)"o32", (long)"r32", 0);                  /* rename */
  sys(10, (long)"r32", 0, 0);                            /* unlink */
  sys(1, 7, 0, 0);                                       /* exit(7) */
}`,
        ["-m32", "-static", "-nostdlib", "-ffreestanding", "-fno-pic"],
      );
    } catch (err) {
      // x86_64 gcc builds this without 32-bit libraries; CI must run it.
      if (Deno.env.get("CI") === "true") throw err;
      console.log(`skipped: cannot build an i386 binary here: ${err}`);
      return;
    }
    const t = await trace([bin], { cwd: dir });
    assertEquals(t.code, 7);
    assertEquals(
      t.events.filter((e) =>
        e.op !== "exec" && "pid" in e && e.op !== "exit" && e.op !== "target"
      )
        .map((e) => e.op),
      ["open", "rename", "unlink"],
    );
    assertEquals(ofOp(t.events, "open")[0].abs, `${dir}/o32`);
    assertEquals(ofOp(t.events, "unlink")[0].abs, `${dir}/r32`);
    await Deno.remove(dir, { recursive: true });
  },
});

const THREADS_C = `#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void *work(void *arg) {
  char name[32];
  snprintf(name, sizeof name, "thread%ld.txt", (long)arg);
  int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  write(fd, name, strlen(name));
  close(fd);
  return 0;
}
int main(void) {
  pthread_t t[4];
  for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, work, (void *)i);
  for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
  return 0;
}`;

Deno.test({
  name: "trace records a multithreaded program's files under its process id",
  ignore: !haveCc,
  async fn() {
    const dir = await tmp();
    const bin = await cc(dir, "threads", THREADS_C, ["-pthread"]);
    const t = await trace([bin], { cwd: dir });
    assertEquals(t.code, 0, t.stderr);
    const pid = ofOp(t.events, "exec")[0].pid;
    const writes = ofOp(t.events, "open").filter((e) => e.mode === "w");
    assertEquals(
      writes.map((e) => e.abs).sort(),
      [0, 1, 2, 3].map((i) => `${dir}/thread${i}.txt`),
    );
    assert(writes.every((e) => e.pid === pid));
    assertEquals(ofOp(t.events, "fork"), []);
    assertEquals(ofOp(t.events, "exit").map((e) => e.pid), [pid]);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace follows an exec from a thread that is not the leader",
  ignore: !haveCc,
  async fn() {
    const dir = await tmp();
    const bin = await cc(
      dir,
      "thread_exec",
      `#include <pthread.h>
#include <unistd.h>
static void *run(void *arg) {
  (void)arg;
  char *argv[] = {"sh", "-c", "echo from-thread > te.txt", 0};
  execv("/bin/sh", argv);
  return 0;
}
int main(void) {
  pthread_t t;
  pthread_create(&t, 0, run, 0);
  pthread_join(t, 0);
  return 9;
}`,
      ["-pthread"],
    );
    const t = await trace([bin], { cwd: dir });
    assertEquals(t.code, 0, t.stderr);
    const execs = ofOp(t.events, "exec");
    assertEquals(execs.map((e) => e.path), [bin, "/bin/sh"]);
    assertEquals(execs[1].pid, execs[0].pid);
    assertEquals(execs[1].argv, ["sh", "-c", "echo from-thread > te.txt"]);
    assert(
      ofOp(t.events, "open").some((e) =>
        e.abs === `${dir}/te.txt` && e.pid === execs[0].pid
      ),
    );
    assertEquals(await Deno.readTextFile(`${dir}/te.txt`), "from-thread\n");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace follows posix_spawn (vfork) children",
  ignore: !haveCc,
  async fn() {
    const dir = await tmp();
    const bin = await cc(
      dir,
      "spawn",
      `#include <spawn.h>
#include <sys/wait.h>
extern char **environ;
int main(void) {
  pid_t pid;
  char *argv[] = {"touch", "spawned.txt", 0};
  if (posix_spawnp(&pid, "touch", 0, 0, argv, environ) != 0) return 1;
  int st;
  waitpid(pid, &st, 0);
  return WEXITSTATUS(st);
}`,
    );
    const t = await trace([bin], { cwd: dir });
    assertEquals(t.code, 0, t.stderr);
    const [parent, touch] = ofOp(t.events, "exec");
    assertEquals(touch.argv, ["touch", "spawned.txt"]);
    assertEquals(ofOp(t.events, "fork"), [
      { ...ofOp(t.events, "fork")[0], pid: parent.pid, child: touch.pid },
    ]);
    assert(
      ofOp(t.events, "open").some((e) =>
        e.pid === touch.pid && e.abs === `${dir}/spawned.txt` && e.create
      ),
    );
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace waits for a daemon-style grandchild that outlives its parent",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const t = await trace(
      ["sh", "-c", "(sleep 0.3; echo late > late.txt) & exit 5"],
      { cwd: dir },
    );
    assertEquals(t.code, 5);
    assert(
      ofOp(t.events, "open").some((e) => e.abs === `${dir}/late.txt`),
      "the grandchild's write is in the trace",
    );
    const exits = ofOp(t.events, "exit");
    const root = ofOp(t.events, "exec")[0].pid;
    assert(exits.findIndex((e) => e.pid === root) < exits.length - 1);
    assertEquals(await Deno.readTextFile(`${dir}/late.txt`), "late\n");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace does not hang on a process stopped and continued",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const t = await trace(
      [
        "sh",
        "-c",
        "p=$$; (sleep 0.3; kill -CONT $p) & kill -STOP $$; echo resumed > r.txt; wait",
      ],
      { cwd: dir },
    );
    assertEquals(t.code, 0, t.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/r.txt`), "resumed\n");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace passes SIGTERM on to the command and still finishes the trace",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const out = `${dir}/trace.log`;
    const child = new Deno.Command(FILEMON, {
      args: traceArgs("-o", out, "--", "sleep", "30"),
      stdout: "null",
      stderr: "piped",
    }).spawn();
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGTERM");
    const r = await child.output();
    assertEquals(r.code, 143, new TextDecoder().decode(r.stderr));
    const log = await Deno.readTextFile(out);
    assertMatch(log, /\nX \d+ 0 15\n# Stop \d+\.\d{6}\n# Bye bye\n$/);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace lets Ctrl-C in a terminal reach the command and exits 130",
  ignore: !havePython,
  async fn() {
    const dir = await tmp();
    const out = `${dir}/trace.log`;
    // A pseudo-terminal: ^C makes the kernel send SIGINT to the foreground
    // process group, tracer and command alike, as in a real terminal.
    const script = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
buf = b""
deadline = time.time() + 20
while b"ready" not in buf and time.time() < deadline:
    try:
        buf += os.read(fd, 1024)
    except OSError:
        break
os.write(fd, b"\\x03")
while True:
    try:
        if not os.read(fd, 1024):
            break
    except OSError:
        break
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
`;
    const r = await new Deno.Command("python3", {
      args: [
        "-c",
        script,
        FILEMON,
        ...traceArgs(
          "-o",
          out,
          "--",
          "sh",
          "-c",
          "echo ready; exec sleep 30",
        ),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(new TextDecoder().decode(r.stdout).trim(), "130");
    const log = await Deno.readTextFile(out);
    assertMatch(log, /\nX \d+ 0 2\n# Stop \d+\.\d{6}\n# Bye bye\n$/);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace keeps path bytes that are not UTF-8 in JSON Lines",
  ignore: !havePython,
  async fn() {
    const dir = await tmp();
    const t = await trace(
      ["python3", "-c", "open(b'caf\\xe9.txt', 'wb').close()"],
      { cwd: dir },
    );
    assertEquals(t.code, 0, t.stderr);
    const w = ofOp(t.events, "open").find((e) =>
      e.mode === "w" && e.abs?.startsWith(dir)
    )!;
    assertEquals(w.path, "caf\udce9.txt");
    assertEquals(w.abs, `${dir}/caf\udce9.txt`);
    assertStringIncludes(t.log, `"path_b64":"${btoa("caf\xe9.txt")}"`);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace resolves paths relative to a directory fd",
  ignore: !havePython,
  async fn() {
    const dir = await tmp();
    await Deno.mkdir(`${dir}/sub`);
    const t = await trace(
      [
        "python3",
        "-c",
        "import os\nd = os.open('sub', os.O_RDONLY)\nos.close(os.open('x', os.O_WRONLY | os.O_CREAT, dir_fd=d))\nos.rename('x', 'y', src_dir_fd=d, dst_dir_fd=d)",
      ],
      { cwd: dir },
    );
    assertEquals(t.code, 0, t.stderr);
    const w = ofOp(t.events, "open").find((e) =>
      e.mode === "w" && e.abs?.startsWith(dir)
    )!;
    assertEquals([w.path, w.abs], ["x", `${dir}/sub/x`]);
    const m = ofOp(t.events, "rename")[0];
    assertEquals([m.from_abs, m.to_abs], [`${dir}/sub/x`, `${dir}/sub/y`]);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace takes its tracees with it when the tracer is killed",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const child = new Deno.Command(FILEMON, {
      args: traceArgs(
        "-o",
        `${dir}/t.log`,
        "--",
        "sh",
        "-c",
        "echo $$; exec sleep 30",
      ),
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    const pid = Number(new TextDecoder().decode(value).trim());
    assert(pid > 0);
    const alive = () => {
      try {
        const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
        return !/^\d+ \([^)]*\) Z/.test(stat); // a zombie is dead
      } catch {
        return false;
      }
    };
    // Wait until sh has exec'd sleep (not stopped at the exec's seccomp stop).
    for (let i = 0; i < 100; i++) {
      const comm = await Deno.readTextFile(`/proc/${pid}/comm`).catch(() => "");
      if (comm.trim() === "sleep") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    assert(alive(), "the traced command runs");
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    let waited = 0;
    while (alive() && waited < 5000) {
      await new Promise((r) => setTimeout(r, 50));
      waited += 50;
    }
    assert(!alive(), "the traced command died with the tracer");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace -o hides its file from the command and writes through a symlink",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    await Deno.writeTextFile(`${dir}/real.log`, "old\n");
    await Deno.symlink("real.log", `${dir}/link.log`);
    const r = await new Deno.Command(FILEMON, {
      args: traceArgs("-o", `${dir}/link.log`, "--", "ls", "-a", dir),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    // The command saw no temporary file beside the output.
    assertEquals(
      new TextDecoder().decode(r.stdout).split("\n").filter((l) => l !== ""),
      [".", "..", "link.log", "real.log"],
    );
    assert(
      (await Deno.lstat(`${dir}/link.log`)).isSymlink,
      "the symlink stays",
    );
    assert(
      (await Deno.readTextFile(`${dir}/real.log`)).startsWith(
        "# filemon version 5\n",
      ),
    );
    assertEquals([...Deno.readDirSync(dir)].length, 2);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "trace keeps the command's exit status when the trace cannot be written",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    await Deno.mkdir(`${dir}/d`);
    const run = async (script: string) =>
      await new Deno.Command(FILEMON, {
        args: traceArgs("-o", `${dir}/d/t.log`, "--", "sh", "-c", script),
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      }).output();
    const gone = await run("rm -rf d; exit 4");
    assertEquals(gone.code, 4);
    assertEquals(
      new TextDecoder().decode(gone.stderr),
      `filemon: Cannot write to '${dir}/d/t.log': its directory is gone\n`,
    );
    await Deno.mkdir(`${dir}/d`);
    const ok = await run("rm -rf d");
    assertEquals(
      ok.code,
      1,
      "a lost trace is a failure even when the command succeeded",
    );
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace --root keeps only the records of files under it",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const t = await trace(["sh", "-c", "cat /etc/hostname > out.txt"], {
      cwd: dir,
      flags: ["--root", dir],
    });
    assertEquals(t.code, 0, t.stderr);
    const opens = ofOp(t.events, "open").map((e) => e.abs);
    assertEquals(opens, [`${dir}/out.txt`]);
    assert(ofOp(t.events, "exec").length === 2, "exec records stay");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace --stats says where the tracer's time went, on either path",
  ignore: !isLinux,
  async fn() {
    const command = ["sh", "-c", "cat /etc/hostname /etc/hostname > /dev/null"];
    const line =
      /^filemon: (\d+) stops for (\d+) events from (\d+) processes; per stop ([\d.]+) ptrace, ([\d.]+) waits, .* waiting [\d.]+ s; (.*)\n$/;
    // The ptrace way: every recorded call is two stops at least.
    const slow = await trace(command, { flags: ["--stats", "--no-fast-path"] });
    assertEquals(slow.code, 0);
    const m = line.exec(slow.stderr);
    if (m === null) throw new Error(`no stats line: ${slow.stderr}`);
    // sh and cat: two processes.
    assertEquals(Number(m[3]), 2);
    assert(Number(m[1]) >= 2 * ofOp(slow.events, "open").length);
    assert(Number(m[4]) >= 1.5 && Number(m[5]) >= 0.9, slow.stderr);
    assertEquals(m[6], "fast path off (ptrace only)");
    if (!FAST_PATH) return;
    // The fast path: read-only opens of regular files answered without a stop.
    const fast = await trace(command, { flags: ["--stats"] });
    assertEquals(fast.code, 0);
    const f = line.exec(fast.stderr);
    if (f === null) throw new Error(`no stats line: ${fast.stderr}`);
    const reads = ofOp(fast.events, "open").filter((e) => e.mode === "r");
    const answered =
      /^fast path: (\d+) opens answered, (\d+) errors answered, (\d+) sent the ptrace way/
        .exec(f[6]);
    if (answered === null) throw new Error(`fast path off: ${fast.stderr}`);
    // The launcher's own opens before it execs the command (Bun reads
    // /proc/self/statm) are answered too, and left out of the trace.
    assert(Number(answered[1]) + Number(answered[3]) >= reads.length);
    assert(Number(f[1]) < Number(m[1]), `${f[1]} stops vs ${m[1]}`);
    // The same records either way.
    const key = (e: TraceEvent) =>
      e.op === "open" ? `${e.mode} ${e.abs}` : e.op;
    assertEquals(
      fast.events.filter((e) => e.op === "open").map(key).sort(),
      slow.events.filter((e) => e.op === "open").map(key).sort(),
    );
  },
});

Deno.test({
  name:
    "trace resolves AT_FDCWD passed sign-extended to 64 bits (raw syscall) against the cwd",
  ignore: !haveCc,
  async fn() {
    const dir = await tmp();
    await Deno.writeTextFile(`${dir}/rel`, "x\n");
    const bin = await cc(
      dir,
      "signext",
      `#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
  return syscall(SYS_openat, (long)AT_FDCWD, "rel", O_RDONLY) < 0;
}
`,
    );
    // Standard input is another file: fd 0 must not be taken for the cwd.
    const t = await trace([bin], { cwd: dir, stdin: "" });
    assertEquals(t.code, 0, t.stderr);
    const opens = ofOp(t.events, "open").filter((e) => e.path === "rel");
    assertEquals(opens.map((e) => e.abs), [`${dir}/rel`]);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "trace under deno run --allow-ffi alone takes the ptrace way, and says so",
  ignore: !isLinux || CLI_NAME !== "deno",
  async fn() {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-ffi",
        `${ROOT}main.ts`,
        "trace",
        "--stats",
        "-o",
        "-",
        "--",
        "cat",
        "/etc/hostname",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(r.stderr);
    assertEquals(r.code, 0, err);
    assertStringIncludes(err, "fast path off (ptrace only)");
    assertStringIncludes(
      new TextDecoder().decode(r.stdout),
      " /etc/hostname\n",
    );
  },
});

/** Starts `filemon trace -o OUT -- sh -c SCRIPT`; returns the child. */
function startTrace(out: string, script: string): Deno.ChildProcess {
  return new Deno.Command(FILEMON, {
    args: traceArgs("-o", out, "--", "sh", "-c", script),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test({
  name:
    "trace ends on SIGTERM once the command has exited, though a daemon it started runs on, and writes the trace",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const out = `${dir}/t.log`;
    const child = startTrace(out, "setsid sleep 1000 & echo started");
    await new Promise((r) => setTimeout(r, 2000));
    child.kill("SIGTERM");
    const r = await child.output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const log = await Deno.readTextFile(out);
    assertMatch(
      log,
      /\n# filemon: SIGTERM after the command exited; 1 process it left running not traced further\n# Stop \d+\.\d{6}\n# Bye bye\n$/,
    );
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "trace passes SIGINT sent to filemon alone on to the command",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const child = startTrace(
      `${dir}/t.log`,
      'trap "echo got INT; exit 7" INT; sleep 3 & wait',
    );
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    const r = await child.output();
    assertEquals(new TextDecoder().decode(r.stdout), "got INT\n");
    assertEquals(r.code, 7);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "trace does not hang on processes killed while they fork (children seen before their parent's fork event)",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const script = `for i in $(seq 30); do
  sh -c 'while :; do true & done' & p=$!
  sleep 0.02; kill -9 $p
done 2>/dev/null; wait; echo done`;
    const child = startTrace(`${dir}/t.log`, script);
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const r = await child.output();
    clearTimeout(timer);
    assertEquals(new TextDecoder().decode(r.stdout), "done\n");
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    await Deno.remove(dir, { recursive: true });
  },
});
