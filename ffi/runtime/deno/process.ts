/**
 * The process under Deno.
 *
 * @module
 */

import type { Process } from "../types.ts";
import { kernProcArgs, rawArgs, SYSCTL_SYMBOLS } from "../raw_args.ts";
import { libcFileName } from "../../libc/abi.ts";

const CMDLINE = "/proc/self/cmdline";

/** Whether native calls are allowed (--allow-ffi). */
function nativeCalls(): boolean {
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
}

/**
 * /proc/self/cmdline's bytes: through libc where native calls are allowed
 * (Deno lets its own API read /proc/self only with --allow-all), else with
 * Deno's API; undefined when neither may.
 */
function cmdline(): Uint8Array | undefined {
  if (Deno.build.os === "freebsd") return freebsdArgs();
  if (Deno.build.os !== "linux") return undefined;
  try {
    if (!nativeCalls()) {
      // Never a prompt: only where reading is granted already.
      const read = Deno.permissions.querySync({ name: "read", path: CMDLINE });
      return read.state === "granted" ? Deno.readFileSync(CMDLINE) : undefined;
    }
    const libc = Deno.dlopen(libcFileName(Deno.build.os), {
      open: { parameters: ["buffer", "i32"], result: "i32" },
      read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
      close: { parameters: ["i32"], result: "i32" },
    });
    try {
      const fd = libc.symbols.open(
        new TextEncoder().encode(`${CMDLINE}\0`),
        0,
      );
      if (fd < 0) return undefined;
      const chunks: Uint8Array[] = [];
      for (;;) {
        const buf = new Uint8Array(1 << 16);
        const n = Number(libc.symbols.read(fd, buf, BigInt(buf.length)));
        if (n <= 0) break;
        chunks.push(buf.subarray(0, n));
      }
      libc.symbols.close(fd);
      const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    } finally {
      libc.close();
    }
  } catch {
    return undefined;
  }
}

/** FreeBSD: the same bytes from the kern.proc.args sysctl (with --allow-ffi). */
function freebsdArgs(): Uint8Array | undefined {
  if (!nativeCalls()) return undefined;
  try {
    const libc = Deno.dlopen(libcFileName("freebsd"), SYSCTL_SYMBOLS);
    try {
      return kernProcArgs(libc.symbols.sysctl, libc.symbols.getpid());
    } finally {
      libc.close();
    }
  } catch {
    return undefined;
  }
}

let args: string[] | undefined;

/** Deno's implementation of `Process`. */
export const proc: Process = {
  runtime: "deno",
  args: () => [...(args ??= rawArgs(Deno.args, cmdline))],
  exit: (code: number): never => Deno.exit(code),
  os: Deno.build.os,
  arch: Deno.build.arch,
  standalone: Deno.build.standalone === true,
  // Deno leaves inherited descriptors as they came.
  inheritedFds: () => [],
  execPath: () => Deno.execPath(),
  nativeCalls,
  canStartWorker: (module: URL) =>
    Deno.permissions.querySync({ name: "read", path: module }).state ===
      "granted",
  scriptCommand: (module: URL) => [
    Deno.execPath(),
    "run",
    "--allow-ffi",
    "--quiet",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-check",
    module.href,
  ],
};
