/**
 * Reads extended XYZ (Lattice, Properties, pbc on the comment line) and plain XYZ (element x y z), one frame of a
 * multi-frame file. Without a Lattice the cell is non-periodic: the atoms' bounding box plus NON_PERIODIC_PAD_A.
 * Types follow `--elements` order when given, else the order in which species first appear.
 */
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { canonicalElement } from '../../../main/shared/elements';
import { boundingBoxCell } from './cell-math';
import { finishStructure, MAX_INT32, sequentialIds } from './finish-structure';
import { atomsOfFrame, frameKnownUpFront, frameNote, resolveFrame, type FrameOption } from './frame-choice';
import { checkAtomsFitFile } from './limits';
import { LineReader, LineTokenizer, parseFiniteNumber } from './line-reader';
import { checkOptionElements } from './type-elements';
import { StructureFileError, type ParsedStructure, type ReadOptions } from './types';

/** Vacuum (Å) added on every side of the bounding box when an XYZ file has no Lattice. */
export const NON_PERIODIC_PAD_A = 1.0;

const ROLE_SKIP = 0;
const ROLE_SPECIES = 1;
const ROLE_POS = 2;
const ROLE_ID = 3;

/** Parses an extended-XYZ comment line into key → value (keys lower-cased); bare keys get "T". */
export function parseExtxyzComment(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const isSpace = (ch: string | undefined): boolean => ch === ' ' || ch === '\t' || ch === '\r';
  const readValue = (): string => {
    const open = text[i];
    if (open === '"' || open === "'") {
      i++;
      let v = '';
      while (i < n && text[i] !== open) {
        if (text[i] === '\\' && i + 1 < n) i++;
        v += text[i];
        i++;
      }
      i++;
      return v;
    }
    if (open === '{') {
      const close = text.indexOf('}', i);
      const v = text.slice(i + 1, close < 0 ? n : close);
      i = close < 0 ? n : close + 1;
      return v;
    }
    const start = i;
    while (i < n && !isSpace(text[i])) i++;
    return text.slice(start, i);
  };
  while (i < n) {
    while (i < n && isSpace(text[i])) i++;
    if (i >= n) break;
    let key: string;
    if (text[i] === '"' || text[i] === "'") {
      key = readValue();
    } else {
      const start = i;
      while (i < n && !isSpace(text[i]) && text[i] !== '=') i++;
      key = text.slice(start, i);
    }
    let j = i;
    while (j < n && isSpace(text[j])) j++;
    if (text[j] === '=') {
      i = j + 1;
      while (i < n && isSpace(text[i])) i++;
      out.set(key.toLowerCase(), i < n ? readValue() : '');
    } else if (key.length > 0) {
      out.set(key.toLowerCase(), 'T');
    }
  }
  return out;
}

interface XyzHeader {
  atoms: number;
  comment: Map<string, string>;
  extended: boolean;
  countLine: number;
  atomsOffset: number;
  atomsLine: number;
}

interface Layout {
  roles: Int8Array;
  columns: number;
  /** Plain XYZ lines may carry extra columns (charges, forces …). */
  extraAllowed: boolean;
  hasId: boolean;
}

function layoutOf(file: string, header: XyzHeader): Layout {
  if (!header.extended) {
    return { roles: Int8Array.from([ROLE_SPECIES, ROLE_POS, ROLE_SKIP, ROLE_SKIP]), columns: 4, extraAllowed: true, hasId: false };
  }
  const spec = header.comment.get('properties') ?? 'species:S:1:pos:R:3';
  const parts = spec.split(':');
  if (parts.length % 3 !== 0) throw new StructureFileError(file, header.countLine + 1, `Properties="${spec}" is not name:type:count triples`);
  const roles: number[] = [];
  let species = false;
  let pos = false;
  let hasId = false;
  for (let k = 0; k < parts.length; k += 3) {
    const name = parts[k] as string;
    const type = (parts[k + 1] as string).toUpperCase();
    const count = Number(parts[k + 2]);
    if (!['S', 'R', 'I', 'L'].includes(type) || !Number.isInteger(count) || count < 1) {
      throw new StructureFileError(file, header.countLine + 1, `Properties entry ${name}:${parts[k + 1]}:${parts[k + 2]} is malformed`);
    }
    const lower = name.toLowerCase();
    if (lower === 'species' && count === 1) {
      roles.push(ROLE_SPECIES);
      species = true;
    } else if (lower === 'pos' && count === 3 && type === 'R') {
      roles.push(ROLE_POS, ROLE_SKIP, ROLE_SKIP);
      pos = true;
    } else if (lower === 'id' && count === 1 && type === 'I') {
      roles.push(ROLE_ID);
      hasId = true;
    } else {
      for (let c = 0; c < count; c++) roles.push(ROLE_SKIP);
    }
  }
  if (!species || !pos) {
    throw new StructureFileError(file, header.countLine + 1, `Properties="${spec}" needs species:S:1 and pos:R:3`);
  }
  return { roles: Int8Array.from(roles), columns: roles.length, extraAllowed: false, hasId };
}

function readHeader(file: string, reader: LineReader): XyzHeader | null {
  let text = '';
  do {
    if (!reader.next()) return null;
    text = reader.text().trim();
  } while (text.length === 0);
  const countLine = reader.lineNumber;
  const count = parseFiniteNumber(text.split(/\s+/)[0]);
  if (count === null || !Number.isInteger(count) || count < 0 || text.split(/\s+/).length !== 1) {
    throw new StructureFileError(file, countLine, `expected the number of atoms of a frame, found "${text.slice(0, 60)}"`);
  }
  if (count === 0) throw new StructureFileError(file, countLine, 'the frame holds no atoms');
  if (count > MAX_INT32) throw new StructureFileError(file, countLine, `${count} atoms is more than this reader supports`);
  if (!reader.next()) throw new StructureFileError(file, countLine, 'the file ends after the atom count (no comment line)');
  const comment = parseExtxyzComment(reader.text());
  const extended = comment.has('lattice') || comment.has('properties');
  return {
    atoms: count,
    comment,
    extended,
    countLine,
    atomsOffset: reader.nextLineOffset(),
    atomsLine: reader.lineNumber + 1,
  };
}

interface XyzAtoms {
  ids: Int32Array;
  types: Int32Array;
  positions: Float64Array;
  typeElements: string[];
}

function parseAtoms(
  file: string,
  reader: LineReader,
  tok: LineTokenizer,
  header: XyzHeader,
  optionElements: string[] | null,
): XyzAtoms {
  const layout = layoutOf(file, header);
  const n = header.atoms;
  // The count line is a claim: check it against the bytes left before allocating.
  checkAtomsFitFile(file, header.countLine, n, reader.totalBytes - header.atomsOffset, 'the atom count line');
  const ids = layout.hasId ? new Int32Array(n) : sequentialIds(n);
  const types = new Int32Array(n);
  const positions = new Float64Array(3 * n);
  const typeElements: string[] = optionElements ? [...optionElements] : [];
  const typeBySpecies = new Map<string, number>();
  typeElements.forEach((e, i) => {
    if (!typeBySpecies.has(e)) typeBySpecies.set(e, i + 1);
  });
  const { roles, columns } = layout;
  for (let i = 0; i < n; i++) {
    if (!reader.next()) {
      throw new StructureFileError(
        file,
        reader.lineNumber,
        `the frame starting at line ${header.countLine} declares ${n} atoms but the file ends after ${i} (truncated file?)`,
      );
    }
    tok.resetTo(reader);
    for (let c = 0; c < columns; c++) {
      switch (roles[c]) {
        case ROLE_SPECIES: {
          const raw = tok.nextToken('element');
          let t = typeBySpecies.get(raw);
          if (t === undefined) {
            const symbol = canonicalElement(raw);
            if (symbol === null) throw tok.fail(`"${raw}" is not an element symbol`);
            t = typeBySpecies.get(symbol);
            if (t === undefined) {
              if (optionElements !== null) throw tok.fail(`element ${symbol} is not among --elements ${optionElements.join(',')}`);
              typeElements.push(symbol);
              t = typeElements.length;
              typeBySpecies.set(symbol, t);
            }
            typeBySpecies.set(raw, t);
          }
          types[i] = t;
          break;
        }
        case ROLE_POS:
          positions[3 * i] = tok.nextCoordinate('x', i + 1);
          positions[3 * i + 1] = tok.nextCoordinate('y', i + 1);
          positions[3 * i + 2] = tok.nextCoordinate('z', i + 1);
          c += 2;
          break;
        case ROLE_ID: {
          const id = tok.nextInt('id');
          if (id < 1 || id > MAX_INT32) throw tok.fail(`atom id ${id} is outside 1 … 2147483647`);
          ids[i] = id;
          break;
        }
        default:
          if (tok.atEnd()) throw tok.fail(`the line has fewer than the ${columns} columns Properties lists`);
          tok.skipToken();
      }
    }
    if (!layout.extraAllowed && !tok.atEnd()) throw tok.fail(`the line has more than the ${columns} columns Properties lists`);
  }
  return { ids, types, positions, typeElements };
}

function parseBool(word: string): boolean | null {
  const w = word.toLowerCase();
  if (w === 't' || w === 'true' || w === '1') return true;
  if (w === 'f' || w === 'false' || w === '0') return false;
  return null;
}

function cellOf(file: string, header: XyzHeader, positions: Float64Array, notes: string[]): Cell {
  const line = header.countLine + 1;
  const pbcText = header.comment.get('pbc');
  let pbc: [boolean, boolean, boolean] | null = null;
  if (pbcText !== undefined) {
    const flags = pbcText.trim().split(/\s+/).map(parseBool);
    if (flags.length !== 3 || flags.some((f) => f === null)) throw new StructureFileError(file, line, `pbc="${pbcText}" needs three of T/F`);
    pbc = flags as [boolean, boolean, boolean];
  }
  const latticeText = header.comment.get('lattice');
  if (latticeText === undefined) {
    if (pbc?.some((p) => p)) throw new StructureFileError(file, line, 'pbc says periodic but there is no Lattice');
    notes.push(`no Lattice: non-periodic cell = the atoms' bounding box plus ${NON_PERIODIC_PAD_A} Å on each side`);
    return boundingBoxCell(positions, NON_PERIODIC_PAD_A);
  }
  const v = latticeText.trim().split(/\s+/).map((t) => parseFiniteNumber(t));
  if (v.length !== 9 || v.some((x) => x === null)) throw new StructureFileError(file, line, `Lattice="${latticeText}" needs 9 finite numbers`);
  const nums = v as number[];
  const vec = (k: number): Vec3 => [nums[k] as number, nums[k + 1] as number, nums[k + 2] as number];
  let origin: Vec3 = [0, 0, 0];
  const originText = header.comment.get('origin');
  if (originText !== undefined) {
    const o = originText.trim().split(/\s+/).map((t) => parseFiniteNumber(t));
    if (o.length !== 3 || o.some((x) => x === null)) throw new StructureFileError(file, line, `Origin="${originText}" needs 3 finite numbers`);
    origin = o as Vec3;
  }
  return { origin, a: vec(0), b: vec(3), c: vec(6), pbc: pbc ?? [true, true, true] };
}

function timestepOf(comment: Map<string, string>): number | null {
  for (const key of ['timestep', 'time_step', 'step']) {
    const v = parseFiniteNumber(comment.get(key));
    if (v !== null && Number.isInteger(v)) return v;
  }
  return null;
}

export function readExtxyz(file: string, options: ReadOptions = {}): ParsedStructure {
  const frameOption: FrameOption = options.frame ?? 'last';
  const upFront = frameKnownUpFront(frameOption);
  const parseDuringScan = upFront ?? 0;
  const progress = options.onProgress;
  const optionElements = checkOptionElements(file, options.elements, null);
  const tok = new LineTokenizer(file);
  const scan = new LineReader(file, {
    onProgress: progress ? (f) => progress(upFront === null ? 0.9 * f : f) : undefined,
    isCancelled: options.isCancelled,
  });
  const frames: XyzHeader[] = [];
  let parsed: XyzAtoms | null = null;
  let incomplete: string | null = null;
  try {
    for (;;) {
      const header = readHeader(file, scan);
      if (header === null) break;
      if (frames.length === parseDuringScan) {
        parsed = parseAtoms(file, scan, tok, header, optionElements);
      } else {
        const skipped = scan.skipLines(header.atoms);
        if (skipped < header.atoms) {
          incomplete = `an incomplete frame at line ${header.countLine} (${skipped} of ${header.atoms} atoms) was ignored`;
          break;
        }
      }
      frames.push(header);
    }
  } finally {
    scan.close();
  }
  if (frames.length === 0) throw new StructureFileError(file, null, 'the file holds no frames');
  const index = resolveFrame(file, frameOption, frames.length);
  const header = frames[index] as XyzHeader;
  const atoms = atomsOfFrame(file, header, index === parseDuringScan ? parsed : null, (r) => parseAtoms(file, r, tok, header, optionElements), {
    isCancelled: options.isCancelled,
    progress,
  });
  progress?.(1);
  const notes: string[] = [];
  const fNote = frameNote('file', frames.length, index, timestepOf(header.comment));
  if (fNote !== null) notes.push(fNote);
  if (incomplete !== null) notes.push(incomplete);
  if (!header.extended) notes.push('plain XYZ: columns read as element x y z');
  const cell = cellOf(file, header, atoms.positions, notes);
  return finishStructure({
    file,
    format: 'extxyz',
    ids: atoms.ids,
    types: atoms.types,
    positions: atoms.positions,
    typeElements: atoms.typeElements,
    cell,
    timestep: timestepOf(header.comment),
    notes,
  });
}
