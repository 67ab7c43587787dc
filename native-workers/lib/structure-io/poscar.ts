/**
 * Reads VASP POSCAR / CONTCAR files (VASP 4 and 5 layouts): scale or target volume, general lattice, species and
 * counts, optional Selective dynamics, Direct or Cartesian coordinates. Types follow the species order; ids 1 … N.
 */
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { canonicalElement } from '../../../main/shared/elements';
import { cellVolume, CellFrame } from './cell-math';
import { finishStructure, MAX_INT32, sequentialIds } from './finish-structure';
import { LineReader, LineTokenizer, parseFiniteNumber } from './line-reader';
import { checkOptionElements, missingElementsError } from './type-elements';
import { checkAtomsFitFile, checkCell, coordinateProblem } from './limits';
import { printable } from '../../../main/shared/printable';
import { StructureFileError, type ParsedStructure, type ReadOptions } from './types';

/** "Cu", "Cu_pv", "Zr_sv/1a2b3c" (VASP 6 POTCAR hashes) → "Cu"; null when it is not an element. */
export function poscarSpecies(word: string): string | null {
  const stem = word.split(/[_/.:]/)[0] ?? '';
  return canonicalElement(stem);
}

export function readPoscar(file: string, options: ReadOptions = {}): ParsedStructure {
  const reader = new LineReader(file, { onProgress: options.onProgress, isCancelled: options.isCancelled });
  try {
    return parse(file, reader, options);
  } finally {
    reader.close();
  }
}

function parse(file: string, reader: LineReader, options: ReadOptions): ParsedStructure {
  const line = (what: string): string => {
    if (!reader.next()) throw new StructureFileError(file, reader.lineNumber, `the file ends before ${what}`);
    return reader.text().trim();
  };
  const fail = (problem: string): StructureFileError => new StructureFileError(file, reader.lineNumber, problem);
  const numbers = (text: string, what: string, count: number): number[] => {
    const words = text.split(/\s+/).slice(0, count);
    const v = words.map((w) => parseFiniteNumber(w));
    if (v.length < count || v.some((x) => x === null)) throw fail(`${what} needs ${count} finite numbers, found "${printable(text, 60)}"`);
    return v as number[];
  };

  const title = line('the comment line');
  const scaleWords = line('the scale factor').split(/\s+/);
  const scaleCount = scaleWords.length >= 3 && scaleWords.slice(0, 3).every((w) => parseFiniteNumber(w) !== null) ? 3 : 1;
  const scale = numbers(scaleWords.join(' '), 'the scale line', scaleCount);
  const rows: Vec3[] = [];
  for (let k = 0; k < 3; k++) rows.push(numbers(line('the lattice vectors'), `lattice vector ${k + 1}`, 3) as Vec3);

  let speciesLine: string[] | null = null;
  let countsText = line('the atom counts');
  if (parseFiniteNumber(countsText.split(/\s+/)[0]) === null) {
    speciesLine = countsText.split(/\s+/).filter((w) => !w.startsWith('#'));
    countsText = line('the atom counts');
  }
  const countsLine = reader.lineNumber;
  const counts = countsText
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => parseFiniteNumber(w));
  if (counts.length === 0 || counts.some((c) => c === null || !Number.isInteger(c) || c < 0)) {
    throw fail(`the atom counts line needs non-negative integers, found "${printable(countsText, 60)}"`);
  }
  const perSpecies = counts as number[];
  if (speciesLine !== null && speciesLine.length !== perSpecies.length) {
    throw fail(`${speciesLine.length} species names but ${perSpecies.length} counts`);
  }
  const total = perSpecies.reduce((a, b) => a + b, 0);
  if (total === 0) throw fail('the atom counts add up to 0: the file holds no atoms');
  if (total > MAX_INT32) throw fail(`${total} atoms is more than this reader supports`);

  let mode = line('the coordinate mode (Direct or Cartesian)');
  if (/^s/i.test(mode)) mode = line('the coordinate mode (Direct or Cartesian)');
  const cartesian = /^[ck]/i.test(mode);
  if (!cartesian && !/^d/i.test(mode)) {
    throw fail(`expected "Direct" or "Cartesian", found "${printable(mode, 60)}"`);
  }

  // Species: --elements, else the VASP 5 names line; VASP 4 files need --elements.
  const optionElements = checkOptionElements(file, options.elements, perSpecies.length);
  let typeElements: string[];
  const notes: string[] = [];
  if (optionElements !== null) {
    typeElements = optionElements.slice(0, perSpecies.length);
  } else if (speciesLine !== null) {
    typeElements = speciesLine.map((w) => {
      const s = poscarSpecies(w);
      if (s === null) throw new StructureFileError(file, countsLine - 1, `"${w}" in the species line is not an element symbol`);
      return s;
    });
  } else {
    throw missingElementsError(file, perSpecies.length, [], 'VASP 4 POSCAR without a species line');
  }
  const duplicates = typeElements.filter((e, i) => typeElements.indexOf(e) !== i);
  if (duplicates.length > 0) notes.push(`species ${[...new Set(duplicates)].join(', ')} appear in more than one block; each block is its own type`);

  // Lattice with scale: one factor, three per-axis factors, or a negative target volume.
  let lattice = rows;
  let coordScale: Vec3 = [1, 1, 1];
  if (scaleCount === 3) {
    if (scale.some((s) => !(s > 0))) throw new StructureFileError(file, 2, 'the three scale factors must be positive');
    coordScale = scale as Vec3;
    lattice = rows.map((r) => [r[0] * coordScale[0], r[1] * coordScale[1], r[2] * coordScale[2]] as Vec3);
  } else {
    const s = scale[0] as number;
    if (s === 0) throw new StructureFileError(file, 2, 'the scale factor is 0');
    let factor = s;
    if (s < 0) {
      const raw: Cell = { origin: [0, 0, 0], a: rows[0] as Vec3, b: rows[1] as Vec3, c: rows[2] as Vec3, pbc: [true, true, true] };
      const volume = Math.abs(cellVolume(raw));
      if (volume === 0) throw new StructureFileError(file, 3, 'the lattice vectors span zero volume');
      factor = Math.cbrt(-s / volume);
      notes.push(`negative scale: lattice scaled to a volume of ${-s} Å³`);
    }
    coordScale = [factor, factor, factor];
    lattice = factor === 1 ? rows : rows.map((r) => [r[0] * factor, r[1] * factor, r[2] * factor] as Vec3);
  }
  const cell: Cell = { origin: [0, 0, 0], a: lattice[0] as Vec3, b: lattice[1] as Vec3, c: lattice[2] as Vec3, pbc: [true, true, true] };
  checkCell(file, 3, cell);
  if (cellVolume(cell) === 0) throw new StructureFileError(file, 3, 'the lattice vectors span zero volume');

  // The counts are a claim: check them against the bytes left before allocating.
  checkAtomsFitFile(file, countsLine, total, reader.totalBytes - reader.nextLineOffset(), 'the counts line');
  const types = new Int32Array(total);
  const positions = new Float64Array(3 * total);
  const tok = new LineTokenizer(file);
  const firstCoordinateLine = reader.lineNumber + 1;
  let i = 0;
  perSpecies.forEach((count, s) => {
    for (let k = 0; k < count; k++, i++) {
      if (!reader.next()) {
        throw new StructureFileError(file, reader.lineNumber, `the counts line declares ${total} atoms but the file ends after ${i} coordinate lines (truncated file?)`);
      }
      tok.resetTo(reader);
      if (tok.atEnd()) throw tok.fail(`expected the coordinates of atom ${i + 1} of ${total}, found an empty line (truncated atom list?)`);
      positions[3 * i] = tok.nextFloat('x');
      positions[3 * i + 1] = tok.nextFloat('y');
      positions[3 * i + 2] = tok.nextFloat('z');
      types[i] = s + 1;
      // Selective-dynamics flags or per-atom labels may follow; they do not matter here.
    }
  });
  if (cartesian) {
    for (let j = 0; j < positions.length; j += 3) {
      positions[j] = (positions[j] as number) * coordScale[0];
      positions[j + 1] = (positions[j + 1] as number) * coordScale[1];
      positions[j + 2] = (positions[j + 2] as number) * coordScale[2];
    }
  } else {
    try {
      new CellFrame(cell).fractionalToCartesian(positions);
    } catch {
      throw new StructureFileError(file, 3, 'the lattice vectors span (almost) zero volume');
    }
  }
  // Checked after scaling: the Å values are what must be sane (coordinate lines are consecutive, one per atom).
  for (let j = 0; j < total; j++) {
    for (let k = 0; k < 3; k++) {
      const problem = coordinateProblem(positions[3 * j + k] as number, `${'xyz'[k]} (Å, after scaling)`);
      if (problem !== null) throw new StructureFileError(file, firstCoordinateLine + j, `atom ${j + 1}: ${problem}`);
    }
  }
  if (title.length > 0) notes.unshift(`POSCAR comment: ${printable(title, 120)}`);
  return finishStructure({
    file,
    format: 'poscar',
    ids: sequentialIds(total),
    types,
    positions,
    typeElements,
    cell,
    timestep: null,
    notes,
  });
}
