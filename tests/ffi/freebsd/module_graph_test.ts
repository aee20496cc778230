/**
 * On FreeBSD nothing Linux-only is evaluated: main.ts's modules for trace,
 * bmake, decode and graph, the /dev/filemon backend and the launcher load
 * in a Deno whose OS is said to be "freebsd" (an import map replaces
 * ffi/runtime/process.ts), with FFI recorded instead of called (it replaces
 * ffi/runtime/ffi.ts), and with every module under ffi/linux/ and every
 * ffi/libc/*linux* module replaced by one that throws when evaluated. Every
 * symbol table opened must name only functions FreeBSD's libc.so.7 (or
 * librt.so.1) exports.
 */

import { assert, assertEquals } from "@std/assert";
import { ROOT } from "../../_helpers.ts";
import { LIBC_SO_7, LIBRT_SO_1 } from "./_libc_exports.ts";

const root = new URL(ROOT, import.meta.url);
const fake = new URL("./_os_fake/", import.meta.url);

/** Every Linux-only module: ffi/linux/** and ffi/libc/*linux*. */
function linuxOnly(): URL[] {
  const out: URL[] = [];
  const walk = (dir: URL) => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith(".ts")) out.push(new URL(e.name, dir));
    }
  };
  walk(new URL("ffi/linux/", root));
  for (const e of Deno.readDirSync(new URL("ffi/libc/", root))) {
    if (e.name.includes("linux")) out.push(new URL(`ffi/libc/${e.name}`, root));
  }
  return out;
}

async function runAsFreebsd(): Promise<{
  results: Record<string, unknown>;
  opened: { library: string; symbols: string[] }[];
  stdout: string;
  stderr: string;
  processStderr: string;
}> {
  const config = JSON.parse(
    Deno.readTextFileSync(new URL("deno.json", root)),
  ) as { imports: Record<string, string> };
  const imports: Record<string, string> = { ...config.imports };
  imports[new URL("ffi/runtime/process.ts", root).href] =
    new URL("process.ts", fake).href;
  imports[new URL("ffi/runtime/ffi.ts", root).href] =
    new URL("ffi.ts", fake).href;
  const poisoned = linuxOnly();
  assert(poisoned.length > 10, `only ${poisoned.length} Linux-only modules`);
  for (const url of poisoned) {
    imports[url.href] = new URL("poison.ts", fake).href;
  }
  const map = Deno.makeTempFileSync({ suffix: ".json" });
  try {
    Deno.writeTextFileSync(map, JSON.stringify({ imports }));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--no-config",
        "--no-lock",
        "--quiet",
        `--import-map=${map}`,
        new URL("driver.ts", fake).href,
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).trimEnd();
    assertEquals(
      out.code,
      0,
      `${stdout}\n${new TextDecoder().decode(out.stderr)}`,
    );
    return {
      ...JSON.parse(stdout.slice(stdout.lastIndexOf("\n") + 1)),
      processStderr: new TextDecoder().decode(out.stderr),
    };
  } finally {
    Deno.removeSync(map);
  }
}

Deno.test("on FreeBSD, main.ts's commands, the backend and the launcher evaluate no Linux-only module and ask libc.so.7 only for what it exports", async () => {
  const { results, opened, stdout, processStderr } = await runAsFreebsd();
  assertEquals(results, {
    trace: 0,
    bmake: 1,
    decode: 0,
    graph: 0,
    "decode-bytes": 0,
    backend: "FilemonDevice",
    launcher: "function",
    control: "threw: a Linux-only module was loaded on FreeBSD",
  });
  // trace's help went through the FreeBSD file layer's write().
  assert(stdout.startsWith("filemon trace"), stdout);
  // bmake is refused in one line (main.ts's own standard error, the runtime's).
  assert(
    processStderr.includes("filemon: filemon bmake is for Linux: on FreeBSD"),
    processStderr,
  );
  // The FreeBSD file layer, posix.ts's common table, the timers, the backend.
  const symbols = new Set(opened.flatMap((o) => o.symbols));
  for (const name of ["fstatat", "pipe2", "timer_create", "ioctl"]) {
    assert(symbols.has(name), `${name} never asked for`);
  }
  for (const { library, symbols } of opened) {
    const exported = library === "libc.so.7"
      ? LIBC_SO_7
      : library === "librt.so.1"
      ? LIBRT_SO_1
      : undefined;
    assert(exported !== undefined, `opened ${library}`);
    for (const name of symbols) {
      assert(name in exported!, `${library} does not export ${name}`);
    }
  }
});
