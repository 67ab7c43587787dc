/**
 * Sliding profiles against a brute-force pass over every window (periodic wrap, triclinic slab, non-periodic axis,
 * arbitrary direction, masks) and against NumPy's percentiles on the same windows.
 */
import { describe, expect, it } from 'vitest';
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { percentileOfSorted } from '../../../native-workers/lib/analysis/percentile';
import { axisFrame, profileGrid } from '../../../native-workers/lib/analysis/profile-axis';
import { slidingProfile, type SlidingProfile } from '../../../native-workers/lib/analysis/sliding-profile';
import { orthogonalCell, randomInCell, seededRandom } from '../rdf/lattices';
import { numpyAvailable, numpyPercentiles } from './numpy-reference';

interface Brute {
  count: number[];
  mean: number[];
  windows: number[][];
}

/** Every grid point, every atom: |wrapped(x − g)| ≤ h. */
function bruteForce(coordinate: Float64Array, values: ArrayLike<number>, grid: Float64Array, h: number, period: number | null, mask?: Uint8Array): Brute {
  const windows = Array.from(grid, (g) => {
    const inside: number[] = [];
    for (let i = 0; i < coordinate.length; i++) {
      if (mask && !mask[i]) continue;
      if (!Number.isFinite(values[i] as number)) continue;
      let d = (coordinate[i] as number) - g;
      if (period !== null) d -= period * Math.round(d / period);
      if (Math.abs(d) <= h) inside.push(values[i] as number);
    }
    return inside.sort((a, b) => a - b);
  });
  return {
    windows,
    count: windows.map((w) => w.length),
    mean: windows.map((w) => (w.length ? w.reduce((s, v) => s + v, 0) / w.length : Number.NaN)),
  };
}

function compare(profile: SlidingProfile, brute: Brute): void {
  expect(Array.from(profile.count)).toEqual(brute.count);
  brute.windows.forEach((w, k) => {
    if (w.length === 0) {
      expect(profile.mean[k]).toBeNaN();
      expect(profile.p5[k]).toBeNaN();
      return;
    }
    expect(profile.mean[k]).toBeCloseTo(brute.mean[k] as number, 11);
    expect(profile.p5[k]).toBe(percentileOfSorted(w, 5));
    expect(profile.p95[k]).toBe(percentileOfSorted(w, 95));
  });
}

function randomValues(n: number, random: () => number): Float64Array {
  // Rounded values (ties) plus a NaN now and then, which must be ignored.
  return Float64Array.from({ length: n }, () => (random() < 0.01 ? Number.NaN : Math.round(random() * 400) / 400));
}

describe('slidingProfile', () => {
  it('matches brute force on a periodic orthogonal box, with the window wrapping across the cell edge', () => {
    const random = seededRandom(1);
    const cell = orthogonalCell(41.3, 12, 11, [-7.3, 2, 0]);
    const positions = randomInCell(cell, 2500, random);
    const values = randomValues(2500, random);
    const profile = slidingProfile(positions, cell, values, { axis: 'x' });
    expect(profile.periodA).toBeCloseTo(41.3, 12);
    expect(profile.gridA[0]).toBeCloseTo(-7.3, 12);
    expect(profile.gridA.length).toBe(Math.round(41.3 / 0.5));
    const frame = axisFrame(positions, cell, 'x');
    compare(profile, bruteForce(frame.coordinateA, values, profile.gridA, 1, 41.3));
    // The first window (centred on the lower face) really does reach over to atoms near the upper face.
    expect(profile.count[0]).toBeGreaterThan(40);
  });

  it('matches brute force along z of a triclinic cell (a slab with tilted c) and with a mask and extra percentiles', () => {
    const random = seededRandom(2);
    const cell: Cell = { origin: [0, 0, -3], a: [14, 0, 0], b: [3, 13, 0], c: [-2, 4, 30], pbc: [true, true, true] };
    const positions = randomInCell(cell, 2000, random);
    const values = randomValues(2000, random);
    const mask = Uint8Array.from({ length: 2000 }, () => (random() < 0.6 ? 1 : 0));
    const profile = slidingProfile(positions, cell, values, { axis: 'z', windowA: 3, stepA: 0.7, mask, percentiles: [50, 12.5] });
    expect(profile.periodA).toBeCloseTo(30, 12);
    const frame = axisFrame(positions, cell, 'z');
    const brute = bruteForce(frame.coordinateA, values, profile.gridA, 1.5, 30, mask);
    compare(profile, brute);
    brute.windows.forEach((w, k) => {
      expect(profile.percentiles[0]?.values[k]).toBe(percentileOfSorted(w, 50));
      expect(profile.percentiles[1]?.values[k]).toBe(percentileOfSorted(w, 12.5));
    });
    expect(frame.crossSectionA2).toBeCloseTo(14 * 13, 9);
  });

  it('does not wrap along a non-periodic axis, nor along a direction that is not a slab normal', () => {
    const random = seededRandom(3);
    const cell = orthogonalCell(30, 10, 10, [0, 0, 0], [false, true, true]);
    const positions = randomInCell(cell, 1500, random);
    const values = randomValues(1500, random);
    const profile = slidingProfile(positions, cell, values, { axis: 'x' });
    expect(profile.periodA).toBeNull();
    compare(profile, bruteForce(axisFrame(positions, cell, 'x').coordinateA, values, profile.gridA, 1, null));

    const periodic = orthogonalCell(20, 20, 10);
    const diagonal: Vec3 = [1, 1, 0];
    const p2 = randomInCell(periodic, 1500, random);
    const d = slidingProfile(p2, periodic, values, { axis: diagonal, gridA: [0, 3.3, 10, 14.142, 20, 27.9] });
    expect(d.periodA).toBeNull();
    compare(d, bruteForce(axisFrame(p2, periodic, diagonal).coordinateA, values, d.gridA, 1, null));
  });

  it.skipIf(!numpyAvailable)('gives numpy.percentile(window, [5, 95]) in every window', () => {
    const random = seededRandom(4);
    const cell = orthogonalCell(25, 9, 9, [3, 0, 0]);
    const positions = randomInCell(cell, 1200, random);
    const values = Float64Array.from({ length: 1200 }, () => random() * 1.3 - 0.1);
    const profile = slidingProfile(positions, cell, values, { axis: 'x' });
    const brute = bruteForce(axisFrame(positions, cell, 'x').coordinateA, values, profile.gridA, 1, 25);
    const reference = numpyPercentiles(brute.windows, [5, 95]);
    reference.forEach((r, k) => {
      expect(profile.p5[k]).toBe(r[0]);
      expect(profile.p95[k]).toBe(r[1]);
    });
  });

  it('handles 200 000 atoms on a 0.5 Å grid quickly (one sorted sweep, not atoms × windows)', () => {
    const random = seededRandom(5);
    const cell = orthogonalCell(400, 25, 25);
    const n = 200_000;
    const positions = randomInCell(cell, n, random);
    const values = Float64Array.from({ length: n }, () => random());
    const t0 = performance.now();
    const profile = slidingProfile(positions, cell, values, { axis: 'x' });
    const elapsed = performance.now() - t0;
    expect(profile.gridA.length).toBe(800);
    // 2 Å of 400 Å is 1/200 of the atoms per window.
    expect(Math.abs((profile.count[400] as number) - n / 200)).toBeLessThan(6 * Math.sqrt(n / 200));
    expect(Math.abs((profile.p95[400] as number) - 0.95)).toBeLessThan(0.03);
    expect(elapsed).toBeLessThan(8000);
  });

  it('refuses a window as long as the period', () => {
    const cell = orthogonalCell(3, 3, 3);
    expect(() => slidingProfile(new Float64Array(3), cell, [1], { axis: 'x', windowA: 3 })).toThrow(/shorter than the period/);
    expect(() => profileGrid(axisFrame(new Float64Array(3), cell, 'x'), 0)).toThrow(/stepA/);
  });
});
