/**
 * Detector defects and frame quality (issue 6 "Bad input": saturated or empty frames are flagged, not fed as if
 * valid; NaNs are found):
 *
 * - dark-frame subtraction;
 * - hot/dead pixel detection on a mean frame (or a single frame): a pixel is bad when it differs from the median m
 *   of its (up to 8) neighbours by more than `threshold` robust standard deviations (1.4826·MAD over the frame) of
 *   those differences, taken in units of √(|m| + c) so that counting noise is alike everywhere, and by a factor (hot: ≥ `ratio`× the neighbours' median; dead: ≤ 1/`ratio`×), so that the
 *   sharp top of a real direct beam (a few tens of per cent above its neighbours) is not taken for a hot pixel;
 * - mask application: masked pixels (1) take the median of their unmasked neighbours, the window growing from 3×3
 *   up to (2·maxRadius+1)²;
 * - frame quality: 'non-finite' (NaN/±Inf), 'empty' (sum ≤ 0 or all values equal), 'saturated' (more than a given
 *   fraction of pixels at the dtype's maximum or at a given saturation value), else 'ok'. A saturated direct beam is
 *   not a reason to flag: when the frame's shape is known and all its saturated pixels form one compact patch (a
 *   disc of at most 2 % of the frame, not scattered pixels, a streak or half the detector), that patch is the beam — routine in 8-bit NBED (NanoMegas BLO files
 *   saturate ≈ 50 beam pixels of 144²) and outside the halo the model reads — and the frame stays 'ok', said in
 *   its detail.
 */
import type { StoredDtype } from '../frame-source';

function checkShape(values: ArrayLike<number>, rows: number, cols: number, what = 'the frame'): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new Error(`the frame shape must be positive integers, got ${rows} × ${cols}`);
  if (values.length !== rows * cols) throw new Error(`${what} holds ${values.length} values, but ${rows} × ${cols} = ${rows * cols}`);
}

/** frame − dark, into `out` when given (may be the frame itself). */
export function subtractDark(frame: ArrayLike<number>, dark: ArrayLike<number>, out?: Float32Array): Float32Array {
  if (dark.length !== frame.length) throw new Error(`the dark frame holds ${dark.length} values, the frame ${frame.length}: they come from different detectors or binnings`);
  const result = out ?? new Float32Array(frame.length);
  if (result.length !== frame.length) throw new Error(`the output holds ${result.length} values, the frame ${frame.length}`);
  for (let k = 0; k < frame.length; k++) result[k] = (frame[k] as number) - (dark[k] as number);
  return result;
}

/** The mean of several frames of one size (for a dark reference, bad-pixel detection or halo calibration). */
export function meanFrame(frames: Iterable<ArrayLike<number>>): Float32Array {
  let sum: Float64Array | null = null;
  let count = 0;
  for (const frame of frames) {
    if (!sum) sum = new Float64Array(frame.length);
    if (frame.length !== sum.length) throw new Error(`frame ${count} holds ${frame.length} values, the first ${sum.length}`);
    for (let k = 0; k < frame.length; k++) sum[k] = sum[k]! + (frame[k] as number);
    count += 1;
  }
  if (!sum) throw new Error('no frames to average');
  const mean = new Float32Array(sum.length);
  for (let k = 0; k < sum.length; k++) mean[k] = sum[k]! / count;
  return mean;
}

/** Median of values[0 … n) (sorts that prefix in place). */
function medianOf(values: Float64Array, n: number): number {
  const part = values.subarray(0, n);
  part.sort();
  return n % 2 === 1 ? part[(n - 1) / 2]! : 0.5 * (part[n / 2 - 1]! + part[n / 2]!);
}

/** Median of the unmasked neighbours within the square of half-width `radius` (centre excluded); NaN when none. */
function neighbourMedian(frame: ArrayLike<number>, rows: number, cols: number, r: number, c: number, radius: number, mask: Uint8Array | null, scratch: Float64Array): number {
  let n = 0;
  for (let dr = -radius; dr <= radius; dr++) {
    const rr = r + dr;
    if (rr < 0 || rr >= rows) continue;
    for (let dc = -radius; dc <= radius; dc++) {
      const cc = c + dc;
      if ((dr === 0 && dc === 0) || cc < 0 || cc >= cols) continue;
      const k = rr * cols + cc;
      if (mask && mask[k]) continue;
      scratch[n++] = frame[k] as number;
    }
  }
  return n > 0 ? medianOf(scratch, n) : NaN;
}

export interface BadPixelOptions {
  /** Robust standard deviations (1.4826·MAD of the neighbour residuals) a pixel must stray (default 8). */
  threshold?: number;
  /** Hot pixels must also be ≥ ratio × their neighbours' median, dead ones ≤ 1/ratio × (default 2). */
  ratio?: number;
  /** Also flag dead pixels (default true). */
  dead?: boolean;
}

export interface BadPixels {
  /** 1 = bad pixel. */
  mask: Uint8Array;
  hot: number;
  dead: number;
  /** The robust scale of the normalised residuals (difference / √(|median| + c)) the threshold multiplies. */
  sigma: number;
}

/** Hot/dead pixels of a (mean) frame, see the module comment. */
export function findBadPixels(frame: ArrayLike<number>, rows: number, cols: number, options: BadPixelOptions = {}): BadPixels {
  checkShape(frame, rows, cols);
  const threshold = options.threshold ?? 8;
  const ratio = options.ratio ?? 2;
  if (!(threshold > 0)) throw new Error(`the bad-pixel threshold must be positive, got ${threshold}`);
  if (!(ratio >= 1)) throw new Error(`the bad-pixel ratio must be ≥ 1, got ${ratio}`);
  const size = rows * cols;
  const medians = new Float64Array(size);
  const residuals = new Float64Array(size);
  const scratch = new Float64Array(8);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const k = r * cols + c;
      const m = neighbourMedian(frame, rows, cols, r, c, 1, null, scratch);
      medians[k] = Number.isNaN(m) ? (frame[k] as number) : m;
      residuals[k] = (frame[k] as number) - medians[k]!;
    }
  }
  // Counting noise grows with the signal (Poisson: variance ∝ mean), so residuals are compared in units of
  // √(|median| + c), c a tenth of the frame's typical level: a dead pixel on the dim background is then as visible
  // as one on the bright halo. c keeps empty regions from dividing by ~0.
  const levels = Float64Array.from(medians, Math.abs).sort();
  let floor = 0.1 * levels[Math.floor(size / 2)]!;
  if (!(floor > 0)) floor = 0.1 * (levels.reduce((a, b) => a + b, 0) / size);
  if (!(floor > 0)) floor = 1;
  for (let k = 0; k < size; k++) residuals[k] = residuals[k]! / Math.sqrt(Math.abs(medians[k]!) + floor);
  const sorted = Float64Array.from(residuals).sort();
  const centre = size % 2 === 1 ? sorted[(size - 1) / 2]! : 0.5 * (sorted[size / 2 - 1]! + sorted[size / 2]!);
  const deviations = Float64Array.from(residuals, (v) => Math.abs(v - centre)).sort();
  const mad = size % 2 === 1 ? deviations[(size - 1) / 2]! : 0.5 * (deviations[size / 2 - 1]! + deviations[size / 2]!);
  let sigma = 1.4826 * mad;
  if (!(sigma > 0)) {
    // Sparse counts: most residuals are exactly 0. Fall back to the mean absolute deviation (·√(π/2) for a Gaussian).
    let sum = 0;
    for (let k = 0; k < size; k++) sum += Math.abs(residuals[k]! - centre);
    sigma = (sum / size) * Math.sqrt(Math.PI / 2);
  }
  const mask = new Uint8Array(size);
  let hot = 0;
  let dead = 0;
  if (!(sigma > 0)) return { mask, hot, dead, sigma };
  for (let k = 0; k < size; k++) {
    const v = frame[k] as number;
    const m = medians[k]!;
    const excess = (residuals[k]! - centre) / sigma;
    if (excess > threshold && (m <= 0 || v >= ratio * m)) {
      mask[k] = 1;
      hot += 1;
    } else if ((options.dead ?? true) && excess < -threshold && m > 0 && v <= m / ratio) {
      mask[k] = 1;
      dead += 1;
    }
  }
  return { mask, hot, dead, sigma };
}

/** Union of masks (any may be null); null when all are. */
export function combineMasks(...masks: (Uint8Array | null | undefined)[]): Uint8Array | null {
  const present = masks.filter((m): m is Uint8Array => m instanceof Uint8Array);
  if (present.length === 0) return null;
  const size = present[0]!.length;
  const out = new Uint8Array(size);
  for (const m of present) {
    if (m.length !== size) throw new Error(`the masks have different sizes (${size} and ${m.length})`);
    for (let k = 0; k < size; k++) if (m[k]) out[k] = 1;
  }
  return out;
}

export interface FillResult {
  image: Float32Array;
  /** Masked pixels replaced by a neighbour median. */
  filled: number;
  /** Masked pixels with no unmasked neighbour within maxRadius, set to 0. */
  unfilled: number;
  /** Those pixels (1), for the steps that must keep ignoring them; null when every masked pixel was filled. */
  unfilledMask: Uint8Array | null;
}

/**
 * Replaces each masked pixel by the median of its unmasked neighbours (3×3, then 5×5 … up to (2·maxRadius+1)²,
 * default maxRadius 3); the rest of the frame is copied. Writes into `out` when given (not the frame itself).
 */
export function fillMaskedPixels(frame: ArrayLike<number>, rows: number, cols: number, mask: Uint8Array, options: { maxRadius?: number; out?: Float32Array } = {}): FillResult {
  checkShape(frame, rows, cols);
  checkShape(mask, rows, cols, 'the mask');
  const maxRadius = options.maxRadius ?? 3;
  const image = options.out ?? new Float32Array(rows * cols);
  if (image.length !== rows * cols) throw new Error(`the output holds ${image.length} values, the frame ${rows * cols}`);
  if ((image as ArrayLike<number>) === frame) throw new Error('fillMaskedPixels cannot write into its own input (neighbours would be read after replacement)');
  for (let k = 0; k < rows * cols; k++) image[k] = frame[k] as number;
  const scratch = new Float64Array((2 * maxRadius + 1) * (2 * maxRadius + 1));
  let filled = 0;
  let unfilled = 0;
  let unfilledMask: Uint8Array | null = null;
  for (let k = 0; k < rows * cols; k++) {
    if (!mask[k]) continue;
    const r = Math.floor(k / cols);
    const c = k % cols;
    let value = NaN;
    for (let radius = 1; radius <= maxRadius && Number.isNaN(value); radius++) value = neighbourMedian(frame, rows, cols, r, c, radius, mask, scratch);
    if (Number.isNaN(value)) {
      image[k] = 0;
      unfilled += 1;
      unfilledMask ??= new Uint8Array(rows * cols);
      unfilledMask[k] = 1;
    } else {
      image[k] = value;
      filled += 1;
    }
  }
  return { image, filled, unfilled, unfilledMask };
}

export type FrameFlag = 'ok' | 'saturated' | 'empty' | 'non-finite';

export interface FrameQuality {
  flag: FrameFlag;
  /** One sentence for the user (counts and fractions behind the flag). */
  detail: string;
  nonFiniteCount: number;
  saturatedCount: number;
  saturatedFraction: number;
}

/** The largest value a detector dtype can record (null for floats and 1-bit data, where "saturated" has no meaning). */
export function dtypeMaximum(dtype: StoredDtype): number | null {
  switch (dtype) {
    case 'uint6':
      return 63;
    case 'uint8':
    case 'rgb8':
      return 255;
    case 'int8':
      return 127;
    case 'uint12':
      return 4095;
    case 'uint16':
      return 65535;
    case 'int16':
      return 32767;
    case 'uint24':
      return 16777215;
    case 'uint32':
      return 4294967295;
    case 'int32':
      return 2147483647;
    default:
      return null;
  }
}

export interface QualityOptions {
  /** The stored dtype: its maximum counts as saturated. */
  dtype?: StoredDtype;
  /** A detector's own saturation level (counts at or above it are saturated); takes precedence over the dtype's. */
  saturationValue?: number | null;
  /** Flag the frame when more than this fraction of its pixels is saturated (default 0.001). */
  maxSaturatedFraction?: number;
  /** [rows, cols]: lets a saturated direct beam (one compact patch) through (see the module comment). */
  shape?: readonly [number, number];
}

/**
 * Whether the pixels at or above `level` are a saturated beam: their largest 8-connected patch is compact (its
 * bounding box holds at most 2 × its pixel count: a disc fills π/4 of its box, a diagonal streak far less), and
 * anything else saturated is lone pixels (stuck or hot pixels, which the bad-pixel step repairs), at most
 * max(3, 10⁻⁴ of the frame) of them.
 */
export function saturatedPatchIsCompact(frame: ArrayLike<number>, rows: number, cols: number, level: number): boolean {
  const seen = new Uint8Array(rows * cols);
  const patches: { count: number; box: number }[] = [];
  for (let start = 0; start < rows * cols; start++) {
    if (seen[start] || (frame[start] as number) < level) continue;
    const stack = [start];
    seen[start] = 1;
    let count = 0;
    let r0 = rows;
    let r1 = -1;
    let c0 = cols;
    let c1 = -1;
    while (stack.length > 0) {
      const k = stack.pop() as number;
      count += 1;
      const r = Math.floor(k / cols);
      const c = k % cols;
      r0 = Math.min(r0, r);
      r1 = Math.max(r1, r);
      c0 = Math.min(c0, c);
      c1 = Math.max(c1, c);
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
          const n = rr * cols + cc;
          if (!seen[n] && (frame[n] as number) >= level) {
            seen[n] = 1;
            stack.push(n);
          }
        }
      }
    }
    patches.push({ count, box: (r1 - r0 + 1) * (c1 - c0 + 1) });
  }
  patches.sort((a, b) => b.count - a.count);
  const [beam, ...others] = patches;
  if (!beam || beam.count < 2 || beam.box > 2 * beam.count) return false;
  return others.every((p) => p.count === 1) && others.length <= Math.max(3, 1e-4 * rows * cols);
}

/** The quality flag of a raw frame (before any correction), see the module comment. */
export function frameQuality(frame: ArrayLike<number>, options: QualityOptions = {}): FrameQuality {
  const size = frame.length;
  const level = options.saturationValue ?? (options.dtype ? dtypeMaximum(options.dtype) : null);
  const allowed = options.maxSaturatedFraction ?? 0.001;
  let nonFinite = 0;
  let firstBad = -1;
  let saturated = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < size; k++) {
    const v = frame[k] as number;
    if (!Number.isFinite(v)) {
      if (firstBad < 0) firstBad = k;
      nonFinite += 1;
      continue;
    }
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (level !== null && v >= level) saturated += 1;
  }
  const saturatedFraction = size > 0 ? saturated / size : 0;
  const base = { nonFiniteCount: nonFinite, saturatedCount: saturated, saturatedFraction };
  if (nonFinite > 0) {
    return { flag: 'non-finite', detail: `${nonFinite} of ${size} pixels are NaN or infinite (the first at index ${firstBad})`, ...base };
  }
  if (size === 0 || !(sum > 0)) return { flag: 'empty', detail: `the frame sums to ${sum} (no counts)`, ...base };
  if (max === min) return { flag: 'empty', detail: `every pixel has the value ${min}`, ...base };
  const percent = (saturatedFraction * 100).toPrecision(3);
  if (level !== null && saturatedFraction > allowed) {
    const shape = options.shape;
    // A beam, not a flooded detector: at most 2 % of the pixels, in one compact patch.
    if (shape && shape[0] * shape[1] === size && saturatedFraction <= 0.02 && saturatedPatchIsCompact(frame, shape[0], shape[1], level)) {
      return { flag: 'ok', detail: `sum ${sum.toPrecision(6)}, range ${min}–${max}; the direct beam is saturated (${saturated} pixels at ${level}, one compact patch)`, ...base };
    }
    return { flag: 'saturated', detail: `${saturated} pixels (${percent} %) are at the saturation level ${level}, more than the ${allowed * 100} % allowed, and not one compact patch (a saturated beam)`, ...base };
  }
  const note = level !== null && saturated > 0 ? `; ${saturated} pixels (${percent} %) at the saturation level ${level}` : '';
  return { flag: 'ok', detail: `sum ${sum.toPrecision(6)}, range ${min}–${max}${note}`, ...base };
}
