/**
 * NumPy .npy files (format 1.0/2.0, little-endian, C order) for the dtypes the project stores. Hand-written because
 * the npm readers are browser/fetch oriented and none writes; the format is a fixed header plus raw bytes.
 */
import * as fs from 'node:fs';

/** '|i1' is int8 (NumPy writes one-byte types with '|': no byte order), e.g. a train/validation split with −1. */
export type NpyDtype = '<f8' | '<f4' | '<i4' | '<u1' | '<i8' | '|i1';
export type NpyArray = Float64Array | Float32Array | Int32Array | Uint8Array | BigInt64Array | Int8Array;

const BYTES: Record<NpyDtype, number> = { '<f8': 8, '<f4': 4, '<i4': 4, '<u1': 1, '<i8': 8, '|i1': 1 };

function dtypeOf(data: NpyArray): NpyDtype {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint8Array) return '<u1';
  if (data instanceof Int8Array) return '|i1';
  return '<i8';
}

export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const header = Buffer.alloc(10 + dict.length);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(dict.length, 8);
  header.write(dict, 10, 'latin1');
  return header;
}

/** Writes `data` with `shape` to `file` (the caller renames into place; see writeFileAtomic for single files). */
export function writeNpy(file: string, data: NpyArray, shape: readonly number[] = [data.length]): void {
  const expected = shape.reduce((a, b) => a * b, 1);
  if (expected !== data.length) throw new Error(`npy shape ${shape.join('×')} does not match ${data.length} values`);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, npyHeader(dtypeOf(data), shape));
    fs.writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface NpyFile {
  dtype: NpyDtype;
  shape: number[];
  data: NpyArray;
}

export function readNpy(file: string): NpyFile {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  if (major !== 1 && major !== 2 && major !== 3) throw new Error(`${file}: .npy format version ${String(major)} is not supported`);
  if (major !== 1 && buf.length < 12) throw new Error(`${file}: truncated .npy header`);
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > buf.length) throw new Error(`${file}: truncated .npy header (${headerLength} bytes declared, the file has ${buf.length})`);
  const dict = buf.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (/'fortran_order':\s*True/.test(dict)) throw new Error(`${file}: Fortran-ordered arrays are not supported`);
  if (descr === undefined || shapeText === undefined) throw new Error(`${file}: malformed .npy header`);
  if (!(descr in BYTES)) throw new Error(`${file}: dtype ${descr} is not supported`);
  const dtype = descr as NpyDtype;
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  // The shape is a claim: whole non-negative numbers whose product the file's bytes must hold (checked below).
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new Error(`${file}: malformed .npy shape (${shapeText.slice(0, 80)})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  const byteLength = count * BYTES[dtype];
  if (buf.length < offset + byteLength) throw new Error(`${file}: truncated (.npy holds fewer values than its shape)`);
  // Copy into a fresh, aligned buffer.
  const bytes = new Uint8Array(byteLength);
  bytes.set(buf.subarray(offset, offset + byteLength));
  const data: NpyArray =
    dtype === '<f8'
      ? new Float64Array(bytes.buffer)
      : dtype === '<f4'
        ? new Float32Array(bytes.buffer)
        : dtype === '<i4'
          ? new Int32Array(bytes.buffer)
          : dtype === '<u1'
            ? bytes
            : dtype === '|i1'
              ? new Int8Array(bytes.buffer)
              : new BigInt64Array(bytes.buffer);
  return { dtype, shape, data };
}
