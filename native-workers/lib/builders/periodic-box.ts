/** Orthogonal, fully periodic boxes for the builders: the cell, wrapping into it, element types, and the finished ParsedStructure. */
import type { Cell, Vec3 } from '../../../main/shared/domain';
import type { ParsedStructure } from '../structure-io/types';
import { BuilderInputError } from './builder-input-error';

export function orthogonalCell(lengthsA: Vec3, origin: Vec3 = [0, 0, 0]): Cell {
  return { origin, a: [lengthsA[0], 0, 0], b: [0, lengthsA[1], 0], c: [0, 0, lengthsA[2]], pbc: [true, true, true] };
}

/** Box lengths of an orthogonal, fully periodic cell; anything else is refused (the builders tile and wrap along x, y, z). */
export function orthogonalLengthsA(cell: Cell, what: string): Vec3 {
  const { a, b, c, pbc } = cell;
  if (a[1] !== 0 || a[2] !== 0 || b[0] !== 0 || b[2] !== 0 || c[0] !== 0 || c[1] !== 0) {
    throw new BuilderInputError(`${what} has a triclinic cell; the builders need an orthogonal box`);
  }
  if (!(pbc[0] && pbc[1] && pbc[2])) throw new BuilderInputError(`${what} must be periodic along x, y and z`);
  const lengths: Vec3 = [a[0], b[1], c[2]];
  if (!lengths.every((l) => Number.isFinite(l) && l > 0)) throw new BuilderInputError(`${what} has a box edge that is not a positive length`);
  return lengths;
}

/** x wrapped into [0, length): a coordinate that rounds up to the length itself is the periodic image at 0. */
export function wrapCoordinate(x: number, length: number): number {
  const wrapped = x - length * Math.floor(x / length);
  return wrapped >= length ? 0 : wrapped;
}

/** Wraps interleaved positions into [origin, origin + L) per axis, in place; coordinates already inside stay bit-for-bit. */
export function wrapPositions(positions: Float64Array, cell: Cell): void {
  const lengths = orthogonalLengthsA(cell, 'the box');
  for (let i = 0; i < positions.length; i++) {
    const k = i % 3;
    const origin = cell.origin[k] as number;
    const length = lengths[k] as number;
    const x = positions[i] as number;
    if (x >= origin && x < origin + length) continue;
    positions[i] = origin + wrapCoordinate(x - origin, length);
  }
}

/** The 1-based type of `element`, appending it to a copy of the type list when it is new. */
export function typeForElement(typeElements: readonly string[], element: string): { typeElements: string[]; type: number } {
  if (element.trim() === '') throw new BuilderInputError('the element symbol is empty');
  const existing = typeElements.indexOf(element);
  if (existing >= 0) return { typeElements: [...typeElements], type: existing + 1 };
  return { typeElements: [...typeElements, element], type: typeElements.length + 1 };
}

export interface StructureParts {
  positions: Float64Array;
  types: Int32Array;
  typeElements: string[];
  cell: Cell;
  notes: string[];
}

/** A ParsedStructure of freshly built atoms: ids 1 … N, positions wrapped into the box, ready for the LAMMPS data writer. */
export function finishStructure(parts: StructureParts): ParsedStructure {
  const n = parts.types.length;
  if (parts.positions.length !== 3 * n) throw new Error(`internal: ${parts.positions.length / 3} positions for ${n} types`);
  wrapPositions(parts.positions, parts.cell);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i + 1;
  return {
    format: 'lammps-data',
    ids,
    types: parts.types,
    positions: parts.positions,
    typeElements: parts.typeElements,
    cell: parts.cell,
    timestep: null,
    notes: parts.notes,
  };
}
