/**
 * Boxes no bigger than the cells: an atom's own periodic images are its neighbours, several images of one atom can
 * face it, and walls close non-periodic directions.
 */
import { describe, expect, it } from 'vitest';
import { WALL_A_HIGH, WALL_A_LOW, WALL_B_HIGH, WALL_B_LOW, WALL_C_HIGH, WALL_C_LOW, voronoiAnalysis } from '../../../native-workers/lib/voronoi';
import { BCC_BASIS, FCC_BASIS, cubicLattice, indexHistogram, indexOf, orthoCell, sum } from './structures';

describe('small boxes', () => {
  it('one atom in a periodic box: the cell is the box, all six faces shared with its own images', () => {
    const r = voronoiAnalysis({ positions: new Float64Array([0.4, 2.9, -1.0]), cell: orthoCell(2, 3, 4) }, { edgeThresholdA: 0, collectFaces: true });
    expect(indexOf(r, 0)).toEqual([0, 6, 0, 0]);
    expect(r.volumeA3[0]).toBeCloseTo(24, 12);
    expect(Array.from(r.faces!.neighbour)).toEqual([0, 0, 0, 0, 0, 0]);
    const areas = Array.from(r.faces!.areaA2).sort((x, y) => x - y);
    expect(areas.map((v) => Number(v.toFixed(12)))).toEqual([6, 6, 8, 8, 12, 12]);
  });

  it('one FCC conventional cell (4 atoms) and one BCC cell (2 atoms) give the bulk polyhedra', () => {
    const fcc = voronoiAnalysis(cubicLattice(FCC_BASIS, 1, 3.61), { edgeThresholdA: 0 });
    expect(indexHistogram(fcc)).toEqual({ '0,12,0,0': 4 });
    expect(sum(fcc.volumeA3)).toBeCloseTo(3.61 ** 3, 10);
    const bcc = voronoiAnalysis(cubicLattice(BCC_BASIS, 1, 3.3), { edgeThresholdA: 0, collectFaces: true });
    expect(indexHistogram(bcc)).toEqual({ '0,6,0,8': 2 });
    // Atom 0's eight hexagons face images of atom 1, its six squares its own images.
    const faces = bcc.faces!;
    const mine = Array.from(faces.neighbour.subarray(0, faces.atomFaceOffsets[1]));
    expect(mine.filter((j) => j === 1)).toHaveLength(8);
    expect(mine.filter((j) => j === 0)).toHaveLength(6);
  });

  it('a box thinner than the cell along one periodic axis (a single layer)', () => {
    // A square net of spacing 2.5 Å, repeated every 1.2 Å along z: each cell is a 2.5 × 2.5 × 1.2 box.
    const p: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) p.push(i * 2.5, j * 2.5, 0.3);
    const r = voronoiAnalysis({ positions: Float64Array.from(p), cell: orthoCell(7.5, 7.5, 1.2) }, { edgeThresholdA: 0 });
    for (let i = 0; i < 9; i++) {
      expect(r.faceCount[i]).toBe(6);
      expect(r.volumeA3[i]).toBeCloseTo(2.5 * 2.5 * 1.2, 10);
    }
  });

  it('one atom without periodicity: the cell is the box, faces labelled with voro++ wall codes', () => {
    const r = voronoiAnalysis(
      { positions: new Float64Array([1, 1, 1]), cell: orthoCell(2, 3, 4, [false, false, false], [0, -1, -2]) },
      { edgeThresholdA: 0, collectFaces: true },
    );
    expect(r.volumeA3[0]).toBeCloseTo(24, 12);
    expect(Array.from(r.faces!.neighbour).sort((x, y) => x - y)).toEqual(
      [WALL_A_LOW, WALL_A_HIGH, WALL_B_LOW, WALL_B_HIGH, WALL_C_LOW, WALL_C_HIGH].sort((x, y) => x - y),
    );
  });

  it('two atoms, periodic in x only: one bisecting plane and its image split the slab in two', () => {
    const r = voronoiAnalysis(
      { positions: new Float64Array([1, 1, 1, 4, 2, 3]), cell: orthoCell(6, 4, 5, [true, false, false]) },
      { edgeThresholdA: 0 },
    );
    expect(sum(r.volumeA3)).toBeCloseTo(120, 10);
    expect(r.problems).toEqual([]);
  });
});
