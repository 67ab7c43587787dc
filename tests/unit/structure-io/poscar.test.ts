import { describe, expect, it } from 'vitest';
import { poscarSpecies, readPoscar } from '../../../native-workers/lib/structure-io/poscar';
import { StructureFileError } from '../../../native-workers/lib/structure-io/types';
import { lines, useTempFiles } from './temp-files';

const tmp = useTempFiles('poscar');

function errorOf(fn: () => unknown): StructureFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StructureFileError) return e;
    throw e;
  }
  throw new Error('expected a StructureFileError');
}

describe('readPoscar', () => {
  it('reads VASP 5 Direct coordinates with a scale and Selective dynamics flags', () => {
    const text = lines(
      'CuZr B2 test',
      '2.0',
      '  1.5 0.0 0.0',
      '  0.0 1.5 0.0',
      '  0.0 0.0 2.0',
      '  Cu Zr',
      '  2 1',
      'Selective dynamics',
      'Direct',
      '  0.0 0.0 0.0 T T F',
      '  0.5 0.5 0.0 F F F',
      '  0.5 0.5 0.5 T T T',
    );
    const s = readPoscar(tmp.write('POSCAR', text));
    expect(s.format).toBe('poscar');
    expect(s.typeElements).toEqual(['Cu', 'Zr']);
    expect(Array.from(s.ids)).toEqual([1, 2, 3]);
    expect(Array.from(s.types)).toEqual([1, 1, 2]);
    expect(s.cell).toEqual({ origin: [0, 0, 0], a: [3, 0, 0], b: [0, 3, 0], c: [0, 0, 4], pbc: [true, true, true] });
    expect(Array.from(s.positions)).toEqual([0, 0, 0, 1.5, 1.5, 0, 1.5, 1.5, 2]);
    expect(s.notes).toEqual(['POSCAR comment: CuZr B2 test']);
  });

  it('scales Cartesian coordinates ("Cartesian" or "Kartesian") by the scale factor', () => {
    for (const mode of ['Cartesian', 'kartesian']) {
      const text = lines('c', '1.5', '4 0 0', '0 4 0', '0 0 4', 'Ni', '2', mode, '1 1 1', '2 2 3.5');
      const s = readPoscar(tmp.write(`cart-${mode}.vasp`, text));
      expect(s.cell.a).toEqual([6, 0, 0]);
      expect(Array.from(s.positions)).toEqual([1.5, 1.5, 1.5, 3, 3, 5.25]);
    }
  });

  it('takes a negative scale as the target volume', () => {
    const text = lines('v', '-64', '1 0 0', '0 1 0', '0 0 1', 'Al', '1', 'Direct', '0.5 0.5 0.5');
    const s = readPoscar(tmp.write('vol.vasp', text));
    expect(s.cell.a).toEqual([4, 0, 0]);
    expect(Array.from(s.positions)).toEqual([2, 2, 2]);
    expect(s.notes).toContain('negative scale: lattice scaled to a volume of 64 Å³');
  });

  it('reads a general triclinic lattice and wraps Direct coordinates outside [0, 1)', () => {
    const text = lines('hex', '1.0', '2 0 0', '-1 2 0', '0 0 3', 'Zr_sv/a1b2c3', '2', 'Direct', '0.5 0.5 0.5', '1.25 -0.5 1.0');
    const s = readPoscar(tmp.write('hex.vasp', text));
    expect(s.typeElements).toEqual(['Zr']);
    expect(s.cell.b).toEqual([-1, 2, 0]);
    // (0.25, 0.5, 0) after wrapping → 0.25·a + 0.5·b = (0, 1, 0).
    expect(Array.from(s.positions)).toEqual([0.5, 1, 1.5, 0, 1, 0]);
    expect(s.notes).toContain('1 atom was outside the periodic cell and was wrapped back in');
  });

  it('needs --elements for VASP 4 files and lets --elements override VASP 5 names', () => {
    const vasp4 = lines('Cu Zr', '1.0', '3 0 0', '0 3 0', '0 0 3', '1 1', 'Direct', '0 0 0', '0.5 0.5 0.5');
    expect(() => readPoscar(tmp.write('v4.vasp', vasp4))).toThrow(
      /the element of atom types 1, 2 is unknown \(VASP 4 POSCAR without a species line\); pass --elements .*e\.g\. --elements Cu,Zr/,
    );
    const s = readPoscar(tmp.write('v4b.vasp', vasp4), { elements: ['Cu', 'Zr'] });
    expect(s.typeElements).toEqual(['Cu', 'Zr']);
    expect(Array.from(s.types)).toEqual([1, 2]);
    const vasp5 = lines('x', '1.0', '3 0 0', '0 3 0', '0 0 3', 'Cu_pv Zr', '1 1', 'D', '0 0 0', '0.5 0.5 0.5');
    expect(readPoscar(tmp.write('v5.vasp', vasp5), { elements: ['Ni', 'Al'] }).typeElements).toEqual(['Ni', 'Al']);
    expect(readPoscar(tmp.write('v5b.vasp', vasp5)).typeElements).toEqual(['Cu', 'Zr']);
  });

  it.each([
    ['truncated', lines('t', '1', '3 0 0', '0 3 0', '0 0 3', 'Cu', '3', 'Direct', '0 0 0', '0.5 0.5 0.5'), 10, /declares 3 atoms but the file ends after 2 coordinate lines \(truncated file\?\)/],
    ['empty line in atoms', lines('t', '1', '3 0 0', '0 3 0', '0 0 3', 'Cu', '2', 'Direct', '0 0 0', '', '0.5 0.5 0.5'), 10, /found an empty line/],
    ['malformed number', lines('t', '1', '3 0 0', '0 3 0', '0 0 3', 'Cu', '1', 'Direct', '0 0.5.5 0'), 9, /y expected, found "0\.5\.5"/],
    ['NaN', lines('t', '1', '3 0 0', '0 3 0', '0 0 3', 'Cu', '1', 'Direct', '0 0 nan'), 9, /z is "nan", not a finite number/],
    ['unknown species', lines('t', '1', '3 0 0', '0 3 0', '0 0 3', 'Cu Qq', '1 1', 'Direct', '0 0 0', '0 0 0.5'), 6, /"Qq" in the species line is not an element symbol/],
    ['zero atoms', lines('t', '1', '3 0 0', '0 3 0', '0 0 3', 'Cu', '0', 'Direct'), 7, /the atom counts add up to 0/],
    ['bad lattice', lines('t', '1', '3 0', '0 3 0', '0 0 3'), 3, /lattice vector 1 needs 3 finite numbers/],
    ['bad mode', lines('t', '1', '3 0 0', '0 3 0', '0 0 3', 'Cu', '1', 'Fractional', '0 0 0'), 8, /expected "Direct" or "Cartesian"/],
    ['names vs counts', lines('t', '1', '3 0 0', '0 3 0', '0 0 3', 'Cu Zr', '1', 'Direct', '0 0 0'), 7, /2 species names but 1 counts/],
    ['flat lattice', lines('t', '1', '3 0 0', '0 3 0', '1 1 0', 'Cu', '1', 'Direct', '0 0 0'), 3, /zero volume/],
  ])('rejects %s with its line', (name, text, line, message) => {
    const err = errorOf(() => readPoscar(tmp.write(`bad-${name.replace(/\s+/g, '-')}.vasp`, text)));
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });

  it('strips POTCAR suffixes from species names', () => {
    expect(['Cu', 'Cu_pv', 'Zr_sv/0a1b', 'Ti_sv_GW', 'Xx'].map(poscarSpecies)).toEqual(['Cu', 'Cu', 'Zr', 'Ti', null]);
  });
});
