/** Bicrystals: the paper's orientations, the common-length strain search, seamless grain interiors and overlap removal. */
import { describe, expect, it } from 'vitest';
import {
  bicrystal,
  commonPeriodicLength,
  latticeCell,
  PAPER_BICRYSTAL_ORIENTATIONS,
  resolveOrientation,
} from '../../../native-workers/lib/builders';
import type { ParsedStructure } from '../../../native-workers/lib/structure-io/types';
import { allInsideBox, badlyCoordinated, closestPair } from './geometry-checks';

const CU_A = 3.615;
const NN = CU_A / Math.SQRT2;

/** Atoms further than `marginA` (along x, periodic) from both interface planes. */
function interiorAtoms(structure: ParsedStructure, interfacesXA: number[], marginA: number): number[] {
  const lx = structure.cell.a[0];
  const out: number[] = [];
  for (let i = 0; i < structure.types.length; i++) {
    const x = structure.positions[3 * i]!;
    const far = interfacesXA.every((plane) => {
      const d = Math.abs(x - plane);
      return Math.min(d, lx - d) > marginA;
    });
    if (far) out.push(i);
  }
  return out;
}

describe('PAPER_BICRYSTAL_ORIENTATIONS', () => {
  it('are orthogonal, right-handed, [110] and [00-1] along X with a common <110> tilt axis along Z', () => {
    const cell = latticeCell('fcc', CU_A);
    const { grainA, grainB } = PAPER_BICRYSTAL_ORIENTATIONS;
    expect(grainA.x).toEqual([1, 1, 0]);
    expect(grainB.x).toEqual([0, 0, -1]);
    expect(grainA.z).toEqual(grainB.z);
    const a = resolveOrientation(cell, grainA);
    const b = resolveOrientation(cell, grainB);
    expect(a.periodsA[1]).toBeCloseTo(CU_A, 12);
    expect(b.periodsA[1]).toBeCloseTo(NN, 12);
    expect(a.periodsA[2]).toBeCloseTo(b.periodsA[2], 12);
  });
});

describe('commonPeriodicLength', () => {
  it('finds the shortest length within the strain bound and splits the mismatch', () => {
    const c = commonPeriodicLength(CU_A, NN, 15, 0.02);
    expect(c.lengthA).toBeGreaterThanOrEqual(15);
    expect(Math.abs(c.strains[0])).toBeLessThanOrEqual(0.02);
    expect(Math.abs(c.strains[1])).toBeLessThanOrEqual(0.02);
    expect(Math.sign(c.strains[0])).toBe(-Math.sign(c.strains[1]));
    expect(c.lengthA).toBeCloseTo(c.repeats[0] * CU_A * (1 + c.strains[0]), 10);
    expect(c.lengthA).toBeCloseTo(c.repeats[1] * NN * (1 + c.strains[1]), 10);
    // No shorter pair of multiples (≥ 15 Å) fits, checked exhaustively.
    for (let nA = 1; nA * CU_A < c.lengthA * 1.05; nA++) {
      for (let nB = 1; nB * NN < c.lengthA * 1.05; nB++) {
        const length = (nA * CU_A + nB * NN) / 2;
        const fits = Math.abs(length / (nA * CU_A) - 1) <= 0.02 && Math.abs(length / (nB * NN) - 1) <= 0.02;
        if (fits && length >= 15) expect(length).toBeGreaterThanOrEqual(c.lengthA - 1e-9);
      }
    }
  });

  it('needs longer boxes for tighter bounds, and no strain for commensurate periods', () => {
    const tight = commonPeriodicLength(CU_A, NN, 15, 0.001);
    expect(Math.max(Math.abs(tight.strains[0]), Math.abs(tight.strains[1]))).toBeLessThanOrEqual(0.001);
    expect(tight.lengthA).toBeGreaterThan(commonPeriodicLength(CU_A, NN, 15, 0.02).lengthA);
    const same = commonPeriodicLength(NN, NN, 10, 0.02);
    expect(same.strains).toEqual([0, 0]);
    expect(same.repeats).toEqual([4, 4]);
    const double = commonPeriodicLength(CU_A, 2 * CU_A, 0, 0);
    expect(double.repeats).toEqual([2, 1]);
  });

  it('refuses when nothing fits', () => {
    expect(() => commonPeriodicLength(CU_A, NN, 15, 0)).toThrow(/no common length.*allow more strain/);
    expect(() => commonPeriodicLength(CU_A, NN, 15, 1.5)).toThrow(/maxStrain/);
  });
});

describe('bicrystal', () => {
  const paper = bicrystal({ latticeA: CU_A, element: 'Cu', ...PAPER_BICRYSTAL_ORIENTATIONS, widthA_A: 20, widthB_A: 20, minLengthYA: 15, minLengthZA: 10 });

  it('strains both grains to a common Y within maxStrain and leaves the commensurate Z alone', () => {
    const { strains, structure, repeats } = paper;
    expect(Math.abs(strains.grainA.y)).toBeGreaterThan(0);
    expect(Math.abs(strains.grainA.y)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(strains.grainB.y)).toBeLessThanOrEqual(0.02);
    expect(strains.grainA.z).toBe(0);
    expect(strains.grainB.z).toBe(0);
    const ly = structure.cell.b[1];
    expect(ly).toBeGreaterThanOrEqual(15);
    expect(ly).toBeCloseTo(repeats.grainA[1] * CU_A * (1 + strains.grainA.y), 10);
    expect(ly).toBeCloseTo(repeats.grainB[1] * NN * (1 + strains.grainB.y), 10);
    expect(structure.cell.c[2]).toBeGreaterThanOrEqual(10);
    expect(structure.notes.join('\n')).toMatch(/grain A: .* strain y -0\.\d+ %/);
    expect(structure.notes.join('\n')).toMatch(/grain B: .* strain y \+0\.\d+ %/);
  });

  it('puts grain A in [0, wA) and grain B in [wA, L), with both interfaces reported', () => {
    const { structure, grain, interfacesXA, repeats } = paper;
    const wA = repeats.grainA[0] * NN;
    expect(interfacesXA[0]).toBe(0);
    expect(interfacesXA[1]).toBeCloseTo(wA, 10);
    expect(structure.cell.a[0]).toBeCloseTo(wA + repeats.grainB[0] * CU_A, 10);
    expect(allInsideBox(structure)).toBe(true);
    for (let i = 0; i < grain.length; i++) {
      const x = structure.positions[3 * i]!;
      expect(grain[i] === 0 ? x < wA : x >= wA - 1e-9).toBe(true);
    }
    // Two atoms per period cell in both grains.
    const countA = 2 * repeats.grainA[0] * repeats.grainA[1] * repeats.grainA[2];
    expect(grain.filter((g) => g === 0).length).toBe(countA);
    expect(grain.length).toBe(countA + 2 * repeats.grainB[0] * repeats.grainB[1] * repeats.grainB[2] - paper.removedAtoms);
  });

  it('keeps ideal coordination (up to the applied strain) inside the grains', () => {
    const { structure, interfacesXA, strains } = paper;
    const interior = interiorAtoms(structure, interfacesXA, 2 * NN);
    expect(interior.length).toBeGreaterThan(structure.types.length / 3);
    const maxStrain = Math.max(Math.abs(strains.grainA.y), Math.abs(strains.grainB.y));
    expect(badlyCoordinated(structure, NN, 12, maxStrain * NN + 1e-9, interior)).toEqual([]);
  });

  it('leaves no two atoms closer than the overlap distance', () => {
    expect(closestPair(paper.structure)).toBeGreaterThan(0.5 * NN);
  });

  it('removes grain-B atoms crowding grain A across both interfaces', () => {
    const overlapDistanceA = 0.8 * NN;
    const crowded = bicrystal({ latticeA: CU_A, element: 'Cu', ...PAPER_BICRYSTAL_ORIENTATIONS, widthA_A: 20, widthB_A: 20, minLengthYA: 15, minLengthZA: 10, overlapDistanceA });
    expect(crowded.removedAtoms).toBeGreaterThan(0);
    expect(crowded.structure.types.length).toBe(paper.structure.types.length - crowded.removedAtoms);
    expect(closestPair(crowded.structure)).toBeGreaterThan(overlapDistanceA);
    expect(crowded.structure.notes.at(-1)).toMatch(new RegExp(`removed ${crowded.removedAtoms} grain-B atoms`));
  });

  it('is a perfect crystal when grain B is a symmetry-equivalent orientation of grain A', () => {
    const same = bicrystal({
      latticeA: CU_A,
      element: 'Cu',
      grainA: { x: [1, 0, 0], y: [0, 1, 0], z: [0, 0, 1] },
      grainB: { x: [0, 1, 0], y: [-1, 0, 0], z: [0, 0, 1] },
      widthA_A: 8,
      widthB_A: 8,
      minLengthYA: 7,
      minLengthZA: 7,
    });
    expect(same.removedAtoms).toBe(0);
    expect(same.strains.grainA).toEqual({ y: 0, z: 0 });
    expect(badlyCoordinated(same.structure, NN, 12)).toEqual([]);
  });

  it('refuses bad orientations and widths', () => {
    const base = { latticeA: CU_A, element: 'Cu', ...PAPER_BICRYSTAL_ORIENTATIONS, widthA_A: 20, widthB_A: 20, minLengthYA: 15, minLengthZA: 10 };
    expect(() => bicrystal({ ...base, grainB: { x: [1, 1, 0], y: [0, 0, 1], z: [-1, -1, 0] } })).toThrow(/not orthogonal/);
    expect(() => bicrystal({ ...base, widthA_A: 0 })).toThrow(/widthA_A/);
  });
});
