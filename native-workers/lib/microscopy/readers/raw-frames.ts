/**
 * Frames stored as plain arrays at fixed byte positions (DM, MRC, NPY and BLO all store them so): decoding of the
 * stored element type into float32, and a FrameSource that reads exactly one frame's bytes per call with
 * fs.readSync at `firstFrameOffset + index·frameStride`.
 */
import * as fs from 'node:fs';
import { MicroscopyFileError, type FrameSource, type MicroscopyInfo, type StoredDtype } from '../frame-source';

/** The element types a plain byte layout can hold (packed, complex and RGB types are refused by the readers). */
export type PlainDtype = Extract<
  StoredDtype,
  'bool' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'uint64' | 'int64' | 'float16' | 'float32' | 'float64'
>;

export const PLAIN_DTYPE_BYTES: Record<PlainDtype, number> = {
  bool: 1,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  uint64: 8,
  int64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
};

/** IEEE 754 half precision → number (NumPy '<f2'; MRC mode 12). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function typedView(bytes: Uint8Array, dtype: PlainDtype, n: number): ArrayLike<number> | null {
  switch (dtype) {
    case 'uint16':
      return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    case 'int16':
      return new Int16Array(bytes.buffer, bytes.byteOffset, n);
    case 'uint32':
      return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
    case 'int32':
      return new Int32Array(bytes.buffer, bytes.byteOffset, n);
    case 'float32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    case 'float64':
      return new Float64Array(bytes.buffer, bytes.byteOffset, n);
    default:
      return null;
  }
}

/**
 * Decodes `out.length` elements of `dtype` from `bytes` (starting at byte 0) into `out`. 64-bit integers lose
 * precision above 2^24 like any float32 conversion; bool is 0/1 (any non-zero byte is true, as NumPy reads it).
 */
export function decodeElements(bytes: Uint8Array, dtype: PlainDtype, littleEndian: boolean, out: Float32Array): void {
  const n = out.length;
  const size = PLAIN_DTYPE_BYTES[dtype];
  if (bytes.length < n * size) throw new Error(`decodeElements: ${bytes.length} bytes cannot hold ${n} ${dtype} values`);
  if (dtype === 'uint8') {
    for (let i = 0; i < n; i++) out[i] = bytes[i] as number;
    return;
  }
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) out[i] = bytes[i] === 0 ? 0 : 1;
    return;
  }
  if (dtype === 'int8') {
    const view = new Int8Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = view[i] as number;
    return;
  }
  if (littleEndian && HOST_LITTLE_ENDIAN && bytes.byteOffset % size === 0) {
    // Fast path: a typed-array view on the bytes (aligned, host order) and one bulk conversion.
    const typed = typedView(bytes, dtype, n);
    if (typed !== null) {
      out.set(typed);
      return;
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * size);
  const le = littleEndian;
  switch (dtype) {
    case 'uint16':
      for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, le);
      return;
    case 'int16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, le);
      return;
    case 'uint32':
      for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, le);
      return;
    case 'int32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, le);
      return;
    case 'uint64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(8 * i, le));
      return;
    case 'int64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, le));
      return;
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, le));
      return;
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, le);
      return;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, le);
      return;
  }
}

/**
 * The largest frame a reader accepts, in pixels (2^27: e.g. 16384 × 8192). The largest detectors record ~6k × 4k
 * (24 M) pixels; a header asking for more is damaged, and its frame (4 bytes a pixel as float32) would not fit in
 * memory anyway.
 */
export const MAX_FRAME_PIXELS = 2 ** 27;

/**
 * Refuses a frame shape that is not two positive whole numbers or whose pixel count exceeds MAX_FRAME_PIXELS, before
 * anything is allocated for it. `what` says where the shape comes from ("page 0", "the IHDR chunk" …).
 */
export function checkFrameSize(file: string, rows: number, cols: number, what = 'the header'): void {
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 1 || cols < 1) {
    throw new MicroscopyFileError(file, `${what} gives a frame of ${rows}×${cols} pixels: not positive whole numbers (damaged header?)`);
  }
  if (rows * cols > MAX_FRAME_PIXELS) {
    throw new MicroscopyFileError(
      file,
      `${what} gives a frame of ${rows}×${cols} = ${rows * cols} pixels, more than SSRO reads (${MAX_FRAME_PIXELS}, e.g. 16384×8192): damaged header?`,
    );
  }
}

export interface RawFrameLayout {
  /** Byte position of frame 0's first element. */
  firstFrameOffset: number;
  /** Bytes from one frame's first element to the next one's (≥ the frame's own bytes: records may carry headers). */
  frameStride: number;
  dtype: PlainDtype;
  littleEndian: boolean;
  /**
   * Bytes before each frame's elements that belong to the frame record (BLO: 6-byte marker + serial). They are read
   * with the frame and handed to `checkRecordHeader`; `firstFrameOffset` points at the record header then.
   */
  recordHeaderBytes?: number;
  /** Returns a problem description when a frame record's header is wrong (readFrame then throws), else null. */
  checkRecordHeader?: (header: Uint8Array, index: number) => string | null;
}

/**
 * A FrameSource over an open file descriptor: the caller has parsed the header and validated that every frame lies
 * inside the file. `fd` is owned by the source from here on (closed by close()).
 */
export function rawFrameSource(info: MicroscopyInfo, fd: number, layout: RawFrameLayout): FrameSource {
  const [rows, cols] = info.frameShape;
  checkFrameSize(info.file, rows, cols);
  const pixels = rows * cols;
  const headerBytes = layout.recordHeaderBytes ?? 0;
  const frameBytes = pixels * PLAIN_DTYPE_BYTES[layout.dtype];
  const recordBytes = headerBytes + frameBytes;
  // One scratch buffer with its own ArrayBuffer (offset 0), reused for every read.
  const scratch = Buffer.alloc(recordBytes);
  let open = true;
  return {
    info,
    readFrame(index: number, out?: Float32Array): Float32Array {
      if (!open) throw new MicroscopyFileError(info.file, `frame ${index}: the file has been closed`);
      if (!Number.isInteger(index) || index < 0 || index >= info.frameCount) {
        throw new MicroscopyFileError(info.file, `frame ${index} does not exist (the file has ${info.frameCount} frames)`);
      }
      const target = out ?? new Float32Array(pixels);
      if (target.length !== pixels) {
        throw new MicroscopyFileError(info.file, `frame ${index}: output array has ${target.length} values, the frame has ${rows}×${cols}`);
      }
      const position = layout.firstFrameOffset + index * layout.frameStride;
      let got = 0;
      while (got < recordBytes) {
        const n = fs.readSync(fd, scratch, got, recordBytes - got, position + got);
        if (n === 0) break;
        got += n;
      }
      if (got < recordBytes) {
        throw new MicroscopyFileError(
          info.file,
          `frame ${index}: needs bytes ${position}–${position + recordBytes} but the file ends at ${position + got} (truncated since it was opened?)`,
        );
      }
      if (layout.checkRecordHeader && headerBytes > 0) {
        const problem = layout.checkRecordHeader(scratch.subarray(0, headerBytes), index);
        if (problem !== null) throw new MicroscopyFileError(info.file, `frame ${index}: ${problem}`);
      }
      decodeElements(scratch.subarray(headerBytes, recordBytes), layout.dtype, layout.littleEndian, target);
      return target;
    },
    close(): void {
      if (open) {
        open = false;
        fs.closeSync(fd);
      }
    },
  };
}

/** Reads exactly `length` bytes at `position` (fewer only at the end of the file). */
export function readBytesAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Opens `file` for reading, returning the descriptor and size; errors name the file. */
export function openForReading(file: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new MicroscopyFileError(file, `cannot open: ${(err as Error).message}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new MicroscopyFileError(file, 'not a regular file');
    return { fd, size: stat.size };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** Runs `body` with an open file; closes the descriptor if body throws (on success the caller owns it). */
export function withOpenFile<T>(file: string, body: (fd: number, size: number) => T): T {
  const { fd, size } = openForReading(file);
  try {
    return body(fd, size);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
