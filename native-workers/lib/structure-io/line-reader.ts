/**
 * Fast chunked line reading over a file descriptor plus a byte-level tokenizer for whitespace-separated numeric
 * lines, the hot loop of every structure reader (a 1M-atom dump is ~40 MB of text).
 */
import * as fs from 'node:fs';
import { coordinateProblem, MAX_COORDINATE } from './limits';
import { ReadCancelled, StructureFileError } from './types';

export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

export interface LineReaderOptions {
  /** Bytes per fs.readSync; lines longer than this grow the buffer. */
  chunkBytes?: number;
  /** Byte offset in the file where reading starts (the start of a line). */
  startOffset?: number;
  /** 1-based number of the line at startOffset. */
  startLine?: number;
  /** Called after every chunk with bytes read so far / file size (0 … 1). */
  onProgress?: (fraction: number) => void;
  /** Polled before every chunk; returning true makes the reader throw ReadCancelled. */
  isCancelled?: () => boolean;
}

const NL = 10;
const CR = 13;

/**
 * A cursor over the lines of a file. After `next()` returns true, the current line is `buf[start, end)` (without
 * the newline and without a trailing CR) and `lineNumber` is its 1-based number. `buf` is only valid until the next
 * call to `next()`: copy what you keep.
 */
export class LineReader {
  buf: Buffer;
  start = 0;
  end = 0;
  lineNumber: number;
  readonly totalBytes: number;

  private view: Buffer;
  private fd: number;
  private dataEnd = 0;
  private nextStart = 0;
  /** File offset of buf[0]. */
  private bufferOffset: number;
  /** File offset of the next byte to read from disk. */
  private readPosition: number;
  private eof = false;
  private readonly chunkBytes: number;
  private readonly onProgress: ((fraction: number) => void) | undefined;
  private readonly isCancelled: (() => boolean) | undefined;

  constructor(
    readonly file: string,
    options: LineReaderOptions = {},
  ) {
    this.chunkBytes = Math.max(16, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    this.onProgress = options.onProgress;
    this.isCancelled = options.isCancelled;
    this.lineNumber = (options.startLine ?? 1) - 1;
    this.bufferOffset = options.startOffset ?? 0;
    this.readPosition = this.bufferOffset;
    try {
      this.fd = fs.openSync(file, 'r');
      this.totalBytes = fs.fstatSync(this.fd).size;
    } catch (err) {
      throw new StructureFileError(file, null, `cannot open: ${(err as Error).message}`);
    }
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
    this.view = this.buf.subarray(0, 0);
  }

  /** Advances to the next line; false at the end of the file. */
  next(): boolean {
    let from = this.nextStart;
    for (;;) {
      const nl = this.view.indexOf(NL, from);
      if (nl >= 0) {
        this.setLine(this.nextStart, nl);
        this.nextStart = nl + 1;
        return true;
      }
      if (this.eof) {
        if (this.nextStart < this.dataEnd) {
          this.setLine(this.nextStart, this.dataEnd);
          this.nextStart = this.dataEnd;
          return true;
        }
        return false;
      }
      from = this.refill();
    }
  }

  /** Skips `count` lines without looking at them; returns how many were actually there (fewer at end of file). */
  skipLines(count: number): number {
    let skipped = 0;
    while (skipped < count && this.next()) skipped++;
    return skipped;
  }

  /** The current line as a string (UTF-8). */
  text(): string {
    return this.buf.toString('utf8', this.start, this.end);
  }

  /** File byte offset where the current line starts. */
  lineOffset(): number {
    return this.bufferOffset + this.start;
  }

  /** File byte offset just after the current line (the start of the next line). */
  nextLineOffset(): number {
    return this.bufferOffset + this.nextStart;
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  private setLine(start: number, end: number): void {
    this.start = start;
    this.end = end > start && this.buf[end - 1] === CR ? end - 1 : end;
    this.lineNumber++;
  }

  /** Keeps the unfinished line, reads the next chunk behind it; returns where the newline search resumes. */
  private refill(): number {
    if (this.isCancelled?.()) throw new ReadCancelled();
    const keep = this.dataEnd - this.nextStart;
    if (keep > 0 && this.nextStart > 0) this.buf.copyWithin(0, this.nextStart, this.dataEnd);
    this.bufferOffset += this.nextStart;
    this.nextStart = 0;
    if (this.buf.length - keep < this.chunkBytes / 2) {
      // A line longer than half a chunk: grow so every read still brings a full chunk.
      const bigger = Buffer.allocUnsafe(keep + this.chunkBytes);
      this.buf.copy(bigger, 0, 0, keep);
      this.buf = bigger;
    }
    let n: number;
    try {
      n = fs.readSync(this.fd, this.buf, keep, this.buf.length - keep, this.readPosition);
    } catch (err) {
      throw new StructureFileError(this.file, null, `read failed: ${(err as Error).message}`);
    }
    this.readPosition += n;
    this.dataEnd = keep + n;
    if (n === 0) this.eof = true;
    this.view = this.buf.subarray(0, this.dataEnd);
    if (this.onProgress && this.totalBytes > 0) this.onProgress(Math.min(1, this.readPosition / this.totalBytes));
    return keep;
  }
}

export interface Line {
  lineNumber: number;
  text: string;
}

/** Convenience generator over a file's lines (slower than the LineReader cursor: one string per line). */
export function* readLines(file: string, options: LineReaderOptions = {}): Generator<Line> {
  const reader = new LineReader(file, options);
  try {
    while (reader.next()) yield { lineNumber: reader.lineNumber, text: reader.text() };
  } finally {
    reader.close();
  }
}

/** Powers of ten that are exact doubles (10^0 … 10^22), the range of Clinger's fast path. */
const POW10 = new Float64Array(23);
for (let i = 0, p = 1; i < 23; i++, p *= 10) POW10[i] = p;
const MAX_EXACT_MANTISSA = 2 ** 53;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === CR || c === 11 || c === 12;
}

/**
 * Reads whitespace-separated tokens of one line straight from bytes. Numbers come out bit-identical to parseFloat;
 * anything that is not a finite number where one is expected throws a StructureFileError naming file and line.
 * A `#` ends the line (comments).
 */
export class LineTokenizer {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  lineNumber = 0;

  constructor(readonly file: string) {}

  /** Points the tokenizer at `buf[start, end)`, line `lineNumber`. */
  reset(buf: Uint8Array, start: number, end: number, lineNumber: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.lineNumber = lineNumber;
  }

  /** Points the tokenizer at the reader's current line. */
  resetTo(reader: LineReader): void {
    this.buf = reader.buf;
    this.pos = reader.start;
    this.end = reader.end;
    this.lineNumber = reader.lineNumber;
  }

  /** True when only whitespace or a comment remains. */
  atEnd(): boolean {
    const buf = this.buf;
    let p = this.pos;
    const end = this.end;
    while (p < end && isSpace(buf[p] as number)) p++;
    this.pos = p;
    return p >= end || buf[p] === 35;
  }

  /** First byte of the next token (0 at end). */
  peekByte(): number {
    return this.atEnd() ? 0 : (this.buf[this.pos] as number);
  }

  /** Tokens left on the line (does not consume them). */
  countTokens(): number {
    const saved = this.pos;
    let n = 0;
    while (!this.atEnd()) {
      this.skipToken();
      n++;
    }
    this.pos = saved;
    return n;
  }

  skipToken(): void {
    const buf = this.buf;
    let p = this.pos;
    const end = this.end;
    while (p < end && isSpace(buf[p] as number)) p++;
    while (p < end && !isSpace(buf[p] as number)) p++;
    this.pos = p;
  }

  /** The next token as a string; throws when the line has no more tokens. */
  nextToken(what = 'a value'): string {
    if (this.atEnd()) throw this.fail(`expected ${what} but the line ends`);
    const start = this.pos;
    this.skipToken();
    return latin1(this.buf, start, this.pos);
  }

  /** The next token as a finite float (Clinger fast path, else Number() on the token text). */
  nextFloat(what = 'a number'): number {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    while (p < end && isSpace(buf[p] as number)) p++;
    const start = p;
    if (p >= end || buf[p] === 35) throw this.fail(`expected ${what} but the line ends`);
    let c = buf[p] as number;
    let negative = false;
    if (c === 45) {
      negative = true;
      p++;
    } else if (c === 43) {
      p++;
    }
    let mantissa = 0;
    let exp10 = 0;
    let digits = 0;
    while (p < end) {
      const d = (buf[p] as number) - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      digits++;
      p++;
    }
    if (p < end && buf[p] === 46) {
      p++;
      while (p < end) {
        const d = (buf[p] as number) - 48;
        if (d < 0 || d > 9) break;
        mantissa = mantissa * 10 + d;
        exp10--;
        digits++;
        p++;
      }
    }
    if (digits === 0) return this.badNumber(start, what);
    if (p < end) {
      c = buf[p] as number;
      if (c === 101 || c === 69) {
        p++;
        let expNegative = false;
        if (p < end && (buf[p] === 45 || buf[p] === 43)) {
          expNegative = buf[p] === 45;
          p++;
        }
        let e = 0;
        let expDigits = 0;
        while (p < end) {
          const d = (buf[p] as number) - 48;
          if (d < 0 || d > 9) break;
          if (e < 100000) e = e * 10 + d;
          expDigits++;
          p++;
        }
        if (expDigits === 0) return this.badNumber(start, what);
        exp10 += expNegative ? -e : e;
      }
    }
    if (p < end) {
      c = buf[p] as number;
      if (!isSpace(c) && c !== 35) return this.badNumber(start, what);
    }
    this.pos = p;
    if (mantissa <= MAX_EXACT_MANTISSA && exp10 >= -22 && exp10 <= 22) {
      // Both operands exact, one correctly rounded operation: the correctly rounded decimal value.
      const v = exp10 < 0 ? mantissa / (POW10[-exp10] as number) : mantissa * (POW10[exp10] as number);
      return negative ? -v : v;
    }
    const v = Number(latin1(buf, start, p));
    if (!Number.isFinite(v)) throw this.fail(`${what} "${latin1(buf, start, p)}" is not a finite number`);
    return v;
  }

  /**
   * The next token as a coordinate of atom `atom` (its id, or its number in the file): a finite float no farther
   * than MAX_COORDINATE Å from the origin.
   */
  nextCoordinate(what: string, atom: number): number {
    const v = this.nextFloat(what);
    if (v <= MAX_COORDINATE && v >= -MAX_COORDINATE) return v;
    throw this.fail(`atom ${atom}: ${coordinateProblem(v, what) ?? `${what} = ${v}`}`);
  }

  /** The next token as an integer (no decimal point or exponent), |value| ≤ 2^53. */
  nextInt(what = 'an integer'): number {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    while (p < end && isSpace(buf[p] as number)) p++;
    const start = p;
    if (p >= end || buf[p] === 35) throw this.fail(`expected ${what} but the line ends`);
    let negative = false;
    const c = buf[p] as number;
    if (c === 45) {
      negative = true;
      p++;
    } else if (c === 43) {
      p++;
    }
    let value = 0;
    let digits = 0;
    while (p < end) {
      const d = (buf[p] as number) - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      digits++;
      p++;
    }
    if (digits === 0 || (p < end && !isSpace(buf[p] as number) && buf[p] !== 35) || value > MAX_EXACT_MANTISSA) {
      while (p < end && !isSpace(buf[p] as number)) p++;
      throw this.fail(`${what} expected, found "${latin1(buf, start, p)}"`);
    }
    this.pos = p;
    return negative ? -value : value;
  }

  /** A StructureFileError for the current line. */
  fail(problem: string): StructureFileError {
    return new StructureFileError(this.file, this.lineNumber, problem);
  }

  private badNumber(start: number, what: string): never {
    const buf = this.buf;
    let p = start;
    while (p < this.end && !isSpace(buf[p] as number)) p++;
    const token = latin1(buf, start, p);
    if (/^[+-]?(nan|inf|infinity)$/i.test(token)) throw this.fail(`${what} is "${token}", not a finite number`);
    throw this.fail(`${what} expected, found "${token}"`);
  }
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i] as number);
  return s;
}

/** Parses a whole string as a finite number (header lines); null when it is not one. */
export function parseFiniteNumber(token: string | undefined): number | null {
  if (token === undefined || token.length === 0) return null;
  const v = Number(token);
  return Number.isFinite(v) ? v : null;
}
