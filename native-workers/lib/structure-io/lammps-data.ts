/**
 * Reads LAMMPS data files (read_data / write_data layout): header counts and box, Masses (with element comments),
 * Atom Type Labels, Atoms of the common styles; every other section is skipped. Data files carry no boundary
 * flags, so the cell is taken as periodic in x, y and z; image flags are not needed because positions are wrapped.
 */
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { canonicalElement } from '../../../main/shared/elements';
import { cellFromLammpsBox, type LammpsBox } from './cell-math';
import { finishStructure, MAX_INT32 } from './finish-structure';
import { checkAtomsFitFile, checkTypeCount } from './limits';
import { LineReader, LineTokenizer, parseFiniteNumber } from './line-reader';
import { printable } from '../../../main/shared/printable';
import { checkOptionElements, elementsFromMasses, massMismatchNotes, resolveTypeElements } from './type-elements';
import { StructureFileError, type ParsedStructure, type ReadOptions } from './types';

/** Column layout of the Atoms section per atom style (0-based columns of type and x; y, z follow x). */
const ATOM_STYLES: Record<string, { columns: number; typeColumn: number; xColumn: number }> = {
  atomic: { columns: 5, typeColumn: 1, xColumn: 2 },
  charge: { columns: 6, typeColumn: 1, xColumn: 3 },
  full: { columns: 7, typeColumn: 2, xColumn: 4 },
  molecular: { columns: 6, typeColumn: 2, xColumn: 3 },
  bond: { columns: 6, typeColumn: 2, xColumn: 3 },
  angle: { columns: 6, typeColumn: 2, xColumn: 3 },
  sphere: { columns: 7, typeColumn: 1, xColumn: 4 },
};

/** Section keywords of read_data (a line holding exactly one of these starts a section). */
const SECTION_NAMES = new Set([
  'Atoms', 'Velocities', 'Masses', 'Ellipsoids', 'Lines', 'Triangles', 'Bodies', 'Bonds', 'Angles', 'Dihedrals',
  'Impropers', 'Pair Coeffs', 'PairIJ Coeffs', 'Bond Coeffs', 'Angle Coeffs', 'Dihedral Coeffs', 'Improper Coeffs',
  'BondBond Coeffs', 'BondAngle Coeffs', 'MiddleBondTorsion Coeffs', 'EndBondTorsion Coeffs', 'AngleTorsion Coeffs',
  'AngleAngleTorsion Coeffs', 'BondBond13 Coeffs', 'AngleAngle Coeffs', 'Atom Type Labels', 'Bond Type Labels',
  'Angle Type Labels', 'Dihedral Type Labels', 'Improper Type Labels',
]);

/** Header keywords whose counts this reader does not need. */
const IGNORED_HEADER = new Set([
  'bonds', 'angles', 'dihedrals', 'impropers', 'bond types', 'angle types', 'dihedral types', 'improper types',
  'extra bond per atom', 'extra angle per atom', 'extra dihedral per atom', 'extra improper per atom',
  'extra special per atom', 'ellipsoids', 'lines', 'triangles', 'bodies',
]);

const ROLE_SKIP = 0;
const ROLE_ID = 1;
const ROLE_TYPE = 2;
const ROLE_X = 3;

interface Header {
  atoms: number | null;
  atomTypes: number | null;
  /** Lines of the "N atoms" and "N atom types" header lines (for messages). */
  atomsLine: number | null;
  atomTypesLine: number | null;
  box: LammpsBox;
  boxSeen: { x: boolean; y: boolean; z: boolean; tilt: boolean };
  general: { avec?: Vec3; bvec?: Vec3; cvec?: Vec3; origin?: Vec3 };
}

function stripComment(text: string): { body: string; comment: string | null } {
  const hash = text.indexOf('#');
  return hash < 0 ? { body: text.trim(), comment: null } : { body: text.slice(0, hash).trim(), comment: text.slice(hash + 1).trim() };
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isIntegerStart(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43;
}

export function readLammpsData(file: string, options: ReadOptions = {}): ParsedStructure {
  const reader = new LineReader(file, { onProgress: options.onProgress, isCancelled: options.isCancelled });
  try {
    return parse(file, reader, options);
  } finally {
    reader.close();
  }
}

function parse(file: string, reader: LineReader, options: ReadOptions): ParsedStructure {
  const fail = (problem: string, line: number | null = reader.lineNumber): StructureFileError =>
    new StructureFileError(file, line, problem);
  if (!reader.next()) throw fail('the file is empty', null);
  // Line 1 is the title, whatever it says.
  const header: Header = {
    atoms: null,
    atomTypes: null,
    atomsLine: null,
    atomTypesLine: null,
    box: { xlo: -0.5, xhi: 0.5, ylo: -0.5, yhi: 0.5, zlo: -0.5, zhi: 0.5, xy: 0, xz: 0, yz: 0 },
    boxSeen: { x: false, y: false, z: false, tilt: false },
    general: {},
  };
  let sectionLine: { name: string; comment: string | null; line: number } | null = null;
  while (reader.next()) {
    const { body, comment } = stripComment(reader.text());
    if (body.length === 0) continue;
    if (isLetter(body.charCodeAt(0))) {
      sectionLine = { name: body.replace(/\s+/g, ' '), comment, line: reader.lineNumber };
      break;
    }
    parseHeaderLine(body, header, fail, reader.lineNumber);
  }
  if (sectionLine === null) throw fail('no Atoms section (the file ends after the header)');
  const atoms = header.atoms;
  const atomTypes = header.atomTypes;
  if (atoms === null) throw fail('the header has no "N atoms" line', null);
  if (atoms === 0) throw fail('the header says 0 atoms: the file holds no atoms', null);
  if (atoms > MAX_INT32) throw fail(`${atoms} atoms is more than this reader supports (2^31 − 1)`, header.atomsLine);
  if (atomTypes === null || atomTypes < 1) throw fail('the header has no "N atom types" line', null);
  // Counts are claims: check them before allocating per-type tables and per-atom arrays.
  checkTypeCount(file, header.atomTypesLine, atomTypes);
  checkAtomsFitFile(file, header.atomsLine, atoms, reader.totalBytes - reader.lineOffset());

  const tok = new LineTokenizer(file);
  const masses: (number | undefined)[] = new Array<number | undefined>(atomTypes).fill(undefined);
  const massComments: (string | null)[] = new Array<string | null>(atomTypes).fill(null);
  const typeLabels: (string | null)[] = new Array<string | null>(atomTypes).fill(null);
  const labelToType = new Map<string, number>();
  let ids: Int32Array | null = null;
  let types: Int32Array | null = null;
  let positions: Float64Array | null = null;
  let atomStyleNote: string | null = null;
  const seen = new Set<string>();

  /** Reads the next content line of a section; returns a section-keyword line, or null at EOF / 'line'. */
  const nextContent = (): 'line' | 'eof' | { name: string; comment: string | null; line: number } => {
    while (reader.next()) {
      tok.resetTo(reader);
      if (tok.atEnd()) continue;
      if (isLetter(tok.peekByte())) {
        const { body, comment } = stripComment(reader.text());
        const name = body.replace(/\s+/g, ' ');
        // Known keywords, or a digit-free word line: a section added by a fix (read_data … fix ID NULL Name).
        if (SECTION_NAMES.has(name) || /^[A-Za-z][A-Za-z ]*$/.test(name)) return { name, comment, line: reader.lineNumber };
      }
      return 'line';
    }
    return 'eof';
  };

  const typeOf = (what: string): number => {
    if (isIntegerStart(tok.peekByte())) {
      const t = tok.nextInt(what);
      if (t < 1 || t > atomTypes) throw tok.fail(`${what} ${t} is outside 1 … ${atomTypes} (the header says ${atomTypes} atom types)`);
      return t;
    }
    const label = tok.nextToken(what);
    const t = labelToType.get(label);
    if (t === undefined) throw tok.fail(`type label "${label}" is not defined in an Atom Type Labels section`);
    return t;
  };

  let section: { name: string; comment: string | null; line: number } | null = sectionLine;
  while (section !== null) {
    const current = section;
    section = null;
    if (seen.has(current.name) && (current.name === 'Atoms' || current.name === 'Masses')) {
      throw fail(`a second ${current.name} section`, current.line);
    }
    seen.add(current.name);
    if (current.name === 'Masses' || current.name === 'Atom Type Labels') {
      let count = 0;
      for (;;) {
        const r = nextContent();
        if (r === 'eof') break;
        if (r !== 'line') {
          section = r;
          break;
        }
        if (current.name === 'Masses') {
          const t = typeOf('type');
          const m = tok.nextFloat('mass');
          if (!(m > 0)) throw tok.fail(`mass ${m} must be positive`);
          masses[t - 1] = m;
          const { comment } = stripComment(reader.text());
          const word = comment?.split(/\s+/)[0];
          if (word !== undefined) massComments[t - 1] = canonicalElement(word);
        } else {
          const t = tok.nextInt('type');
          if (t < 1 || t > atomTypes) throw tok.fail(`type ${t} is outside 1 … ${atomTypes}`);
          const label = tok.nextToken('type label');
          typeLabels[t - 1] = canonicalElement(label);
          labelToType.set(label, t);
        }
        count++;
      }
      if (current.name === 'Masses' && count !== atomTypes) {
        throw fail(`the Masses section has ${count} lines but the header says ${atomTypes} atom types`, current.line);
      }
      continue;
    }
    if (current.name === 'Atoms') {
      const parsed = parseAtoms(file, reader, tok, current.comment, atoms, nextContent, typeOf);
      ids = parsed.ids;
      types = parsed.types;
      positions = parsed.positions;
      atomStyleNote = parsed.note;
      section = parsed.next;
      continue;
    }
    // Any other section (Velocities, Bonds, Pair Coeffs …): skip its lines up to the next section keyword.
    for (;;) {
      const r = nextContent();
      if (r === 'eof') break;
      if (r !== 'line') {
        section = r;
        break;
      }
    }
  }
  if (ids === null || types === null || positions === null) throw fail('the file has no Atoms section', null);

  const optionElements = checkOptionElements(file, options.elements, atomTypes);
  const notes: string[] = [];
  if (optionElements !== null && optionElements.length > atomTypes) {
    notes.push(`--elements names ${optionElements.length} elements for ${atomTypes} atom types; the extra ones were ignored`);
  }
  const massElements = elementsFromMasses(masses);
  const resolved = resolveTypeElements(
    file,
    atomTypes,
    [
      { label: '--elements', byType: optionElements ?? [] },
      { label: 'the Atom Type Labels', byType: typeLabels },
      { label: 'the Masses comments', byType: massComments },
      { label: 'the masses', byType: massElements, announce: true },
    ],
    seen.has('Masses') ? 'no element comment in Masses and the mass matches no element' : 'the file has no Masses section',
  );
  notes.push(...resolved.notes, ...massMismatchNotes(resolved.typeElements, masses));
  if (atomStyleNote !== null) notes.push(atomStyleNote);

  const cell = headerCell(file, header);
  return finishStructure({
    file,
    format: 'lammps-data',
    ids,
    types,
    positions,
    typeElements: resolved.typeElements,
    cell,
    timestep: null,
    notes,
  });
}

function parseHeaderLine(body: string, header: Header, fail: (problem: string) => StructureFileError, line: number): void {
  const tokens = body.split(/\s+/);
  const numbers: number[] = [];
  let k = 0;
  for (; k < tokens.length; k++) {
    const v = parseFiniteNumber(tokens[k]);
    if (v === null) break;
    numbers.push(v);
  }
  const keyword = tokens.slice(k).join(' ');
  const need = (count: number): void => {
    if (numbers.length !== count) throw fail(`"${printable(keyword, 60)}" needs ${count} number${count === 1 ? '' : 's'} before it`);
  };
  const count = (): number => {
    need(1);
    const v = numbers[0] as number;
    if (!Number.isInteger(v) || v < 0) throw fail(`"${keyword}" count must be a non-negative integer, found ${printable(tokens[0] ?? '', 40)}`);
    return v;
  };
  const vec = (): Vec3 => {
    need(3);
    return [numbers[0] as number, numbers[1] as number, numbers[2] as number];
  };
  switch (keyword) {
    case 'atoms':
      header.atoms = count();
      header.atomsLine = line;
      return;
    case 'atom types':
      header.atomTypes = count();
      header.atomTypesLine = line;
      return;
    case 'xlo xhi':
    case 'ylo yhi':
    case 'zlo zhi': {
      need(2);
      const [lo, hi] = numbers as [number, number];
      if (!(hi > lo)) throw fail(`${keyword}: hi (${hi}) must be greater than lo (${lo})`);
      const axis = keyword[0] as 'x' | 'y' | 'z';
      header.box[`${axis}lo`] = lo;
      header.box[`${axis}hi`] = hi;
      header.boxSeen[axis] = true;
      return;
    }
    case 'xy xz yz':
      need(3);
      [header.box.xy, header.box.xz, header.box.yz] = numbers as [number, number, number];
      header.boxSeen.tilt = true;
      return;
    case 'avec':
      header.general.avec = vec();
      return;
    case 'bvec':
      header.general.bvec = vec();
      return;
    case 'cvec':
      header.general.cvec = vec();
      return;
    case 'abc origin':
      header.general.origin = vec();
      return;
    default:
      if (IGNORED_HEADER.has(keyword)) return;
      throw fail(`unrecognised header line "${printable(body, 80)}" (expected counts such as "N atoms", box bounds or a section name such as Atoms)`);
  }
}

function headerCell(file: string, header: Header): Cell {
  const pbc: [boolean, boolean, boolean] = [true, true, true];
  const g = header.general;
  if (g.avec || g.bvec || g.cvec || g.origin) {
    if (header.boxSeen.x || header.boxSeen.y || header.boxSeen.z || header.boxSeen.tilt) {
      throw new StructureFileError(file, null, 'the header mixes avec/bvec/cvec with xlo xhi style box bounds');
    }
    if (!g.avec || !g.bvec || !g.cvec) throw new StructureFileError(file, null, 'a general triclinic header needs avec, bvec and cvec');
    return { origin: g.origin ?? [0, 0, 0], a: g.avec, b: g.bvec, c: g.cvec, pbc };
  }
  return cellFromLammpsBox(header.box, pbc);
}

type NextContent = () => 'line' | 'eof' | { name: string; comment: string | null; line: number };

function parseAtoms(
  file: string,
  reader: LineReader,
  tok: LineTokenizer,
  styleComment: string | null,
  atoms: number,
  nextContent: NextContent,
  typeOf: (what: string) => number,
): {
  ids: Int32Array;
  types: Int32Array;
  positions: Float64Array;
  note: string | null;
  next: { name: string; comment: string | null; line: number } | null;
} {
  const ids = new Int32Array(atoms);
  const types = new Int32Array(atoms);
  const positions = new Float64Array(3 * atoms);
  const style = styleComment?.split(/\s+/)[0]?.toLowerCase() ?? null;
  let roles: Int8Array | null = null;
  let note: string | null = null;
  let i = 0;
  let next: { name: string; comment: string | null; line: number } | null = null;
  for (;;) {
    const r = nextContent();
    if (r === 'eof') break;
    if (r !== 'line') {
      next = r;
      break;
    }
    if (roles === null) {
      const layout = atomLayout(file, reader.lineNumber, style, tok.countTokens());
      roles = layout.roles;
      note = layout.note;
    }
    if (i >= atoms) throw tok.fail(`the Atoms section has more lines than the ${atoms} atoms the header declares`);
    const columns = roles.length;
    for (let c = 0; c < columns; c++) {
      switch (roles[c]) {
        case ROLE_ID: {
          const id = tok.nextInt('atom id');
          if (id < 1 || id > MAX_INT32) throw tok.fail(`atom id ${id} is outside 1 … 2147483647`);
          ids[i] = id;
          break;
        }
        case ROLE_TYPE:
          types[i] = typeOf('atom type');
          break;
        case ROLE_X:
          positions[3 * i] = tok.nextCoordinate('x', ids[i] as number);
          positions[3 * i + 1] = tok.nextCoordinate('y', ids[i] as number);
          positions[3 * i + 2] = tok.nextCoordinate('z', ids[i] as number);
          c += 2;
          break;
        default:
          if (tok.atEnd()) throw tok.fail(`the line has fewer than the ${columns} columns of the first Atoms line`);
          tok.skipToken();
      }
    }
    if (!tok.atEnd()) throw tok.fail(`the line has more than the ${columns} columns of the first Atoms line`);
    i++;
  }
  if (i < atoms) {
    throw new StructureFileError(
      file,
      next?.line ?? reader.lineNumber,
      `the Atoms section ends after ${i} of the ${atoms} atoms the header declares (truncated file?)`,
    );
  }
  return { ids, types, positions, note, next };
}

function atomLayout(file: string, line: number, style: string | null, columns: number): { roles: Int8Array; note: string | null } {
  let layout = style === null ? undefined : ATOM_STYLES[style];
  let note: string | null = null;
  if (style !== null && layout === undefined) {
    throw new StructureFileError(
      file,
      line,
      `atom style "${style}" is not supported; supported: ${Object.keys(ATOM_STYLES).join(', ')}`,
    );
  }
  if (layout === undefined) {
    if (columns !== 5 && columns !== 8) {
      throw new StructureFileError(
        file,
        line,
        `the Atoms section has ${columns} columns and no style comment; add one after the keyword, e.g. "Atoms # full" (supported: ${Object.keys(ATOM_STYLES).join(', ')})`,
      );
    }
    layout = ATOM_STYLES.atomic as { columns: number; typeColumn: number; xColumn: number };
    note = 'the Atoms section has no style comment; read as atom style atomic (id type x y z)';
  }
  if (columns !== layout.columns && columns !== layout.columns + 3) {
    throw new StructureFileError(
      file,
      line,
      `atom style ${style ?? 'atomic'} has ${layout.columns} columns (or ${layout.columns + 3} with image flags), this line has ${columns}`,
    );
  }
  const roles = new Int8Array(columns).fill(ROLE_SKIP);
  roles[0] = ROLE_ID;
  roles[layout.typeColumn] = ROLE_TYPE;
  roles[layout.xColumn] = ROLE_X;
  return { roles, note };
}
