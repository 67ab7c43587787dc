/**
 * The TIFF / BigTIFF header and image file directories (IFDs): a small synchronous reader of entries and their
 * values in the file's byte order. Text values are decoded as UTF-8 when valid, else Latin-1 (DigitalMicrograph
 * writes 'µm' as the byte 0xB5, which geotiff's UTF-8 decoding would turn into U+FFFD).
 */
import * as fs from 'node:fs';
import { MicroscopyFileError } from '../../frame-source';
import { TYPE_SIZE } from './tags';

export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute file offset of the value bytes (inline values point into the entry itself). */
  offset: number;
}

/** Reads IFD entries and values from an open file, in the file's byte order. */
export class TiffFile {
  readonly size: number;
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  readonly firstIfd: number;

  constructor(
    readonly file: string,
    readonly fd: number,
  ) {
    this.size = fs.fstatSync(fd).size;
    const head = this.read(0, Math.min(16, this.size), 'the TIFF header');
    if (head.length < 8) throw new MicroscopyFileError(file, `only ${head.length} bytes: too short for a TIFF header`);
    const order = head.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM') throw new MicroscopyFileError(file, 'not a TIFF file (no II/MM byte-order mark)');
    this.littleEndian = order === 'II';
    const magic = this.littleEndian ? head.readUInt16LE(2) : head.readUInt16BE(2);
    if (magic === 42) {
      this.bigTiff = false;
      this.firstIfd = this.u32(head, 4);
    } else if (magic === 43) {
      if (head.length < 16) throw new MicroscopyFileError(file, 'truncated BigTIFF header');
      this.bigTiff = true;
      this.firstIfd = this.u64(head, 8);
    } else {
      throw new MicroscopyFileError(file, `not a TIFF file (version ${magic}, expected 42 or BigTIFF 43)`);
    }
  }

  /** Exactly `length` bytes at `offset`, or an error naming what was being read. */
  read(offset: number, length: number, what: string): Buffer {
    if (offset < 0 || offset + length > this.size) {
      throw new MicroscopyFileError(
        this.file,
        `${what} lies at bytes ${offset}–${offset + length}, beyond the end of the file (${this.size} bytes): truncated or corrupt`,
      );
    }
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) throw new MicroscopyFileError(this.file, `${what}: unexpected end of file at byte ${offset + done}`);
      done += n;
    }
    return buf;
  }

  u16(buf: Buffer, at: number): number {
    return this.littleEndian ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }

  u32(buf: Buffer, at: number): number {
    return this.littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  u64(buf: Buffer, at: number): number {
    const v = this.littleEndian ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MicroscopyFileError(this.file, `64-bit offset ${v} is too large`);
    return Number(v);
  }

  /** The entries of the IFD at `offset` and the offset of the next IFD (0 = none). */
  readIfd(offset: number, pageIndex: number): { entries: Map<number, IfdEntry>; next: number } {
    const what = `IFD of page ${pageIndex}`;
    const countBytes = this.bigTiff ? 8 : 2;
    const entrySize = this.bigTiff ? 20 : 12;
    const inline = this.bigTiff ? 8 : 4;
    const countBuf = this.read(offset, countBytes, what);
    const count = this.bigTiff ? this.u64(countBuf, 0) : this.u16(countBuf, 0);
    if (count === 0 || count > 10000) throw new MicroscopyFileError(this.file, `${what} at byte ${offset} claims ${count} entries: corrupt`);
    const body = this.read(offset + countBytes, count * entrySize + (this.bigTiff ? 8 : 4), what);
    const entries = new Map<number, IfdEntry>();
    for (let i = 0; i < count; i++) {
      const at = i * entrySize;
      const tag = this.u16(body, at);
      const type = this.u16(body, at + 2);
      const n = this.bigTiff ? this.u64(body, at + 4) : this.u32(body, at + 4);
      const size = TYPE_SIZE[type];
      if (size === undefined) continue; // unknown field types are skipped, as the TIFF spec asks readers to
      const valueAt = at + (this.bigTiff ? 12 : 8);
      const bytes = size * n;
      const valueOffset = bytes <= inline ? offset + countBytes + valueAt : this.bigTiff ? this.u64(body, valueAt) : this.u32(body, valueAt);
      entries.set(tag, { tag, type, count: n, offset: valueOffset });
    }
    const nextAt = count * entrySize;
    const next = this.bigTiff ? this.u64(body, nextAt) : this.u32(body, nextAt);
    return { entries, next };
  }

  /** Numeric values of an entry (RATIONAL as num/den; use rational() for the pair). */
  numbers(entry: IfdEntry, what: string): number[] {
    const size = TYPE_SIZE[entry.type]!;
    const buf = this.read(entry.offset, size * entry.count, what);
    const out: number[] = new Array<number>(entry.count);
    const le = this.littleEndian;
    for (let i = 0; i < entry.count; i++) {
      const at = i * size;
      switch (entry.type) {
        case 1:
        case 2:
        case 7:
          out[i] = buf[at]!;
          break;
        case 6:
          out[i] = buf.readInt8(at);
          break;
        case 3:
          out[i] = le ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
          break;
        case 8:
          out[i] = le ? buf.readInt16LE(at) : buf.readInt16BE(at);
          break;
        case 4:
        case 13:
          out[i] = le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
          break;
        case 9:
          out[i] = le ? buf.readInt32LE(at) : buf.readInt32BE(at);
          break;
        case 5: {
          const num = le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
          const den = le ? buf.readUInt32LE(at + 4) : buf.readUInt32BE(at + 4);
          out[i] = num / den;
          break;
        }
        case 10: {
          const num = le ? buf.readInt32LE(at) : buf.readInt32BE(at);
          const den = le ? buf.readInt32LE(at + 4) : buf.readInt32BE(at + 4);
          out[i] = num / den;
          break;
        }
        case 11:
          out[i] = le ? buf.readFloatLE(at) : buf.readFloatBE(at);
          break;
        case 12:
          out[i] = le ? buf.readDoubleLE(at) : buf.readDoubleBE(at);
          break;
        case 16:
        case 18:
          out[i] = this.u64(buf, at);
          break;
        case 17:
          out[i] = Number(le ? buf.readBigInt64LE(at) : buf.readBigInt64BE(at));
          break;
        default:
          out[i] = NaN;
      }
    }
    return out;
  }

  /** A RATIONAL's [numerator, denominator]. */
  rational(entry: IfdEntry, what: string): [number, number] | null {
    if (entry.type !== 5 && entry.type !== 10) {
      const v = this.numbers(entry, what)[0];
      return v === undefined ? null : [v, 1];
    }
    const buf = this.read(entry.offset, 8, what);
    return [this.u32(buf, 0), this.u32(buf, 4)];
  }

  /** ASCII (or UNDEFINED/BYTE text) value: UTF-8 when valid, else Latin-1 (DM writes 'µm' as the byte 0xB5). */
  text(entry: IfdEntry, what: string): string {
    const buf = this.read(entry.offset, entry.count * (TYPE_SIZE[entry.type] ?? 1), what);
    let s: string;
    try {
      s = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      s = buf.toString('latin1');
    }
    return s.replace(/\0+$/, '').replace(/\0/g, '\n');
  }
}
