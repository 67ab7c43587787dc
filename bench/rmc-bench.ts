/**
 * RMC benchmark: attempted moves per second of a 10,000-atom Cu64Zr36 packing (ρ = 0.0585 Å⁻³) fitted to an X-ray
 * S(q) of 291 points, with a fixed 0.1 Å step; with the EAM energy term; and how the cost of one move grows with
 * r_max and with the number of q points. Peers measured in the same run: the same model recomputed from scratch
 * (histograms and curve, what a move would cost without the incremental update), and LAMMPS evaluating the energy
 * of the same configuration (`run 0`, read and set-up subtracted), what a move would cost if it asked LAMMPS.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Configuration, pairCount } from '../native-workers/lib/rmc/configuration';
import { EamModel, readEamPotential } from '../native-workers/lib/rmc/eam';
import { fullHistograms, RmcEngine, type Constraint } from '../native-workers/lib/rmc/engine';
import { fitTarget } from '../native-workers/lib/rmc/fit';
import { evaluateObservable, qSpaceObservable } from '../native-workers/lib/rmc/observables';
import { Xoshiro128 } from '../native-workers/lib/rmc/random';
import { readScatteringFactors } from '../native-workers/lib/rdf/scattering-factors';

const POTENTIAL = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';
const ATOMS = 10_000;
const DENSITY = 0.0585;
const XRAY = path.resolve('resources/elements/xray-form-factors.json');

function packing(seed: number): { positions: Float64Array; species: Int32Array; box: number } {
  const box = Math.cbrt(ATOMS / DENSITY);
  const random = new Xoshiro128(seed);
  // A simple-cubic lattice jittered by 0.3 Å: no overlaps, glass-like density, and cheap to make.
  const side = Math.ceil(Math.cbrt(ATOMS));
  const a = box / side;
  const positions = new Float64Array(3 * ATOMS);
  const species = new Int32Array(ATOMS);
  for (let i = 0; i < ATOMS; i++) {
    const ix = i % side;
    const iy = Math.floor(i / side) % side;
    const iz = Math.floor(i / (side * side));
    positions[3 * i] = (ix + 0.5) * a + 0.3 * (random.next() - 0.5);
    positions[3 * i + 1] = (iy + 0.5) * a + 0.3 * (random.next() - 0.5);
    positions[3 * i + 2] = (iz + 0.5) * a + 0.3 * (random.next() - 0.5);
    species[i] = random.next() < 0.64 ? 0 : 1;
  }
  return { positions, species, box };
}

function sqConstraint(config: Configuration, rmax: number, qCount: number): Constraint {
  const xray = readScatteringFactors('xray', XRAY);
  const q = Float64Array.from({ length: qCount }, (_, k) => 0.5 + (k * 14.5) / (qCount - 1));
  const binWidthA = rmax / Math.ceil(rmax / 0.02);
  const geometry = { binWidthA, binCount: Math.ceil(rmax / 0.02), speciesCount: 2, speciesCounts: config.speciesCounts(), volumeA3: config.volume() };
  const weights = ['Cu', 'Zr'].map((el) => Float64Array.from(q, (qq) => xray.at(el, qq)));
  const observable = qSpaceObservable(geometry, { quantity: 'S(q)', q, weights });
  // A target that is not the model: the model's own S(q) with a smooth ripple, σ 0.01.
  const own = evaluateObservable(observable, fullHistograms(config, binWidthA, geometry.binCount));
  const target = Float64Array.from(own, (v, k) => v + 0.05 * Math.sin(q[k] as number));
  return { name: 'S(q)', observable, target: fitTarget(target, new Float64Array(qCount).fill(0.01), 'scale+offset'), weight: 1 };
}

function engineFor(rmax: number, qCount: number, withEnergy: boolean): { engine: RmcEngine; seconds: (moves: number) => number } {
  const { positions, species, box } = packing(3);
  const config = new Configuration(positions, species, 2, { lx: box, ly: box, lz: box }, rmax);
  const constraints = qCount > 0 ? [sqConstraint(config, rmax, qCount)] : [];
  const eam = withEnergy ? new EamModel({ potential: readEamPotential(POTENTIAL), speciesElements: ['Cu', 'Zr'], boxLengths: [box, box, box], positions: config.positions, species: config.species }) : null;
  const engine = new RmcEngine(config, constraints, {
    seed: 1,
    binWidthA: rmax / Math.ceil(rmax / 0.02),
    closestApproachA: new Float64Array(pairCount(2)).fill(1.5),
    stepA: 0.1,
    targetAcceptance: 0.3,
    // A fixed step: the cost of a move depends on it (see docs/rmc.md), so the figures say which.
    adaptEvery: Number.MAX_SAFE_INTEGER,
    swapFraction: 0,
    anneal: null,
    energy: eam ? { term: eam, mode: 'temperature', kTeV: 0.03 } : null,
  });
  return {
    engine,
    seconds(moves) {
      for (let t = 0; t < 2000; t++) engine.attempt(); // warm-up (JIT)
      const start = process.hrtime.bigint();
      for (let t = 0; t < moves; t++) engine.attempt();
      return Number(process.hrtime.bigint() - start) / 1e9;
    },
  };
}

function lammpsEnergySeconds(positions: Float64Array, species: Int32Array, box: number): number | null {
  if (spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status !== 0 || !fs.existsSync(POTENTIAL)) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmc-bench-'));
  try {
    const lines = [`bench\n\n${ATOMS} atoms\n2 atom types\n\n0 ${box} xlo xhi\n0 ${box} ylo yhi\n0 ${box} zlo zhi\n\nMasses\n\n1 63.546\n2 91.224\n\nAtoms # atomic\n`];
    for (let i = 0; i < ATOMS; i++) lines.push(`${i + 1} ${(species[i] as number) + 1} ${positions[3 * i]} ${positions[3 * i + 1]} ${positions[3 * i + 2]}`);
    fs.writeFileSync(path.join(dir, 'bench.data'), `${lines.join('\n')}\n`);
    const script = (runs: number): string =>
      `units metal\natom_style atomic\nboundary p p p\nread_data bench.data\npair_style eam/fs\npair_coeff * * ${POTENTIAL} Cu Zr\nthermo_style custom pe\n${'run 0 post no\n'.repeat(runs)}`;
    const time = (runs: number): number => {
      fs.writeFileSync(path.join(dir, 'in.bench'), script(runs));
      const start = process.hrtime.bigint();
      const r = spawnSync('lmp', ['-in', 'in.bench', '-log', 'none', '-screen', 'none'], { cwd: dir, env: { ...process.env, OMP_NUM_THREADS: '1' } });
      if (r.status !== 0) throw new Error(`lmp failed: ${r.stderr.toString().slice(0, 200)}`);
      return Number(process.hrtime.bigint() - start) / 1e9;
    };
    const best = (runs: number): number => Math.min(time(runs), time(runs), time(runs));
    return (best(21) - best(1)) / 20;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function runRmcBench(): void {
  console.log(`\nRMC (${ATOMS} atoms, Cu64Zr36 at ${DENSITY} Å⁻³, X-ray S(q), step 0.1 Å fixed, bins 0.02 Å, one core)`);
  const moves = 40_000;
  const base = engineFor(10, 291, false);
  const sqRate = moves / base.seconds(moves);
  // Peer 1: the same model recomputed from scratch, once per move.
  const start = process.hrtime.bigint();
  base.engine.recompute();
  const fullSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`  S(q) only, r_max 10 Å, 291 q: ${Math.round(sqRate)} attempted moves/s; full recomputation ${fullSeconds.toFixed(3)} s per move → incremental ${(sqRate * fullSeconds).toFixed(0)}× faster`);
  if (fs.existsSync(POTENTIAL)) {
    const hybrid = engineFor(10, 291, true);
    const hybridRate = moves / hybrid.seconds(moves);
    const energyOnly = engineFor(10, 0, true);
    const energyRate = moves / energyOnly.seconds(moves);
    console.log(`  S(q) + EAM energy: ${Math.round(hybridRate)} attempted moves/s; EAM energy alone ${Math.round(energyRate)} moves/s`);
    const { positions, species, box } = packing(3);
    const lmp = lammpsEnergySeconds(positions, species, box);
    if (lmp !== null) console.log(`  LAMMPS energy of the same configuration: ${(lmp * 1000).toFixed(1)} ms per evaluation → the local ΔE is ${(energyRate * lmp).toFixed(0)}× faster than asking LAMMPS per move`);
    else console.log('  LAMMPS peer not run: lmp not on PATH');
  }
  const rows: string[] = [];
  for (const rmax of [6, 8, 10, 12]) {
    const e = engineFor(rmax, 291, false);
    rows.push(`r_max ${rmax} Å: ${Math.round(20_000 / e.seconds(20_000))}`);
  }
  console.log(`  moves/s vs r_max (291 q): ${rows.join(', ')}`);
  const qRows: string[] = [];
  for (const nq of [73, 146, 291, 581]) {
    const e = engineFor(10, nq, false);
    qRows.push(`${nq} q: ${Math.round(20_000 / e.seconds(20_000))}`);
  }
  console.log(`  moves/s vs q points (r_max 10 Å): ${qRows.join(', ')}`);
}
