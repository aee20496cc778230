/**
 * The fast path (read-only opens answered by seccomp user notification)
 * where answering for the tracee would not be exact: each test sets the
 * condition up for real and checks that the command sees what it sees
 * untraced, and that the trace records what happened.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { parseJsonLine, type TraceEvent } from "../../lib/mod.ts";
import {
  CLI_NAME,
  FAST_PATH,
  FILEMON,
  installed,
  ROOT,
  traceArgs,
} from "../_helpers.ts";

const isLinux = Deno.build.os === "linux";
const isRoot = isLinux && Deno.uid() === 0;

async function tmp(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "filemon-fp-" }));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function sh(script: string, cwd: string): Promise<Run> {
  const r = await new Deno.Command("sh", {
    args: ["-c", script],
    cwd,
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

async function traced(
  script: string,
  cwd: string,
  flags: string[] = [],
): Promise<Run & { events: TraceEvent[]; stats: string }> {
  const out = `${cwd}/.trace.jsonl`;
  const r = await new Deno.Command(FILEMON, {
    args: traceArgs(
      "-f",
      "jsonl",
      "--stats",
      "-o",
      out,
      ...flags,
      "--",
      "sh",
      "-c",
      script,
    ),
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const stderr = dec.decode(r.stderr);
  const lines = (await Deno.readTextFile(out)).split("\n").filter((l) => l);
  await Deno.remove(out);
  const statsLine = stderr.split("\n").find((l) => l.includes(" stops for "));
  return {
    code: r.code,
    stdout: dec.decode(r.stdout),
    stderr: stderr.split("\n").filter((l) => !l.includes(" stops for "))
      .join("\n"),
    events: lines.map((l, i) => parseJsonLine(l, i + 1)),
    stats: statsLine ?? "",
  };
}

function opensOf(events: TraceEvent[], path: string): string[] {
  return events.flatMap((e) =>
    e.op === "open" && e.abs === path
      ? [`${e.mode}${e.error ? ` ${e.error}` : ""}`]
      : []
  );
}

Deno.test({
  name:
    "fast path: a command that dropped its privileges is not granted the tracer's (setpriv to nobody)",
  ignore: !isRoot || !installed("setpriv"),
  async fn() {
    const dir = await tmp();
    await Deno.chmod(dir, 0o755);
    await Deno.writeTextFile(`${dir}/secret`, "root only\n");
    await Deno.chmod(`${dir}/secret`, 0o600);
    const script =
      `setpriv --reuid=65534 --regid=65534 --clear-groups cat ${dir}/secret; echo "status $?"`;
    const plain = await sh(script, dir);
    assertStringIncludes(plain.stdout, "status 1");
    const t = await traced(script, dir, ["--failed"]);
    assertEquals(t.stdout, plain.stdout);
    assertEquals(t.stderr, plain.stderr);
    assertEquals(opensOf(t.events, `${dir}/secret`), ["r EACCES"]);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "fast path: a blocking open of a FIFO waits for its writer, and is recorded",
  ignore: !isLinux || !installed("mkfifo"),
  async fn() {
    const dir = await tmp();
    const script = "mkfifo f && { (sleep 0.3; echo hi > f) & cat f; wait; }";
    const t = await traced(script, dir);
    assertEquals(t.code, 0, t.stderr);
    assertEquals(t.stdout, "hi\n");
    assertEquals(opensOf(t.events, `${dir}/f`).sort(), ["r", "w"]);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "fast path: /proc/self, /dev/stdin and a tty-less /dev/null name the command's own files",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    const script =
      'exec 3</dev/null; grep -c "^Pid:.*$$" /proc/self/status >/dev/null; echo in | cat /dev/stdin; head -c0 /proc/self/fd/3 && echo fd3';
    const plain = await sh(script, dir);
    const t = await traced(script, dir);
    assertEquals(t.code, plain.code, t.stderr);
    assertEquals(t.stdout, plain.stdout);
    assertEquals(t.stdout, "in\nfd3\n");
    assert(opensOf(t.events, "/proc/self/status").length === 1);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "fast path: a /proc path that only the command has (its own task, a /dev/fd it opened) is not answered from the tracer's /proc",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    // cat's own task directory, and an fd only the shell has: the tracer's
    // /proc/self has neither.
    const script =
      "exec 7</dev/null; sh -c 'exec cat /proc/self/task/$$/comm'; cat /dev/fd/7 /dev/fd/7/x 2>&1 | sed \"s/.*: //\"";
    const plain = await sh(script, dir);
    const t = await traced(script, dir, ["--failed"]);
    assertEquals(t.code, plain.code, t.stderr);
    assertEquals(t.stdout, plain.stdout);
    assertEquals(t.stdout, "cat\nNot a directory\n");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "fast path: inside a chroot, absolute paths are the chroot's (the process leaves the fast path)",
  ignore: !isRoot || !installed("chroot") || !installed("busybox"),
  async fn() {
    const dir = await tmp();
    await Deno.mkdir(`${dir}/root/bin`, { recursive: true });
    await Deno.copyFile("/bin/busybox", `${dir}/root/bin/busybox`);
    await Deno.writeTextFile(`${dir}/root/marker`, "inside\n");
    const script = `chroot ${dir}/root /bin/busybox cat /marker`;
    const t = await traced(script, dir);
    assertEquals(t.stdout, "inside\n", t.stderr);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "fast path: --stats counts what it answered; --no-fast-path records the same opens",
  ignore: !isLinux || !FAST_PATH,
  async fn() {
    const dir = await tmp();
    await Deno.writeTextFile(`${dir}/a`, "a\n");
    const script = "cat a; cat missing 2>/dev/null; cd / && cat etc/hostname";
    const fast = await traced(script, dir, ["--failed"]);
    const slow = await traced(script, dir, ["--failed", "--no-fast-path"]);
    const m = /fast path: (\d+) opens answered, (\d+) errors answered/.exec(
      fast.stats,
    );
    if (m === null) throw new Error(`fast path off: ${fast.stats}`);
    assert(Number(m[1]) >= 3 && Number(m[2]) >= 1, fast.stats);
    assertStringIncludes(slow.stats, "fast path off");
    const key = (e: TraceEvent) =>
      e.op === "open" ? `${e.mode} ${e.abs} ${e.error ?? "ok"}` : "";
    const opens = (r: { events: TraceEvent[] }) =>
      r.events.filter((e) => e.op === "open").map(key).sort();
    assertEquals(opens(fast), opens(slow));
    assert(opens(fast).includes(`r ${dir}/missing ENOENT`));
    assert(opens(fast).includes("r /etc/hostname ok"));
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "fast path: signals to the servers while they hand over an fd (V8's profiler) do not change what opens return",
  // The profiler's signals hit every thread of a Deno filemon: run it so.
  ignore: !isLinux || !FAST_PATH || CLI_NAME !== "deno",
  async fn() {
    const dir = await tmp();
    const script =
      "for i in $(seq 200); do cat /usr/include/stdio.h > /dev/null || echo FAIL; done; echo done";
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "-A",
        "--cpu-prof",
        `--cpu-prof-dir=${dir}`,
        `${ROOT}main.ts`,
        "trace",
        "-o",
        "/dev/null",
        "--",
        "sh",
        "-c",
        script,
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(r.stdout);
    const stderr = new TextDecoder().decode(r.stderr);
    assertEquals({ code: r.code, stdout, stderr }, {
      code: 0,
      stdout: "done\n",
      stderr: "",
    });
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "fast path: a launcher that opens a file on the new filter before saying where its listener is (Bun's allocator does) is served, and its open is not recorded",
  ignore: !isLinux || !FAST_PATH,
  async fn() {
    const dir = await tmp();
    await Deno.writeTextFile(`${dir}/early`, "x\n");
    await Deno.writeTextFile(`${dir}/late`, "y\n");
    const out = `${dir}/.trace.jsonl`;
    const r = await new Deno.Command(FILEMON, {
      args: traceArgs("-f", "jsonl", "-o", out, "--", "cat", `${dir}/late`),
      env: { FILEMON_TEST_LAUNCHER_EARLY_OPEN: `${dir}/early` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(r.stderr);
    assertEquals(r.code, 0, stderr);
    assertEquals(new TextDecoder().decode(r.stdout), "y\n");
    const events = (await Deno.readTextFile(out)).split("\n").filter((l) => l)
      .map((l, i) => parseJsonLine(l, i + 1));
    assertEquals(opensOf(events, `${dir}/late`), ["r"]);
    assertEquals(opensOf(events, `${dir}/early`), []);
    await Deno.remove(dir, { recursive: true });
  },
});
