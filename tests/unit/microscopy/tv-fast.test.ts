/**
 * The fast TV solver (preprocess/tv-fast.ts) against the exact ROF minimiser u* of the same problem. u* is computed
 * here by the same solver run for 30 000 iterations, its primal–dual gap certifying an RMS distance ≤ 1e-5·range to
 * the true u* whatever the algorithm (the gap bounds ‖u − u*‖₂²), and cross-checked against Chambolle's iteration
 * (tv-denoise.ts, scikit-image's algorithm) run for many iterations, so that both solve the same problem.
 */
import { describe, expect, it } from 'vitest';
import { syntheticPattern } from '../../../native-workers/lib/microscopy/preprocess/synthetic-pattern';
import { denoiseTvChambolle } from '../../../native-workers/lib/microscopy/preprocess/tv-denoise';
import { createTvFastWorkspace, denoiseTvFast } from '../../../native-workers/lib/microscopy/preprocess/tv-fast';

const SIDE = 64;

function range(values: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < values.length; k++) {
    lo = Math.min(lo, values[k] as number);
    hi = Math.max(hi, values[k] as number);
  }
  return hi - lo;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs((a[k] as number) - (b[k] as number)));
  return worst;
}

/**
 * u* by 30 000 iterations (or a certified RMS distance of 1e-7·range, if sooner); the certificate must be ≤ 1e-5·range
 * (the speckle frame converges slowest: ≈ 2e-6 after 50 000 iterations, its pixels then changing by < 2e-7·range).
 */
function exactMinimiser(f: Float64Array, weight: number): Float64Array {
  const result = denoiseTvFast(f, SIDE, SIDE, { weight, tolerance: 1e-7, maxIterations: 30_000 });
  expect(result.rmsBound / range(f)).toBeLessThanOrEqual(1e-5);
  return result.image;
}

/** Speckle-like: halo rings with angular harmonics and Poisson noise, no direct beam. */
function speckleFrame(): Float64Array {
  return Float64Array.from(
    syntheticPattern({
      rows: SIDE,
      cols: SIDE,
      centre: { row: 31.6, col: 32.2 },
      rings: [{ radiusPx: 14, widthPx: 3, amplitude: 40 }],
      speckle: 0.6,
      background: 4,
      poissonSeed: 7,
    }),
  );
}

/** A direct-beam disc 10⁴ × the rest, Poisson noise. */
function beamFrame(): Float64Array {
  return Float64Array.from(
    syntheticPattern({
      rows: SIDE,
      cols: SIDE,
      centre: { row: 32.3, col: 31.8 },
      disc: { amplitude: 1e5, sigmaPx: 2 },
      rings: [{ radiusPx: 18, widthPx: 3, amplitude: 10 }],
      speckle: 0.4,
      background: 3,
      poissonSeed: 11,
    }),
  );
}

describe('denoiseTvFast', () => {
  const cases: [string, () => Float64Array, number][] = [
    ['a noisy speckle-like frame', speckleFrame, 0.1],
    ['a frame with a direct beam 10⁴ × the rest', beamFrame, 0.1],
    ['a frame with a direct beam, small weight', beamFrame, 0.005],
  ];
  for (const [name, make, relativeWeight] of cases) {
    it(`is within 1e-4·range of u* on ${name} (weight ${relativeWeight}·range)`, () => {
      const f = make();
      const r = range(f);
      const weight = relativeWeight * r;
      const exact = exactMinimiser(f, weight);
      const result = denoiseTvFast(f, SIDE, SIDE, { weight, workspace: createTvFastWorkspace(SIDE, SIDE) });
      expect(result.converged).toBe(true);
      expect(result.rmsBound).toBeLessThanOrEqual(1e-4 * r);
      expect(maxAbsDiff(result.image, exact) / r).toBeLessThanOrEqual(1e-4);
    });
  }

  it('solves the problem Chambolle’s iteration (scikit-image’s algorithm) converges to', () => {
    const f = speckleFrame();
    const r = range(f);
    const exact = exactMinimiser(f, 0.1 * r);
    const chambolle = denoiseTvChambolle(f, SIDE, SIDE, { weight: 0.1 * r, eps: 0, maxIterations: 20_000 });
    // Chambolle's iteration converges as O(1/n): after 20 000 iterations it is still ≈ 2e-4·range away (its default
    // 200 iterations with eps 2e-4 stop ≈ 7e-3·range away); a different discretisation would differ by ~1e-1.
    expect(maxAbsDiff(chambolle.image, exact) / r).toBeLessThan(5e-4);
  });

  it('returns a constant frame unchanged', () => {
    const f = new Float64Array(SIDE * SIDE).fill(42.5);
    const result = denoiseTvFast(f, SIDE, SIDE, { weight: 3 });
    expect(Array.from(result.image)).toEqual(Array.from(f));
  });

  it('gives the flat mean for a weight so large that the solution is flat', () => {
    const f = beamFrame();
    const r = range(f);
    let mean = 0;
    for (const v of f) mean += v / f.length;
    const result = denoiseTvFast(f, SIDE, SIDE, { weight: 1e4 * r });
    for (const v of result.image) expect(Math.abs(v - mean) / r).toBeLessThanOrEqual(1e-4);
  });

  it('is invariant under I → aI + b with weight → a·weight', () => {
    const f = speckleFrame();
    const r = range(f);
    const a = 37.25;
    const b = -1234.5;
    const base = denoiseTvFast(f, SIDE, SIDE, { weight: 0.1 * r });
    const scaled = denoiseTvFast(
      f.map((v) => a * v + b),
      SIDE,
      SIDE,
      { weight: 0.1 * r * a },
    );
    expect(scaled.iterations).toBe(base.iterations);
    for (let k = 0; k < f.length; k++) expect(Math.abs(scaled.image[k]! - (a * base.image[k]! + b)) / (a * r)).toBeLessThanOrEqual(1e-6);
  });

  it('writes into out and refuses non-finite values and bad options', () => {
    const f = speckleFrame();
    const out = new Float32Array(f.length);
    expect(denoiseTvFast(f, SIDE, SIDE, { out }).image).toBe(out);
    const bad = Float64Array.from(f);
    bad[5] = Number.NaN;
    expect(() => denoiseTvFast(bad, SIDE, SIDE)).toThrow(/non-finite/);
    expect(() => denoiseTvFast(f, SIDE, SIDE, { weight: 0 })).toThrow(/weight/);
    expect(() => denoiseTvFast(f, SIDE, SIDE, { workspace: createTvFastWorkspace(32, 32) })).toThrow(/workspace/);
  });
});
