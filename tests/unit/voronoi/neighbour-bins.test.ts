/** The private cell list against brute force over periodic images, in skewed and walled cells smaller than the radius. */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { NeighbourBins, NeighbourCandidates } from '../../../native-workers/lib/voronoi/neighbour-bins';
import { prepareBox } from '../../../native-workers/lib/voronoi/voronoi-box';
import { randomPoints } from './structures';

function bruteForce(cell: Cell, wrapped: Float64Array, i: number, lowSq: number, highSq: number): number[] {
  const out: number[] = [];
  const n = wrapped.length / 3;
  const range = (k: number): number[] => (cell.pbc[k] ? [-4, -3, -2, -1, 0, 1, 2, 3, 4] : [0]);
  for (const s0 of range(0)) for (const s1 of range(1)) for (const s2 of range(2)) {
    for (let j = 0; j < n; j++) {
      if (j === i && s0 === 0 && s1 === 0 && s2 === 0) continue;
      const d = [0, 1, 2].map((k) => wrapped[3 * j + k]! + s0 * cell.a[k]! + s1 * cell.b[k]! + s2 * cell.c[k]! - wrapped[3 * i + k]!);
      const dsq = d[0]! ** 2 + d[1]! ** 2 + d[2]! ** 2;
      if (dsq > lowSq && dsq <= highSq) out.push(dsq);
    }
  }
  return out.sort((a, b) => a - b);
}

describe('NeighbourBins', () => {
  const cells: [string, Cell][] = [
    ['skewed periodic', { origin: [0, 0, 0], a: [9, 0, 0], b: [4, 8, 0], c: [-3, 2.5, 10], pbc: [true, true, true] }],
    ['orthogonal, wall along y', { origin: [-2, -3, 1], a: [8, 0, 0], b: [0, 9, 0], c: [0, 0, 7], pbc: [true, false, true] }],
  ];

  it.each(cells)('%s: every image within the radius, sorted by distance, shells without overlap', (_name, cell) => {
    const s = randomPoints(40, cell, 5);
    const box = prepareBox({ positions: s.positions, cell });
    const bins = new NeighbourBins(box);
    const c = new NeighbourCandidates();
    for (const i of [0, 17, 39]) {
      for (const [low, high] of [
        [0, 6],
        [6, 14],
      ] as const) {
        c.count = 0;
        bins.collect(i, low === 0 ? -1 : low * low, high, c);
        const got = Array.from({ length: c.count }, (_, k) => c.distSq[c.order[k]!]!);
        const want = bruteForce(cell, box.wrapped, i, low === 0 ? -1 : low * low, high * high);
        expect(got.length).toBe(want.length);
        got.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 9));
        for (let k = 1; k < got.length; k++) expect(got[k]!).toBeGreaterThanOrEqual(got[k - 1]! * (1 - 1e-11));
      }
    }
  });
});
