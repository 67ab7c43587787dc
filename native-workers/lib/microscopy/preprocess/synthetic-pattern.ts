/**
 * Synthetic NBED-like frames with a known centre and calibration, for tests, benchmarks and demos: a Gaussian direct
 * beam, amorphous halo rings (Gaussian in radius, optionally modulated by even angular harmonics — the speckle of a
 * kinematic pattern is centrosymmetric by Friedel's law), a flat background, and Poisson counting noise from a
 * seeded generator (the same seed gives the same frame on every machine).
 */

export interface SyntheticRing {
  radiusPx: number;
  /** Gaussian σ of the ring profile in pixels. */
  widthPx: number;
  amplitude: number;
}

export interface SyntheticPatternOptions {
  rows: number;
  cols: number;
  /** Pattern centre in pixel coordinates (pixel (r, c) has its centre at (r, c)). */
  centre: { row: number; col: number };
  /** Direct beam: a Gaussian disc of peak `amplitude` and σ `sigmaPx`; omitted = none. */
  disc?: { amplitude: number; sigmaPx: number };
  rings?: SyntheticRing[];
  /** Even angular harmonics cos(2m(θ − φ_m)) multiplying the rings: relative strength (0 = none, < 1). */
  speckle?: number;
  /** Constant added everywhere (expected counts). */
  background?: number;
  /** When given, each pixel becomes a Poisson draw of its expected count; seeds the generator. */
  poissonSeed?: number;
}

// The project's seeded generator (the same stream as the datasets' split), re-exported for callers of this module.
import { mulberry32 } from '../../datasets/random-split';

export { mulberry32 };

export function gaussianDraw(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A Poisson draw of mean `mean`: Knuth's product method below 30, above it the normal approximation
 * round(mean + √mean·N(0, 1)) clipped at 0 (its skew error is < 1 % of √mean there, irrelevant for tests).
 */
export function poissonDraw(mean: number, random: () => number): number {
  if (!(mean > 0)) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    let product = random();
    while (product > limit) {
      k += 1;
      product *= random();
    }
    return k;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussianDraw(random)));
}

/** The expected (or, with poissonSeed, the counted) frame, rows × cols row-major. */
export function syntheticPattern(options: SyntheticPatternOptions): Float32Array {
  const { rows, cols, centre } = options;
  const frame = new Float32Array(rows * cols);
  const harmonics: { order: number; phase: number }[] = [];
  const speckle = options.speckle ?? 0;
  if (speckle > 0) {
    const random = mulberry32(((options.poissonSeed ?? 1) * 7919) >>> 0);
    for (const order of [2, 4, 6, 10]) harmonics.push({ order, phase: random() * 2 * Math.PI });
  }
  const random = options.poissonSeed === undefined ? null : mulberry32(options.poissonSeed);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const dy = r - centre.row;
      const dx = c - centre.col;
      const radius2 = dx * dx + dy * dy;
      const radius = Math.sqrt(radius2);
      let value = options.background ?? 0;
      if (options.disc) value += options.disc.amplitude * Math.exp(-radius2 / (2 * options.disc.sigmaPx * options.disc.sigmaPx));
      if (options.rings && options.rings.length > 0) {
        let modulation = 1;
        if (harmonics.length > 0) {
          const theta = Math.atan2(dy, dx);
          let sum = 0;
          for (const h of harmonics) sum += Math.cos(h.order * theta - h.phase);
          modulation = 1 + (speckle * sum) / harmonics.length;
        }
        for (const ring of options.rings) {
          const t = (radius - ring.radiusPx) / ring.widthPx;
          value += ring.amplitude * modulation * Math.exp(-0.5 * t * t);
        }
      }
      frame[r * cols + c] = random ? poissonDraw(value, random) : value;
    }
  }
  return frame;
}
