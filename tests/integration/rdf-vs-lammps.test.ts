/**
 * g(r) against LAMMPS `compute rdf`: Debian's `lmp` melts a random Cu64Zr36 FCC substitution at 2000 K with the
 * Mendelev Cu–Zr EAM, quenches it fast, and writes `compute rdf 200 1 1 1 2 2 1 2 2 * * cutoff 10` (through
 * `fix ave/time … mode vector` at one step, full precision) with a full-precision dump, first in the orthogonal box
 * and again after tilting it triclinic. Our total and partial g(r) and coord(r) must match bin by bin.
 * (Without the `cutoff` keyword LAMMPS would bin up to the force cut-off, 7.6 Å for this potential.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { firstShell } from '../../native-workers/lib/rdf/first-shell';
import { pairDistribution, partialCurve, type PairCurve, type PairDistribution } from '../../native-workers/lib/rdf/pair-distribution';
import { readStructureFile } from '../../native-workers/lib/structure-io/read-structure';
import { tempDir } from '../support/temp';

const POTENTIAL = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
const lmpAvailable = spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0 && fs.existsSync(POTENTIAL);
const RMAX_A = 10;
const BINS = 200;

// ~10 s on one core: 864 atoms, 2000 K melt (1000 steps) and a 2000 → 300 K NPT quench (1500 steps), 2 fs steps.
const INPUT = `
units metal
boundary p p p
atom_style atomic
lattice fcc 3.80
region box block 0 6 0 6 0 6
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.36 12345
mass 1 63.546
mass 2 91.224
pair_style eam/fs
pair_coeff * * ${POTENTIAL} Cu Zr
neighbor 2.0 bin
# The rdf cut-off (10) plus the skin (2) must fit inside the ghost-atom cut-off.
comm_modify cutoff 12.5
timestep 0.002
velocity all create 2000.0 4928459 mom yes rot yes dist gaussian
thermo 500
fix md all npt temp 2000.0 2000.0 0.2 iso 0.0 0.0 2.0
run 1000
unfix md
fix md all npt temp 2000.0 300.0 0.2 iso 0.0 0.0 2.0
run 1500
unfix md
compute g all rdf ${BINS} 1 1 1 2 2 1 2 2 * * cutoff ${RMAX_A}
fix out all ave/time 1 1 1 c_g[*] file rdf-ortho.txt mode vector format " %.17g"
run 0
write_dump all custom ortho.dump id type x y z modify sort id format float %.17g
unfix out
change_box all triclinic
change_box all xy final 3.0 xz final -2.0 yz final 1.5 remap units box
fix out2 all ave/time 1 1 1 c_g[*] file rdf-tri.txt mode vector format " %.17g"
run 0
write_dump all custom tri.dump id type x y z modify sort id format float %.17g
`;

/** Rows of a `fix ave/time … mode vector` file: [index, r, g11, c11, g12, c12, g21, c21, g22, c22, g**, c**]. */
function readRdf(file: string): number[][] {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const [, rows] = (lines[0] as string).trim().split(/\s+/).map(Number);
  const out = lines.slice(1, 1 + (rows as number)).map((l) => l.trim().split(/\s+/).map(Number));
  if (out.length !== BINS || out.some((r) => r.length !== 12)) throw new Error(`${file}: unexpected layout`);
  return out;
}

interface Comparison {
  maxAbsG: number;
  maxAbsCoord: number;
  maxAbsR: number;
}

function compare(ours: PairDistribution, lammps: number[][]): Comparison {
  const curves: PairCurve[] = [partialCurve(ours, 0, 0), partialCurve(ours, 0, 1), partialCurve(ours, 1, 0), partialCurve(ours, 1, 1), ours.total];
  let maxAbsG = 0;
  let maxAbsCoord = 0;
  let maxAbsR = 0;
  lammps.forEach((row, k) => {
    maxAbsR = Math.max(maxAbsR, Math.abs((row[1] as number) - (ours.rA[k] as number)));
    curves.forEach((curve, c) => {
      maxAbsG = Math.max(maxAbsG, Math.abs((row[2 + 2 * c] as number) - (curve.g[k] as number)));
      maxAbsCoord = Math.max(maxAbsCoord, Math.abs((row[3 + 2 * c] as number) - (curve.coord[k] as number)));
    });
  });
  return { maxAbsG, maxAbsCoord, maxAbsR };
}

describe.skipIf(!lmpAvailable)('g(r) against LAMMPS compute rdf (Cu64Zr36 glass)', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('ssro-rdf-');
    fs.writeFileSync(path.join(dir, 'in.glass'), INPUT);
    const run = spawnSync('lmp', ['-in', 'in.glass', '-log', 'log.lammps', '-screen', 'none'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`lmp failed (${run.status}): ${run.stderr}\n${fs.existsSync(path.join(dir, 'log.lammps')) ? fs.readFileSync(path.join(dir, 'log.lammps'), 'utf8').slice(-2000) : ''}`);
  });

  for (const [name, dump, rdf] of [
    ['orthogonal box', 'ortho.dump', 'rdf-ortho.txt'],
    ['triclinic box (xy 3, xz −2, yz 1.5 Å)', 'tri.dump', 'rdf-tri.txt'],
  ] as const) {
    it(`matches total and partial g(r) and coord(r) bin by bin: ${name}`, () => {
      const s = readStructureFile(path.join(dir, dump), 'lammps-dump', { elements: ['Cu', 'Zr'] });
      const species = Int32Array.from(s.types, (t) => t - 1);
      const ours = pairDistribution(s.positions, species, s.cell, { rmaxA: RMAX_A, binCount: BINS });
      const lammps = readRdf(path.join(dir, rdf));
      const diff = compare(ours, lammps);
      console.log(`${name}: max |Δg| = ${diff.maxAbsG.toExponential(2)}, max |Δcoord| = ${diff.maxAbsCoord.toExponential(2)}, max |Δr| = ${diff.maxAbsR.toExponential(2)}`);
      expect(diff.maxAbsR).toBeLessThan(1e-12);
      expect(diff.maxAbsG).toBeLessThan(1e-9);
      expect(diff.maxAbsCoord).toBeLessThan(1e-9);
      // A glass, not a crystal: a first shell of about 12–14 neighbours around 2.7 Å.
      const shell = firstShell(ours.rA, ours.total);
      if (!shell.found) throw new Error(shell.reason);
      expect(shell.peakA).toBeGreaterThan(2.5);
      expect(shell.peakA).toBeLessThan(2.9);
      expect(shell.coordination).toBeGreaterThan(11);
      expect(shell.coordination).toBeLessThan(15);
    });
  }

  it('would notice a normalisation off by one atom (the comparison can fail)', () => {
    const s = readStructureFile(path.join(dir, 'ortho.dump'), 'lammps-dump', { elements: ['Cu', 'Zr'] });
    const species = Int32Array.from(s.types, (t) => t - 1);
    const ours = pairDistribution(s.positions, species, s.cell, { rmaxA: RMAX_A, binCount: BINS });
    const lammps = readRdf(path.join(dir, 'rdf-ortho.txt'));
    const scaled = { ...ours, total: { ...ours.total, g: ours.total.g.map((g) => (g * (ours.atomCount - 1)) / ours.atomCount) } };
    expect(compare(scaled, lammps).maxAbsG).toBeGreaterThan(1e-4);
  });
});
