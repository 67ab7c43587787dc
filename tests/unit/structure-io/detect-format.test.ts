import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectFormat, formatFromName } from '../../../native-workers/lib/structure-io/detect-format';
import { readStructureFile } from '../../../native-workers/lib/structure-io/read-structure';
import { lines, useTempFiles } from './temp-files';

const tmp = useTempFiles('detect');

const DATA = lines('any title', '', '1 atoms', '1 atom types', '', '0 4 xlo xhi', '0 4 ylo yhi', '0 4 zlo zhi', '', 'Masses', '', '1 63.546', '', 'Atoms # atomic', '', '1 1 1 2 3');
const DUMP = lines('ITEM: TIMESTEP', '0', 'ITEM: NUMBER OF ATOMS', '1', 'ITEM: BOX BOUNDS pp pp pp', '0 4', '0 4', '0 4', 'ITEM: ATOMS id element x y z', '1 Cu 1 2 3');
const EXTXYZ = lines('1', 'Lattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3', 'Cu 1 2 3');
const XYZ = lines('1', 'plain comment', 'Cu 1 2 3');
const POSCAR5 = lines('comment', '1.0', '4 0 0', '0 4 0', '0 0 4', 'Cu', '1', 'Cartesian', '1 2 3');
const POSCAR4 = lines('comment', '1.0', '4 0 0', '0 4 0', '0 0 4', '1', 'Cartesian', '1 2 3');

describe('detectFormat', () => {
  it.each([
    ['a.data', 'lammps-data'],
    ['b.LMP', 'lammps-data'],
    ['c.lammps', 'lammps-data'],
    ['d.dump', 'lammps-dump'],
    ['e.lammpstrj', 'lammps-dump'],
    ['f.xyz', 'extxyz'],
    ['g.extxyz', 'extxyz'],
    ['POSCAR', 'poscar'],
    ['CONTCAR_relaxed', 'poscar'],
    ['h.vasp', 'poscar'],
    ['i.poscar', 'poscar'],
    ['j.txt', null],
  ])('knows %s by name', (name, format) => {
    expect(formatFromName(`/some/dir/${name}`)).toBe(format);
  });

  it.each([
    ['data', DATA, 'lammps-data'],
    ['dump', DUMP, 'lammps-dump'],
    ['extxyz', EXTXYZ, 'extxyz'],
    ['xyz', XYZ, 'extxyz'],
    ['poscar5', POSCAR5, 'poscar'],
    ['poscar4', POSCAR4, 'poscar'],
  ])('sniffs %s content when the name says nothing, and reads it with format auto', (name, text, format) => {
    const file = tmp.write(`sniff-${name}.txt`, text);
    expect(detectFormat(file)).toBe(format);
    const s = readStructureFile(file, 'auto', { elements: ['Cu'] });
    expect(s.format).toBe(format);
    expect(Array.from(s.positions)).toEqual([1, 2, 3]);
    expect(s.typeElements).toEqual(['Cu']);
  });

  it('asks for --format when nothing fits', () => {
    const file = tmp.write('mystery.txt', lines('hello', 'world'));
    expect(() => detectFormat(file)).toThrow(/mystery\.txt: cannot tell the file format .*; pass --format lammps-data, lammps-dump, extxyz or poscar/);
  });

  it('rejects compressed files with a clear message', () => {
    const file = tmp.write('packed.dump', zlib.gzipSync(Buffer.from(DUMP)));
    expect(() => readStructureFile(file, 'auto')).toThrow(/packed\.dump: the file is gzip-compressed; decompress it first/);
  });

  it('names the file when it is missing or a directory', () => {
    expect(() => readStructureFile(`${tmp.dir}/nope.data`, 'auto')).toThrow(/nope\.data: cannot open/);
    expect(() => readStructureFile(tmp.dir, 'lammps-data')).toThrow(/cannot read: EISDIR/);
  });

  it('honours an explicit format over the name', () => {
    const file = tmp.write('really-a-dump.xyz', DUMP);
    expect(readStructureFile(file, 'lammps-dump').format).toBe('lammps-dump');
    expect(() => readStructureFile(file, 'auto')).toThrow(/line 1: expected the number of atoms of a frame, found "ITEM: TIMESTEP"/);
  });
});
