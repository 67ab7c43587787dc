/**
 * Beam-centre finding on one diffraction frame (rows × cols row-major; pixel (r, c) has its centre at (r, c)):
 *
 * - centre of mass, optionally of a thresholded and/or masked frame, and iterated within a circle about the current
 *   estimate (the usual refinement for a direct beam: the circle is symmetric about the estimate, so the fixed point
 *   is the centre of any centrosymmetric intensity inside it, whatever lies outside);
 * - cross-correlation of the frame with its own 180°-rotated copy: for a pattern symmetric about c, the flipped copy
 *   r(i) = f(N−1−i) equals f shifted by 2c − (N−1), which is the same as saying the self-convolution (f ∗ f)(m) peaks
 *   at m = 2c. The convolution is computed with zero-padded FFTs (linear, not circular), its peak refined by a
 *   parabola through the three samples on each axis, and the centre is half the peak position. A first pass on the
 *   whole frame (binned 2× for speed) is followed by passes inside the largest circle about the current estimate
 *   that fits in the frame (tapered at its edge), which removes the pull of the frame's edges (a truncated pattern
 *   is not symmetric about its centre; inside that circle it is). Frames larger than `maxSide` are binned first.
 *
 * Masks: a Uint8Array with 1 for pixels to ignore (bad pixels, beam stop), 0 otherwise.
 */
import { Fft2dPlan, nextPowerOfTwo } from './fft';

export interface BeamCentre {
  row: number;
  col: number;
}

function checkFrame(frame: ArrayLike<number>, rows: number, cols: number, mask: Uint8Array | null | undefined): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new Error(`the frame shape must be positive integers, got ${rows} × ${cols}`);
  if (frame.length !== rows * cols) throw new Error(`the frame holds ${frame.length} values, but ${rows} × ${cols} = ${rows * cols}`);
  if (mask && mask.length !== rows * cols) throw new Error(`the mask holds ${mask.length} values, the frame ${rows * cols}`);
}

export interface CentreOfMassOptions {
  /** 1 = ignore this pixel. */
  mask?: Uint8Array | null;
  /** Weights are max(I − threshold, 0): removes a flat background and the dark field around the beam. */
  threshold?: number;
  /** Threshold as a fraction of the largest unmasked value (0 < f < 1); the larger of the two thresholds applies. */
  relativeThreshold?: number;
  /** Iterate: recompute within this radius (px) of the current estimate until it moves less than tolerancePx. */
  radiusPx?: number | null;
  /** Starting estimate for the iteration; default the centre of mass of the whole (thresholded, masked) frame. */
  initial?: BeamCentre;
  maxIterations?: number;
  tolerancePx?: number;
}

export interface CentreResult extends BeamCentre {
  /** Iterations of the refinement (1 = a single centre of mass). */
  iterations: number;
}

export class CentreFindingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CentreFindingError';
  }
}

/** Centre of mass of max(I − t, 0) over unmasked pixels, optionally within a circle; null when the weight is 0. */
function weightedCentre(
  frame: ArrayLike<number>,
  rows: number,
  cols: number,
  mask: Uint8Array | null,
  threshold: number,
  circle: { row: number; col: number; radius: number } | null,
): BeamCentre | null {
  let sum = 0;
  let sumRow = 0;
  let sumCol = 0;
  let r0 = 0;
  let r1 = rows - 1;
  let c0 = 0;
  let c1 = cols - 1;
  if (circle) {
    r0 = Math.max(0, Math.ceil(circle.row - circle.radius));
    r1 = Math.min(rows - 1, Math.floor(circle.row + circle.radius));
    c0 = Math.max(0, Math.ceil(circle.col - circle.radius));
    c1 = Math.min(cols - 1, Math.floor(circle.col + circle.radius));
  }
  const radius2 = circle ? circle.radius * circle.radius : Infinity;
  for (let r = r0; r <= r1; r++) {
    const dy = circle ? r - circle.row : 0;
    for (let c = c0; c <= c1; c++) {
      const k = r * cols + c;
      if (mask && mask[k]) continue;
      if (circle) {
        const dx = c - circle.col;
        if (dx * dx + dy * dy > radius2) continue;
      }
      const w = (frame[k] as number) - threshold;
      if (!(w > 0)) continue;
      sum += w;
      sumRow += w * r;
      sumCol += w * c;
    }
  }
  if (!(sum > 0) || !Number.isFinite(sum)) return null;
  return { row: sumRow / sum, col: sumCol / sum };
}

/** The centre of mass (a), see the module comment. Throws CentreFindingError when no pixel carries weight. */
export function centreOfMass(frame: ArrayLike<number>, rows: number, cols: number, options: CentreOfMassOptions = {}): CentreResult {
  const mask = options.mask ?? null;
  checkFrame(frame, rows, cols, mask);
  let threshold = options.threshold ?? -Infinity;
  if (options.relativeThreshold !== undefined) {
    const f = options.relativeThreshold;
    if (!(f > 0 && f < 1)) throw new Error(`the relative threshold must lie in (0, 1), got ${f}`);
    let max = -Infinity;
    for (let k = 0; k < rows * cols; k++) if (!(mask && mask[k]) && (frame[k] as number) > max) max = frame[k] as number;
    threshold = Math.max(threshold, f * max);
  }
  // Without any threshold the weight is the intensity itself (negative values, e.g. after a dark subtraction, count 0).
  if (threshold === -Infinity) threshold = 0;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerancePx ?? 1e-4;
  let estimate: BeamCentre | null = options.initial ?? weightedCentre(frame, rows, cols, mask, threshold, null);
  if (!estimate) throw new CentreFindingError('no pixel is above the threshold: the centre of mass is undefined (empty frame?)');
  const radius = options.radiusPx ?? null;
  if (radius === null) return { ...estimate, iterations: 1 };
  if (!(radius > 0)) throw new Error(`the centre-of-mass radius must be positive, got ${radius}`);
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations += 1;
    const next = weightedCentre(frame, rows, cols, mask, threshold, { ...estimate, radius });
    if (!next) throw new CentreFindingError(`no pixel above the threshold within ${radius} px of (${estimate.row.toFixed(2)}, ${estimate.col.toFixed(2)})`);
    const moved = Math.hypot(next.row - estimate.row, next.col - estimate.col);
    estimate = next;
    if (moved < tolerance) break;
  }
  return { ...estimate, iterations };
}

export interface XcorrOptions {
  /** 1 = ignore this pixel (it counts as 0 in both the frame and its rotated copy). */
  mask?: Uint8Array | null;
  /** Frames larger than this per side are binned by an integer factor first (speed; default 256). */
  maxSide?: number;
  /** Limit the windowed passes to this radius (px) about the estimate (default: the largest circle that fits). */
  radiusPx?: number | null;
  /** Skip the whole-frame pass and start the windowed passes from here. */
  initial?: BeamCentre;
  /**
   * Windowed passes after the whole-frame one, stopping early once the estimate moves < 0.02 px (default 2;
   * 0 = the plain whole-frame correlation at full working resolution).
   */
  refinements?: number;
}

/** Width (binned pixels) of the window's linear taper in the refinement passes. */
const TAPER = 2;

/** Reusable buffers of one padded size. */
class CorrelationWorkspace {
  readonly plan: Fft2dPlan;
  readonly re: Float64Array;
  readonly im: Float64Array;
  constructor(
    readonly rows: number,
    readonly cols: number,
  ) {
    this.plan = new Fft2dPlan(rows, cols);
    this.re = new Float64Array(rows * cols);
    this.im = new Float64Array(rows * cols);
  }
}

const workspaces = new Map<string, CorrelationWorkspace>();
function workspaceFor(rows: number, cols: number): CorrelationWorkspace {
  const key = `${rows}x${cols}`;
  let ws = workspaces.get(key);
  if (!ws) {
    // A few sizes at most per process (one detector), so the cache stays small.
    if (workspaces.size > 8) workspaces.clear();
    ws = new CorrelationWorkspace(rows, cols);
    workspaces.set(key, ws);
  }
  return ws;
}

/** Offset of the parabola's vertex through (−1, a), (0, b), (1, c) from the middle sample, within ±0.5. */
export function parabolicOffset(a: number, b: number, c: number): number {
  const denominator = a - 2 * b + c;
  if (!(denominator < 0)) return 0;
  const offset = (0.5 * (a - c)) / denominator;
  return Math.max(-0.5, Math.min(0.5, offset));
}

/**
 * Peak of the linear self-convolution of a rows × cols image (zero outside): returns the centre m/2 in the image's
 * pixel coordinates. The image is given as values already weighted (mask, window applied).
 */
function selfConvolutionCentre(image: Float64Array, rows: number, cols: number): BeamCentre {
  const padRows = nextPowerOfTwo(2 * rows - 1);
  const padCols = nextPowerOfTwo(2 * cols - 1);
  const ws = workspaceFor(padRows, padCols);
  const { re, im } = ws;
  re.fill(0);
  im.fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) re[r * padCols + c] = image[r * cols + c]!;
  ws.plan.transform(re, im, false, rows);
  // F² (the transform of f ∗ f).
  for (let k = 0; k < re.length; k++) {
    const a = re[k]!;
    const b = im[k]!;
    re[k] = a * a - b * b;
    im[k] = 2 * a * b;
  }
  ws.plan.transform(re, im, true);
  // f ∗ f is supported on m ∈ [0, 2N − 2] per axis; the rest of the padded array is ~0.
  let best = -Infinity;
  let bestRow = 0;
  let bestCol = 0;
  for (let r = 0; r <= 2 * rows - 2; r++) {
    for (let c = 0; c <= 2 * cols - 2; c++) {
      const v = re[r * padCols + c]!;
      if (v > best) {
        best = v;
        bestRow = r;
        bestCol = c;
      }
    }
  }
  if (!(best > 0)) throw new CentreFindingError('the frame has no positive intensity to correlate');
  const at = (r: number, c: number): number => (r < 0 || c < 0 || r > 2 * rows - 2 || c > 2 * cols - 2 ? 0 : re[r * padCols + c]!);
  const dr = parabolicOffset(at(bestRow - 1, bestCol), best, at(bestRow + 1, bestCol));
  const dc = parabolicOffset(at(bestRow, bestCol - 1), best, at(bestRow, bestCol + 1));
  return { row: (bestRow + dr) / 2, col: (bestCol + dc) / 2 };
}

/** The frame binned by `bin` (negative values as 0, masked pixels left out), times a tapered circular window. */
function binnedFrame(
  frame: ArrayLike<number>,
  rows: number,
  cols: number,
  mask: Uint8Array | null,
  bin: number,
  circle: { row: number; col: number; radius: number } | null,
): { data: Float64Array; rows: number; cols: number } {
  // Binned pixel (i, j) sums source rows [i·bin, (i+1)·bin): its centre is at i·bin + (bin − 1)/2.
  const bRows = Math.floor(rows / bin);
  const bCols = Math.floor(cols / bin);
  const data = new Float64Array(bRows * bCols);
  const taper = TAPER * bin;
  for (let i = 0; i < bRows; i++) {
    for (let j = 0; j < bCols; j++) {
      // A window tapering linearly to 0 over its outer TAPER binned pixels: nearly symmetric about a non-integer
      // centre, where a hard circle would keep a different set of pixels on either side.
      let weight = 1;
      if (circle) {
        const distance = Math.hypot(i * bin + (bin - 1) / 2 - circle.row, j * bin + (bin - 1) / 2 - circle.col);
        weight = Math.min(1, (circle.radius - distance) / taper);
        if (!(weight > 0)) continue;
      }
      let sum = 0;
      for (let r = i * bin; r < (i + 1) * bin; r++) {
        for (let c = j * bin; c < (j + 1) * bin; c++) {
          const k = r * cols + c;
          if (mask && mask[k]) continue;
          const v = frame[k] as number;
          if (v > 0) sum += v;
        }
      }
      data[i * bCols + j] = weight * sum;
    }
  }
  return { data, rows: bRows, cols: bCols };
}

/**
 * The cross-correlation centre (b), see the module comment: a whole-frame pass on a coarser binning (2× the
 * working one, for speed), then `refinements` windowed passes at the working binning. Negative values (after a dark
 * subtraction) count as 0. Throws CentreFindingError for a frame without positive intensity.
 */
export function xcorrCentre(frame: ArrayLike<number>, rows: number, cols: number, options: XcorrOptions = {}): CentreResult {
  const mask = options.mask ?? null;
  checkFrame(frame, rows, cols, mask);
  const maxSide = options.maxSide ?? 256;
  if (!Number.isInteger(maxSide) || maxSide < 8) throw new Error(`maxSide must be an integer ≥ 8, got ${maxSide}`);
  const bin = Math.max(1, Math.ceil(Math.max(rows, cols) / maxSide));
  if (Math.floor(rows / bin) < 4 || Math.floor(cols / bin) < 4) throw new Error(`the frame ${rows} × ${cols} is too small for a cross-correlation`);
  const refinements = options.refinements ?? 2;
  const toSource = (v: number, b: number): number => v * b + (b - 1) / 2;

  let estimate: BeamCentre;
  let iterations = 0;
  if (options.initial) {
    estimate = { ...options.initial };
  } else {
    // The coarse pass needs only to land within a few pixels: the windowed passes converge from there.
    const coarse = refinements > 0 && Math.min(rows, cols) / (2 * bin) >= 32 ? 2 * bin : bin;
    const binned = binnedFrame(frame, rows, cols, mask, coarse, null);
    const found = selfConvolutionCentre(binned.data, binned.rows, binned.cols);
    estimate = { row: toSource(found.row, coarse), col: toSource(found.col, coarse) };
    iterations += 1;
  }
  // The window stays inside the part of the frame the binning covers.
  const lastRow = Math.floor(rows / bin) * bin - 0.5;
  const lastCol = Math.floor(cols / bin) * bin - 0.5;
  for (let pass = 0; pass < refinements; pass++) {
    // The largest circle about the estimate inside the frame (or the user's radius, if smaller).
    let radius = Math.min(estimate.row + 0.5, estimate.col + 0.5, lastRow - estimate.row, lastCol - estimate.col);
    if (options.radiusPx != null) radius = Math.min(radius, options.radiusPx);
    if (!(radius > 2 * TAPER * bin)) break; // the estimate sits at the edge: no symmetric window fits
    const binned = binnedFrame(frame, rows, cols, mask, bin, { ...estimate, radius });
    const found = selfConvolutionCentre(binned.data, binned.rows, binned.cols);
    const next = { row: toSource(found.row, bin), col: toSource(found.col, bin) };
    iterations += 1;
    const moved = Math.hypot(next.row - estimate.row, next.col - estimate.col);
    estimate = next;
    if (moved < 0.02 * bin) break;
  }
  return { ...estimate, iterations };
}
