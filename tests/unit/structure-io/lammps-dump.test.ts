import { describe, expect, it } from 'vitest';
import { readLammpsDump } from '../../../native-workers/lib/structure-io/lammps-dump';
import { ReadCancelled, StructureFileError } from '../../../native-workers/lib/structure-io/types';
import { lines, useTempFiles } from './temp-files';

const tmp = useTempFiles('lammps-dump');

function frame(timestep: number, columns: string, atomLines: string[], box = ['0 10', '0 10', '0 10'], flags = 'pp pp pp', atoms = atomLines.length): string[] {
  return ['ITEM: TIMESTEP', String(timestep), 'ITEM: NUMBER OF ATOMS', String(atoms), `ITEM: BOX BOUNDS ${flags}`, ...box, `ITEM: ATOMS ${columns}`, ...atomLines];
}

function errorOf(fn: () => unknown): StructureFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StructureFileError) return e;
    throw e;
  }
  throw new Error('expected a StructureFileError');
}

describe('readLammpsDump', () => {
  it('reads id type x y z in any order, sorts by id, keeps boundary flags and the timestep', () => {
    const text = lines(...frame(1500, 'id type x y z', ['3 2 1.5 2.5 3.5', '1 1 0.25 0.5 0.75', '2 1 -1 11 9.5'], ['0 10', '0 10', '0 10'], 'pp pp ss'));
    const s = readLammpsDump(tmp.write('basic.dump', text), { elements: ['Cu', 'Zr'] });
    expect(s.format).toBe('lammps-dump');
    expect(s.timestep).toBe(1500);
    expect(Array.from(s.ids)).toEqual([1, 2, 3]);
    expect(Array.from(s.types)).toEqual([1, 1, 2]);
    expect(Array.from(s.positions)).toEqual([0.25, 0.5, 0.75, 9, 1, 9.5, 1.5, 2.5, 3.5]);
    expect(s.cell).toEqual({ origin: [0, 0, 0], a: [10, 0, 0], b: [0, 10, 0], c: [0, 0, 10], pbc: [true, true, false] });
    expect(s.typeElements).toEqual(['Cu', 'Zr']);
    expect(s.notes).toEqual(['1 atom was outside the periodic cell and was wrapped back in']);

    const shuffled = lines(...frame(0, 'z x q type y id', ['0.75 0.25 9 1 0.5 1', '3.5 1.5 -1 2 2.5 3']));
    const t = readLammpsDump(tmp.write('order.dump', shuffled), { elements: ['Cu', 'Zr'] });
    expect(Array.from(t.ids)).toEqual([1, 3]);
    expect(Array.from(t.positions)).toEqual([0.25, 0.5, 0.75, 1.5, 2.5, 3.5]);
  });

  it('converts scaled coordinates through an orthogonal box', () => {
    const text = lines(...frame(0, 'id type xs ys zs', ['1 1 0.25 0.5 0.75', '2 1 1.25 -0.5 0'], ['-5 5', '0 20', '10 14']));
    const s = readLammpsDump(tmp.write('scaled.dump', text), { elements: ['Al'] });
    expect(Array.from(s.positions)).toEqual([-2.5, 10, 13, -2.5, 10, 10]);
    expect(s.notes).toContain('coordinates read from the scaled columns');
  });

  it('converts triclinic bounding-box bounds to xlo … zhi as the LAMMPS docs say, and scaled coordinates through it', () => {
    // xlo 0, xhi 10, ylo 0, yhi 8, zlo 0, zhi 6, xy 2, xz −1, yz 1.5 → bounds x −1 … 12, y 0 … 9.5, z 0 … 6.
    const box = ['-1 12 2', '0 9.5 -1', '0 6 1.5'];
    const text = lines(...frame(0, 'id type xs ys zs', ['1 1 0.5 0.5 0.5', '2 1 0 0 0'], box, 'xy xz yz pp pp pp'));
    const s = readLammpsDump(tmp.write('tri-scaled.dump', text), { elements: ['Zr'] });
    expect(s.cell).toEqual({ origin: [0, 0, 0], a: [10, 0, 0], b: [2, 8, 0], c: [-1, 1.5, 6], pbc: [true, true, true] });
    expect(Array.from(s.positions)).toEqual([5.5, 4.75, 3, 0, 0, 0]);
    const cart = lines(...frame(0, 'id type x y z', ['1 1 5.5 4.75 3', '2 1 1 -2 1'], box, 'xy xz yz pp pp pp'));
    const c = readLammpsDump(tmp.write('tri-cart.dump', cart), { elements: ['Zr'] });
    // Atom 2 lies below the y face; wrapping adds b = (2, 8, 0).
    expect(Array.from(c.positions)).toEqual([5.5, 4.75, 3, 3, 6, 1]);
  });

  it('wraps unwrapped (xu) and scaled unwrapped (xsu) coordinates into the box', () => {
    const xu = lines(...frame(0, 'id type xu yu zu', ['1 1 12.5 -7.5 35', '2 1 1 2 3']));
    const s = readLammpsDump(tmp.write('xu.dump', xu), { elements: ['Cu'] });
    expect(Array.from(s.positions)).toEqual([2.5, 2.5, 5, 1, 2, 3]);
    expect(s.notes).toEqual(['coordinates read from the unwrapped columns', '1 atom was outside the periodic cell and was wrapped back in']);
    const xsu = lines(...frame(0, 'id type xsu ysu zsu', ['1 1 1.25 -0.75 3.5']));
    expect(Array.from(readLammpsDump(tmp.write('xsu.dump', xsu), { elements: ['Cu'] }).positions)).toEqual([2.5, 2.5, 5]);
  });

  it('takes elements from the element column, types by first appearance when there is no type column', () => {
    const withType = lines(...frame(0, 'id type element x y z', ['1 2 Zr 1 1 1', '2 1 Cu 2 2 2', '3 2 Zr 3 3 3']));
    const s = readLammpsDump(tmp.write('element.dump', withType));
    expect(s.typeElements).toEqual(['Cu', 'Zr']);
    expect(Array.from(s.types)).toEqual([2, 1, 2]);
    // --elements wins over the element column.
    expect(readLammpsDump(tmp.write('element2.dump', withType), { elements: ['Ni', 'Al'] }).typeElements).toEqual(['Ni', 'Al']);

    const noType = lines(...frame(0, 'element x y z', ['Zr 1 1 1', 'cu 2 2 2', 'Zr 3 3 3']));
    const t = readLammpsDump(tmp.write('notype.dump', noType));
    expect(Array.from(t.ids)).toEqual([1, 2, 3]);
    expect(t.typeElements).toEqual(['Zr', 'Cu']);
    expect(Array.from(t.types)).toEqual([1, 2, 1]);
    const ordered = readLammpsDump(tmp.write('notype2.dump', noType), { elements: ['Cu', 'Zr'] });
    expect(Array.from(ordered.types)).toEqual([2, 1, 2]);

    const clash = lines(...frame(0, 'id type element x y z', ['1 1 Cu 1 1 1', '2 1 Zr 2 2 2']));
    expect(() => readLammpsDump(tmp.write('clash.dump', clash))).toThrow(/line 11: atom type 1 is Cu on an earlier line and Zr here/);
    const unknown = lines(...frame(0, 'id type element x y z', ['1 1 Xq 1 1 1']));
    expect(() => readLammpsDump(tmp.write('unknown-el.dump', unknown))).toThrow(/line 10: "Xq" in the element column is not an element symbol/);
  });

  it('matches elements from a mass column and asks for --elements when nothing names a type', () => {
    const mass = lines(...frame(0, 'id type mass x y z', ['1 1 63.546 1 1 1', '2 2 91.224 2 2 2']));
    const s = readLammpsDump(tmp.write('mass.dump', mass));
    expect(s.typeElements).toEqual(['Cu', 'Zr']);
    expect(s.notes).toContain('elements from the mass column: type 1 = Cu, type 2 = Zr');
    const none = lines(...frame(0, 'id type x y z', ['1 1 1 1 1', '2 2 2 2 2']));
    expect(() => readLammpsDump(tmp.write('none.dump', none))).toThrow(
      /the element of atom types 1, 2 is unknown \(the dump has no element column\); pass --elements .* e\.g\. --elements Cu,Zr/,
    );
    expect(() => readLammpsDump(tmp.write('none2.dump', none), { elements: ['Cu'] })).toThrow(/--elements names 1 elements but the dump has atom type 2/);
  });

  const threeFrames = lines(
    ...frame(0, 'id type x y z', ['1 1 1 1 1', '2 1 2 2 2']),
    ...frame(100, 'id type x y z', ['1 1 1.5 1 1', '2 1 2.5 2 2']),
    ...frame(200, 'id type x y z', ['2 1 3 2 2', '1 1 2 1 1']),
  );

  it.each([
    [undefined, 200, [2, 1, 1, 3, 2, 2], 'dump has 3 frames; imported frame 2 (timestep 200)'],
    ['last' as const, 200, [2, 1, 1, 3, 2, 2], 'dump has 3 frames; imported frame 2 (timestep 200)'],
    ['first' as const, 0, [1, 1, 1, 2, 2, 2], 'dump has 3 frames; imported frame 0 (timestep 0)'],
    [1, 100, [1.5, 1, 1, 2.5, 2, 2], 'dump has 3 frames; imported frame 1 (timestep 100)'],
    [-3, 0, [1, 1, 1, 2, 2, 2], 'dump has 3 frames; imported frame 0 (timestep 0)'],
  ])('selects frame %s of a multi-frame dump', (frameOption, timestep, positions, note) => {
    const s = readLammpsDump(tmp.write('multi.dump', threeFrames), { elements: ['Cu'], frame: frameOption });
    expect(s.timestep).toBe(timestep);
    expect(Array.from(s.positions)).toEqual(positions);
    expect(s.notes).toEqual([note]);
  });

  it('rejects a frame index that does not exist', () => {
    expect(() => readLammpsDump(tmp.write('multi2.dump', threeFrames), { elements: ['Cu'], frame: 3 })).toThrow(
      /the file has 3 complete frames; frame 3 does not exist \(frames are numbered from 0/,
    );
  });

  it('ignores an incomplete final frame for "last" and says so; a truncated single frame is an error with its line', () => {
    const cut = threeFrames.split('\n').slice(0, -2).join('\n');
    const s = readLammpsDump(tmp.write('cut.dump', cut), { elements: ['Cu'] });
    expect(s.timestep).toBe(100);
    expect(s.notes).toEqual([
      'dump has 2 frames; imported frame 1 (timestep 100)',
      'an incomplete frame after the last complete one was ignored (line 32: the frame declares 2 atoms but the file ends after 1)',
    ]);
    const single = lines(...frame(0, 'id type x y z', ['1 1 1 1 1', '2 1 2 2 2'], undefined, undefined, 3));
    const err = errorOf(() => readLammpsDump(tmp.write('trunc.dump', single), { elements: ['Cu'] }));
    expect(err.line).toBe(11);
    expect(err.message).toMatch(/the frame starting at line 1 declares 3 atoms but only 2 atom lines follow \(truncated file\?\)/);
    // A short frame followed by another frame: the ITEM line is not taken for an atom.
    const short = lines(...frame(0, 'id type x y z', ['1 1 1 1 1'], undefined, undefined, 2), ...frame(5, 'id type x y z', ['1 1 1 1 1']));
    expect(() => readLammpsDump(tmp.write('short.dump', short), { elements: ['Cu'], frame: 'first' })).toThrow(
      /line 11: the frame starting at line 1 declares 2 atoms but only 1 atom lines follow/,
    );
  });

  it.each([
    ['garbage number', frame(0, 'id type x y z', ['1 1 1 1 1', '2 1 2 2,5 2']), 11, /y expected, found "2,5"/],
    ['NaN', frame(0, 'id type x y z', ['1 1 nan 1 1']), 10, /x is "nan", not a finite number/],
    ['missing column', frame(0, 'id type x y z', ['1 1 1 1']), 10, /expected z but the line ends/],
    ['extra column', frame(0, 'id type x y z', ['1 1 1 1 1 7']), 10, /more than the 5 columns ITEM: ATOMS lists/],
    ['zero atoms', frame(0, 'id type x y z', []), 4, /the frame holds no atoms/],
    ['no coordinates', frame(0, 'id type vx vy vz', ['1 1 0 0 0']), 9, /no complete set of coordinates/],
    ['duplicate id', frame(0, 'id type x y z', ['1 1 1 1 1', '1 1 2 2 2']), null, /atom id 1 appears more than once/],
    ['negative id', frame(0, 'id type x y z', ['-4 1 1 1 1']), 10, /atom id -4 is outside 1 … 2147483647/],
    ['not a dump', ['hello'], 1, /expected an "ITEM:" line/],
  ])('rejects %s', (name, rows, line, message) => {
    const err = errorOf(() => readLammpsDump(tmp.write(`bad-${name.replace(/\s+/g, '-')}.dump`, lines(...rows)), { elements: ['Cu'] }));
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });

  it('rejects atoms outside the box along a non-periodic direction, naming the atom and the axis', () => {
    const text = lines(...frame(0, 'id type x y z', ['1 1 1 1 1', '7 1 2 2 10.5'], undefined, 'pp pp fs'));
    expect(() => readLammpsDump(tmp.write('outside.dump', text), { elements: ['Cu'] })).toThrow(
      /atom 7 lies outside the box along z: z = 10\.5 Å, box 0 … 10 Å, a non-periodic direction/,
    );
    // Within the 1e-6 relative tolerance it is accepted as is.
    const edge = lines(...frame(0, 'id type x y z', ['1 1 1 1 10.000005'], undefined, 'pp pp ss'));
    expect(Array.from(readLammpsDump(tmp.write('edge.dump', edge), { elements: ['Cu'] }).positions)).toEqual([1, 1, 10.000005]);
  });

  it('reports progress to 1 and can be cancelled', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${i + 1} 1 ${(i % 10) + 0.5} 1 1`);
    const file = tmp.write('progress.dump', lines(...frame(0, 'id type x y z', rows)));
    const seen: number[] = [];
    readLammpsDump(file, { elements: ['Cu'], onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(() => readLammpsDump(file, { elements: ['Cu'], isCancelled: () => true })).toThrow(ReadCancelled);
  });
});
