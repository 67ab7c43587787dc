import { describe, expect, it } from 'vitest';
import { parseExtxyzComment, readExtxyz } from '../../../native-workers/lib/structure-io/extxyz';
import { StructureFileError } from '../../../native-workers/lib/structure-io/types';
import { lines, useTempFiles } from './temp-files';

const tmp = useTempFiles('extxyz');

function errorOf(fn: () => unknown): StructureFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StructureFileError) return e;
    throw e;
  }
  throw new Error('expected a StructureFileError');
}

describe('parseExtxyzComment', () => {
  it('reads quoted, braced and bare values and flags; keys are lower-cased', () => {
    const m = parseExtxyzComment(
      'Lattice="1 0 0 0 2 0 0 0 3" Properties=species:S:1:pos:R:3 energy = -3.25 name="a \\"quoted\\" word" cell={4 5 6} is_relaxed pbc=\'T F T\'',
    );
    expect(Object.fromEntries(m)).toEqual({
      lattice: '1 0 0 0 2 0 0 0 3',
      properties: 'species:S:1:pos:R:3',
      energy: '-3.25',
      name: 'a "quoted" word',
      cell: '4 5 6',
      is_relaxed: 'T',
      pbc: 'T F T',
    });
  });
});

describe('readExtxyz', () => {
  it('reads Lattice, Properties with extra columns, and pbc', () => {
    const text = lines(
      '3',
      'Lattice="10 0 0 0 12 0 0 0 8" Properties=species:S:1:pos:R:3:forces:R:3:tags:I:1 pbc="T T F" energy=-1.5',
      'Cu 1.0 2.0 3.0 0.1 0.2 0.3 0',
      'Zr 11.0 -1.0 4.0 0.1 0.2 0.3 1',
      'Cu 9.5 6.0 7.999 0 0 0 2',
    );
    const s = readExtxyz(tmp.write('basic.xyz', text));
    expect(s.format).toBe('extxyz');
    expect(Array.from(s.ids)).toEqual([1, 2, 3]);
    expect(Array.from(s.types)).toEqual([1, 2, 1]);
    expect(s.typeElements).toEqual(['Cu', 'Zr']);
    expect(Array.from(s.positions)).toEqual([1, 2, 3, 1, 11, 4, 9.5, 6, 7.999]);
    expect(s.cell).toEqual({ origin: [0, 0, 0], a: [10, 0, 0], b: [0, 12, 0], c: [0, 0, 8], pbc: [true, true, false] });
    expect(s.notes).toEqual(['1 atom was outside the periodic cell and was wrapped back in']);
  });

  it('finds pos before species, reads an id property and an Origin, and orders types by --elements', () => {
    const text = lines(
      '2',
      'Properties=pos:R:3:id:I:1:species:S:1 Lattice="4 0 0 1 4 0 0 0 4" Origin="-1 -1 -1"',
      '0.5 0.5 0.5 20 Zr',
      '1.5 1.5 1.5 10 Cu',
    );
    const s = readExtxyz(tmp.write('order.xyz', text), { elements: ['Cu', 'Zr'] });
    expect(Array.from(s.ids)).toEqual([10, 20]);
    expect(Array.from(s.types)).toEqual([1, 2]);
    expect(Array.from(s.positions)).toEqual([1.5, 1.5, 1.5, 0.5, 0.5, 0.5]);
    expect(s.cell.origin).toEqual([-1, -1, -1]);
    expect(s.cell.b).toEqual([1, 4, 0]);
    expect(() => readExtxyz(tmp.write('order2.xyz', text), { elements: ['Cu'] })).toThrow(/line 3: element Zr is not among --elements Cu/);
  });

  it('wraps through a general (non-LAMMPS) triclinic lattice', () => {
    // a = (3, 3, 0), b = (−3, 3, 0), c = (0, 0, 5); the point 1.5·a lies outside along a.
    const text = lines('1', 'Lattice="3 3 0 -3 3 0 0 0 5"', 'Al 4.5 4.5 1');
    const s = readExtxyz(tmp.write('general.xyz', text));
    expect(Array.from(s.positions)).toEqual([1.5, 1.5, 1]);
  });

  it('reads plain XYZ into a non-periodic bounding box padded by 1 Å', () => {
    const text = lines('3', 'a water-free cluster', 'Cu 0 0 0', 'zr 2 -1 4 0.33', 'Cu 1 3 2');
    const s = readExtxyz(tmp.write('plain.xyz', text));
    expect(s.typeElements).toEqual(['Cu', 'Zr']);
    expect(Array.from(s.types)).toEqual([1, 2, 1]);
    expect(Array.from(s.positions)).toEqual([0, 0, 0, 2, -1, 4, 1, 3, 2]);
    expect(s.cell).toEqual({ origin: [-1, -2, -1], a: [4, 0, 0], b: [0, 6, 0], c: [0, 0, 6], pbc: [false, false, false] });
    expect(s.notes).toEqual([
      'plain XYZ: columns read as element x y z',
      "no Lattice: non-periodic cell = the atoms' bounding box plus 1 Å on each side",
    ]);
  });

  it('selects frames of a multi-frame file and reads the timestep key', () => {
    const f = (step: number, x: number): string[] => ['1', `Lattice="5 0 0 0 5 0 0 0 5" Timestep=${step}`, `Ni ${x} 1 1`];
    const file = tmp.write('multi.xyz', lines(...f(0, 1), ...f(10, 2), ...f(20, 3), ''));
    const last = readExtxyz(file);
    expect([last.timestep, last.positions[0]]).toEqual([20, 3]);
    expect(last.notes).toEqual(['file has 3 frames; imported frame 2 (timestep 20)']);
    expect(readExtxyz(file, { frame: 'first' }).positions[0]).toBe(1);
    expect(readExtxyz(file, { frame: 1 }).positions[0]).toBe(2);
    expect(readExtxyz(file, { frame: -1 }).positions[0]).toBe(3);
    expect(() => readExtxyz(file, { frame: 7 })).toThrow(/3 complete frames; frame 7 does not exist/);
  });

  it.each([
    ['unknown element', lines('1', 'Lattice="5 0 0 0 5 0 0 0 5"', 'Qx 1 1 1'), 3, /"Qx" is not an element symbol/],
    ['truncated', lines('3', 'Lattice="5 0 0 0 5 0 0 0 5"', 'Cu 1 1 1', 'Cu 2 2 2'), 4, /declares 3 atoms but the file ends after 2 \(truncated file\?\)/],
    ['bad number', lines('1', 'Lattice="5 0 0 0 5 0 0 0 5"', 'Cu 1 1 1,5'), 3, /z expected, found "1,5"/],
    ['NaN', lines('1', 'Lattice="5 0 0 0 5 0 0 0 5"', 'Cu NaN 1 1'), 3, /x is "NaN", not a finite number/],
    ['short lattice', lines('1', 'Lattice="5 0 0 0 5 0 0 0"', 'Cu 1 1 1'), 2, /Lattice="5 0 0 0 5 0 0 0" needs 9 finite numbers/],
    ['periodic without lattice', lines('1', 'Properties=species:S:1:pos:R:3 pbc="T T T"', 'Cu 1 1 1'), 2, /pbc says periodic but there is no Lattice/],
    ['no pos', lines('1', 'Lattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:x:R:1', 'Cu 1'), 2, /needs species:S:1 and pos:R:3/],
    ['bad count', lines('three', 'x', 'Cu 1 1 1'), 1, /expected the number of atoms of a frame, found "three"/],
    ['zero atoms', lines('0', 'Lattice="5 0 0 0 5 0 0 0 5"'), 1, /the frame holds no atoms/],
    ['missing column', lines('1', 'Lattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3:q:R:1', 'Cu 1 1 1'), 3, /fewer than the 5 columns/],
  ])('rejects %s', (name, text, line, message) => {
    const err = errorOf(() => readExtxyz(tmp.write(`bad-${name.replace(/\s+/g, '-')}.xyz`, text)));
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });

  it('rejects atoms outside a non-periodic lattice direction', () => {
    const text = lines('2', 'Lattice="5 0 0 0 5 0 0 0 5" pbc="T F T"', 'Cu 1 1 1', 'Cu 1 6 1');
    expect(() => readExtxyz(tmp.write('outside.xyz', text))).toThrow(/atom 2 lies outside the box along y: y = 6 Å, box 0 … 5 Å/);
  });
});
