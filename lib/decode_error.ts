/** Errors of the log decoders. @module */

/**
 * A log line that cannot be decoded. The message reads
 * `Cannot decode line 12: unknown record 'Q'`.
 */
export class DecodeError extends Error {
  /** 1-based line number in the input. */
  readonly line: number;
  /** Why the line was rejected, without the line number. */
  readonly reason: string;

  constructor(line: number, reason: string) {
    super(`Cannot decode line ${line}: ${reason}`);
    this.name = "DecodeError";
    this.line = line;
    this.reason = reason;
  }
}
