/**
 * The kinematic engine against the independent direct double sum (reference.ts) for cylinder, ellipsoid and cluster
 * probes of the demo Cu–Zr glass along x, y, z and oblique zones; exact image rotation; bad input.
 */
import { describe, expect, it } from 'vitest';
import type { ProbeShape, ZoneAxis } from '../../../main/shared/diffraction';
import type { Vec3 } from '../../../main/shared/domain';
import { KinematicPatternEngine, ProbeSelector, kinematicPattern, patternGrid } from '../../../native-workers/lib/diffraction';
import { demoGlass, directPattern, glassSpecies, maxNodeRelativeDifference, maxRelativeDifference, pengFactors } from './reference';

const factors = pengFactors();
const ELEMENTS = ['Cu', 'Zr'];
const CENTER: Vec3 = [15.2, 14.7, 16.1];

function probeOf(shape: ProbeShape, zone: ZoneAxis, center: Vec3 = CENTER): { relative: Float64Array; species: Uint8Array } {
  const glass = demoGlass();
  const all = glassSpecies(glass);
  const probe = new ProbeSelector(glass, shape, zone).select(center);
  return { relative: probe.relative, species: Uint8Array.from(probe.indices, (i) => all[i] as number) };
}

const CASES: { name: string; shape: ProbeShape; zone: ZoneAxis; dk: number }[] = [
  { name: 'cylinder r 5 h 20, zone z (paper grid)', shape: { kind: 'cylinder', radiusA: 5, heightA: 20 }, zone: 'z', dk: 0.015 },
  { name: 'cylinder r 5 h 20, zone x', shape: { kind: 'cylinder', radiusA: 5, heightA: 20 }, zone: 'x', dk: 0.02 },
  { name: 'cylinder r 4 h 12, zone y', shape: { kind: 'cylinder', radiusA: 4, heightA: 12 }, zone: 'y', dk: 0.02 },
  { name: 'cylinder r 5 h 15, zone [1 2 3]', shape: { kind: 'cylinder', radiusA: 5, heightA: 15 }, zone: [1, 2, 3], dk: 0.015 },
  { name: 'ellipsoid 4 × 6 × 9, zone z', shape: { kind: 'ellipsoid', semiAxesA: [4, 6, 9] }, zone: 'z', dk: 0.02 },
  { name: 'ellipsoid 5 × 3 × 8, zone [-1 1 1]', shape: { kind: 'ellipsoid', semiAxesA: [5, 3, 8] }, zone: [-1, 1, 1], dk: 0.02 },
  { name: 'cluster, zone y', shape: { kind: 'cluster' }, zone: 'y', dk: 0.015 },
  { name: 'cluster, zone [0.3 -0.2 0.9]', shape: { kind: 'cluster' }, zone: [0.3, -0.2, 0.9], dk: 0.015 },
];

describe('kinematic NBED engine vs the direct double sum', () => {
  it.each(CASES)('$name agrees to 1e-9 relative', ({ shape, zone, dk }) => {
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: dk }, zone);
    const { relative, species } = probeOf(shape, zone);
    const fast = kinematicPattern(relative, species, ELEMENTS, grid, factors);
    const direct = directPattern(relative, species, ELEMENTS, grid);
    expect(fast.length).toBe(grid.side * grid.side);
    expect(maxRelativeDifference(fast, direct)).toBeLessThan(1e-9);
    // Node by node too, down to a millionth of the brightest node (dark nodes are sums that nearly cancel).
    expect(maxNodeRelativeDifference(fast, direct, 1e-6)).toBeLessThan(1e-9);
    // |K| ≥ kmax is exactly 0, the centre is (Σ f(0))² / N.
    const n = grid.n;
    expect(fast[0]).toBe(0);
    expect(fast[grid.side - 1]).toBe(0);
    expect(fast[n * grid.side + n]).toBeCloseTo(direct[n * grid.side + n] as number, 6);
  });

  it('is Friedel-symmetric and reuses one engine across probes without stale state', () => {
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.03 }, 'z');
    const engine = new KinematicPatternEngine(grid, factors, ELEMENTS);
    const big = probeOf({ kind: 'cylinder', radiusA: 6, heightA: 20 }, 'z');
    const small = probeOf({ kind: 'cluster' }, 'z', [3, 4, 5]);
    const out = new Float64Array(grid.side * grid.side);
    engine.pattern(big.relative, big.species, out);
    const again = engine.pattern(small.relative, small.species, out);
    expect(again).toBe(out);
    expect(maxRelativeDifference(again, directPattern(small.relative, small.species, ELEMENTS, grid))).toBeLessThan(1e-9);
    const last = grid.side * grid.side - 1;
    for (let k = 0; k <= last; k++) expect(again[k]).toBe(again[last - k]);
  });

  it('rotating the atoms by 90° about the zone rotates the image by 90°: I′(i, j) = I(j, −i), exactly', () => {
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.015 }, 'z');
    const { n, side } = grid;
    for (const zone of ['z', 'x'] as const) {
      const g = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.015 }, zone);
      const { relative, species } = probeOf({ kind: 'cylinder', radiusA: 5, heightA: 20 }, zone);
      const rotated = new Float64Array(relative.length);
      for (let m = 0; m < species.length; m++) {
        const [x, y, z] = [relative[3 * m] as number, relative[3 * m + 1] as number, relative[3 * m + 2] as number];
        // About z: (x, y, z) → (−y, x, z); about x: (x, y, z) → (x, −z, y). Both send (u·r, v·r) to (−v·r, u·r).
        rotated.set(zone === 'z' ? [-y, x, z] : [x, -z, y], 3 * m);
      }
      const before = kinematicPattern(relative, species, ELEMENTS, g, factors);
      const after = kinematicPattern(rotated, species, ELEMENTS, g, factors);
      let mismatches = 0;
      for (let j = -n; j <= n; j++) {
        for (let i = -n; i <= n; i++) {
          if (after[(j + n) * side + (i + n)] !== before[(-i + n) * side + (j + n)]) mismatches++;
        }
      }
      expect(mismatches, `zone ${zone}`).toBe(0);
    }
  });

  it('rotation about an oblique zone permutes the image to rounding (1e-12)', () => {
    const zone: Vec3 = [1, 2, 3];
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.02 }, zone);
    const { u, v, w } = grid;
    const { relative, species } = probeOf({ kind: 'cylinder', radiusA: 5, heightA: 15 }, zone);
    const rotated = new Float64Array(relative.length);
    for (let m = 0; m < species.length; m++) {
      const r = [relative[3 * m] as number, relative[3 * m + 1] as number, relative[3 * m + 2] as number];
      const a = r[0]! * u[0] + r[1]! * u[1] + r[2]! * u[2];
      const b = r[0]! * v[0] + r[1]! * v[1] + r[2]! * v[2];
      const c = r[0]! * w[0] + r[1]! * w[1] + r[2]! * w[2];
      // R u = v, R v = −u: (a, b, c) in (u, v, w) → (−b, a, c).
      for (let k = 0; k < 3; k++) rotated[3 * m + k] = -b * u[k]! + a * v[k]! + c * w[k]!;
    }
    const before = kinematicPattern(relative, species, ELEMENTS, grid, factors);
    const after = kinematicPattern(rotated, species, ELEMENTS, grid, factors);
    const { n, side } = grid;
    const permuted = new Float64Array(side * side);
    for (let j = -n; j <= n; j++) for (let i = -n; i <= n; i++) permuted[(j + n) * side + (i + n)] = before[(-i + n) * side + (j + n)] as number;
    expect(maxRelativeDifference(after, permuted)).toBeLessThan(1e-12);
  });

  it('refuses bad input clearly', () => {
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.05 }, 'z');
    expect(() => new KinematicPatternEngine(grid, factors, ['Cu', 'Es'])).toThrow(/no electron scattering factor for element 'Es'/);
    expect(() => new KinematicPatternEngine(grid, factors, [])).toThrow(/no elements/);
    expect(() => new KinematicPatternEngine(patternGrid({ kmaxInvA: 13, deltaKInvA: 0.5 }, 'z'), factors, ['Cu'])).toThrow(/kmax = 13 .*not fitted/);
    const engine = new KinematicPatternEngine(grid, factors, ['Cu', 'Zr']);
    expect(() => engine.pattern(new Float64Array(0), new Uint8Array(0))).toThrow(/no atoms/);
    expect(() => engine.pattern(new Float64Array(3), Uint8Array.of(2))).toThrow(/species index 2 of atom 0/);
    expect(() => engine.pattern(new Float64Array(6), Uint8Array.of(0))).toThrow(/2 positions for 1 species/);
    expect(() => engine.pattern(Float64Array.of(0, Number.NaN, 0), Uint8Array.of(0))).toThrow(/non-finite/);
    expect(() => engine.pattern(new Float64Array(3), Uint8Array.of(0), new Float64Array(5))).toThrow(/output holds 5/);
  });
});
