/**
 * What `trace`'s live progress asks of a terminal, through libc (so that it
 * works on any descriptor, under Deno with --allow-ffi alone, and under
 * Bun): whether a descriptor is a terminal (`isatty`), its size
 * (`ioctl(TIOCGWINSZ)`) and `$TERM` (`getenv`, which Deno would otherwise
 * gate behind --allow-env).
 *
 * @module
 */

import { ffi, type Library } from "../runtime/ffi.ts";
import { proc } from "../runtime/process.ts";
import { ABI } from "./posix.ts";
import type { Terminal, TerminalSize } from "../../lib/cli/progress.ts";

const SYMBOLS = {
  // int isatty(int fd);  FBSD_1.0
  isatty: { parameters: ["i32"], result: "i32" },
  // int ioctl(int fd, unsigned long request, struct winsize *ws);  FBSD_1.0
  ioctl: { parameters: ["i32", "usize", "buffer"], result: "i32" },
  // char *getenv(const char *name);  FBSD_1.0
  getenv: { parameters: ["buffer"], result: "usize" },
} as const;

/**
 * TIOCGWINSZ: Linux's generic number, except on the architectures whose
 * ioctl numbers follow the BSD encoding (_IOR('t', 104, struct winsize)),
 * which FreeBSD uses everywhere.
 */
function tiocgwinsz(os: string, arch: string): number {
  if (os !== "linux") return 0x40087468;
  return /^(ppc|powerpc|mips|sparc|alpha)/.test(arch) ? 0x40087468 : 0x5413;
}

let lib: Library<typeof SYMBOLS> | undefined;
const own = () => lib ??= ffi.dlopen(ABI.libc, SYMBOLS);
// struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
const winsize = new Uint16Array(new ArrayBuffer(64));

/** The terminal facts of this process's descriptors, from libc. */
export const libcTerminal: Terminal = {
  isTerminal(fd: number): boolean {
    return own().isatty(fd) === 1;
  },
  size(fd: number): TerminalSize | undefined {
    winsize.fill(0);
    const buf = new Uint8Array(winsize.buffer);
    if (own().ioctl(fd, tiocgwinsz(proc.os, proc.arch), buf) !== 0) {
      return undefined;
    }
    const [rows, columns] = winsize;
    return rows > 0 && columns > 0 ? { rows, columns } : undefined;
  },
  env(name: string): string | undefined {
    const p = own().getenv(new TextEncoder().encode(name + "\0"));
    if (p === 0 || p === 0n) return undefined;
    return new TextDecoder().decode(ffi.readCString(p));
  },
};
