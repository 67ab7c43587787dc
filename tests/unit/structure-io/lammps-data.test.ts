import { describe, expect, it } from 'vitest';
import { readLammpsData } from '../../../native-workers/lib/structure-io/lammps-data';
import { StructureFileError } from '../../../native-workers/lib/structure-io/types';
import { lines, useTempFiles } from './temp-files';

const tmp = useTempFiles('lammps-data');

const ATOMIC = lines(
  'LAMMPS data file via write_data, version 29 Sep 2021, timestep = 100',
  '',
  '4 atoms',
  '2 atom types',
  '',
  '0.0 10.0 xlo xhi',
  '-5.0 5.0 ylo yhi',
  '0.0 20.0 zlo zhi',
  '',
  'Pair Coeffs # eam/fs',
  '',
  '1 0.5 1.5',
  '2 0.7 1.9',
  '',
  'Masses',
  '',
  '1 63.546 # Cu',
  '2 91.224 # Zr',
  '',
  'Atoms # atomic',
  '',
  '3 2 1.5 2.5 3.5 0 0 0',
  '1 1 0.25 -4.0 19.5 1 0 0',
  '2 1 10.5 5.0 -0.5 0 0 -1',
  '4 2 9.999 0.0 0.0 0 0 0',
  '',
  'Velocities',
  '',
  '1 0.1 0.2 0.3',
  '2 0.1 0.2 0.3',
  '3 0.1 0.2 0.3',
  '4 0.1 0.2 0.3',
);

function errorOf(fn: () => unknown): StructureFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StructureFileError) return e;
    throw e;
  }
  throw new Error('expected a StructureFileError');
}

describe('readLammpsData', () => {
  it('reads an atomic file: sorted by id, Masses comments, other sections skipped, wrapped into the box', () => {
    const s = readLammpsData(tmp.write('atomic.data', ATOMIC));
    expect(s.format).toBe('lammps-data');
    expect(Array.from(s.ids)).toEqual([1, 2, 3, 4]);
    expect(Array.from(s.types)).toEqual([1, 1, 2, 2]);
    expect(s.typeElements).toEqual(['Cu', 'Zr']);
    // Atom 2 sat at x = 10.5 (> xhi), y = yhi and z = −0.5: wrapped to 0.5, −5, 19.5.
    expect(Array.from(s.positions)).toEqual([0.25, -4, 19.5, 0.5, -5, 19.5, 1.5, 2.5, 3.5, 9.999, 0, 0]);
    expect(s.cell).toEqual({ origin: [0, -5, 0], a: [10, 0, 0], b: [0, 10, 0], c: [0, 0, 20], pbc: [true, true, true] });
    expect(s.timestep).toBeNull();
    expect(s.notes).toEqual(['1 atom was outside the periodic cell and was wrapped back in']);
  });

  it('reads styles full, charge and molecular from the Atoms comment, with and without image flags', () => {
    const head = (style: string): string =>
      lines('title', '2 atoms', '1 atom types', '0 4 xlo xhi', '0 4 ylo yhi', '0 4 zlo zhi', '', 'Masses', '', '1 58.693', '', `Atoms # ${style}`, '');
    const full = readLammpsData(tmp.write('full.data', head('full') + lines('2 1 1 -0.5 1 2 3 0 0 0', '1 7 1 0.5 0.1 0.2 0.3 0 1 0')));
    expect(Array.from(full.positions)).toEqual([0.1, 0.2, 0.3, 1, 2, 3]);
    expect(full.typeElements).toEqual(['Ni']);
    expect(full.notes).toEqual(['elements from the masses: type 1 = Ni']);
    const charge = readLammpsData(tmp.write('charge.data', head('charge') + lines('1 1 0.5 1.25 2.5 3.75', '2 1 -0.5 0 0 0')));
    expect(Array.from(charge.positions)).toEqual([1.25, 2.5, 3.75, 0, 0, 0]);
    const molecular = readLammpsData(tmp.write('mol.data', head('molecular') + lines('1 3 1 1 2 3', '2 3 1 3 2 1')));
    expect(Array.from(molecular.positions)).toEqual([1, 2, 3, 3, 2, 1]);
    expect(() => readLammpsData(tmp.write('full-bad.data', head('full') + lines('1 1 1 0 1 2')))).toThrow(
      /line 14: atom style full has 7 columns \(or 10 with image flags\), this line has 6/,
    );
    expect(() => readLammpsData(tmp.write('hybrid.data', head('hybrid sphere') + lines('1 1 1 0 1 2')))).toThrow(
      /atom style "hybrid" is not supported/,
    );
  });

  it('infers atomic from 5 or 8 columns without a style comment, and asks for the comment otherwise', () => {
    const head = lines('title', '1 atoms', '1 atom types', '0 4 xlo xhi', '0 4 ylo yhi', '0 4 zlo zhi', 'Masses', '1 63.546', 'Atoms', '');
    const s = readLammpsData(tmp.write('nostyle.data', head + lines('1 1 1 2 3')));
    expect(Array.from(s.positions)).toEqual([1, 2, 3]);
    expect(s.notes).toContain('the Atoms section has no style comment; read as atom style atomic (id type x y z)');
    const err = errorOf(() => readLammpsData(tmp.write('nostyle7.data', head + lines('1 1 1 0.5 1 2 3'))));
    expect(err.line).toBe(11);
    expect(err.message).toMatch(/7 columns and no style comment; add one after the keyword, e.g. "Atoms # full"/);
  });

  it('reads a triclinic box (xy xz yz) and wraps through the tilted cell vectors', () => {
    const text = lines(
      'tri',
      '2 atoms',
      '1 atom types',
      '0 10 xlo xhi',
      '0 8 ylo yhi',
      '0 6 zlo zhi',
      '2 -1 1.5 xy xz yz',
      '',
      'Masses',
      '',
      '1 91.224 # Zr',
      '',
      'Atoms # atomic',
      '',
      '1 1 5 4 3',
      '2 1 1 -2 1',
    );
    const s = readLammpsData(tmp.write('tri.data', text));
    expect(s.cell).toEqual({ origin: [0, 0, 0], a: [10, 0, 0], b: [2, 8, 0], c: [-1, 1.5, 6], pbc: [true, true, true] });
    // Atom 2 is below the y face: shifted by +b = (2, 8, 0).
    expect(Array.from(s.positions)).toEqual([5, 4, 3, 3, 6, 1]);
  });

  it('reads general triclinic avec/bvec/cvec headers', () => {
    const text = lines('gen', '1 atoms', '1 atom types', '4 0 0 avec', '1 4 0 bvec', '0 1 4 cvec', '1 1 1 abc origin', 'Masses', '1 26.982 # Al', 'Atoms # atomic', '1 1 2 2 2');
    const s = readLammpsData(tmp.write('general.data', text));
    expect(s.cell).toEqual({ origin: [1, 1, 1], a: [4, 0, 0], b: [1, 4, 0], c: [0, 1, 4], pbc: [true, true, true] });
    expect(s.typeElements).toEqual(['Al']);
  });

  it('takes elements from --elements first, then type labels, comments and masses', () => {
    const s = readLammpsData(tmp.write('opt.data', ATOMIC), { elements: ['Ni', 'Al'] });
    expect(s.typeElements).toEqual(['Ni', 'Al']);
    expect(s.notes).toContain('type 1 is Ni (58.693 u) but the file gives mass 63.546 u');
    const labels = lines(
      'labels',
      '2 atoms',
      '2 atom types',
      '0 4 xlo xhi',
      '0 4 ylo yhi',
      '0 4 zlo zhi',
      '',
      'Atom Type Labels',
      '',
      '1 Cu',
      '2 Zr',
      '',
      'Masses',
      '',
      'Cu 63.546',
      'Zr 91.224',
      '',
      'Atoms # atomic',
      '',
      '1 Zr 1 1 1',
      '2 Cu 2 2 2',
    );
    const l = readLammpsData(tmp.write('labels.data', labels));
    expect(l.typeElements).toEqual(['Cu', 'Zr']);
    expect(Array.from(l.types)).toEqual([2, 1]);
  });

  it('tells the user to pass --elements when a type cannot be named', () => {
    const noMasses = lines('t', '1 atoms', '2 atom types', '0 4 xlo xhi', '0 4 ylo yhi', '0 4 zlo zhi', 'Atoms # atomic', '1 1 1 1 1');
    expect(() => readLammpsData(tmp.write('nomass.data', noMasses))).toThrow(
      /the element of atom types 1, 2 is unknown \(the file has no Masses section\); pass --elements with one symbol per type in type order, e\.g\. --elements Cu,Zr/,
    );
    const oddMass = lines('t', '1 atoms', '2 atom types', '0 4 xlo xhi', '0 4 ylo yhi', '0 4 zlo zhi', 'Masses', '1 63.546', '2 12.5', 'Atoms # atomic', '1 1 1 1 1');
    expect(() => readLammpsData(tmp.write('oddmass.data', oddMass))).toThrow(/type 2 is unknown .*--elements Cu,Zr/);
    expect(readLammpsData(tmp.write('oddmass2.data', oddMass), { elements: ['Cu', 'C'] }).typeElements).toEqual(['Cu', 'C']);
    expect(() => readLammpsData(tmp.write('oddmass3.data', oddMass), { elements: ['Cu'] })).toThrow(
      /--elements names 1 element but the file has 2 atom types/,
    );
    expect(() => readLammpsData(tmp.write('oddmass4.data', oddMass), { elements: ['Cu', 'Qq'] })).toThrow(
      /"Qq" given in --elements is not an element symbol/,
    );
  });

  const base = (atomLines: string[], atoms = atomLines.length): string =>
    lines('t', `${atoms} atoms`, '1 atom types', '0 4 xlo xhi', '0 4 ylo yhi', '0 4 zlo zhi', '', 'Masses', '', '1 63.546 # Cu', '', 'Atoms # atomic', '', ...atomLines);

  it.each([
    ['truncated', base(['1 1 1 1 1', '2 1 2 2 2'], 3), 15, /the Atoms section ends after 2 of the 3 atoms the header declares \(truncated file\?\)/],
    ['too many lines', base(['1 1 1 1 1', '2 1 2 2 2'], 1), 15, /more lines than the 1 atoms the header declares/],
    ['malformed number', base(['1 1 1 1.2.3 1']), 14, /y expected, found "1\.2\.3"/],
    ['NaN', base(['1 1 nan 1 1']), 14, /x is "nan", not a finite number/],
    ['type out of range', base(['1 3 1 1 1']), 14, /atom type 3 is outside 1 … 1/],
    ['id beyond int32', base(['3000000000 1 1 1 1']), 14, /atom id 3000000000 is outside 1 … 2147483647/],
    ['extra column', base(['1 1 1 1 1 0 0 0', '2 1 1 1 1 0 0 0 9']), 15, /more than the 8 columns/],
    ['zero atoms', base([], 0), null, /the header says 0 atoms: the file holds no atoms/],
    ['duplicate ids', base(['1 1 1 1 1', '1 1 2 2 2']), null, /atom id 1 appears more than once/],
    ['unknown header', lines('t', '1 atoms', '1 atom types', '0 4 xlo xhi', '0 4 ylo yhi', '0 4 zlo zhi', '7 wombats'), 7, /unrecognised header line "7 wombats"/],
    ['bad box', lines('t', '1 atoms', '1 atom types', '4 0 xlo xhi'), 4, /xlo xhi: hi \(0\) must be greater than lo \(4\)/],
    ['no atoms section', lines('t', '1 atoms', '1 atom types', '0 4 xlo xhi', 'Masses', '1 63.546'), null, /no Atoms section/],
  ])('rejects %s with file and line', (name, text, line, message) => {
    const file = tmp.write(`bad-${name.replace(/\s+/g, '-')}.data`, text);
    const err = errorOf(() => readLammpsData(file));
    expect(err.file).toBe(file);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });

  it('skips sections added by fixes, even right after Atoms', () => {
    const text = ATOMIC.replace('\nVelocities\n', '\nMolecules\n\n1 7\n2 7\n3 8\n4 8\n\nVelocities\n');
    expect(text).toContain('Molecules');
    expect(Array.from(readLammpsData(tmp.write('fix-section.data', text)).ids)).toEqual([1, 2, 3, 4]);
  });

  it('reads CRLF files and comments anywhere', () => {
    const text = ATOMIC.replace(/\n/g, '\r\n').replace('4 atoms', '4 atoms # four of them');
    const s = readLammpsData(tmp.write('crlf.data', text));
    expect(Array.from(s.positions)).toEqual([0.25, -4, 19.5, 0.5, -5, 19.5, 1.5, 2.5, 3.5, 9.999, 0, 0]);
  });
});
