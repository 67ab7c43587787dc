import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { CellFrame, boundingBoxCell, cellVolume, isTriclinic } from '../../../native-workers/lib/structure-io/cell-math';
import { finishStructure, sortById } from '../../../native-workers/lib/structure-io/finish-structure';
import { wrapNote, wrapPositions } from '../../../native-workers/lib/structure-io/wrap';

const ortho: Cell = { origin: [-5, 0, 10], a: [10, 0, 0], b: [0, 4, 0], c: [0, 0, 2], pbc: [true, true, true] };
const tilted: Cell = { origin: [0, 0, 0], a: [10, 0, 0], b: [2, 8, 0], c: [-1, 1.5, 6], pbc: [true, true, true] };

describe('cell math', () => {
  it('tells triclinic from orthogonal and computes volumes', () => {
    expect(isTriclinic(ortho)).toBe(false);
    expect(isTriclinic(tilted)).toBe(true);
    expect(cellVolume(ortho)).toBe(80);
    expect(cellVolume(tilted)).toBe(480);
  });

  it('converts between fractional and Cartesian coordinates for a general cell', () => {
    const general: Cell = { origin: [1, 2, 3], a: [3, 3, 0], b: [-3, 3, 0], c: [0, 1, 5], pbc: [true, true, true] };
    const frame = new CellFrame(general);
    const p = Float64Array.from([0.25, 0.5, 0.75, 0, 0, 0, 1, 1, 1]);
    frame.fractionalToCartesian(p);
    expect(Array.from(p)).toEqual([1 + 0.75 - 1.5, 2 + 0.75 + 1.5 + 0.75, 3 + 3.75, 1, 2, 3, 1, 2 + 7, 3 + 5]);
    frame.cartesianToFractional(p);
    const expected = [0.25, 0.5, 0.75, 0, 0, 0, 1, 1, 1];
    p.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 14));
    expect(() => new CellFrame({ ...general, c: [6, 0, 0] })).toThrow(/zero volume/);
  });

  it('builds a padded non-periodic bounding box', () => {
    expect(boundingBoxCell(Float64Array.from([0, 1, 2, 4, -1, 3]), 0.5)).toEqual({
      origin: [-0.5, -1.5, 1.5],
      a: [5, 0, 0],
      b: [0, 3, 0],
      c: [0, 0, 2],
      pbc: [false, false, false],
    });
  });
});

describe('wrapPositions', () => {
  it('wraps along periodic directions like LAMMPS (x < lo → x + L, x = hi → lo) and leaves inside atoms untouched', () => {
    const p = Float64Array.from([-5.5, 4, 9.999, 4.9, 3.9, 11.999999, 25, -8.5, 13]);
    const moved = wrapPositions('f', p, Int32Array.from([1, 2, 3]), ortho);
    expect(moved).toBe(2);
    expect(Array.from(p)).toEqual([4.5, 0, 9.999 + 2, 4.9, 3.9, 11.999999, -5, 3.5, 11]);
    expect(wrapNote(moved)).toBe('2 atoms were outside the periodic cell and were wrapped back in');
    expect(wrapNote(0)).toBeNull();
  });

  it('wraps through tilted cell vectors', () => {
    // 5.5, 4.75, 3 is inside; (5.5, 4.75, 9) is one c above; (−3, 4, 3) is left of the a face.
    const p = Float64Array.from([5.5, 4.75, 3, 4.5, 3.25, 9, -3, 4, 3]);
    expect(wrapPositions('f', p, Int32Array.from([1, 2, 3]), tilted)).toBe(2);
    expect(Array.from(p)).toEqual([5.5, 4.75, 3, 5.5, 1.75, 3, 7, 4, 3]);
  });

  it('rejects atoms outside a non-periodic direction beyond 1e-6 of the edge, naming atom and direction', () => {
    const cell: Cell = { ...ortho, pbc: [true, false, true] };
    const ok = Float64Array.from([0, 4 + 3.9e-6, 11, 0, -3.9e-6, 11]);
    expect(wrapPositions('f', ok, Int32Array.from([1, 2]), cell)).toBe(0);
    expect(() => wrapPositions('dump.x', Float64Array.from([0, 1, 11, 0, 4.001, 11]), Int32Array.from([5, 9]), cell)).toThrow(
      /^dump\.x: atom 9 lies outside the box along y: y = 4\.001 Å, box 0 … 4 Å, a non-periodic direction/,
    );
    const tiltedOpen: Cell = { ...tilted, pbc: [true, true, false] };
    expect(() => wrapPositions('t', Float64Array.from([1, 1, 6.5]), Int32Array.from([3]), tiltedOpen)).toThrow(
      /atom 3 lies outside the box along cell vector c/,
    );
  });
});

describe('sortById and finishStructure', () => {
  it('sorts dense and sparse ids, keeping types and positions aligned', () => {
    const atoms = { ids: Int32Array.from([3, 1, 2]), types: Int32Array.from([30, 10, 20]), positions: Float64Array.from([3, 3, 3, 1, 1, 1, 2, 2, 2]) };
    const s = sortById('f', atoms);
    expect([Array.from(s.ids), Array.from(s.types), Array.from(s.positions)]).toEqual([[1, 2, 3], [10, 20, 30], [1, 1, 1, 2, 2, 2, 3, 3, 3]]);
    const sparse = sortById('f', { ids: Int32Array.from([2000000000, 5]), types: Int32Array.from([2, 1]), positions: Float64Array.from([2, 2, 2, 1, 1, 1]) });
    expect([Array.from(sparse.ids), Array.from(sparse.positions)]).toEqual([[5, 2000000000], [1, 1, 1, 2, 2, 2]]);
    expect(() => sortById('f', { ids: Int32Array.from([4, 1, 4]), types: new Int32Array(3), positions: new Float64Array(9) })).toThrow(
      /atom id 4 appears more than once/,
    );
    expect(() => sortById('f', { ids: Int32Array.from([9, 2000000000, 9]), types: new Int32Array(3), positions: new Float64Array(9) })).toThrow(
      /atom id 9 appears more than once/,
    );
  });

  it('rejects zero atoms, bad element names and types without an element', () => {
    const base = { file: 'f', format: 'extxyz' as const, cell: ortho, timestep: null, notes: [] };
    expect(() => finishStructure({ ...base, ids: new Int32Array(0), types: new Int32Array(0), positions: new Float64Array(0), typeElements: ['Cu'] })).toThrow(
      /f: the file holds no atoms/,
    );
    const one = { ids: Int32Array.from([1]), types: Int32Array.from([2]), positions: Float64Array.from([0, 1, 11]) };
    expect(() => finishStructure({ ...base, ...one, typeElements: ['Cu'] })).toThrow(/atom 1 has type 2, outside 1 … 1/);
    expect(() => finishStructure({ ...base, ...one, typeElements: ['Cu', 'Zz'] })).toThrow(/"Zz" is not an element symbol/);
  });
});
