/** Input the tessellation must refuse with a clear message naming the atoms, and cancellation. */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { VoronoiCancelled, VoronoiInputError, voronoiAnalysis } from '../../../native-workers/lib/voronoi';
import { FCC_BASIS, cubicLattice, orthoCell, randomPoints } from './structures';

const cell = orthoCell(10, 10, 10);
const three = new Float64Array([1, 1, 1, 5, 5, 5, 8, 2, 6]);
const ids = new Int32Array([101, 102, 103]);

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('bad input', () => {
  it('NaN or infinite coordinates: refused, naming the atoms by id', () => {
    const p = Float64Array.from(three);
    p[4] = NaN;
    p[8] = Infinity;
    const err = errorOf(() => voronoiAnalysis({ positions: p, cell, ids }, { edgeThresholdA: 0 }));
    expect(err).toBeInstanceOf(VoronoiInputError);
    expect(err.message).toBe('non-finite coordinates (NaN or infinite) for atom id 102, atom id 103');
  });

  it('without ids, atoms are named by their 1-based position', () => {
    const p = Float64Array.from(three);
    p[0] = NaN;
    expect(() => voronoiAnalysis({ positions: p, cell }, { edgeThresholdA: 0 })).toThrow('atom #1');
  });

  it('overlapping atoms: refused, naming both', () => {
    const p = new Float64Array([1, 1, 1, 5, 5, 5, 1, 1, 1]);
    const err = errorOf(() => voronoiAnalysis({ positions: p, cell, ids }, { edgeThresholdA: 0 }));
    expect(err).toBeInstanceOf(VoronoiInputError);
    expect(err.message).toMatch(/atom id 101 and atom id 103 overlap/);
  });

  it('atoms overlapping through the periodic boundary are caught too', () => {
    const p = new Float64Array([0, 5, 5, 5, 5, 5, 10, 5, 5]);
    expect(() => voronoiAnalysis({ positions: p, cell, ids }, { edgeThresholdA: 0 })).toThrow(/atom id 101 and atom id 103 overlap/);
  });

  it('atoms beyond a non-periodic wall have no cell: refused, naming them', () => {
    const walled = orthoCell(10, 10, 10, [true, true, false]);
    const p = new Float64Array([1, 1, 1, 5, 5, 12, 25, -3, 6]);
    const err = errorOf(() => voronoiAnalysis({ positions: p, cell: walled, ids }, { edgeThresholdA: 0 }));
    expect(err).toBeInstanceOf(VoronoiInputError);
    expect(err.message).toMatch(/^atom id 102 lies outside the cell along a non-periodic direction/);
  });

  it('malformed arrays, degenerate cells and thresholds are refused', () => {
    expect(() => voronoiAnalysis({ positions: new Float64Array(4), cell }, { edgeThresholdA: 0 })).toThrow(/not a multiple of 3/);
    expect(() => voronoiAnalysis({ positions: three, cell, ids: new Int32Array(2) }, { edgeThresholdA: 0 })).toThrow(/2 entries for 3 atoms/);
    const flat: Cell = { origin: [0, 0, 0], a: [10, 0, 0], b: [5, 0, 0], c: [0, 0, 10], pbc: [true, true, true] };
    expect(() => voronoiAnalysis({ positions: three, cell: flat }, { edgeThresholdA: 0 })).toThrow(/zero volume/);
    expect(() => voronoiAnalysis({ positions: three, cell: orthoCell(NaN, 10, 10) }, { edgeThresholdA: 0 })).toThrow(/non-finite/);
    expect(() => voronoiAnalysis({ positions: three, cell }, { edgeThresholdA: -0.1 })).toThrow(/edge threshold/);
    expect(() => voronoiAnalysis({ positions: three, cell }, { edgeThresholdA: NaN })).toThrow(/edge threshold/);
  });

  it('no atoms: empty results, not an error', () => {
    const r = voronoiAnalysis({ positions: new Float64Array(0), cell }, { edgeThresholdA: 0.6, collectFaces: true });
    expect(r.count).toBe(0);
    expect(r.index).toHaveLength(0);
    expect(Array.from(r.faces!.atomFaceOffsets)).toEqual([0]);
  });

  it('cancellation is polled and throws VoronoiCancelled', () => {
    const s = randomPoints(3000, orthoCell(30, 30, 30), 3);
    let polls = 0;
    const err = errorOf(() =>
      voronoiAnalysis(s, {
        edgeThresholdA: 0,
        checkEvery: 500,
        isCancelled: () => ++polls === 3,
      }),
    );
    expect(err).toBeInstanceOf(VoronoiCancelled);
    expect(polls).toBe(3);
  });

  it('nothing is NaN in a normal result', () => {
    const r = voronoiAnalysis(cubicLattice(FCC_BASIS, 2, 3.61), { edgeThresholdA: 0.6 });
    expect(Array.from(r.volumeA3).every(Number.isFinite)).toBe(true);
    expect(r.problems).toEqual([]);
  });
});
