/**
 * The azimuthal average (radial profile) of a frame about a centre, with a mask (1 = ignore the pixel):
 *
 * - 'binned': every unmasked pixel goes to bin floor(d / w) by the distance d of its centre from the beam centre;
 *   each bin reports the mean intensity and the mean d of its pixels (so a peak's position is not quantised to the
 *   bin centres);
 * - 'bilinear': at radii r = k·w the circle is sampled every ~w pixels of arc (at least 8 samples) by bilinear
 *   interpolation; samples that need an outside or masked pixel are dropped.
 *
 * Empty bins (no pixel or sample) have mean NaN and count 0.
 */
import type { BeamCentre } from './centre';

export interface RadialProfileOptions {
  method?: 'binned' | 'bilinear';
  /** Bin width / radial step in pixels (default 1). */
  binWidthPx?: number;
  /** Largest radius (px); default the distance from the centre to the farthest frame corner. */
  maxRadiusPx?: number;
  mask?: Uint8Array | null;
}

export interface RadialProfile {
  /** Radius (px) of each bin: the mean distance of its pixels ('binned') or the sampled radius ('bilinear'). */
  radius: Float64Array;
  /** Mean intensity per bin (NaN when empty). */
  mean: Float64Array;
  /** Pixels ('binned') or valid samples ('bilinear') per bin. */
  count: Float64Array;
}

export function radialProfile(
  frame: ArrayLike<number>,
  rows: number,
  cols: number,
  centre: BeamCentre,
  options: RadialProfileOptions = {},
): RadialProfile {
  if (frame.length !== rows * cols) throw new Error(`the frame holds ${frame.length} values, but ${rows} × ${cols} = ${rows * cols}`);
  const mask = options.mask ?? null;
  if (mask && mask.length !== rows * cols) throw new Error(`the mask holds ${mask.length} values, the frame ${rows * cols}`);
  if (!Number.isFinite(centre.row) || !Number.isFinite(centre.col)) throw new Error(`the centre (${centre.row}, ${centre.col}) is not finite`);
  const width = options.binWidthPx ?? 1;
  if (!(width > 0)) throw new Error(`the bin width must be positive, got ${width}`);
  const farthest = Math.max(
    Math.hypot(centre.row, centre.col),
    Math.hypot(centre.row, cols - 1 - centre.col),
    Math.hypot(rows - 1 - centre.row, centre.col),
    Math.hypot(rows - 1 - centre.row, cols - 1 - centre.col),
  );
  const maxRadius = options.maxRadiusPx ?? farthest;
  if (!(maxRadius > 0)) throw new Error(`the largest radius must be positive, got ${maxRadius}`);
  return (options.method ?? 'binned') === 'binned'
    ? binnedProfile(frame, rows, cols, centre, width, maxRadius, mask)
    : bilinearProfile(frame, rows, cols, centre, width, maxRadius, mask);
}

function binnedProfile(
  frame: ArrayLike<number>,
  rows: number,
  cols: number,
  centre: BeamCentre,
  width: number,
  maxRadius: number,
  mask: Uint8Array | null,
): RadialProfile {
  const bins = Math.max(1, Math.ceil(maxRadius / width));
  const sum = new Float64Array(bins);
  const sumRadius = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let r = 0; r < rows; r++) {
    const dy = r - centre.row;
    for (let c = 0; c < cols; c++) {
      const k = r * cols + c;
      if (mask && mask[k]) continue;
      const d = Math.hypot(c - centre.col, dy);
      if (d > maxRadius) continue;
      const bin = Math.min(bins - 1, Math.floor(d / width));
      sum[bin] = sum[bin]! + (frame[k] as number);
      sumRadius[bin] = sumRadius[bin]! + d;
      count[bin] = count[bin]! + 1;
    }
  }
  const radius = new Float64Array(bins);
  const mean = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    const n = count[b]!;
    radius[b] = n > 0 ? sumRadius[b]! / n : (b + 0.5) * width;
    mean[b] = n > 0 ? sum[b]! / n : NaN;
  }
  return { radius, mean, count };
}

/** Bilinear value at (y, x), or NaN when a needed pixel is outside the frame or masked. */
export function bilinearAt(frame: ArrayLike<number>, rows: number, cols: number, y: number, x: number, mask: Uint8Array | null): number {
  if (!(y >= 0 && x >= 0 && y <= rows - 1 && x <= cols - 1)) return NaN;
  const r0 = Math.min(Math.floor(y), rows - 2 < 0 ? 0 : rows - 2);
  const c0 = Math.min(Math.floor(x), cols - 2 < 0 ? 0 : cols - 2);
  const fy = y - r0;
  const fx = x - c0;
  const r1 = Math.min(r0 + 1, rows - 1);
  const c1 = Math.min(c0 + 1, cols - 1);
  const k00 = r0 * cols + c0;
  const k01 = r0 * cols + c1;
  const k10 = r1 * cols + c0;
  const k11 = r1 * cols + c1;
  if (mask && ((mask[k00] && (1 - fy) * (1 - fx) > 0) || (mask[k01] && (1 - fy) * fx > 0) || (mask[k10] && fy * (1 - fx) > 0) || (mask[k11] && fy * fx > 0))) return NaN;
  return (
    (1 - fy) * ((1 - fx) * (frame[k00] as number) + fx * (frame[k01] as number)) + fy * ((1 - fx) * (frame[k10] as number) + fx * (frame[k11] as number))
  );
}

function bilinearProfile(
  frame: ArrayLike<number>,
  rows: number,
  cols: number,
  centre: BeamCentre,
  width: number,
  maxRadius: number,
  mask: Uint8Array | null,
): RadialProfile {
  const bins = Math.floor(maxRadius / width + 1e-9) + 1;
  const radius = new Float64Array(bins);
  const mean = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    const r = b * width;
    radius[b] = r;
    const samples = Math.max(8, Math.ceil((2 * Math.PI * r) / width));
    let sum = 0;
    let n = 0;
    for (let s = 0; s < samples; s++) {
      const theta = (2 * Math.PI * s) / samples;
      const value = bilinearAt(frame, rows, cols, centre.row + r * Math.sin(theta), centre.col + r * Math.cos(theta), mask);
      if (Number.isNaN(value)) continue;
      sum += value;
      n += 1;
    }
    count[b] = n;
    mean[b] = n > 0 ? sum / n : NaN;
  }
  return { radius, mean, count };
}
