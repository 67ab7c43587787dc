/** Embedded nanocrystals: sphere sizes, rotated and aligned spheres, periodic wrapping, overlap removal and refusals. */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../main/shared/domain';
import { embedNanocrystals, orientedCrystal } from '../../../native-workers/lib/builders';
import type { ParsedStructure } from '../../../native-workers/lib/structure-io/types';
import { mulberry32 } from '../order/lattices';
import { allInsideBox, badlyCoordinated, neighbourDistances, pairDistance } from './geometry-checks';

const CU_A = 3.615;
const NN = CU_A / Math.SQRT2;
const FCC_DENSITY = 4 / CU_A ** 3;
const crystal = orientedCrystal({ lattice: 'fcc', latticeA: CU_A, repeats: [10, 10, 10], element: 'Cu' }).structure;
const CENTER: Vec3 = [5 * CU_A, 5 * CU_A, 5 * CU_A];

function distanceTo(structure: ParsedStructure, i: number, point: Vec3): number {
  const l = [structure.cell.a[0], structure.cell.b[1], structure.cell.c[2]];
  let sum = 0;
  for (let k = 0; k < 3; k++) {
    let d = structure.positions[3 * i + k]! - point[k]!;
    d -= l[k]! * Math.round(d / l[k]!);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

function atomsOf(sphereIndex: Int16Array, k: number): number[] {
  return Array.from(sphereIndex.keys()).filter((i) => sphereIndex[i] === k);
}

/** A random gas at FCC density in an 8 a box: a stand-in for a glass that shares no lattice with the spheres. */
function randomMatrix(): ParsedStructure {
  const side = 8 * CU_A;
  const n = Math.round(FCC_DENSITY * side ** 3);
  const random = mulberry32(11);
  return {
    format: 'lammps-data',
    ids: Int32Array.from({ length: n }, (_, i) => i + 1),
    types: new Int32Array(n).fill(1),
    positions: Float64Array.from({ length: 3 * n }, () => random() * side),
    typeElements: ['Cu'],
    cell: { origin: [0, 0, 0], a: [side, 0, 0], b: [0, side, 0], c: [0, 0, side], pbc: [true, true, true] },
    timestep: null,
    notes: [],
  };
}

describe('embedNanocrystals', () => {
  it.each([3, 4])('fills a rotated sphere of radius %i a with about (4/3)πr³ × density atoms', (radius) => {
    const result = embedNanocrystals(crystal, {
      latticeA: CU_A,
      element: 'Cu',
      spheres: [{ centerA: CENTER, radiusLatticeParams: radius, rotation: { axis: [1, 1, 1], angleDeg: 30 } }],
    });
    const expected = (4 / 3) * Math.PI * (radius * CU_A) ** 3 * FCC_DENSITY;
    const inSphere = atomsOf(result.sphereIndex, 0).length;
    expect(inSphere).toBe(result.spheres[0]!.atomCount);
    expect(result.spheres[0]!.keptMatrixAtoms).toBe(false);
    expect(Math.abs(inSphere / expected - 1)).toBeLessThan(0.03);
    expect(result.structure.types.length).toBe(crystal.types.length - result.removedMatrixAtoms + inSphere);
    expect(allInsideBox(result.structure)).toBe(true);
  });

  it('gives the rotated sphere ideal FCC coordination in its interior, along the rotated bonds', () => {
    const angleDeg = 30;
    const result = embedNanocrystals(crystal, {
      latticeA: CU_A,
      element: 'Cu',
      spheres: [{ centerA: CENTER, radiusLatticeParams: 3, rotation: { axis: [0, 0, 1], angleDeg } }],
    });
    const { structure, sphereIndex } = result;
    const interior = atomsOf(sphereIndex, 0).filter((i) => distanceTo(structure, i, CENTER) < 3 * CU_A - 1.1 * NN);
    expect(interior.length).toBeGreaterThan(100);
    expect(badlyCoordinated(structure, NN, 12, 1e-9, interior)).toEqual([]);
    // The central atom's [110] bond, turned 30° about z, now points at 75° from x.
    const central = interior.find((i) => distanceTo(structure, i, CENTER) < 1e-9)!;
    const angles = atomsOf(sphereIndex, 0)
      .filter((j) => Math.abs(pairDistance(structure, central, j) - NN) < 1e-9)
      .map((j) => {
        const dx = structure.positions[3 * j]! - CENTER[0];
        const dy = structure.positions[3 * j + 1]! - CENTER[1];
        return (Math.atan2(dy, dx) * 180) / Math.PI;
      });
    expect(angles.some((a) => Math.abs(a - 75) < 1e-6)).toBe(true);
    expect(angles.some((a) => Math.abs(a - 45) < 1e-6)).toBe(false);
  });

  it('keeps no matrix atom closer than the overlap distance to a sphere atom', () => {
    const result = embedNanocrystals(crystal, {
      latticeA: CU_A,
      element: 'Cu',
      spheres: [{ centerA: CENTER, radiusLatticeParams: 3, rotation: { axis: [1, 2, 3], angleDeg: 17 } }],
    });
    const { structure, sphereIndex } = result;
    const sphere = atomsOf(sphereIndex, 0);
    for (const i of sphere) {
      const close = neighbourDistances(structure, i, 0.5 * NN);
      expect(close).toEqual([]);
    }
    expect(result.removedMatrixAtoms).toBeGreaterThan(sphere.length);
    expect(structure.notes.at(-1)).toMatch(/removed \d+ matrix atoms inside refilled spheres and \d+ closer than 1\.278 Å/);
  });

  it('keeps and marks the matrix atoms of an unrotated sphere in a matching crystal, centred on a site or not', () => {
    for (const centerA of [CENTER, [17, 18.5, 19.3] as Vec3]) {
      const result = embedNanocrystals(crystal, { latticeA: CU_A, element: 'Cu', spheres: [{ centerA, radiusLatticeParams: 3 }] });
      expect(result.spheres[0]!.keptMatrixAtoms).toBe(true);
      expect(result.removedMatrixAtoms).toBe(0);
      expect(result.structure.positions).toEqual(crystal.positions);
      expect(result.structure.typeElements).toEqual(['Cu']);
      const marked = atomsOf(result.sphereIndex, 0);
      expect(marked.length).toBe(result.spheres[0]!.atomCount);
      // Exactly the crystal atoms within the radius.
      const inside = Array.from(crystal.types.keys()).filter((i) => distanceTo(crystal, i, centerA) <= 3 * CU_A + 1e-9);
      expect(marked).toEqual(inside);
    }
  });

  it('wraps a sphere that crosses the periodic boundary', () => {
    const corner: Vec3 = [0.3, 0.2, 0.1];
    const result = embedNanocrystals(crystal, {
      latticeA: CU_A,
      element: 'Ni',
      spheres: [{ centerA: corner, radiusLatticeParams: 3, rotation: { axis: [1, 0, 0], angleDeg: 45 } }],
    });
    const { structure, sphereIndex } = result;
    expect(allInsideBox(structure)).toBe(true);
    expect(structure.typeElements).toEqual(['Cu', 'Ni']);
    const sphere = atomsOf(sphereIndex, 0);
    expect(sphere.every((i) => structure.types[i] === 2)).toBe(true);
    const interior = sphere.filter((i) => distanceTo(structure, i, corner) < 3 * CU_A - 1.1 * NN);
    expect(badlyCoordinated(structure, NN, 12, 1e-9, interior)).toEqual([]);
  });

  it('replaces the matrix inside a sphere when the matrix is not on the sphere lattice', () => {
    const glass = randomMatrix();
    const center: Vec3 = [14, 15, 16];
    const result = embedNanocrystals(glass, { latticeA: CU_A, element: 'Cu', spheres: [{ centerA: center, radiusLatticeParams: 3 }] });
    expect(result.spheres[0]!.keptMatrixAtoms).toBe(false);
    const { structure, sphereIndex } = result;
    for (let i = 0; i < sphereIndex.length; i++) {
      if (sphereIndex[i] === -1) expect(distanceTo(structure, i, center)).toBeGreaterThan(3 * CU_A);
    }
    const sphere = atomsOf(sphereIndex, 0);
    for (const i of sphere) expect(neighbourDistances(structure, i, 0.5 * NN)).toEqual([]);
    expect(Math.abs(sphere.length / ((4 / 3) * Math.PI * (3 * CU_A) ** 3 * FCC_DENSITY) - 1)).toBeLessThan(0.03);
  });

  it('respects a box origin other than zero', () => {
    const origin: Vec3 = [-5, 2, 1.5];
    const shifted = { ...crystal, positions: crystal.positions.map((x, i) => x + origin[i % 3]!), cell: { ...crystal.cell, origin } };
    const center: Vec3 = [CENTER[0] + origin[0], CENTER[1] + origin[1], CENTER[2] + origin[2]];
    const aligned = embedNanocrystals(shifted, { latticeA: CU_A, element: 'Cu', spheres: [{ centerA: center, radiusLatticeParams: 3 }] });
    expect(aligned.spheres[0]!.keptMatrixAtoms).toBe(true);
    expect(aligned.structure.positions).toEqual(shifted.positions);
    const rotated = embedNanocrystals(shifted, {
      latticeA: CU_A,
      element: 'Cu',
      spheres: [{ centerA: [origin[0] + 0.5, origin[1] + 0.5, origin[2] + 0.5], radiusLatticeParams: 3, rotation: { axis: [0, 0, 1], angleDeg: 10 } }],
    });
    const p = rotated.structure.positions;
    const side = 10 * CU_A;
    expect(p.every((x, i) => x >= origin[i % 3]! && x < origin[i % 3]! + side)).toBe(true);
    expect(rotated.structure.cell.origin).toEqual(origin);
  });

  it('numbers several spheres in order', () => {
    const result = embedNanocrystals(crystal, {
      latticeA: CU_A,
      element: 'Cu',
      spheres: [
        { centerA: [9, 9, 9], radiusLatticeParams: 2 },
        { centerA: [27, 27, 27], radiusLatticeParams: 2, rotation: { axis: [0, 1, 0], angleDeg: 20 } },
      ],
    });
    expect(result.spheres.map((s) => s.keptMatrixAtoms)).toEqual([true, false]);
    expect(atomsOf(result.sphereIndex, 0).length).toBe(result.spheres[0]!.atomCount);
    expect(atomsOf(result.sphereIndex, 1).length).toBe(result.spheres[1]!.atomCount);
  });

  it('refuses overlapping spheres, spheres larger than half the box and triclinic matrices', () => {
    const two = (second: Vec3) => () =>
      embedNanocrystals(crystal, {
        latticeA: CU_A,
        element: 'Cu',
        spheres: [
          { centerA: [10, 10, 10], radiusLatticeParams: 2 },
          { centerA: second, radiusLatticeParams: 2 },
        ],
      });
    expect(two([20, 10, 10])).toThrow(/spheres 0 and 1 overlap/);
    // Across the periodic boundary too.
    expect(two([10, 10, 36])).toThrow(/spheres 0 and 1 overlap/);
    expect(() => embedNanocrystals(crystal, { latticeA: CU_A, element: 'Cu', spheres: [{ centerA: CENTER, radiusLatticeParams: 4.9 }] })).toThrow(
      /sphere 0 .* is larger than half the box/,
    );
    const triclinic = { ...crystal, cell: { ...crystal.cell, b: [1, crystal.cell.b[1], 0] as Vec3 } };
    expect(() => embedNanocrystals(triclinic, { latticeA: CU_A, element: 'Cu', spheres: [] })).toThrow(/triclinic/);
  });
});
