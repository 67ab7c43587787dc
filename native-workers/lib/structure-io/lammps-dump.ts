/**
 * Reads LAMMPS text dumps (dump atom / custom): orthogonal and triclinic boxes with boundary flags, any column order,
 * wrapped, unwrapped and scaled coordinates, element and mass columns, and frame selection in multi-frame files
 * (frames that are not imported are skipped line by line without parsing numbers).
 */
import { canonicalElement } from '../../../main/shared/elements';
import { CellFrame, cellFromLammpsBox, type LammpsBox } from './cell-math';
import { finishStructure, MAX_INT32, sequentialIds } from './finish-structure';
import { atomsOfFrame, frameKnownUpFront, frameNote, resolveFrame, type FrameOption } from './frame-choice';
import { checkAtomsFitFile, checkCell, MAX_ATOM_TYPES } from './limits';
import { LineReader, LineTokenizer, parseFiniteNumber } from './line-reader';
import { checkOptionElements, elementsFromMasses, resolveTypeElements } from './type-elements';
import { StructureFileError, type ParsedStructure, type ReadOptions } from './types';

const ROLE_SKIP = 0;
const ROLE_ID = 1;
const ROLE_TYPE = 2;
const ROLE_X = 3;
const ROLE_Y = 4;
const ROLE_Z = 5;
const ROLE_ELEMENT = 6;
const ROLE_MASS = 7;

const COORDINATE_SETS = [
  { names: ['x', 'y', 'z'], scaled: false, kind: 'wrapped' },
  { names: ['xu', 'yu', 'zu'], scaled: false, kind: 'unwrapped' },
  { names: ['xs', 'ys', 'zs'], scaled: true, kind: 'scaled' },
  { names: ['xsu', 'ysu', 'zsu'], scaled: true, kind: 'scaled unwrapped' },
] as const;

export interface DumpFrameHeader {
  timestep: number | null;
  atoms: number;
  box: LammpsBox;
  pbc: [boolean, boolean, boolean];
  columns: string[];
  /** Line of the frame's first ITEM. */
  headerLine: number;
  /** Byte offset and line number of the first atom line. */
  atomsOffset: number;
  atomsLine: number;
  notes: string[];
}

interface FrameAtoms {
  ids: Int32Array;
  types: Int32Array;
  positions: Float64Array;
  maxType: number;
  elementByType: (string | null)[];
  massByType: (number | undefined)[];
  scaled: boolean;
  coordinateKind: string;
}

class HeaderTruncated extends Error {
  constructor(readonly line: number) {
    super('truncated header');
  }
}

export function readLammpsDump(file: string, options: ReadOptions = {}): ParsedStructure {
  const frameOption: FrameOption = options.frame ?? 'last';
  const upFront = frameKnownUpFront(frameOption);
  // 'last' (or a negative index) is unknown until the end; parse frame 0 on the way, which is the answer for the
  // common single-frame file and saves a second pass.
  const parseDuringScan = upFront ?? 0;
  const progress = options.onProgress;
  const scan = new LineReader(file, {
    onProgress: progress ? (f) => progress(upFront === null ? 0.9 * f : f) : undefined,
    isCancelled: options.isCancelled,
  });
  const tok = new LineTokenizer(file);
  const optionElements = checkOptionElements(file, options.elements, null);
  const frames: DumpFrameHeader[] = [];
  let parsed: FrameAtoms | null = null;
  let incomplete: { line: number; problem: string } | null = null;
  try {
    for (;;) {
      let header: DumpFrameHeader | null;
      try {
        header = readFrameHeader(file, scan);
      } catch (err) {
        if (!(err instanceof HeaderTruncated)) throw err;
        incomplete = { line: err.line, problem: 'the file ends inside the frame header' };
        break;
      }
      if (header === null) break;
      if (frames.length === parseDuringScan) {
        parsed = parseFrameAtoms(file, scan, tok, header, optionElements);
      } else {
        const skipped = skipAtomLines(file, scan, header);
        if (skipped < header.atoms) {
          incomplete = {
            line: scan.lineNumber,
            problem: `the frame declares ${header.atoms} atoms but the file ends after ${skipped}`,
          };
          break;
        }
      }
      frames.push(header);
    }
  } finally {
    scan.close();
  }
  if (frames.length === 0) {
    if (incomplete !== null) throw new StructureFileError(file, incomplete.line, `${incomplete.problem} (truncated file?)`);
    throw new StructureFileError(file, null, 'no ITEM: TIMESTEP / ITEM: ATOMS frame found; is this a LAMMPS text dump?');
  }
  const index = resolveFrame(file, frameOption, frames.length);
  const header = frames[index] as DumpFrameHeader;
  const atoms = atomsOfFrame(file, header, index === parseDuringScan ? parsed : null, (r) => parseFrameAtoms(file, r, tok, header, optionElements), {
    isCancelled: options.isCancelled,
    progress,
  });
  progress?.(1);

  const notes: string[] = [...header.notes];
  const fNote = frameNote('dump', frames.length, index, header.timestep);
  if (fNote !== null) notes.push(fNote);
  if (incomplete !== null) notes.push(`an incomplete frame after the last complete one was ignored (line ${incomplete.line}: ${incomplete.problem})`);

  const cell = cellFromLammpsBox(header.box, header.pbc);
  checkCell(file, header.headerLine, cell);
  if (atoms.scaled) {
    try {
      new CellFrame(cell).fractionalToCartesian(atoms.positions);
    } catch {
      throw new StructureFileError(file, header.headerLine, 'the box has zero volume');
    }
  }
  if (atoms.coordinateKind !== 'wrapped') notes.push(`coordinates read from the ${atoms.coordinateKind} columns`);

  const typeCount = Math.max(atoms.maxType, optionElements?.length ?? 0);
  if (optionElements !== null && optionElements.length < atoms.maxType) {
    throw new StructureFileError(
      file,
      null,
      `--elements names ${optionElements.length} elements but the dump has atom type ${atoms.maxType}; give one symbol per type, in type order`,
    );
  }
  const resolved = resolveTypeElements(
    file,
    typeCount,
    [
      { label: '--elements', byType: optionElements ?? [] },
      { label: 'the element column', byType: atoms.elementByType },
      { label: 'the mass column', byType: elementsFromMasses(atoms.massByType), announce: true },
    ],
    'the dump has no element column',
  );
  notes.push(...resolved.notes);
  return finishStructure({
    file,
    format: 'lammps-dump',
    ids: atoms.ids,
    types: atoms.types,
    positions: atoms.positions,
    typeElements: resolved.typeElements,
    cell,
    timestep: header.timestep,
    notes,
  });
}

/** Reads ITEM lines up to and including ITEM: ATOMS; null at a clean end of file. */
function readFrameHeader(file: string, reader: LineReader): DumpFrameHeader | null {
  let timestep: number | null = null;
  let atoms: number | null = null;
  let box: LammpsBox | null = null;
  let pbc: [boolean, boolean, boolean] = [true, true, true];
  let headerLine = -1;
  const notes: string[] = [];
  const fail = (problem: string): StructureFileError => new StructureFileError(file, reader.lineNumber, problem);
  const valueLine = (): string => {
    if (!reader.next()) throw new HeaderTruncated(reader.lineNumber);
    return reader.text().trim();
  };
  for (;;) {
    if (!reader.next()) {
      if (headerLine < 0) return null;
      throw new HeaderTruncated(reader.lineNumber);
    }
    const text = reader.text().trim();
    if (text.length === 0) continue;
    if (!text.startsWith('ITEM:')) throw fail(`expected an "ITEM:" line, found "${text.slice(0, 60)}"`);
    if (headerLine < 0) headerLine = reader.lineNumber;
    const item = text.slice(5).trim();
    if (item === 'TIMESTEP') {
      const v = parseFiniteNumber(valueLine());
      if (v === null || !Number.isInteger(v)) throw fail('the timestep is not an integer');
      timestep = v;
    } else if (item === 'NUMBER OF ATOMS') {
      const v = parseFiniteNumber(valueLine());
      if (v === null || !Number.isInteger(v) || v < 0) throw fail('NUMBER OF ATOMS is not a non-negative integer');
      if (v === 0) throw fail('the frame holds no atoms (NUMBER OF ATOMS is 0)');
      if (v > MAX_INT32) throw fail(`${v} atoms is more than this reader supports`);
      atoms = v;
    } else if (item.startsWith('BOX BOUNDS')) {
      const words = item.slice('BOX BOUNDS'.length).trim().split(/\s+/).filter((w) => w.length > 0);
      if (words[0] === 'abc') throw fail('general triclinic dumps (BOX BOUNDS abc origin) are not supported');
      const triclinic = words[0] === 'xy';
      const flags = triclinic ? words.slice(3) : words;
      if (flags.length === 3) {
        pbc = [flags[0] === 'pp', flags[1] === 'pp', flags[2] === 'pp'];
      } else {
        pbc = [true, true, true];
        notes.push('the dump gives no boundary flags; assumed periodic in x, y and z');
      }
      const rows: number[][] = [];
      for (let k = 0; k < 3; k++) {
        const nums = valueLine().split(/\s+/).map((t) => parseFiniteNumber(t));
        if (nums.length !== (triclinic ? 3 : 2) || nums.some((v) => v === null)) {
          throw fail(`a BOX BOUNDS line needs ${triclinic ? 3 : 2} finite numbers`);
        }
        rows.push(nums as number[]);
      }
      box = triclinic ? triclinicBox(rows) : orthogonalBox(rows);
      if (!(box.xhi > box.xlo && box.yhi > box.ylo && box.zhi > box.zlo)) throw fail('the box has zero or negative size');
    } else if (item.startsWith('ATOMS')) {
      let columns = item.slice(5).trim().split(/\s+/).filter((w) => w.length > 0);
      if (columns.length === 0) {
        columns = ['id', 'type', 'xs', 'ys', 'zs'];
        notes.push('ITEM: ATOMS names no columns; read as dump atom (id type xs ys zs)');
      }
      if (atoms === null) throw fail('ITEM: ATOMS before ITEM: NUMBER OF ATOMS');
      if (box === null) throw fail('ITEM: ATOMS before ITEM: BOX BOUNDS');
      return {
        timestep,
        atoms,
        box,
        pbc,
        columns,
        headerLine,
        atomsOffset: reader.nextLineOffset(),
        atomsLine: reader.lineNumber + 1,
        notes,
      };
    } else if (item === 'UNITS' || item === 'TIME') {
      valueLine();
    } else {
      throw fail(`"ITEM: ${item}" is not part of an atom dump (expected TIMESTEP, NUMBER OF ATOMS, BOX BOUNDS or ATOMS)`);
    }
  }
}

function orthogonalBox(rows: number[][]): LammpsBox {
  const [x, y, z] = rows as [number[], number[], number[]];
  return { xlo: x[0] as number, xhi: x[1] as number, ylo: y[0] as number, yhi: y[1] as number, zlo: z[0] as number, zhi: z[1] as number, xy: 0, xz: 0, yz: 0 };
}

/** The dump gives the bounding box of the tilted cell; LAMMPS's documented conversion back to xlo … zhi. */
function triclinicBox(rows: number[][]): LammpsBox {
  const [x, y, z] = rows as [number[], number[], number[]];
  const xy = x[2] as number;
  const xz = y[2] as number;
  const yz = z[2] as number;
  return {
    xlo: (x[0] as number) - Math.min(0, xy, xz, xy + xz),
    xhi: (x[1] as number) - Math.max(0, xy, xz, xy + xz),
    ylo: (y[0] as number) - Math.min(0, yz),
    yhi: (y[1] as number) - Math.max(0, yz),
    zlo: z[0] as number,
    zhi: z[1] as number,
    xy,
    xz,
    yz,
  };
}

function isItemLine(reader: LineReader): boolean {
  const b = reader.buf;
  const s = reader.start;
  // "ITEM:"
  return reader.end - s >= 5 && b[s] === 73 && b[s + 1] === 84 && b[s + 2] === 69 && b[s + 3] === 77 && b[s + 4] === 58;
}

/** Skips a frame's atom lines; returns how many there were before the end of the file. */
function skipAtomLines(file: string, reader: LineReader, header: DumpFrameHeader): number {
  for (let i = 0; i < header.atoms; i++) {
    if (!reader.next()) return i;
    if (isItemLine(reader)) {
      throw new StructureFileError(
        file,
        reader.lineNumber,
        `the frame starting at line ${header.headerLine} declares ${header.atoms} atoms but only ${i} atom lines follow`,
      );
    }
  }
  return header.atoms;
}

function columnRoles(file: string, header: DumpFrameHeader): { roles: Int8Array; scaled: boolean; kind: string } {
  const { columns } = header;
  const set = COORDINATE_SETS.find((s) => s.names.every((n) => columns.includes(n)));
  if (set === undefined) {
    throw new StructureFileError(
      file,
      header.atomsLine - 1,
      `ITEM: ATOMS has no complete set of coordinates (x y z, xu yu zu, xs ys zs or xsu ysu zsu); columns: ${columns.join(' ')}`,
    );
  }
  const roles = new Int8Array(columns.length).fill(ROLE_SKIP);
  const seen = new Set<string>();
  columns.forEach((name, c) => {
    if (seen.has(name)) throw new StructureFileError(file, header.atomsLine - 1, `column "${name}" appears twice in ITEM: ATOMS`);
    seen.add(name);
    if (name === 'id') roles[c] = ROLE_ID;
    else if (name === 'type') roles[c] = ROLE_TYPE;
    else if (name === 'element') roles[c] = ROLE_ELEMENT;
    else if (name === 'mass') roles[c] = ROLE_MASS;
    else if (name === set.names[0]) roles[c] = ROLE_X;
    else if (name === set.names[1]) roles[c] = ROLE_Y;
    else if (name === set.names[2]) roles[c] = ROLE_Z;
  });
  if (!columns.includes('type') && !columns.includes('element')) {
    throw new StructureFileError(file, header.atomsLine - 1, 'ITEM: ATOMS has neither a type nor an element column');
  }
  return { roles, scaled: set.scaled, kind: set.kind };
}

function parseFrameAtoms(
  file: string,
  reader: LineReader,
  tok: LineTokenizer,
  header: DumpFrameHeader,
  optionElements: string[] | null,
): FrameAtoms {
  const { roles, scaled, kind } = columnRoles(file, header);
  const n = header.atoms;
  // NUMBER OF ATOMS is a claim: check it against the bytes left before allocating.
  checkAtomsFitFile(file, header.headerLine, n, reader.totalBytes - reader.nextLineOffset(), 'the frame starting here');
  const hasId = header.columns.includes('id');
  const hasType = header.columns.includes('type');
  const hasElement = header.columns.includes('element');
  const ids = hasId ? new Int32Array(n) : sequentialIds(n);
  const types = new Int32Array(n);
  const positions = new Float64Array(3 * n);
  const elementByType: (string | null)[] = [];
  const massByType: (number | undefined)[] = [];
  const typeByElement = new Map<string, number>();
  const canonicalCache = new Map<string, string>();
  optionElements?.forEach((e, i) => {
    if (!typeByElement.has(e)) typeByElement.set(e, i + 1);
  });
  let maxType = 0;
  const columns = roles.length;
  for (let i = 0; i < n; i++) {
    if (!reader.next() || isItemLine(reader)) {
      throw new StructureFileError(
        file,
        reader.lineNumber,
        `the frame starting at line ${header.headerLine} declares ${n} atoms but only ${i} atom lines follow (truncated file?)`,
      );
    }
    tok.resetTo(reader);
    let type = 0;
    let element: string | null = null;
    let mass = 0;
    let hasMass = false;
    for (let c = 0; c < columns; c++) {
      switch (roles[c]) {
        case ROLE_ID: {
          const id = tok.nextInt('atom id');
          if (id < 1 || id > MAX_INT32) throw tok.fail(`atom id ${id} is outside 1 … 2147483647`);
          ids[i] = id;
          break;
        }
        case ROLE_TYPE:
          type = tok.nextInt('atom type');
          if (type < 1) throw tok.fail(`atom type ${type} must be 1 or more`);
          // Per-type tables grow to the largest type: a damaged type column must not allocate billions of slots.
          if (type > MAX_ATOM_TYPES) throw tok.fail(`atom type ${type} is more than this reader accepts (at most ${MAX_ATOM_TYPES} types)`);
          break;
        case ROLE_X:
          positions[3 * i] = tok.nextCoordinate('x', (ids[i] as number) || i + 1);
          break;
        case ROLE_Y:
          positions[3 * i + 1] = tok.nextCoordinate('y', (ids[i] as number) || i + 1);
          break;
        case ROLE_Z:
          positions[3 * i + 2] = tok.nextCoordinate('z', (ids[i] as number) || i + 1);
          break;
        case ROLE_ELEMENT: {
          const raw = tok.nextToken('element');
          let symbol = canonicalCache.get(raw);
          if (symbol === undefined) {
            const canonical = canonicalElement(raw);
            if (canonical === null) throw tok.fail(`"${raw}" in the element column is not an element symbol`);
            symbol = canonical;
            canonicalCache.set(raw, symbol);
          }
          element = symbol;
          break;
        }
        case ROLE_MASS:
          mass = tok.nextFloat('mass');
          hasMass = true;
          break;
        default:
          if (tok.atEnd()) throw tok.fail(`the line has fewer than the ${columns} columns ITEM: ATOMS lists`);
          tok.skipToken();
      }
    }
    if (!tok.atEnd()) throw tok.fail(`the line has more than the ${columns} columns ITEM: ATOMS lists`);
    if (!hasType && element !== null) {
      let t = typeByElement.get(element);
      if (t === undefined) {
        if (optionElements !== null) throw tok.fail(`element ${element} is not among --elements ${optionElements.join(',')}`);
        t = typeByElement.size + 1;
        typeByElement.set(element, t);
      }
      type = t;
    }
    types[i] = type;
    if (type > maxType) {
      maxType = type;
      while (elementByType.length < type) elementByType.push(null);
    }
    if (hasElement && element !== null) {
      const known = elementByType[type - 1];
      if (known === null || known === undefined) elementByType[type - 1] = element;
      else if (known !== element) throw tok.fail(`atom type ${type} is ${known} on an earlier line and ${element} here`);
    }
    if (hasMass && massByType[type - 1] === undefined) {
      while (massByType.length < type) massByType.push(undefined);
      massByType[type - 1] = mass;
    }
  }
  return { ids, types, positions, maxType, elementByType, massByType, scaled, coordinateKind: kind };
}
