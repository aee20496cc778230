/**
 * The process under Bun (and in a binary from `bun build --compile`).
 *
 * @module
 */

import type { Process } from "../types.ts";

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

const ARCH: Readonly<Record<string, string>> = {
  x64: "x86_64",
  arm64: "aarch64",
  ia32: "i386",
};

/** Bun's implementation of `Process`. */
export const proc: Process = {
  runtime: "bun",
  // argv[0] is bun (or the binary), argv[1] the script (in a binary, its
  // embedded entry point).
  args: () => process.argv.slice(2),
  exit: (code: number): never => process.exit(code),
  os: process.platform,
  arch: ARCH[process.arch] ?? process.arch,
  // A compiled binary runs its entry point from Bun's embedded file system.
  standalone: main.startsWith("/$bunfs/") || /^[A-Z]:\\~BUN\\/.test(main),
  execPath: () => process.execPath,
  scriptCommand: (module: URL) => [
    process.execPath,
    "--no-install",
    decodeURIComponent(module.pathname),
  ],
};
