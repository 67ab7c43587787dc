import { describe, expect, it } from 'vitest';
import type { AtomsInput } from '../../../native-workers/lib/neighbors/atoms-input';
import { neighborsWithinCutoff } from '../../../native-workers/lib/neighbors/cutoff-neighbors';
import { fcc, fccPrimitive } from '../order/lattices';
import { bruteForceWithin, mulberry32, randomAtoms, randomCell } from './brute-force-reference';

/** Every brute-force (atom, image) strictly inside the cutoff appears exactly once in our row, and nothing else. */
function expectSameRow(input: AtomsInput, cutoffA: number, i: number, ours: ReturnType<typeof neighborsWithinCutoff>): void {
  const reference = bruteForceWithin(input, i, cutoffA).filter((r) => r.distance < cutoffA);
  const start = ours.offsets[i]!;
  const end = ours.offsets[i + 1]!;
  expect(end - start).toBe(reference.length);
  const unmatched = [...reference];
  for (let e = start; e < end; e++) {
    if (e > start) expect(ours.distance[e]!).toBeGreaterThanOrEqual(ours.distance[e - 1]!);
    const delta = [ours.delta[3 * e]!, ours.delta[3 * e + 1]!, ours.delta[3 * e + 2]!];
    expect(Math.hypot(delta[0]!, delta[1]!, delta[2]!)).toBeCloseTo(ours.distance[e]!, 12);
    const match = unmatched.findIndex(
      (r) => r.j === ours.index[e] && Math.hypot(r.delta[0] - delta[0]!, r.delta[1] - delta[1]!, r.delta[2] - delta[2]!) < 1e-9,
    );
    expect(match).toBeGreaterThanOrEqual(0);
    unmatched.splice(match, 1);
  }
}

describe('neighborsWithinCutoff against a brute-force search over periodic images', () => {
  const random = mulberry32(99);
  const cases: { name: string; input: AtomsInput; cutoffA: number }[] = [];
  const pbcs: [boolean, boolean, boolean][] = [
    [true, true, true],
    [false, true, true],
    [true, false, false],
    [false, false, false],
  ];
  for (const pbc of pbcs) {
    for (let trial = 0; trial < 6; trial++) {
      const cell = randomCell(random, trial < 3 ? 5 : 15, pbc);
      const count = 1 + Math.floor(random() * (trial < 3 ? 8 : 80));
      // Cutoffs from a fraction of the box up to several times it (many images per direction).
      const cutoffA = 1 + random() * (trial < 3 ? 9 : 6);
      cases.push({
        name: `pbc ${pbc.map((x) => (x ? 'p' : 'f')).join('')}, ${count} atoms, cutoff ${cutoffA.toFixed(2)} Å, trial ${trial}`,
        input: randomAtoms(random, cell, count),
        cutoffA,
      });
    }
  }

  it.each(cases)('$name', ({ input, cutoffA }) => {
    const ours = neighborsWithinCutoff(input, cutoffA);
    const n = input.positions.length / 3;
    expect(ours.offsets).toHaveLength(n + 1);
    expect(ours.offsets[0]).toBe(0);
    expect(ours.index).toHaveLength(ours.offsets[n]!);
    for (let i = 0; i < n; i++) expectSameRow(input, cutoffA, i, ours);
  });

  it('counts the FCC shells exactly, the cutoff being exclusive', () => {
    const a = 3.61;
    const crystal = fcc(a, 4);
    const shell1 = neighborsWithinCutoff(crystal, 0.854 * a);
    const shell2 = neighborsWithinCutoff(crystal, 1.1 * a);
    for (let i = 0; i < 256; i++) {
      expect(shell1.offsets[i + 1]! - shell1.offsets[i]!).toBe(12);
      expect(shell2.offsets[i + 1]! - shell2.offsets[i]!).toBe(18);
    }
    // A pair exactly at the cutoff is not a neighbour (LAMMPS's rsq < cutsq); 2.5² is exact in binary.
    const pair = {
      positions: new Float64Array([0, 0, 0, 2.5, 0, 0]),
      cell: { origin: [-5, -5, -5], a: [10, 0, 0], b: [0, 10, 0], c: [0, 0, 10], pbc: [false, false, false] },
    } satisfies AtomsInput;
    expect(Array.from(neighborsWithinCutoff(pair, 2.5).offsets)).toEqual([0, 0, 0]);
    expect(Array.from(neighborsWithinCutoff(pair, 2.5000001).offsets)).toEqual([0, 1, 2]);
  });

  it('handles a large cutoff in a one-atom cell (hundreds of images)', () => {
    const ours = neighborsWithinCutoff(fccPrimitive(3.61), 3.61 * 2.01);
    // FCC shells up to 2a: 12 + 6 + 24 + 12 + 24 + 8 + 48 + 6 = 140.
    expect(ours.offsets[1]).toBe(140);
  });

  it('handles a sparse gas in a huge box without one bin per cubic ångström', () => {
    const rng = mulberry32(5);
    const input = randomAtoms(rng, { origin: [0, 0, 0], a: [5000, 0, 0], b: [0, 5000, 0], c: [0, 0, 5000], pbc: [true, true, true] }, 50);
    const ours = neighborsWithinCutoff(input, 1000);
    for (let i = 0; i < 50; i += 5) expectSameRow(input, 1000, i, ours);
  });

  it('keeps the bin count bounded in a long, nearly empty box (one axis would otherwise take millions of bins)', () => {
    const rng = mulberry32(6);
    const input = randomAtoms(rng, { origin: [0, 0, 0], a: [6, 0, 0], b: [0, 7, 0], c: [0, 0, 1e6], pbc: [true, true, true] }, 30);
    const ours = neighborsWithinCutoff(input, 4);
    for (let i = 0; i < 30; i += 3) expectSameRow(input, 4, i, ours);
  });
});
