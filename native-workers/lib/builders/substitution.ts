/**
 * Random substitutional doping (papers/000 §2.1: "converting 36% of the atoms to Zr"): exactly round(fraction ×
 * eligible) atoms change element, chosen by a seeded partial Fisher–Yates shuffle so a seed always picks the same atoms.
 */
import { mulberry32 } from '../datasets/random-split';
import type { ParsedStructure } from '../structure-io/types';
import { BuilderInputError } from './builder-input-error';
import { typeForElement } from './periodic-box';

export interface SubstitutionOptions {
  /** The new element, e.g. 'Zr'; added as a new type when the structure has none of it. */
  element: string;
  /** Fraction of the eligible atoms to convert, 0 … 1. */
  fraction: number;
  seed: number;
  /** Per atom, 1 = may be converted (e.g. outside frozen nanocrystals); default every atom. */
  eligible?: Uint8Array;
}

export interface Substitution {
  /** A new structure; the input is not modified. */
  structure: ParsedStructure;
  /** Per atom, 1 = converted here. */
  substituted: Uint8Array;
  substitutedCount: number;
  /** Eligible atoms that were not already `element`: the population the fraction applies to. */
  eligibleCount: number;
}

/** Indices of atoms that may be converted: eligible by the mask and not already the target type. */
function candidateAtoms(structure: ParsedStructure, type: number, eligible: Uint8Array | undefined): Int32Array {
  const n = structure.types.length;
  if (eligible !== undefined && eligible.length !== n) {
    throw new BuilderInputError(`the eligible mask has ${eligible.length} entries for ${n} atoms`);
  }
  const picked: number[] = [];
  for (let i = 0; i < n; i++) {
    if ((eligible === undefined || eligible[i] !== 0) && structure.types[i] !== type) picked.push(i);
  }
  return Int32Array.from(picked);
}

/** Converts round(fraction × eligible) randomly chosen eligible atoms to `element`. */
export function substituteRandomly(structure: ParsedStructure, options: SubstitutionOptions): Substitution {
  const { element, fraction, seed } = options;
  if (!(Number.isFinite(fraction) && fraction >= 0 && fraction <= 1)) {
    throw new BuilderInputError(`the substitution fraction must be in [0, 1], got ${fraction}`);
  }
  if (!Number.isInteger(seed)) throw new BuilderInputError(`the seed must be an integer, got ${seed}`);
  const { typeElements, type } = typeForElement(structure.typeElements, element);
  const candidates = candidateAtoms(structure, type, options.eligible);
  const count = Math.round(fraction * candidates.length);
  // Partial Fisher–Yates: after step i, candidates[0 … i] is a uniform random i+1-subset, in random order.
  const random = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (candidates.length - i));
    const t = candidates[i] as number;
    candidates[i] = candidates[j] as number;
    candidates[j] = t;
  }
  const types = structure.types.slice();
  const substituted = new Uint8Array(types.length);
  for (let i = 0; i < count; i++) {
    const atom = candidates[i] as number;
    types[atom] = type;
    substituted[atom] = 1;
  }
  const note =
    `substituted ${count} of ${candidates.length} eligible atoms with ${element} ` +
    `(fraction ${fraction}, seed ${seed}${options.eligible === undefined ? '' : ', masked'})`;
  return {
    structure: {
      ...structure,
      ids: structure.ids.slice(),
      types,
      positions: structure.positions.slice(),
      typeElements,
      cell: structuredClone(structure.cell),
      notes: [...structure.notes, note],
    },
    substituted,
    substitutedCount: count,
    eligibleCount: candidates.length,
  };
}
