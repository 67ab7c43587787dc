/** Decoded block bytes → sample values (byte order, predictors, sample formats) → grey float32 frame pixels. */
import type { Page } from './page';

/** Decoded block bytes → one number per sample in file order, undoing byte order and predictors. */
export function blockSamples(page: Page, bytes: Uint8Array, littleEndian: boolean, rows: number, rowSamples: number): ArrayLike<number> {
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
export function undoHorizontal(bytes: Uint8Array, littleEndian: boolean, bits: number, rows: number, rowSamples: number, stride: number): Uint8Array {
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
export const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Copies a decoded block into the frame: grey = sample 0; RGB chunky = luma of samples 0–2; RGB planar adds
 * `plane`'s weighted contribution.
 */
export function toFrame(page: Page, values: ArrayLike<number>, target: Float32Array, x0: number, y0: number, w: number, h: number, rowSamples: number, plane: number): void {
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
