/**
 * The one output writer over both real `Files`: the runtime's (decode,
 * graph) and libc's (trace, with O_TMPFILE).
 */

import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  FileError,
  type Files,
  Output,
  TargetKeptError,
} from "../../../lib/cli/output.ts";
import { files as runtimeFiles } from "../../../ffi/runtime/files.ts";
import { libcFiles } from "../../../ffi/libc/files.ts";

const IMPLEMENTATIONS: [string, Files][] = [
  ["runtime", runtimeFiles],
  ["libc", libcFiles],
];

async function tmp(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "filemon-out-" });
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

for (const [name, files] of IMPLEMENTATIONS) {
  Deno.test(`Output (${name}): a new file appears whole, on close`, async () => {
    const dir = await tmp();
    const out = Output.open(files, `${dir}/t.log`, 2);
    out.write("one\n");
    out.write(new TextEncoder().encode("two\n"));
    out.flush();
    // Nothing under the target's name yet; with libc, nothing visible at all.
    assert(!names(dir).includes("t.log"));
    if (name === "libc") assertEquals(names(dir), []);
    else assertEquals(names(dir), [`.t.log.${Deno.pid}.tmp`]);
    out.close();
    assertEquals(names(dir), ["t.log"]);
    assertEquals(Deno.readTextFileSync(`${dir}/t.log`), "one\ntwo\n");
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`Output (${name}): abort leaves an old file as it was`, async () => {
    const dir = await tmp();
    Deno.writeTextFileSync(`${dir}/t.log`, "old\n");
    const out = Output.open(files, `${dir}/t.log`, 1);
    out.write("new\n");
    out.flush();
    out.abort();
    assertEquals(names(dir), ["t.log"]);
    assertEquals(Deno.readTextFileSync(`${dir}/t.log`), "old\n");
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`Output (${name}): a symlink is written through, not replaced`, async () => {
    const dir = await tmp();
    Deno.writeTextFileSync(`${dir}/real`, "old\n");
    Deno.symlinkSync("real", `${dir}/link`);
    const out = Output.open(files, `${dir}/link`, 1);
    out.write("new\n");
    out.close();
    assert(Deno.lstatSync(`${dir}/link`).isSymlink);
    assertEquals(Deno.readTextFileSync(`${dir}/real`), "new\n");
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`Output (${name}): paths' odd bytes are written exactly`, async () => {
    const dir = await tmp();
    const out = Output.open(files, `${dir}/t`, 1);
    out.write("W 1 /a\udcff\n");
    out.close();
    assertEquals(
      Deno.readFileSync(`${dir}/t`),
      new Uint8Array([0x57, 0x20, 0x31, 0x20, 0x2f, 0x61, 0xff, 0x0a]),
    );
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`Output (${name}): a replaced file keeps its mode, and its owner where we may give it`, async () => {
    const dir = await tmp();
    const target = `${dir}/t.log`;
    Deno.writeTextFileSync(target, "old\n");
    Deno.chmodSync(target, 0o600);
    // As root, a file of nobody's must stay nobody's.
    const root = Deno.uid() === 0;
    if (root) Deno.chownSync(target, 65534, 65534);
    const before = Deno.statSync(target);
    const out = Output.open(files, target, 1);
    out.write("new\n");
    out.close();
    const after = Deno.statSync(target);
    assertEquals(Deno.readTextFileSync(target), "new\n");
    assert(after.ino !== before.ino); // replaced, not rewritten
    assertEquals(after.mode! & 0o7777, 0o600);
    assertEquals([after.uid, after.gid], [before.uid, before.gid]);
    if (root) assertEquals(after.uid, 65534);
    await Deno.remove(dir, { recursive: true });
  });

  for (
    const [change, setUp, act] of [
      [
        "modified",
        "old\n",
        (t: string) => Deno.writeTextFileSync(t, "theirs\n"),
      ],
      [
        "created",
        undefined,
        (t: string) => Deno.writeTextFileSync(t, "theirs\n"),
      ],
      ["replaced", "old\n", (t: string) => {
        Deno.writeTextFileSync(`${t}.x`, "theirs\n");
        Deno.renameSync(`${t}.x`, t);
      }],
    ] as const
  ) {
    Deno.test(`Output (${name}): a target ${change} meanwhile is kept, the output beside it`, async () => {
      const dir = await tmp();
      const target = `${dir}/t.log`;
      if (setUp !== undefined) Deno.writeTextFileSync(target, setUp);
      const out = Output.open(files, target, 1);
      out.write("mine\n");
      act(target);
      const kept = `${target}.filemon-${Deno.pid}`;
      const err = assertThrows(() => out.close(), TargetKeptError);
      assertEquals([err.path, err.kept, err.written], [target, kept, false]);
      assertEquals(Deno.readTextFileSync(target), "theirs\n");
      assertEquals(Deno.readTextFileSync(kept), "mine\n");
      assertEquals(names(dir), ["t.log", `t.log.filemon-${Deno.pid}`]);
      await Deno.remove(dir, { recursive: true });
    });
  }

  Deno.test(`Output (${name}): a target removed meanwhile is simply replaced`, async () => {
    const dir = await tmp();
    const target = `${dir}/t.log`;
    Deno.writeTextFileSync(target, "old\n");
    const out = Output.open(files, target, 1);
    out.write("mine\n");
    Deno.removeSync(target);
    out.close();
    assertEquals(names(dir), ["t.log"]);
    assertEquals(Deno.readTextFileSync(target), "mine\n");
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`Output (${name}): a missing directory is named at open`, () => {
    assertThrows(
      () => Output.open(files, "/nonexistent-dir/t.log", 1),
      Error,
      "Cannot write '/nonexistent-dir/t.log': no such directory",
    );
  });
}

Deno.test("Output (libc): a file name that is not UTF-8 is created with its bytes; Deno's API refuses it", async () => {
  const dir = await tmp();
  const out = Output.open(libcFiles, `${dir}/t\udcfe.log`, 1);
  out.write("x\n");
  out.close();
  // Deno lists the name with U+FFFD; the byte is there.
  assertEquals(names(dir), ["t\ufffd.log"]);
  const ls = new Deno.Command("sh", {
    args: ["-c", `test -f "$1/$(printf 't\\376.log')"`, "sh", dir],
  }).outputSync();
  assert(ls.success);
  assertThrows(
    () => Output.open(runtimeFiles, `${dir}/u\udcfe.log`, 1),
    Error,
    "Cannot write '" + dir +
      "/u\udcfe.log': the name is not UTF-8, which Deno's file API cannot name (allow native calls: --allow-ffi)",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Output: a failed write is remembered, later writes dropped, close says why", () => {
  let writes = 0;
  const failing: Files = {
    ...runtimeFiles,
    kind: () => "missing",
    openWrite: () => 99,
    write: () => {
      writes++;
      throw new FileError("ENOSPC", "disk full");
    },
    close: () => {},
    unlink: () => {},
  };
  const out = Output.open(failing, "/x/t.log", 1);
  out.write(new Uint8Array([1]));
  assert(out.failed);
  out.write(new Uint8Array([2]));
  assertEquals(writes, 1);
  assertThrows(
    () => out.close(),
    Error,
    "Cannot write to '/x/t.log': no space left on the device",
  );
});
