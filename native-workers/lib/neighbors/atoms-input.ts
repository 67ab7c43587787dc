/** What every neighbour search takes (positions, cell, optional ids) and the checks that make bad input fail loudly. */
import type { Cell } from '../../../main/shared/domain';

export interface AtomsInput {
  /** x, y, z per atom in Å, interleaved (length 3N). */
  positions: Float64Array;
  cell: Cell;
  /** Atom ids, used only to name atoms in error messages; default 1 … N. */
  ids?: Int32Array;
}

/** Input a neighbour search cannot give a meaningful answer for; the message names the atoms involved. */
export class NeighborInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NeighborInputError';
  }
}

/**
 * Atoms closer than this are "at the same place": their bond direction is undefined, so every orientational
 * quantity would be noise (LAMMPS silently skips such atoms; we refuse).
 */
export const COINCIDENT_DISTANCE_A = 1e-8;

export function atomId(input: AtomsInput, atom: number): number {
  return input.ids !== undefined ? (input.ids[atom] as number) : atom + 1;
}

function formatCoordinate(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1e6) / 1e6) : String(value);
}

/** "atom 7 at (1.5, 2, 3.25) Å", with the atom's id, for error messages. */
export function describeAtom(input: AtomsInput, atom: number): string {
  const p = input.positions;
  const x = formatCoordinate(p[3 * atom] as number);
  const y = formatCoordinate(p[3 * atom + 1] as number);
  const z = formatCoordinate(p[3 * atom + 2] as number);
  return `atom ${atomId(input, atom)} at (${x}, ${y}, ${z}) Å`;
}

function finiteVector(v: readonly number[]): boolean {
  return v.length === 3 && v.every((x) => Number.isFinite(x));
}

/** Checks positions, ids and cell; returns the atom count. */
export function validateAtoms(input: AtomsInput): number {
  const { positions, cell, ids } = input;
  if (positions.length % 3 !== 0) {
    throw new NeighborInputError(`positions must hold x, y, z per atom; length ${positions.length} is not a multiple of 3`);
  }
  const n = positions.length / 3;
  if (ids !== undefined && ids.length !== n) {
    throw new NeighborInputError(`ids has ${ids.length} entries for ${n} atoms`);
  }
  if (!finiteVector(cell.origin) || !finiteVector(cell.a) || !finiteVector(cell.b) || !finiteVector(cell.c)) {
    throw new NeighborInputError('the cell has a non-finite origin or edge vector');
  }
  for (let i = 0; i < positions.length; i++) {
    if (!Number.isFinite(positions[i] as number)) {
      const atom = Math.floor(i / 3);
      const axis = 'xyz'[i % 3] as string;
      throw new NeighborInputError(`atom ${atomId(input, atom)} has a non-finite coordinate (${axis} = ${positions[i]})`);
    }
  }
  return n;
}

/** Fully non-periodic structures offer only N − 1 neighbours; any periodic direction offers unlimited images. */
export function neighborsAvailable(cell: Cell, atomCount: number): number {
  return cell.pbc[0] || cell.pbc[1] || cell.pbc[2] ? (atomCount > 0 ? Infinity : 0) : Math.max(0, atomCount - 1);
}
