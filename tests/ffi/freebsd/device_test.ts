/**
 * The FreeBSD /dev/filemon backend against a scripted fake of FreeBSD's
 * libc and kernel (`_fake_libc.ts`): the exact calls, in order, of the
 * tracer and of the launcher; the kernel's log written straight to the
 * output for -f filemon, or read through a pipe and decoded while the
 * command runs; exit statuses, signals, every error of issue #11, and the
 * options the device cannot honour. A real FreeBSD log is replayed through
 * both paths, and through a real pipe in small chunks.
 */

import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  FilemonDevice,
  FilemonDeviceError,
  LogReader,
} from "../../../ffi/freebsd/device.ts";
import {
  FILEMON_SET_FD,
  FILEMON_SET_PID,
  ioc,
  IOC_OUT,
} from "../../../ffi/freebsd/ioctl.ts";
import { close, libc, pipe, writeAll } from "../../../ffi/libc/posix.ts";
import type { TraceRequest } from "../../../lib/backend.ts";
import { UsageError } from "../../../lib/cli/args.ts";
import { traceCommand, type TraceSignals } from "../../../lib/cli/trace.ts";
import type { TraceEvent } from "../../../lib/event.ts";
import { FilemonDecoder } from "../../../lib/filemon_decoder.ts";
import { parseJsonLine } from "../../../lib/jsonl.ts";
import { DEFAULT_CLASSES, type OpClass, parseOps } from "../../../lib/ops.ts";
import { ROOT, SAMPLES } from "../../_helpers.ts";
import { MemoryFiles } from "../../_memory_files.ts";
import {
  bytes,
  ENVIRON,
  FakeFreebsd,
  LAUNCHER_PID,
  type Script,
  TRACER_PID,
} from "./_fake_libc.ts";

const SAMPLE = Deno.readFileSync(`${SAMPLES}freebsd-v5-sleep.log`);
const SAMPLE_TEXT = new TextDecoder().decode(SAMPLE);
const BODY_AT = SAMPLE_TEXT.indexOf("E 65204");
const TRAILER_AT = SAMPLE_TEXT.indexOf("# Stop");
/** The real log cut where the kernel writes it: header, records, trailer. */
const HEADER = SAMPLE.subarray(0, BODY_AT);
const RECORDS = SAMPLE.subarray(BODY_AT, TRAILER_AT);
const TRAILER = SAMPLE.subarray(TRAILER_AT);

/** The records in uneven chunks that split lines, as a pipe may deliver them. */
function chunked(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += size) {
    out.push(data.slice(at, at + size));
  }
  return out;
}

/** The sample as the fake kernel writes it. */
function sampleScript(extra: Script = {}): Script {
  return {
    header: HEADER,
    chunks: chunked(RECORDS, 13),
    trailer: TRAILER,
    cwd: "/home/u",
    ...extra,
  };
}

function decodeAll(data: Uint8Array, cwd = "/home/u"): TraceEvent[] {
  const d = new FilemonDecoder({ cwd, input: "log" });
  return [...d.push(data), ...d.finish()];
}

function request(
  events: TraceEvent[] = [],
  more: Partial<TraceRequest> = {},
): TraceRequest {
  return {
    argv: ["sleep", "1"],
    ops: new Set(DEFAULT_CLASSES),
    failed: false,
    emit: (e) => events.push(e),
    ...more,
  };
}

Deno.test("the ioctl numbers come from the _IOWR encoding and equal FreeBSD's", () => {
  assertEquals(FILEMON_SET_FD, 0xC0045301);
  assertEquals(FILEMON_SET_PID, 0xC0045302);
  // Another FreeBSD number the same encoding gives: FIONREAD = _IOR('f', 127, int).
  assertEquals(ioc(IOC_OUT, "f", 127, 4), 0x4004667f);
});

Deno.test("-f jsonl/graph: the kernel writes into a pipe, decoded while the command runs", async () => {
  const fake = new FakeFreebsd(sampleScript());
  const events: TraceEvent[] = [];
  let idle = 0;
  const result = await new FilemonDevice(fake.libc).run(
    request(events, { idle: () => idle++ }),
  );
  assertEquals(
    fake.callsOf(TRACER_PID).filter((c) => !c.startsWith("read(11")),
    [
      'open("/dev/filemon", 0x100002, 0) -> 10', // O_RDWR | O_CLOEXEC
      "pipe2(0x100000) [11, 12] -> 0", // the log pipe, close-on-exec
      "fcntl(10, 2, 0) -> 0", // the launcher inherits the device...
      "pipe2(0x100000) [13, 14] -> 0", // ready
      "pipe2(0x100000) [15, 16] -> 0", // go
      "fcntl(14, 2, 0) -> 0",
      "fcntl(15, 2, 0) -> 0",
      `posix_spawn("${
        fake.spawnArgv[0]
      }", 0, 0, argv[${fake.spawnArgv.length}], envp 0xe0e0) -> 0`,
      "close(14) -> 0",
      "close(15) -> 0",
      "read(13, 1) -> 1", // "R": the launcher waits
      "fcntl(10, 2, 1) -> 0", // ...and no other child does
      "write(16, [4,0,0,0,10,0,0,0]) -> 8", // payload: the device's fd
      "read(13, 4) -> 4", // the launcher's FILEMON_SET_PID went well
      "ioctl(10, 0xc0045301, int 12) -> 0", // FILEMON_SET_FD: the pipe's write end
      "write(16, [1]) -> 1", // go: exec
      "close(13) -> 0",
      "close(16) -> 0",
      "close(12) -> 0", // the kernel keeps its own reference
      "getcwd(1025) -> 1",
      `waitpid(${LAUNCHER_PID}, WNOHANG) status 0x0 -> ${LAUNCHER_PID}`,
      "close(10) -> 0", // after the exit: the kernel writes # Stop, # Bye bye
      "close(11) -> 0",
    ],
  );
  // The log pipe was read while the command ran, and to its end after.
  const all = fake.callsOf(TRACER_PID, true);
  const exited = all.findIndex((c) => c.includes("status 0x0"));
  assert(
    all.slice(0, exited).some((c) => /^read\(11, 65536\) -> \d+$/.test(c)),
  );
  assertEquals(all.at(-2), "read(11, 65536) -> 0");
  // The launcher: SET_PID with its own pid, a reply, the device closed, exec.
  assertEquals(fake.callsOf(LAUNCHER_PID), [
    "write(14, [82]) -> 1",
    `getpid() -> ${LAUNCHER_PID}`,
    `ioctl(10, 0xc0045302, int ${LAUNCHER_PID}) -> 0`,
    "write(14, [0,0,0,0]) -> 4",
    "close(10) -> 0",
    "close(14) -> 0",
    "close(15) -> 0",
    'execvp ["sleep","1"]',
  ]);
  // It inherited the device, its two pipe ends and the standard streams: not the log pipe.
  assertEquals(fake.launcherFds, [0, 1, 2, 10, 14, 15]);
  assertEquals(fake.spawnArgv.slice(-5), ["14", "15", "-", "sleep", "1"]);
  assertEquals(
    fake.callsOf(TRACER_PID).filter((c) => c.includes("envp")).length,
    1,
  );
  assert(fake.calls.some((c) => c.includes(`envp 0x${ENVIRON.toString(16)}`)));
  // Every byte of the real log arrived: the events are the whole log's.
  assertEquals(events, decodeAll(SAMPLE));
  assertEquals(events.at(-1), { op: "bye" });
  assertEquals(result.exitCode, 0);
  assertEquals(result.signal, 0);
  assertEquals(result.stops, events.length);
  assertEquals(result.warnings, undefined);
  assert(idle > 0, "idle() is called while the command is quiet");
});

Deno.test("-f filemon: the kernel writes the log straight to the output, byte for byte", async () => {
  const fake = new FakeFreebsd(sampleScript());
  const events: TraceEvent[] = [];
  await new FilemonDevice(fake.libc).run(request(events, { filemonLogFd: 2 }));
  assertEquals(fake.text(2), SAMPLE_TEXT);
  assertEquals(events, []);
  const calls = fake.callsOf(TRACER_PID);
  assert(calls.includes("ioctl(10, 0xc0045301, int 2) -> 0"), calls.join("\n"));
  // No log pipe: the ready and go pipes alone.
  assertEquals(calls.filter((c) => c.startsWith("pipe2")).length, 2);
  // The device is closed once the command has been reaped.
  assertEquals(calls.slice(-2), [
    `waitpid(${LAUNCHER_PID}, WNOHANG) status 0x0 -> ${LAUNCHER_PID}`,
    "close(10) -> 0",
  ]);
});

Deno.test("the command's exit status passes through, 128+N for signal N", async () => {
  for (
    const [status, exitCode, signal] of [
      [3 << 8, 3, 0],
      [127 << 8, 127, 0],
      [9, 137, 9],
    ]
  ) {
    const fake = new FakeFreebsd(sampleScript({ status }));
    const r = await new FilemonDevice(fake.libc).run(request());
    assertEquals([r.exitCode, r.signal], [exitCode, signal]);
  }
});

Deno.test("relative paths and A records: abs where the log allows", async () => {
  const log =
    "C 700 sub\nR 700 main.c\nA 700 x.h\nR 700 /home/u/sub/inc/x.h\nX 700 0 0\n";
  const fake = new FakeFreebsd({
    chunks: chunked(bytes(log), 5),
    cwd: "/home/u",
  });
  const events: TraceEvent[] = [];
  await new FilemonDevice(fake.libc).run(request(events));
  const actions = events.filter((e) =>
    e.op === "chdir" || e.op === "open" || e.op === "openat"
  );
  assertEquals(actions, [
    { op: "chdir", pid: 700, path: "sub", abs: "/home/u/sub" },
    {
      op: "open",
      pid: 700,
      path: "main.c",
      abs: "/home/u/sub/main.c",
      mode: "r",
    },
    { op: "openat", pid: 700, path: "x.h" },
    {
      op: "open",
      pid: 700,
      path: "/home/u/sub/inc/x.h",
      abs: "/home/u/sub/inc/x.h",
      mode: "r",
    },
  ]);
});

/** Runs a failing trace; returns the error and the fake. */
async function failing(
  script: Script,
): Promise<{ error: FilemonDeviceError | Error; fake: FakeFreebsd }> {
  const fake = new FakeFreebsd({ ...sampleScript(), ...script });
  const events: TraceEvent[] = [];
  const error = await assertRejects(() =>
    new FilemonDevice(fake.libc).run(request(events, { filemonLogFd: 2 }))
  );
  // Nothing ran, nothing was written, nothing left open.
  assertEquals(events, []);
  assertEquals(fake.text(2), "");
  assert(!fake.calls.some((c) => c.includes("execvp")), fake.calls.join("\n"));
  assertEquals(fake.tracer.fds.size, 3, fake.calls.join("\n"));
  assert(!(error instanceof UsageError));
  assert(!(error as Error).message.includes("\n"));
  return { error: error as Error, fake };
}

Deno.test("no /dev/filemon: one line saying to kldload filemon, nothing spawned", async () => {
  const { error, fake } = await failing({ openErrno: 2 });
  assertEquals(
    error.message,
    'cannot open /dev/filemon (ENOENT): the filemon kernel module is not loaded: load it with `kldload filemon` (as root), or add filemon_load="YES" to /boot/loader.conf',
  );
  assertEquals(fake.callsOf(TRACER_PID), [
    'open("/dev/filemon", 0x100002, 0) -> -1 errno 2',
  ]);
});

Deno.test("permission denied on the device: one line", async () => {
  const { error, fake } = await failing({ openErrno: 13 });
  assertEquals(
    error.message,
    "cannot open /dev/filemon (EACCES): permission denied: filemon needs read and write access to the device (its mode comes from devfs; the module makes it 0666)",
  );
  assertEquals(fake.launcher, undefined);
});

Deno.test("FILEMON_SET_FD EEXIST / EBADF: one line, the launcher told to exit and reaped", async () => {
  for (
    const [errno, text] of [
      [17, "(EEXIST): the device already has a log"],
      [9, "(EBADF): descriptor 2 is not open for writing"],
    ] as const
  ) {
    const { error, fake } = await failing({ setFdErrno: errno });
    assertEquals(
      error.message,
      `cannot give /dev/filemon its log: FILEMON_SET_FD ${text}; the command was not run`,
    );
    const calls = fake.callsOf(TRACER_PID);
    assertEquals(calls.slice(-5), [
      `ioctl(10, 0xc0045301, int 2) -> -1 errno ${errno}`,
      "close(11) -> 0",
      "close(14) -> 0", // the launcher reads the end of the go pipe
      `waitpid(${LAUNCHER_PID}, 0) status 0x100 -> ${LAUNCHER_PID}`,
      "close(10) -> 0",
    ]);
    assertEquals(fake.callsOf(LAUNCHER_PID).slice(-1), ["close(10) -> 0"]);
  }
});

Deno.test("FILEMON_SET_PID ESRCH / EBUSY: one line, no log, the launcher reaped", async () => {
  for (
    const [errno, text] of [
      [3, "(ESRCH): no such process, or it is exiting"],
      [16, "(EBUSY): the process is already traced by another filemon"],
    ] as const
  ) {
    const { error, fake } = await failing({ setPidErrno: errno });
    assertEquals(
      error.message,
      `cannot trace the command: FILEMON_SET_PID ${text}; the command was not run`,
    );
    const calls = fake.callsOf(TRACER_PID);
    assert(!calls.some((c) => c.includes("0xc0045301")), "no SET_FD");
    assert(
      calls.includes(
        `waitpid(${LAUNCHER_PID}, 0) status 0x100 -> ${LAUNCHER_PID}`,
      ),
    );
    assertEquals(fake.callsOf(LAUNCHER_PID).slice(2, 5), [
      `ioctl(10, 0xc0045302, int ${LAUNCHER_PID}) -> -1 errno ${errno}`,
      `write(12, [${errno},0,0,0]) -> 4`,
      "close(10) -> 0",
    ]);
  }
});

Deno.test("a launcher that dies before it is traced: one line", async () => {
  const { error } = await failing({ launcherDies: true });
  assertEquals(
    error.message,
    "the launcher ended before /dev/filemon traced it; the command was not run",
  );
});

Deno.test("a log the kernel could not write whole: a warning, and exit 1 for a command that succeeded", async () => {
  const fake = new FakeFreebsd(sampleScript({ closeErrno: 28 }));
  const r = await new FilemonDevice(fake.libc).run(request());
  assertEquals(r.exitCode, 1);
  assertEquals(r.warnings, [
    "/dev/filemon could not write the whole log (ENOSPC: a write to the log failed)",
  ]);
});

Deno.test("a line the decoder cannot read is a warning; the trace goes on", async () => {
  const fake = new FakeFreebsd({
    chunks: [bytes("E 9 /bin/x\nQ what\nX 9 0 0\n")],
  });
  const events: TraceEvent[] = [];
  const r = await new FilemonDevice(fake.libc).run(request(events));
  assert(events.some((e) => e.op === "exit"));
  assertEquals(r.warnings?.length, 1);
  assert(
    r.warnings![0].startsWith(
      "1 line of the kernel's log could not be decoded",
    ),
  );
  assert(r.warnings![0].includes("line 6"), r.warnings![0]);
});

Deno.test("options the device cannot honour are refused before anything is opened", async () => {
  const cases: [Partial<TraceRequest>, string][] = [
    [{ failed: true }, "--failed is not available with FreeBSD's /dev/filemon"],
    [{ ops: parseOps("+probe") }, "not probe (stat, access, readlink...)"],
    [
      { ops: parseOps("all") },
      "not mkdir, rmdir, truncate, chmod, chown, utime, probe",
    ],
    [
      { ops: parseOps("r,w") },
      "it cannot leave out exec, chdir, unlink, link, rename",
    ],
  ];
  for (const [more, text] of cases) {
    const fake = new FakeFreebsd(sampleScript());
    const err = await assertRejects(
      () => new FilemonDevice(fake.libc).run(request([], more)),
      UsageError,
    );
    assert(err.message.includes(text), err.message);
    assertEquals(fake.calls, []);
  }
  // --ops default and its letters are the device's set.
  const fake = new FakeFreebsd(sampleScript());
  const r = await new FilemonDevice(fake.libc).run(
    request([], { ops: parseOps("rwecdlm") as Set<OpClass> }),
  );
  assertEquals(r.exitCode, 0);
});

Deno.test("SIGTERM and SIGHUP reach the command; SIGINT only when not from the terminal", async () => {
  for (
    const [signal, foreground, sent] of [
      ["SIGTERM", true, 15],
      ["SIGHUP", undefined, 1],
      ["SIGINT", false, 2],
      ["SIGINT", undefined, 2],
      ["SIGINT", true, undefined],
    ] as const
  ) {
    const fake = new FakeFreebsd(sampleScript({
      diesOnSignal: true,
      linger: 50,
      terminalForeground: foreground,
    }));
    const backend = new FilemonDevice(fake.libc);
    const running = backend.run(request());
    // Sent once the command runs (the backend yields between polls).
    while (!fake.calls.some((c) => c.includes("execvp"))) {
      await new Promise((r) => setTimeout(r, 0));
    }
    backend.forward(signal);
    const r = await running;
    const kills = fake.callsOf(TRACER_PID).filter((c) => c.startsWith("kill"));
    if (sent === undefined) {
      assertEquals(kills, []);
      assertEquals(r.exitCode, 0);
    } else {
      assertEquals(kills, [`kill(${LAUNCHER_PID}, ${sent}) -> 0`]);
      assertEquals([r.exitCode, r.signal], [128 + sent, sent]);
    }
  }
});

Deno.test("the real log through a real pipe in small chunks: the events of the whole log", () => {
  const [r, w] = pipe();
  const events: TraceEvent[] = [];
  const reader = new LogReader({ emit: (e) => events.push(e) });
  const posix = { read: libc.read, errno: () => 0 };
  try {
    for (const piece of chunked(SAMPLE, 7)) {
      writeAll(w, piece);
      assert(reader.readFrom(posix, r));
    }
    close(w);
    assertEquals(reader.readFrom(posix, r), false);
    reader.finish();
  } finally {
    close(r);
  }
  const whole = new FilemonDecoder({ input: "log" });
  assertEquals(events, [...whole.push(SAMPLE), ...whole.finish()]);
  assertEquals(reader.warnings(), []);
});

/** Signals that never come. */
const noSignals: TraceSignals = { on: () => () => {} };

/** `filemon trace ARGS` with the backend on the fake; the kernel's output lands in `files`. */
async function trace(
  args: string[],
  script: Script = sampleScript(),
): Promise<{ code: number; files: MemoryFiles; fake: FakeFreebsd }> {
  const files = new MemoryFiles();
  const fake = new FakeFreebsd({
    ...script,
    external: [0, 1, 2, 3],
    externalWrite: (fd, data) => files.write(fd, data),
  });
  const code = await traceCommand(
    args,
    files.io(),
    () => Promise.resolve(new FilemonDevice(fake.libc)),
    noSignals,
  );
  return { code, files, fake };
}

Deno.test("trace -f filemon on FreeBSD: the device writes standard error, or the -o file", async () => {
  const stderr = await trace(["--", "sleep", "1"]);
  assertEquals(stderr.code, 0);
  assertEquals(stderr.files.text(2), SAMPLE_TEXT);
  assert(
    stderr.fake.calls.includes(
      `${TRACER_PID} ioctl(10, 0xc0045301, int 2) -> 0`,
    ),
  );
  const file = await trace(["-o", "/w/t.log", "--", "sleep", "1"]);
  // The output's own (temporary) descriptor, renamed into place at the end.
  assert(
    file.fake.calls.includes(`${TRACER_PID} ioctl(10, 0xc0045301, int 3) -> 0`),
  );
  assertEquals(file.files.file("/w/t.log"), SAMPLE_TEXT);
});

Deno.test("trace -f jsonl and graph-make on FreeBSD: decoded from the pipe", async () => {
  const { files } = await trace(["-f", "jsonl", "--", "sleep", "1"]);
  const lines = files.text(2).trimEnd().split("\n");
  assertEquals(lines.map((l, i) => parseJsonLine(l, i + 1)), decodeAll(SAMPLE));
  const graph = await trace(["-f", "graph-json", "--", "sleep", "1"]);
  assert(graph.files.text(2).includes('"/bin/sleep"'), graph.files.text(2));
});

Deno.test("trace on FreeBSD: refused options and device errors are one line, nothing written", async () => {
  for (const args of [["--failed"], ["--ops", "all"], ["--ops", "q"]]) {
    const { files, fake } = await trace([...args, "--", "x"]).catch((err) => {
      assert(err instanceof UsageError, String(err));
      return { files: undefined, fake: undefined };
    });
    assertEquals([files, fake], [undefined, undefined]);
  }
  const err = await assertRejects(() =>
    trace(["-o", "/w/t.log", "--", "x"], { ...sampleScript(), openErrno: 2 })
  );
  assert(err instanceof FilemonDeviceError);
  assert((err as Error).message.includes("kldload filemon"));
});

Deno.test("the FreeBSD backend names no Linux constant, file or module", () => {
  const dir = `${ROOT}ffi/freebsd/`;
  for (const entry of Deno.readDirSync(dir)) {
    const source = Deno.readTextFileSync(dir + entry.name);
    for (
      const linux of [
        "libc.so.6",
        "__errno_location",
        "linux_abi",
        "../linux/",
        "LINUX_",
        "libc/posix.ts",
        /\b0x80000\b/, // Linux's O_CLOEXEC
        "seccomp",
      ]
    ) {
      const named = typeof linux === "string"
        ? source.includes(linux)
        : linux.test(source);
      assert(!named, `${entry.name} names ${linux}`);
    }
  }
});
