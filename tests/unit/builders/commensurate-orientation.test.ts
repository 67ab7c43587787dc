/**
 * Random orientations made periodic: the chosen Miller triple is orthogonal and right-handed, the reported error
 * is the rotation angle to the drawn rotation (checked independently), the atom budget is respected, more index
 * range never makes the approximation worse, and the drawn rotations are uniform (mean trace of a uniform SO(3)
 * rotation is 0; the mean |cos| of an axis with a fixed direction is 1/2).
 */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../main/shared/domain';
import { latticeCell, nearestCommensurateOrientation, randomRotation } from '../../../native-workers/lib/builders';
import { cross, dot, norm } from '../../../native-workers/lib/builders/vector-math';

const cell = latticeCell('fcc', 3.639);
const unit = (v: Vec3): Vec3 => [v[0] / norm(v), v[1] / norm(v), v[2] / norm(v)];

describe('commensurate orientations', () => {
  it('the identity rotation gives the cube axes with zero error', () => {
    const r = nearestCommensurateOrientation(cell, [[1, 0, 0], [0, 1, 0], [0, 0, 1]], { maxIndex: 3, minLengthsA: [10, 10, 10], maxAtoms: 1000 });
    expect(r.errorDeg).toBeCloseTo(0, 9);
    // A cubic equivalent of the identity is acceptable; the box must then be 3 cells a side (10 Å → 3 × 3.639).
    expect(r.atoms).toBe(108);
  });

  it('random rotations: orthogonal right-handed integer triples within budget, error = the angle between the frames', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rotation = randomRotation(seed);
      const r = nearestCommensurateOrientation(cell, rotation, { maxIndex: 4, minLengthsA: [15, 15, 15], maxAtoms: 4000 });
      const { x, y, z } = r.orientation;
      expect(dot(x, y)).toBe(0);
      expect(dot(x, z)).toBe(0);
      expect(dot(y, z)).toBe(0);
      expect(dot(cross(x, y), z)).toBeGreaterThan(0);
      expect(r.atoms).toBeLessThanOrEqual(4000);
      const frame = [unit(x), unit(y), unit(z)];
      // Independent check of the angle: rotate the drawn x axis by the relative rotation and compare axes directly.
      const maxAxisAngle = Math.max(...[0, 1, 2].map((k) => (Math.acos(Math.min(1, dot(frame[k] as Vec3, rotation[k] as Vec3))) * 180) / Math.PI));
      expect(maxAxisAngle).toBeLessThanOrEqual(r.errorDeg + 1e-9);
      expect(r.errorDeg).toBeLessThan(15);
    }
  });

  it('a larger index range and budget never approximate worse', () => {
    const rotation = randomRotation(99);
    const coarse = nearestCommensurateOrientation(cell, rotation, { maxIndex: 2, minLengthsA: [15, 15, 15], maxAtoms: 20_000 });
    const fine = nearestCommensurateOrientation(cell, rotation, { maxIndex: 5, minLengthsA: [15, 15, 15], maxAtoms: 20_000 });
    expect(fine.errorDeg).toBeLessThanOrEqual(coarse.errorDeg);
  });

  it('refuses a budget nothing fits, saying what to change', () => {
    expect(() => nearestCommensurateOrientation(cell, randomRotation(5), { maxIndex: 3, minLengthsA: [30, 30, 30], maxAtoms: 10 })).toThrow(/allow more atoms/);
  });

  it('drawn rotations are uniform on SO(3)', () => {
    let trace = 0;
    let cosZ = 0;
    const n = 4000;
    for (let seed = 1; seed <= n; seed++) {
      const r = randomRotation(seed * 7919);
      trace += r[0][0] + r[1][1] + r[2][2];
      cosZ += Math.abs(r[2][2]);
    }
    expect(trace / n).toBeCloseTo(0, 1);
    expect(cosZ / n).toBeCloseTo(0.5, 1);
  });
});
