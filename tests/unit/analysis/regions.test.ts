/**
 * Region detection on synthetic labelled strips with known boundaries: a periodic bicrystal with two amorphous
 * complexions (one grain wrapping around the cell edge), a non-periodic strip, and a boundary without any
 * ⟨0,2,10,0⟩ (all ACTR).
 */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { detectRegions, type RegionDetection } from '../../../native-workers/lib/analysis/regions';
import { orthogonalCell, randomInCell, seededRandom } from '../rdf/lattices';

type Kind = 'grain' | 'actr' | 'interior';

interface Strip {
  positions: Float64Array;
  cna: Uint8Array;
  voronoi: Int32Array;
  species: Uint8Array;
  truth: Uint8Array;
}

/**
 * Random atoms in `cell`, labelled by the true region of their x: grain atoms are CNA-FCC (95 %) with ⟨0,12,0,0⟩;
 * ACTR atoms are 10 % FCC, Cu there is 40 % ⟨0,10,2,0⟩ and 2 % ⟨0,2,10,0⟩; CI atoms are never FCC and Cu there is
 * 30 % ⟨0,2,10,0⟩. 70 % of atoms are Cu (species 0).
 */
function strip(cell: Cell, count: number, regionAt: (x: number) => Kind, seed: number, withIcosahedra = true): Strip {
  const random = seededRandom(seed);
  const positions = randomInCell(cell, count, random);
  const cna = new Uint8Array(count);
  const voronoi = new Int32Array(4 * count);
  const species = new Uint8Array(count);
  const truth = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const kind = regionAt(positions[3 * i] as number);
    species[i] = random() < 0.7 ? 0 : 1;
    const u = random();
    let motif = [0, 3, 6, 3];
    if (kind === 'grain') {
      truth[i] = 0;
      cna[i] = u < 0.95 ? 1 : 0;
      motif = [0, 12, 0, 0];
    } else if (kind === 'actr') {
      truth[i] = 1;
      cna[i] = u < 0.1 ? 1 : 0;
      const v = random();
      if (v < 0.4) motif = [0, 10, 2, 0];
      else if (v < 0.42 && withIcosahedra) motif = [0, 2, 10, 0];
    } else {
      truth[i] = 2;
      cna[i] = 0;
      if (random() < 0.3 && withIcosahedra) motif = [0, 2, 10, 0];
    }
    voronoi.set(motif, 4 * i);
  }
  return { positions, cna, voronoi, species, truth };
}

function expectIntervals(detection: RegionDetection, expected: Array<[string, number, number]>, toleranceA: number): void {
  expect(detection.intervals.map((r) => r.label)).toEqual(expected.map((e) => e[0]));
  detection.intervals.forEach((r, k) => {
    const [, start, end] = expected[k] as [string, number, number];
    expect(Math.abs(r.startA - start), `${r.label} start ${r.startA}`).toBeLessThanOrEqual(toleranceA);
    expect(Math.abs(r.endA - end), `${r.label} end ${r.endA}`).toBeLessThanOrEqual(toleranceA);
  });
}

function agreement(detection: RegionDetection, truth: Uint8Array): number {
  let same = 0;
  truth.forEach((t, i) => (same += detection.regionCode[i] === t ? 1 : 0));
  return same / truth.length;
}

describe('detectRegions', () => {
  it('finds G-1 (wrapping), ACTR-1, CI-1, ACTR-2, G-2, ACTR-3, CI-2, ACTR-4 in a periodic bicrystal strip', () => {
    // x from −10 to 110: GB zones [15, 35) and [65, 85); the grain at both cell edges is one grain.
    const cell = orthogonalCell(120, 20, 20, [-10, 0, 0]);
    const regionAt = (x: number): Kind => {
      if ((x >= 15 && x < 20) || (x >= 30 && x < 35) || (x >= 65 && x < 72) || (x >= 80 && x < 85)) return 'actr';
      if ((x >= 20 && x < 30) || (x >= 72 && x < 80)) return 'interior';
      return 'grain';
    };
    const s = strip(cell, 3840, regionAt, 17);
    const detection = detectRegions(s.positions, cell, s.cna, s.voronoi, s.species, { axis: 'x', centreSpecies: 0 });
    expect(detection.periodA).toBe(120);
    expectIntervals(
      detection,
      [
        ['G-1', 85, 15],
        ['ACTR-1', 15, 20],
        ['CI-1', 20, 30],
        ['ACTR-2', 30, 35],
        ['G-2', 35, 65],
        ['ACTR-3', 65, 72],
        ['CI-2', 72, 80],
        ['ACTR-4', 80, 85],
      ],
      1,
    );
    expect(detection.intervals[0]?.wraps).toBe(true);
    expect(Math.abs((detection.intervals[0]?.lengthA as number) - 50)).toBeLessThanOrEqual(2);
    expect(detection.intervals.map((r) => r.boundary)).toEqual([null, 1, 1, 1, null, 2, 2, 2]);
    expect(detection.boundaries).toHaveLength(2);
    expect(agreement(detection, s.truth)).toBeGreaterThan(0.97);
    // Each atom's interval holds its coordinate.
    for (let i = 0; i < 200; i++) {
      const r = detection.intervals[detection.intervalIndex[i] as number];
      if (!r) throw new Error(`atom ${i} has no interval`);
      const x = s.positions[3 * i] as number;
      const inside = r.wraps ? x >= r.startA || x < r.endA : x >= r.startA && x < r.endA;
      expect(inside || Math.min(Math.abs(x - r.startA), Math.abs(x - r.endA)) < 1e-9).toBe(true);
    }
  });

  it('walks a non-periodic strip from its lower end', () => {
    const cell = orthogonalCell(80, 20, 20, [0, 0, 0], [false, true, true]);
    const regionAt = (x: number): Kind => (x < 25 || x >= 60 ? 'grain' : x < 31 || x >= 54 ? 'actr' : 'interior');
    const s = strip(cell, 2600, regionAt, 5);
    const detection = detectRegions(s.positions, cell, s.cna, s.voronoi, s.species, { axis: 'x', centreSpecies: 0 });
    expect(detection.periodA).toBeNull();
    expectIntervals(
      detection,
      [
        ['G-1', 0, 25],
        ['ACTR-1', 25, 31],
        ['CI-1', 31, 54],
        ['ACTR-2', 54, 60],
        ['G-2', 60, 80],
      ],
      1,
    );
    expect(agreement(detection, s.truth)).toBeGreaterThan(0.97);
  });

  it('calls a boundary without ⟨0,2,10,0⟩ all ACTR, and says so', () => {
    const cell = orthogonalCell(60, 20, 20);
    const regionAt = (x: number): Kind => (x >= 20 && x < 32 ? 'actr' : 'grain');
    const s = strip(cell, 2000, regionAt, 9, false);
    const detection = detectRegions(s.positions, cell, s.cna, s.voronoi, s.species, { axis: 'x', centreSpecies: 0 });
    expectIntervals(
      detection,
      [
        ['G-1', 32, 20],
        ['ACTR-1', 20, 32],
      ],
      1,
    );
    expect(detection.notes.join(' ')).toMatch(/no <0,2,10,0>/);
    expect(Array.from(detection.regionCode).includes(2)).toBe(false);
  });

  it('returns one grain when everything is crystalline', () => {
    const cell = orthogonalCell(30, 10, 10);
    const s = strip(cell, 600, () => 'grain', 2);
    const detection = detectRegions(s.positions, cell, s.cna, s.voronoi, s.species, { axis: 'x', centreSpecies: 0 });
    expect(detection.intervals.map((r) => [r.label, r.startA, r.endA])).toEqual([['G-1', 0, 30]]);
    expect(detection.notes.join(' ')).toMatch(/no boundary/);
  });
});
