/**
 * What filemon needs from the JavaScript runtime, as one small interface per
 * concern: native calls (`ffi.ts`), the process (`process.ts`), signals
 * (`signals.ts`) and files (`files.ts`). Each of those modules picks its
 * Deno (`deno/`) or Bun (`bun/`) implementation once, when first loaded.
 * Nothing outside this folder names `Deno` or `Bun`.
 *
 * @module
 */

/** C types the libc tables use, with the JavaScript values each takes and gives. */
export type NativeType =
  | "void"
  | "i32"
  | "u32"
  | "i64"
  | "u64"
  | "usize"
  | "isize"
  | "buffer";

/** One C function: its parameter and result types; `name` when the key is an alias. */
export interface ForeignFunction {
  readonly parameters: readonly NativeType[];
  readonly result: NativeType;
  /** The C symbol when the table's key is another name for it. */
  readonly name?: string;
}

/** A library's functions by name. */
export type SymbolTable = Readonly<Record<string, ForeignFunction>>;

/** A 64-bit value: both runtimes accept either form, and may return a bigint. */
export type Wide = number | bigint;

type ArgOf<T extends NativeType> = T extends "buffer"
  ? Uint8Array<ArrayBuffer> | null
  : T extends "i32" | "u32" ? number
  : Wide;

type ResultOf<T extends NativeType> = T extends "void" ? void
  : T extends "i32" | "u32" ? number
  : Wide;

type ArgsOf<P extends readonly NativeType[]> = {
  [I in keyof P]: P[I] extends NativeType ? ArgOf<P[I]> : never;
};

/** The callable functions of an opened library. */
export type Library<S extends SymbolTable> = {
  readonly [K in keyof S]: (
    ...args: ArgsOf<S[K]["parameters"]>
  ) => ResultOf<S[K]["result"]>;
};

/** Native calls and raw memory. */
export interface Ffi {
  /** Opens a shared library with the given functions. */
  dlopen<const S extends SymbolTable>(path: string, symbols: S): Library<S>;
  /**
   * The address of a buffer's first byte. Give it buffers made from an
   * explicit ArrayBuffer or larger than 64 bytes: small typed arrays may live
   * on a moving heap.
   */
  addressOf(buffer: Uint8Array<ArrayBuffer>): bigint;
  /** The 32-bit signed integer at a native address. */
  readI32(address: Wide): number;
  /** The pointer stored at a native address. */
  readPointer(address: Wide): bigint;
  /** The NUL-terminated bytes at a native address (without the NUL). */
  readCString(address: Wide): Uint8Array;
}

/** The running process. */
export interface Process {
  /** "deno" or "bun". */
  readonly runtime: "deno" | "bun";
  /**
   * Command-line arguments after the script (or the binary) name, each
   * byte kept (lib/path.ts's strings: a byte that is not UTF-8 is
   * U+DC80 + byte), from /proc/self/cmdline where the runtime's own
   * decoding lost one.
   */
  args(): string[];
  /** Ends the process with `code`. */
  exit(code: number): never;
  /** The operating system: "linux", "freebsd", "darwin", "windows"... */
  readonly os: string;
  /** The CPU architecture, as `uname -m` names it ("x86_64", "aarch64"). */
  readonly arch: string;
  /** Whether this is a compiled binary (`bun build --compile`, `deno compile`). */
  readonly standalone: boolean;
  /**
   * Descriptors above 2 this process was started with that the runtime
   * itself marked close-on-exec (Bun does, at start): the tracer hands them
   * on to the traced command, as a shell would.
   */
  inheritedFds(): readonly number[];
  /** The runtime's executable, or the compiled binary. */
  execPath(): string;
  /** Whether native calls (FFI) are allowed: Deno asks for --allow-ffi. */
  nativeCalls(): boolean;
  /**
   * Whether a worker can be started from the module `module` (a file URL):
   * Deno asks for read permission on it.
   */
  canStartWorker(module: URL): boolean;
  /**
   * The argv that runs the script `module` (a file URL) with native calls
   * allowed and as little else as the runtime permits, starting fast.
   */
  scriptCommand(module: URL): string[];
}

/** Signals the CLI listens to. */
export type SignalName = "SIGINT" | "SIGTERM" | "SIGHUP" | "SIGQUIT";

/** Signal listeners. */
export interface Signals {
  /** Calls `handler` on each `signal`; returns a function that stops listening. */
  on(signal: SignalName, handler: () => void): () => void;
}

export type { FileIdentity, FileKind, Files } from "../../lib/cli/output.ts";
export { FileError } from "../../lib/cli/output.ts";
export type { Input } from "../../lib/cli/io.ts";
