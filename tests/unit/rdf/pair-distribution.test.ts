/**
 * g(r), partials and coordination numbers: exact shell counts of perfect FCC (orthogonal supercell and a triclinic
 * primitive supercell reaching far past half the cell), the ideal gas, partials summing to the total, and the
 * cell-list histogram against a brute-force sum over explicit images.
 */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { firstShell } from '../../../native-workers/lib/rdf/first-shell';
import { pairDistribution, partialCurve } from '../../../native-workers/lib/rdf/pair-distribution';
import { bruteForceHistogram, fccCrystal, orthogonalCell, randomInCell, randomSpecies, seededRandom } from './lattices';

const A = 3.61;
// 777 bins over 8 Å keep every FCC shell radius a·sqrt(k/2) well away from a bin edge.
const RMAX = 8;
const BINS = 777;

/** FCC neighbour shells up to 8 Å for a = 3.61: (r², count) with r² in units of a²/2. */
const FCC_SHELLS: Array<[number, number]> = [
  [1, 12],
  [2, 6],
  [3, 24],
  [4, 12],
  [5, 24],
  [6, 8],
  [7, 48],
  [8, 6],
  [9, 36],
];

function cumulativeAt(rA: number): number {
  let total = 0;
  for (const [k, count] of FCC_SHELLS) if (A * Math.sqrt(k / 2) < rA) total += count;
  return total;
}

describe('pairDistribution on perfect FCC', () => {
  const { positions, cell } = fccCrystal(A, 5, 5, 5, [-3, 1.5, 0.25]);
  const species = new Uint8Array(positions.length / 3);
  const pd = pairDistribution(positions, species, cell, { rmaxA: RMAX, binCount: BINS });

  it('puts the peaks at a/√2, a, a√(3/2), a√2 … and nowhere else', () => {
    const occupied = [...pd.total.g.keys()].filter((k) => (pd.total.g[k] as number) > 0).map((k) => pd.rA[k] as number);
    const expected = FCC_SHELLS.map(([k]) => A * Math.sqrt(k / 2)).filter((r) => r < RMAX);
    expect(occupied).toHaveLength(expected.length);
    occupied.forEach((r, i) => expect(Math.abs(r - (expected[i] as number))).toBeLessThanOrEqual(pd.binWidthA / 2));
  });

  it('counts the exact number of neighbours in every shell (running coordination)', () => {
    for (let k = 0; k < BINS; k++) {
      const upperEdge = (k + 1) * pd.binWidthA;
      expect(pd.total.coord[k]).toBeCloseTo(cumulativeAt(upperEdge), 9);
    }
    expect(pd.total.normFactor).toBe(pd.atomCount - 1);
  });

  it('finds coordination 12 at the first minimum, between the first two shells', () => {
    const shell = firstShell(pd.rA, pd.total);
    if (!shell.found) throw new Error(shell.reason);
    expect(shell.coordination).toBeCloseTo(12, 9);
    expect(Math.abs(shell.peakA - A / Math.SQRT2)).toBeLessThan(0.01);
    expect(shell.minimumA).toBeGreaterThan(A / Math.SQRT2 + 0.1);
    expect(shell.minimumA).toBeLessThan(A - 0.1);
  });

  it('gives the same coordination from a 27-atom triclinic primitive supercell, images far beyond half the cell', () => {
    // Primitive FCC vectors a/2 (0,1,1), (1,0,1), (1,1,0), three of each: perpendicular width ≈ 6.25 Å < 2 · 8 Å.
    const h = A / 2;
    const tri: Cell = { origin: [0.3, -0.2, 0.1], a: [0, 3 * h, 3 * h], b: [3 * h, 0, 3 * h], c: [3 * h, 3 * h, 0], pbc: [true, true, true] };
    const pts: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 3; k++) {
          pts.push(0.3 + h * (j + k), -0.2 + h * (i + k), 0.1 + h * (i + j));
        }
      }
    }
    const triPd = pairDistribution(Float64Array.from(pts), new Uint8Array(27), tri, { rmaxA: RMAX, binCount: BINS });
    for (let k = 0; k < BINS; k++) expect(triPd.total.coord[k]).toBeCloseTo(pd.total.coord[k] as number, 9);
    // Same neighbours per atom, but g is normalised by (N − 1)/V: 26 / V_tri instead of 499 / V.
    const k1 = Math.floor(A / Math.SQRT2 / pd.binWidthA);
    expect(((triPd.total.g[k1] as number) * 26) / triPd.volumeA3).toBeCloseTo(((pd.total.g[k1] as number) * 499) / pd.volumeA3, 9);
    expect(triPd.volumeA3 / 27).toBeCloseTo(pd.volumeA3 / 500, 9);
  });
});

describe('pairDistribution of an ideal gas', () => {
  it('tends to g = 1 within counting noise (orthogonal and triclinic cells)', () => {
    const random = seededRandom(7);
    const cells: Cell[] = [
      orthogonalCell(22, 20, 21, [5, -3, 2]),
      { origin: [0, 0, 0], a: [22, 0, 0], b: [4, 21, 0], c: [-3, 2.5, 20], pbc: [true, true, true] },
    ];
    for (const cell of cells) {
      const n = 3000;
      const positions = randomInCell(cell, n, random);
      const pd = pairDistribution(positions, new Uint8Array(n), cell, { rmaxA: 8, binWidthA: 0.25 });
      let sum = 0;
      let bins = 0;
      for (let k = 0; k < pd.binCount; k++) {
        const expected = (n * (n - 1) * (4 * Math.PI * ((k + 1) ** 3 - k ** 3) * pd.binWidthA ** 3)) / 3 / pd.volumeA3;
        if (expected < 100) continue;
        // Poisson-like counting noise; 5σ keeps the test stable and still sensitive to normalisation errors.
        expect(Math.abs((pd.total.g[k] as number) - 1)).toBeLessThan(5 / Math.sqrt(expected / 2));
        sum += pd.total.g[k] as number;
        bins++;
      }
      expect(Math.abs(sum / bins - 1)).toBeLessThan(0.01);
    }
  });
});

describe('partials', () => {
  const random = seededRandom(11);
  const { positions, cell } = fccCrystal(3.8, 4, 4, 4);
  for (let i = 0; i < positions.length; i++) positions[i] = (positions[i] as number) + 0.3 * (random() - 0.5);
  const n = positions.length / 3;
  const species = randomSpecies(n, 0.36, random);
  const pd = pairDistribution(positions, species, cell, { rmaxA: 7, binCount: 140 });

  it('sum to the total with the exact pair weights, which are close to c_a c_b', () => {
    for (let k = 0; k < pd.binCount; k++) {
      let sum = 0;
      for (const p of pd.partials) sum += (pd.partialWeights[p.a * 2 + p.b] as number) * (p.g[k] as number);
      expect(sum).toBeCloseTo(pd.total.g[k] as number, 12);
    }
    const c1 = (pd.speciesCounts[1] as number) / n;
    const c = [1 - c1, c1];
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) expect(Math.abs((pd.partialWeights[a * 2 + b] as number) - (c[a] as number) * (c[b] as number))).toBeLessThan(2 / n);
  });

  it('are symmetric in counts, and coordination numbers obey N_a Z_ab = N_b Z_ba', () => {
    const ab = partialCurve(pd, 0, 1);
    const ba = partialCurve(pd, 1, 0);
    expect(Array.from(ab.counts)).toEqual(Array.from(ba.counts));
    ab.g.forEach((g, k) => expect(g).toBeCloseTo(ba.g[k] as number, 12));
    const last = pd.binCount - 1;
    expect((pd.speciesCounts[0] as number) * (ab.coord[last] as number)).toBeCloseTo((pd.speciesCounts[1] as number) * (ba.coord[last] as number), 8);
    const totalPairs = pd.partials.reduce((s, p) => s + p.counts.reduce((t, x) => t + x, 0), 0);
    expect(totalPairs).toBe(pd.total.counts.reduce((t, x) => t + x, 0));
  });
});

describe('the cell list against brute force over explicit images', () => {
  const cases: Array<{ name: string; cell: Cell; rmaxA: number; images: number }> = [
    { name: 'orthogonal, rmax < half width', cell: orthogonalCell(12, 13, 11, [1, 2, 3]), rmaxA: 5.4, images: 1 },
    { name: 'triclinic, rmax 1.6 × the smallest width', cell: { origin: [-2, 0, 1], a: [7, 0, 0], b: [2.5, 6.5, 0], c: [-1.5, 2, 6] , pbc: [true, true, true] }, rmaxA: 9.5, images: 3 },
    { name: 'periodic in x and z only', cell: { origin: [0, 0, 0], a: [8, 0, 0], b: [1, 9, 0], c: [0.5, -1, 7.5], pbc: [true, false, true] }, rmaxA: 10, images: 3 },
    { name: 'non-periodic', cell: orthogonalCell(9, 8, 10, [0, 0, 0], [false, false, false]), rmaxA: 15, images: 0 },
  ];
  for (const { name, cell, rmaxA, images } of cases) {
    it(`gives identical ordered-pair counts: ${name}`, () => {
      const random = seededRandom(name.length * 31);
      const n = 60;
      const positions = randomInCell(cell, n, random);
      const species = randomSpecies(n, 0.4, random);
      const mask = Uint8Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
      const binCount = 90;
      for (const centreMask of [undefined, mask]) {
        const pd = pairDistribution(positions, species, cell, { rmaxA, binCount, speciesCount: 2, ...(centreMask ? { centreMask } : {}) });
        const reference = bruteForceHistogram(positions, species, 2, cell, rmaxA, binCount, images, centreMask);
        for (let a = 0; a < 2; a++) {
          for (let b = 0; b < 2; b++) {
            const got = Array.from(partialCurve(pd, a, b).counts);
            const want = Array.from(reference.subarray((a * 2 + b) * binCount, (a * 2 + b + 1) * binCount));
            expect(got).toEqual(want);
          }
        }
      }
    });
  }

  it('refuses nonsense', () => {
    const cell = orthogonalCell(10, 10, 10);
    const p = new Float64Array(6);
    expect(() => pairDistribution(p, new Uint8Array(2), cell, { rmaxA: 0 })).toThrow(/rmaxA/);
    expect(() => pairDistribution(p, new Uint8Array(2), cell, { rmaxA: 5, binCount: 10, binWidthA: 0.1 })).toThrow(/either/);
    expect(() => pairDistribution(p, new Uint8Array(3), cell, { rmaxA: 5 })).toThrow(/entries/);
  });
});

describe('firstShell', () => {
  it('reports why there is no first minimum on a curve that never comes back up', () => {
    const rA = Float64Array.from({ length: 50 }, (_, k) => (k + 0.5) * 0.1);
    const g = Float64Array.from(rA, (r) => r);
    const shell = firstShell(rA, { g, coord: g });
    expect(shell.found).toBe(false);
  });
});
