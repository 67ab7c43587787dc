/**
 * The edge-length threshold (paper: 0.6 Å): a face's order counts only its edges longer than the threshold; faces
 * left with fewer than 3 are counted apart, faces above 6 too, so every face is accounted for.
 */
import { describe, expect, it } from 'vitest';
import { VORONOI_CLASSES } from '../../../main/shared/labels';
import { voronoiAnalysis } from '../../../native-workers/lib/voronoi';
import { BCC_BASIS, FCC_BASIS, cubicLattice, indexHistogram, indexOf, jiggle, orthoCell } from './structures';

describe('edge threshold', () => {
  // One atom in a periodic 0.5 × 3 × 3 Å box: its cell is the box. The two faces across x are 3 × 3 squares; the
  // four others are 0.5 × 3 rectangles with two long and two short edges.
  const slab = { positions: new Float64Array([0.1, 0.2, 0.3]), cell: orthoCell(0.5, 3, 3) };

  it('hand-made box: threshold 0 counts every edge', () => {
    const r = voronoiAnalysis(slab, { edgeThresholdA: 0, collectFaces: true });
    expect(indexOf(r, 0)).toEqual([0, 6, 0, 0]);
    expect(r.lowOrderFaces[0]).toBe(0);
    const lengths = Array.from(r.faces!.edgeLengthA).map((v) => Number(v.toFixed(12)));
    expect(lengths.filter((v) => v === 0.5)).toHaveLength(8);
    expect(lengths.filter((v) => v === 3)).toHaveLength(16);
  });

  it('hand-made box: 0.6 Å drops the short edges, the thin faces fall below order 3', () => {
    const r = voronoiAnalysis(slab, { edgeThresholdA: 0.6, collectFaces: true });
    expect(indexOf(r, 0)).toEqual([0, 2, 0, 0]);
    expect(r.lowOrderFaces[0]).toBe(4);
    expect(r.faceCount[0]).toBe(6);
    expect(Array.from(r.faces!.order).sort()).toEqual([2, 2, 2, 2, 4, 4]);
  });

  it('hand-made box: a threshold above every edge leaves no face of order ≥ 3', () => {
    const r = voronoiAnalysis(slab, { edgeThresholdA: 3.5 });
    expect(indexOf(r, 0)).toEqual([0, 0, 0, 0]);
    expect(r.lowOrderFaces[0]).toBe(6);
    expect(r.classCode[0]).toBe(VORONOI_CLASSES.indexOf('intermediate'));
  });

  it('"longer than": an edge exactly at the threshold does not count', () => {
    // The cube of a 1-atom 2 Å box has edges of exactly 2 (computed as 1 − (−1)).
    const cube = { positions: new Float64Array([0, 0, 0]), cell: orthoCell(2, 2, 2) };
    expect(indexOf(voronoiAnalysis(cube, { edgeThresholdA: 2 }), 0)).toEqual([0, 0, 0, 0]);
    expect(indexOf(voronoiAnalysis(cube, { edgeThresholdA: 1.999999 }), 0)).toEqual([0, 6, 0, 0]);
  });

  it('BCC: all edges of the truncated octahedron are a√2/4 long', () => {
    const a = 3.3;
    const edge = (a * Math.SQRT2) / 4;
    const s = cubicLattice(BCC_BASIS, 3, a);
    expect(indexHistogram(voronoiAnalysis(s, { edgeThresholdA: edge * 0.999 }))).toEqual({ '0,6,0,8': 54 });
    const r = voronoiAnalysis(s, { edgeThresholdA: edge * 1.001 });
    expect(indexHistogram(r)).toEqual({ '0,0,0,0': 54 });
    expect(r.lowOrderFaces[0]).toBe(14);
  });

  it('why the paper uses it: tiny displacements break FCC at threshold 0, 0.6 Å restores ⟨0,12,0,0⟩', () => {
    const s = jiggle(cubicLattice(FCC_BASIS, 4, 3.61), 0.03, 99);
    const exact = voronoiAnalysis(s, { edgeThresholdA: 0 });
    const fccExact = indexHistogram(exact)['0,12,0,0'] ?? 0;
    expect(fccExact).toBeLessThan(26); // the four-fold vertices split into short edges and extra small faces
    const thresholded = voronoiAnalysis(s, { edgeThresholdA: 0.6 });
    expect(indexHistogram(thresholded)).toEqual({ '0,12,0,0': 256 });
    expect(Array.from(thresholded.classCode).every((c) => c === VORONOI_CLASSES.indexOf('fcc'))).toBe(true);
    // The small faces of the split vertices are still there, just below order 3.
    expect(Array.from(thresholded.faceCount).some((f) => f > 12)).toBe(true);
  });
});
