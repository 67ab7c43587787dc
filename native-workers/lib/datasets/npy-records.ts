/**
 * Random access to the records (index along the first axis) of a C-ordered little-endian .npy file by positioned
 * reads and writes, so a dataset of tens of gigabytes is filled and read one record at a time, never whole.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { npyHeader, type NpyDtype } from '../npy';

export const NPY_DTYPE_BYTES: Record<NpyDtype, number> = { '<f8': 8, '<f4': 4, '<i4': 4, '<u1': 1, '<i8': 8, '|i1': 1 };

export interface NpyLayout {
  dtype: NpyDtype;
  shape: number[];
  /** Byte offset of the first value (header length). */
  dataOffset: number;
  /** Bytes of one record (one index along the first axis). */
  recordBytes: number;
  recordCount: number;
  /** Expected file size: header plus every value. */
  fileBytes: number;
}

function assertLittleEndianHost(): void {
  // Typed arrays use the host's byte order; the .npy files say '<' (little-endian).
  if (os.endianness() !== 'LE') throw new Error('dataset files are little-endian; this host is big-endian');
}

function layoutOf(dtype: NpyDtype, shape: readonly number[], dataOffset: number): NpyLayout {
  if (shape.length === 0) throw new Error('a record file needs at least one axis');
  const recordValues = shape.slice(1).reduce((a, b) => a * b, 1);
  const recordBytes = recordValues * NPY_DTYPE_BYTES[dtype];
  const recordCount = shape[0] as number;
  return { dtype, shape: [...shape], dataOffset, recordBytes, recordCount, fileBytes: dataOffset + recordCount * recordBytes };
}

function readFully(fd: number, target: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < target.length) {
    const got = fs.readSync(fd, target, done, target.length - done, position + done);
    if (got === 0) throw new Error(`${file}: unexpected end of file at byte ${position + done}`);
    done += got;
  }
}

function writeFully(fd: number, source: Uint8Array, position: number): void {
  let done = 0;
  while (done < source.length) done += fs.writeSync(fd, source, done, source.length - done, position + done);
}

/** Parses the header of an open .npy file (reads only the header bytes). */
export function readNpyLayout(fd: number, file: string): NpyLayout {
  const prefix = new Uint8Array(12);
  const size = fs.fstatSync(fd).size;
  if (size < 10) throw new Error(`${file}: not a .npy file (too short)`);
  readFully(fd, prefix.subarray(0, Math.min(12, size)), 0, file);
  const magic = Buffer.from(prefix.buffer, 0, 6).toString('latin1');
  if (magic !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = prefix[6];
  const view = new DataView(prefix.buffer);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const dictBytes = new Uint8Array(headerLength);
  readFully(fd, dictBytes, start, file);
  const dict = Buffer.from(dictBytes).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (/'fortran_order':\s*True/.test(dict)) throw new Error(`${file}: Fortran-ordered arrays are not supported`);
  if (descr === undefined || shapeText === undefined) throw new Error(`${file}: malformed .npy header`);
  if (!(descr in NPY_DTYPE_BYTES)) throw new Error(`${file}: dtype ${descr} is not supported`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  return layoutOf(descr as NpyDtype, shape, start + headerLength);
}

/**
 * Creates `file` with the header for (dtype, shape) and its full length allocated (a sparse file of zeros on
 * filesystems that support it), then fsyncs it. Existing content is discarded.
 */
export function createNpyFile(file: string, dtype: NpyDtype, shape: readonly number[]): NpyLayout {
  const header = npyHeader(dtype, shape);
  const layout = layoutOf(dtype, shape, header.length);
  const fd = fs.openSync(file, 'w');
  try {
    writeFully(fd, header, 0);
    fs.ftruncateSync(fd, layout.fileBytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return layout;
}

/** An open .npy file read and written record by record. */
export class NpyRecords {
  private constructor(
    readonly file: string,
    private fd: number | null,
    readonly layout: NpyLayout,
  ) {}

  /**
   * Opens `file` and checks its header and size. With `expect`, the dtype and shape must match exactly (a dataset
   * file written for another recipe, or truncated, is refused rather than silently reused).
   */
  static open(file: string, mode: 'read' | 'write', expect?: { dtype: NpyDtype; shape: readonly number[] }): NpyRecords {
    assertLittleEndianHost();
    const fd = fs.openSync(file, mode === 'write' ? 'r+' : 'r');
    try {
      const layout = readNpyLayout(fd, file);
      if (expect && (layout.dtype !== expect.dtype || layout.shape.join(',') !== expect.shape.join(','))) {
        throw new Error(`${file}: holds ${layout.dtype} (${layout.shape.join(', ')}), expected ${expect.dtype} (${expect.shape.join(', ')})`);
      }
      const size = fs.fstatSync(fd).size;
      if (size !== layout.fileBytes) throw new Error(`${file}: is ${size} bytes, its header says ${layout.fileBytes} (truncated or not a dataset file)`);
      return new NpyRecords(file, fd, layout);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  private handle(): number {
    if (this.fd === null) throw new Error(`${this.file}: already closed`);
    return this.fd;
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.layout.recordCount) {
      throw new Error(`${this.file}: record ${index} is outside 0 … ${this.layout.recordCount - 1}`);
    }
  }

  /** Reads record `index` into `target` (recordBytes long; a fresh buffer when omitted). */
  readBytes(index: number, target: Uint8Array = new Uint8Array(this.layout.recordBytes)): Uint8Array {
    this.check(index);
    if (target.length !== this.layout.recordBytes) throw new Error(`${this.file}: a record is ${this.layout.recordBytes} bytes, the buffer ${target.length}`);
    readFully(this.handle(), target, this.layout.dataOffset + index * this.layout.recordBytes, this.file);
    return target;
  }

  /** Reads `count` consecutive records from `first` (for small side files such as labels). */
  readRange(first: number, count: number): Uint8Array {
    if (count === 0) return new Uint8Array(0);
    this.check(first);
    this.check(first + count - 1);
    const target = new Uint8Array(count * this.layout.recordBytes);
    readFully(this.handle(), target, this.layout.dataOffset + first * this.layout.recordBytes, this.file);
    return target;
  }

  /** Writes record `index` (exactly recordBytes). */
  writeBytes(index: number, bytes: Uint8Array): void {
    this.check(index);
    if (bytes.length !== this.layout.recordBytes) throw new Error(`${this.file}: a record is ${this.layout.recordBytes} bytes, got ${bytes.length}`);
    writeFully(this.handle(), bytes, this.layout.dataOffset + index * this.layout.recordBytes);
  }

  /** Writes consecutive records starting at `first`. */
  writeRange(first: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const count = bytes.length / this.layout.recordBytes;
    if (!Number.isInteger(count)) throw new Error(`${this.file}: ${bytes.length} bytes is not a whole number of records`);
    this.check(first);
    this.check(first + count - 1);
    writeFully(this.handle(), bytes, this.layout.dataOffset + first * this.layout.recordBytes);
  }

  sync(): void {
    fs.fsyncSync(this.handle());
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }
}

/** Bytes of a typed array, without copying. */
export function bytesOf(data: Float32Array | Float64Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
