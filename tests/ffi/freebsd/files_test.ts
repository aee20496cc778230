/**
 * FreeBSD's file layer (ffi/freebsd/files.ts) against a scripted fake of
 * FreeBSD's file calls (`_fake_fs.ts`, its `struct stat` at offsets written
 * out from sys/sys/stat.h), and with the /dev/filemon fake of
 * `_fake_libc.ts`: `trace -o` on FreeBSD end to end (a temporary name
 * beside the target that the kernel writes the log into, renamed over it,
 * mode and owner kept), the identity checks that keep a target another
 * process wrote, inputs, standard streams closed at start, and
 * kern.proc.args for the raw command line.
 */

import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { FilemonDevice } from "../../../ffi/freebsd/device.ts";
import { freebsdFiles } from "../../../ffi/freebsd/files.ts";
import {
  KERN_PROC_ARGS_MIB,
  kernProcArgs,
  rawArgs,
} from "../../../ffi/runtime/raw_args.ts";
import { traceCommand } from "../../../lib/cli/trace.ts";
import { Output, TargetKeptError } from "../../../lib/cli/output.ts";
import { SAMPLES } from "../../_helpers.ts";
import { DEV, EISDIR, FakeFs } from "./_fake_fs.ts";
import { FakeFreebsd, TRACER_PID } from "./_fake_libc.ts";

const SAMPLE = Deno.readFileSync(`${SAMPLES}freebsd-v5-sleep.log`);
const SAMPLE_TEXT = new TextDecoder().decode(SAMPLE);
const BODY_AT = SAMPLE_TEXT.indexOf("E 65204");
const TRAILER_AT = SAMPLE_TEXT.indexOf("# Stop");

const noSignals = { on: () => () => {} };

/** `filemon trace ARGS` on FreeBSD: the device fake and the file fake share descriptor 3. */
async function trace(args: string[], fs = new FakeFs()) {
  const { files, input } = freebsdFiles(fs.libc);
  const fake = new FakeFreebsd({
    header: SAMPLE.subarray(0, BODY_AT),
    chunks: [SAMPLE.subarray(BODY_AT, TRAILER_AT)],
    trailer: SAMPLE.subarray(TRAILER_AT),
    cwd: "/w",
    external: [0, 1, 2, 3],
    // The kernel writes the log into the descriptor the file layer opened.
    externalWrite: (fd, data) => {
      fs.libc.write(fd, data as Uint8Array<ArrayBuffer>, data.length);
    },
  });
  const code = await traceCommand(
    args,
    { files, input: { stdin: () => new Blob([]).stream(), ...input } },
    () => Promise.resolve(new FilemonDevice(fake.libc)),
    noSignals,
  );
  return { code, fs, fake };
}

Deno.test("trace -o on FreeBSD: the kernel's log goes to a name beside the target, renamed over it, mode and owner kept", async () => {
  const fs = new FakeFs();
  fs.put("/w/t.log", "old\n", 0o100640);
  const { code, fake } = await trace(
    ["-o", "/w/t.log", "--", "sleep", "1"],
    fs,
  );
  assertEquals(code, 0);
  assertEquals(fs.text("/w/t.log"), SAMPLE_TEXT);
  assertEquals(fs.nodes.get("/w/t.log")!.mode, 0o100640);
  assertEquals(fs.text("/w/.t.log.500.tmp"), undefined);
  assertEquals(fs.calls, [
    // O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
    'open("/w/.t.log.500.tmp", 0x100601, 0o666) -> 3',
    "fchown(3, 1000, 20) -> 0",
    "fchmod(3, 0o640) -> 0",
    "close(3) -> 0",
    'rename("/w/.t.log.500.tmp", "/w/t.log") -> 0',
  ]);
  assert(
    fake.calls.includes(`${TRACER_PID} ioctl(10, 0xc0045301, int 3) -> 0`),
    fake.calls.join("\n"),
  );
});

Deno.test("trace -o on FreeBSD: a new file; an unwritable directory fails before the command runs", async () => {
  const made = await trace(["-o", "new.log", "--", "sleep", "1"]);
  assertEquals(made.code, 0);
  assertEquals(made.fs.text("/w/new.log"), SAMPLE_TEXT);
  const fs = new FakeFs();
  const err = await assertRejects(() =>
    trace(["-o", "/nodir/t.log", "--", "sleep", "1"], fs)
  );
  assertEquals(
    (err as Error).message,
    "Cannot write '/nodir/t.log': no such directory",
  );
  // Nothing was created; the command never ran (the device fake saw no spawn).
  assertEquals(fs.calls, [
    'open("/nodir/.t.log.500.tmp", 0x100601, 0o666) -> -1',
  ]);
});

Deno.test("FreeBSD identity: dev and inode above 2^32, nanosecond times, mode and owner from struct stat", () => {
  const fs = new FakeFs();
  const node = fs.put("/w/a", "12345", 0o104751, 1000);
  const { files } = freebsdFiles(fs.libc);
  assertEquals(files.identity!("/w/a"), {
    id: `${DEV}:${node.ino}`,
    size: 5,
    mtime: `${node.mtime[0]}.000000123`,
    ctime: `${node.ctime[0]}.000000456`,
    mode: 0o4751,
    uid: 1000,
    gid: 20,
  });
  assertEquals(files.identity!("/w/none"), undefined);
  assertEquals(files.kind("/w/a"), "regular");
  assertEquals(files.kind("/w"), "other");
  assertEquals(files.kind("/dev/null"), "other");
  assertEquals(files.kind("/w/none"), "missing");
});

Deno.test("FreeBSD -o: a target another process changed, or the command wrote, is kept; the output goes beside it", () => {
  const fs = new FakeFs();
  const { files } = freebsdFiles(fs.libc);
  fs.put("/w/t.log", "mine\n");
  const changed = Output.open(files, "/w/t.log", 2);
  changed.write("W 1 /w/x\n");
  fs.touch("/w/t.log", "theirs\n");
  const err = assertThrows(() => changed.close(), TargetKeptError);
  assertEquals([err.kept, err.written], ["/w/t.log.filemon-500", false]);
  assertEquals(fs.text("/w/t.log"), "mine\ntheirs\n");
  assertEquals(fs.text("/w/t.log.filemon-500"), "W 1 /w/x\n");

  const written = Output.open(files, "t.log", 2);
  assert(written.isTarget("/w/t.log"));
  written.targetWritten();
  written.write("W 2 /w/y\n");
  const err2 = assertThrows(() => written.close(), TargetKeptError);
  assertEquals([err2.kept, err2.written], ["t.log.filemon-500-2", true]);

  const unchanged = Output.open(files, "/w/t.log", 2);
  unchanged.write("R 3 /w/z\n");
  unchanged.close();
  assertEquals(fs.text("/w/t.log"), "R 3 /w/z\n");
});

Deno.test("FreeBSD standard streams: closed at start (EBADF, or /dev/null read-write of its own) or open", () => {
  const fs = new FakeFs();
  const { files } = freebsdFiles(fs.libc);
  assertEquals([files.closedAtStart!(1), files.closedAtStart!(2)], [
    false,
    false,
  ]);
  fs.fds.delete(2);
  assertEquals(files.closedAtStart!(2), true);
  fs.devNullOn(2); // what Deno puts on a closed descriptor
  assertEquals(files.closedAtStart!(2), true);
  fs.devNullOn(1, 2); // one description on 1 and 2, as daemon(3) leaves it
  assertEquals(files.closedAtStart!(2), false);
  assertEquals(files.closedAtStart!(1), false);
  // The O_APPEND probe put the flag back.
  assertEquals(fs.libc.fcntl(2, 3, 0), 2);
  fs.devNullOn(1); // two descriptions: both were closed
  assertEquals([files.closedAtStart!(1), files.closedAtStart!(2)], [
    true,
    true,
  ]);
});

Deno.test("FreeBSD inputs: read through libc by any name; a directory is EISDIR", async () => {
  const fs = new FakeFs();
  fs.put("/w/f\udcff.log", "W 1 /a\n");
  const { input } = freebsdFiles(fs.libc);
  const text = await new Response(await input.open("/w/f\udcff.log")).text();
  assertEquals(text, "W 1 /a\n");
  const err = await assertRejects(() => input.open("/w"));
  assertEquals((err as { code?: string }).code, "EISDIR");
  assertEquals(EISDIR, 21);
  const gone = await assertRejects(() => input.open("/w/none"));
  assertEquals((gone as { code?: string }).code, "ENOENT");
});

Deno.test("kern.proc.args: the size, then the bytes, of this pid's arguments; raw bytes replace U+FFFD", () => {
  const argv = new Uint8Array([
    ...new TextEncoder().encode("deno\0run\0main.ts\0cat\0f"),
    0xff,
    0,
  ]);
  const seen: string[] = [];
  let grow = 1; // the arguments grow once between the two calls: ENOMEM
  const sysctl = (
    name: Uint8Array,
    namelen: number,
    old: Uint8Array | null,
    len: Uint8Array,
    _new: Uint8Array | null,
    newlen: bigint,
  ) => {
    const mib = [...new Int32Array(name.buffer, name.byteOffset, namelen)];
    const lenView = new DataView(len.buffer, len.byteOffset);
    const room = Number(lenView.getBigUint64(0, true));
    seen.push(`${mib} ${old === null ? "NULL" : room} ${newlen}`);
    const size = argv.length + (grow > 0 ? 5000 : 0);
    if (old !== null && room < size) {
      grow--;
      return -1;
    }
    if (old !== null) old.set(argv);
    lenView.setBigUint64(
      0,
      BigInt(old === null ? argv.length : argv.length),
      true,
    );
    return 0;
  };
  const bytes = kernProcArgs(sysctl, 4242)!;
  assertEquals(bytes, argv);
  assertEquals(KERN_PROC_ARGS_MIB, [1, 14, 7]);
  assertEquals(seen[0], "1,14,7,4242 NULL 0");
  assertEquals(seen.length, 3);
  assertEquals(
    rawArgs(["cat", "f\uFFFD"], () => bytes),
    ["cat", "f\uDCFF"],
  );
  assertEquals(kernProcArgs(() => -1, 1), undefined);
});
