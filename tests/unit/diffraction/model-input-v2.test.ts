/**
 * The model-input transforms (main/shared/model-transform.ts, native-workers/lib/diffraction/model-input.ts): the
 * scale-invariant, beam-masked annulus-log (v2) against hand-computed values, the recorded-constant log1-globalmax,
 * and the dispatcher.
 */
import { describe, expect, it } from 'vitest';
import { ANNULUS_LOG_DEFAULTS, modelPreprocessingSchema, preprocessingRecord, type ModelInputSpec } from '../../../main/shared/model-transform';
import { annulusLog, log1GlobalMax, log1MinMax, modelInputFor } from '../../../native-workers/lib/diffraction/model-input';
import { mulberry32 } from '../../../native-workers/lib/datasets/random-split';

/** A 133×133 pattern on the default grid: exponential speckle about a ring at 0.45 Å⁻¹, a bright direct beam. */
function speckledPattern(seed: number): Float64Array {
  const side = 133;
  const n = 66;
  const random = mulberry32(seed);
  const out = new Float64Array(side * side);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const k = 0.015 * Math.hypot(col - n, row - n);
      if (k >= 1) continue;
      const halo = 0.2 + Math.exp(-(((k - 0.45) / 0.08) ** 2));
      out[row * side + col] = -Math.log(1 - random()) * halo * 30;
    }
  }
  out[n * side + n] = 1e6;
  return out;
}

const GRID = { side: 133, kmaxInvA: 1, deltaKInvA: 0.015 };
const V2: ModelInputSpec = { transform: 'annulus-log', ...GRID, ...ANNULUS_LOG_DEFAULTS };

describe('annulus-log (transform v2)', () => {
  it('matches the formula on a 5×5 pattern worked by hand', () => {
    // Δk 0.25, kmax 0.6, beam mask 0.2: the centre (|K| 0) is masked, the 4 edge neighbours (0.25) and the 4
    // diagonals (0.354) are in, the rest (≥ 0.5 … 0.707) — |K| 0.5 is in (0.5 < 0.6), 0.559 in, 0.707 out.
    const side = 5;
    const raw = Float64Array.from({ length: 25 }, (_, k) => k + 1);
    const spec = { side, kmaxInvA: 0.6, deltaKInvA: 0.25, beamMaskInvA: 0.2, floorRatio: 0.05, ceilingRatio: 50 };
    const inside: number[] = [];
    for (let row = 0; row < 5; row++) {
      for (let col = 0; col < 5; col++) {
        const k2 = 0.0625 * ((row - 2) ** 2 + (col - 2) ** 2);
        if (k2 >= 0.04 && k2 < 0.36) inside.push(row * 5 + col);
      }
    }
    expect(inside.length).toBe(20); // 25 − centre − 4 corners
    const m = inside.reduce((a, k) => a + (raw[k] as number), 0) / inside.length;
    expect(m).toBeCloseTo(13, 12); // symmetric about the centre value 13
    const y = annulusLog(raw, spec);
    for (let k = 0; k < 25; k++) {
      const expected = inside.includes(k) ? Math.min(1, Math.log1p((raw[k] as number) / (0.05 * m)) / Math.log1p(1000)) : 0;
      expect(y[k]).toBeCloseTo(expected, 6);
    }
  });

  it('is exactly invariant to a global intensity scale', () => {
    const raw = speckledPattern(1);
    const reference = modelInputFor(raw, V2);
    for (const k of [10, 0.01, 1e4, 3.7e-6]) {
      const scaled = modelInputFor(raw.map((v) => v * k), V2);
      let worst = 0;
      for (let i = 0; i < scaled.length; i++) worst = Math.max(worst, Math.abs((scaled[i] as number) - (reference[i] as number)));
      expect(worst).toBeLessThanOrEqual(1.2e-7);
    }
    // The v1 transform is not: its clip at 1 and its maximum are in the data's units.
    const v1 = log1MinMax(raw);
    const v1Scaled = log1MinMax(raw.map((v) => v * 0.01));
    expect(Math.max(...v1.map((v, i) => Math.abs(v - (v1Scaled[i] as number))))).toBeGreaterThan(0.05);
  });

  it('is blind to the direct beam and zero outside the annulus', () => {
    const raw = speckledPattern(2);
    const a = modelInputFor(raw, V2);
    const brighter = Float64Array.from(raw);
    // A saturated disc of radius 0.08 Å⁻¹ instead of one bright pixel.
    for (let row = 0; row < 133; row++) for (let col = 0; col < 133; col++) if (0.015 * Math.hypot(row - 66, col - 66) < 0.08) brighter[row * 133 + col] = 65535 * 40;
    const b = modelInputFor(brighter, V2);
    expect(Array.from(b)).toEqual(Array.from(a));
    for (let row = 0; row < 133; row++) {
      for (let col = 0; col < 133; col++) {
        const k = 0.015 * Math.hypot(row - 66, col - 66);
        if (k < 0.1 - 1e-9 || k >= 1) expect(a[row * 133 + col]).toBe(0);
      }
    }
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
  });

  it('leaves nodes without data out of the normalisation', () => {
    const raw = speckledPattern(3);
    const invalid = new Uint8Array(133 * 133);
    for (let k = 0; k < 133 * 40; k++) invalid[k] = 1; // the top rows fell off the detector
    const zeroed = Float64Array.from(raw);
    for (let k = 0; k < 133 * 40; k++) zeroed[k] = 0;
    const withMask = modelInputFor(zeroed, V2, { invalid });
    // The mean comes from the valid nodes only: the same as the full pattern's mean over them.
    let sum = 0;
    let count = 0;
    for (let row = 40; row < 133; row++) {
      for (let col = 0; col < 133; col++) {
        const k2 = 0.015 ** 2 * ((row - 66) ** 2 + (col - 66) ** 2);
        if (k2 >= 0.01 && k2 < 1) {
          sum += raw[row * 133 + col] as number;
          count += 1;
        }
      }
    }
    const m = sum / count;
    const probe = 100 * 133 + 80;
    expect(withMask[probe]).toBeCloseTo(Math.min(1, Math.log1p((raw[probe] as number) / (0.05 * m)) / Math.log1p(1000)), 6);
    expect(withMask[10 * 133 + 66]).toBe(0);
  });

  it('gives zeros for an empty annulus and refuses corrupt intensities', () => {
    const empty = new Float64Array(133 * 133);
    empty[66 * 133 + 66] = 1e5; // a beam and nothing else
    expect(modelInputFor(empty, V2).every((v) => v === 0)).toBe(true);
    const nan = speckledPattern(4);
    nan[5000] = Number.NaN;
    expect(() => modelInputFor(nan, V2)).toThrow(/invalid intensity NaN at index 5000/);
    const negative = speckledPattern(4);
    negative[5000] = -2;
    expect(() => modelInputFor(negative, V2)).toThrow(/invalid intensity -2/);
    expect(modelInputFor(negative, V2, { clampNegative: true })[5000]).toBe(0);
  });
});

describe('recorded transforms', () => {
  it('log1-globalmax divides by the recorded constant, unclipped', () => {
    const raw = [0.5, 1, Math.E, Math.exp(12)];
    expect(Array.from(log1GlobalMax(raw, 10))).toEqual([0, 0, Math.fround(0.1), Math.fround(1.2)]);
    expect(() => log1GlobalMax(raw, 0)).toThrow(/globalLogMax must be a positive number/);
  });

  it('records parse back, and old log1-minmax records still parse', () => {
    const v2 = preprocessingRecord({ transform: 'annulus-log', ...ANNULUS_LOG_DEFAULTS }, GRID);
    expect(modelPreprocessingSchema.parse(v2)).toEqual(v2);
    const old = { transform: 'log1-minmax', side: 133, kmaxInvA: 1, deltaKInvA: 0.015, logClip: 1, normalisation: 'per-pattern min-max to [0,1]' };
    expect(modelPreprocessingSchema.parse(old)).toEqual(old);
    expect(() => preprocessingRecord({ transform: 'annulus-log', ...ANNULUS_LOG_DEFAULTS }, { side: 133, kmaxInvA: null, deltaKInvA: null })).toThrow(/needs the k-grid/);
    expect(modelPreprocessingSchema.safeParse({ ...old, transform: 'log2-magic' }).success).toBe(false);
  });
});
