/**
 * What a record's `abs` names, set up for real with traced processes: the
 * file the call really used, whatever the path's text, the working
 * directory's history, the thread, the depth or the root. Each case runs
 * with the fast path (where the executable has it: read-only opens are
 * then answered by its server) and with `--no-fast-path`.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { parseJsonLine, type TraceEvent } from "../../lib/mod.ts";
import { cc, FAST_PATH, FILEMON, traceArgs } from "../_helpers.ts";

const isLinux = Deno.build.os === "linux";

/** The ways to trace: with the fast path where there is one, and without. */
const MODES: [string, string[]][] = FAST_PATH
  ? [["fast path", []], ["--no-fast-path", ["--no-fast-path"]]]
  : [["--no-fast-path", ["--no-fast-path"]]];

async function tmp(): Promise<string> {
  return await Deno.realPath(
    await Deno.makeTempDir({ prefix: "filemon-paths-" }),
  );
}

interface Traced {
  code: number;
  stdout: string;
  stderr: string;
  events: TraceEvent[];
  /** The filemon log of the same run (`-f filemon` from the JSON Lines). */
  lines: string[];
}

/** Traces `argv` in `cwd` (JSON Lines, all ops); returns its events. */
async function trace(
  cwd: string,
  argv: string[],
  flags: string[] = [],
): Promise<Traced> {
  const out = `${cwd}/.trace.jsonl`;
  const r = await new Deno.Command(FILEMON, {
    args: traceArgs(
      "-f",
      "jsonl",
      "--ops",
      "all",
      "-o",
      out,
      ...flags,
      "--",
      ...argv,
    ),
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = await Deno.readTextFile(out);
  await Deno.remove(out);
  const dec = new TextDecoder();
  return {
    code: r.code,
    stdout: dec.decode(r.stdout),
    stderr: dec.decode(r.stderr),
    events: text.split("\n").filter((l) => l !== "").map((l, i) =>
      parseJsonLine(l, i + 1)
    ),
    lines: [],
  };
}

/** `op abs` of the events with a path, in order, for those under `dir`. */
function absUnder(events: TraceEvent[], dir: string): string[] {
  const out: string[] = [];
  for (const e of events) {
    if ("abs" in e && e.abs !== undefined && e.abs.startsWith(dir + "/")) {
      const mode = e.op === "open" ? ` ${e.mode}` : "";
      out.push(`${e.op}${mode} ${e.abs.slice(dir.length)}`);
    }
  }
  return out;
}

for (const [mode, flags] of MODES) {
  Deno.test({
    name:
      `paths (${mode}): a path is the one read at the call's entry, though another thread rewrites its buffer while the call runs`,
    ignore: !isLinux,
    async fn() {
      const dir = await tmp();
      try {
        // The main thread opens the FIFO "fifoA" for reading: the kernel
        // has taken the path and waits for a writer. Only then does the
        // other thread rewrite the buffer to "fifoB" and open "fifoA" for
        // writing, which lets the first open return.
        const prog = await cc(
          dir,
          "rewrite",
          `#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static char buf[64] = "fifoA";
static pid_t main_tid;
/* The main thread waits in a FIFO's open for a writer: the kernel has its path. */
static int blocked_in_open(void) {
  char p[64], s[64] = "";
  snprintf(p, sizeof p, "/proc/%d/task/%d/wchan", getpid(), main_tid);
  FILE *f = fopen(p, "r");
  if (!f) return 0;
  size_t n = fread(s, 1, sizeof s - 1, f);
  fclose(f);
  s[n] = 0;
  return strcmp(s, "wait_for_partner") == 0;
}
static void *other(void *arg) {
  (void)arg;
  while (!blocked_in_open()) usleep(1000);
  strcpy(buf, "fifoB");
  int fd = open("fifoA", O_WRONLY);
  if (fd < 0) { perror("open fifoA"); return NULL; }
  close(fd);
  return NULL;
}
int main(void) {
  main_tid = gettid();
  pthread_t t;
  pthread_create(&t, NULL, other, NULL);
  int fd = open(buf, O_RDONLY);
  if (fd < 0) { perror("open"); return 1; }
  pthread_join(t, NULL);
  return 0;
}
`,
          ["-pthread"],
        );
        for (const name of ["fifoA", "fifoB"]) {
          const mk = await new Deno.Command("mkfifo", {
            args: [`${dir}/${name}`],
          })
            .output();
          assert(mk.success);
        }
        const r = await trace(dir, [prog], flags);
        assertEquals(r.code, 0, r.stderr);
        const opens = absUnder(r.events, dir).filter((s) => s.includes("fifo"));
        assertEquals(opens.sort(), ["open r /fifoA", "open w /fifoA"]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
