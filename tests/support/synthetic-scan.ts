/**
 * A synthetic 4D-STEM scan for mapping tests: NY × NX frames of SIDE² pixels on a detector twice as fine as the
 * synthetic dataset's k-grid (tests/support/synthetic-dataset.ts), made from a known d profile across a boundary, so
 * a model trained on that dataset maps it back.
 */
import { SYNTHETIC_GRID } from './synthetic-dataset';

/** The scan: NY × NX positions; d rises from grain (0.05) to interior (0.9) and back along x. */
export const NY = 4;
export const NX = 15;
export const SIDE = 64; // detector pixels: 0.0075 Å⁻¹ each, twice as fine as the model's 0.015
export const PIXEL = SYNTHETIC_GRID.deltaKInvA / 2;
const CENTRE = (SIDE - 1) / 2;

export function trueD(ix: number): number {
  const t = ix / (NX - 1);
  return 0.05 + 0.85 * Math.exp(-((t - 0.5) ** 2) / (2 * 0.18 ** 2));
}

/**
 * The synthetic-dataset pattern (tests/support/synthetic-dataset.ts) in k units, on the finer detector: halo at
 * 0.3·33 model pixels, width (0.6 + 3d) model pixels, the direct beam in the central 2 × 2 pixels, exponential
 * background of mean 20 counts; rounded to whole counts so every format stores the same numbers.
 */
export function frame(d: number, random: () => number): Float32Array {
  const k0 = 0.3 * 33 * SYNTHETIC_GRID.deltaKInvA;
  const w = (0.6 + 3 * d) * SYNTHETIC_GRID.deltaKInvA;
  const out = new Float32Array(SIDE * SIDE);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const k = Math.hypot(r - CENTRE, c - CENTRE) * PIXEL;
      const beam = Math.abs(r - CENTRE) < 1 && Math.abs(c - CENTRE) < 1 ? 1e5 : 0;
      out[r * SIDE + c] = Math.round(5000 * Math.exp(-((k - k0) ** 2) / (2 * w * w)) + beam - 20 * Math.log(1 - random()));
    }
  }
  return out;
}

