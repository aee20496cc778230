/**
 * `trace`'s live progress in a real pseudo-terminal (python3's pty module):
 * a traced command that prints whole lines and a half line reads on the
 * screen (replayed through a model terminal) exactly as it does untraced,
 * the status line showed meanwhile, between the command's writes, and is
 * gone at the end; and when progress is shown at all (the trace on the
 * terminal, --no-progress, a standard error that is no terminal, TERM=dumb,
 * --progress).
 */

import { assert, assertEquals } from "@std/assert";
import { FILEMON, installed, traceArgs } from "../_helpers.ts";
import { TinyTerminal } from "../_terminal.ts";

const ok = Deno.build.os === "linux" && installed("python3");

/** Runs argv on a pty of rows x columns; prints all it wrote to the pty. */
const PTY_RUN = `
import os, pty, sys, struct, fcntl, termios
rows, cols, term = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
argv = sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.environ["TERM"] = term
    os.environ.pop("LINES", None)
    os.environ.pop("COLUMNS", None)
    os.execv(argv[0], argv)
out = bytearray()
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(bytes(out))
sys.exit(os.waitstatus_to_exitcode(status))
`;

const ROWS = 12;
const COLUMNS = 70;

/** What a pty showed: the bytes as text, and the exit code. */
async function onPty(
  argv: string[],
  term = "xterm",
): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command("python3", {
    args: ["-c", PTY_RUN, String(ROWS), String(COLUMNS), term, ...argv],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return { code: out.code, text: new TextDecoder().decode(out.stdout) };
}

/** The screen and scrollback that `text` leaves on the model terminal. */
function transcript(text: string): string[] {
  const t = new TinyTerminal(ROWS, COLUMNS);
  t.write(text);
  return t.transcript();
}

/**
 * Prints 30 lines (more than the screen holds), then a line in two writes
 * with a pause between them, then exits 3.
 */
const SCRIPT = `i=1
while [ $i -le 30 ]; do echo "line $i of the command's own output"; i=$((i+1)); sleep 0.03; done
printf 'half a line, '; sleep 0.7; echo 'then the rest'
echo last; exit 3`;

async function tmpDir(): Promise<string> {
  return await Deno.realPath(
    await Deno.makeTempDir({ prefix: "filemon-progress-" }),
  );
}

Deno.test({
  name:
    "trace -o FILE on a terminal: the status line comes and goes, the command's output reads as untraced",
  ignore: !ok,
  async fn() {
    const dir = await tmpDir();
    try {
      const log = `${dir}/t.log`;
      const alone = await onPty(["/bin/sh", "-c", SCRIPT]);
      const traced = await onPty([
        FILEMON,
        ...traceArgs("-o", log, "--", "/bin/sh", "-c", SCRIPT),
      ]);
      assertEquals([alone.code, traced.code], [3, 3]);
      // The status line was drawn, on the bottom row, while the half line
      // waited for its end.
      const status = new RegExp(
        `\x1b\\[${ROWS};1H\x1b\\[0m\x1b\\[2Kfilemon: \\d+ running, \\d+ seen, \\d+ events, 0:0\\d\x1b8`,
      );
      assert(status.test(traced.text), JSON.stringify(traced.text));
      const half = traced.text.indexOf("half a line, ");
      const rest = traced.text.indexOf("then the rest");
      assert(half > 0 && rest > half);
      assert(
        traced.text.slice(half, rest).includes("filemon: "),
        "no status drawn between the command's two writes",
      );
      // What the terminal shows at the end, scrollback included: the same
      // as without filemon, every line whole, no status left.
      const screen = transcript(traced.text);
      assertEquals(screen, transcript(alone.text));
      for (let i = 1; i <= 30; i++) {
        assert(screen.includes(`line ${i} of the command's own output`));
      }
      assert(screen.includes("half a line, then the rest"));
      assert(
        screen.every((row) => !row.includes("filemon")),
        screen.join("\n"),
      );
      // The screen scrolls whole again.
      assert(
        traced.text.endsWith("\x1b[r\x1b8"),
        JSON.stringify(traced.text.slice(-40)),
      );
      assert(Deno.readTextFileSync(log).endsWith("# Bye bye\n"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "trace shows no status line with the trace on the terminal, --no-progress, stderr elsewhere or TERM=dumb; --progress forces it",
  ignore: !ok,
  async fn() {
    const dir = await tmpDir();
    try {
      const log = `${dir}/t.log`;
      const cmd = ["--", "/bin/sh", "-c", "echo hi; sleep 0.8; echo bye"];
      const drawn = (text: string) => text.includes("\x1b7");
      // The control: the same run with -o FILE draws.
      const shown = await onPty([FILEMON, ...traceArgs("-o", log, ...cmd)]);
      assert(drawn(shown.text), JSON.stringify(shown.text));
      // The trace itself goes to the terminal (standard error).
      const onTerminal = await onPty([FILEMON, ...traceArgs(...cmd)]);
      assert(!drawn(onTerminal.text));
      assert(onTerminal.text.includes("# Bye bye"));
      const off = await onPty([
        FILEMON,
        ...traceArgs("--no-progress", "-o", log, ...cmd),
      ]);
      assert(!drawn(off.text));
      assertEquals(transcript(off.text), ["hi", "bye"]);
      const dumb = await onPty(
        [FILEMON, ...traceArgs("-o", log, ...cmd)],
        "dumb",
      );
      assert(!drawn(dumb.text));
      // Standard error to a file: nothing there, unless --progress.
      const errFile = `${dir}/err`;
      const viaSh = (...flags: string[]) => [
        "/bin/sh",
        "-c",
        `exec "$@" 2>${errFile}`,
        "sh",
        FILEMON,
        ...traceArgs(...flags, "-o", log, ...cmd),
      ];
      const piped = await onPty(viaSh());
      assert(!drawn(piped.text));
      assertEquals(Deno.readTextFileSync(errFile), "");
      const forced = await onPty(viaSh("--progress"));
      assert(!drawn(forced.text));
      const err = Deno.readTextFileSync(errFile);
      assert(
        err.includes("\x1b[24;1H\x1b[0m\x1b[2Kfilemon: "),
        JSON.stringify(err),
      );
      assert(err.endsWith("\x1b[24;1H\x1b[2K\x1b[r\x1b8"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("trace refuses --progress with --no-progress", async () => {
  const out = await new Deno.Command(FILEMON, {
    args: traceArgs("--progress", "--no-progress", "--", "true"),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 2);
  assertEquals(
    new TextDecoder().decode(out.stderr),
    "filemon: --progress and --no-progress cannot both be given\n",
  );
});
