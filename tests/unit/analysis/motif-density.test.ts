/**
 * Motif census and density profiles: top-k ordering with FCC excluded, window counts against brute force, both
 * normalisations (per Å³ and per centre atom), and the covered fraction.
 */
import { describe, expect, it } from 'vitest';
import { motifCensus, motifDensityProfiles, motifKey, type VoronoiIndex } from '../../../native-workers/lib/analysis/motif-density';
import { orthogonalCell, randomInCell, seededRandom } from '../rdf/lattices';

const MOTIFS: Array<[VoronoiIndex, number]> = [
  [[0, 12, 0, 0], 0.3],
  [[0, 2, 10, 0], 0.2],
  [[0, 10, 2, 0], 0.15],
  [[0, 8, 4, 0], 0.1],
  [[0, 3, 6, 4], 0.08],
  [[0, 1, 10, 2], 0.06],
  [[0, 2, 8, 2], 0.05],
  [[1, 2, 6, 4], 0.03],
  [[0, 0, 12, 0], 0.02],
  [[0, 4, 4, 6], 0.01],
];

function pickMotif(random: () => number): VoronoiIndex {
  let u = random();
  for (const [index, p] of MOTIFS) {
    if (u < p) return index;
    u -= p;
  }
  return [0, 3, 7, 3];
}

describe('motif densities', () => {
  const random = seededRandom(21);
  const cell = orthogonalCell(60, 15, 15, [-10, 0, 0]);
  const n = 8000;
  const positions = randomInCell(cell, n, random);
  const species = Uint8Array.from({ length: n }, () => (random() < 0.7 ? 0 : 1));
  const voronoi = new Int32Array(4 * n);
  for (let i = 0; i < n; i++) voronoi.set(pickMotif(random), 4 * i);

  it('ranks the motifs of the centre species by frequency, FCC excluded', () => {
    const census = motifCensus(voronoi, species, { centreSpecies: 0 });
    const expectedOrder = MOTIFS.slice(1, 9).map(([index]) => motifKey(index));
    expect(census.motifs.slice(0, 8).map((m) => m.key)).toEqual(expectedOrder);
    expect(census.motifs.some((m) => m.key === '<0,12,0,0>')).toBe(false);
    const centres = Array.from(species).filter((s) => s === 0).length;
    expect(census.centreCount).toBe(centres);
    expect(census.distinctMotifs).toBe(MOTIFS.length);
    const withFcc = motifCensus(voronoi, species, { centreSpecies: 0, excludeFcc: false });
    expect(withFcc.motifs[0]?.key).toBe('<0,12,0,0>');
  });

  it('counts each motif in each window like brute force, with both normalisations', () => {
    const profiles = motifDensityProfiles(positions, cell, voronoi, species, { axis: 'x', centreSpecies: 0, topK: 8 });
    expect(profiles.motifs).toHaveLength(8);
    expect(profiles.crossSectionA2).toBeCloseTo(225, 9);
    for (const m of profiles.motifs.slice(0, 3)) {
      profiles.gridA.forEach((g, k) => {
        let count = 0;
        let centres = 0;
        for (let i = 0; i < n; i++) {
          if (species[i] !== 0) continue;
          let d = (positions[3 * i] as number) - g;
          d -= 60 * Math.round(d / 60);
          if (Math.abs(d) > 1) continue;
          centres++;
          if (m.index.every((v, c) => voronoi[4 * i + c] === v)) count++;
        }
        expect(m.countInWindow[k]).toBe(count);
        expect(profiles.centreCountInWindow[k]).toBe(centres);
        expect(m.densityPerA3[k]).toBeCloseTo(count / (225 * 2), 12);
        expect(m.fractionOfCentresInWindow[k]).toBeCloseTo(centres ? count / centres : Number.NaN, 12);
      });
    }
    const covered = profiles.motifs.reduce((s, m) => s + m.count, 0) / profiles.census.centreCount;
    expect(profiles.coveredFraction).toBeCloseTo(covered, 12);
    // 0.2 + 0.15 + … + 0.02 of all centre atoms (FCC counted in the denominator).
    expect(Math.abs(profiles.coveredFraction - 0.69)).toBeLessThan(0.03);
  });

  it('profiles exactly the motifs asked for, even one that never occurs', () => {
    const profiles = motifDensityProfiles(positions, cell, voronoi, species, {
      axis: 'x',
      centreSpecies: 0,
      motifs: [
        [0, 10, 2, 0],
        [0, 2, 10, 0],
        [2, 2, 2, 2],
      ],
    });
    expect(profiles.motifs.map((m) => m.key)).toEqual(['<0,10,2,0>', '<0,2,10,0>', '<2,2,2,2>']);
    expect(profiles.motifs[2]?.count).toBe(0);
    expect(Math.max(...(profiles.motifs[2]?.countInWindow ?? []))).toBe(0);
    expect(() => motifDensityProfiles(positions, cell, new Int32Array(3), species, { axis: 'x', centreSpecies: 0 })).toThrow(/4 numbers per atom/);
  });
});
