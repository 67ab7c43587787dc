/**
 * Bounds on what a structure file's header may ask for. A header count is only a claim: it is checked against the
 * bytes the file actually has (or a sane maximum) before anything is allocated for it, so a damaged or hostile
 * header gives a message naming the file and line instead of an allocation that kills the import.
 */
import type { Cell } from '../../../main/shared/domain';
import { StructureFileError } from './types';

/**
 * Atom types one file may declare. Real inputs have a handful (coarse-grained models a few hundred); every type
 * costs per-type tables, so a header asking for billions is refused rather than allocated.
 */
export const MAX_ATOM_TYPES = 100_000;

/**
 * The largest coordinate magnitude accepted, in Å (100 µm). Far beyond any simulation cell; beyond it doubles lose
 * the sub-ångström precision positions need, and wrapping 1e30 "into the cell" would only produce noise.
 */
export const MAX_COORDINATE = 1e6;

/**
 * Every atom takes a line of at least one character and a newline. The bound is loose on purpose: a moderately
 * truncated file still reaches the reader's own "the file ends after i of N atoms" message naming the line, while a
 * count that no file of this size could hold is refused before its arrays (32 bytes an atom) are allocated, so
 * what a header can make a reader allocate stays within 16× the file's size.
 */
export const MIN_BYTES_PER_ATOM = 2;

/** Refuses `count` atoms that cannot fit in the `bytesLeft` bytes after the count's line `line`. */
export function checkAtomsFitFile(file: string, line: number | null, count: number, bytesLeft: number, what = 'the header'): void {
  // The last line may lack its newline: one byte of slack.
  const capacity = Math.floor((Math.max(0, bytesLeft) + 1) / MIN_BYTES_PER_ATOM);
  if (count > capacity) {
    throw new StructureFileError(
      file,
      line,
      `${what} declares ${count} atoms, but the ${Math.max(0, bytesLeft)} bytes that follow can hold at most ${capacity} atom lines (damaged header or truncated file?)`,
    );
  }
}

/** Refuses a type count above MAX_ATOM_TYPES. */
export function checkTypeCount(file: string, line: number | null, count: number, what = 'the header declares'): void {
  if (count > MAX_ATOM_TYPES) {
    throw new StructureFileError(file, line, `${what} ${count} atom types, more than this reader accepts (at most ${MAX_ATOM_TYPES}); is the header damaged?`);
  }
}

/** Refuses a coordinate that is not finite or lies absurdly far out (|value| > MAX_COORDINATE Å). */
export function coordinateProblem(value: number, what: string): string | null {
  if (!Number.isFinite(value)) return `${what} = ${value} is not a finite number`;
  if (Math.abs(value) > MAX_COORDINATE) {
    return `${what} = ${value} lies more than ${MAX_COORDINATE} Å from the origin (100 µm): not an atom position of a simulation cell`;
  }
  return null;
}

/**
 * Refuses a cell whose origin or edge vectors are not finite or reach beyond MAX_COORDINATE Å (before any volume or
 * inverse is computed from it: 1e300-long vectors overflow to a "zero-volume" or infinite cell).
 */
export function checkCell(file: string, line: number | null, cell: Cell): void {
  const parts: [string, readonly number[]][] = [['origin', cell.origin], ['vector a', cell.a], ['vector b', cell.b], ['vector c', cell.c]];
  for (const [name, vector] of parts) {
    if (vector.every((v) => Math.abs(v) <= MAX_COORDINATE)) continue;
    throw new StructureFileError(
      file,
      line,
      `the cell ${name} (${vector.join(', ')}) Å is not finite or reaches beyond ${MAX_COORDINATE} Å: not a simulation cell (damaged box or lattice lines?)`,
    );
  }
}
