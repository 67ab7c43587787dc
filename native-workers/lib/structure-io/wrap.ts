/**
 * Puts atoms into the cell: wraps positions along periodic directions (counting how many moved) and rejects atoms
 * that lie outside the box along non-periodic directions.
 */
import type { Cell } from '../../../main/shared/domain';
import { CellFrame, isTriclinic } from './cell-math';
import { checkCell, coordinateProblem, MAX_COORDINATE } from './limits';
import { StructureFileError } from './types';

/** How far (as a fraction of the box edge) an atom may stick out of a non-periodic box before it is an error. */
export const NON_PERIODIC_TOLERANCE = 1e-6;

const AXES = ['x', 'y', 'z'] as const;
const EDGES = ['a', 'b', 'c'] as const;

/**
 * Wraps `positions` (interleaved x y z, Å) into the cell along periodic directions, in place. Atoms already inside
 * are left bit-for-bit untouched; an atom outside is shifted by whole cell vectors (the same arithmetic as LAMMPS's
 * remap for orthogonal boxes, so x < xlo becomes x + lx). Returns the number of atoms that were shifted.
 * Throws a StructureFileError naming the atom id when an atom lies outside the box along a non-periodic direction.
 */
export function wrapPositions(file: string, positions: Float64Array, ids: Int32Array, cell: Cell): number {
  checkCell(file, null, cell);
  let frame: CellFrame;
  try {
    frame = new CellFrame(cell);
  } catch {
    throw new StructureFileError(file, null, 'the cell has zero volume (degenerate box or lattice vectors)');
  }
  const triclinic = isTriclinic(cell);
  const vectors = [cell.a, cell.b, cell.c];
  const origin = cell.origin;
  const pbc = cell.pbc;
  const f = new Float64Array(3);
  let wrapped = 0;
  const n = positions.length / 3;
  for (let i = 0; i < n; i++) {
    const j = 3 * i;
    // Readers check coordinates as they parse them (naming the line); this is the last guard, whatever the source:
    // wrapping 1e30 "into the cell" would give noise, not a position.
    for (let k = 0; k < 3; k++) {
      const v = positions[j + k] as number;
      if (!(v <= MAX_COORDINATE && v >= -MAX_COORDINATE)) {
        throw new StructureFileError(file, null, `atom ${ids[i]}: ${coordinateProblem(v, AXES[k] as string) ?? `${AXES[k]} = ${v}`}`);
      }
    }
    frame.toFractional(positions[j] as number, positions[j + 1] as number, positions[j + 2] as number, f);
    let moved = false;
    for (let k = 0; k < 3; k++) {
      const fk = f[k] as number;
      if (fk >= 0 && fk < 1) continue;
      if (!pbc[k]) {
        if (fk < -NON_PERIODIC_TOLERANCE || fk > 1 + NON_PERIODIC_TOLERANCE || Number.isNaN(fk)) {
          throw outsideError(file, ids[i] as number, k, triclinic, positions, j, cell);
        }
        continue;
      }
      if (!Number.isFinite(fk)) throw new StructureFileError(file, null, `atom ${ids[i]} has a non-finite position`);
      const shift = Math.floor(fk);
      const v = vectors[k] as [number, number, number];
      positions[j] = (positions[j] as number) - shift * v[0];
      positions[j + 1] = (positions[j + 1] as number) - shift * v[1];
      positions[j + 2] = (positions[j + 2] as number) - shift * v[2];
      moved = true;
    }
    if (!moved) continue;
    wrapped++;
    // Rounding can leave an atom that was a hair below the lower face exactly on the upper face; LAMMPS puts such
    // atoms on the lower face, and so do we.
    frame.toFractional(positions[j] as number, positions[j + 1] as number, positions[j + 2] as number, f);
    for (let k = 0; k < 3; k++) {
      if (!pbc[k] || (f[k] as number) < 1) continue;
      if (!triclinic) {
        positions[j + k] = origin[k] as number;
      } else {
        const v = vectors[k] as [number, number, number];
        positions[j] = (positions[j] as number) - v[0];
        positions[j + 1] = (positions[j + 1] as number) - v[1];
        positions[j + 2] = (positions[j + 2] as number) - v[2];
      }
    }
  }
  return wrapped;
}

function outsideError(
  file: string,
  id: number,
  k: number,
  triclinic: boolean,
  positions: Float64Array,
  j: number,
  cell: Cell,
): StructureFileError {
  const axis = AXES[k] as string;
  const lo = cell.origin[k] as number;
  const length = k === 0 ? cell.a[0] : k === 1 ? cell.b[1] : cell.c[2];
  const where = triclinic
    ? `along cell vector ${EDGES[k]}`
    : `along ${axis}: ${axis} = ${positions[j + k]} Å, box ${lo} … ${lo + length} Å`;
  return new StructureFileError(
    file,
    null,
    `atom ${id} lies outside the box ${where}, a non-periodic direction (atoms may only cross periodic boundaries)`,
  );
}

/** The import note for `count` wrapped atoms, or null when none moved. */
export function wrapNote(count: number): string | null {
  if (count === 0) return null;
  return count === 1
    ? '1 atom was outside the periodic cell and was wrapped back in'
    : `${count} atoms were outside the periodic cell and were wrapped back in`;
}
