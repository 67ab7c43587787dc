/**
 * Deciding the element of each atom type: the user's `--elements` first, then what the file says (labels,
 * comments, element columns), then masses; unresolved types become one error that tells the user what to pass.
 */
import { atomicMass, canonicalElement, elementFromMass } from '../../../main/shared/elements';
import { StructureFileError } from './types';

/** One candidate source of an element per type (index 0 = type 1); null entries are unknown. */
export interface ElementSource {
  /** Words for the import note, e.g. "the Masses comments". */
  label: string;
  byType: ReadonlyArray<string | null | undefined>;
  /** When true, a note lists what this source decided (guesses such as masses deserve to be visible). */
  announce?: boolean;
}

const EXAMPLE_ELEMENTS = ['Cu', 'Zr', 'Al', 'Ni', 'Ag', 'Ti', 'Fe', 'Co', 'Mg', 'Si'];

/** Validates `options.elements` (canonical symbols) against the file's number of types. */
export function checkOptionElements(file: string, elements: readonly string[] | undefined, typeCount: number | null): string[] | null {
  if (elements === undefined || elements.length === 0) return null;
  const out = elements.map((e) => {
    const symbol = canonicalElement(e);
    if (symbol === null) throw new StructureFileError(file, null, `"${e}" given in --elements is not an element symbol`);
    return symbol;
  });
  if (typeCount !== null && out.length < typeCount) {
    throw new StructureFileError(
      file,
      null,
      `--elements names ${out.length} element${out.length === 1 ? '' : 's'} but the file has ${typeCount} atom types; give one symbol per type, in type order`,
    );
  }
  return out;
}

/** The "pass --elements" error for types nothing could name. */
export function missingElementsError(
  file: string,
  typeCount: number,
  known: ReadonlyArray<string | null | undefined>,
  why: string,
): StructureFileError {
  const missing: number[] = [];
  const example: string[] = [];
  for (let t = 1; t <= typeCount; t++) {
    const k = known[t - 1];
    if (k === null || k === undefined) missing.push(t);
    example.push(k ?? EXAMPLE_ELEMENTS[(t - 1) % EXAMPLE_ELEMENTS.length] ?? 'Cu');
  }
  const which = missing.length === 1 ? `type ${missing[0]}` : `types ${missing.join(', ')}`;
  return new StructureFileError(
    file,
    null,
    `the element of atom ${which} is unknown (${why}); pass --elements with one symbol per type in type order, e.g. --elements ${example.join(',')}`,
  );
}

/**
 * Resolves elements for types 1 … typeCount from `sources` in priority order. Returns the symbols and notes, or
 * throws missingElementsError naming the unresolved types.
 */
export function resolveTypeElements(
  file: string,
  typeCount: number,
  sources: readonly ElementSource[],
  why: string,
): { typeElements: string[]; notes: string[] } {
  const result: (string | null)[] = new Array<string | null>(typeCount).fill(null);
  const decidedBy: number[] = new Array<number>(typeCount).fill(-1);
  sources.forEach((source, s) => {
    for (let t = 0; t < typeCount; t++) {
      if (result[t] !== null) continue;
      const e = source.byType[t];
      if (e !== null && e !== undefined) {
        result[t] = e;
        decidedBy[t] = s;
      }
    }
  });
  if (result.some((e) => e === null)) throw missingElementsError(file, typeCount, result, why);
  const notes: string[] = [];
  sources.forEach((source, s) => {
    if (!source.announce) return;
    const parts: string[] = [];
    for (let t = 0; t < typeCount; t++) if (decidedBy[t] === s) parts.push(`type ${t + 1} = ${result[t]}`);
    if (parts.length > 0) notes.push(`elements from ${source.label}: ${parts.join(', ')}`);
  });
  return { typeElements: result as string[], notes };
}

/** Elements matched from masses (null where no element's weight is unambiguously close). */
export function elementsFromMasses(masses: ReadonlyArray<number | undefined>): (string | null)[] {
  return masses.map((m) => (m === undefined ? null : elementFromMass(m)));
}

/** Notes for types whose given mass is far from the element chosen for them (a likely mistake in --elements). */
export function massMismatchNotes(typeElements: readonly string[], masses: ReadonlyArray<number | undefined>): string[] {
  const notes: string[] = [];
  typeElements.forEach((symbol, t) => {
    const m = masses[t];
    const expected = atomicMass(symbol);
    if (m === undefined || expected === null) return;
    if (Math.abs(m - expected) > Math.max(0.5, 0.01 * expected)) {
      notes.push(`type ${t + 1} is ${symbol} (${expected} u) but the file gives mass ${m} u`);
    }
  });
  return notes;
}
