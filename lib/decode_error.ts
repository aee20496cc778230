/** Errors of the log decoders. @module */

/**
 * What `escapeText` shows escaped: a backslash, control characters (C0, DEL,
 * C1), lone surrogates (raw bytes of a path that is not UTF-8, see
 * `lib/path.ts`), bidirectional controls, line separators and the
 * characters that print as nothing (zero width, byte order mark).
 */
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\\\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]/;

/**
 * `text` safe to print on a terminal: every character a terminal could act
 * on (an escape sequence that retitles it or clears the screen, a carriage
 * return, a bidirectional override) is written as an escape, as are the raw
 * bytes of text that is not UTF-8 (`\xff`) and the backslash itself (`\\`).
 * Printable text, non-ASCII letters included, is left as it is.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeText } from "./decode_error.ts";
 * assertEquals(escapeText("\x1b]0;owned\x07 caf\u00e9"), "\\x1b]0;owned\\x07 caf\u00e9");
 * assertEquals(escapeText("a\tb\r\n\\"), "a\\tb\\r\\n\\\\");
 * // A byte that is not UTF-8 (kept as U+DC00 + byte), a C1 control, a bidi override.
 * assertEquals(escapeText("/\udcff\u009b\u202e"), "/\\xff\\u009b\\u202e");
 * ```
 */
export function escapeText(text: string): string {
  if (!UNSAFE.test(text)) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i];
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A pair: a character beyond U+FFFF, printable as it is.
        out += ch + text[++i];
        continue;
      }
    }
    if (!UNSAFE.test(ch)) out += ch;
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x80) out += `\\x${hex(c, 2)}`;
    else if (c >= 0xdc80 && c <= 0xdcff) out += `\\x${hex(c - 0xdc00, 2)}`;
    else out += `\\u${hex(c, 4)}`;
  }
  return out;
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, "0");
}

/**
 * A log line that cannot be decoded. The message reads
 * `Cannot decode line 12: unknown record 'Q'`; any input text the reason
 * quotes is escaped (`escapeText`), so printing the message is safe.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DecodeError } from "./decode_error.ts";
 * const err = new DecodeError(3, "unknown record '\x1b[2J'");
 * assertEquals(err.message, "Cannot decode line 3: unknown record '\\x1b[2J'");
 * assertEquals(err.line, 3);
 * ```
 */
export class DecodeError extends Error {
  /** 1-based line number in the input. */
  readonly line: number;
  /** Why the line was rejected, without the line number (escaped). */
  readonly reason: string;

  constructor(line: number, reason: string) {
    const safe = escapeText(reason);
    super(`Cannot decode line ${line}: ${safe}`);
    this.name = "DecodeError";
    this.line = line;
    this.reason = safe;
  }
}
