/**
 * Shell-style globs for paths, compiled to regular expressions.
 *
 * @module
 */

const SPECIAL = /[\\^$.*+?()[\]{}|]/;

/**
 * Compiles a glob to an anchored regular expression over a whole path.
 *
 * - `*` matches any run of characters other than `/`;
 * - `**` matches anything, `/` included; `**` then `/` at the start of the
 *   glob or after a `/` also matches no directory at all (so `src/**` joined
 *   to `/*.c` matches `src/a.c`), and `/` then `**` at the end also matches
 *   the directory itself (`/usr/**` matches `/usr`);
 * - `?` matches one character other than `/`;
 * - every other character matches itself (a `\` makes the next one literal).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { globToRegExp } from "./glob.ts";
 * assert(globToRegExp("src/*.c").test("src/a.c"));
 * assert(!globToRegExp("src/*.c").test("src/sub/a.c"));
 * assert(globToRegExp("src/**").test("src/sub/a.c"));
 * assert(globToRegExp("**\/*.h").test("x.h"));
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      if (glob[i + 1] !== "*") {
        re += "[^/]*";
        continue;
      }
      i++;
      const atStart = i === 1 || glob[i - 2] === "/";
      if (atStart && glob[i + 1] === "/") {
        re += "(?:.*/)?";
        i++;
      } else if (i === glob.length - 1 && glob[i - 2] === "/") {
        re = re.slice(0, -1) + "(?:/.*)?";
      } else re += ".*";
    } else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < glob.length) {
      i++;
      re += escape(glob[i]);
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`, "s");
}

function escape(c: string): string {
  return SPECIAL.test(c) ? `\\${c}` : c;
}
