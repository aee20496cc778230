/**
 * The process under Bun (and in a binary from `bun build --compile`).
 *
 * @module
 */

import * as fs from "node:fs";
import type { Process } from "../types.ts";
import { rawArgs } from "../raw_args.ts";

/** The part of Bun's `process` global used here. */
interface BunProcess {
  argv: string[];
  execPath: string;
  platform: string;
  arch: string;
  exit(code: number): never;
}

const process = (globalThis as unknown as { process: BunProcess }).process;
const main = (globalThis as unknown as { Bun: { main: string } }).Bun.main;

/**
 * The descriptors this process started with, read before anything of ours
 * opens one: Bun marks them close-on-exec at start; its own (an epoll and
 * an eventfd) are anonymous inodes.
 */
const INHERITED: readonly number[] = (() => {
  const fds: number[] = [];
  try {
    for (const name of fs.readdirSync("/proc/self/fd")) {
      const fd = Number(name);
      if (!(fd > 2)) continue;
      try {
        if (!fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith("anon_inode:")) {
          fds.push(fd);
        }
      } catch { /* the directory listing's own descriptor, now closed */ }
    }
  } catch { /* no /proc: nothing to hand on */ }
  return fds;
})();

/** /proc/self/cmdline's bytes; undefined without /proc. */
function cmdline(): Uint8Array | undefined {
  try {
    return fs.readFileSync("/proc/self/cmdline");
  } catch {
    return undefined;
  }
}

let args: string[] | undefined;

const ARCH: Readonly<Record<string, string>> = {
  x64: "x86_64",
  arm64: "aarch64",
  ia32: "i386",
};

/** Bun's implementation of `Process`. */
export const proc: Process = {
  runtime: "bun",
  // argv[0] is bun (or the binary), argv[1] the script (in a binary, its
  // embedded entry point); the arguments' exact bytes come from
  // /proc/self/cmdline.
  args: () => [...(args ??= rawArgs(process.argv.slice(2), cmdline))],
  exit: (code: number): never => process.exit(code),
  os: process.platform,
  arch: ARCH[process.arch] ?? process.arch,
  // A compiled binary runs its entry point from Bun's embedded file system.
  standalone: main.startsWith("/$bunfs/") || /^[A-Z]:\\~BUN\\/.test(main),
  inheritedFds: () => INHERITED,
  execPath: () => process.execPath,
  nativeCalls: () => true,
  canStartWorker: () => true,
  scriptCommand: (module: URL) => [
    process.execPath,
    "--no-install",
    decodeURIComponent(module.pathname),
  ],
};
