import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import type { AtomsInput } from '../../../native-workers/lib/neighbors/atoms-input';
import { nearestNeighbors } from '../../../native-workers/lib/neighbors/nearest-neighbors';
import { cross, dot } from '../../../native-workers/lib/structure-io/cell-math';
import { fcc, fccPrimitive } from '../order/lattices';
import { bruteForceNearest, mulberry32, randomAtoms, randomCell, type ReferencePair } from './brute-force-reference';

const PBC_CASES: [boolean, boolean, boolean][] = [
  [true, true, true],
  [true, true, false],
  [false, true, false],
  [false, false, false],
];

/** Integer coefficients (n_a, n_b, n_c) of a vector that should be a lattice translation. */
function latticeCoefficients(cell: Cell, v: [number, number, number]): number[] {
  const volume = dot(cell.a, cross(cell.b, cell.c));
  return [cross(cell.b, cell.c), cross(cell.c, cell.a), cross(cell.a, cell.b)].map((row) => dot(v, row) / volume);
}

/**
 * Checks atom i's k neighbours against the brute-force reference: same distances rank by rank, the same
 * (atom, image) pairs wherever the choice is not a tie at the k-th distance, and every bond vector consistent with the
 * atoms' positions up to a whole periodic translation (none along non-periodic directions).
 */
function expectSameNeighbours(input: AtomsInput, k: number, i: number, ours: ReturnType<typeof nearestNeighbors>): void {
  const reference = bruteForceNearest(input, i, k);
  const p = input.positions;
  const kth = reference[k - 1]!.distance;
  const unmatched: ReferencePair[] = reference.filter((r) => r.distance < kth - 1e-9);
  for (let m = 0; m < k; m++) {
    const e = i * k + m;
    const j = ours.index[e]!;
    const delta: [number, number, number] = [ours.delta[3 * e]!, ours.delta[3 * e + 1]!, ours.delta[3 * e + 2]!];
    expect(ours.distance[e]).toBeCloseTo(reference[m]!.distance, 9);
    expect(Math.hypot(...delta)).toBeCloseTo(ours.distance[e]!, 12);
    const translation: [number, number, number] = [0, 1, 2].map((x) => p[3 * i + x]! + delta[x]! - p[3 * j + x]!) as [number, number, number];
    const coefficients = latticeCoefficients(input.cell, translation);
    coefficients.forEach((n, axis) => {
      expect(Math.abs(n - Math.round(n))).toBeLessThan(1e-9);
      if (!input.cell.pbc[axis]) expect(Math.abs(Math.round(n))).toBe(0);
    });
    const match = unmatched.findIndex((r) => r.j === j && Math.hypot(r.delta[0] - delta[0], r.delta[1] - delta[1], r.delta[2] - delta[2]) < 1e-9);
    if (match >= 0) unmatched.splice(match, 1);
  }
  expect(unmatched).toEqual([]);
}

describe('nearestNeighbors against a brute-force search over periodic images', () => {
  const random = mulberry32(20240611);
  const cases: { name: string; input: AtomsInput; k: number }[] = [];
  for (const pbc of PBC_CASES) {
    for (const k of [1, 4, 12, 14]) {
      for (let trial = 0; trial < 4; trial++) {
        const periodic = pbc.some(Boolean);
        // Tiny boxes (down to 1 atom) only make sense with images; otherwise k + 1 atoms at least.
        const count = periodic ? 1 + Math.floor(random() * (trial < 2 ? 6 : 60)) : k + 1 + Math.floor(random() * 40);
        const cell = randomCell(random, trial < 2 ? 5 : 14, pbc);
        cases.push({ name: `pbc ${pbc.map((x) => (x ? 'p' : 'f')).join('')}, k ${k}, ${count} atoms, trial ${trial}`, input: randomAtoms(random, cell, count), k });
      }
    }
  }

  it.each(cases)('$name', ({ input, k }) => {
    const ours = nearestNeighbors(input, k);
    const n = input.positions.length / 3;
    expect(ours.k).toBe(k);
    expect(ours.index).toHaveLength(n * k);
    expect(ours.delta).toHaveLength(3 * n * k);
    for (let i = 0; i < n; i++) {
      for (let m = 1; m < k; m++) expect(ours.distance[i * k + m]!).toBeGreaterThanOrEqual(ours.distance[i * k + m - 1]!);
      expectSameNeighbours(input, k, i, ours);
    }
  });

  it('agrees on a 3000-atom orthogonal box with many bins (sampled atoms)', () => {
    const rng = mulberry32(7);
    const cell: Cell = { origin: [-3, 2, 0], a: [36, 0, 0], b: [0, 30, 0], c: [0, 0, 33], pbc: [true, true, true] };
    const input = randomAtoms(rng, cell, 3000);
    const ours = nearestNeighbors(input, 12);
    for (let i = 0; i < 3000; i += 97) expectSameNeighbours(input, 12, i, ours);
  });

  it('agrees on a slab (periodic x, y; vacuum along z) with atoms far from the cell faces', () => {
    const rng = mulberry32(8);
    const cell: Cell = { origin: [0, 0, 0], a: [12, 0, 0], b: [3, 11, 0], c: [0, 0, 40], pbc: [true, true, false] };
    const input = randomAtoms(rng, cell, 400);
    const ours = nearestNeighbors(input, 12);
    for (let i = 0; i < 400; i += 7) expectSameNeighbours(input, 12, i, ours);
  });

  it('finds the 12 nearest of a one-atom primitive FCC cell among its own periodic images', () => {
    const ours = nearestNeighbors(fccPrimitive(3.61), 12);
    expect(Array.from(ours.index)).toEqual(new Array(12).fill(0));
    for (const d of ours.distance) expect(d).toBeCloseTo(3.61 / Math.SQRT2, 12);
    // The 12 bond vectors are the 12 distinct ⟨110⟩/2 directions.
    const keys = new Set<string>();
    for (let m = 0; m < 12; m++) keys.add([0, 1, 2].map((x) => Math.round((ours.delta[3 * m + x]! / 3.61) * 2)).join(','));
    expect(keys.size).toBe(12);
  });

  it('gives atom order-independent results and original atom indices', () => {
    const input = fcc(3.61, 3);
    const n = input.positions.length / 3;
    const permutation = Array.from({ length: n }, (_, i) => (i * 37) % n);
    const shuffled = new Float64Array(3 * n);
    permutation.forEach((from, to) => shuffled.set(input.positions.subarray(3 * from, 3 * from + 3), 3 * to));
    const a = nearestNeighbors(input, 12);
    const b = nearestNeighbors({ ...input, positions: shuffled }, 12);
    for (let to = 0; to < n; to++) {
      const from = permutation[to]!;
      const mapped = Array.from(b.index.subarray(12 * to, 12 * to + 12), (j) => permutation[j]!).sort((x, y) => x - y);
      expect(mapped).toEqual(Array.from(a.index.subarray(12 * from, 12 * from + 12)).sort((x, y) => x - y));
    }
  });

  it('grows the search radius for atoms in sparse regions (an isolated atom far from a dense cluster)', () => {
    const rng = mulberry32(9);
    const n = 200;
    const positions = new Float64Array(3 * (n + 1));
    for (let i = 0; i < 3 * n; i++) positions[i] = rng() * 6;
    positions.set([80, 80, 80], 3 * n);
    const input: AtomsInput = { positions, cell: { origin: [0, 0, 0], a: [100, 0, 0], b: [0, 100, 0], c: [0, 0, 100], pbc: [false, false, false] } };
    const ours = nearestNeighbors(input, 12);
    expectSameNeighbours(input, 12, n, ours);
    expectSameNeighbours(input, 12, 0, ours);
  });

  it('returns empty arrays for an empty structure', () => {
    const ours = nearestNeighbors({ positions: new Float64Array(0), cell: fcc(3.61, 1).cell }, 12);
    expect(ours.index).toHaveLength(0);
  });
});
