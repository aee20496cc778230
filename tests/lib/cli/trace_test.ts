/**
 * The `trace` command with a backend that replays a recorded log: formats,
 * filters, exit status, signals and a lost output, without tracing
 * anything; and the same replay run as a script under Deno and Bun, whose
 * outputs must be the same bytes.
 */

import { assert, assertEquals, assertRejects } from "@std/assert";
import { traceCommand, type TraceSignals } from "../../../lib/cli/trace.ts";
import { UsageError } from "../../../lib/cli/args.ts";
import { parseJsonLine } from "../../../lib/jsonl.ts";
import { MemoryFiles } from "../../_memory_files.ts";
import { ReplayBackend } from "../../_replay.ts";
import { installed, ROOT, SAMPLES } from "../../_helpers.ts";

const LOG = Deno.readTextFileSync(`${SAMPLES}freebsd-v5-sleep.log`);

/** Signals that never come, unless a test sends one. */
class FakeSignals implements TraceSignals {
  handlers = new Map<string, () => void>();
  on(signal: string, handler: () => void): () => void {
    this.handlers.set(signal, handler);
    return () => this.handlers.delete(signal);
  }
}

async function trace(
  args: string[],
  backend = new ReplayBackend(LOG),
  signals = new FakeSignals(),
): Promise<{ code: number; files: MemoryFiles; backend: ReplayBackend }> {
  const files = new MemoryFiles();
  const code = await traceCommand(
    args,
    files.io(),
    () => Promise.resolve(backend),
    signals,
  );
  return { code, files, backend };
}

Deno.test("trace hands the command, its arguments and --ops to the backend", async () => {
  const odd = "caf\u00e9 \udcff";
  const { backend } = await trace([
    "--ops",
    "r,probe",
    "--failed",
    "--",
    "cc",
    "-c",
    odd,
    "",
  ]);
  const req = backend.requests[0];
  assertEquals(req.argv, ["cc", "-c", odd, ""]);
  assertEquals([...req.ops], ["read", "probe"]);
  assertEquals(req.failed, true);
});

Deno.test("trace writes the replayed records as a filemon log to standard error", async () => {
  const { code, files } = await trace(["--", "sleep", "1"]);
  assertEquals(code, 0);
  const log = files.text(2);
  assert(log.startsWith("# filemon version 5\n# Target pid 53942\n"), log);
  assert(log.includes("\nE 65204 /bin/sleep\n"), log);
  assert(log.endsWith("# Bye bye\n"));
  assertEquals(files.text(1), "");
});

Deno.test("trace -f jsonl -o FILE writes JSON Lines that parse back", async () => {
  const { files } = await trace(["-f", "jsonl", "-o", "/w/t.jsonl", "--", "x"]);
  const lines = files.file("/w/t.jsonl")!.trimEnd().split("\n");
  const events = lines.map((l, i) => parseJsonLine(l, i + 1));
  assertEquals(events[0], { op: "begin", version: 5 });
  assertEquals(events.at(-1), { op: "bye" });
  assert(events.some((e) => e.op === "exec" && e.path === "/bin/sleep"));
  // Nothing but the file was written.
  assertEquals([...files.disk.keys()], ["/w/t.jsonl"]);
});

Deno.test("trace --include filters records but keeps the process tree", async () => {
  const { files } = await trace([
    "--include",
    "/lib/**",
    "--system",
    "--",
    "x",
  ]);
  const records = files.text(2).split("\n").filter((l) => /^[RW] /.test(l));
  assertEquals(records, ["R 65204 /lib/libc.so.7"]);
  assert(files.text(2).includes("\nE 65204 /bin/sleep\n"));
});

Deno.test("trace -f graph-json renders the replay's dependency graph", async () => {
  const { files } = await trace(["-f", "graph-json", "--", "x"]);
  const graph = JSON.parse(files.text(2));
  assertEquals(
    graph.processes.map((p: { pid: number }) => p.pid),
    [65204],
  );
});

Deno.test("trace passes the command's exit status through", async () => {
  const { code } = await trace(["--", "false"], new ReplayBackend(LOG, 3));
  assertEquals(code, 3);
});

Deno.test("trace hands SIGINT, SIGTERM and SIGHUP to the backend, not SIGQUIT", async () => {
  const signals = new FakeSignals();
  const backend = new ReplayBackend(LOG, 143, () => {
    signals.handlers.get("SIGQUIT")!();
    signals.handlers.get("SIGINT")!();
    signals.handlers.get("SIGTERM")!();
    signals.handlers.get("SIGHUP")!();
  });
  const { code } = await trace(["--", "x"], backend, signals);
  assertEquals(code, 143);
  assertEquals(backend.forwarded, ["SIGINT", "SIGTERM", "SIGHUP"]);
  // Listeners are removed once the trace is over.
  assertEquals(signals.handlers.size, 0);
});

Deno.test("trace refuses an output it cannot create before running anything", async () => {
  const files = new MemoryFiles();
  files.missingDirs.add("/gone");
  const backend = new ReplayBackend(LOG);
  await assertRejects(
    () =>
      traceCommand(
        ["-o", "/gone/t.log", "--", "x"],
        files.io(),
        () => Promise.resolve(backend),
        new FakeSignals(),
      ),
    Error,
    "Cannot write '/gone/t.log': no such directory",
  );
  assertEquals(backend.requests.length, 0);
});

Deno.test("trace rejects bad usage with a UsageError", async () => {
  await assertRejects(() => trace([]), UsageError, "trace needs a command");
  await assertRejects(
    () => trace(["--ops", "zz", "--", "x"]),
    UsageError,
    "unknown operation 'zz'",
  );
  await assertRejects(
    () => trace(["-f", "xml", "--", "x"]),
    UsageError,
    "option --format must be one of",
  );
});

/** A log whose command writes `/w/t.log` (pid 7). */
const WRITES_TARGET = `# filemon version 5
# Target pid 1
V 5
E 7 /bin/sh
W 7 /w/t.log
X 7 0
`;

Deno.test("trace keeps a file the command wrote at -o's name and puts the trace beside it", async () => {
  for (const [status, expected] of [[0, 1], [4, 4]]) {
    const files = new MemoryFiles();
    files.disk.set("/w/t.log", new TextEncoder().encode("the command's\n"));
    const code = await traceCommand(
      ["-o", "/w/t.log", "--", "x"],
      files.io(),
      () => Promise.resolve(new ReplayBackend(WRITES_TARGET, status)),
      new FakeSignals(),
    );
    assertEquals(code, expected);
    assertEquals(files.file("/w/t.log"), "the command's\n");
    assert(files.file("/w/t.log.filemon-4242")!.includes("W 7 /w/t.log\n"));
    assertEquals(
      files.text(2),
      "filemon: the command wrote '/w/t.log' itself: it is left as it is, and the trace is in '/w/t.log.filemon-4242'\n",
    );
  }
});

Deno.test("trace puts the trace at -o's name when the file the command wrote is gone", async () => {
  // Written, then deleted (as a temporary): nothing to keep.
  const { code, files } = await trace(
    ["-o", "/w/t.log", "--", "x"],
    new ReplayBackend(WRITES_TARGET),
  );
  assertEquals(code, 0);
  assert(files.file("/w/t.log")!.includes("W 7 /w/t.log\n"));
  assertEquals([...files.disk.keys()], ["/w/t.log"]);
});

/** Memory files whose standard streams were closed at start. */
class ClosedStreams extends MemoryFiles {
  closed: (1 | 2)[] = [];
  closedAtStart(fd: 1 | 2): boolean {
    return this.closed.includes(fd);
  }
}

Deno.test("trace refuses a trace to a stream that was closed at start, running nothing", async () => {
  for (
    const [closed, args, stream] of [
      [2, [], "error"],
      [1, ["-o", "-"], "output"],
    ] as const
  ) {
    const files = new ClosedStreams();
    files.closed = [closed];
    const backend = new ReplayBackend(LOG);
    await assertRejects(
      () =>
        traceCommand(
          [...args, "--", "x"],
          files.io(),
          () => Promise.resolve(backend),
          new FakeSignals(),
        ),
      UsageError,
      `standard ${stream} is closed, so the trace would be lost: give it a file with -o FILE`,
    );
    assertEquals(backend.requests.length, 0);
  }
  // The other stream closed does not matter; nor does either with -o FILE.
  const files = new ClosedStreams();
  files.closed = [1, 2];
  const backend = new ReplayBackend(LOG);
  const code = await traceCommand(
    ["-o", "/w/t.log", "--", "x"],
    files.io(),
    () => Promise.resolve(backend),
    new FakeSignals(),
  );
  assertEquals(code, 0);
  assert(files.file("/w/t.log")!.endsWith("# Bye bye\n"));
});

const SCRIPT = `${ROOT}tests/lib/cli/_replay_trace.ts`;

async function replayUnder(
  runtime: string[],
  args: string[],
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const [cmd, ...rest] = runtime;
  const out = await new Deno.Command(cmd, {
    args: [...rest, SCRIPT, `${SAMPLES}freebsd-v5-sleep.log`, "5", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: out.stdout,
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test({
  name: "trace with the replay backend gives the same bytes under Deno and Bun",
  ignore: !installed("bun"),
  async fn() {
    for (const format of ["filemon", "jsonl", "graph-json"]) {
      const args = ["-f", format, "-o", "-", "--system", "--", "x"];
      const deno = await replayUnder(
        [Deno.execPath(), "run", "-A", "--quiet"],
        args,
      );
      const bun = await replayUnder(["bun"], args);
      assertEquals(deno.code, 5, deno.stderr);
      assertEquals(bun.code, 5, bun.stderr);
      assert(deno.stdout.length > 100);
      assertEquals(bun.stdout, deno.stdout, format);
    }
  },
});
