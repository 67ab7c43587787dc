import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { readExtxyz } from '../../../native-workers/lib/structure-io/extxyz';
import { readLammpsData } from '../../../native-workers/lib/structure-io/lammps-data';
import { lammpsBoxOf, writeExtxyz, writeLammpsData, type WritableStructure } from '../../../native-workers/lib/structure-io/writers';
import { useTempFiles } from './temp-files';

const tmp = useTempFiles('writers');

/** Awkward doubles: full 17-digit values, tiny and negative numbers, exact binary fractions. */
function structure(cell: Cell): WritableStructure {
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const n = 200;
  const ids = new Int32Array(n);
  const types = new Int32Array(n);
  const positions = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    ids[i] = 3 * i + 1;
    types[i] = (i % 3) + 1;
    // Atom 0 sits a hair inside the a face (a tiny coordinate in orthogonal cells).
    const f = i === 0 ? [1e-9, 0.5, 0.5] : [rand(), rand(), rand()];
    for (let k = 0; k < 3; k++) {
      positions[3 * i + k] =
        cell.origin[k]! + f[0]! * cell.a[k]! + f[1]! * cell.b[k]! + f[2]! * cell.c[k]!;
    }
  }
  if (cell.b[0] === 0 && cell.c[0] === 0 && cell.c[1] === 0 && cell.a[1] === 0) {
    // Exactly on the lower y face, and a tiny x.
    positions[0] = cell.origin[0] + 1e-7;
    positions[1] = cell.origin[1];
  }
  return { ids, types, positions, typeElements: ['Cu', 'Zr', 'Al'], cell };
}

const orthoCell: Cell = { origin: [-12.5, 0.125, 3], a: [25.123456789012345, 0, 0], b: [0, 17.5, 0], c: [0, 0, 31.000000000000004], pbc: [true, true, true] };
const triCell: Cell = { origin: [0, 0, 0], a: [20, 0, 0], b: [4.2, 18, 0], c: [-3.3, 2.25, 16.5], pbc: [true, true, true] };

function listDir(): string[] {
  return fs.readdirSync(tmp.dir).filter((f) => f.includes('.tmp-'));
}

describe('writeLammpsData', () => {
  it.each([
    ['orthogonal', orthoCell],
    ['restricted triclinic', triCell],
  ])('round-trips a %s structure exactly through readLammpsData', (name, cell) => {
    const s = structure(cell);
    const file = path.join(tmp.dir, `${name.replace(/\s+/g, '-')}.data`);
    writeLammpsData(s, file);
    const back = readLammpsData(file);
    expect(back.ids).toEqual(s.ids);
    expect(back.types).toEqual(s.types);
    expect(back.typeElements).toEqual(['Cu', 'Zr', 'Al']);
    expect(Array.from(back.positions)).toEqual(Array.from(s.positions));
    for (const key of ['origin', 'a', 'b', 'c'] as const) {
      back.cell[key].forEach((v, k) => expect(v).toBeCloseTo(cell[key][k] as number, 12));
    }
    expect(back.notes).toEqual([]);
    expect(listDir()).toEqual([]);
  });

  it('writes the atomic layout with element comments on the masses', () => {
    const file = path.join(tmp.dir, 'layout.data');
    writeLammpsData(
      { ids: Int32Array.from([5, 9]), types: Int32Array.from([2, 1]), positions: Float64Array.from([0.1, 0.2, 0.3, 1, 2, 3]), typeElements: ['Cu', 'Zr'], cell: triCell },
      file,
    );
    const text = fs.readFileSync(file, 'utf8').split('\n');
    expect(text.slice(1)).toEqual([
      '',
      '2 atoms',
      '2 atom types',
      '',
      '0 20 xlo xhi',
      '0 18 ylo yhi',
      '0 16.5 zlo zhi',
      '4.2 -3.3 2.25 xy xz yz',
      '',
      'Masses',
      '',
      '1 63.546 # Cu',
      '2 91.224 # Zr',
      '',
      'Atoms # atomic',
      '',
      '5 2 0.1 0.2 0.3',
      '9 1 1 2 3',
      '',
    ]);
  });

  it('refuses a general triclinic cell and over-skewed boxes, leaving an existing file untouched', () => {
    const file = tmp.write('keep.data', 'previous content');
    const general: Cell = { origin: [0, 0, 0], a: [3, 3, 0], b: [-3, 3, 0], c: [0, 0, 5], pbc: [true, true, true] };
    expect(() => writeLammpsData(structure(general), file)).toThrow(
      /general triclinic cell, not in LAMMPS restricted form .*rotate the structure so that a ∥ x and b lies in the xy plane/,
    );
    const skewed: Cell = { origin: [0, 0, 0], a: [10, 0, 0], b: [6, 10, 0], c: [0, 0, 10], pbc: [true, true, true] };
    expect(() => lammpsBoxOf(skewed)).toThrow(/tilt factors \(xy 6, xz 0, yz 0\) exceed half the box length/);
    const bad = { ...structure(orthoCell), typeElements: ['Cu', 'Zr'] };
    expect(() => writeLammpsData(bad, file)).toThrow(/type 3, outside 1 … 2/);
    expect(fs.readFileSync(file, 'utf8')).toBe('previous content');
    expect(listDir()).toEqual([]);
  });
});

describe('writeExtxyz', () => {
  it.each([
    ['orthogonal with origin', orthoCell],
    ['triclinic', triCell],
    ['general triclinic, partly periodic', { origin: [1, 2, 3], a: [3, 3, 0], b: [-3, 3, 0], c: [0.5, 0, 5], pbc: [true, false, true] } as Cell],
  ])('round-trips a %s structure exactly through readExtxyz', (name, cell) => {
    const s = structure(cell);
    const file = path.join(tmp.dir, `${name.replace(/[\s,]+/g, '-')}.xyz`);
    writeExtxyz(s, file);
    const back = readExtxyz(file);
    // extxyz carries no ids: 1 … N in order; types follow first appearance, which is 1, 2, 3 here.
    expect(Array.from(back.ids)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(back.types).toEqual(s.types);
    expect(back.typeElements).toEqual(['Cu', 'Zr', 'Al']);
    expect(Array.from(back.positions)).toEqual(Array.from(s.positions));
    expect(back.cell).toEqual(cell);
    expect(listDir()).toEqual([]);
  });

  it('writes Lattice, Properties, pbc and an Origin only when needed', () => {
    const file = path.join(tmp.dir, 'header.xyz');
    const cell: Cell = { origin: [0, 0, 0], a: [4, 0, 0], b: [0, 5, 0], c: [0, 0, 6], pbc: [true, true, false] };
    writeExtxyz({ ids: Int32Array.from([1]), types: Int32Array.from([1]), positions: Float64Array.from([0.5, 1e-7, 2]), typeElements: ['Zr'], cell }, file);
    expect(fs.readFileSync(file, 'utf8')).toBe('1\nLattice="4 0 0 0 5 0 0 0 6" Properties=species:S:1:pos:R:3 pbc="T T F"\nZr 0.5 1e-7 2\n');
  });
});
