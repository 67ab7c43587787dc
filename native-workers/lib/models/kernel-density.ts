/**
 * A 2-D Gaussian kernel density estimate on a regular grid, for the parity plot's density contours (papers/000
 * Fig. 6). The kernel follows scipy.stats.gaussian_kde with its default bandwidth (Scott's rule, also what seaborn's
 * kdeplot uses): covariance H = f² · Σ, Σ the sample covariance (n − 1 denominator), f = n^(−1/(d+4)) = n^(−1/6).
 * density(p) = 1/(n · 2π · sqrt(det H)) · Σ_i exp(−½ (p − x_i)ᵀ H⁻¹ (p − x_i)).
 */
import type { DensityGrid } from '../../../main/shared/models';

export interface DensityOptions {
  /** Nodes per axis (default 64). */
  gridSize?: number;
  /** The grid extends this many kernel standard deviations beyond the data (default 3, seaborn's `cut`). */
  cut?: number;
  /** A fixed [min, max] for both axes instead of the data range plus `cut`. */
  range?: [number, number];
  /**
   * Kernels are summed out to this Mahalanobis radius (default 8: the neglected tail is below e^(−32) ≈ 1e-14 of
   * the peak), so each sample touches only the grid nodes near it.
   */
  truncate?: number;
}

export interface ScottBandwidth {
  factor: number;
  covariance: [[number, number], [number, number]];
  /** True when the sample covariance was singular (constant values or an exactly linear relation) and was widened. */
  regularised: boolean;
}

/**
 * Scott's-rule kernel covariance of the points (x_i, y_i). A singular sample covariance (which scipy refuses) is
 * widened just enough to be invertible: variances at least (10⁻³ · data span)² and |correlation| ≤ 0.9999 (a
 * real model's parity data, R² up to ≈ 0.9998, is left exactly as Scott's rule makes it).
 */
export function scottBandwidth(x: ArrayLike<number>, y: ArrayLike<number>): ScottBandwidth {
  const n = x.length;
  if (n !== y.length) throw new Error(`${n} x values but ${y.length} y values`);
  if (n < 2) throw new Error('a kernel density needs at least two points');
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
    lo = Math.min(lo, x[i] as number, y[i] as number);
    hi = Math.max(hi, x[i] as number, y[i] as number);
  }
  sxx /= n - 1;
  syy /= n - 1;
  sxy /= n - 1;
  const factor = n ** (-1 / 6);
  const floor = (1e-3 * (hi > lo ? hi - lo : Math.max(Math.abs(hi), 1))) ** 2;
  let regularised = false;
  if (sxx < floor) {
    sxx = floor;
    regularised = true;
  }
  if (syy < floor) {
    syy = floor;
    regularised = true;
  }
  const limit = 0.9999 * Math.sqrt(sxx * syy);
  if (Math.abs(sxy) > limit) {
    sxy = Math.sign(sxy) * limit;
    regularised = true;
  }
  const f2 = factor * factor;
  return { factor, covariance: [[f2 * sxx, f2 * sxy], [f2 * sxy, f2 * syy]], regularised };
}

/** Evenly spaced nodes from lo to hi inclusive. */
function nodes(lo: number, hi: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => (count === 1 ? lo : lo + ((hi - lo) * k) / (count - 1)));
}

/** The density of (x_i, y_i) on a square grid shared by both axes (parity plots compare like with like). */
export function kernelDensity2d(x: ArrayLike<number>, y: ArrayLike<number>, options: DensityOptions = {}): DensityGrid {
  const n = x.length;
  const bandwidth = scottBandwidth(x, y);
  const [[hxx, hxy], [, hyy]] = bandwidth.covariance;
  const gridSize = options.gridSize ?? 64;
  if (!Number.isInteger(gridSize) || gridSize < 2) throw new Error(`gridSize must be an integer ≥ 2 (got ${gridSize})`);
  const cut = options.cut ?? 3;
  const truncate = options.truncate ?? 8;
  const sx = Math.sqrt(hxx);
  const sy = Math.sqrt(hyy);
  let range = options.range;
  if (range === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, x[i] as number, y[i] as number);
      hi = Math.max(hi, x[i] as number, y[i] as number);
    }
    const pad = cut * Math.max(sx, sy);
    range = [lo - pad, hi + pad];
  }
  const [lo, hi] = range;
  if (!(hi > lo)) throw new Error(`the grid range must have max > min (got ${lo} … ${hi})`);
  const grid = nodes(lo, hi, gridSize);
  const step = (hi - lo) / (gridSize - 1);

  const det = hxx * hyy - hxy * hxy;
  const a = hyy / det;
  const b = -hxy / det;
  const c = hxx / det;
  const norm = 1 / (n * 2 * Math.PI * Math.sqrt(det));
  const limit = truncate * truncate;
  const values = new Float64Array(gridSize * gridSize);
  for (let s = 0; s < n; s++) {
    const px = x[s] as number;
    const py = y[s] as number;
    // The ellipse q ≤ truncate² lies inside |dx| ≤ truncate·sx, |dy| ≤ truncate·sy.
    const i0 = Math.max(0, Math.ceil((px - truncate * sx - lo) / step));
    const i1 = Math.min(gridSize - 1, Math.floor((px + truncate * sx - lo) / step));
    const j0 = Math.max(0, Math.ceil((py - truncate * sy - lo) / step));
    const j1 = Math.min(gridSize - 1, Math.floor((py + truncate * sy - lo) / step));
    for (let j = j0; j <= j1; j++) {
      const dy = (grid[j] as number) - py;
      const row = j * gridSize;
      for (let i = i0; i <= i1; i++) {
        const dx = (grid[i] as number) - px;
        const q = a * dx * dx + 2 * b * dx * dy + c * dy * dy;
        if (q <= limit) values[row + i] = (values[row + i] as number) + Math.exp(-0.5 * q);
      }
    }
  }
  for (let k = 0; k < values.length; k++) values[k] = (values[k] as number) * norm;
  return {
    x: grid,
    y: [...grid],
    values: Array.from(values),
    bandwidth: { rule: 'scott', factor: bandwidth.factor, covariance: bandwidth.covariance },
    count: n,
  };
}
