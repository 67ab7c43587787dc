/**
 * Crystals whose cells are known exactly: FCC (rhombic dodecahedron, maximally degenerate), BCC (truncated
 * octahedron), simple cubic, HCP, an icosahedral cluster, and the same crystals in triclinic cells.
 */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { VORONOI_CLASSES } from '../../../main/shared/labels';
import { voronoiAnalysis } from '../../../native-workers/lib/voronoi';
import { BCC_BASIS, FCC_BASIS, SC_BASIS, cubicLattice, icosahedralCluster, indexHistogram, indexOf, orthoCell, sum } from './structures';

const FCC = VORONOI_CLASSES.indexOf('fcc');
const INTERMEDIATE = VORONOI_CLASSES.indexOf('intermediate');

describe('perfect crystals', () => {
  it('FCC: every atom ⟨0,12,0,0⟩, 12 faces, 14 vertices (six four-fold), volume a³/4, class fcc', () => {
    const a = 3.61;
    const s = cubicLattice(FCC_BASIS, 5, a);
    for (const threshold of [0, 0.6]) {
      const r = voronoiAnalysis(s, { edgeThresholdA: threshold });
      expect(indexHistogram(r)).toEqual({ '0,12,0,0': 500 });
      expect(r.problems).toEqual([]);
      for (let i = 0; i < r.count; i++) {
        expect(r.faceCount[i]).toBe(12);
        expect(r.vertexCount[i]).toBe(14);
        expect(r.higherOrderFaces[i]).toBe(0);
        expect(r.classCode[i]).toBe(FCC);
        expect(r.volumeA3[i]).toBeCloseTo(a ** 3 / 4, 10);
      }
    }
  });

  it('FCC with an awkward lattice constant, an off-zero origin and a large box stays exactly ⟨0,12,0,0⟩', () => {
    // 3.615 and the origin are not representable in binary: the degenerate vertices come out a few ulps apart.
    const s = cubicLattice(FCC_BASIS, 9, 3.615, [-17.3, 101.1, 4.7]);
    const r = voronoiAnalysis(s, { edgeThresholdA: 0 });
    expect(indexHistogram(r)).toEqual({ '0,12,0,0': 4 * 9 ** 3 });
    expect(sum(r.volumeA3)).toBeCloseTo((9 * 3.615) ** 3, 6);
  });

  it('BCC: every atom ⟨0,6,0,8⟩, 14 faces, 24 vertices, volume a³/2', () => {
    const a = 3.3;
    const r = voronoiAnalysis(cubicLattice(BCC_BASIS, 5, a), { edgeThresholdA: 0 });
    expect(indexHistogram(r)).toEqual({ '0,6,0,8': 250 });
    for (let i = 0; i < r.count; i++) {
      expect(r.faceCount[i]).toBe(14);
      expect(r.vertexCount[i]).toBe(24);
      expect(r.volumeA3[i]).toBeCloseTo(a ** 3 / 2, 10);
      expect(r.classCode[i]).toBe(INTERMEDIATE);
    }
  });

  it('simple cubic: the cube, 6 square faces (the touching 2nd and 3rd shells add nothing), volume a³', () => {
    const a = 2.7;
    const r = voronoiAnalysis(cubicLattice(SC_BASIS, 4, a), { edgeThresholdA: 0 });
    expect(indexHistogram(r)).toEqual({ '0,6,0,0': 64 });
    for (let i = 0; i < r.count; i++) {
      expect(r.faceCount[i]).toBe(6);
      expect(r.vertexCount[i]).toBe(8);
      expect(r.volumeA3[i]).toBeCloseTo(a ** 3, 10);
    }
  });

  it('HCP (ideal c/a, irrational coordinates): trapezo-rhombic dodecahedra ⟨0,12,0,0⟩ of volume a³/√2', () => {
    const a = 3.2;
    const c = a * Math.sqrt(8 / 3);
    const [nx, ny, nz] = [4, 3, 3];
    const basis: [number, number, number][] = [
      [0, 0, 0],
      [0.5, 0.5, 0],
      [0.5, 1 / 6, 0.5],
      [0, 2 / 3, 0.5],
    ];
    const p: number[] = [];
    const ly = a * Math.sqrt(3);
    for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) for (let k = 0; k < nz; k++) {
      for (const b of basis) p.push((i + b[0]) * a, (j + b[1]) * ly, (k + b[2]) * c);
    }
    const r = voronoiAnalysis({ positions: Float64Array.from(p), cell: orthoCell(nx * a, ny * ly, nz * c) }, { edgeThresholdA: 0 });
    expect(indexHistogram(r)).toEqual({ '0,12,0,0': 4 * nx * ny * nz });
    for (let i = 0; i < r.count; i++) expect(r.volumeA3[i]).toBeCloseTo(a ** 3 / Math.SQRT2, 10);
  });
});

describe('icosahedral cluster', () => {
  // A regular dodecahedron of edge e has volume (15 + 7√5)/4 · e³ and inradius ρ = e/2 · √((25 + 11√5)/10);
  // the centre's faces are the bisecting planes at ρ = R/2.
  const R = 2.6;
  const rho = R / 2;
  const edge = (2 * rho) / Math.sqrt((25 + 11 * Math.sqrt(5)) / 10);
  const dodecahedron = ((15 + 7 * Math.sqrt(5)) / 4) * edge ** 3;

  it('the centre of a free icosahedron (walls far away) is ⟨0,0,12,0⟩, a regular dodecahedron', () => {
    const positions = icosahedralCluster(R, [15, 15, 15]);
    const r = voronoiAnalysis({ positions, cell: orthoCell(30, 30, 30, [false, false, false]) }, { edgeThresholdA: 0, collectFaces: true });
    expect(indexOf(r, 0)).toEqual([0, 0, 12, 0]);
    expect(r.faceCount[0]).toBe(12);
    expect(r.vertexCount[0]).toBe(20);
    expect(r.volumeA3[0]).toBeCloseTo(dodecahedron, 10);
    expect(r.classCode[0]).toBe(VORONOI_CLASSES.indexOf('disordered'));
    const faces = r.faces!;
    const neighbours = Array.from(faces.neighbour.subarray(faces.atomFaceOffsets[0], faces.atomFaceOffsets[1])).sort((x, y) => x - y);
    expect(neighbours).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // The outer atoms reach the walls; together the cells fill the box.
    expect(sum(r.volumeA3)).toBeCloseTo(30 ** 3, 6);
    expect(r.problems).toEqual([]);
  });

  it('and the same in a periodic box padded with vacuum', () => {
    const positions = icosahedralCluster(R, [11, 12, 13]);
    const r = voronoiAnalysis({ positions, cell: orthoCell(24, 25, 26) }, { edgeThresholdA: 0.6 });
    expect(indexOf(r, 0)).toEqual([0, 0, 12, 0]);
    expect(r.volumeA3[0]).toBeCloseTo(dodecahedron, 10);
    expect(sum(r.volumeA3)).toBeCloseTo(24 * 25 * 26, 6);
  });
});

describe('triclinic cells', () => {
  const a = 3.61;
  const h = a / 2;

  it('a one-atom primitive FCC cell gives the rhombic dodecahedron', () => {
    const cell: Cell = { origin: [0, 0, 0], a: [0, h, h], b: [h, 0, h], c: [h, h, 0], pbc: [true, true, true] };
    const r = voronoiAnalysis({ positions: new Float64Array([0.3, 0.2, 0.1]), cell }, { edgeThresholdA: 0, collectFaces: true });
    expect(indexOf(r, 0)).toEqual([0, 12, 0, 0]);
    expect(r.volumeA3[0]).toBeCloseTo(a ** 3 / 4, 10);
    // Every face is shared with an image of the atom itself.
    expect(Array.from(r.faces!.neighbour)).toEqual(new Array(12).fill(0));
  });

  it('a one-atom primitive BCC cell gives the truncated octahedron', () => {
    const cell: Cell = { origin: [0, 0, 0], a: [-h, h, h], b: [h, -h, h], c: [h, h, -h], pbc: [true, true, true] };
    const r = voronoiAnalysis({ positions: new Float64Array([0, 0, 0]), cell }, { edgeThresholdA: 0 });
    expect(indexOf(r, 0)).toEqual([0, 6, 0, 8]);
    expect(r.volumeA3[0]).toBeCloseTo(a ** 3 / 2, 10);
  });

  it('an FCC crystal in a LAMMPS-style sheared box (tilts of whole lattice vectors) is still all ⟨0,12,0,0⟩', () => {
    const n = 4;
    const s = cubicLattice(FCC_BASIS, n, a);
    const cell: Cell = { origin: [0, 0, 0], a: [n * a, 0, 0], b: [a, n * a, 0], c: [-h, 3 * h, n * a], pbc: [true, true, true] };
    const r = voronoiAnalysis({ positions: s.positions, cell }, { edgeThresholdA: 0 });
    expect(indexHistogram(r)).toEqual({ '0,12,0,0': 4 * n ** 3 });
    expect(sum(r.volumeA3)).toBeCloseTo((n * a) ** 3, 6);
  });
});
