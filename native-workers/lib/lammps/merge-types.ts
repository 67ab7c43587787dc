/**
 * Folds LAMMPS types that name the same element into one (the composite protocol's frozen nanocrystal type is the
 * host element under another type number) and drops empty trailing types, so a structure has one type per element.
 */
import type { ParsedStructure } from '../structure-io/types';

export function mergeTypesOfSameElement(structure: ParsedStructure): ParsedStructure {
  const elements: string[] = [];
  const remap = structure.typeElements.map((element) => {
    let index = elements.indexOf(element);
    if (index < 0) {
      elements.push(element);
      index = elements.length - 1;
    }
    return index + 1;
  });
  if (elements.length === structure.typeElements.length) return structure;
  const types = new Int32Array(structure.types.length);
  for (let i = 0; i < types.length; i++) types[i] = remap[(structure.types[i] as number) - 1] as number;
  return { ...structure, types, typeElements: elements };
}
