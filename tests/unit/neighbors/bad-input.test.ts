import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { NeighborInputError } from '../../../native-workers/lib/neighbors/atoms-input';
import { neighborsWithinCutoff } from '../../../native-workers/lib/neighbors/cutoff-neighbors';
import { nearestNeighbors } from '../../../native-workers/lib/neighbors/nearest-neighbors';
import { bondOrientationalOrder } from '../../../native-workers/lib/order/bond-order';
import { adaptiveCna, conventionalCna } from '../../../native-workers/lib/order/cna';
import { fcc } from '../order/lattices';

const VACUUM: Cell = { origin: [-20, -20, -20], a: [40, 0, 0], b: [0, 40, 0], c: [0, 0, 40], pbc: [false, false, false] };

describe('bad input fails with a message naming the atoms', () => {
  it('refuses a 12-neighbour search in a 5-atom cluster without periodic images', () => {
    const positions = Float64Array.from({ length: 15 }, (_, i) => i * 1.1);
    const call = (): unknown => nearestNeighbors({ positions, cell: VACUUM }, 12);
    expect(call).toThrow(NeighborInputError);
    expect(call).toThrow('needs at least 13 atoms, structure has 5');
    expect(() => bondOrientationalOrder({ positions, cell: VACUUM })).toThrow('needs at least 13 atoms, structure has 5');
  });

  it('names both atoms (ids and positions) when two sit at the same place', () => {
    const crystal = fcc(3.61, 2);
    const positions = Float64Array.from(crystal.positions);
    positions.set(positions.subarray(3 * 5, 3 * 5 + 3), 3 * 20);
    const ids = Int32Array.from({ length: 32 }, (_, i) => 100 + i);
    const input = { positions, cell: crystal.cell, ids };
    for (const call of [
      (): unknown => nearestNeighbors(input, 12),
      (): unknown => neighborsWithinCutoff(input, 3),
      (): unknown => bondOrientationalOrder(input),
      (): unknown => adaptiveCna(input),
      (): unknown => conventionalCna(input, 3),
    ]) {
      expect(call).toThrow(NeighborInputError);
      expect(call).toThrow(/zero distance.*atom 105 at \(1\.805, 1\.805, 3\.61\) Å and atom 120 at \(1\.805, 1\.805, 3\.61\) Å/);
    }
  });

  it('finds coincident atoms across a periodic boundary', () => {
    const cell: Cell = { origin: [0, 0, 0], a: [10, 0, 0], b: [0, 10, 0], c: [0, 0, 10], pbc: [true, true, true] };
    const positions = new Float64Array([0, 5, 5, 10, 5, 5, 3, 3, 3]);
    expect(() => neighborsWithinCutoff({ positions, cell }, 2)).toThrow(/atom 1 at \(0, 5, 5\) Å and atom 2 at \(10, 5, 5\) Å/);
  });

  it('names the atom id with a NaN coordinate', () => {
    const crystal = fcc(3.61, 2);
    const positions = Float64Array.from(crystal.positions);
    positions[3 * 7 + 1] = Number.NaN;
    const ids = Int32Array.from({ length: 32 }, (_, i) => i + 1);
    const call = (): unknown => bondOrientationalOrder({ positions, cell: crystal.cell, ids });
    expect(call).toThrow(NeighborInputError);
    expect(call).toThrow('atom 8 has a non-finite coordinate (y = NaN)');
    expect(() => neighborsWithinCutoff({ positions, cell: crystal.cell, ids }, 3)).toThrow('atom 8 has a non-finite coordinate');
  });

  it('rejects malformed arrays, cells, counts and cutoffs', () => {
    const crystal = fcc(3.61, 2);
    expect(() => nearestNeighbors({ positions: new Float64Array(7), cell: crystal.cell }, 1)).toThrow('not a multiple of 3');
    expect(() => nearestNeighbors({ ...crystal, ids: new Int32Array(3) }, 1)).toThrow('ids has 3 entries for 32 atoms');
    expect(() => nearestNeighbors(crystal, 0)).toThrow('positive integer');
    expect(() => nearestNeighbors(crystal, 2.5)).toThrow('positive integer');
    expect(() => neighborsWithinCutoff(crystal, 0)).toThrow('positive distance');
    expect(() => neighborsWithinCutoff(crystal, Number.NaN)).toThrow('positive distance');
    const flat: Cell = { ...crystal.cell, c: [7.22, 0, 0] };
    expect(() => nearestNeighbors({ ...crystal, cell: flat }, 12)).toThrow('zero volume');
    const broken: Cell = { ...crystal.cell, a: [Number.POSITIVE_INFINITY, 0, 0] };
    expect(() => nearestNeighbors({ ...crystal, cell: broken }, 12)).toThrow('non-finite');
  });

  it('never returns NaN for valid input', () => {
    const crystal = fcc(3.61, 2);
    const result = bondOrientationalOrder(crystal);
    for (const values of [result.d, result.q4, result.q6, result.oneMinusQ6]) {
      for (const v of values) expect(Number.isFinite(v)).toBe(true);
    }
  });
});
