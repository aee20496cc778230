/**
 * The event model every producer (log decoder, Linux tracer, FreeBSD device)
 * and every sink (filemon text, JSON Lines, dependency graph) shares.
 *
 * One event stands for one thing a traced process did. Filemon's own records
 * map onto it one to one, so a decoded log can be written back byte for byte;
 * the Linux tracer fills in the optional fields filemon has no room for
 * (absolute paths, argv, errno, open flags, timestamps).
 *
 * Paths are JavaScript strings. Bytes that are not valid UTF-8 are kept as
 * lone surrogates U+DC80..U+DCFF (one per byte, the "surrogateescape" mapping
 * of PEP 383), so every path survives a round trip exactly; see `lib/path.ts`.
 *
 * @module
 */

/** Fields every event carries. */
export interface EventBase {
  /** Process id (for threads: the thread group id, like filemon). */
  pid: number;
  /** Seconds since the Unix epoch, with microsecond precision, when known. */
  time?: number;
}

/** Fields of a call that names one path. */
export interface PathFields {
  /** The path exactly as the process passed it (or as the log wrote it). */
  path: string;
  /** The absolute, lexically normalized path, when it can be known. */
  abs?: string;
  /** errno name of a failed call ("ENOENT"); absent for a successful call. */
  error?: string;
  /**
   * true when the file has no name in the file system (an O_TMPFILE file not
   * linked yet, a memfd, a file deleted while open): `abs` is then the
   * kernel's name for it (`/tmp/#2149048 (deleted)`, `/memfd:x (deleted)`),
   * not a path to look up.
   */
  anon?: boolean;
}

/** Fields of a call that names two paths (link, symlink, rename). */
export interface TwoPathFields {
  /** Source path as passed: the existing file (link, rename) or the link text (symlink). */
  from: string;
  /** Destination path as passed: the new name. */
  to: string;
  /** Absolute `from`, when it can be known. For a symlink, resolved against the link's directory. */
  from_abs?: string;
  /** Absolute `to`, when it can be known. */
  to_abs?: string;
  /** errno name of a failed call; absent for a successful call. */
  error?: string;
}

/** `E pid path`: a successful (or, with `error`, failed) exec. */
export interface ExecEvent extends EventBase, PathFields {
  op: "exec";
  /** The argument vector, when the producer knows it. */
  argv?: string[];
}

/** `F pid child`: a fork, vfork or clone made a new process. */
export interface ForkEvent extends EventBase {
  op: "fork";
  /** The new process's id. */
  child: number;
}

/** `X pid status [signal]`: a process ended. */
export interface ExitEvent extends EventBase {
  op: "exit";
  /**
   * The status as the log wrote it. With a `signal` field (FreeBSD version 5,
   * and the Linux tracer) it is the exit code. Without one it is whatever the
   * producer wrote in the two-field form (see `exitCode()`).
   */
  status: number;
  /** Terminating signal number, 0 when none; absent in the two-field form. */
  signal?: number;
}

/** `C pid path`: the working directory changed (chdir, fchdir). */
export interface ChdirEvent extends EventBase, PathFields {
  op: "chdir";
}

/** `D pid path`: a file was removed (unlink, unlinkat). */
export interface UnlinkEvent extends EventBase, PathFields {
  op: "unlink";
}

/** `L pid 'from' 'to'`: a hard or symbolic link was made. */
export interface LinkEvent extends EventBase, TwoPathFields {
  op: "link";
  /** true for a symlink, false for a hard link, absent when the producer cannot tell (a filemon log). */
  symbolic?: boolean;
}

/**
 * `M pid 'from' 'to'`: a rename. renameat2's flags, when given, say what
 * kind: with `exchange` both names stay, their files swapped (a filemon log,
 * which has no letter for it, gets a `W` line for each name).
 */
export interface RenameEvent extends EventBase, TwoPathFields {
  op: "rename";
  /** RENAME_EXCHANGE: the two files swapped names; neither is gone. */
  exchange?: boolean;
  /** RENAME_NOREPLACE: refused (EEXIST) if `to` existed. */
  noreplace?: boolean;
  /** RENAME_WHITEOUT: `from` is left as a whiteout (overlayfs). */
  whiteout?: boolean;
}

/** `R pid path` / `W pid path`: a file was opened for reading and/or writing. */
export interface OpenEvent extends EventBase, PathFields {
  op: "open";
  /** "r", "w", or "rw" (written as an R line then a W line, like filemon). */
  mode: "r" | "w" | "rw";
  /** O_CREAT was given. */
  create?: boolean;
  /** O_TRUNC was given. */
  trunc?: boolean;
  /**
   * O_TMPFILE was given: `path` names the directory, and the file opened is
   * a new one with no name (`anon`), not the directory.
   */
  tmpfile?: boolean;
}

/** `A pid path`: FreeBSD's clue that an openat used a relative path and a directory fd. */
export interface OpenatEvent extends EventBase {
  op: "openat";
  /** The relative path, as passed. */
  path: string;
}

/** `S pid path`: a stat, in version 4 logs. */
export interface StatEvent extends EventBase, PathFields {
  op: "stat";
}

/** Operations filemon does not log; the Linux tracer records them on request. */
export type ExtraOp =
  | "rmdir"
  | "mkdir"
  | "truncate"
  | "chmod"
  | "chown"
  | "utime"
  | "access"
  | "readlink"
  | "lookup";

/**
 * A call filemon has no letter for (mkdir, rmdir, truncate, chmod, probes...).
 * `lookup` is an open with O_PATH: the path was looked up, nothing read.
 */
export interface ExtraEvent extends EventBase, PathFields {
  op: ExtraOp;
}

/** What kind of node mknod made (its S_IF* bits), or `socket` for a bind. */
export type NodeType = "fifo" | "socket" | "char" | "block" | "file";

/**
 * A file system node made: mknod/mknodat (mkfifo, device nodes), or a Unix
 * socket's path made by bind(2).
 */
export interface MknodEvent extends EventBase, PathFields {
  op: "mknod";
  type: NodeType;
}

/**
 * An extended attribute set or removed (setxattr, removexattr and their
 * l-, -at forms: ACLs, file capabilities, security labels), read or listed
 * (getxattr, listxattr: probes).
 */
export interface XattrEvent extends EventBase, PathFields {
  op: "setxattr" | "removexattr" | "getxattr" | "listxattr";
  /** The attribute's name (`user.x`, `system.posix_acl_access`); none for listxattr. */
  name?: string;
}

/** `# filemon version N`: the first line of a log. */
export interface BeginEvent {
  op: "begin";
  version: number;
}

/** `# Target pid N`: the process that set up the log (the tracer, not the traced command). */
export interface TargetEvent extends EventBase {
  op: "target";
}

/** `# Start SEC.USEC`: when the log started. */
export interface StartEvent {
  op: "start";
  /** Seconds since the epoch, microsecond precision. */
  time: number;
}

/** `V N`: the record format version. */
export interface VersionEvent {
  op: "version";
  version: number;
}

/** `# Stop SEC.USEC`: when the log was closed. */
export interface StopEvent {
  op: "stop";
  time: number;
}

/** `# Bye bye`: the last line of a trace. */
export interface ByeEvent {
  op: "bye";
}

/** Any other `#` line, kept so a log can be written back as it was. */
export interface CommentEvent {
  op: "comment";
  /** The text after `#` (with the space that followed it, if any). */
  text: string;
}

/** Events that stand for something a process did. */
export type ActionEvent =
  | ExecEvent
  | ForkEvent
  | ExitEvent
  | ChdirEvent
  | UnlinkEvent
  | LinkEvent
  | RenameEvent
  | OpenEvent
  | OpenatEvent
  | StatEvent
  | ExtraEvent
  | MknodEvent
  | XattrEvent;

/** Events that frame a log (headers, version, trailers, comments). */
export type FrameEvent =
  | BeginEvent
  | TargetEvent
  | StartEvent
  | VersionEvent
  | StopEvent
  | ByeEvent
  | CommentEvent;

/** Every event a producer can emit and a sink can consume. */
export type TraceEvent = ActionEvent | FrameEvent;

/**
 * Where a decoder sends its events, in order. An open comes as its fields
 * (the event `{ op: "open", pid, path, abs, mode }`, without `abs` when it
 * is undefined), so that a sink that only formats it needs no object made.
 */
export interface EventSink {
  /**
   * An open event, as its fields. `plain` says that `path` and `abs` are
   * known to hold nothing a JSON string escapes (no control character, `"`,
   * `\` or lone surrogate): a formatter need not look.
   */
  open(
    pid: number,
    path: string,
    abs: string | undefined,
    mode: OpenEvent["mode"],
    plain: boolean,
  ): void;
  /** Any other event. */
  event(event: TraceEvent): void;
}

/** The `op` names of all events. */
export type Op = TraceEvent["op"];

/** The ops that are process actions, in the order the JSON Lines schema lists them. */
export const ACTION_OPS: readonly ActionEvent["op"][] = [
  "exec",
  "fork",
  "exit",
  "chdir",
  "unlink",
  "link",
  "rename",
  "open",
  "openat",
  "stat",
  "rmdir",
  "mkdir",
  "truncate",
  "chmod",
  "chown",
  "utime",
  "access",
  "readlink",
  "lookup",
  "mknod",
  "setxattr",
  "removexattr",
  "getxattr",
  "listxattr",
];

const ACTION_SET: ReadonlySet<string> = new Set(ACTION_OPS);

/**
 * Tells a process action from a framing line.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isAction } from "./event.ts";
 * assertEquals(isAction({ op: "fork", pid: 1, child: 2 }), true);
 * assertEquals(isAction({ op: "bye" }), false);
 * ```
 */
export function isAction(event: TraceEvent): event is ActionEvent {
  return ACTION_SET.has(event.op);
}

/**
 * The exit code and signal an exit event stands for.
 *
 * The three-field form says both. In the two-field form, version 4 logs
 * (NetBSD) wrote the exit code, while FreeBSD 10 wrote a wait(2) status under
 * version 5: pass the log's version to tell them apart.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { exitCode } from "./event.ts";
 * assertEquals(exitCode({ op: "exit", pid: 1, status: 2 }, 4), {
 *   code: 2,
 *   signal: 0,
 * });
 * assertEquals(exitCode({ op: "exit", pid: 1, status: 256 }, 5), {
 *   code: 1,
 *   signal: 0,
 * });
 * assertEquals(exitCode({ op: "exit", pid: 1, status: 9 }), {
 *   code: 0,
 *   signal: 9,
 * });
 * assertEquals(exitCode({ op: "exit", pid: 1, status: 0, signal: 15 }), {
 *   code: 0,
 *   signal: 15,
 * });
 * ```
 */
export function exitCode(
  event: ExitEvent,
  version = 5,
): { code: number; signal: number } {
  if (event.signal !== undefined) {
    return { code: event.status, signal: event.signal };
  }
  if (version >= 5) {
    return { code: (event.status >> 8) & 0xff, signal: event.status & 0x7f };
  }
  return { code: event.status, signal: 0 };
}

/**
 * The path a one-path event names: its absolute form when known, else the
 * path as passed.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { pathOf } from "./event.ts";
 * assertEquals(pathOf({ path: "a", abs: "/w/a" }), "/w/a");
 * assertEquals(pathOf({ path: "a" }), "a");
 * ```
 */
export function pathOf(event: { path: string; abs?: string }): string {
  return event.abs ?? event.path;
}
