/**
 * What a record's `abs` names, set up for real with traced processes: the
 * file the call really used, whatever the path's text, the working
 * directory's history, the thread, the depth or the root. Each case runs
 * with the fast path (where the executable has it: read-only opens are
 * then answered by its server) and with `--no-fast-path`.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { parseJsonLine, type TraceEvent } from "../../lib/mod.ts";
import { cc, FAST_PATH, FILEMON, traceArgs } from "../_helpers.ts";

const isLinux = Deno.build.os === "linux";
const isRoot = isLinux && Deno.uid() === 0;

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

/** Runs `sh -c script` traced in `dir`. */
function traceSh(
  dir: string,
  script: string,
  flags: string[],
): Promise<Traced> {
  return trace(dir, ["sh", "-c", script], flags);
}

for (const [mode, flags] of MODES) {
  Deno.test({
    name:
      `paths (${mode}): .. after a symlinked directory is the real parent (chdir, writes, removals)`,
    ignore: !isLinux,
    async fn() {
      const dir = await tmp();
      try {
        await Deno.mkdir(`${dir}/x/real`, { recursive: true });
        await Deno.symlink("x/real", `${dir}/link`);
        const r = await traceSh(
          dir,
          `cd link && echo a > ../out.txt && cd .. && echo b > link/../out2.txt && ` +
            `rm ${dir}/link/../out2.txt && mkdir link/../sub`,
          flags,
        );
        assertEquals(r.code, 0, r.stderr);
        // (The shell's `cd ..` is logical: back to the directory itself.
        // Probes are left out: the fast path's server answers those.)
        assertEquals(
          absUnder(r.events, dir).filter((e) => !e.startsWith("stat")),
          [
            "chdir /x/real",
            "open w /x/out.txt",
            "open w /x/out2.txt",
            "unlink /x/out2.txt",
            "mkdir /x/sub",
          ],
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });

  Deno.test({
    name: `paths (${mode}): .. after a symlinked directory, reads`,
    ignore: !isLinux,
    async fn() {
      const dir = await tmp();
      try {
        await Deno.mkdir(`${dir}/x/real`, { recursive: true });
        await Deno.writeTextFile(`${dir}/x/data.txt`, "x\n");
        await Deno.symlink("x/real", `${dir}/link`);
        const r = await traceSh(
          dir,
          `cat ${dir}/link/../data.txt && cd link && cat ../data.txt`,
          flags,
        );
        assertEquals(r.code, 0, r.stderr);
        assertEquals(r.stdout, "x\nx\n");
        assertEquals(
          absUnder(r.events, dir).filter((e) => e.startsWith("open")),
          ["open r /x/data.txt", "open r /x/data.txt"],
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });

  Deno.test({
    name:
      `paths (${mode}): a working directory renamed while the process is in it`,
    ignore: !isLinux,
    async fn() {
      const dir = await tmp();
      try {
        const r = await traceSh(
          dir,
          "mkdir a && cd a && mv ../a ../b && echo hi > f && cat f",
          flags,
        );
        assertEquals(r.code, 0, r.stderr);
        assertEquals(r.stdout, "hi\n");
        assertEquals(
          absUnder(r.events, dir).filter((e) => !e.startsWith("mkdir")),
          ["chdir /a", "open w /b/f", "open r /b/f"],
        );
        const renames = r.events.flatMap((e) =>
          e.op === "rename" ? [[e.from_abs, e.to_abs]] : []
        );
        assertEquals(renames, [[`${dir}/a`, `${dir}/b`]]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });

  Deno.test({
    name:
      `paths (${mode}): threads with their own working directory (unshare(CLONE_FS)), processes sharing one (clone(CLONE_FS))`,
    ignore: !isLinux,
    async fn() {
      const dir = await tmp();
      try {
        const prog = await cc(
          dir,
          "fsdirs",
          `#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
static void touch(const char *p) {
  int fd = open(p, O_WRONLY | O_CREAT, 0644);
  if (fd < 0) { perror(p); _exit(1); }
  close(fd);
}
static void *own(void *arg) {
  (void)arg;
  if (unshare(CLONE_FS) != 0 || chdir("t") != 0) { perror("thread"); _exit(1); }
  touch("thread.txt");
  return NULL;
}
static int child(void *arg) {
  (void)arg;
  if (chdir("c") != 0) return 1;
  touch("child.txt");
  return 0;
}
static char stack[1 << 16];
int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, own, NULL);
  pthread_join(t, NULL);
  touch("main.txt");
  pid_t pid = clone(child, stack + sizeof stack, CLONE_FS | SIGCHLD, NULL);
  if (pid < 0) { perror("clone"); return 1; }
  int st;
  waitpid(pid, &st, 0);
  /* The child moved this process too: they share a working directory. */
  touch("parent.txt");
  return 0;
}
`,
          ["-pthread"],
        );
        await Deno.mkdir(`${dir}/t`);
        await Deno.mkdir(`${dir}/c`);
        const r = await trace(dir, [prog], flags);
        assertEquals(r.code, 0, r.stderr);
        assertEquals(
          absUnder(r.events, dir).filter((e) => e.endsWith(".txt")),
          [
            "open w /t/thread.txt",
            "open w /main.txt",
            "open w /c/child.txt",
            "open w /c/parent.txt",
          ],
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

/** The deep-directory program: LEVELS nested 100-byte names, then files there. */
const DEEP_C = `#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int levels = atoi(argv[1]);
  char name[101];
  memset(name, 'd', 100);
  name[100] = 0;
  for (int i = 0; i < levels; i++)
    if (mkdir(name, 0755) != 0 || chdir(name) != 0) { perror("mkdir"); return 1; }
  int fd = open("f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 1;
  close(fd);
  fd = open("f", O_RDONLY);
  if (fd < 0) return 1;
  close(fd);
  int dir = open(".", O_RDONLY | O_DIRECTORY);
  if (chdir("/") != 0 || fchdir(dir) != 0) return 1;
  fd = openat(dir, "g", O_WRONLY | O_CREAT, 0644);
  if (fd < 0) return 1;
  close(fd);
  return 0;
}
`;

for (const [mode, flags] of MODES) {
  Deno.test({
    name:
      `paths (${mode}): directories deeper than PATH_MAX: abs whole, fchdir recorded`,
    ignore: !isLinux,
    async fn() {
      const dir = await tmp();
      try {
        const prog = await cc(dir, "deep", DEEP_C);
        const r = await trace(dir, [prog, "50"], flags);
        assertEquals(r.code, 0, r.stderr);
        const deep = dir + ("/" + "d".repeat(100)).repeat(50);
        assert(deep.length > 4096);
        const seen = r.events.flatMap((e) =>
          "abs" in e && (e.op === "open" || e.op === "chdir")
            ? [
              `${e.op}${e.op === "open" ? " " + e.mode : ""} ${e.path} ${
                e.abs === deep ? "DEEP" : e.abs?.replace(deep, "DEEP")
              }`,
            ]
            : []
        ).filter((e) => e.includes("DEEP") || / [fg.] /.test(e));
        const expected = [
          `chdir ${"d".repeat(100)} DEEP`,
          "open w f DEEP/f",
          "open r f DEEP/f",
          "open r . DEEP",
          `chdir ${deep} DEEP`,
          "open w g DEEP/g",
        ];
        assertEquals(seen, expected);
        assertEquals(r.stderr, "");
      } finally {
        await new Deno.Command("rm", { args: ["-rf", dir] }).output();
      }
    },
  });
}

for (const [mode, flags] of MODES) {
  Deno.test({
    name:
      `paths (${mode}): inside a chroot, absolute paths are the jail's files`,
    ignore: !isLinux,
    async fn() {
      const dir = await tmp();
      try {
        // chroot needs root, or a user and mount namespace of our own.
        const prefix = isRoot ? [] : ["unshare", "-rm"];
        if (!isRoot) {
          const probe = await new Deno.Command("unshare", {
            args: ["-rm", "true"],
            stderr: "null",
          }).output().catch(() => ({ success: false }));
          if (!probe.success) {
            console.log("skipped: not root and no unshare -rm here");
            return;
          }
        }
        const prog = await cc(
          dir,
          "jailed",
          `#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
static void use(const char *p, int flags) {
  int fd = open(p, flags, 0644);
  if (fd < 0) { perror(p); _exit(1); }
  close(fd);
}
int main(int argc, char **argv) {
  use("/etc/passwd", O_RDONLY);        /* the host's, before */
  if (chroot(argv[1]) != 0 || chdir("/home") != 0) { perror("chroot"); return 1; }
  use("/etc/passwd", O_RDONLY);        /* the jail's */
  use("/out.txt", O_WRONLY | O_CREAT);
  use("../../../etc/group", O_RDONLY); /* .. stops at the jail's root */
  return 0;
}
`,
          ["-static"],
        );
        const jail = `${dir}/jail`;
        await Deno.mkdir(`${jail}/etc`, { recursive: true });
        await Deno.mkdir(`${jail}/home`);
        await Deno.writeTextFile(`${jail}/etc/passwd`, "jail\n");
        await Deno.writeTextFile(`${jail}/etc/group`, "jail\n");
        const out = `${dir}/.trace.jsonl`;
        const run = await new Deno.Command(prefix[0] ?? FILEMON, {
          args: [
            ...prefix.slice(1),
            ...(prefix.length > 0 ? [FILEMON] : []),
            ...traceArgs("-f", "jsonl", "-o", out, ...flags, "--", prog, jail),
          ],
          cwd: dir,
          stderr: "piped",
        }).output();
        assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
        const events = (await Deno.readTextFile(out)).split("\n")
          .filter((l) => l !== "").map((l, i) => parseJsonLine(l, i + 1));
        const opens = events.flatMap((e) =>
          e.op === "open" && !e.path.includes("/lib") && e.path !== "/dev/null"
            ? [`${e.mode} ${e.path} ${e.abs}`]
            : []
        );
        assertEquals(opens, [
          "r /etc/passwd /etc/passwd",
          `r /etc/passwd ${jail}/etc/passwd`,
          `w /out.txt ${jail}/out.txt`,
          `r ../../../etc/group ${jail}/etc/group`,
        ]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "paths: exec's arguments whole (a 100 KB argument, 100,000 arguments)",
  ignore: !isLinux,
  async fn() {
    const dir = await tmp();
    try {
      const big = "x".repeat(100_000);
      const r = await traceSh(
        dir,
        `/bin/true ${big} && /bin/true $(seq 100000)`,
        ["--no-fast-path"],
      );
      assertEquals(r.code, 0, r.stderr);
      const argvs = r.events.flatMap((e) =>
        e.op === "exec" && e.path === "/bin/true" ? [e.argv ?? []] : []
      );
      assertEquals(argvs.length, 2);
      assertEquals(argvs[0], ["/bin/true", big]);
      assertEquals(argvs[1].length, 100_001);
      assertEquals(argvs[1][100_000], "100000");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "paths: a process closed to filemon (non-dumpable, traced without root): the calls not recorded are counted, in the trace and on stderr",
  ignore: !isLinux || !isRoot,
  async fn() {
    const dir = await tmp();
    try {
      await Deno.chmod(dir, 0o777);
      const prog = await cc(
        dir,
        "nodump",
        `#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc > 1) prctl(PR_SET_DUMPABLE, 0);
  int fd = open("/etc/hostname", O_RDONLY);
  if (fd >= 0) close(fd);
  fd = open("out.txt", O_WRONLY | O_CREAT, 0644);
  if (fd >= 0) close(fd);
  return 0;
}
`,
      );
      await Deno.chmod(prog, 0o755);
      // filemon itself runs as nobody (its Deno cache in the directory).
      const asNobody = async (args: string[]) => {
        const r = await new Deno.Command("setpriv", {
          args: [
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "env",
            `HOME=${dir}`,
            `DENO_DIR=${Deno.env.get("DENO_DIR") ?? `${dir}/.deno`}`,
            FILEMON,
            ...traceArgs("-o", "-", "--no-fast-path", "--", prog, ...args),
          ],
          cwd: dir,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        return {
          code: r.code,
          stdout: dec.decode(r.stdout),
          stderr: dec.decode(r.stderr),
        };
      };
      const plain = await asNobody([]);
      assertEquals(plain.code, 0, plain.stderr);
      assertStringIncludes(plain.stdout, " /etc/hostname\n");
      assertStringIncludes(plain.stdout, ` ${dir}/out.txt\n`);
      assert(!plain.stderr.includes("not recorded"), plain.stderr);
      const closed = await asNobody(["nodump"]);
      assertEquals(closed.code, 0, closed.stderr);
      assert(!closed.stdout.includes("/etc/hostname"), closed.stdout);
      assertStringIncludes(closed.stdout, "\n# filemon: 2 calls not recorded:");
      assertStringIncludes(
        closed.stderr,
        "filemon: warning: 2 calls not recorded:",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

for (const [mode, flags] of MODES) {
  Deno.test({
    name:
      `paths (${mode}): relative paths after cd, with chdir not among the ops (no chdir stops)`,
    ignore: !isLinux,
    async fn() {
      const dir = await tmp();
      try {
        await Deno.mkdir(`${dir}/a/b`, { recursive: true });
        await Deno.writeTextFile(`${dir}/a/b/in.txt`, "x\n");
        const r = await traceSh(
          dir,
          "cd a && cd b && cat in.txt && echo y > out.txt && cd .. && cat b/out.txt",
          [...flags, "--ops", "r,w"],
        );
        assertEquals(r.code, 0, r.stderr);
        assertEquals(absUnder(r.events, dir), [
          "open r /a/b/in.txt",
          "open w /a/b/out.txt",
          "open r /a/b/out.txt",
        ]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
