/**
 * Random points, the generic case: the cells tile the box (volumes add up to it), every cell is a closed polyhedron
 * (V − E + F = 2), shared faces agree from both sides, and the result does not depend on where the box starts or on
 * the order of the atoms.
 */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { voronoiAnalysis, type VoronoiResult } from '../../../native-workers/lib/voronoi';
import { cellVolume } from '../../../native-workers/lib/structure-io/cell-math';
import { orthoCell, randomPoints, sum } from './structures';

const CASES: { name: string; cell: Cell }[] = [
  { name: 'periodic cube', cell: orthoCell(30, 30, 30) },
  { name: 'walls on all sides', cell: orthoCell(30, 25, 20, [false, false, false], [-5, 3, 100]) },
  { name: 'periodic in x and y, walls in z', cell: orthoCell(25, 30, 28, [true, true, false]) },
  { name: 'triclinic, periodic', cell: { origin: [1, 2, 3], a: [28, 0, 0], b: [7, 26, 0], c: [-5, 6, 27], pbc: [true, true, true] } },
  { name: 'triclinic, wall along c', cell: { origin: [0, 0, 0], a: [28, 0, 0], b: [-9, 26, 0], c: [4, -3, 27], pbc: [true, true, false] } },
];

/** V − E + F from the face lists (E = half the edges listed, each edge belongs to two faces). */
function eulerCharacteristics(r: VoronoiResult): number[] {
  const f = r.faces!;
  const out: number[] = [];
  for (let i = 0; i < r.count; i++) {
    const f0 = f.atomFaceOffsets[i]!;
    const f1 = f.atomFaceOffsets[i + 1]!;
    const edges = (f.edgeOffsets[f1]! - f.edgeOffsets[f0]!) / 2;
    out.push(r.vertexCount[i]! - edges + (f1 - f0));
  }
  return out;
}

describe.each(CASES)('random points: $name', ({ cell }) => {
  const count = 1500;
  const s = randomPoints(count, cell, 42);
  const r = voronoiAnalysis(s, { edgeThresholdA: 0, collectFaces: true });

  it('builds every cell, and the volumes add up to the box volume', () => {
    expect(r.problems).toEqual([]);
    expect(Array.from(r.flagged).every((v) => v === 0)).toBe(true);
    expect(Array.from(r.volumeA3).every((v) => v > 0)).toBe(true);
    const box = Math.abs(cellVolume(cell));
    expect(Math.abs(sum(r.volumeA3) - box) / box).toBeLessThan(1e-11);
  });

  it('every cell is a closed polyhedron: V − E + F = 2', () => {
    expect(new Set(eulerCharacteristics(r))).toEqual(new Set([2]));
  });

  it('faces come in pairs: i faces j with the same area and edge count as j faces i', () => {
    const f = r.faces!;
    const seen = new Map<string, { area: number; edges: number }>();
    let pairs = 0;
    for (let i = 0; i < r.count; i++) {
      for (let face = f.atomFaceOffsets[i]!; face < f.atomFaceOffsets[i + 1]!; face++) {
        const j = f.neighbour[face]!;
        if (j < 0) continue; // a wall
        const edges = f.edgeOffsets[face + 1]! - f.edgeOffsets[face]!;
        const key = i < j ? `${i}-${j}` : `${j}-${i}`;
        const other = seen.get(key);
        if (other === undefined) {
          seen.set(key, { area: f.areaA2[face]!, edges });
        } else {
          expect(Math.abs(other.area - f.areaA2[face]!)).toBeLessThan(1e-9 * Math.max(1, other.area));
          expect(other.edges).toBe(edges);
          seen.delete(key);
          pairs++;
        }
      }
    }
    expect(seen.size).toBe(0);
    expect(pairs).toBeGreaterThan(5 * count);
  });

  it('counts every face exactly once: n3 + n4 + n5 + n6 + higher orders = faces', () => {
    for (let i = 0; i < r.count; i++) {
      const listed = r.index[4 * i]! + r.index[4 * i + 1]! + r.index[4 * i + 2]! + r.index[4 * i + 3]!;
      expect(listed + r.higherOrderFaces[i]! + r.lowOrderFaces[i]!).toBe(r.faceCount[i]);
      expect(r.lowOrderFaces[i]).toBe(0); // at threshold 0 every face has ≥ 3 edges
    }
    // Random (Poisson) cells do have faces of 7 and more edges; they must not vanish from the counts.
    expect(sum(r.higherOrderFaces)).toBeGreaterThan(0);
  });
});

describe('invariances', () => {
  const cell = orthoCell(22, 24, 26);
  const s = randomPoints(800, cell, 7);
  const base = voronoiAnalysis(s, { edgeThresholdA: 0.6 });

  it('shifting every atom by the same vector (across the periodic boundaries) changes nothing', () => {
    const shifted = Float64Array.from(s.positions, (v, k) => v + [13.37, -41.1, 5.3][k % 3]!);
    const r = voronoiAnalysis({ positions: shifted, cell }, { edgeThresholdA: 0.6 });
    expect(Array.from(r.index)).toEqual(Array.from(base.index));
    for (let i = 0; i < r.count; i++) expect(r.volumeA3[i]).toBeCloseTo(base.volumeA3[i]!, 9);
  });

  it('reversing the order of the atoms reverses the results', () => {
    const n = s.positions.length / 3;
    const reversed = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) reversed.set(s.positions.subarray(3 * (n - 1 - i), 3 * (n - i)), 3 * i);
    const r = voronoiAnalysis({ positions: reversed, cell }, { edgeThresholdA: 0.6 });
    for (let i = 0; i < n; i++) {
      expect(Array.from(r.index.subarray(4 * i, 4 * i + 4))).toEqual(Array.from(base.index.subarray(4 * (n - 1 - i), 4 * (n - i))));
      expect(r.volumeA3[i]).toBeCloseTo(base.volumeA3[n - 1 - i]!, 9);
    }
  });

  it('atoms visited in cell-list order (no face lists) or input order (face lists) give identical results', () => {
    const withFaces = voronoiAnalysis(s, { edgeThresholdA: 0.6, collectFaces: true });
    expect(Array.from(withFaces.index)).toEqual(Array.from(base.index));
    expect(Array.from(withFaces.volumeA3)).toEqual(Array.from(base.volumeA3));
    expect(Array.from(withFaces.faceCount)).toEqual(Array.from(base.faceCount));
  });

  it('reports progress and finishes at (N, N)', () => {
    const calls: [number, number][] = [];
    voronoiAnalysis(s, { edgeThresholdA: 0, checkEvery: 100, onProgress: (done, total) => calls.push([done, total]) });
    expect(calls.length).toBe(8);
    expect(calls[0]).toEqual([100, 800]);
    expect(calls.at(-1)).toEqual([800, 800]);
  });
});
