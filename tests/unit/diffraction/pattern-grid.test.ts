/** The pattern grid: sizes from kmax and Δk, refusals, and the (u, v) basis of every kind of zone axis. */
import { describe, expect, it } from 'vitest';
import { MAX_PATTERN_SIDE } from '../../../main/shared/diffraction';
import type { Vec3 } from '../../../main/shared/domain';
import { PatternGridError, insideKmax, patternGrid, pixelIndex, zoneBasis } from '../../../native-workers/lib/diffraction';

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

describe('pattern grid', () => {
  it('is 133 × 133 for the paper defaults, 2·floor(kmax/Δk) + 1 in general', () => {
    expect(patternGrid({ kmaxInvA: 1, deltaKInvA: 0.015 }, 'z')).toMatchObject({ n: 66, side: 133 });
    expect(patternGrid({ kmaxInvA: 1, deltaKInvA: 0.1 }, 'z')).toMatchObject({ n: 10, side: 21 });
    expect(patternGrid({ kmaxInvA: 0.5, deltaKInvA: 0.03 }, 'x')).toMatchObject({ n: 16, side: 33 });
  });

  it('keeps nodes strictly inside kmax and indexes rows by j (row 0 = most negative v)', () => {
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.1 }, 'z');
    expect(insideKmax(99, grid)).toBe(true);
    expect(insideKmax(100, grid)).toBe(false);
    expect(pixelIndex(grid, -10, -10)).toBe(0);
    expect(pixelIndex(grid, 10, -10)).toBe(20);
    expect(pixelIndex(grid, -10, -9)).toBe(21);
    expect(pixelIndex(grid, 0, 0)).toBe(10 * 21 + 10);
  });

  it('refuses non-positive, non-finite and oversized grids with a clear message', () => {
    expect(() => patternGrid({ kmaxInvA: 0, deltaKInvA: 0.015 }, 'z')).toThrow(/kmax must be a positive number/);
    expect(() => patternGrid({ kmaxInvA: -1, deltaKInvA: 0.015 }, 'z')).toThrow(/kmax must be a positive number/);
    expect(() => patternGrid({ kmaxInvA: Number.NaN, deltaKInvA: 0.015 }, 'z')).toThrow(PatternGridError);
    expect(() => patternGrid({ kmaxInvA: 1, deltaKInvA: 0 }, 'z')).toThrow(/Δk must be a positive number/);
    expect(() => patternGrid({ kmaxInvA: 1, deltaKInvA: Infinity }, 'z')).toThrow(/Δk must be a positive number/);
    expect(() => patternGrid({ kmaxInvA: 100, deltaKInvA: 0.01 }, 'z')).toThrow(new RegExp(`more than ${MAX_PATTERN_SIDE}|wider than ${MAX_PATTERN_SIDE}`));
    expect(() => patternGrid({ kmaxInvA: 1e300, deltaKInvA: 1e-300 }, 'z')).toThrow(/wider than/);
    expect(() => patternGrid({ kmaxInvA: 1, deltaKInvA: 2 }, 'z')).toThrow(/one pixel/);
  });

  it('maps the Cartesian zones as designed: z → (x, y), x → (y, z), y → (z, x)', () => {
    expect(zoneBasis('z')).toEqual({ u: [1, 0, 0], v: [0, 1, 0], w: [0, 0, 1] });
    expect(zoneBasis('x')).toEqual({ u: [0, 1, 0], v: [0, 0, 1], w: [1, 0, 0] });
    expect(zoneBasis('y')).toEqual({ u: [0, 0, 1], v: [1, 0, 0], w: [0, 1, 0] });
    // The same directions given as vectors (any length) give exactly the same bases.
    expect(zoneBasis([0, 0, 2])).toEqual(zoneBasis('z'));
    expect(zoneBasis([3, 0, 0])).toEqual(zoneBasis('x'));
    expect(zoneBasis([0, 0.5, 0])).toEqual(zoneBasis('y'));
  });

  it('gives any direction a right-handed orthonormal (u, v): [110] → u = [1̄10]/√2, v = [001]', () => {
    const b110 = zoneBasis([1, 1, 0]);
    expect(b110.u[0]).toBeCloseTo(-Math.SQRT1_2, 15);
    expect(b110.u[1]).toBeCloseTo(Math.SQRT1_2, 15);
    b110.v.forEach((x, k) => expect(x).toBeCloseTo([0, 0, 1][k] as number, 15));
    for (const zone of [[1, 1, 0], [1, 1, 1], [1, 2, 3], [-0.3, 0.9, -2], [0, -1, 0], [5, -5, 1e-9]] as Vec3[]) {
      const { u, v, w } = zoneBasis(zone);
      const length = Math.hypot(...zone);
      for (let k = 0; k < 3; k++) expect(w[k]).toBeCloseTo((zone[k] as number) / length, 15);
      expect(dot(u, u)).toBeCloseTo(1, 14);
      expect(dot(v, v)).toBeCloseTo(1, 14);
      expect(dot(u, v)).toBeCloseTo(0, 14);
      expect(dot(u, w)).toBeCloseTo(0, 14);
      const uxv = cross(u, v);
      for (let k = 0; k < 3; k++) expect(uxv[k]).toBeCloseTo(w[k] as number, 14);
    }
  });

  it('refuses a zero or non-finite zone axis and unknown names', () => {
    expect(() => zoneBasis([0, 0, 0])).toThrow(/zero vector/);
    expect(() => zoneBasis([1, Number.NaN, 0])).toThrow(/finite/);
    expect(() => zoneBasis('q' as 'x')).toThrow(/x, y, z or a direction/);
  });
});
