/**
 * Header counts and coordinates are claims a damaged or hostile file can make: each is checked before it is used,
 * and the message names the file, the line and (for coordinates) the atom. Quoted file text is shown escaped.
 */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { printable, printableMessage } from '../../../main/shared/printable';
import { readStructureFile } from '../../../native-workers/lib/structure-io/read-structure';
import { StructureFileError } from '../../../native-workers/lib/structure-io/types';
import { wrapPositions } from '../../../native-workers/lib/structure-io/wrap';
import { lines, useTempFiles } from './temp-files';

const tmp = useTempFiles('bounded');

const DATA = lines(
  'bounded input',
  '',
  '2 atoms',
  '1 atom types',
  '',
  '0 4 xlo xhi',
  '0 4 ylo yhi',
  '0 4 zlo zhi',
  '',
  'Masses',
  '',
  '1 63.546 # Cu',
  '',
  'Atoms # atomic',
  '',
  '1 1 0 0 0',
  '2 1 2 2 2',
);

function refusal(file: string, format: Parameters<typeof readStructureFile>[1] = 'auto'): StructureFileError {
  try {
    readStructureFile(file, format);
  } catch (error) {
    expect(error).toBeInstanceOf(StructureFileError);
    return error as StructureFileError;
  }
  throw new Error(`${file} was read`);
}

describe('bounded structure input', () => {
  it('refuses 2·10⁹ atom types at their header line, before allocating per-type tables', () => {
    const file = tmp.write('types.data', DATA.replace('1 atom types', '2000000000 atom types'));
    const err = refusal(file);
    expect(err.line).toBe(4);
    expect(err.message).toBe(`${file}, line 4: the header declares 2000000000 atom types, more than this reader accepts (at most 100000); is the header damaged?`);
  });

  it('refuses an atom count the file cannot hold, at its header line', () => {
    const file = tmp.write('atoms.data', DATA.replace('2 atoms', '2000000000 atoms'));
    const err = refusal(file);
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/line 3: the header declares 2000000000 atoms, but the \d+ bytes that follow can hold at most \d+ atom lines/);
    const dump = tmp.write('atoms.dump', lines('ITEM: TIMESTEP', '0', 'ITEM: NUMBER OF ATOMS', '2000000000', 'ITEM: BOX BOUNDS pp pp pp', '0 4', '0 4', '0 4', 'ITEM: ATOMS id type x y z', '1 1 0 0 0'));
    expect(refusal(dump, 'lammps-dump').message).toMatch(/line 1: the frame starting here declares 2000000000 atoms/);
    const xyz = tmp.write('atoms.xyz', lines('2000000000', 'comment', 'Cu 0 0 0'));
    expect(refusal(xyz, 'extxyz').message).toMatch(/line 1: the atom count line declares 2000000000 atoms/);
    const poscar = tmp.write('POSCAR', lines('t', '1.0', '4 0 0', '0 4 0', '0 0 4', 'Cu', '2000000000', 'Direct', '0 0 0'));
    expect(refusal(poscar, 'poscar').message).toMatch(/line 7: the counts line declares 2000000000 atoms/);
  });

  it('refuses a dump atom type of 2·10⁹ on its line (per-type tables would grow to it)', () => {
    const dump = tmp.write('type.dump', lines('ITEM: TIMESTEP', '0', 'ITEM: NUMBER OF ATOMS', '1', 'ITEM: BOX BOUNDS pp pp pp', '0 4', '0 4', '0 4', 'ITEM: ATOMS id type x y z', '1 2000000000 0 0 0'));
    expect(refusal(dump, 'lammps-dump').message).toBe(`${dump}, line 10: atom type 2000000000 is more than this reader accepts (at most 100000 types)`);
  });

  it('refuses a coordinate of 1e30 naming file, line and atom instead of wrapping it into the cell', () => {
    const file = tmp.write('far.data', DATA.replace('2 1 2 2 2', '2 1 1e30 2 2'));
    const err = refusal(file);
    expect(err.message).toBe(`${file}, line 17: atom 2: x = 1e+30 lies more than 1000000 Å from the origin (100 µm): not an atom position of a simulation cell`);
    const xyz = tmp.write('far.xyz', lines('1', 'Lattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3', 'Cu 0 -2e7 0'));
    expect(refusal(xyz, 'extxyz').message).toMatch(/line 3: atom 1: y = -20000000 lies more than 1000000 Å/);
  });

  it('wrapping refuses far or non-finite positions and absurd cells (whatever made them)', () => {
    const cell: Cell = { origin: [0, 0, 0], a: [4, 0, 0], b: [0, 4, 0], c: [0, 0, 4], pbc: [true, true, true] };
    const ids = Int32Array.from([7]);
    expect(() => wrapPositions('f', Float64Array.from([1e30, 0, 0]), ids, cell)).toThrow(/^f: atom 7: x = 1e\+30 lies more than 1000000 Å/);
    expect(() => wrapPositions('f', Float64Array.from([0, Number.NaN, 0]), ids, cell)).toThrow(/^f: atom 7: y = NaN is not a finite number/);
    expect(() => wrapPositions('f', Float64Array.from([0, 0, 0]), ids, { ...cell, a: [1e300, 0, 0] })).toThrow(/the cell vector a \(1e\+300, 0, 0\) Å is not finite or reaches beyond/);
    const within = Float64Array.from([999_999, 0, 0]);
    expect(wrapPositions('f', within, ids, cell)).toBe(1);
    expect(within[0]).toBeCloseTo(3, 6);
  });

  it('shows control characters of quoted file text as escapes', () => {
    const dump = tmp.write('esc.dump', '\u001b]0;title\u0007\u001b[31mred\u009b\n');
    const err = refusal(dump, 'lammps-dump');
    expect(err.message).toBe(`${dump}, line 1: expected an "ITEM:" line, found "\\x1b]0;title\\x07\\x1b[31mred\\x9b"`);
    expect(printable('a\u202eb\r\n\tc', 100)).toBe('a\\u202eb\\r\\n\\tc');
    expect(printable('x'.repeat(10), 4)).toBe('xxxx…');
    expect(printable('\u001b'.repeat(3), 4)).toBe('\\x1b…');
    expect(printableMessage('line one\n\tline two \u001b[2J')).toBe('line one\n\tline two \\x1b[2J');
  });
});
