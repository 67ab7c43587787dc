/**
 * The in-process EAM energy for hybrid RMC against LAMMPS itself: Debian's `lmp` with `pair_style eam/fs` and the
 * Mendelev Cu–Zr potential evaluates (`run 0`) the same configurations we do — a random Cu64Zr36 arrangement at the
 * glass density and an FCC Cu crystal with a few Zr substitutions — before and after one atom moves (one of them
 * across the periodic boundary) and two atoms of different species swap. Total energies (thermo `pe`, 15 digits) must
 * agree to 1e-8 eV/atom, per-atom energies (`compute pe/atom`, 17 digits) to 1e-8 eV, and each priced ΔE to 1e-8 eV.
 * The Mendelev file has equal Cu→Zr and Zr→Cu densities, which cannot tell which of an eam/fs block's density tables
 * belongs to which host; a third case therefore runs a copy with the Zr-atoms-at-Cu-hosts density scaled by 0.7.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EamModel, readEamPotential, type EamPotential } from '../../native-workers/lib/rmc/eam';
import { mulberry32 } from '../../native-workers/lib/datasets/random-split';
import { tempDir } from '../support/temp';

const POTENTIAL = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
const lmpAvailable = spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0 && fs.existsSync(POTENTIAL);
const SKIP_REASON = lmpAvailable ? '' : ' (skipped: needs `lmp` on PATH and CuZr_mm.eam.fs — apt-get install lammps lammps-data)';
const ELEMENTS = ['Cu', 'Zr'];

interface Configuration {
  L: number;
  positions: Float64Array;
  species: Uint8Array;
}

/** Cu64Zr36 at 0.058 atoms/Å³, placed at random with no two atoms closer than 2 Å (sane, if high, energies). */
function randomGlass(count: number, seed: number): Configuration {
  const rand = mulberry32(seed);
  const L = Math.cbrt(count / 0.058);
  const positions = new Float64Array(3 * count);
  const species = new Uint8Array(count);
  let placed = 0;
  while (placed < count) {
    const p = [rand() * L, rand() * L, rand() * L];
    let clear = true;
    for (let k = 0; k < placed && clear; k++) {
      let rsq = 0;
      for (let d = 0; d < 3; d++) {
        let delta = (positions[3 * k + d] as number) - (p[d] as number);
        delta -= L * Math.round(delta / L);
        rsq += delta * delta;
      }
      clear = rsq >= 4.0;
    }
    if (!clear) continue;
    positions.set(p, 3 * placed);
    species[placed] = rand() < 0.36 ? 1 : 0;
    placed++;
  }
  return { L, positions, species };
}

/** FCC Cu, 5 × 5 × 5 cells at Mendelev's lattice parameter (3.639 Å), with `zr` random sites turned Zr. */
function fccWithZr(zr: number, seed: number): Configuration {
  const a = 3.639;
  const cells = 5;
  const basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const positions: number[] = [];
  for (let i = 0; i < cells; i++) for (let j = 0; j < cells; j++) for (let k = 0; k < cells; k++) for (const b of basis) positions.push((i + (b[0] as number)) * a, (j + (b[1] as number)) * a, (k + (b[2] as number)) * a);
  const species = new Uint8Array(positions.length / 3);
  const rand = mulberry32(seed);
  for (let placed = 0; placed < zr; ) {
    const site = Math.floor(rand() * species.length);
    if (species[site] === 1) continue;
    species[site] = 1;
    placed++;
  }
  return { L: cells * a, positions: Float64Array.from(positions), species };
}

/** A LAMMPS data file with the model's own coordinates, written so that LAMMPS reads back the same doubles. */
function writeData(file: string, model: EamModel): void {
  const L = model.boxLengths;
  const lines = [
    'configuration from tests/integration/rmc-eam-vs-lammps.test.ts',
    '',
    `${model.atomCount} atoms`,
    '2 atom types',
    '',
    `0 ${L[0]} xlo xhi`,
    `0 ${L[1]} ylo yhi`,
    `0 ${L[2]} zlo zhi`,
    '',
    'Masses',
    '',
    '1 63.546',
    '2 91.224',
    '',
    'Atoms # atomic',
    '',
  ];
  const p = model.positions;
  for (let i = 0; i < model.atomCount; i++) lines.push(`${i + 1} ${(model.species[i] as number) + 1} ${p[3 * i]} ${p[3 * i + 1]} ${p[3 * i + 2]}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

/**
 * An eam/fs setfl file of `p`, five numbers a line: element a's block lists, for each host b, the density an a atom
 * puts on a b host (the reading LAMMPS gives these tables, which the asymmetric case checks).
 */
function setflText(p: EamPotential): string {
  const out = [...p.comments, `${p.elements.length} ${p.elements.join(' ')}`, `${p.nrho} ${p.drho} ${p.nr} ${p.dr} ${p.cutoff}`];
  const table = (t: Float64Array): void => {
    for (let k = 0; k < t.length; k += 5) out.push(Array.from(t.subarray(k, k + 5), String).join(' '));
  };
  p.elements.forEach((_, a) => {
    out.push(`${p.atomicNumbers[a]} ${p.masses[a]} 0 none`);
    table(p.embedding[a] as Float64Array);
    p.elements.forEach((__, host) => table(p.density[host]?.[a] as Float64Array));
  });
  for (let a = 0; a < p.elements.length; a++) for (let b = 0; b <= a; b++) table(p.rPhi[a]?.[b] as Float64Array);
  return `${out.join('\n')}\n`;
}

/** One `run 0` per data file, in one LAMMPS process: thermo pe and a per-atom energy dump for each. */
function runLammps(dir: string, potentialFile: string, dataFiles: string[]): { pe: number[]; perAtom: Float64Array[] } {
  const script = ['units metal', 'atom_style atomic', 'boundary p p p'];
  dataFiles.forEach((data, k) => {
    if (k > 0) script.push('clear', 'units metal', 'atom_style atomic', 'boundary p p p');
    script.push(
      `read_data ${data}`,
      'pair_style eam/fs',
      `pair_coeff * * ${potentialFile} Cu Zr`,
      'compute peatom all pe/atom',
      `dump energies all custom 1 pe-${k}.dump id c_peatom`,
      'dump_modify energies sort id format float %.17g',
      'thermo_style custom step pe',
      'thermo_modify format float %20.15g',
      'run 0',
    );
  });
  fs.writeFileSync(path.join(dir, 'in.energy'), `${script.join('\n')}\n`);
  const run = spawnSync('lmp', ['-in', 'in.energy', '-log', 'log.lammps', '-screen', 'none'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const log = fs.existsSync(path.join(dir, 'log.lammps')) ? fs.readFileSync(path.join(dir, 'log.lammps'), 'utf8') : '';
  if (run.status !== 0) throw new Error(`lmp failed (${run.status}): ${run.stderr}\n${log.slice(-2000)}`);
  const logLines = log.split('\n');
  const pe: number[] = [];
  logLines.forEach((line, k) => {
    if (/^\s*Step\s+PotEng\s*$/.test(line)) pe.push(Number((logLines[k + 1] ?? '').trim().split(/\s+/)[1]));
  });
  if (pe.length !== dataFiles.length || !pe.every(Number.isFinite)) throw new Error(`expected ${dataFiles.length} thermo pe values in the LAMMPS log, found ${pe.join(', ')}`);
  const perAtom = dataFiles.map((_, k) => {
    const rows = fs.readFileSync(path.join(dir, `pe-${k}.dump`), 'utf8').trim().split('\n');
    const header = rows.indexOf('ITEM: ATOMS id c_peatom');
    const out = new Float64Array(rows.length - header - 1);
    for (const row of rows.slice(header + 1)) {
      const [id, e] = row.trim().split(/\s+/).map(Number) as [number, number];
      out[id - 1] = e;
    }
    return out;
  });
  return { pe, perAtom };
}

function worstDifference(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

describe.skipIf(!lmpAvailable)(`EAM energies against LAMMPS pair_style eam/fs (Mendelev Cu–Zr)${SKIP_REASON}`, () => {
  const cases: [string, () => Configuration, boolean][] = [
    ['random Cu64Zr36, 500 atoms at 0.058 Å⁻³', () => randomGlass(500, 2024), false],
    ['FCC Cu, 500 atoms, 12 Zr substitutions', () => fccWithZr(12, 77), false],
    ['random Cu64Zr36, asymmetric cross densities', () => randomGlass(500, 4048), true],
  ];
  for (const [name, build, asymmetric] of cases) {
    it(`${name}: total, per-atom, move and swap energies agree`, () => {
      const dir = tempDir('ssro-eam-');
      let potentialFile = POTENTIAL;
      if (asymmetric) {
        const original = readEamPotential(POTENTIAL);
        const [cuCu, zrCu] = original.density[0] as Float64Array[];
        const scaled = { ...original, density: [[cuCu as Float64Array, (zrCu as Float64Array).map((v) => 0.7 * v)], original.density[1] as Float64Array[]] };
        potentialFile = path.join(dir, 'CuZr_asymmetric.eam.fs');
        fs.writeFileSync(potentialFile, setflText(scaled));
      }
      const potential = readEamPotential(potentialFile);
      const config = build();
      const model = new EamModel({ potential, speciesElements: ELEMENTS, boxLengths: [config.L, config.L, config.L], positions: config.positions, species: config.species });
      const n = model.atomCount;
      if (asymmetric) {
        // The case can tell the two readings apart: the other assignment of the tables gives a different energy.
        const transposed = { ...potential, density: [[potential.density[0]![0]!, potential.density[1]![0]!], [potential.density[0]![1]!, potential.density[1]![1]!]] };
        const other = new EamModel({ potential: transposed, speciesElements: ELEMENTS, boxLengths: [config.L, config.L, config.L], positions: config.positions, species: config.species });
        expect(Math.abs(other.totalEnergy() - model.totalEnergy())).toBeGreaterThan(1);
      }
      const energies = [model.totalEnergy()];
      const perAtom = [model.atomEnergies()];
      writeData(path.join(dir, 'initial.data'), model);

      // Move the atom nearest the x = 0 face out through it (it re-enters at the far side), then swap a Cu and a Zr
      // that are neighbours, so that the swap also changes their mutual densities.
      const p = model.positions;
      let edgeAtom = 0;
      for (let i = 1; i < n; i++) if ((p[3 * i] as number) < (p[3 * edgeAtom] as number)) edgeAtom = i;
      const moveDelta = model.deltaMove(edgeAtom, (p[3 * edgeAtom] as number) - 0.35, (p[3 * edgeAtom + 1] as number) + 0.2, (p[3 * edgeAtom + 2] as number) - 0.15);
      model.accept();
      energies.push(model.totalEnergy());
      perAtom.push(model.atomEnergies());
      writeData(path.join(dir, 'moved.data'), model);

      const zr = model.species.indexOf(1);
      let cu = -1;
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        if (model.species[i] !== 0) continue;
        let rsq = 0;
        for (let d = 0; d < 3; d++) {
          let delta = (p[3 * i + d] as number) - (p[3 * zr + d] as number);
          delta -= config.L * Math.round(delta / config.L);
          rsq += delta * delta;
        }
        if (rsq < best) [best, cu] = [rsq, i];
      }
      const swapDelta = model.deltaSwap(cu, zr);
      model.accept();
      energies.push(model.totalEnergy());
      perAtom.push(model.atomEnergies());
      writeData(path.join(dir, 'swapped.data'), model);

      const lammps = runLammps(dir, potentialFile, ['initial.data', 'moved.data', 'swapped.data']);
      const totalPerAtom = energies.map((e, k) => Math.abs(e - (lammps.pe[k] as number)) / n);
      const perAtomWorst = perAtom.map((e, k) => worstDifference(e, lammps.perAtom[k] as Float64Array));
      const lammpsMove = (lammps.pe[1] as number) - (lammps.pe[0] as number);
      const lammpsSwap = (lammps.pe[2] as number) - (lammps.pe[1] as number);
      console.log(
        `${name}: E = ${energies[0]} eV (LAMMPS ${lammps.pe[0]}); |ΔE_total|/N ≤ ${Math.max(...totalPerAtom).toExponential(2)} eV, ` +
          `per-atom ≤ ${Math.max(...perAtomWorst).toExponential(2)} eV; move ΔE ${moveDelta} vs ${lammpsMove}, swap ΔE ${swapDelta} vs ${lammpsSwap}`,
      );
      for (const d of totalPerAtom) expect(d).toBeLessThan(1e-8);
      for (const d of perAtomWorst) expect(d).toBeLessThan(1e-8);
      expect(Math.abs(moveDelta - lammpsMove)).toBeLessThan(1e-8);
      expect(Math.abs(swapDelta - lammpsSwap)).toBeLessThan(1e-8);
      // The changes are real ones, not zeros that would agree trivially.
      expect(Math.abs(lammpsMove)).toBeGreaterThan(1e-3);
      expect(Math.abs(lammpsSwap)).toBeGreaterThan(1e-3);
      // The running energy agrees too.
      expect(Math.abs(model.energy - (lammps.pe[2] as number)) / n).toBeLessThan(1e-8);
    });
  }
});
