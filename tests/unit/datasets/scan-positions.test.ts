/** Scan geometry: counts, spacing, row-major order, wrapping into periodic cells, zone frames, refusals. */
import { describe, expect, it } from 'vitest';
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { cellGridScan, lineScan, planeGridScan, scanRowColumn, zonePlaneFrame } from '../../../native-workers/lib/datasets/scan-positions';
import { CellFrame, cross, dot } from '../../../native-workers/lib/structure-io/cell-math';

const box = (lx: number, ly: number, lz: number, pbc: Cell['pbc'] = [true, true, true]): Cell => ({ origin: [0, 0, 0], a: [lx, 0, 0], b: [0, ly, 0], c: [0, 0, lz], pbc });
const centre = (c: Float64Array, k: number): number[] => Array.from(c.subarray(3 * k, 3 * k + 3));

function expectInside(centresA: Float64Array, cell: Cell): void {
  const frame = new CellFrame(cell);
  const f = [0, 0, 0];
  for (let j = 0; j < centresA.length; j += 3) {
    frame.toFractional(centresA[j] as number, centresA[j + 1] as number, centresA[j + 2] as number, f);
    for (const v of f) {
      expect(v).toBeGreaterThanOrEqual(-1e-12);
      expect(v).toBeLessThan(1);
    }
  }
}

describe('lineScan', () => {
  it('steps along a normalised direction, by count or by length (ends included)', () => {
    const byCount = lineScan({ startA: [1, 2, 3], directionA: [2, 0, 0], stepA: 2.5, count: 5 });
    expect(byCount.descriptor).toMatchObject({ kind: 'line', count: 5, rows: 1, cols: 5, direction: [1, 0, 0], acrossDirection: null });
    expect(centre(byCount.centresA, 4)).toEqual([11, 2, 3]);
    const byLength = lineScan({ startA: [1, 2, 3], directionA: [1, 0, 0], stepA: 2.5, lengthA: 10 });
    expect(byLength.centresA).toEqual(byCount.centresA);
  });

  it('repeats the strip at offsets across it, row-major, with the across direction made perpendicular', () => {
    const scan = lineScan({ startA: [0, 5, 5], directionA: [1, 0, 0], stepA: 2.5, count: 4, across: { directionA: [1, 1, 0], offsetsA: [-2, 0, 2] } });
    expect(scan.descriptor).toMatchObject({ rows: 3, cols: 4, count: 12, offsetsA: [-2, 0, 2] });
    expect(scan.descriptor.acrossDirection?.[0]).toBeCloseTo(0, 15);
    expect(scan.descriptor.acrossDirection?.[1]).toBeCloseTo(1, 15);
    expect(centre(scan.centresA, 0)).toEqual([0, 3, 5]);
    expect(centre(scan.centresA, 5)).toEqual([2.5, 5, 5]); // row 1, column 1
    expect(scanRowColumn(scan.descriptor, 11)).toEqual({ row: 2, col: 3 });
  });

  it('wraps along periodic edges only, leaving in-cell centres untouched', () => {
    const periodic = lineScan({ startA: [8, 5, 5], directionA: [1, 0, 0], stepA: 2.5, count: 4, cell: box(10, 10, 10) });
    expect(Array.from(periodic.centresA.filter((_, k) => k % 3 === 0))).toEqual([8, 0.5, 3, 5.5]);
    expect(periodic.descriptor.wrappedCount).toBe(3);
    const open = lineScan({ startA: [8, 5, 5], directionA: [1, 0, 0], stepA: 2.5, count: 2, cell: box(10, 10, 10, [false, true, true]) });
    expect(centre(open.centresA, 1)).toEqual([10.5, 5, 5]);
    const negative = lineScan({ startA: [5, -1, 5], directionA: [1, 0, 0], stepA: 1, count: 1, cell: box(10, 10, 10) });
    expect(centre(negative.centresA, 0)).toEqual([5, 9, 5]);
  });

  it('refuses bad steps and ambiguous lengths', () => {
    expect(() => lineScan({ startA: [0, 0, 0], directionA: [1, 0, 0], stepA: 0, count: 3 })).toThrow(/positive/);
    expect(() => lineScan({ startA: [0, 0, 0], directionA: [1, 0, 0], stepA: 1, count: 3, lengthA: 2 })).toThrow(/either/);
    expect(() => lineScan({ startA: [0, 0, 0], directionA: [0, 0, 0], stepA: 1, count: 3 })).toThrow(/non-zero/);
    expect(() => lineScan({ startA: [0, 0, 0], directionA: [1, 0, 0], stepA: 1, count: 3, across: { directionA: [2, 0, 0], offsetsA: [1] } })).toThrow(/parallel/);
  });
});

describe('zonePlaneFrame', () => {
  it('follows DESIGN.md for Cartesian zones and reduces to them for vector zones', () => {
    expect(zonePlaneFrame('z')).toEqual({ u: [1, 0, 0], v: [0, 1, 0], w: [0, 0, 1] });
    expect(zonePlaneFrame('x')).toEqual({ u: [0, 1, 0], v: [0, 0, 1], w: [1, 0, 0] });
    expect(zonePlaneFrame('y')).toEqual({ u: [0, 0, 1], v: [1, 0, 0], w: [0, 1, 0] });
    for (const [vector, axis] of [[[0, 0, 3], 'z'], [[2, 0, 0], 'x'], [[0, 5, 0], 'y']] as const) {
      const frame = zonePlaneFrame([...vector] as Vec3);
      const reference = zonePlaneFrame(axis);
      for (const key of ['u', 'v', 'w'] as const) frame[key].forEach((x, k) => expect(x).toBeCloseTo(reference[key][k] as number, 15));
    }
  });

  it('is right-handed and orthonormal for any direction', () => {
    const { u, v, w } = zonePlaneFrame([1, 2, 3]);
    expect(dot(u, u)).toBeCloseTo(1, 14);
    expect(dot(v, v)).toBeCloseTo(1, 14);
    expect(dot(u, v)).toBeCloseTo(0, 14);
    expect(dot(u, w)).toBeCloseTo(0, 14);
    cross(u, v).forEach((x, k) => expect(x).toBeCloseTo(w[k] as number, 14));
  });
});

describe('planeGridScan', () => {
  it('rasters the rectangle: columns along u, rows along v, depth at the cell centre', () => {
    const scan = planeGridScan({ zone: 'z', uRangeA: [0, 10], vRangeA: [0, 5], stepA: 2.5, cell: box(20, 20, 30) });
    expect(scan.descriptor).toMatchObject({ kind: 'plane-grid', rows: 3, cols: 5, count: 15, depthA: 15 });
    expect(centre(scan.centresA, 0)).toEqual([0, 0, 15]);
    expect(centre(scan.centresA, 6)).toEqual([2.5, 2.5, 15]);
    expect(centre(scan.centresA, 14)).toEqual([10, 5, 15]);
  });

  it('maps u, v, w to y, z, x for zone x and takes separate steps', () => {
    const scan = planeGridScan({ zone: 'x', uRangeA: [1, 3], vRangeA: [0, 9], stepA: [1, 3], depthA: 4 });
    expect(scan.descriptor).toMatchObject({ rows: 4, cols: 3 });
    expect(centre(scan.centresA, 4)).toEqual([4, 2, 3]); // row 1 (v = 3), column 1 (u = 2)
  });

  it('wraps a rectangle that crosses the periodic edge and needs a depth without a cell', () => {
    const scan = planeGridScan({ zone: 'z', uRangeA: [-2.5, 0], vRangeA: [0, 0], stepA: 2.5, cell: box(10, 10, 10) });
    expect(Array.from(scan.centresA)).toEqual([7.5, 0, 5, 0, 0, 5]);
    expect(() => planeGridScan({ zone: 'z', uRangeA: [0, 1], vRangeA: [0, 1], stepA: 1 })).toThrow(/depthA or a cell/);
  });
});

describe('cellGridScan', () => {
  it('covers a periodic orthogonal face with the exact step, seam gap ≤ step', () => {
    const cell = box(10, 7.5, 20);
    const scan = cellGridScan({ zone: 'z', cell, stepA: 2.5 });
    expect(scan.descriptor).toMatchObject({ kind: 'cell-grid', cols: 4, rows: 3, colEdge: 0, rowEdge: 1, depthA: 10, wrappedCount: 0 });
    expect(centre(scan.centresA, 5)).toEqual([2.5, 2.5, 10]);
    const odd = cellGridScan({ zone: 'z', cell: box(10.2, 10, 10), stepA: 2.5 });
    expect(odd.descriptor.cols).toBe(5);
    expect(odd.centresA[3 * 4]).toBeCloseTo(10, 12);
    const even = cellGridScan({ zone: 'z', cell: box(10.2, 10, 10), stepA: 2.5, spacing: 'even' });
    expect(even.descriptor.cols).toBe(4);
    expect(even.descriptor.colStepA).toBeCloseTo(2.55, 12);
  });

  it('picks the face perpendicular to the zone (zone y: columns along z, rows along x)', () => {
    const scan = cellGridScan({ zone: 'y', cell: box(10, 6, 20), stepA: 2.5 });
    expect(scan.descriptor).toMatchObject({ colEdge: 2, rowEdge: 0, cols: 8, rows: 4, depthA: 3 });
    expect(centre(scan.centresA, 9)).toEqual([2.5, 3, 2.5]); // row 1 (x), column 1 (z)
  });

  it('includes both faces along a non-periodic edge', () => {
    const scan = cellGridScan({ zone: 'z', cell: box(10, 10, 10, [false, true, true]), stepA: 2.5 });
    expect(scan.descriptor.cols).toBe(5);
    expect(scan.centresA[3 * 4]).toBe(10);
  });

  it('keeps a triclinic grid inside the cell at the requested depth', () => {
    const cell: Cell = { origin: [1, 2, 3], a: [10, 0, 0], b: [5, 10, 0], c: [2, 1, 10], pbc: [true, true, true] };
    const scan = cellGridScan({ zone: 'z', cell, stepA: 2.5 });
    expect(scan.descriptor).toMatchObject({ cols: 4, rows: 5, colEdge: 0, rowEdge: 1 });
    expect(scan.descriptor.depthA).toBeCloseTo(8, 12);
    expectInside(scan.centresA, cell);
    for (let k = 0; k < scan.descriptor.count; k++) expect(scan.centresA[3 * k + 2]).toBeCloseTo(8, 12);
    const tilted = cellGridScan({ zone: [0.1, 0.2, 1], cell, stepA: 2.5 });
    expectInside(tilted.centresA, cell);
    expect(tilted.descriptor.count).toBe(20);
  });
});
