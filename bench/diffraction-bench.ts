/**
 * NBED benchmark: patterns per second of the kinematic engine (paper defaults: 133 × 133, r = 5 Å, h = 20 Å cylinders
 * along z) in the demo Cu64Zr36 glass, against the straightforward direct double sum (every node × every atom with
 * cos/sin, what LAMMPS `compute saed` does per node) on the same probes in the same run, one core.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DELTA_K_INV_A, DEFAULT_KMAX_INV_A, type ProbeShape } from '../main/shared/diffraction';
import type { Vec3 } from '../main/shared/domain';
import { ELECTRON_FACTORS_RESOURCE, NbedSimulator, type PatternGrid, type ProbeAtoms } from '../native-workers/lib/diffraction';
import { speciesOf } from '../native-workers/lib/labels/compute-labels';
import { readScatteringFactors, type ScatteringFactors } from '../native-workers/lib/rdf/scattering-factors';
import { readStructureFile } from '../native-workers/lib/structure-io/read-structure';

/** Repetitions of the whole probe set; the best is kept, because on a shared machine noise only ever adds time. */
const RUNS = 5;
/** Probes the direct sum is timed on (it is ~100× slower). */
const DIRECT_PROBES = 4;
const SHAPE: ProbeShape = { kind: 'cylinder', radiusA: 5, heightA: 20 };

export interface DiffractionBenchResult {
  bench: 'diffraction';
  structure: string;
  probe: string;
  patternSide: number;
  probes: number;
  meanAtomsPerProbe: number;
  /** Selection + pattern, best run, per probe. */
  ourMsPerPattern: number;
  ourPatternsPerSecond: number;
  /** The pattern alone (atoms already selected). */
  ourEngineMsPerPattern: number;
  /** Ewald-sphere path at 200 keV, per pattern. */
  ourEwaldMsPerPattern: number;
  directMsPerPattern: number;
  /** directMsPerPattern / ourEngineMsPerPattern (> 1: the engine is faster). */
  speedupVsDirect: number;
  /** max |ours − direct| / max direct over the timed probes. */
  maxRelativeDifferenceVsDirect: number;
  lammpsSaed: string;
}

function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (package.json)');
    dir = up;
  }
  return dir;
}

/** Whether the installed LAMMPS has `compute saed` (DIFFRACTION package), said as a sentence for the output. */
function lammpsSaedStatus(): string {
  const r = spawnSync('lmp', ['-h'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error !== undefined || r.status !== 0) return 'not measured: no lmp on PATH';
  return /\bsaed\b/.test(r.stdout)
    ? 'available in lmp but not timed here'
    : "not measured: Debian's lmp is built without the DIFFRACTION package (no compute saed); the direct sum below is the same computation";
}

/** The straightforward double sum: for every node inside kmax, Σ over atoms of f·cos, f·sin of 2πK·r. */
function directPattern(probe: ProbeAtoms, species: ArrayLike<number>, elements: readonly string[], grid: PatternGrid, factors: ScatteringFactors): Float64Array {
  const { n, side, deltaKInvA: dk, kmaxInvA, u, v } = grid;
  const out = new Float64Array(side * side);
  const count = probe.indices.length;
  const r = probe.relative;
  for (let j = -n; j <= n; j++) {
    for (let i = -n; i <= n; i++) {
      const kx = dk * (i * u[0] + j * v[0]);
      const ky = dk * (i * u[1] + j * v[1]);
      const kz = dk * (i * u[2] + j * v[2]);
      const k = Math.sqrt(kx * kx + ky * ky + kz * kz);
      if (k >= kmaxInvA) continue;
      const f = elements.map((el) => factors.at(el, 2 * Math.PI * k));
      let re = 0;
      let im = 0;
      for (let m = 0; m < count; m++) {
        const phase = 2 * Math.PI * (kx * (r[3 * m] as number) + ky * (r[3 * m + 1] as number) + kz * (r[3 * m + 2] as number));
        const fm = f[species[probe.indices[m] as number] as number] as number;
        re += fm * Math.cos(phase);
        im += fm * Math.sin(phase);
      }
      out[(j + n) * side + (i + n)] = (re * re + im * im) / count;
    }
  }
  return out;
}

function bestMs(runs: number, work: () => void): number {
  let best = Infinity;
  for (let run = 0; run < runs; run++) {
    const t0 = process.hrtime.bigint();
    work();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

export function runDiffractionBench(): DiffractionBenchResult {
  const root = repoRoot();
  const structure = readStructureFile(path.join(root, 'resources/demo/cu64zr36-glass.data'), 'lammps-data', { elements: ['Cu', 'Zr'] });
  const factors = readScatteringFactors('electron', path.join(root, 'resources', ELECTRON_FACTORS_RESOURCE));
  const { elements, species } = speciesOf(structure);
  const base = { positions: structure.positions, cell: structure.cell, ids: structure.ids, species, elements };
  const options = { shape: SHAPE, zone: 'z' as const, grid: { kmaxInvA: DEFAULT_KMAX_INV_A, deltaKInvA: DEFAULT_DELTA_K_INV_A }, factors };
  const simulator = new NbedSimulator(base, options);
  const ewald = new NbedSimulator(base, { ...options, beamEnergyKeV: 200 });

  // A 4D-STEM-like scan: 2.5 Å steps along x on a few lines across the 32 Å glass (overlapping probes, as the paper).
  const o = structure.cell.origin;
  const centers: Vec3[] = [];
  for (const y of [6, 14, 22, 30]) for (let x = 1; x < 32; x += 2.5) centers.push([o[0] + x, o[1] + y, o[2] + 16]);
  const probes = centers.map((c) => simulator.probe(c));
  const meanAtoms = probes.reduce((s, p) => s + p.indices.length, 0) / probes.length;
  const out = new Float64Array(simulator.side * simulator.side);

  for (const p of probes) simulator.patternOf(p, out); // warm-up: the JIT sees the hot loops first
  const fullMs = bestMs(RUNS, () => {
    for (const c of centers) simulator.patternAt(c, out);
  });
  const engineMs = bestMs(RUNS, () => {
    for (const p of probes) simulator.patternOf(p, out);
  });
  for (const p of probes.slice(0, 4)) ewald.patternOf(p, out);
  const ewaldMs = bestMs(2, () => {
    for (const p of probes) ewald.patternOf(p, out);
  });

  const timed = probes.slice(0, DIRECT_PROBES);
  let directMs = 0;
  let worst = 0;
  for (const p of timed) {
    let direct: Float64Array = new Float64Array(0);
    directMs += bestMs(1, () => {
      direct = directPattern(p, species, elements, simulator.grid, factors);
    });
    const ours = simulator.patternOf(p, out);
    let diff = 0;
    let scale = 0;
    for (let k = 0; k < direct.length; k++) {
      diff = Math.max(diff, Math.abs((ours[k] as number) - (direct[k] as number)));
      scale = Math.max(scale, direct[k] as number);
    }
    worst = Math.max(worst, diff / scale);
  }

  const perPattern = (ms: number, count: number): number => Math.round((ms / count) * 1e4) / 1e4;
  const ourMs = perPattern(fullMs, probes.length);
  const ourEngineMs = perPattern(engineMs, probes.length);
  const directPer = perPattern(directMs, timed.length);
  const result: DiffractionBenchResult = {
    bench: 'diffraction',
    structure: `Cu64Zr36 glass (resources/demo, ${structure.ids.length} atoms, ${(structure.cell.a[0]).toFixed(2)} Å cube)`,
    probe: `cylinder r = ${SHAPE.kind === 'cylinder' ? SHAPE.radiusA : ''} Å, h = ${SHAPE.kind === 'cylinder' ? SHAPE.heightA : ''} Å, zone z, kmax ${DEFAULT_KMAX_INV_A}, Δk ${DEFAULT_DELTA_K_INV_A}`,
    patternSide: simulator.side,
    probes: probes.length,
    meanAtomsPerProbe: Math.round(meanAtoms * 10) / 10,
    ourMsPerPattern: ourMs,
    ourPatternsPerSecond: Math.round(1000 / ourMs),
    ourEngineMsPerPattern: ourEngineMs,
    ourEwaldMsPerPattern: perPattern(ewaldMs, probes.length),
    directMsPerPattern: directPer,
    speedupVsDirect: Math.round((directPer / ourEngineMs) * 10) / 10,
    maxRelativeDifferenceVsDirect: Number(worst.toPrecision(3)),
    lammpsSaed: lammpsSaedStatus(),
  };
  console.log(JSON.stringify(result));
  return result;
}

if (require.main === module) runDiffractionBench();
