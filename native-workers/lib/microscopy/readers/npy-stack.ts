/**
 * NumPy .npy arrays as frame stacks, streamed (native-workers/lib/npy.ts reads our own files whole; this one never
 * does). Format (numpy.lib.format, versions 1.0–3.0): '\x93NUMPY', major, minor, header length (u16 for 1.x, u32
 * for 2.x/3.x, little-endian), then a Python dict literal {'descr': …, 'fortran_order': …, 'shape': (…)} padded
 * with spaces and '\n', then the raw C-order data.
 * Shapes: (rows, cols) one pattern; (n, rows, cols) a stack; (ny, nx, rows, cols) a 4D-STEM scan.
 * Element types: bool, (u)int8–64, float16/32/64 in either byte order; complex, structured and object arrays and
 * Fortran order are refused.
 */
import * as path from 'node:path';
import { MicroscopyFileError, checkScanShape, plainAxis, type AxisCalibration, type FrameSource, type MicroscopyInfo, type OpenOptions } from '../frame-source';
import { PLAIN_DTYPE_BYTES, rawFrameSource, readBytesAt, withOpenFile, type PlainDtype } from './raw-frames';

const MAGIC = '\x93NUMPY';

const KINDS: Record<string, PlainDtype> = {
  b1: 'bool',
  u1: 'uint8',
  i1: 'int8',
  u2: 'uint16',
  i2: 'int16',
  u4: 'uint32',
  i4: 'int32',
  u8: 'uint64',
  i8: 'int64',
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
};

export function sniffNpy(head: Buffer, _file: string): boolean {
  return head.length >= 10 && head.toString('latin1', 0, 6) === MAGIC;
}

export interface NpyHeader {
  dtype: PlainDtype;
  littleEndian: boolean;
  shape: number[];
  dataOffset: number;
  version: string;
}

/** Parses the header dict of a .npy file (`file` only names errors). */
export function parseNpyHeader(file: string, head: Buffer, fileSize: number): NpyHeader {
  if (head.length < 10 || head.toString('latin1', 0, 6) !== MAGIC) throw new MicroscopyFileError(file, 'not a .npy file (no \\x93NUMPY signature)');
  const major = head[6] as number;
  const minor = head[7] as number;
  if (major < 1 || major > 3) throw new MicroscopyFileError(file, `.npy format version ${major}.${minor} is not supported`);
  const start = major === 1 ? 10 : 12;
  if (head.length < start) throw new MicroscopyFileError(file, 'truncated .npy header');
  const headerLength = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const dataOffset = start + headerLength;
  if (dataOffset > fileSize) throw new MicroscopyFileError(file, `truncated: the .npy header claims ${headerLength} bytes but the file has ${fileSize} bytes`);
  if (head.length < dataOffset) throw new MicroscopyFileError(file, `.npy header of ${headerLength} bytes is larger than supported`);
  const dict = head.toString(major === 3 ? 'utf8' : 'latin1', start, dataOffset);

  const descrText = /['"]descr['"]\s*:\s*(['"][^'"]*['"]|\[)/.exec(dict)?.[1];
  const fortranText = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descrText === undefined || fortranText === undefined || shapeText === undefined) {
    throw new MicroscopyFileError(file, `malformed .npy header (need 'descr', 'fortran_order' and 'shape'): ${dict.trim().slice(0, 200)}`);
  }
  if (descrText === '[') throw new MicroscopyFileError(file, '.npy holds a structured (record) array: not an image stack');
  if (fortranText === 'True') {
    throw new MicroscopyFileError(file, '.npy array is in Fortran order: frames are not contiguous; save it in C order (numpy.ascontiguousarray) first');
  }
  const descr = descrText.slice(1, -1);
  const order = descr[0];
  const kind = descr.slice(1);
  const dtype = KINDS[kind];
  if (dtype === undefined || !(order === '<' || order === '>' || order === '|' || order === '=')) {
    const what = /^c/.test(kind) ? ' (complex values are not diffraction intensities)' : /^[OUSVMm]/.test(kind) ? ' (not numeric)' : '';
    throw new MicroscopyFileError(file, `.npy element type '${descr}' is not supported${what}`);
  }
  const items = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const shape = items.map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new MicroscopyFileError(file, `malformed .npy shape (${shapeText})`);
  // '|' (single bytes) and '=' (native: NumPy itself never writes it for multi-byte types) read as little-endian.
  return { dtype, littleEndian: order !== '>', shape, dataOffset, version: `${major}.${minor}` };
}

export function openNpyStack(file: string, options: OpenOptions = {}): FrameSource {
  const absolute = path.resolve(file);
  return withOpenFile(absolute, (fd, size) => {
    // The header is short; read its length field first, then the dict (bounded to 1 MiB as a sanity limit).
    const prefix = readBytesAt(fd, 0, Math.min(size, 12));
    if (prefix.length < 10 || prefix.toString('latin1', 0, 6) !== MAGIC) throw new MicroscopyFileError(absolute, 'not a .npy file (no \\x93NUMPY signature)');
    const major = prefix[6] as number;
    const declared = major === 1 ? prefix.readUInt16LE(8) : prefix.length >= 12 ? prefix.readUInt32LE(8) : 0;
    const headBytes = Math.min(size, (major === 1 ? 10 : 12) + Math.min(declared, 1 << 20));
    const header = parseNpyHeader(absolute, readBytesAt(fd, 0, headBytes), size);
    const { dtype, littleEndian, shape, dataOffset } = header;
    const notes: string[] = [];

    if (shape.length < 2 || shape.length > 4) {
      throw new MicroscopyFileError(
        absolute,
        `.npy shape (${shape.join(', ')}) is not a pattern (rows, cols), a stack (n, rows, cols) or a scan (ny, nx, rows, cols)`,
      );
    }
    if (shape.some((n) => n === 0)) throw new MicroscopyFileError(absolute, `.npy array is empty (shape ${shape.join('×')})`);
    const rows = shape[shape.length - 2] as number;
    const cols = shape[shape.length - 1] as number;
    const fileScan = shape.slice(0, -2);
    const frameCount = fileScan.reduce((a, b) => a * b, 1);
    const frameBytes = rows * cols * PLAIN_DTYPE_BYTES[dtype];
    const needed = dataOffset + frameCount * frameBytes;
    if (needed > size) {
      const complete = Math.max(0, Math.floor((size - dataOffset) / frameBytes));
      throw new MicroscopyFileError(
        absolute,
        `truncated: shape (${shape.join(', ')}) of ${dtype} needs ${needed} bytes but the file has ${size} bytes (${complete} complete frames)`,
      );
    }
    if (needed < size) notes.push(`${size - needed} bytes after the array are ignored.`);

    let scanShape = fileScan;
    let scanAxes: AxisCalibration[] = fileScan.length === 2 ? [plainAxis('scan y', fileScan[0] as number), plainAxis('scan x', fileScan[1] as number)] : fileScan.map((n) => plainAxis('n', n));
    if (options.scanShape !== undefined) {
      const given = checkScanShape(absolute, frameCount, options.scanShape);
      scanShape = [...given];
      scanAxes = given.map((n, k) => plainAxis(given.length === 2 ? (k === 0 ? 'scan y' : 'scan x') : `scan ${k}`, n));
    } else if (fileScan.length === 1) {
      notes.push(`A stack of ${frameCount} frames (give the scan shape if it is a raster scan).`);
    }
    notes.push('.npy files carry no calibration: set the pixel size before mapping.');

    const info: MicroscopyInfo = {
      file: absolute,
      format: 'npy',
      dtype,
      frameShape: [rows, cols],
      frameCount,
      scanShape,
      scanAxes,
      detectorAxes: [plainAxis('y', rows), plainAxis('x', cols)],
      beamEnergyKeV: null,
      cameraLengthMm: null,
      metadata: { 'npy.version': header.version, 'npy.shape': `(${shape.join(', ')})`, 'npy.dtype': dtype, 'npy.byte order': littleEndian ? 'little' : 'big' },
      notes,
    };
    return rawFrameSource(info, fd, { firstFrameOffset: dataOffset, frameStride: frameBytes, dtype, littleEndian });
  });
}

/** The same reader under the open<Format> name. */
export const openNpy = openNpyStack;
