/**
 * The records the user-notification server (a worker thread) hands the
 * tracer's main thread, in a ring in shared memory. The server commits a
 * record before it answers the tracee, so the main thread, which reads the
 * ring before it handles any ptrace stop, always sees a process's fast-path
 * records before that process's next ptrace-visible call.
 *
 * A record is 8-aligned: `status` (i32: pending, done, cancelled; the server
 * settles it once its answer reached the tracee), `size` (u32; all ones:
 * skip to the ring's start), `kind`, `tid`, two u32 fields, a f64 time, the
 * lengths of two byte strings and the strings.
 *
 * @module
 */

/** Bytes of record data (a power of two). */
const CAPACITY = 1 << 22;
const MASK31 = 0x7fffffff;
const HEADER_BYTES = 64;
const WRAP = 0xffffffff;

/** Indexes of the shared header's i32 slots. */
export const H_WRITE = 0;
export const H_READ = 1;
/** Set by the main thread: the server is to stop. */
export const H_STOP = 2;
/** Counts kept by the server, for `--stats`. */
export const H_EMULATED = 4;
export const H_ANSWERED_ERROR = 5;
export const H_FALLBACK = 6;
export const H_VANISHED = 7;
export const H_RING_WAITS = 8;
/** Set by the server: 1 once it serves a listener, -1 when there is none. */
export const H_LISTENING = 9;
/** The listener's fd (the process's, so the main thread can answer too). */
export const H_LISTENER_FD = 10;
/** The writers' lock (several servers share the ring). */
export const H_LOCK = 11;
/** The servers' thread ids (for tgkill), from this slot on. */
export const H_SERVER_TIDS = 12;
/** At most this many servers. */
export const MAX_SERVERS = 4;

/** Record kinds. */
export const KIND_OPEN = 1;
export const KIND_FALLBACK = 2;

/** Record statuses. */
export const PENDING = 0;
export const DONE = 1;
export const CANCELLED = 2;

/** Offsets in a record. */
const R_STATUS = 0;
const R_SIZE = 4;
const R_KIND = 8;
const R_TID = 12;
const R_A = 16;
const R_B = 20;
const R_TIME = 24;
const R_LEN1 = 32;
const R_LEN2 = 34;
const R_DATA = 36;
/** A second string's length when there is none. */
export const NONE = 0xffff;

/** A new ring's shared memory. */
export function createRing(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + CAPACITY);
}

/** Views of a ring's memory, for either side. */
export class Ring {
  readonly header: Int32Array;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly words: Int32Array;

  constructor(sab: SharedArrayBuffer) {
    this.header = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.bytes = new Uint8Array(sab, HEADER_BYTES, CAPACITY);
    this.view = new DataView(sab, HEADER_BYTES, CAPACITY);
    this.words = new Int32Array(sab, HEADER_BYTES, CAPACITY / 4);
  }

  /** Adds `n` to a count in the header. */
  count(slot: number, n = 1): void {
    Atomics.add(this.header, slot, n);
  }

  // --- the server's side -------------------------------------------------

  /**
   * Writes a record (pending) and publishes it; returns its offset, or -1
   * when the ring has no room (the caller wakes the reader and waits).
   */
  put(
    kind: number,
    tid: number,
    a: number,
    b: number,
    time: number,
    s1: Uint8Array,
    s2: Uint8Array | undefined,
  ): number {
    const size = (R_DATA + s1.length + (s2?.length ?? 0) + 7) & ~7;
    while (Atomics.compareExchange(this.header, H_LOCK, 0, 1) !== 0) {
      // Another server is writing a record: a few hundred nanoseconds.
    }
    try {
      return this.#put(size, kind, tid, a, b, time, s1, s2);
    } finally {
      Atomics.store(this.header, H_LOCK, 0);
    }
  }

  #put(
    size: number,
    kind: number,
    tid: number,
    a: number,
    b: number,
    time: number,
    s1: Uint8Array,
    s2: Uint8Array | undefined,
  ): number {
    let w = Atomics.load(this.header, H_WRITE);
    const r = Atomics.load(this.header, H_READ);
    let off = w & (CAPACITY - 1);
    const tail = off + size > CAPACITY ? CAPACITY - off : 0;
    if (CAPACITY - ((w - r) & MASK31) < size + tail) return -1;
    if (tail > 0) {
      this.view.setUint32(off + R_SIZE, WRAP, true);
      w = (w + tail) & MASK31;
      off = 0;
    }
    const v = this.view;
    this.words[(off + R_STATUS) >> 2] = PENDING;
    v.setUint32(off + R_SIZE, size, true);
    v.setUint32(off + R_KIND, kind, true);
    v.setUint32(off + R_TID, tid, true);
    v.setInt32(off + R_A, a, true);
    v.setUint32(off + R_B, b, true);
    v.setFloat64(off + R_TIME, time, true);
    v.setUint16(off + R_LEN1, s1.length, true);
    v.setUint16(off + R_LEN2, s2 === undefined ? NONE : s2.length, true);
    this.bytes.set(s1, off + R_DATA);
    if (s2 !== undefined) this.bytes.set(s2, off + R_DATA + s1.length);
    this.lastEnd = (w + size) & MASK31;
    Atomics.store(this.header, H_WRITE, this.lastEnd);
    return off;
  }

  /** Where the record this side put last ends (see `readPast`). */
  lastEnd = 0;

  /** Whether the reader has read past `end` (a record's `lastEnd`). */
  readPast(end: number): boolean {
    // Positions count modulo 2^31; unread bytes never exceed CAPACITY.
    return ((Atomics.load(this.header, H_READ) - end) & MASK31) < (1 << 30);
  }

  /** Settles a record: its answer reached the tracee, or not. */
  settle(off: number, status: number, a?: number): void {
    if (a !== undefined) this.view.setInt32(off + R_A, a, true);
    Atomics.store(this.words, (off + R_STATUS) >> 2, status);
    Atomics.notify(this.words, (off + R_STATUS) >> 2);
  }

  /** Waits (at most `ms`) for the reader to free room. */
  waitForRoom(ms: number): void {
    const r = Atomics.load(this.header, H_READ);
    this.count(H_RING_WAITS);
    Atomics.wait(this.header, H_READ, r, ms);
  }

  // --- the reader's side ---------------------------------------------------

  /**
   * Calls `each` on every record published so far, in order, waiting for a
   * pending one to settle (its server is handing the tracee an fd: some
   * microseconds; that tracee may already run, so what it did next must not
   * be read first); cancelled records are skipped. Returns how many it read.
   */
  drain(each: (rec: RingRecord) => void): number {
    let r = Atomics.load(this.header, H_READ);
    const w = Atomics.load(this.header, H_WRITE);
    if (r === w) return 0;
    let n = 0;
    const rec = this.#record;
    while (r !== w) {
      const off = r & (CAPACITY - 1);
      const size = this.view.getUint32(off + R_SIZE, true);
      if (size === WRAP) {
        r = (r + CAPACITY - off) & MASK31;
        continue;
      }
      let status = Atomics.load(this.words, off >> 2);
      while (status === PENDING) {
        Atomics.wait(this.words, off >> 2, PENDING, 1);
        status = Atomics.load(this.words, off >> 2);
      }
      if (status === DONE) {
        rec.at = off;
        each(rec);
        n++;
      }
      r = (r + size) & MASK31;
    }
    Atomics.store(this.header, H_READ, r);
    Atomics.notify(this.header, H_READ);
    return n;
  }

  #record: RingRecord = new RingRecord(this);
}

/** A record being read (valid only inside `drain`'s callback). */
export class RingRecord {
  at = 0;
  #ring: Ring;
  constructor(ring: Ring) {
    this.#ring = ring;
  }
  get kind(): number {
    return this.#ring.view.getUint32(this.at + R_KIND, true);
  }
  get tid(): number {
    return this.#ring.view.getUint32(this.at + R_TID, true);
  }
  get a(): number {
    return this.#ring.view.getInt32(this.at + R_A, true);
  }
  get b(): number {
    return this.#ring.view.getUint32(this.at + R_B, true);
  }
  get time(): number {
    return this.#ring.view.getFloat64(this.at + R_TIME, true);
  }
  /** The ring's bytes, where the strings are (see `start1`, `length1`). */
  get bytes(): Uint8Array {
    return this.#ring.bytes;
  }
  /** Where the first string starts in `bytes`. */
  get start1(): number {
    return this.at + R_DATA;
  }
  /** The first string's length. */
  get length1(): number {
    return this.#ring.view.getUint16(this.at + R_LEN1, true);
  }
  /** The second string's length (it follows the first), or `NONE`. */
  get length2(): number {
    return this.#ring.view.getUint16(this.at + R_LEN2, true);
  }
  /** The first string's bytes (a copy). */
  get s1(): Uint8Array {
    const n = this.#ring.view.getUint16(this.at + R_LEN1, true);
    const start = this.at + R_DATA;
    return this.#ring.bytes.slice(start, start + n);
  }
}
