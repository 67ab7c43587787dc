/**
 * The last step every reader shares: validate ids and types, sort atoms by id (ids, types and positions kept
 * aligned), wrap into the cell, and assemble the ParsedStructure with its notes.
 */
import type { Cell, StructureFormat } from '../../../main/shared/domain';
import { canonicalElement } from '../../../main/shared/elements';
import { StructureFileError, type ParsedStructure } from './types';
import { wrapNote, wrapPositions } from './wrap';

export const MAX_INT32 = 2147483647;

export interface RawAtoms {
  ids: Int32Array;
  types: Int32Array;
  positions: Float64Array;
}

export interface FinishInput extends RawAtoms {
  file: string;
  format: StructureFormat;
  typeElements: string[];
  cell: Cell;
  timestep: number | null;
  notes: string[];
}

export function finishStructure(input: FinishInput): ParsedStructure {
  const { file, typeElements } = input;
  const n = input.ids.length;
  if (n === 0) throw new StructureFileError(file, null, 'the file holds no atoms');
  if (input.types.length !== n || input.positions.length !== 3 * n) {
    throw new Error('finishStructure: ids, types and positions have different lengths');
  }
  for (const symbol of typeElements) {
    if (canonicalElement(symbol) !== symbol) throw new StructureFileError(file, null, `"${symbol}" is not an element symbol`);
  }
  const types = input.types;
  for (let i = 0; i < n; i++) {
    const t = types[i] as number;
    if (t < 1 || t > typeElements.length) {
      throw new StructureFileError(file, null, `atom ${input.ids[i]} has type ${t}, outside 1 … ${typeElements.length}`);
    }
  }
  const sorted = sortById(file, input);
  const wrapped = wrapPositions(file, sorted.positions, sorted.ids, input.cell);
  const notes = [...input.notes];
  const note = wrapNote(wrapped);
  if (note !== null) notes.push(note);
  return {
    format: input.format,
    ids: sorted.ids,
    types: sorted.types,
    positions: sorted.positions,
    typeElements: [...typeElements],
    cell: input.cell,
    timestep: input.timestep,
    notes,
  };
}

function duplicateError(file: string, id: number): StructureFileError {
  return new StructureFileError(file, null, `atom id ${id} appears more than once`);
}

/** Atoms ordered by ascending id; throws on duplicates. Returns the input arrays when already sorted. */
export function sortById(file: string, atoms: RawAtoms): RawAtoms {
  const { ids } = atoms;
  const n = ids.length;
  let ascending = true;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (i > 0 && id <= (ids[i - 1] as number)) {
      if (id === ids[i - 1]) throw duplicateError(file, id);
      ascending = false;
    }
    if (id < min) min = id;
    if (id > max) max = id;
  }
  if (ascending) return atoms;
  let order: Int32Array;
  const range = max - min + 1;
  if (range <= 4 * n + 1024) {
    // Dense ids (the usual case): place each atom in its slot, O(N + range), duplicates found on the way.
    const slot = new Int32Array(range).fill(-1);
    for (let i = 0; i < n; i++) {
      const s = (ids[i] as number) - min;
      if ((slot[s] as number) >= 0) throw duplicateError(file, ids[i] as number);
      slot[s] = i;
    }
    order = new Int32Array(n);
    let k = 0;
    for (let s = 0; s < range; s++) if ((slot[s] as number) >= 0) order[k++] = slot[s] as number;
  } else {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((p, q) => (ids[p] as number) - (ids[q] as number));
    for (let i = 1; i < n; i++) {
      if (ids[order[i] as number] === ids[order[i - 1] as number]) throw duplicateError(file, ids[order[i] as number] as number);
    }
  }
  const outIds = new Int32Array(n);
  const outTypes = new Int32Array(n);
  const outPositions = new Float64Array(3 * n);
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    outIds[k] = ids[i] as number;
    outTypes[k] = atoms.types[i] as number;
    outPositions[3 * k] = atoms.positions[3 * i] as number;
    outPositions[3 * k + 1] = atoms.positions[3 * i + 1] as number;
    outPositions[3 * k + 2] = atoms.positions[3 * i + 2] as number;
  }
  return { ids: outIds, types: outTypes, positions: outPositions };
}

/** 1 … n, for formats without atom ids. */
export function sequentialIds(n: number): Int32Array {
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i + 1;
  return ids;
}
