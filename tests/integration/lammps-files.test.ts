/**
 * Real LAMMPS files: Debian's `lmp` runs a few MD steps of an FCC-based Cu–Zr box (orthogonal p p p and triclinic
 * p p s), writes data files and dumps of every coordinate flavour; our readers must agree with each other and with
 * LAMMPS's own full-precision numbers, and LAMMPS must read our writeLammpsData output back to the same energy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellFrame } from '../../native-workers/lib/structure-io/cell-math';
import { readStructureFile } from '../../native-workers/lib/structure-io/read-structure';
import type { ParsedStructure } from '../../native-workers/lib/structure-io/types';
import { writeLammpsData } from '../../native-workers/lib/structure-io/writers';

const POTENTIAL = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
const lmpAvailable = spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0 && fs.existsSync(POTENTIAL);
const TOLERANCE_A = 1e-9;

const FULL = 'modify sort id format float %20.15g';

function setup(boundary: string, region: string, prefix: string): string {
  return `
units metal
boundary ${boundary}
atom_style atomic
lattice fcc 3.61
region box ${region}
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.36 12345
mass 1 63.546
mass 2 91.224
pair_style eam/fs
pair_coeff * * ${POTENTIAL} Cu Zr
velocity all create 2000 4928459 dist gaussian
fix 1 all nve
timestep 0.002
thermo 50
dump multi all custom 20 ${prefix}-multi.dump id type x y z
dump_modify multi sort id format float %20.15g
run 100
undump multi
write_data ${prefix}.data
write_dump all custom ${prefix}-x.dump id type x y z ${FULL}
write_dump all custom ${prefix}-xs.dump id type xs ys zs ${FULL}
write_dump all custom ${prefix}-xu.dump id type xu yu zu ${FULL}
write_dump all custom ${prefix}-el.dump id type element x y z ${FULL} element Cu Zr
run 0
print "PE $(pe:%.12f)"
`;
}

function checkInput(boundary: string, dataFile: string): string {
  return `
units metal
boundary ${boundary}
atom_style atomic
read_data ${dataFile}
pair_style eam/fs
pair_coeff * * ${POTENTIAL} Cu Zr
run 0
print "NATOMS $(atoms)"
print "PE $(pe:%.12f)"
write_dump all custom check.dump id type x y z ${FULL}
`;
}

function runLammps(dir: string, name: string, input: string): string {
  fs.writeFileSync(path.join(dir, name), input);
  return execFileSync('lmp', ['-in', name, '-log', 'none', '-nocite'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
}

function printed(output: string, key: string): number {
  const m = new RegExp(`^${key} (\\S+)$`, 'm').exec(output);
  if (m === null) throw new Error(`LAMMPS printed no ${key}`);
  return Number(m[1]);
}

/** An independent, naive reading of a `id type x y z` dump: LAMMPS's numbers as they are in the file. */
function referencePositions(file: string): Map<number, [number, number, number, number]> {
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n');
  const start = rows.findIndex((r) => r.startsWith('ITEM: ATOMS'));
  const out = new Map<number, [number, number, number, number]>();
  for (const row of rows.slice(start + 1)) {
    const [id, type, x, y, z] = row.trim().split(/\s+/).map(Number) as [number, number, number, number, number];
    out.set(id, [type, x, y, z]);
  }
  return out;
}

/** Largest distance between corresponding atoms, minimum image along periodic directions. */
function maxDeviation(s: ParsedStructure, ref: Map<number, [number, number, number, number]>): number {
  const frame = new CellFrame(s.cell);
  const f = [0, 0, 0];
  let worst = 0;
  expect(s.ids.length).toBe(ref.size);
  s.ids.forEach((id, i) => {
    const r = ref.get(id);
    if (r === undefined) throw new Error(`atom ${id} missing from the reference`);
    expect(s.types[i]).toBe(r[0]);
    const o = s.cell.origin;
    frame.toFractional(
      (s.positions[3 * i] as number) - r[1] + o[0],
      (s.positions[3 * i + 1] as number) - r[2] + o[1],
      (s.positions[3 * i + 2] as number) - r[3] + o[2],
      f,
    );
    for (let k = 0; k < 3; k++) if (s.cell.pbc[k]) f[k] = (f[k] as number) - Math.round(f[k] as number);
    const { a, b, c } = s.cell;
    const d = [0, 1, 2].map((k) => (f[0] as number) * a[k]! + (f[1] as number) * b[k]! + (f[2] as number) * c[k]!);
    worst = Math.max(worst, Math.hypot(d[0]!, d[1]!, d[2]!));
  });
  return worst;
}

function expectInsideCell(s: ParsedStructure): void {
  const frame = new CellFrame(s.cell);
  const f = [0, 0, 0];
  for (let i = 0; i < s.ids.length; i++) {
    frame.toFractional(s.positions[3 * i] as number, s.positions[3 * i + 1] as number, s.positions[3 * i + 2] as number, f);
    for (let k = 0; k < 3; k++) {
      if (!s.cell.pbc[k]) continue;
      expect(f[k]).toBeGreaterThanOrEqual(-1e-15);
      expect(f[k]).toBeLessThan(1);
    }
  }
}

const title = lmpAvailable
  ? 'real LAMMPS files (Debian lmp)'
  : 'real LAMMPS files — skipped: `lmp` is not on PATH or CuZr_mm.eam.fs is missing (apt install lammps lammps-data)';

describe.skipIf(!lmpAvailable)(title, () => {
  let dir = '';
  const pe: Record<string, number> = {};
  const file = (name: string): string => path.join(dir, name);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-lammps-files-'));
    pe.ortho = printed(runLammps(dir, 'in.ortho', setup('p p p', 'block 0 4 0 4 0 4', 'ortho')), 'PE');
    pe.tri = printed(runLammps(dir, 'in.tri', setup('p p s', 'prism 0 4 0 4 0 4 1.0 0.5 0.3', 'tri')), 'PE');
  });
  afterAll(() => {
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the MD moved atoms across periodic boundaries (non-zero image flags in write_data)', () => {
    const atomLines = fs.readFileSync(file('ortho.data'), 'utf8').split('\n');
    const start = atomLines.findIndex((l) => l.startsWith('Atoms'));
    const imageFlags = atomLines.slice(start + 2, start + 2 + 256).map((l) => l.trim().split(/\s+/).slice(5).map(Number));
    expect(imageFlags.every((f) => f.length === 3)).toBe(true);
    const crossed = imageFlags.filter((f) => f.some((v) => v !== 0));
    expect(crossed.length).toBeGreaterThan(0);
  });

  it('orthogonal box: data file, x, xs, xu and element dumps agree with LAMMPS to 1e-9 Å', () => {
    const ref = referencePositions(file('ortho-x.dump'));
    const data = readStructureFile(file('ortho.data'), 'auto');
    expect(data.format).toBe('lammps-data');
    expect(data.ids.length).toBe(256);
    expect(data.typeElements).toEqual(['Cu', 'Zr']);
    expect(data.notes).toContain('elements from the masses: type 1 = Cu, type 2 = Zr');
    expect(data.cell).toEqual({ origin: [0, 0, 0], a: [14.44, 0, 0], b: [0, 14.44, 0], c: [0, 0, 14.44], pbc: [true, true, true] });
    const zr = Array.from(data.types).filter((t) => t === 2).length;
    expect(zr).toBeGreaterThan(60);
    expect(zr).toBeLessThan(125);

    const options = { elements: ['Cu', 'Zr'] };
    const variants = {
      data,
      x: readStructureFile(file('ortho-x.dump'), 'auto', options),
      xs: readStructureFile(file('ortho-xs.dump'), 'auto', options),
      xu: readStructureFile(file('ortho-xu.dump'), 'auto', options),
      element: readStructureFile(file('ortho-el.dump'), 'auto'),
    };
    expect(variants.element.typeElements).toEqual(['Cu', 'Zr']);
    expect(variants.xu.notes.some((n) => /atoms? (was|were) outside the periodic cell/.test(n))).toBe(true);
    for (const [name, s] of Object.entries(variants)) {
      expect(s.timestep, name).toBe(name === 'data' ? null : 100);
      expect(Array.from(s.ids), name).toEqual(Array.from(data.ids));
      expect(maxDeviation(s, ref), name).toBeLessThan(TOLERANCE_A);
      expectInsideCell(s);
    }
  });

  it('multi-frame dump: frame selection by first, last and index', () => {
    const last = readStructureFile(file('ortho-multi.dump'), 'lammps-dump', { elements: ['Cu', 'Zr'] });
    expect(last.timestep).toBe(100);
    expect(last.notes).toContain('dump has 6 frames; imported frame 5 (timestep 100)');
    expect(maxDeviation(last, referencePositions(file('ortho-x.dump')))).toBeLessThan(TOLERANCE_A);
    const first = readStructureFile(file('ortho-multi.dump'), 'lammps-dump', { elements: ['Cu', 'Zr'], frame: 'first' });
    expect(first.timestep).toBe(0);
    const third = readStructureFile(file('ortho-multi.dump'), 'lammps-dump', { elements: ['Cu', 'Zr'], frame: 2 });
    expect(third.timestep).toBe(40);
    // At step 0 the atoms sit on the FCC lattice: every coordinate a multiple of a/2 = 1.805 Å.
    first.positions.forEach((v) => expect(Math.abs(v / 1.805 - Math.round(v / 1.805))).toBeLessThan(1e-9));
  });

  it('triclinic p p s box: data file, x and xs dumps agree; the non-periodic z is kept', () => {
    const ref = referencePositions(file('tri-x.dump'));
    const data = readStructureFile(file('tri.data'), 'lammps-data');
    const x = readStructureFile(file('tri-x.dump'), 'lammps-dump', { elements: ['Cu', 'Zr'] });
    const xs = readStructureFile(file('tri-xs.dump'), 'lammps-dump', { elements: ['Cu', 'Zr'] });
    expect(x.cell.pbc).toEqual([true, true, false]);
    expect(x.cell.a[0]).toBeCloseTo(14.44, 12);
    expect(x.cell.b).toEqual([3.61, expect.closeTo(14.44, 12) as unknown as number, 0]);
    for (const key of ['origin', 'a', 'b', 'c'] as const) {
      x.cell[key].forEach((v, k) => expect(v).toBeCloseTo(data.cell[key][k] as number, 9));
    }
    // Data files carry no boundary flags: read as periodic everywhere, but the positions are the same.
    expect(data.cell.pbc).toEqual([true, true, true]);
    for (const s of [data, x, xs]) {
      expect(maxDeviation({ ...s, cell: x.cell }, ref)).toBeLessThan(TOLERANCE_A);
      expectInsideCell(s);
    }
  });

  it.each([
    ['ortho', 'p p p'],
    ['tri', 'p p s'],
  ])('LAMMPS read_data accepts our writeLammpsData output for %s: same atoms, positions and energy', (prefix, boundary) => {
    const ours = readStructureFile(file(`${prefix}.data`), 'lammps-data');
    writeLammpsData(ours, file(`${prefix}-ours.data`));
    const out = runLammps(dir, `in.check-${prefix}`, checkInput(boundary, `${prefix}-ours.data`));
    expect(printed(out, 'NATOMS')).toBe(ours.ids.length);
    expect(ours.ids.length).toBe(prefix === 'ortho' ? 256 : 288);
    expect(Math.abs(printed(out, 'PE') - (pe[prefix] as number))).toBeLessThan(1e-8);
    expect(maxDeviation(ours, referencePositions(file('check.dump')))).toBeLessThan(TOLERANCE_A);
  });
});
