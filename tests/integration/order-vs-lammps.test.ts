/**
 * Bond-orientational order and conventional CNA against LAMMPS on every atom: Debian's `lmp` makes (a) a melt-quenched
 * Cu64Zr36 glass (Mendelev EAM), (b) an FCC Cu crystal thermalised to ~300 K, (c) a tiny triclinic box (8 atoms,
 * a noisy 2 × 2 × 2 primitive FCC cell, far thinner than twice any cutoff), and dumps at full precision
 * `compute orientorder/atom nnn 12 degrees 2 4 6 components 6` and `compute cna/atom`. Our Q4, Q6 and d_i (d_i formed
 * from LAMMPS's normalised q̂_6m components: Re/Im pairs for m = −6 … 6, per the LAMMPS docs) must agree to 1e-6, and
 * the CNA class of every atom must be the same.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CNA_TYPES, type CnaType } from '../../main/shared/labels';
import { nearestNeighbors } from '../../native-workers/lib/neighbors/nearest-neighbors';
import { neighborsWithinCutoff } from '../../native-workers/lib/neighbors/cutoff-neighbors';
import { bondOrientationalOrder } from '../../native-workers/lib/order/bond-order';
import { conventionalCna } from '../../native-workers/lib/order/cna';
import { readStructureFile } from '../../native-workers/lib/structure-io/read-structure';
import { tempDir } from '../support/temp';

const POTENTIAL = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
const lmpAvailable = spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0 && fs.existsSync(POTENTIAL);
const TOLERANCE = 1e-6;
/** LAMMPS cna/atom codes (1 FCC, 2 HCP, 3 BCC, 4 ICO, 5 other) as our CNA_TYPES names. */
const LAMMPS_CNA: Record<number, CnaType> = { 1: 'fcc', 2: 'hcp', 3: 'bcc', 4: 'ico', 5: 'other' };
const CU_LATTICE_A = 3.615;
/** LAMMPS's suggested FCC cutoff, midway between the first two shells: (1 + √2)/2 · a/√2 ≈ 0.854·a. */
const FCC_CNA_CUTOFF_A = 0.854 * CU_LATTICE_A;
/**
 * For the glass: wide enough to bond the edges of Cu-centred icosahedra (some atoms are ICO), narrow enough that no
 * atom has more than 16 neighbours, the most LAMMPS cna/atom keeps (checked below).
 */
const GLASS_CNA_CUTOFF_A = 3.4;

const OUTPUT = (cnaCutoffA: number): string => `
compute oo all orientorder/atom nnn 12 degrees 2 4 6 components 6
compute cna all cna/atom ${cnaCutoffA}
dump out all custom 1 order.dump id type x y z c_oo[*] c_cna
dump_modify out sort id format float %.17g
run 0
`;

// ~12 s on one core: 2048 atoms, a 2500 K melt (300 steps of 3 fs) and a 2500 → 300 K NPT quench (900 steps),
// then a short minimisation; a very fast quench, which is all this comparison needs.
const GLASS = `
units metal
boundary p p p
atom_style atomic
lattice fcc 3.75
region box block 0 8 0 8 0 8
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.36 12345
mass 1 63.546
mass 2 91.224
pair_style eam/fs
pair_coeff * * ${POTENTIAL} Cu Zr
neighbor 0.6 bin
velocity all create 2500 4928459 dist gaussian
timestep 0.003
fix md all npt temp 2500 2500 0.1 iso 0 0 1
run 300
unfix md
fix md all npt temp 2500 300 0.1 iso 0 0 1
run 900
unfix md
minimize 0 1e-8 200 2000
${OUTPUT(GLASS_CNA_CUTOFF_A)}`;

// 864 Cu atoms created at 600 K relax to ~300 K by equipartition within a few hundred 2 fs steps.
const CRYSTAL = `
units metal
boundary p p p
atom_style atomic
lattice fcc ${CU_LATTICE_A}
region box block 0 6 0 6 0 6
create_box 1 box
create_atoms 1 box
mass 1 63.546
pair_style eam/fs
pair_coeff * * ${POTENTIAL} Cu
velocity all create 600 87287 dist gaussian
fix md all nve
timestep 0.002
run 400
${OUTPUT(FCC_CNA_CUTOFF_A)}`;

/**
 * 2 × 2 × 2 primitive FCC cells as a LAMMPS restricted-triclinic box (tilts 0.5·lx, 0.5·lx, ly/3): 8 atoms in a
 * box 5.1 Å on a side, with random displacements so that no two neighbour distances tie.
 */
function tinyTriclinicData(): string {
  const d = CU_LATTICE_A / Math.SQRT2;
  const a1 = [d, 0, 0];
  const a2 = [d / 2, (d * Math.sqrt(3)) / 2, 0];
  const a3 = [d / 2, d / (2 * Math.sqrt(3)), d * Math.sqrt(2 / 3)];
  let seed = 7;
  const noise = (): number => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647 - 0.5) * 0.3;
  };
  const atoms: string[] = [];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      for (let k = 0; k < 2; k++) {
        const r = [0, 1, 2].map((x) => i * a1[x]! + j * a2[x]! + k * a3[x]! + noise());
        atoms.push(`${atoms.length + 1} 1 ${r.map((v) => v.toPrecision(17)).join(' ')}`);
      }
    }
  }
  return [
    'tiny triclinic Cu',
    '',
    '8 atoms',
    '1 atom types',
    '',
    `0 ${2 * a1[0]!} xlo xhi`,
    `0 ${2 * a2[1]!} ylo yhi`,
    `0 ${2 * a3[2]!} zlo zhi`,
    `${2 * a2[0]!} ${2 * a3[0]!} ${2 * a3[1]!} xy xz yz`,
    '',
    'Masses',
    '',
    '1 63.546',
    '',
    'Atoms # atomic',
    '',
    ...atoms,
    '',
  ].join('\n');
}

// The 12th neighbour lies well inside 6 Å even with images only; `pair_style zero` just provides the cutoff.
const TINY = `
units metal
boundary p p p
atom_style atomic
read_data tiny.data
pair_style zero 6.0
pair_coeff * *
${OUTPUT(FCC_CNA_CUTOFF_A)}`;

interface LammpsPerAtom {
  ids: number[];
  q4: number[];
  q6: number[];
  /** Re/Im of q̂_6m for m = −6 … 6, 26 numbers per atom. */
  components: number[][];
  cna: number[];
}

function readPerAtom(file: string): LammpsPerAtom {
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n');
  const header = rows.findIndex((r) => r.startsWith('ITEM: ATOMS'));
  const columns = (rows[header] as string).replace('ITEM: ATOMS', '').trim().split(/\s+/);
  const col = (name: string): number => {
    const at = columns.indexOf(name);
    if (at < 0) throw new Error(`${file}: no column ${name}`);
    return at;
  };
  const out: LammpsPerAtom = { ids: [], q4: [], q6: [], components: [], cna: [] };
  const first = col('c_oo[3]');
  for (const row of rows.slice(header + 1)) {
    const v = row.trim().split(/\s+/).map(Number);
    out.ids.push(v[col('id')]!);
    out.q4.push(v[col('c_oo[1]')]!);
    out.q6.push(v[col('c_oo[2]')]!);
    out.components.push(v.slice(first, first + 26));
    out.cna.push(v[col('c_cna')]!);
  }
  return out;
}

interface Agreement {
  atoms: number;
  maxDiffD: number;
  maxDiffQ4: number;
  maxDiffQ6: number;
  cnaMismatches: number;
  lammpsCna: Partial<Record<CnaType, number>>;
  meanD: number;
}

function compareWithLammps(dir: string, cnaCutoffA: number): Agreement {
  const file = path.join(dir, 'order.dump');
  const structure = readStructureFile(file, 'lammps-dump', { elements: ['Cu', 'Zr'] });
  const lammps = readPerAtom(file);
  expect(Array.from(structure.ids)).toEqual(lammps.ids);
  const input = { positions: structure.positions, cell: structure.cell, ids: structure.ids };
  const n = lammps.ids.length;
  // LAMMPS zeroes every column of an atom with fewer than 12 neighbours inside its cutoff: that must not happen here.
  expect(Math.min(...lammps.q6)).toBeGreaterThan(0.05);

  const ours = bondOrientationalOrder(input);
  const shell = nearestNeighbors(input, 12);
  let maxDiffD = 0;
  let maxDiffQ4 = 0;
  let maxDiffQ6 = 0;
  let sumD = 0;
  for (let i = 0; i < n; i++) {
    // d_i from LAMMPS's components: 1 − (1/12) Σ_j Σ_m (Re_i Re_j + Im_i Im_j) = 1 − (1/12) Σ_j Re Σ_m q̂_i q̂*_j.
    const qi = lammps.components[i]!;
    let s = 0;
    for (let b = 0; b < 12; b++) {
      const qj = lammps.components[shell.index[12 * i + b]!]!;
      for (let c = 0; c < 26; c++) s += qi[c]! * qj[c]!;
    }
    const lammpsD = 1 - s / 12;
    sumD += lammpsD;
    maxDiffD = Math.max(maxDiffD, Math.abs(ours.d[i]! - lammpsD));
    maxDiffQ4 = Math.max(maxDiffQ4, Math.abs(ours.q4[i]! - lammps.q4[i]!));
    maxDiffQ6 = Math.max(maxDiffQ6, Math.abs(ours.q6[i]! - lammps.q6[i]!));
    expect(Math.abs(ours.oneMinusQ6[i]! - (1 - lammps.q6[i]!))).toBeLessThan(TOLERANCE);
  }

  const cna = conventionalCna(input, cnaCutoffA);
  let cnaMismatches = 0;
  const lammpsCna: Partial<Record<CnaType, number>> = {};
  lammps.cna.forEach((code, i) => {
    const name = LAMMPS_CNA[code];
    if (name === undefined) throw new Error(`LAMMPS cna/atom code ${code} for atom ${lammps.ids[i]}`);
    lammpsCna[name] = (lammpsCna[name] ?? 0) + 1;
    if (CNA_TYPES[cna[i]!] !== name) cnaMismatches++;
  });
  return { atoms: n, maxDiffD, maxDiffQ4, maxDiffQ6, cnaMismatches, lammpsCna, meanD: sumD / n };
}

function runLammps(dir: string, input: string): void {
  fs.writeFileSync(path.join(dir, 'in.lmp'), input);
  execFileSync('lmp', ['-in', 'in.lmp', '-log', 'none', '-screen', 'none', '-nocite'], {
    cwd: dir,
    timeout: 120_000,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
}

const title = lmpAvailable
  ? 'd_i, Q4, Q6 and CNA against LAMMPS orientorder/atom and cna/atom (Debian lmp)'
  : 'd_i, Q4, Q6 and CNA against LAMMPS — skipped: `lmp` is not on PATH or CuZr_mm.eam.fs is missing (apt install lammps lammps-data)';

describe.skipIf(!lmpAvailable)(title, () => {
  const dirs = { glass: '', crystal: '', tiny: '' };

  beforeAll(() => {
    dirs.glass = tempDir('ssro-order-glass-');
    dirs.crystal = tempDir('ssro-order-crystal-');
    dirs.tiny = tempDir('ssro-order-tiny-');
    runLammps(dirs.glass, GLASS);
    runLammps(dirs.crystal, CRYSTAL);
    fs.writeFileSync(path.join(dirs.tiny, 'tiny.data'), tinyTriclinicData());
    runLammps(dirs.tiny, TINY);
  });

  it('(a) melt-quenched Cu64Zr36 glass: every atom agrees', () => {
    const result = compareWithLammps(dirs.glass, GLASS_CNA_CUTOFF_A);
    console.log('order vs LAMMPS, glass:', JSON.stringify(result));
    expect(result.atoms).toBe(2048);
    expect(result.maxDiffD).toBeLessThan(TOLERANCE);
    expect(result.maxDiffQ4).toBeLessThan(TOLERANCE);
    expect(result.maxDiffQ6).toBeLessThan(TOLERANCE);
    expect(result.cnaMismatches).toBe(0);
    // A glass: disordered on average, some icosahedra, no crystal.
    expect(result.meanD).toBeGreaterThan(0.3);
    expect(result.lammpsCna.ico ?? 0).toBeGreaterThan(0);
    expect(result.lammpsCna.fcc ?? 0).toBe(0);
    // LAMMPS keeps at most 16 neighbours per atom in cna/atom (truncating in neighbour-list order, which we cannot
    // reproduce); the comparison is exact only while no atom exceeds that, so check that none does.
    const within = neighborsWithinCutoff(readStructureFile(path.join(dirs.glass, 'order.dump'), 'lammps-dump', { elements: ['Cu', 'Zr'] }), GLASS_CNA_CUTOFF_A);
    let most = 0;
    for (let i = 0; i + 1 < within.offsets.length; i++) most = Math.max(most, within.offsets[i + 1]! - within.offsets[i]!);
    expect(most).toBeLessThanOrEqual(16);
  });

  it('(b) FCC Cu at ~300 K: every atom agrees', () => {
    const result = compareWithLammps(dirs.crystal, FCC_CNA_CUTOFF_A);
    console.log('order vs LAMMPS, FCC Cu 300 K:', JSON.stringify(result));
    expect(result.atoms).toBe(864);
    expect(result.maxDiffD).toBeLessThan(TOLERANCE);
    expect(result.maxDiffQ4).toBeLessThan(TOLERANCE);
    expect(result.maxDiffQ6).toBeLessThan(TOLERANCE);
    expect(result.cnaMismatches).toBe(0);
    expect(result.meanD).toBeLessThan(0.1);
    expect(result.lammpsCna.fcc ?? 0).toBeGreaterThan(800);
  });

  it('(c) tiny triclinic box (8 atoms, 5 Å): every atom agrees, neighbours from periodic images', () => {
    const result = compareWithLammps(dirs.tiny, FCC_CNA_CUTOFF_A);
    console.log('order vs LAMMPS, tiny triclinic:', JSON.stringify(result));
    expect(result.atoms).toBe(8);
    expect(result.maxDiffD).toBeLessThan(TOLERANCE);
    expect(result.maxDiffQ4).toBeLessThan(TOLERANCE);
    expect(result.maxDiffQ6).toBeLessThan(TOLERANCE);
    expect(result.cnaMismatches).toBe(0);
  });
});
