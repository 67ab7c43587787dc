/**
 * TIFF and BigTIFF (Adobe TIFF 6.0; BigTIFF as libtiff 4 writes it): 8/16/32/64-bit integers, 32/64-bit floats,
 * 1-bit bilevel, strips or tiles, uncompressed / LZW / Deflate / PackBits with predictor 2 or 3, every page a frame.
 *
 * Random access without reading the file: open walks the image file directories (IFDs) only, readFrame reads that
 * page's strips or tiles at their offsets. The IFD walk is our own small synchronous parser rather than the geotiff
 * package: FrameSource.readFrame is synchronous while geotiff's readRasters/loadValue are async only, and geotiff
 * decodes ASCII tags as UTF-8, which turns the Latin-1 'µm' of DigitalMicrograph tags into U+FFFD.
 *
 * Calibration, as HyperSpy's tiff plugin (hyperspy/io_plugins/tiff.py) reads it, the file's statement only:
 * - DigitalMicrograph-saved TIFFs: private tags 65003/65004/65005 (x/y/z units, Latin-1), 65006/65007/65008
 *   (origins), 65009/65010/65011 (scales); x is the column axis, z the stack axis.
 * - ImageJ: ImageDescription "ImageJ=…\nunit=…\nspacing=…"; pixel size = 1 / XResolution (YResolution for rows).
 * - JEOL SightX: the XML ImageDescription's magnification (TEM MAG, nm) or camera length and high tension (TEM DIFF,
 *   1/nm) with the camera's pixel pitch in XResolution/YResolution; also beam energy and camera length.
 * - Plain XResolution/YResolution (dots per inch/cm) are kept in the metadata only: most programs store a
 *   display resolution there, and HyperSpy ignores them too by default.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  checkScanShape,
  MicroscopyFileError,
  plainAxis,
  type AxisCalibration,
  type FrameSource,
  type MicroscopyInfo,
  type OpenOptions,
  type StoredDtype,
} from '../frame-source';

/** Baseline and extension tag numbers used here (TIFF 6.0 §8, plus the Adobe tile and predictor tags). */
const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  Make: 271,
  Model: 272,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  DateTime: 306,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
} as const;

/** Digital Micrograph's private calibration tags (as HyperSpy's _add_axes_digital_micrograph reads them). */
const DM_TAG = {
  xUnits: 65003,
  yUnits: 65004,
  zUnits: 65005,
  xOrigin: 65006,
  yOrigin: 65007,
  zOrigin: 65008,
  xScale: 65009,
  yScale: 65010,
  zScale: 65011,
  intensityUnits: 65022,
  intensityOffset: 65024,
  intensityScale: 65025,
} as const;

const COMPRESSION_NAMES: Record<number, string> = {
  1: 'none',
  2: 'CCITT RLE',
  3: 'CCITT G3',
  4: 'CCITT G4',
  5: 'LZW',
  6: 'old-style JPEG',
  7: 'JPEG',
  8: 'Deflate',
  32773: 'PackBits',
  32946: 'Deflate',
  34887: 'LERC',
  34925: 'LZMA',
  50000: 'Zstandard',
  50001: 'WebP',
};

/** Field type → bytes per value (TIFF 6.0 §2 plus BigTIFF's LONG8/SLONG8/IFD8). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute file offset of the value bytes (inline values point into the entry itself). */
  offset: number;
}

/** One page's layout: everything readFrame needs, with the strip/tile tables read lazily. */
interface Page {
  index: number;
  entries: Map<number, IfdEntry>;
  width: number;
  height: number;
  bits: number;
  samples: number;
  sampleFormat: number;
  compression: number;
  photometric: number;
  planar: number;
  predictor: number;
  subfileType: number;
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
  offsets?: number[];
  byteCounts?: number[] | null;
}

/** A frame stored contiguously and uncompressed (ImageJ stacks): no per-page IFD needed. */
interface ContiguousLayout {
  firstOffset: number;
  frameBytes: number;
}

/** Reads IFD entries and values from an open file, in the file's byte order. */
class TiffFile {
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

/** Page geometry and sample format from its IFD, checked for what this reader can decode. */
function describePage(tiff: TiffFile, entries: Map<number, IfdEntry>, index: number): Page {
  const file = tiff.file;
  const one = (tag: number, fallback: number | null, name: string): number => {
    const e = entries.get(tag);
    if (!e) {
      if (fallback === null) throw new MicroscopyFileError(file, `page ${index} has no ${name} tag`);
      return fallback;
    }
    const v = tiff.numbers(e, `${name} of page ${index}`)[0];
    if (v === undefined || !Number.isFinite(v)) throw new MicroscopyFileError(file, `page ${index}: unreadable ${name}`);
    return v;
  };
  const width = one(TAG.ImageWidth, null, 'ImageWidth');
  const height = one(TAG.ImageLength, null, 'ImageLength');
  const samples = one(TAG.SamplesPerPixel, 1, 'SamplesPerPixel');
  const bitsEntry = entries.get(TAG.BitsPerSample);
  const bitsAll = bitsEntry ? tiff.numbers(bitsEntry, `BitsPerSample of page ${index}`) : [1];
  const bits = bitsAll[0]!;
  if (bitsAll.some((b) => b !== bits)) {
    throw new MicroscopyFileError(file, `page ${index}: samples of different bit depths (${bitsAll.join(', ')}) are not supported`);
  }
  const formatEntry = entries.get(TAG.SampleFormat);
  const sampleFormat = formatEntry ? tiff.numbers(formatEntry, `SampleFormat of page ${index}`)[0]! : 1;
  const tiled = entries.has(TAG.TileOffsets);
  const rowsPerStrip = Math.min(one(TAG.RowsPerStrip, height, 'RowsPerStrip'), height);
  const page: Page = {
    index,
    entries,
    width,
    height,
    bits,
    samples,
    sampleFormat,
    compression: one(TAG.Compression, 1, 'Compression'),
    photometric: one(TAG.Photometric, 1, 'PhotometricInterpretation'),
    planar: one(TAG.PlanarConfiguration, 1, 'PlanarConfiguration'),
    predictor: one(TAG.Predictor, 1, 'Predictor'),
    subfileType: one(TAG.NewSubfileType, 0, 'NewSubfileType'),
    tiled,
    blockWidth: tiled ? one(TAG.TileWidth, null, 'TileWidth') : width,
    blockHeight: tiled ? one(TAG.TileLength, null, 'TileLength') : rowsPerStrip,
  };
  if (width < 1 || height < 1 || page.blockWidth < 1 || page.blockHeight < 1) {
    throw new MicroscopyFileError(file, `page ${index}: empty image (${width}×${height}, blocks ${page.blockWidth}×${page.blockHeight})`);
  }
  if (!tiled && !entries.has(TAG.StripOffsets)) throw new MicroscopyFileError(file, `page ${index} has neither StripOffsets nor TileOffsets`);
  if (!COMPRESSION_NAMES[page.compression] || ![1, 5, 8, 32773, 32946].includes(page.compression)) {
    const name = COMPRESSION_NAMES[page.compression] ?? 'unknown';
    throw new MicroscopyFileError(
      file,
      `page ${index} uses compression ${page.compression} (${name}); supported: none, LZW, Deflate, PackBits — re-save it uncompressed`,
    );
  }
  if (page.predictor !== 1 && page.predictor !== 2 && page.predictor !== 3) {
    throw new MicroscopyFileError(file, `page ${index}: unknown predictor ${page.predictor}`);
  }
  storedDtype(file, page); // throws for unsupported sample types
  if (page.photometric === 2 && samples < 3) throw new MicroscopyFileError(file, `page ${index}: RGB with only ${samples} samples per pixel`);
  if (![0, 1, 2, 3].includes(page.photometric)) {
    throw new MicroscopyFileError(
      file,
      `page ${index}: photometric interpretation ${page.photometric} (CMYK/YCbCr/Lab/…) is not supported; save it as greyscale`,
    );
  }
  if (bits === 1 && samples !== 1) throw new MicroscopyFileError(file, `page ${index}: 1-bit images with several samples are not supported`);
  return page;
}

function storedDtype(file: string, page: Page): StoredDtype {
  const { bits, sampleFormat: fmt } = page;
  if (bits === 1 && fmt === 1) return 'bool';
  if (fmt === 1 || fmt === 4) {
    if (bits === 8) return page.photometric === 2 ? 'rgb8' : 'uint8';
    if (bits === 16) return 'uint16';
    if (bits === 32) return 'uint32';
    if (bits === 64) return 'uint64';
  } else if (fmt === 2) {
    if (bits === 8) return 'int8';
    if (bits === 16) return 'int16';
    if (bits === 32) return 'int32';
    if (bits === 64) return 'int64';
  } else if (fmt === 3) {
    if (bits === 32) return 'float32';
    if (bits === 64) return 'float64';
  }
  const kind = fmt === 2 ? 'signed integer' : fmt === 3 ? 'floating-point' : fmt === 1 ? 'unsigned integer' : `sample format ${fmt}`;
  throw new MicroscopyFileError(file, `page ${page.index}: ${bits}-bit ${kind} samples are not supported`);
}

// ---------------------------------------------------------------------------------------------------------------
// Decompression (TIFF 6.0 §9 PackBits, §13 LZW; Adobe Photoshop TIFF technical note 2 for Deflate).

/** TIFF LZW: MSB-first codes of 9–12 bits, Clear = 256, EOI = 257, code width grows one code early. */
function lzwDecode(input: Uint8Array, expected: number): Uint8Array {
  if (input.length >= 2 && input[0] === 0 && (input[1]! & 1) === 1) {
    throw new Error('old-style (pre-TIFF 5.0) LZW is not supported');
  }
  const out = new Uint8Array(expected);
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let nextCode = 258;
  let width = 9;
  let old = -1;
  let op = 0;
  let bitPos = 0;
  const totalBits = input.length * 8;
  const write = (code: number): void => {
    const len = length[code]!;
    let c = code;
    for (let k = len - 1; k >= 0; k--) {
      if (op + k < expected) out[op + k] = suffix[c]!;
      c = prefix[c]!;
    }
    op += len;
  };
  while (bitPos + width <= totalBits && op < expected) {
    let code = 0;
    for (let k = 0; k < width; k++) {
      const bit = (input[(bitPos + k) >> 3]! >> (7 - ((bitPos + k) & 7))) & 1;
      code = (code << 1) | bit;
    }
    bitPos += width;
    if (code === 257) break;
    if (code === 256) {
      nextCode = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new Error(`LZW stream starts with code ${code}`);
      write(code);
      old = code;
      continue;
    }
    if (code < nextCode) {
      write(code);
      if (nextCode < 4096) {
        prefix[nextCode] = old;
        suffix[nextCode] = first[code]!;
        first[nextCode] = first[old]!;
        length[nextCode] = length[old]! + 1;
        nextCode++;
      }
    } else if (code === nextCode && nextCode < 4096) {
      prefix[nextCode] = old;
      suffix[nextCode] = first[old]!;
      first[nextCode] = first[old]!;
      length[nextCode] = length[old]! + 1;
      nextCode++;
      write(code);
    } else {
      throw new Error(`corrupt LZW stream (code ${code} before it was defined)`);
    }
    old = code;
    if (nextCode >= (1 << width) - 1 && width < 12) width++;
  }
  return op >= expected ? out : out.subarray(0, op);
}

function packBitsDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let ip = 0;
  let op = 0;
  while (ip < input.length && op < expected) {
    const n = (input[ip++]! << 24) >> 24;
    if (n >= 0) {
      for (let k = 0; k <= n && ip < input.length; k++) {
        if (op < expected) out[op] = input[ip]!;
        op++;
        ip++;
      }
    } else if (n !== -128) {
      const v = input[ip++]!;
      for (let k = 0; k < 1 - n; k++) {
        if (op < expected) out[op] = v;
        op++;
      }
    }
  }
  return op >= expected ? out : out.subarray(0, Math.min(op, expected));
}

function decompress(page: Page, data: Buffer, expected: number): Uint8Array {
  switch (page.compression) {
    case 1:
      return data;
    case 5:
      return lzwDecode(data, expected);
    case 8:
    case 32946:
      return zlib.inflateSync(data);
    case 32773:
      return packBitsDecode(data, expected);
    default:
      throw new Error(`compression ${page.compression} not supported`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Samples.

/** Decoded block bytes → one number per sample in file order, undoing byte order and predictors. */
function blockSamples(page: Page, bytes: Uint8Array, littleEndian: boolean, rows: number, rowSamples: number): ArrayLike<number> {
  const n = rows * rowSamples;
  const bytesPer = page.bits / 8;
  // Floating-point predictor (Adobe TIFF technical note 3): per row, bytes are differenced, then stored as
  // planes most-significant byte first; undoing it yields little-endian samples whatever the file's byte order.
  if (page.predictor === 3) {
    if (page.sampleFormat !== 3) throw new Error('floating-point predictor on integer samples');
    const rowBytes = rowSamples * bytesPer;
    const stride = page.planar === 2 ? 1 : page.samples;
    const fixed = new Uint8Array(n * bytesPer);
    for (let r = 0; r < rows; r++) {
      const row = bytes.slice(r * rowBytes, (r + 1) * rowBytes);
      for (let i = stride; i < rowBytes; i++) row[i] = (row[i]! + row[i - stride]!) & 0xff;
      for (let i = 0; i < rowSamples; i++) {
        for (let b = 0; b < bytesPer; b++) fixed[r * rowBytes + bytesPer * i + b] = row[(bytesPer - b - 1) * rowSamples + i]!;
      }
    }
    bytes = fixed;
    littleEndian = true;
  }
  // Horizontal differencing (TIFF 6.0 §14): each sample adds the same sample of the previous pixel, modulo 2^bits,
  // on the integer words (also for float samples, as libtiff writes them).
  if (page.predictor === 2) {
    bytes = undoHorizontal(bytes, littleEndian, page.bits, rows, rowSamples, page.planar === 2 ? 1 : page.samples);
    littleEndian = true;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let values: Float64Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array;
  switch (`${page.sampleFormat === 4 ? 1 : page.sampleFormat}:${page.bits}`) {
    case '1:8':
      values = bytes.subarray(0, n);
      break;
    case '2:8':
      values = new Int8Array(bytes.buffer, bytes.byteOffset, n).slice();
      break;
    case '1:16':
      values = new Uint16Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getUint16(2 * i, littleEndian);
      break;
    case '2:16':
      values = new Int16Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getInt16(2 * i, littleEndian);
      break;
    case '1:32':
      values = new Uint32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getUint32(4 * i, littleEndian);
      break;
    case '2:32':
      values = new Int32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getInt32(4 * i, littleEndian);
      break;
    case '3:32':
      values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(4 * i, littleEndian);
      break;
    case '3:64':
      values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getFloat64(8 * i, littleEndian);
      break;
    case '1:64':
    case '2:64': {
      values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        values[i] = Number(page.sampleFormat === 2 ? view.getBigInt64(8 * i, littleEndian) : view.getBigUint64(8 * i, littleEndian));
      }
      break;
    }
    default:
      throw new Error(`${page.bits}-bit samples of format ${page.sampleFormat}`);
  }
  return values;
}

/** Undoes horizontal differencing row by row; returns little-endian words. */
function undoHorizontal(bytes: Uint8Array, littleEndian: boolean, bits: number, rows: number, rowSamples: number, stride: number): Uint8Array {
  const size = bits / 8;
  const fixed = bytes.slice(0, rows * rowSamples * size);
  const view = new DataView(fixed.buffer, fixed.byteOffset, fixed.byteLength);
  for (let r = 0; r < rows; r++) {
    const base = r * rowSamples;
    for (let i = 0; i < rowSamples; i++) {
      const at = (base + i) * size;
      const prev = (base + i - stride) * size;
      const add = i >= stride;
      if (bits === 8) {
        if (add) fixed[at] = (fixed[at]! + fixed[prev]!) & 0xff;
      } else if (bits === 16) {
        const v = view.getUint16(at, littleEndian);
        view.setUint16(at, add ? (v + view.getUint16(prev, true)) & 0xffff : v, true);
      } else if (bits === 32) {
        const v = view.getUint32(at, littleEndian);
        view.setUint32(at, add ? (v + view.getUint32(prev, true)) >>> 0 : v, true);
      } else {
        const v = view.getBigUint64(at, littleEndian);
        view.setBigUint64(at, add ? BigInt.asUintN(64, v + view.getBigUint64(prev, true)) : v, true);
      }
    }
  }
  return fixed;
}

/** ITU-R BT.601 luma, as PIL's convert('L') and HyperSpy's rgb_tools use for RGB → grey. */
const LUMA = [0.299, 0.587, 0.114] as const;

// ---------------------------------------------------------------------------------------------------------------
// Metadata → calibration.

interface ImageJInfo {
  images: number;
  slices: number;
  frames: number;
  channels: number;
  unit: string | null;
  spacing: number | null;
  finterval: number | null;
  raw: Record<string, string>;
}

function parseImageJ(description: string): ImageJInfo | null {
  if (!description.startsWith('ImageJ=')) return null;
  const raw: Record<string, string> = {};
  for (const line of description.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) raw[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  const int = (key: string): number => {
    const v = Number(raw[key]);
    return Number.isInteger(v) && v > 0 ? v : 1;
  };
  const num = (key: string): number | null => {
    const v = Number(raw[key]);
    return raw[key] !== undefined && Number.isFinite(v) ? v : null;
  };
  return {
    images: int('images'),
    slices: int('slices'),
    frames: int('frames'),
    channels: int('channels'),
    unit: raw.unit ?? null,
    spacing: num('spacing'),
    finterval: num('finterval'),
    raw,
  };
}

/** ImageJ and DM spell units their own way: 'micron', '\u00B5m', 'A', 'angstrom', 'pixel'. */
function normaliseUnit(unit: string | null): string | null {
  if (unit === null) return null;
  const u = unit
    .replace(/\\u00B5/gi, 'µ')
    .replace(/\\u00C5/gi, 'Å')
    .trim();
  if (u === '' || /^pixels?$/i.test(u)) return null;
  if (u === 'micron' || u === 'microns' || u === 'um' || u === 'μm') return 'µm';
  if (u === 'A' || u === 'angstrom' || u === 'Angstrom') return 'Å';
  return u;
}

/** Relativistic electron wavelength (m) at `volts` (CODATA 2018 constants, as scipy.constants). */
function electronWavelength(volts: number): number {
  const h = 6.62607015e-34;
  const me = 9.1093837015e-31;
  const e = 1.602176634e-19;
  const c = 299792458;
  return h / Math.sqrt(2 * me * e * volts * (1 + (e * volts) / (2 * me * c * c)));
}

interface JeolSightX {
  fields: Record<string, string>;
  /** Detector metres → axis units: 1/magnification·1e9 (nm) in TEM MAG, 1/(L·λ·1e9) (1/nm) in TEM DIFF. */
  perMetre: number | null;
  units: string | null;
  beamEnergyKeV: number | null;
  cameraLengthMm: number | null;
}

/** JEOL SightX's XML ImageDescription (<TemReporter>): mode, magnification / camera length, high tension. */
function jeolSightX(xml: string): JeolSightX {
  const get = (tag: string): string | null => {
    const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`).exec(xml);
    return m ? m[1]!.trim() : null;
  };
  const fields: Record<string, string> = {};
  for (const tag of ['EosMode', 'ModeString', 'SelectorValue', 'SelectorUnitString', 'SelectorString', 'AccelerationVoltage', 'Instruments']) {
    const v = get(tag);
    if (v !== null) fields[tag] = v;
  }
  const volts = Number(fields.AccelerationVoltage);
  const selector = Number(fields.SelectorValue);
  const out: JeolSightX = {
    fields,
    perMetre: null,
    units: null,
    beamEnergyKeV: Number.isFinite(volts) && volts > 0 ? volts / 1000 : null,
    cameraLengthMm: null,
  };
  if (fields.EosMode === 'eosTEM' && fields.ModeString === 'MAG' && selector > 0) {
    out.perMetre = 1e9 / selector;
    out.units = 'nm';
  } else if (fields.EosMode === 'eosTEM' && fields.ModeString === 'DIFF' && selector > 0 && out.beamEnergyKeV !== null) {
    const unit = fields.SelectorUnitString;
    const metres = unit === 'mm' ? selector / 1000 : unit === 'cm' ? selector / 100 : selector;
    out.cameraLengthMm = metres * 1000;
    out.perMetre = 1 / (metres * electronWavelength(volts) * 1e9);
    out.units = '1/nm';
  }
  return out;
}

/** Everything the file says about axes and the instrument; units null / scale null when it says nothing. */
interface TiffCalibration {
  rows: AxisCalibration;
  cols: AxisCalibration;
  stack: AxisCalibration | null;
  beamEnergyKeV: number | null;
  cameraLengthMm: number | null;
  notes: string[];
  metadata: Record<string, string | number | boolean | null>;
}

function calibrate(tiff: TiffFile, page: Page, frameCount: number, description: string, imagej: ImageJInfo | null): TiffCalibration {
  const rows = plainAxis('rows', page.height);
  const cols = plainAxis('cols', page.width);
  const stack = frameCount > 1 ? plainAxis('frame', frameCount) : null;
  const notes: string[] = [];
  const metadata: Record<string, string | number | boolean | null> = {};
  const e = page.entries;
  const num = (tag: number): number | null => {
    const entry = e.get(tag);
    if (!entry) return null;
    const v = tiff.numbers(entry, `tag ${tag}`)[0];
    return v !== undefined && Number.isFinite(v) ? v : null;
  };
  const str = (tag: number): string | null => {
    const entry = e.get(tag);
    return entry ? tiff.text(entry, `tag ${tag}`).trim() : null;
  };
  for (const [name, tag] of [
    ['Software', TAG.Software],
    ['DateTime', TAG.DateTime],
    ['Make', TAG.Make],
    ['Model', TAG.Model],
  ] as const) {
    const v = str(tag);
    if (v) metadata[`TIFF.${name}`] = v.slice(0, 500);
  }
  if (description) metadata['TIFF.ImageDescription'] = description.slice(0, 2000);
  metadata['TIFF.Compression'] = COMPRESSION_NAMES[page.compression] ?? page.compression;
  metadata['TIFF.Photometric'] = page.photometric;

  // Digital Micrograph private tags.
  const dmTags = Object.values(DM_TAG).filter((t) => e.has(t));
  let calibrated = false;
  if (dmTags.length > 0) {
    const apply = (axis: AxisCalibration | null, unitTag: number, originTag: number, scaleTag: number, label: string): void => {
      const unit = str(unitTag);
      const origin = num(originTag);
      const scale = num(scaleTag);
      if (unit !== null) metadata[`DM.${label}.units`] = unit;
      if (origin !== null) metadata[`DM.${label}.origin`] = origin;
      if (scale !== null) metadata[`DM.${label}.scale`] = scale;
      if (!axis) return;
      if (scale !== null) {
        axis.scale = scale;
        calibrated = true;
      }
      if (origin !== null) axis.offset = origin;
      if (unit !== null) axis.units = normaliseUnit(unit);
    };
    apply(cols, DM_TAG.xUnits, DM_TAG.xOrigin, DM_TAG.xScale, 'x');
    apply(rows, DM_TAG.yUnits, DM_TAG.yOrigin, DM_TAG.yScale, 'y');
    apply(stack, DM_TAG.zUnits, DM_TAG.zOrigin, DM_TAG.zScale, 'z');
    const iu = str(DM_TAG.intensityUnits);
    const io = num(DM_TAG.intensityOffset);
    const is = num(DM_TAG.intensityScale);
    if (iu) metadata['DM.intensity.units'] = iu;
    if (io !== null) metadata['DM.intensity.offset'] = io;
    if (is !== null) metadata['DM.intensity.scale'] = is;
  }

  const resolution = (tag: number): number | null => {
    const entry = e.get(tag);
    if (!entry) return null;
    const r = tiff.rational(entry, `tag ${tag}`);
    if (!r || r[0] === 0) return null;
    return r[1] / r[0]; // units per pixel, as HyperSpy's _get_scales_from_x_y_resolution
  };

  if (imagej) {
    for (const [k, v] of Object.entries(imagej.raw)) metadata[`ImageJ.${k}`] = v;
    const unit = normaliseUnit(imagej.unit);
    if (imagej.unit !== null) {
      const sx = resolution(TAG.XResolution);
      const sy = resolution(TAG.YResolution);
      if (sx !== null && sy !== null && unit !== null) {
        cols.scale = sx;
        rows.scale = sy;
        cols.offset = 0;
        rows.offset = 0;
        cols.units = unit;
        rows.units = unit;
        calibrated = true;
      }
    }
    if (stack) {
      if (imagej.spacing !== null && imagej.slices > 1) {
        stack.scale = imagej.spacing;
        stack.units = unit;
      } else if (imagej.finterval !== null && imagej.frames > 1) {
        stack.scale = imagej.finterval;
        stack.units = 's';
      } else if (imagej.spacing !== null) {
        stack.scale = imagej.spacing;
        stack.units = unit;
      }
    }
  }
  const jeol = str(TAG.Make) === 'JEOL Ltd.' && description.includes('<TemReporter') ? jeolSightX(description) : null;
  if (jeol) {
    for (const [k, v] of Object.entries(jeol.fields)) metadata[`JEOL.${k}`] = v;
    const sx = resolution(TAG.XResolution);
    const sy = resolution(TAG.YResolution);
    const unitEntry = e.get(TAG.ResolutionUnit);
    const metresPerUnit = unitEntry && tiff.numbers(unitEntry, 'ResolutionUnit')[0] === 2 ? 0.0254 : 0.01;
    if (!calibrated && jeol.perMetre !== null && sx !== null && sy !== null) {
      // The resolution tags hold the camera's pixel pitch (e.g. 93 dpi); SightX's XML the magnification or
      // camera length: HyperSpy's _axes_jeol_sightx.
      cols.scale = sx * metresPerUnit * jeol.perMetre;
      rows.scale = sy * metresPerUnit * jeol.perMetre;
      cols.units = jeol.units;
      rows.units = jeol.units;
      calibrated = true;
    }
  }
  // Plain XResolution/YResolution are a print or display resolution (72 dpi and the like) in most files: kept as
  // metadata, never used as a pixel size (HyperSpy ignores them too unless force_read_resolution is asked for).
  const unitEntry = e.get(TAG.ResolutionUnit);
  const resUnit = unitEntry ? tiff.numbers(unitEntry, 'ResolutionUnit')[0] : undefined;
  const rx = resolution(TAG.XResolution);
  const ry = resolution(TAG.YResolution);
  if (rx !== null && ry !== null) {
    const per = resUnit === 2 ? 'inch' : resUnit === 3 ? 'cm' : 'unit';
    metadata['TIFF.XResolution'] = 1 / rx;
    metadata['TIFF.YResolution'] = 1 / ry;
    metadata['TIFF.ResolutionUnit'] = per;
    if (!calibrated && !imagej && (resUnit === 2 || resUnit === 3)) {
      notes.push(`The TIFF resolution tags say ${(1 / rx).toPrecision(6)} pixels per ${per}: a print/display resolution, not used as a pixel size.`);
    }
  }
  if (!calibrated) notes.push('The file gives no pixel calibration: the detector axes are uncalibrated.');
  return { rows, cols, stack, beamEnergyKeV: jeol?.beamEnergyKeV ?? null, cameraLengthMm: jeol?.cameraLengthMm ?? null, notes, metadata };
}

// ---------------------------------------------------------------------------------------------------------------

/** True for the TIFF byte-order marks with version 42 (TIFF) or 43 (BigTIFF). */
export function sniffTiff(head: Buffer, _file: string): boolean {
  if (head.length < 4) return false;
  const mark = head.toString('latin1', 0, 4);
  return mark === 'II*\0' || mark === 'MM\0*' || mark === 'II+\0' || mark === 'MM\0+';
}

/** Opens a TIFF: every full-resolution page is a frame (thumbnails / reduced-resolution pages are skipped). */
export function openTiff(file: string, options: OpenOptions = {}): FrameSource {
  const abs = path.resolve(file);
  let fd: number;
  try {
    fd = fs.openSync(abs, 'r');
  } catch (err) {
    throw new MicroscopyFileError(abs, `cannot open: ${(err as Error).message}`);
  }
  try {
    return buildSource(new TiffFile(abs, fd), options);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

function buildSource(tiff: TiffFile, options: OpenOptions): FrameSource {
  const file = tiff.file;
  const notes: string[] = [];
  if (tiff.firstIfd === 0) throw new MicroscopyFileError(file, 'the TIFF has no image (first IFD offset is 0)');
  const first = tiff.readIfd(tiff.firstIfd, 0);
  const page0 = describePage(tiff, first.entries, 0);
  const descEntry = first.entries.get(TAG.ImageDescription);
  const description = descEntry ? tiff.text(descEntry, 'ImageDescription') : '';
  const imagej = parseImageJ(description);

  let pages: Page[] = [page0];
  let contiguous: ContiguousLayout | null = null;
  const frameBytes = page0.width * page0.height * page0.samples * (page0.bits / 8);
  if (imagej && imagej.images > 1 && page0.compression === 1 && !page0.tiled && page0.bits >= 8) {
    // ImageJ writes a stack's pixels contiguously after page 0's data and, past 4 GB, only the first IFD
    // (tifffile reads ImageJ stacks the same way); "images=N" is the frame count.
    const offsets = stripTable(tiff, page0);
    const start = offsets.offsets[0]!;
    let runs = true;
    let expect = start;
    const rowBytes = page0.width * page0.samples * (page0.bits / 8);
    for (let s = 0; s < offsets.offsets.length; s++) {
      if (offsets.offsets[s] !== expect) runs = false;
      expect += Math.min(page0.blockHeight, page0.height - s * page0.blockHeight) * rowBytes;
    }
    if (runs) {
      contiguous = { firstOffset: start, frameBytes };
      const end = start + imagej.images * frameBytes;
      if (end > tiff.size) {
        const whole = Math.floor((tiff.size - start) / frameBytes);
        throw new MicroscopyFileError(
          file,
          `ImageJ stack of ${imagej.images} images needs ${end} bytes but the file has ${tiff.size}: truncated (${whole} whole frames)`,
        );
      }
    }
  }
  let frameCount: number;
  if (contiguous && imagej) {
    frameCount = imagej.images;
  } else {
    const seen = new Set<number>([tiff.firstIfd]);
    let next = first.next;
    let skipped = 0;
    while (next !== 0) {
      if (seen.has(next)) throw new MicroscopyFileError(file, `IFD chain loops back to byte ${next}: corrupt`);
      seen.add(next);
      const index = seen.size - 1;
      const ifd = tiff.readIfd(next, index);
      next = ifd.next;
      const subfile = ifd.entries.get(TAG.NewSubfileType);
      if (subfile && (tiff.numbers(subfile, 'NewSubfileType')[0]! & 1) === 1) {
        skipped++;
        continue;
      }
      const page = describePage(tiff, ifd.entries, index);
      if (page.width !== page0.width || page.height !== page0.height || storedDtype(file, page) !== storedDtype(file, page0) || page.samples !== page0.samples) {
        throw new MicroscopyFileError(
          file,
          `page ${index} is ${page.height}×${page.width} ${storedDtype(file, page)} (${page.samples} samples) but page 0 is ` +
            `${page0.height}×${page0.width} ${storedDtype(file, page0)} (${page0.samples} samples): pages of different shapes cannot be frames of one stack`,
        );
      }
      pages.push(page);
    }
    if ((page0.subfileType & 1) === 1 && pages.length > 1) {
      pages = pages.slice(1);
      skipped++;
    }
    if (skipped > 0) notes.push(`${skipped} reduced-resolution (thumbnail) page(s) skipped.`);
    frameCount = pages.length;
  }

  const dtype = storedDtype(file, page0);
  if (page0.photometric === 2) {
    notes.push(`RGB${page0.samples > 3 ? 'A' : ''} image converted to luminance (0.299 R + 0.587 G + 0.114 B).`);
  } else if (page0.samples > 1) {
    notes.push(`${page0.samples} samples per pixel: only the first (grey) sample is read.`);
  }
  if (page0.photometric === 0) notes.push('WhiteIsZero photometric: values are reported as stored (dark = high).');
  if (page0.photometric === 3) notes.push('Palette (indexed colour) image: values are the stored palette indices.');
  if (dtype === 'uint64' || dtype === 'int64') notes.push('64-bit integer values above 2^24 lose precision as float32.');

  const cal = calibrate(tiff, page0, frameCount, description, imagej);
  notes.push(...cal.notes);
  let scanShape: number[];
  let scanAxes: AxisCalibration[];
  if (options.scanShape) {
    scanShape = checkScanShape(file, frameCount, options.scanShape);
    scanAxes =
      scanShape.length === 1 && cal.stack ? [cal.stack] : scanShape.map((n, k) => plainAxis(scanShape.length === 2 ? (k === 0 ? 'y' : 'x') : `scan${k}`, n));
  } else if (frameCount === 1) {
    scanShape = [];
    scanAxes = [];
  } else if (imagej && imagej.channels === 1 && imagej.slices > 1 && imagej.frames > 1 && imagej.slices * imagej.frames === frameCount) {
    // ImageJ hyperstacks are XYCZT: frame index = t·slices + z.
    scanShape = [imagej.frames, imagej.slices];
    scanAxes = [plainAxis('frames', imagej.frames), plainAxis('slices', imagej.slices)];
    notes.push(`Scan shape ${imagej.frames}×${imagej.slices} from the ImageJ hyperstack (frames × slices).`);
  } else {
    scanShape = [frameCount];
    scanAxes = [cal.stack ?? plainAxis('frame', frameCount)];
    notes.push(`A stack of ${frameCount} frames; the file does not say whether it is a scan raster — give the scan shape if it is.`);
  }

  const info: MicroscopyInfo = {
    file,
    format: 'tiff',
    dtype,
    frameShape: [page0.height, page0.width],
    frameCount,
    scanShape,
    scanAxes,
    detectorAxes: [cal.rows, cal.cols],
    beamEnergyKeV: cal.beamEnergyKeV,
    cameraLengthMm: cal.cameraLengthMm,
    metadata: { ...cal.metadata, ...(contiguous ? { 'TIFF.imageJContiguous': true } : { 'TIFF.pages': pages.length }), 'TIFF.bigTiff': tiff.bigTiff },
    notes,
  };

  let closed = false;
  const layout = contiguous;
  return {
    info,
    readFrame(index: number, out?: Float32Array): Float32Array {
      if (closed) throw new MicroscopyFileError(file, 'read after close');
      if (!Number.isInteger(index) || index < 0 || index >= frameCount) {
        throw new MicroscopyFileError(file, `frame ${index} out of range (0–${frameCount - 1})`);
      }
      const target = out ?? new Float32Array(page0.width * page0.height);
      if (target.length !== page0.width * page0.height) {
        throw new MicroscopyFileError(file, `output buffer holds ${target.length} values, frame needs ${page0.width * page0.height}`);
      }
      if (layout) {
        const bytes = tiff.read(layout.firstOffset + index * layout.frameBytes, layout.frameBytes, `frame ${index}`);
        const values = blockSamples(page0, bytes, tiff.littleEndian, page0.height, page0.width * page0.samples);
        toFrame(page0, values, target, 0, 0, page0.width, page0.height, page0.width * page0.samples, -1);
      } else {
        readPage(tiff, pages[index]!, target, index);
      }
      return target;
    },
    close(): void {
      if (!closed) {
        closed = true;
        fs.closeSync(tiff.fd);
      }
    },
  };
}

function stripTable(tiff: TiffFile, page: Page): { offsets: number[]; byteCounts: number[] | null } {
  if (!page.offsets) {
    const offTag = page.tiled ? TAG.TileOffsets : TAG.StripOffsets;
    const countTag = page.tiled ? TAG.TileByteCounts : TAG.StripByteCounts;
    page.offsets = tiff.numbers(page.entries.get(offTag)!, `${page.tiled ? 'TileOffsets' : 'StripOffsets'} of page ${page.index}`);
    const countEntry = page.entries.get(countTag);
    page.byteCounts = countEntry ? tiff.numbers(countEntry, `byte counts of page ${page.index}`) : null;
  }
  return { offsets: page.offsets, byteCounts: page.byteCounts ?? null };
}

/** Decodes every strip/tile of a page into `target` (rows × cols, float32). */
function readPage(tiff: TiffFile, page: Page, target: Float32Array, frame: number): void {
  const file = tiff.file;
  const { offsets, byteCounts } = stripTable(tiff, page);
  const across = Math.ceil(page.width / page.blockWidth);
  const down = Math.ceil(page.height / page.blockHeight);
  const planes = page.planar === 2 ? page.samples : 1;
  const perBlockSamples = page.planar === 2 ? 1 : page.samples;
  const need = across * down * planes;
  if (offsets.length < need) {
    throw new MicroscopyFileError(file, `page ${page.index} lists ${offsets.length} ${page.tiled ? 'tiles' : 'strips'}, its size needs ${need}`);
  }
  if (page.planar === 2 && page.photometric === 2) target.fill(0);
  const rowSamples = page.blockWidth * perBlockSamples;
  const rowBytes = Math.ceil((rowSamples * page.bits) / 8);
  for (let plane = 0; plane < planes; plane++) {
    if (page.planar === 2 && page.photometric !== 2 && plane > 0) break; // grey + extra planes: first plane only
    if (page.planar === 2 && page.photometric === 2 && plane > 2) break; // alpha plane ignored
    for (let by = 0; by < down; by++) {
      for (let bx = 0; bx < across; bx++) {
        const k = plane * across * down + by * across + bx;
        const rows = page.tiled ? page.blockHeight : Math.min(page.blockHeight, page.height - by * page.blockHeight);
        const expected = rows * rowBytes;
        const what = `frame ${frame}, ${page.tiled ? 'tile' : 'strip'} ${k}`;
        const declared = byteCounts ? byteCounts[k] : undefined;
        let raw: Buffer;
        if (page.compression === 1) {
          if (declared !== undefined && declared < expected) {
            throw new MicroscopyFileError(file, `${what} holds ${declared} bytes, its ${rows} rows need ${expected}: corrupt byte counts`);
          }
          raw = tiff.read(offsets[k]!, expected, what);
        } else {
          if (declared === undefined) throw new MicroscopyFileError(file, `page ${page.index} is compressed but has no byte counts`);
          raw = tiff.read(offsets[k]!, declared, what);
        }
        let bytes: Uint8Array;
        try {
          bytes = decompress(page, raw, expected);
        } catch (err) {
          throw new MicroscopyFileError(file, `${what}: cannot decompress ${COMPRESSION_NAMES[page.compression]} data (${(err as Error).message})`);
        }
        if (bytes.length < expected) {
          throw new MicroscopyFileError(file, `${what} decodes to ${bytes.length} bytes, ${expected} expected: corrupt or truncated`);
        }
        const x0 = bx * page.blockWidth;
        const y0 = by * page.blockHeight;
        const w = Math.min(page.blockWidth, page.width - x0);
        const h = Math.min(rows, page.height - y0);
        if (page.bits === 1) {
          for (let r = 0; r < h; r++) {
            for (let c = 0; c < w; c++) target[(y0 + r) * page.width + x0 + c] = (bytes[r * rowBytes + (c >> 3)]! >> (7 - (c & 7))) & 1;
          }
          continue;
        }
        let values: ArrayLike<number>;
        try {
          values = blockSamples(page, bytes, tiff.littleEndian, rows, rowSamples);
        } catch (err) {
          throw new MicroscopyFileError(file, `${what}: ${(err as Error).message}`);
        }
        toFrame(page, values, target, x0, y0, w, h, rowSamples, page.planar === 2 ? plane : -1);
      }
    }
  }
}

/**
 * Copies a decoded block into the frame: grey = sample 0; RGB chunky = luma of samples 0–2; RGB planar adds
 * `plane`'s weighted contribution.
 */
function toFrame(page: Page, values: ArrayLike<number>, target: Float32Array, x0: number, y0: number, w: number, h: number, rowSamples: number, plane: number): void {
  const W = page.width;
  if (plane >= 0) {
    const weight = page.photometric === 2 ? LUMA[plane]! : 1;
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const i = (y0 + r) * W + x0 + c;
        target[i] = page.photometric === 2 ? target[i]! + weight * values[r * rowSamples + c]! : values[r * rowSamples + c]!;
      }
    }
    return;
  }
  const spp = page.samples;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const s = r * rowSamples + c * spp;
      target[(y0 + r) * W + x0 + c] =
        page.photometric === 2 ? LUMA[0] * values[s]! + LUMA[1] * values[s + 1]! + LUMA[2] * values[s + 2]! : values[s]!;
    }
  }
}
