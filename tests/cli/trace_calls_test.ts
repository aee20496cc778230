/**
 * What a call means must be what the trace says (issue #9, "Wrong files
 * recorded"): renameat2's flags, O_PATH opens, open_by_handle_at, mknod,
 * bind, the xattr calls, openat2 with RESOLVE_IN_ROOT, O_TMPFILE and
 * linkat, paths through /proc/self/fd, memfd exec, and setuid programs.
 * A C program does each for real in a fresh directory; the trace (JSON
 * Lines, a filemon log, the graph) is checked against what it did, with the
 * fast path and with `--no-fast-path`.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { parseJsonLine, type TraceEvent } from "../../lib/mod.ts";
import { cc, FAST_PATH, FILEMON, installed, traceArgs } from "../_helpers.ts";

const isLinux = Deno.build.os === "linux";
const haveCc = isLinux && installed("gcc");
const isRoot = isLinux && Deno.uid() === 0;

/** `calls CASE`: does one case in the working directory; prints what it did. */
const CALLS_C = String.raw`#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif
struct xattr_args_ { unsigned long long value; unsigned size, flags; };

static void check(int ok, const char *what) {
  if (!ok) { fprintf(stderr, "%s: %s\n", what, strerror(errno)); exit(2); }
}

static void put(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  check(fd >= 0, path);
  check(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
  close(fd);
}

static void run_child(void (*fn)(void *), void *arg) {
  pid_t pid = fork();
  if (pid == 0) { fn(arg); _exit(127); }
  int st;
  waitpid(pid, &st, 0);
  printf("child %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void fexec(void *arg) {
  int fd = *(int *)arg;
  char *argv[] = {"true", NULL}, *envp[] = {NULL};
  fexecve(fd, argv, envp);
}

static void exec_proc(void *arg) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", *(int *)arg);
  char *argv[] = {"true", NULL}, *envp[] = {NULL};
  execve(path, argv, envp);
}

int main(int argc, char **argv) {
  const char *c = argv[1];
  if (!strcmp(c, "exchange")) {
    put("a", "A"); put("b", "B"); put("c", "C");
    check(syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE) == 0, "exchange");
    check(syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "d", RENAME_NOREPLACE) == 0, "noreplace");
    put("e", "E");
    check(syscall(SYS_renameat2, AT_FDCWD, "d", AT_FDCWD, "e", RENAME_NOREPLACE) == -1 && errno == EEXIST, "noreplace onto a file");
    printf("a=%c\n", getc(fopen("a", "r")));
  } else if (!strcmp(c, "opath")) {
    int fd = open("in.txt", O_PATH);
    check(fd >= 0, "O_PATH");
    struct stat st;
    check(fstat(fd, &st) == 0, "fstat");
    int dfd = open("sub", O_PATH | O_DIRECTORY);
    check(dfd >= 0, "O_PATH dir");
    check(openat(AT_FDCWD, "in.txt", O_PATH | O_WRONLY) >= 0, "O_PATH|O_WRONLY");
    printf("size %ld\n", (long)st.st_size);
  } else if (!strcmp(c, "nodes")) {
    check(mkfifo("fifo", 0644) == 0, "mkfifo");
    check(mknodat(AT_FDCWD, "plain", S_IFREG | 0644, 0) == 0, "mknod S_IFREG");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "sock");
    check(bind(s, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 5) == 0, "bind");
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un b = {.sun_family = AF_UNIX};
    memcpy(b.sun_path, "\0abstract", 9);
    check(bind(s2, (struct sockaddr *)&b, offsetof(struct sockaddr_un, sun_path) + 9) == 0, "bind abstract");
    /* sun_path without its NUL: the length says where it ends. */
    int s3 = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un d = {.sun_family = AF_UNIX};
    memcpy(d.sun_path, "sock2XYZ", 8);
    check(bind(s3, (struct sockaddr *)&d, offsetof(struct sockaddr_un, sun_path) + 5) == 0, "bind unterminated");
    printf("nodes made\n");
  } else if (!strcmp(c, "xattr")) {
    check(setxattr("in.txt", "user.one", "1", 1, 0) == 0, "setxattr");
    check(lsetxattr("in.txt", "user.two", "2", 1, 0) == 0, "lsetxattr");
    char buf[64];
    check(getxattr("in.txt", "user.one", buf, sizeof buf) == 1, "getxattr");
    check(listxattr("in.txt", buf, sizeof buf) > 0, "listxattr");
    check(removexattr("in.txt", "user.two") == 0, "removexattr");
    struct xattr_args_ xa = {(unsigned long)"3", 1, 0};
    long r = syscall(SYS_setxattrat, AT_FDCWD, "in.txt", 0, "user.three", &xa, sizeof xa);
    printf("setxattrat %s\n", r == 0 ? "ok" : strerror(errno));
    check(removexattr("in.txt", "user.missing") == -1, "removexattr missing");
  } else if (!strcmp(c, "inroot")) {
    int dfd = open("sub", O_PATH | O_DIRECTORY);
    struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT};
    int fd = syscall(SYS_openat2, dfd, "/b", &how, sizeof how);
    check(fd >= 0, "openat2 /b");
    char ch;
    check(read(fd, &ch, 1) == 1, "read");
    int fd2 = syscall(SYS_openat2, dfd, "../../b", &how, sizeof how);
    check(fd2 >= 0, "openat2 ../../b");
    struct open_how beneath = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
    check(syscall(SYS_openat2, dfd, "b", &beneath, sizeof beneath) >= 0, "beneath");
    printf("read %c\n", ch);
  } else if (!strcmp(c, "tmpfile")) {
    int fd = open(".", O_TMPFILE | O_WRONLY, 0644);
    check(fd >= 0, "O_TMPFILE");
    check(write(fd, "T", 1) == 1, "write");
    check(linkat(fd, "", AT_FDCWD, "linked1", AT_EMPTY_PATH) == 0, "linkat AT_EMPTY_PATH");
    int fd2 = open(".", O_TMPFILE | O_RDWR, 0644);
    check(fd2 >= 0, "O_TMPFILE 2");
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd2);
    check(linkat(AT_FDCWD, p, AT_FDCWD, "linked2", AT_SYMLINK_FOLLOW) == 0, "linkat /proc/self/fd");
    printf("linked\n");
  } else if (!strcmp(c, "procfd")) {
    int fd = open("in.txt", O_RDONLY);
    check(fd >= 0, "open");
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    check(open(p, O_RDONLY) >= 0, "reopen /proc/self/fd");
    snprintf(p, sizeof p, "/dev/fd/%d", fd);
    check(open(p, O_RDONLY) >= 0, "reopen /dev/fd");
    int dfd = open("sub", O_RDONLY | O_DIRECTORY);
    snprintf(p, sizeof p, "/proc/self/fd/%d/b", dfd);
    check(open(p, O_RDONLY) >= 0, "through a directory fd");
    int gone = open("gone", O_WRONLY | O_CREAT, 0644);
    check(gone >= 0 && unlink("gone") == 0, "unlinked");
    snprintf(p, sizeof p, "/proc/self/fd/%d", gone);
    check(open(p, O_WRONLY) >= 0, "reopen an unlinked file");
    printf("reopened\n");
  } else if (!strcmp(c, "memfd")) {
    int fd = memfd_create("x", 0);
    int src = open("/bin/true", O_RDONLY);
    char buf[65536];
    ssize_t n;
    while ((n = read(src, buf, sizeof buf)) > 0) check(write(fd, buf, n) == n, "copy");
    run_child(fexec, &fd);
    run_child(exec_proc, &fd);
  } else if (!strcmp(c, "handle")) {
    struct file_handle *h = malloc(sizeof *h + 128);
    h->handle_bytes = 128;
    int mount_id;
    check(name_to_handle_at(AT_FDCWD, "in.txt", h, &mount_id, 0) == 0, "name_to_handle_at");
    int mfd = open(".", O_RDONLY | O_DIRECTORY);
    int fd = open_by_handle_at(mfd, h, O_RDONLY);
    check(fd >= 0, "open_by_handle_at");
    char ch;
    check(read(fd, &ch, 1) == 1, "read");
    check(open_by_handle_at(mfd, h, O_PATH) >= 0, "open_by_handle_at O_PATH");
    printf("read %c\n", ch);
  } else if (!strcmp(c, "euid")) {
    printf("euid %d\n", (int)geteuid());
  } else {
    return 3;
  }
  return 0;
}
`;

interface Traced {
  code: number;
  stdout: string;
  stderr: string;
  text: string;
}

async function tmp(): Promise<string> {
  return await Deno.realPath(
    await Deno.makeTempDir({ prefix: "filemon-calls-" }),
  );
}

let binary: string | undefined;

/** The program, compiled once for all the tests. */
async function compiled(): Promise<string> {
  binary ??= await cc(await tmp(), "calls", CALLS_C);
  return binary;
}

/** A fresh directory with the program, `in.txt` and `sub/b`. */
async function fixture(): Promise<{ dir: string; prog: string }> {
  const dir = await tmp();
  const prog = `${dir}/calls`;
  await Deno.copyFile(await compiled(), prog);
  await Deno.writeTextFile(`${dir}/in.txt`, "I");
  await Deno.mkdir(`${dir}/sub`);
  await Deno.writeTextFile(`${dir}/sub/b`, "S");
  await Deno.writeTextFile(`${dir}/b`, "outside");
  return { dir, prog };
}

async function trace(
  dir: string,
  flags: string[],
  command: string[],
): Promise<Traced> {
  const out = `${dir}/.trace`;
  const r = await new Deno.Command(FILEMON, {
    args: traceArgs("-o", out, ...flags, "--", ...command),
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const text = await Deno.readTextFile(out);
  await Deno.remove(out);
  return {
    code: r.code,
    stdout: dec.decode(r.stdout),
    stderr: dec.decode(r.stderr),
    text,
  };
}

/** The events of a JSON Lines trace by the traced program, `time` dropped. */
function eventsOf(t: Traced): TraceEvent[] {
  return t.text.split("\n").filter((l) => l !== "").map((l, i) => {
    const e = parseJsonLine(l, i + 1) as TraceEvent & { time?: number };
    delete e.time;
    return e;
  });
}

/** The events naming a path under `dir` (`abs`, `from_abs` or `to_abs`), `pid` dropped. */
function under(events: TraceEvent[], dir: string): Record<string, unknown>[] {
  const inside = (p: unknown) =>
    typeof p === "string" && p.startsWith(`${dir}/`) &&
    !p.startsWith(`${dir}/calls`) && !p.startsWith(`${dir}/.trace`);
  return events.flatMap((e) => {
    const r = e as unknown as Record<string, unknown>;
    if (!inside(r.abs) && !inside(r.from_abs) && !inside(r.to_abs)) return [];
    const { pid: _pid, ...rest } = r;
    return [rest];
  });
}

/** Traces `calls CASE` with each way of answering opens; `check` gets each run. */
async function eachPath(
  name: string,
  flags: string[],
  check: (t: Traced, dir: string) => void | Promise<void>,
): Promise<void> {
  for (const fast of FAST_PATH ? [true, false] : [false]) {
    const { dir, prog } = await fixture();
    const t = await trace(
      dir,
      [...flags, ...(fast ? [] : ["--no-fast-path"])],
      [prog, name],
    );
    assertEquals(t.code, 0, `${name} ${fast ? "fast" : "ptrace"}: ${t.stderr}`);
    await check(t, dir);
    await Deno.remove(dir, { recursive: true });
  }
}

const JSONL_ALL = ["-f", "jsonl", "--ops", "all", "--failed"];

Deno.test({
  name:
    "renameat2: RENAME_EXCHANGE keeps both names (JSON, filemon log, graph); RENAME_NOREPLACE is marked",
  ignore: !haveCc,
  async fn() {
    await eachPath("exchange", JSONL_ALL, (t, dir) => {
      assertEquals(t.stdout, "a=B\n");
      const renames = eventsOf(t).filter((e) => e.op === "rename");
      assertEquals(renames.map(({ pid: _, ...e }) => e), [
        {
          op: "rename",
          from: "a",
          to: "b",
          from_abs: `${dir}/a`,
          to_abs: `${dir}/b`,
          exchange: true,
        },
        {
          op: "rename",
          from: "c",
          to: "d",
          from_abs: `${dir}/c`,
          to_abs: `${dir}/d`,
          noreplace: true,
        },
        {
          op: "rename",
          from: "d",
          to: "e",
          from_abs: `${dir}/d`,
          to_abs: `${dir}/e`,
          noreplace: true,
          error: "EEXIST",
        },
      ]);
    });
    await eachPath("exchange", [], (t, dir) => {
      // filemon has no letter for an exchange: both names written.
      const lines = t.text.split("\n").filter((l) =>
        l.includes(`${dir}/a`) || l.includes(`${dir}/b`)
      ).map((l) => l.replace(/^(\w) \d+ /, "$1 "));
      assertEquals(lines, [
        `W ${dir}/a`,
        `W ${dir}/b`,
        `W ${dir}/a`,
        `W ${dir}/b`,
        `R ${dir}/a`,
      ]);
    });
    await eachPath("exchange", ["-f", "graph-json"], (t, dir) => {
      const graph = JSON.parse(t.text) as {
        files: { path: string; exists: boolean }[];
      };
      const exists = (p: string) =>
        graph.files.find((f) => f.path === p)?.exists;
      assertEquals([exists(`${dir}/a`), exists(`${dir}/b`)], [true, true]);
      assertEquals([exists(`${dir}/c`), exists(`${dir}/d`)], [false, true]);
    });
  },
});

Deno.test({
  name:
    "O_PATH opens read nothing: no read record, a lookup under --ops probe, no make prerequisite",
  ignore: !haveCc,
  async fn() {
    await eachPath("opath", ["-f", "jsonl"], (t, dir) => {
      assertEquals(t.stdout, "size 1\n");
      assertEquals(under(eventsOf(t), dir), []);
    });
    await eachPath("opath", JSONL_ALL, (t, dir) => {
      assertEquals(under(eventsOf(t), dir), [
        { op: "lookup", path: "in.txt", abs: `${dir}/in.txt` },
        { op: "lookup", path: "sub", abs: `${dir}/sub` },
        { op: "lookup", path: "in.txt", abs: `${dir}/in.txt` },
      ]);
    });
    await eachPath("opath", ["-f", "filemon"], (t, dir) => {
      assert(!t.text.includes(`${dir}/in.txt`), t.text);
    });
  },
});

Deno.test({
  name:
    "mknod, mkfifo and bind of a Unix socket path are recorded as mknod with the node's type",
  ignore: !haveCc,
  async fn() {
    await eachPath("nodes", JSONL_ALL, (t, dir) => {
      assertEquals(under(eventsOf(t), dir), [
        { op: "mknod", path: "fifo", abs: `${dir}/fifo`, type: "fifo" },
        { op: "mknod", path: "plain", abs: `${dir}/plain`, type: "file" },
        { op: "mknod", path: "sock", abs: `${dir}/sock`, type: "socket" },
        { op: "mknod", path: "sock2", abs: `${dir}/sock2`, type: "socket" },
      ]);
    });
    // Under the default ops (filemon's) they are not asked for.
    await eachPath("nodes", ["-f", "jsonl"], (t, dir) => {
      assertEquals(under(eventsOf(t), dir), []);
    });
  },
});

Deno.test({
  name:
    "setxattr and removexattr are recorded under chmod, getxattr and listxattr as probes, with the attribute's name",
  ignore: !haveCc,
  async fn() {
    await eachPath("xattr", JSONL_ALL, (t, dir) => {
      const abs = `${dir}/in.txt`;
      const path = "in.txt";
      const withAt = t.stdout.includes("setxattrat ok");
      assertEquals(under(eventsOf(t), dir), [
        { op: "setxattr", path, abs, name: "user.one" },
        { op: "setxattr", path, abs, name: "user.two" },
        { op: "getxattr", path, abs, name: "user.one" },
        { op: "listxattr", path, abs },
        { op: "removexattr", path, abs, name: "user.two" },
        ...(withAt ? [{ op: "setxattr", path, abs, name: "user.three" }] : []),
        {
          op: "removexattr",
          path,
          abs,
          name: "user.missing",
          error: "ENODATA",
        },
      ]);
    });
    await eachPath("xattr", ["-f", "jsonl", "--ops", "chmod"], (t, dir) => {
      assertEquals(
        under(eventsOf(t), dir).map((e) => e.op),
        t.stdout.includes("setxattrat ok")
          ? ["setxattr", "setxattr", "removexattr", "setxattr"]
          : ["setxattr", "setxattr", "removexattr"],
      );
    });
  },
});

Deno.test({
  name:
    "openat2 with RESOLVE_IN_ROOT: an absolute path and .. stay inside the directory fd",
  ignore: !haveCc,
  async fn() {
    await eachPath("inroot", ["-f", "jsonl"], (t, dir) => {
      assertEquals(t.stdout, "read S\n");
      assertEquals(under(eventsOf(t), dir), [
        { op: "open", path: "/b", abs: `${dir}/sub/b`, mode: "r" },
        { op: "open", path: "../../b", abs: `${dir}/sub/b`, mode: "r" },
        { op: "open", path: "b", abs: `${dir}/sub/b`, mode: "r" },
      ]);
    });
  },
});

Deno.test({
  name:
    "O_TMPFILE opens a nameless file, not the directory; linkat gives it a name (a write of that name)",
  ignore: !haveCc || !isRoot, // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH
  async fn() {
    await eachPath("tmpfile", JSONL_ALL, (t, dir) => {
      const events = eventsOf(t);
      const tmp = events.filter((e) => e.op === "open" && e.tmpfile);
      assertEquals(tmp.length, 2);
      for (const e of tmp) {
        if (e.op !== "open") continue;
        assertEquals([e.path, e.anon], [".", true]);
        assert(
          /^.*\/#\d+ \(deleted\)$/.test(e.abs ?? ""),
          `abs of an O_TMPFILE file: ${e.abs}`,
        );
      }
      assertEquals(under(events.filter((e) => !tmp.includes(e)), dir), [
        {
          op: "open",
          path: "linked1",
          abs: `${dir}/linked1`,
          mode: "w",
          create: true,
        },
        {
          op: "open",
          path: "linked2",
          abs: `${dir}/linked2`,
          mode: "w",
          create: true,
        },
      ]);
      // The directory itself was not opened.
      assert(!events.some((e) => e.op === "open" && e.abs === dir));
    });
    await eachPath("tmpfile", [], (t, dir) => {
      const lines = t.text.split("\n").filter((l) => l.includes(dir))
        .map((l) => l.replace(/^(\w) \d+ /, "$1 "))
        .filter((l) => !l.startsWith("E ") && !l.includes("/calls"));
      assertEquals(lines, [`W ${dir}/linked1`, `W ${dir}/linked2`]);
    });
    await eachPath("tmpfile", ["-f", "graph-make"], (t, dir) => {
      assertStringIncludes(t.text, `${dir}/linked1:`);
      assert(!t.text.includes(`${dir}:`), t.text);
      assert(!t.text.includes("(deleted)"), t.text);
    });
  },
});

Deno.test({
  name:
    "a path through /proc/self/fd/N or /dev/fd/N is recorded as the file that fd has open",
  ignore: !haveCc,
  async fn() {
    await eachPath("procfd", JSONL_ALL, (t, dir) => {
      assertEquals(t.stdout, "reopened\n");
      const events = eventsOf(t).flatMap((e) =>
        e.op === "open" &&
          (e.path.startsWith("/proc/") || e.path.startsWith("/dev/"))
          ? [e]
          : []
      );
      const fd = (n: string) => (e: { path: string }) =>
        e.path.replace(/\d+/, n);
      assertEquals(events.length, 4);
      assertEquals(events.map(fd("N")), [
        "/proc/self/fd/N",
        "/dev/fd/N",
        "/proc/self/fd/N/b",
        "/proc/self/fd/N",
      ]);
      assertEquals(events.map((e) => [e.abs, e.mode, e.anon]), [
        [`${dir}/in.txt`, "r", undefined],
        [`${dir}/in.txt`, "r", undefined],
        [`${dir}/sub/b`, "r", undefined],
        [`${dir}/gone (deleted)`, "w", true],
      ]);
    });
    await eachPath("procfd", [], (t, dir) => {
      assert(!t.text.includes("/proc/self/fd"), t.text);
      assert(!t.text.includes("(deleted)"), t.text);
      assertEquals(
        t.text.split("\n").filter((l) => l.endsWith(`${dir}/sub/b`)).length,
        1,
      );
    });
  },
});

Deno.test({
  name:
    "a memfd exec keeps the memfd's name, marked as no file path (anon), and is left out of a filemon log",
  ignore: !haveCc,
  async fn() {
    await eachPath("memfd", JSONL_ALL, (t) => {
      assertEquals(t.stdout, "child 0\nchild 0\n");
      const execs = eventsOf(t).filter((e) => e.op === "exec" && e.anon);
      assertEquals(
        execs.map((e) =>
          e.op === "exec" && [e.path.replace(/\d+/, "N"), e.abs, e.argv]
        ),
        [
          ["", "/memfd:x (deleted)", ["true"]],
          ["/proc/self/fd/N", "/memfd:x (deleted)", ["true"]],
        ],
      );
    });
    await eachPath("memfd", [], (t) => {
      assert(!t.text.includes("memfd"), t.text);
      assertEquals(
        t.text.split("\n").filter((l) => l.startsWith("E ")).length,
        1,
      );
    });
  },
});

Deno.test({
  name: "open_by_handle_at is recorded as an open of the file its fd has open",
  ignore: !haveCc || !isRoot, // it needs CAP_DAC_READ_SEARCH
  async fn() {
    await eachPath("handle", JSONL_ALL, (t, dir) => {
      assertEquals(t.stdout, "read I\n");
      assertEquals(under(eventsOf(t), dir), [
        { op: "open", path: `${dir}/in.txt`, abs: `${dir}/in.txt`, mode: "r" },
        { op: "lookup", path: `${dir}/in.txt`, abs: `${dir}/in.txt` },
      ]);
    });
  },
});

Deno.test({
  name:
    "a setuid program runs without its privileges under the trace, and filemon says so once, naming it",
  ignore: !haveCc || !isRoot,
  async fn() {
    const { dir, prog } = await fixture();
    const suid = `${dir}/suid-euid`;
    await Deno.copyFile(prog, suid);
    await Deno.chown(suid, 65534, 65534);
    await Deno.chmod(suid, 0o4755);
    const plain = await new Deno.Command(suid, { args: ["euid"] }).output();
    assertEquals(new TextDecoder().decode(plain.stdout), "euid 65534\n");
    const t = await trace(dir, [], ["sh", "-c", `${suid} euid; ${suid} euid`]);
    assertEquals(t.code, 0);
    assertEquals(t.stdout, "euid 0\neuid 0\n");
    const warnings = t.stderr.split("\n").filter((l) => l.includes("warning"));
    assertEquals(warnings, [
      `filemon: warning: ${suid} is setuid (owner uid 65534) but ran without those privileges: a traced process cannot gain privileges (no_new_privs); run it untraced if it needs them`,
    ]);
    // An ordinary program (and a setuid one owned by ourselves) says nothing.
    await Deno.chown(suid, 0, 0);
    const own = await trace(dir, [], [suid, "euid"]);
    assertEquals(own.stderr, "");
    await Deno.remove(dir, { recursive: true });
  },
});
