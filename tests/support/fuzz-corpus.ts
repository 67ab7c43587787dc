/**
 * A deterministic fuzz corpus of damaged input files, and a runner that opens each in a child process with a memory
 * cap and a per-file timeout. From small valid seeds of every format the app reads (written here), it makes
 * truncated copies (several cut points), copies whose header asks for huge counts or dimensions, copies whose element
 * type codes are wrong, and garbage (random bytes or text behind the right magic number). Every variant must either
 * open, or fail with an Error naming the file and saying the problem: never a bare RangeError/TypeError, a crash, a
 * hang or a runaway allocation.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { npyHeader } from '../../native-workers/lib/npy';
import { writeFloat32Tiff } from '../../native-workers/lib/microscopy/tiff-writer';
import { buildDmImage } from '../unit/microscopy/dm-builder';
import { mulberry32 } from '../../native-workers/lib/datasets/random-split';

export interface FuzzCase {
  id: number;
  kind: 'structure' | 'microscopy';
  /** The file (or folder) to open. */
  file: string;
  /** The file the error message must name (an EMPAD .raw's problems may name the .raw or its .xml). */
  names: string[];
  /** Structure format passed to the reader ('auto' to detect). */
  format?: string;
  seed: string;
  variant: string;
}

export interface FuzzResult {
  case: FuzzCase;
  outcome: 'opened' | 'error' | 'crash' | 'timeout';
  errorName?: string;
  message?: string;
  detail?: string;
  ms: number;
  rssMb?: number;
}

/** The corpus's seeded generator (mulberry32), so it is the same on every run. */
export const seededRandom = mulberry32;

function randomBytes(random: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

/** Random text lines with numbers, words, control characters and terminal escapes. */
function randomText(random: () => number, lines: number): string {
  const words = ['0', '-1', '1e30', 'nan', 'inf', '2000000000', 'atoms', 'ITEM:', 'Atoms', 'Lattice="1 0 0"', '\u001b[31m', '\u001b]0;x\u0007', '\u0000', '#', 'H', 'Cu', '3.61'];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = 1 + Math.floor(random() * 6);
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(words[Math.floor(random() * words.length)] as string);
    out.push(parts.join(' '));
  }
  return `${out.join('\n')}\n`;
}

/** Cut points as fractions of the seed's length, plus "all but the last byte". */
const CUTS = [0.03, 0.15, 0.4, 0.7, 0.93];

function cuts(length: number): number[] {
  const points = CUTS.map((f) => Math.max(1, Math.floor(length * f)));
  points.push(length - 1);
  return [...new Set(points)].filter((p) => p > 0 && p < length);
}

// ---------------------------------------------------------------- structures

interface TextSeed {
  name: string;
  ext: string;
  format: string;
  text: string;
  /** [what, search, replacement]: header counts and box values made huge, negative or non-finite. */
  oversized: [string, string | RegExp, string][];
}

const DATA_SEED = `LAMMPS data file: fuzz seed

4 atoms
2 atom types

0.0 3.61 xlo xhi
0.0 3.61 ylo yhi
0.0 3.61 zlo zhi

Masses

1 63.546 # Cu
2 91.224 # Zr

Atoms # atomic

1 1 0.0 0.0 0.0
2 2 1.805 1.805 0.0
3 1 1.805 0.0 1.805
4 1 0.0 1.805 1.805
`;

const DUMP_SEED = `ITEM: TIMESTEP
0
ITEM: NUMBER OF ATOMS
4
ITEM: BOX BOUNDS pp pp pp
0.0 3.61
0.0 3.61
0.0 3.61
ITEM: ATOMS id type element x y z
1 1 Cu 0.0 0.0 0.0
2 2 Zr 1.805 1.805 0.0
3 1 Cu 1.805 0.0 1.805
4 1 Cu 0.0 1.805 1.805
ITEM: TIMESTEP
100
ITEM: NUMBER OF ATOMS
4
ITEM: BOX BOUNDS pp pp pp
0.0 3.61
0.0 3.61
0.0 3.61
ITEM: ATOMS id type element x y z
1 1 Cu 0.1 0.0 0.0
2 2 Zr 1.805 1.805 0.1
3 1 Cu 1.805 0.1 1.805
4 1 Cu 0.1 1.805 1.805
`;

const EXTXYZ_SEED = `4
Lattice="3.61 0.0 0.0 0.0 3.61 0.0 0.0 0.0 3.61" Properties=species:S:1:pos:R:3 pbc="T T T"
Cu 0.0 0.0 0.0
Zr 1.805 1.805 0.0
Cu 1.805 0.0 1.805
Cu 0.0 1.805 1.805
`;

const XYZ_SEED = `3
water
O 0.0 0.0 0.0
H 0.757 0.586 0.0
H -0.757 0.586 0.0
`;

const POSCAR_SEED = `Cu3Zr fuzz seed
1.0
3.61 0.0 0.0
0.0 3.61 0.0
0.0 0.0 3.61
Cu Zr
3 1
Direct
0.0 0.0 0.0
0.5 0.0 0.5
0.0 0.5 0.5
0.5 0.5 0.0
`;

export const STRUCTURE_SEEDS: TextSeed[] = [
  {
    name: 'data',
    ext: '.data',
    format: 'lammps-data',
    text: DATA_SEED,
    oversized: [
      ['atoms-2e9', '4 atoms', '2000000000 atoms'],
      ['atoms-huge', '4 atoms', '99999999999999999 atoms'],
      ['types-2e9', '2 atom types', '2000000000 atom types'],
      ['types-negative', '2 atom types', '-2 atom types'],
      ['box-1e300', '0.0 3.61 xlo xhi', '-1e300 1e300 xlo xhi'],
      ['coordinate-1e30', '1.805 1.805 0.0', '1e30 1.805 0.0'],
    ],
  },
  {
    name: 'dump',
    ext: '.dump',
    format: 'lammps-dump',
    text: DUMP_SEED,
    oversized: [
      ['atoms-2e9', /NUMBER OF ATOMS\n4/, 'NUMBER OF ATOMS\n2000000000'],
      ['atoms-1e20', /NUMBER OF ATOMS\n4/g, 'NUMBER OF ATOMS\n100000000000000000000'],
      ['type-2e9', '2 2 Zr', '2 2000000000 Zr'],
      ['box-1e300', /0\.0 3\.61\n/, '-1e300 1e300\n'],
      ['coordinate-1e30', '1.805 1.805 0.0', '1e30 1.805 0.0'],
    ],
  },
  {
    name: 'extxyz',
    ext: '.extxyz',
    format: 'extxyz',
    text: EXTXYZ_SEED,
    oversized: [
      ['atoms-2e9', /^4\n/, '2000000000\n'],
      ['atoms-1e20', /^4\n/, '100000000000000000000\n'],
      ['lattice-1e300', 'Lattice="3.61', 'Lattice="1e300'],
      ['coordinate-1e30', 'Zr 1.805', 'Zr 1e30'],
    ],
  },
  {
    name: 'xyz',
    ext: '.xyz',
    format: 'extxyz',
    text: XYZ_SEED,
    oversized: [
      ['atoms-2e9', /^3\n/, '2000000000\n'],
      ['coordinate-1e30', 'H 0.757', 'H 1e30'],
    ],
  },
  {
    name: 'poscar',
    ext: '.vasp',
    format: 'poscar',
    text: POSCAR_SEED,
    oversized: [
      ['counts-2e9', '3 1\n', '2000000000 1\n'],
      ['counts-many', '3 1\n', '1000000000 1000000000 1000000000\n'],
      ['scale-1e300', '1.0\n', '1e300\n'],
      ['coordinate-1e30', '0.5 0.5 0.0', '1e30 0.5 0.0'],
    ],
  },
];

/** Bad values put in place of a number: wrong types, non-finite, huge, hexadecimal. */
const BAD_TOKENS = ['nan', '-inf', 'abc', '0x1F', '1.5', '9e999', '--1', '1e30'];

function numberTokenPositions(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const re = /-?\d+(\.\d+)?(e[+-]?\d+)?/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}

/** Writes the structure corpus into `dir`; `perKind` caps the variants of each kind per seed (all when omitted). */
export function writeStructureCorpus(dir: string, seed = 1, perKind = Infinity): FuzzCase[] {
  fs.mkdirSync(dir, { recursive: true });
  const random = seededRandom(seed);
  const cases: FuzzCase[] = [];
  const add = (s: TextSeed, variant: string, content: string | Buffer, format = s.format): void => {
    const file = path.join(dir, `${s.name}-${variant}${s.ext}`);
    fs.writeFileSync(file, content);
    cases.push({ id: cases.length, kind: 'structure', file, names: [file], format, seed: s.name, variant });
  };
  for (const s of STRUCTURE_SEEDS) {
    add(s, 'seed', s.text);
    const bytes = Buffer.from(s.text, 'latin1');
    cuts(bytes.length).slice(0, perKind).forEach((at) => add(s, `cut${at}`, bytes.subarray(0, at)));
    for (const [what, search, replacement] of s.oversized.slice(0, perKind)) add(s, `oversized-${what}`, s.text.replace(search, replacement));
    const numbers = numberTokenPositions(s.text);
    for (let k = 0; k < Math.min(4, perKind); k++) {
      const at = numbers[Math.floor(random() * numbers.length)] as { start: number; end: number };
      const bad = BAD_TOKENS[Math.floor(random() * BAD_TOKENS.length)] as string;
      add(s, `dtype${k}-${bad.replace(/[^a-z0-9]/gi, '')}`, s.text.slice(0, at.start) + bad + s.text.slice(at.end));
    }
    const firstLineEnd = s.text.indexOf('\n') + 1;
    const garbage: [string, string | Buffer][] = [
      ['garbage-bytes', Buffer.concat([bytes.subarray(0, firstLineEnd), randomBytes(random, 300)])],
      ['garbage-text', s.text.slice(0, firstLineEnd) + randomText(random, 12)],
      ['garbage-escapes', `\u001b[2J\u001b]0;pwned\u0007${s.text}`],
      ['garbage-longline', s.text.slice(0, firstLineEnd) + '9'.repeat(100_000)],
    ];
    for (const [variant, content] of garbage.slice(0, perKind)) add(s, variant, content);
  }
  // Garbage given to format detection.
  const auto = STRUCTURE_SEEDS[0] as TextSeed;
  add({ ...auto, name: 'auto' }, 'garbage-bytes', randomBytes(random, 500), 'auto');
  add({ ...auto, name: 'auto' }, 'garbage-text', randomText(random, 20), 'auto');
  return cases;
}

// ---------------------------------------------------------------- microscopy

interface BinarySeed {
  name: string;
  ext: string;
  bytes: Buffer;
  /** Bytes kept in front of garbage so the format is still recognised. */
  magic: number;
  /** Byte range where header words live (random word patches land here). */
  headerBytes: number;
  oversized: [string, (b: Buffer) => Buffer][];
  dtype: [string, (b: Buffer) => Buffer][];
}

const FRAME = 8;

function ramp(n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (i % 97) * scale;
  return out;
}

function patch(edit: (b: Buffer) => void): (b: Buffer) => Buffer {
  return (b) => {
    const copy = Buffer.from(b);
    edit(copy);
    return copy;
  };
}

function npyBytes(descr: string, shape: string, data: Buffer): Buffer {
  const header = npyHeader('<f4', [1]);
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const padded = dict + ' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10 + padded.length);
  header.copy(head, 0, 0, 8);
  head.writeUInt16LE(padded.length, 8);
  head.write(padded, 10, 'latin1');
  return Buffer.concat([head, data]);
}

function npySeed(): BinarySeed {
  const values = ramp(2 * 3 * FRAME * FRAME);
  const data = Buffer.from(values.buffer);
  const shape = `(2, 3, ${FRAME}, ${FRAME})`;
  const seed = npyBytes('<f4', shape, data);
  const withHeader = (descr: string, shapeText: string) => () => npyBytes(descr, shapeText, data);
  return {
    name: 'scan',
    ext: '.npy',
    bytes: seed,
    magic: 10,
    headerBytes: 128,
    oversized: [
      ['shape-2e9', withHeader('<f4', `(2000000000, 2000000000, ${FRAME}, ${FRAME})`)],
      ['frame-65536', withHeader('<f4', '(3, 65536, 65536)')],
      ['shape-negative', withHeader('<f4', `(-1, ${FRAME}, ${FRAME})`)],
      ['shape-1e30', withHeader('<f4', `(1e30, ${FRAME}, ${FRAME})`)],
      ['header-length', patch((b) => b.writeUInt16LE(0xffff, 8))],
      ['version2-length', patch((b) => { b[6] = 2; b.writeUInt32LE(0xfffffff0, 8); })],
    ],
    dtype: [
      ['complex', withHeader('<c8', shape)],
      ['unicode', withHeader('<U4', shape)],
      ['object', withHeader('|O', shape)],
      ['odd-size', withHeader('<f3', shape)],
      ['big-int64', withHeader('>i8', shape)],
    ],
  };
}

function mrcSeed(): BinarySeed {
  const nz = 6;
  const header = Buffer.alloc(1024);
  header.writeInt32LE(FRAME, 0);
  header.writeInt32LE(FRAME, 4);
  header.writeInt32LE(nz, 8);
  header.writeInt32LE(2, 12);
  header.writeInt32LE(FRAME, 28);
  header.writeInt32LE(FRAME, 32);
  header.writeInt32LE(nz, 36);
  header.writeFloatLE(8, 40);
  header.writeFloatLE(8, 44);
  header.writeFloatLE(6, 48);
  header.writeInt32LE(1, 64);
  header.writeInt32LE(2, 68);
  header.writeInt32LE(3, 72);
  header.write('MAP ', 208, 'latin1');
  header[212] = 0x44;
  header[213] = 0x44;
  header.writeInt32LE(1, 220);
  header.write('fuzz seed', 224, 'latin1');
  const bytes = Buffer.concat([header, Buffer.from(ramp(nz * FRAME * FRAME).buffer)]);
  const word = (at: number, v: number) => patch((b) => b.writeInt32LE(v, at));
  return {
    name: 'stack',
    ext: '.mrc',
    bytes,
    magic: 1024,
    headerBytes: 1024,
    oversized: [
      ['nx-max', word(0, 0x7fffffff)],
      ['nz-max', word(8, 0x7fffffff)],
      ['nxny-16M', patch((b) => { b.writeInt32LE(0xffffff, 0); b.writeInt32LE(0xffffff, 4); })],
      ['nsymbt-max', word(92, 0x7fffffff)],
      ['nsymbt-negative', word(92, -5)],
      ['nlabl-max', word(220, 0x7fffffff)],
    ],
    dtype: [
      ['mode3', word(12, 3)],
      ['mode4', word(12, 4)],
      ['mode101', word(12, 101)],
      ['mode7', word(12, 7)],
      ['mode-1', word(12, -1)],
      ['mode12', word(12, 12)],
    ],
  };
}

function bloSeed(): BinarySeed {
  const nx = 3;
  const ny = 2;
  const header = Buffer.alloc(240);
  header.write('IMGBLO', 0, 'latin1');
  header.writeUInt16LE(0x0102, 6);
  const offset1 = 256;
  const offset2 = offset1 + nx * ny;
  header.writeUInt32LE(offset1, 8);
  header.writeUInt32LE(offset2, 12);
  header.writeUInt16LE(FRAME, 20);
  header.writeUInt16LE(nx, 24);
  header.writeUInt16LE(ny, 26);
  header.writeDoubleLE(1.5, 30);
  header.writeDoubleLE(1.5, 38);
  header.writeUInt32LE(200000, 46);
  header.writeUInt16LE(100, 50);
  header.writeUInt32LE(1000, 52);
  const note = Buffer.alloc(offset1 - 240);
  note.write('fuzz seed', 0, 'latin1');
  const records: Buffer[] = [];
  for (let i = 0; i < nx * ny; i++) {
    const r = Buffer.alloc(6 + FRAME * FRAME);
    r[0] = 0xaa;
    r[1] = 0x55;
    r.writeUInt32LE(i + 1, 2);
    for (let k = 0; k < FRAME * FRAME; k++) r[6 + k] = (k * 7 + i) % 256;
    records.push(r);
  }
  const bytes = Buffer.concat([header, note, Buffer.alloc(nx * ny, 9), ...records]);
  const u16 = (at: number, v: number) => patch((b) => b.writeUInt16LE(v, at));
  const u32 = (at: number, v: number) => patch((b) => b.writeUInt32LE(v, at));
  return {
    name: 'scan',
    ext: '.blo',
    bytes,
    magic: 6,
    headerBytes: 64,
    oversized: [
      ['side-max', u16(20, 0xffff)],
      ['nx-ny-max', patch((b) => { b.writeUInt16LE(0xffff, 24); b.writeUInt16LE(0xffff, 26); })],
      ['offset2-max', u32(12, 0xffffffff)],
      ['offset1-max', u32(8, 0xfffffff0)],
    ],
    dtype: [
      ['magic', u16(6, 0xffff)],
      ['record-marker', patch((b) => { b[offset2] = 0x12; })],
    ],
  };
}

function mibHeader(seq: number, fields: { size?: string; chips?: string; width?: string; height?: string; type?: string; depth?: string }): Buffer {
  const size = fields.size ?? '00384';
  const text =
    `MQ1,${String(seq).padStart(6, '0')},${size},${fields.chips ?? '01'},${fields.width ?? '0008'},${fields.height ?? '0008'},${fields.type ?? 'U16'},   1x1,01,` +
    '2020-05-18 16:51:49.971626,0.000555,0,0,0,1.200000E+2,5.110000E+2,0.000000E+0,0.000000E+0,0.000000E+0,0.000000E+0,' +
    '0.000000E+0,0.000000E+0,3RX,175,511,000,000,000,000,000,000,125,255,125,125,100,100,082,100,087,030,128,004,255,129,' +
    `128,176,168,511,511,MQ1A,2020-05-18T14:51:49.971626178Z,555000ns,${fields.depth ?? '12'},`;
  const buf = Buffer.alloc(384, 0);
  buf.write(text, 0, 'latin1');
  return buf;
}

function mibFile(frames: number, fields: Parameters<typeof mibHeader>[1] = {}): Buffer {
  const parts: Buffer[] = [];
  for (let f = 0; f < frames; f++) {
    const body = Buffer.alloc(FRAME * FRAME * 2);
    for (let i = 0; i < FRAME * FRAME; i++) body.writeUInt16BE((i * 13 + f) % 4096, 2 * i);
    parts.push(mibHeader(f + 1, fields), body);
  }
  return Buffer.concat(parts);
}

function mibSeed(): BinarySeed {
  const frames = 6;
  const variant = (fields: Parameters<typeof mibHeader>[1]) => () => mibFile(frames, fields);
  return {
    name: 'scan',
    ext: '.mib',
    bytes: mibFile(frames),
    magic: 4,
    headerBytes: 384,
    oversized: [
      ['width-9999', variant({ width: '9999', height: '9999' })],
      ['header-size-99999', variant({ size: '99999' })],
      ['chips-99', variant({ chips: '99' })],
      ['width-negative', variant({ width: '-008' })],
    ],
    dtype: [
      ['U64', variant({ type: 'U64' })],
      ['X12', variant({ type: 'X12' })],
      ['R64-depth-x', variant({ type: 'R64', depth: 'x' })],
      ['R64-depth-99', variant({ type: 'R64', depth: '99' })],
    ],
  };
}

function dmSeed(version: 3 | 4): BinarySeed {
  const dims = [{ size: FRAME }, { size: FRAME }, { size: 3 }, { size: 2 }];
  const pixels = ramp(FRAME * FRAME * 6);
  const build = (over: Partial<Parameters<typeof buildDmImage>[0]>) => () =>
    buildDmImage({ version, dims, dataType: 2, elementType: 6, pixels, ...over });
  return {
    name: 'scan',
    ext: `.dm${version}`,
    bytes: build({})(),
    magic: version === 3 ? 12 : 16,
    headerBytes: 2048,
    oversized: [
      ['dims-2e9', build({ dims: [{ size: 2_000_000_000 }, { size: FRAME }, { size: 3 }, { size: 2 }] })],
      ['dims-65536', build({ dims: [{ size: 65536 }, { size: 65536 }, { size: 3 }, { size: 2 }] })],
      ['dims-zero', build({ dims: [{ size: 0 }, { size: FRAME }] })],
      ['dims-many', build({ dims: [{ size: 2 }, { size: 2 }, { size: 2 }, { size: 2 }, { size: 2 }, { size: 2 }, { size: 3 }] })],
    ],
    dtype: [
      ['datatype-23', build({ dataType: 23 })],
      ['datatype-99', build({ dataType: 99 })],
      ['datatype-13', build({ dataType: 13 })],
      ['element-mismatch', build({ dataType: 2, elementType: 2 })],
    ],
  };
}

/** Entry i of the float32 TIFF writer's IFD (tags 256 257 258 259 262 270 273 277 278 279 284 339). */
const TIFF_ENTRY: Record<number, number> = { 256: 0, 257: 1, 258: 2, 259: 3, 262: 4, 270: 5, 273: 6, 277: 7, 278: 8, 279: 9, 284: 10, 339: 11 };

function tiffValue(tag: number, value: number, short = false): (b: Buffer) => Buffer {
  return patch((b) => {
    const at = 10 + 12 * (TIFF_ENTRY[tag] as number) + 8;
    if (short) b.writeUInt16LE(value, at);
    else b.writeUInt32LE(value >>> 0, at);
  });
}

function tiffSeed(dir: string): BinarySeed {
  const file = path.join(dir, 'seed-tiff.tif');
  writeFloat32Tiff(file, ramp(FRAME * FRAME, 0.5), FRAME, FRAME, 'fuzz seed');
  const bytes = fs.readFileSync(file);
  fs.rmSync(file);
  return {
    name: 'frame',
    ext: '.tif',
    bytes,
    magic: 8,
    headerBytes: 160,
    oversized: [
      ['width-max', tiffValue(256, 0xffffffff)],
      ['size-wraps-2^32', patch((b) => { tiffValue(256, 65536)(b).copy(b); tiffValue(257, 16384)(b).copy(b); })],
      ['one-strip-2^34-bytes', patch((b) => { for (const [tag, v] of [[256, 65536], [257, 65536], [278, 65536], [279, 0]]) tiffValue(tag as number, v as number)(b).copy(b); })],
      ['bytecount-max', tiffValue(279, 0xffffffff)],
      ['offset-max', tiffValue(273, 0xfffffff0)],
      ['rowsperstrip-zero', tiffValue(278, 0)],
      ['ifd-offset-max', patch((b) => b.writeUInt32LE(0xfffffff0, 4))],
      ['entry-count-max', patch((b) => b.writeUInt16LE(0xffff, 8))],
      ['samples-max', tiffValue(277, 0xffff, true)],
    ],
    dtype: [
      ['bits-3', tiffValue(258, 3, true)],
      ['bits-64-int', patch((b) => { tiffValue(258, 64, true)(b).copy(b); tiffValue(339, 1, true)(b).copy(b); })],
      ['sampleformat-6', tiffValue(339, 6, true)],
      ['compression-99', tiffValue(259, 99, true)],
      ['compression-lzw', tiffValue(259, 5, true)],
    ],
  };
}

/** PNG chunk edit with a correct CRC, so the reader gets past the checksum to the values. */
function pngIhdr(edit: (ihdr: Buffer) => void): (b: Buffer) => Buffer {
  return patch((b) => {
    const data = b.subarray(16, 29);
    edit(data);
    b.writeUInt32BE(zlib.crc32(b.subarray(12, 29)) >>> 0, 29);
  });
}

function pngSeed(): BinarySeed {
  const png = new PNG({ width: FRAME, height: FRAME, colorType: 0, bitDepth: 16, inputColorType: 0, inputHasAlpha: false });
  const data = Buffer.alloc(FRAME * FRAME * 2);
  for (let i = 0; i < FRAME * FRAME; i++) data.writeUInt16BE(i * 500, 2 * i);
  png.data = data;
  const bytes = PNG.sync.write(png, { colorType: 0, bitDepth: 16, inputColorType: 0, inputHasAlpha: false });
  return {
    name: 'frame',
    ext: '.png',
    bytes,
    magic: 8,
    headerBytes: 33,
    oversized: [
      ['width-max', pngIhdr((d) => d.writeUInt32BE(0x7fffffff, 0))],
      ['both-65535', pngIhdr((d) => { d.writeUInt32BE(65535, 0); d.writeUInt32BE(65535, 4); })],
      ['width-zero', pngIhdr((d) => d.writeUInt32BE(0, 0))],
    ],
    dtype: [
      ['bitdepth-3', pngIhdr((d) => { d[8] = 3; })],
      ['bitdepth-32', pngIhdr((d) => { d[8] = 32; })],
      ['colortype-5', pngIhdr((d) => { d[9] = 5; })],
      ['interlace-7', pngIhdr((d) => { d[12] = 7; })],
    ],
  };
}

const HS_IO = '/usr/lib/python3/dist-packages/hyperspy/tests/io';

/** HyperSpy's small EMD file, when python3-hyperspy is installed (read from there, never copied into the repository). */
function hdf5Seed(): BinarySeed | null {
  const file = path.join(HS_IO, 'emd_files', 'example_image.emd');
  if (!fs.existsSync(file)) return null;
  return { name: 'image', ext: '.emd', bytes: fs.readFileSync(file), magic: 8, headerBytes: 4096, oversized: [], dtype: [] };
}

/** Patches a random header word with 0, −1, 2³¹−1 or 2³¹ (in both byte orders by chance). */
function wordPatches(s: BinarySeed, random: () => number, count: number): [string, Buffer][] {
  const values = [0xffffffff, 0x7fffffff, 0x80000000, 0];
  const out: [string, Buffer][] = [];
  const span = Math.max(4, Math.min(s.headerBytes, s.bytes.length) - 4);
  for (let k = 0; k < count; k++) {
    const at = Math.floor(random() * span);
    const value = values[Math.floor(random() * values.length)] as number;
    const b = Buffer.from(s.bytes);
    b.writeUInt32LE(value, at);
    out.push([`word${at}-${value.toString(16)}`, b]);
  }
  return out;
}

const EMPAD_ROWS = 130;
const EMPAD_COLS = 128;

function empadXml(raw: string, pixX: string, pixY: string, extra = ''): string {
  return `<?xml version="1.0"?>\n<root>\n  <raw_file filename="${raw}"/>\n  <pix_x>${pixX}</pix_x>\n  <pix_y>${pixY}</pix_y>\n  <iom_measurements>\n    <calibrated_pixelsize>1e-10</calibrated_pixelsize>\n  </iom_measurements>\n${extra}</root>\n`;
}

/** Sets a few random bytes anywhere in the file (tags and records lie all over a DM or HDF5 file). */
function bytePatches(s: BinarySeed, random: () => number, count: number): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (let k = 0; k < count; k++) {
    const b = Buffer.from(s.bytes);
    const at = Math.floor(random() * (b.length - 1));
    for (let j = 0; j < 3; j++) b[Math.min(b.length - 1, at + j * 3)] = Math.floor(random() * 256);
    out.push([`bytes${at}`, b]);
  }
  return out;
}

/**
 * Writes the microscopy corpus into `dir`: per seed, its truncations, oversized headers, wrong element types,
 * `patchCount` random header-word patches, `patchCount` random byte patches and two garbage files.
 */
export function writeMicroscopyCorpus(dir: string, seed = 2, patchCount = 4): FuzzCase[] {
  fs.mkdirSync(dir, { recursive: true });
  const random = seededRandom(seed);
  const cases: FuzzCase[] = [];
  const add = (name: string, content: Buffer | string, seedName: string, variant: string, names?: string[]): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    cases.push({ id: cases.length, kind: 'microscopy', file, names: names ?? [file], seed: seedName, variant });
    return file;
  };
  const seeds: BinarySeed[] = [npySeed(), mrcSeed(), bloSeed(), mibSeed(), dmSeed(3), dmSeed(4), tiffSeed(dir), pngSeed()];
  const h5 = hdf5Seed();
  if (h5 !== null) seeds.push(h5);
  for (const s of seeds) {
    const tag = `${s.ext.slice(1)}-${s.name}`;
    const fileName = (variant: string): string => `${tag}-${variant}${s.ext}`;
    add(fileName('seed'), s.bytes, tag, 'seed');
    for (const at of cuts(s.bytes.length)) add(fileName(`cut${at}`), s.bytes.subarray(0, at), tag, `cut${at}`);
    for (const [what, make] of s.oversized) add(fileName(`oversized-${what}`), make(s.bytes), tag, `oversized-${what}`);
    for (const [what, make] of s.dtype) add(fileName(`dtype-${what}`), make(s.bytes), tag, `dtype-${what}`);
    for (const [what, bytes] of [...wordPatches(s, random, patchCount), ...bytePatches(s, random, patchCount)]) add(fileName(what), bytes, tag, what);
    add(fileName('garbage-bytes'), Buffer.concat([s.bytes.subarray(0, s.magic), randomBytes(random, Math.min(s.bytes.length, 4096))]), tag, 'garbage-bytes');
    add(fileName('garbage-text'), Buffer.concat([s.bytes.subarray(0, s.magic), Buffer.from(randomText(random, 30), 'latin1')]), tag, 'garbage-text');
  }

  // EMPAD: an .xml and its .raw (each variant in its own folder, the .raw found through the .xml).
  const frames = 4;
  const raw = Buffer.from(ramp(frames * EMPAD_ROWS * EMPAD_COLS).buffer);
  const empad = (variant: string, xml: string, rawBytes: Buffer): void => {
    const folder = path.join(dir, `empad-${variant}`);
    fs.mkdirSync(folder, { recursive: true });
    const rawFile = path.join(folder, 'scan.raw');
    fs.writeFileSync(rawFile, rawBytes);
    const xmlFile = path.join(folder, 'scan.xml');
    add(path.relative(dir, xmlFile), xml, 'empad', variant, [xmlFile, rawFile]);
  };
  const goodXml = empadXml('scan.raw', '2', '2');
  empad('seed', goodXml, raw);
  for (const at of cuts(raw.length).slice(0, 4)) empad(`raw-cut${at}`, goodXml, raw.subarray(0, at));
  for (const at of cuts(goodXml.length).slice(0, 4)) empad(`xml-cut${at}`, goodXml.slice(0, at), raw);
  empad('oversized-pix-2e9', empadXml('scan.raw', '2000000000', '2000000000'), raw);
  empad('oversized-pix-1e30', empadXml('scan.raw', '1e30', '2'), raw);
  empad('oversized-series', `${goodXml.replace('</root>', '')}<scan_parameters><series_count>99999999999</series_count></scan_parameters></root>`, raw);
  empad('oversized-negative', empadXml('scan.raw', '-2', '2'), raw);
  empad('dtype-pix-text', empadXml('scan.raw', 'two', '2'), raw);
  empad('garbage-xml', `<root><raw_file filename="scan.raw"/>${randomText(random, 10)}`, raw);
  empad('garbage-raw-name', empadXml('../../../../etc/passwd\u001b[31m', '2', '2'), raw);

  // A folder of patterns with one damaged file among good ones.
  const tiff = seeds.find((s) => s.ext === '.tif') as BinarySeed;
  for (const [variant, bad] of [
    ['truncated', tiff.bytes.subarray(0, 40)],
    ['garbage', Buffer.concat([tiff.bytes.subarray(0, 8), randomBytes(random, 200)])],
    ['width-max', (tiff.oversized[0] as [string, (b: Buffer) => Buffer])[1](tiff.bytes)],
  ] as [string, Buffer][]) {
    const folder = path.join(dir, `folder-${variant}`);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'p0.tif'), tiff.bytes);
    fs.writeFileSync(path.join(folder, 'p1.tif'), tiff.bytes);
    const badFile = path.join(folder, 'p2.tif');
    fs.writeFileSync(badFile, bad);
    cases.push({ id: cases.length, kind: 'microscopy', file: folder, names: [badFile, folder], seed: 'folder', variant });
  }
  return cases;
}

// ---------------------------------------------------------------- runner

/** The child: opens every case it is given, writing one JSON line before and after each. */
const CHILD = String.raw`
const path = require('node:path');
const fs = require('node:fs');
const [distRoot, casesFile] = process.argv.slice(1);
const { readStructureFile } = require(path.join(distRoot, 'native-workers/lib/structure-io/read-structure.js'));
const { openMicroscopy } = require(path.join(distRoot, 'native-workers/lib/microscopy/open.js'));
const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
(async () => {
  for (const c of cases) {
    say({ start: c.id });
    const t0 = Date.now();
    const r = { id: c.id };
    try {
      if (c.kind === 'structure') {
        const s = readStructureFile(c.file, c.format || 'auto', {});
        r.detail = s.ids.length + ' atoms';
      } else {
        const src = await openMicroscopy(c.file);
        try {
          const n = src.info.frameCount;
          src.readFrame(0);
          if (n > 1) src.readFrame(n - 1);
          r.detail = n + ' frames of ' + src.info.frameShape.join('x');
        } finally {
          src.close();
        }
      }
      r.outcome = 'opened';
    } catch (e) {
      r.outcome = 'error';
      r.isError = e instanceof Error;
      r.errorName = e instanceof Error ? e.name : typeof e;
      r.message = e instanceof Error ? e.message : String(e);
    }
    r.ms = Date.now() - t0;
    r.rssMb = Math.round(process.memoryUsage().rss / 1e6);
    say({ done: r });
  }
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(3); });
`;

export interface RunOptions {
  /** A case taking longer than this (ms) fails as a hang; its child is killed. */
  perCaseMs?: number;
  /** JavaScript heap cap of the child (MB). */
  heapMb?: number;
  distRoot?: string;
  workDir: string;
}

interface ChildLine {
  start?: number;
  done?: { id: number; outcome: 'opened' | 'error'; isError?: boolean; errorName?: string; message?: string; detail?: string; ms: number; rssMb: number };
}

/** Runs the cases in as few child processes as possible: a crash or hang ends its child, the rest go on in a new one. */
export async function runFuzzCases(cases: FuzzCase[], options: RunOptions): Promise<FuzzResult[]> {
  const perCaseMs = options.perCaseMs ?? 15_000;
  const heapMb = options.heapMb ?? 512;
  const distRoot = options.distRoot ?? path.resolve('dist');
  const results = new Map<number, FuzzResult>();
  let pending = [...cases];
  let round = 0;
  while (pending.length > 0) {
    const casesFile = path.join(options.workDir, `fuzz-cases-${round++}.json`);
    fs.writeFileSync(casesFile, JSON.stringify(pending));
    const byId = new Map(pending.map((c) => [c.id, c]));
    const outcome = await new Promise<{ current: number | null; reason: string | null }>((resolve) => {
      const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, '-e', CHILD, distRoot, casesFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let current: number | null = null;
      let startedAt = Date.now();
      let buffered = '';
      let stderr = '';
      let killedForTime = false;
      const watchdog = setInterval(() => {
        if (current !== null && Date.now() - startedAt > perCaseMs) {
          killedForTime = true;
          child.kill('SIGKILL');
        }
      }, 200);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
          const parsed = JSON.parse(line) as ChildLine;
          if (parsed.start !== undefined) {
            current = parsed.start;
            startedAt = Date.now();
          } else if (parsed.done !== undefined) {
            const d = parsed.done;
            const c = byId.get(d.id) as FuzzCase;
            results.set(d.id, {
              case: c,
              outcome: d.outcome,
              errorName: d.isError === false ? `not an Error (${d.errorName ?? '?'})` : d.errorName,
              message: d.message,
              detail: d.detail,
              ms: d.ms,
              rssMb: d.rssMb,
            });
            current = null;
          }
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-2000);
      });
      child.on('close', (code, signal) => {
        clearInterval(watchdog);
        const reason = killedForTime ? 'timeout' : code === 0 ? null : `child exited (${signal ?? `code ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
        resolve({ current, reason });
      });
    });
    if (outcome.current !== null) {
      const c = byId.get(outcome.current) as FuzzCase;
      results.set(c.id, { case: c, outcome: outcome.reason === 'timeout' ? 'timeout' : 'crash', message: outcome.reason ?? 'child ended mid-case', ms: 0 });
    } else if (outcome.reason !== null && pending.every((c) => results.has(c.id))) {
      break;
    } else if (outcome.reason !== null) {
      // The child died between cases (e.g. while loading): report the next case and go on.
      const next = pending.find((c) => !results.has(c.id)) as FuzzCase;
      results.set(next.id, { case: next, outcome: 'crash', message: outcome.reason, ms: 0 });
    }
    pending = pending.filter((c) => !results.has(c.id));
  }
  return cases.map((c) => results.get(c.id) as FuzzResult);
}

/** Texts of JavaScript's own errors: a message that is only one of these says nothing to a scientist. */
const ENGINE_TEXT =
  /Invalid typed array length|Invalid array length|Array buffer allocation failed|out of (bounds|range)|outside the bounds|Cannot read propert|Cannot set propert|is not a function|is not iterable|Maximum call stack|Unexpected token|undefined|\[object Object\]|Offset is outside|Invalid string length|RangeError|TypeError/;

/** Why a result breaks the contract, or null when it keeps it. */
export function contractProblem(r: FuzzResult, maxRssMb = 1500): string | null {
  if (r.outcome === 'crash' || r.outcome === 'timeout') return `${r.outcome}: ${r.message ?? ''}`;
  if (r.rssMb !== undefined && r.rssMb > maxRssMb) return `used ${r.rssMb} MB of memory`;
  if (r.outcome === 'opened') return null;
  const message = r.message ?? '';
  if (r.errorName === undefined || /^(RangeError|TypeError|SyntaxError|ReferenceError|not an Error)/.test(r.errorName)) {
    return `threw ${r.errorName ?? '?'}: ${message}`;
  }
  if (!r.case.names.some((name) => message.includes(name))) return `the message does not name the file: ${message}`;
  let rest = message;
  for (const name of r.case.names) rest = rest.split(name).join('');
  if (ENGINE_TEXT.test(rest)) return `the message is a JavaScript error text, not the problem: ${message}`;
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(message)) return `the message carries raw control characters: ${JSON.stringify(message)}`;
  if (rest.replace(/[\s:,]/g, '').length < 8) return `the message says no problem: ${message}`;
  return null;
}
