/**
 * A perfect FCC crystal gives spots at its reciprocal-lattice points: along [001] the {200} and {220} spots at
 * |K| = 2/a and 2√2/a, along [110] the {111} spots at √3/a, {002} at 2/a, {220} at 2√2/a; forbidden (mixed-parity)
 * reflections stay dark (a few % of a spot, from the cylinder's shape transform). Spot centres are located to a fraction of a pixel by a 3-point Gaussian fit.
 */
import { describe, expect, it } from 'vitest';
import type { ZoneAxis } from '../../../main/shared/diffraction';
import type { Vec3 } from '../../../main/shared/domain';
import { ProbeSelector, kinematicPattern, patternGrid, type PatternGrid } from '../../../native-workers/lib/diffraction';
import { fccCrystal } from '../rdf/lattices';
import { pengFactors } from './reference';

const A = 3.615;
const crystal = fccCrystal(A, 12, 12, 12);
const factors = pengFactors();

function fccPattern(zone: ZoneAxis): { grid: PatternGrid; image: Float64Array } {
  const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.015 }, zone);
  const probe = new ProbeSelector(crystal, { kind: 'cylinder', radiusA: 12, heightA: 20 }, zone).select([21.3, 22.1, 20.7]);
  return { grid, image: kinematicPattern(probe.relative, new Uint8Array(probe.indices.length), ['Cu'], grid, factors) };
}

/** Node coordinates (i, j) of the reciprocal-lattice point hkl/a. */
function nodeOf(grid: PatternGrid, hkl: Vec3): [number, number] {
  const g = hkl.map((x) => x / A);
  const along = (e: Vec3): number => (g[0]! * e[0] + g[1]! * e[1] + g[2]! * e[2]) / grid.deltaKInvA;
  return [along(grid.u), along(grid.v)];
}

function at(grid: PatternGrid, image: Float64Array, i: number, j: number): number {
  return image[(j + grid.n) * grid.side + (i + grid.n)] as number;
}

/** The brightest node within 2 pixels of (i, j) and the sub-pixel peak from a Gaussian fit through its neighbours. */
function spot(grid: PatternGrid, image: Float64Array, position: [number, number]): { peak: number; i: number; j: number } {
  let best = -1;
  let bi = 0;
  let bj = 0;
  for (let j = Math.round(position[1]) - 2; j <= Math.round(position[1]) + 2; j++) {
    for (let i = Math.round(position[0]) - 2; i <= Math.round(position[0]) + 2; i++) {
      if (at(grid, image, i, j) > best) [best, bi, bj] = [at(grid, image, i, j), i, j];
    }
  }
  const offset = (minus: number, centre: number, plus: number): number => {
    const [l0, l1, l2] = [Math.log(minus), Math.log(centre), Math.log(plus)];
    return (l0 - l2) / (2 * (l0 - 2 * l1 + l2));
  };
  return {
    peak: best,
    i: bi + offset(at(grid, image, bi - 1, bj), best, at(grid, image, bi + 1, bj)),
    j: bj + offset(at(grid, image, bi, bj - 1), best, at(grid, image, bi, bj + 1)),
  };
}

function checkSpots(zone: ZoneAxis, allowed: Vec3[], forbidden: Vec3[], strongest: Vec3): void {
  const { grid, image } = fccPattern(zone);
  let weakestAllowed = Infinity;
  for (const hkl of allowed) {
    const expected = nodeOf(grid, hkl);
    const found = spot(grid, image, expected);
    // Spot centre within 0.1 pixel (0.0015 Å⁻¹) of hkl/a.
    expect(Math.abs(found.i - expected[0]), `${hkl} i`).toBeLessThan(0.1);
    expect(Math.abs(found.j - expected[1]), `${hkl} j`).toBeLessThan(0.1);
    weakestAllowed = Math.min(weakestAllowed, found.peak);
  }
  for (const hkl of forbidden) {
    const [i, j] = nodeOf(grid, hkl).map(Math.round) as [number, number];
    // Not exactly 0: the cylinder cuts the lattice, and its shape transform leaves a few % between the spots.
    expect(at(grid, image, i, j), `${hkl} forbidden`).toBeLessThan(0.05 * weakestAllowed);
  }
  // The brightest node outside the direct beam (|K| > 0.1 Å⁻¹) belongs to the strongest reflection family.
  let best = -1;
  let bi = 0;
  let bj = 0;
  for (let j = -grid.n; j <= grid.n; j++) {
    for (let i = -grid.n; i <= grid.n; i++) {
      if ((i * i + j * j) * grid.deltaKInvA ** 2 > 0.01 && at(grid, image, i, j) > best) [best, bi, bj] = [at(grid, image, i, j), i, j];
    }
  }
  const radius = Math.hypot(bi, bj) * grid.deltaKInvA;
  expect(Math.abs(radius - Math.hypot(...strongest) / A)).toBeLessThan(grid.deltaKInvA);
}

describe('FCC spots', () => {
  it('[001]: {200} at 2/a and {220} at 2√2/a; {100}, {110}, {210} absent', () => {
    checkSpots(
      'z',
      [[2, 0, 0], [-2, 0, 0], [0, 2, 0], [0, -2, 0], [2, 2, 0], [-2, 2, 0], [2, -2, 0], [-2, -2, 0]],
      [[1, 0, 0], [0, 1, 0], [1, 1, 0], [-1, 1, 0], [2, 1, 0], [1, 2, 0]],
      [2, 0, 0],
    );
  });

  it('[110]: {111} at √3/a, {002} at 2/a, {220} at 2√2/a, {113} at √11/a; {001}, {110} absent', () => {
    checkSpots(
      [1, 1, 0],
      [[1, -1, 1], [-1, 1, 1], [1, -1, -1], [-1, 1, -1], [0, 0, 2], [0, 0, -2], [2, -2, 0], [-2, 2, 0], [1, -1, 3], [-1, 1, -3]],
      [[0, 0, 1], [1, -1, 0], [0, 0, 3], [1, -1, 2]],
      [1, 1, 1],
    );
  });
});
