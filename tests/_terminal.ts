/**
 * A tiny terminal for tests: applies the bytes a program wrote to a
 * terminal to a grid of rows with a scrollback, the way xterm does, for the
 * handful of controls filemon's progress line and ordinary output use
 * (text with autowrap, CR, LF, BS, TAB, DECSC/DECRC, IND, cursor moves,
 * erase in line and display, scrolling region). Any other escape sequence
 * throws, so that a test sees one it did not expect.
 */

/** A terminal screen with its scrollback. */
export class TinyTerminal {
  readonly rows: number;
  readonly columns: number;
  /** Lines scrolled off the top of the screen, oldest first. */
  readonly history: string[] = [];
  #grid: string[][];
  #row = 0;
  #col = 0;
  /** A character written in the last column waits to wrap (xterm). */
  #wrapNext = false;
  #top = 0;
  #bottom: number;
  #saved = { row: 0, col: 0, wrapNext: false };
  #pending = "";

  constructor(rows: number, columns: number) {
    this.rows = rows;
    this.columns = columns;
    this.#bottom = rows - 1;
    this.#grid = Array.from({ length: rows }, () => this.#blank());
  }

  /** The screen's rows, trailing spaces dropped. */
  screen(): string[] {
    return this.#grid.map((r) => r.join("").trimEnd());
  }

  /** Scrollback and screen, trailing empty rows dropped. */
  transcript(): string[] {
    const all = [...this.history, ...this.screen()];
    while (all.length > 0 && all[all.length - 1] === "") all.pop();
    return all;
  }

  /** Applies `text` (a sequence split across calls is kept for the next). */
  write(text: string): void {
    const s = this.#pending + text;
    this.#pending = "";
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === "\x1b") {
        const n = this.#escape(s, i);
        if (n === 0) {
          this.#pending = s.slice(i);
          return;
        }
        i += n;
        continue;
      }
      i++;
      switch (c) {
        case "\r":
          this.#col = 0;
          this.#wrapNext = false;
          break;
        case "\n":
          this.#lineFeed();
          break;
        case "\b":
          if (this.#col > 0) this.#col--;
          this.#wrapNext = false;
          break;
        case "\t":
          this.#col = Math.min(this.columns - 1, (this.#col + 8) & ~7);
          break;
        case "\x07":
          break;
        default:
          if (c < " ") throw new Error(`control ${c.charCodeAt(0)} unmodelled`);
          this.#put(c);
      }
    }
  }

  #blank(): string[] {
    return new Array(this.columns).fill(" ");
  }

  #put(c: string): void {
    if (this.#wrapNext) {
      this.#col = 0;
      this.#lineFeed();
    }
    this.#grid[this.#row][this.#col] = c;
    if (this.#col === this.columns - 1) this.#wrapNext = true;
    else this.#col++;
  }

  /** LF and IND: down a row, scrolling the region at its bottom margin. */
  #lineFeed(): void {
    this.#wrapNext = false;
    if (this.#row === this.#bottom) {
      const gone = this.#grid.splice(this.#top, 1)[0];
      if (this.#top === 0) this.history.push(gone.join("").trimEnd());
      this.#grid.splice(this.#bottom, 0, this.#blank());
    } else if (this.#row < this.rows - 1) this.#row++;
  }

  /** Applies the sequence at `s[i]`; its length, 0 when incomplete. */
  #escape(s: string, i: number): number {
    if (i + 1 >= s.length) return 0;
    const kind = s[i + 1];
    if (kind === "7") {
      this.#saved = {
        row: this.#row,
        col: this.#col,
        wrapNext: this.#wrapNext,
      };
      return 2;
    }
    if (kind === "8") {
      ({ row: this.#row, col: this.#col, wrapNext: this.#wrapNext } =
        this.#saved);
      return 2;
    }
    if (kind === "D") {
      this.#lineFeed();
      return 2;
    }
    if (kind !== "[") throw new Error(`ESC ${kind} unmodelled`);
    // After ESC [: private marker, parameters, final byte.
    const m = /^..([?]?)([0-9;]*)([@-~])/.exec(s.slice(i, i + 32));
    if (m === null) {
      if (/^..[?]?[0-9;]*$/.test(s.slice(i))) return 0;
      throw new Error(`bad CSI ${JSON.stringify(s.slice(i, i + 12))}`);
    }
    const [seq, priv, params, final] = m;
    const p = params === "" ? [] : params.split(";").map(Number);
    const arg = (k: number, dflt: number) =>
      p[k] === undefined || p[k] === 0 ? dflt : p[k];
    this.#wrapNext = false;
    if (priv === "?") {
      if (final !== "h" && final !== "l") throw new Error(`${seq} unmodelled`);
      return seq.length; // modes (cursor shown or hidden...)
    }
    switch (final) {
      case "A":
        this.#row = Math.max(
          this.#row >= this.#top ? this.#top : 0,
          this.#row - arg(0, 1),
        );
        break;
      case "B":
        this.#row = Math.min(
          this.#row <= this.#bottom ? this.#bottom : this.rows - 1,
          this.#row + arg(0, 1),
        );
        break;
      case "C":
        this.#col = Math.min(this.columns - 1, this.#col + arg(0, 1));
        break;
      case "D":
        this.#col = Math.max(0, this.#col - arg(0, 1));
        break;
      case "G":
        this.#col = Math.min(this.columns - 1, arg(0, 1) - 1);
        break;
      case "H":
      case "f":
        this.#row = Math.min(this.rows - 1, arg(0, 1) - 1);
        this.#col = Math.min(this.columns - 1, arg(1, 1) - 1);
        break;
      case "K": {
        const row = this.#grid[this.#row];
        const [from, to] = p[0] === 1
          ? [0, this.#col + 1]
          : p[0] === 2
          ? [0, this.columns]
          : [this.#col, this.columns];
        for (let c = from; c < to; c++) row[c] = " ";
        break;
      }
      case "J": {
        const mode = p[0] ?? 0;
        const rows = mode === 0
          ? [this.#row + 1, this.rows]
          : mode === 1
          ? [0, this.#row]
          : [0, this.rows];
        for (let r = rows[0]; r < rows[1]; r++) this.#grid[r] = this.#blank();
        const row = this.#grid[this.#row];
        if (mode === 0) {
          for (let c = this.#col; c < this.columns; c++) row[c] = " ";
        }
        if (mode === 1) { for (let c = 0; c <= this.#col; c++) row[c] = " "; }
        break;
      }
      case "m":
        break;
      case "r": {
        const top = arg(0, 1) - 1;
        const bottom = Math.min(this.rows, arg(1, this.rows)) - 1;
        if (top < bottom) {
          this.#top = top;
          this.#bottom = bottom;
        }
        this.#row = 0;
        this.#col = 0;
        break;
      }
      default:
        throw new Error(`${JSON.stringify(seq)} unmodelled`);
    }
    return seq.length;
  }
}
