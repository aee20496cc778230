/**
 * Typed command-line parsing over `@std/cli`'s `parseArgs`, with unknown
 * flags rejected by name.
 *
 * @module
 */

import { parseArgs as stdParseArgs } from "@std/cli/parse-args";

/** A usage mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What each command accepts. */
export interface FlagSpec {
  boolean?: readonly string[];
  string?: readonly string[];
  collect?: readonly string[];
  alias?: Readonly<Record<string, string>>;
  /** Stop at the first non-flag argument (the rest goes to `_`). */
  stopEarly?: boolean;
}

/** Parsed flags: strings, booleans, string lists, and the positionals. */
export interface ParsedArgs {
  _: string[];
  "--": string[];
  [flag: string]: string | boolean | string[] | undefined;
}

/**
 * Parses `argv` for `command`; an unknown flag throws a `UsageError`
 * naming it.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseCommandArgs, UsageError } from "./args.ts";
 * const a = parseCommandArgs("decode", ["x.log", "-o", "out"], {
 *   string: ["output"], alias: { o: "output" },
 * });
 * assertEquals([a.output, a._], ["out", ["x.log"]]);
 * assertThrows(
 *   () => parseCommandArgs("decode", ["--bogus"], {}),
 *   UsageError,
 *   "decode: unknown option '--bogus'",
 * );
 * ```
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  spec: FlagSpec,
): ParsedArgs {
  const known = new Set<string>([
    ...(spec.boolean ?? []),
    ...(spec.string ?? []),
    ...(spec.collect ?? []),
    ...Object.keys(spec.alias ?? {}),
  ]);
  // parseArgs leaves an empty value ("-o ''") as a positional: join it.
  const valued = new Set([...(spec.string ?? []), ...(spec.collect ?? [])]);
  const aliasOf = spec.alias ?? {};
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      joined.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith("--")
      ? a.slice(2)
      : a.startsWith("-")
      ? a.slice(1)
      : "";
    const flag = aliasOf[name] ?? name;
    if (valued.has(flag) && argv[i + 1] === "") {
      joined.push(`--${flag}=`);
      i++;
    } else joined.push(a);
    if (
      spec.stopEarly && !a.startsWith("-") &&
      !(i > 0 && valued.has(flagOf(argv[i - 1], aliasOf)))
    ) {
      joined.push(...argv.slice(i + 1));
      break;
    }
  }
  const parsed = stdParseArgs(joined, {
    boolean: [...(spec.boolean ?? [])],
    string: [...(spec.string ?? []), ...(spec.collect ?? [])],
    collect: [...(spec.collect ?? [])],
    alias: { ...(spec.alias ?? {}) },
    stopEarly: spec.stopEarly ?? false,
    "--": true,
    unknown: (arg: string, key?: string) => {
      if (key !== undefined && !known.has(key)) {
        throw new UsageError(
          `${command}: unknown option '${
            arg.split("=")[0]
          }' (see '${command} --help')`,
        );
      }
      return true;
    },
  }) as Record<string, unknown>;
  const out: ParsedArgs = {
    _: ((parsed._ as unknown[]) ?? []).map(String),
    "--": ((parsed["--"] as unknown[]) ?? []).map(String),
  };
  for (const [k, v] of Object.entries(parsed)) {
    if (k === "_" || k === "--") continue;
    out[k] = v as string | boolean | string[];
  }
  return out;
}

function flagOf(
  arg: string,
  aliases: Readonly<Record<string, string>>,
): string {
  const name = arg.startsWith("--")
    ? arg.slice(2)
    : arg.startsWith("-")
    ? arg.slice(1)
    : "";
  return aliases[name] ?? name;
}

/** A string flag's value (the last one given), or undefined. */
export function stringFlag(
  args: ParsedArgs,
  name: string,
): string | undefined {
  const v = args[name];
  if (v === undefined || v === false) return undefined;
  if (typeof v !== "string") {
    throw new UsageError(`option --${name} needs a value`);
  }
  return v;
}

/** A flag's value checked against a list of choices. */
export function choiceFlag<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const v = stringFlag(args, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) {
    throw new UsageError(
      `option --${name} must be one of ${choices.join(", ")}, not '${v}'`,
    );
  }
  return v as T;
}

/** An option that must be an absolute path, or undefined. */
export function absolutePathFlag(
  args: ParsedArgs,
  name: string,
): string | undefined {
  const v = stringFlag(args, name);
  if (v !== undefined && !v.startsWith("/")) {
    throw new UsageError(`--${name} must be an absolute path, not '${v}'`);
  }
  return v;
}

/** How messages name an input: its path, or `<stdin>`. */
export function inputName(path: string | undefined): string {
  return path === undefined || path === "-" ? "<stdin>" : path;
}
