/**
 * The crystal protocol, the complexion's film route and resumable runs with the real Debian `lmp` on tiny systems
 * (< 500 atoms, < 2000 steps each): a thermalised oriented crystal whose nearest-neighbour bonds lie along the
 * requested lattice's ⟨110⟩ and whose atoms vibrate about their sites by about the Debye–Waller amplitude of Cu;
 * a bicrystal whose melted-and-quenched films are disordered between crystalline grains; and a run killed mid-way
 * (SIGKILL of lmp) that, resumed, completes its planned steps from its newest restart file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import { resumeSimulation } from '../../main/core/services/simulation-service';
import type { JobSummary, Vec3 } from '../../main/shared/domain';
import { DEFAULT_POTENTIAL_PATH, type SimulationParamsInput, type SimulationProvenance } from '../../main/shared/simulation';
import { computeLabels } from '../../native-workers/lib/labels/compute-labels';
import { listCheckpoints, simulationRunDir } from '../../native-workers/lib/lammps/run-folder';
import { readThermoCsv } from '../../native-workers/lib/lammps/thermo-table';
import { CNA_FCC } from '../../native-workers/lib/order/cna';
import { readStructureFile } from '../../native-workers/lib/structure-io/read-structure';
import type { ParsedStructure } from '../../native-workers/lib/structure-io/types';
import { readStructureFolder } from '../../native-workers/lib/structure-store';
import { waitForJob } from '../support/jobs';
import { tempDir } from '../support/temp';

const lmpAvailable = spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0 && fs.existsSync(DEFAULT_POTENTIAL_PATH);

let core: AppCore;
let handlers: Handlers;
const work = tempDir();

const waitJob = (id: number): Promise<JobSummary> => waitForJob(handlers, id, 300_000);

async function imported(job: JobSummary): Promise<{ structure: ParsedStructure; folder: string; provenance: SimulationProvenance }> {
  expect(job.error).toBeNull();
  expect(job.state).toBe('succeeded');
  const id = job.outputs.find((o) => o.kind === 'structure')?.id as number;
  const folder = core.requireProject().project.structures.folder(id);
  const provenance = JSON.parse(fs.readFileSync(path.join(folder, 'simulation', 'provenance.json'), 'utf8')) as SimulationProvenance;
  return { structure: readStructureFolder(folder), folder, provenance };
}

async function simulate(params: SimulationParamsInput): Promise<{ structure: ParsedStructure; folder: string; provenance: SimulationProvenance }> {
  const { jobId } = await dispatch(handlers, 'simulations.run', params);
  return imported(await waitJob(jobId));
}

function lengths(s: ParsedStructure): Vec3 {
  return [s.cell.a[0], s.cell.b[1], s.cell.c[2]];
}

/** Minimum-image difference of positions i (of a) and j (of b) in a's box. */
function delta(a: ParsedStructure, i: number, b: ParsedStructure, j: number, box: Vec3): Vec3 {
  return [0, 1, 2].map((k) => {
    const d = (a.positions[3 * i + k] as number) - (b.positions[3 * j + k] as number);
    const period = box[k] as number;
    return d - period * Math.round(d / period);
  }) as Vec3;
}

const title = lmpAvailable ? 'simulate protocols with real LAMMPS' : 'simulate protocols with real LAMMPS (skipped: lmp or CuZr_mm.eam.fs missing; apt-get install lammps lammps-data)';

describe.skipIf(!lmpAvailable)(title, () => {
  beforeAll(async () => {
    core = new AppCore();
    handlers = createHandlers(core);
    await dispatch(handlers, 'project.create', { path: path.join(work, 'project') });
  });
  afterAll(async () => {
    await core.dispose();
  });

  it('crystal: x=[110] y=[-112] z=[1-11] Cu(Zr) at 300 K — bonds along the rotated ⟨110⟩, Debye–Waller-sized vibrations, exact dopant count', async () => {
    const orientation = { x: [1, 1, 0], y: [-1, 1, 2], z: [1, -1, 1] } as const;
    const { structure, folder, provenance } = await simulate({
      protocol: 'crystal',
      orientation: { x: [...orientation.x], y: [...orientation.y], z: [...orientation.z] },
      minLengthsA: [14, 14, 14],
      dopantFraction: 0.02,
      temperatureK: 300,
      equilibratePs: 2,
      thermoEvery: 100,
    });
    // Periods a/√2, a√6/2, a√3 → 6 × 4 × 3 of them: 15.44 × 17.83 × 18.91 Å, 432 atoms.
    const n = structure.ids.length;
    expect(n).toBe(432);
    expect(structure.types.filter((t) => t === 2).length).toBe(Math.round(0.02 * n));
    expect(provenance.params.minimize).toBe(false);
    const box = lengths(structure);
    // Expected nearest-neighbour bonds: the 12 a/2⟨110⟩ of the crystal, in box coordinates (rows = unit x, y, z).
    const unit = (v: readonly number[]): Vec3 => {
      const l = Math.hypot(...v);
      const [x = 0, y = 0, z = 0] = v;
      return [x / l, y / l, z / l];
    };
    const rows = [unit(orientation.x), unit(orientation.y), unit(orientation.z)];
    const bonds: Vec3[] = [];
    for (const [i, j] of [[0, 1], [0, 2], [1, 2]] as const) {
      for (const si of [1, -1]) {
        for (const sj of [1, -1]) {
          const v = [0, 0, 0];
          v[i] = si;
          v[j] = sj;
          const [vx = 0, vy = 0, vz = 0] = v;
          bonds.push(rows.map((r) => r[0] * vx + r[1] * vy + r[2] * vz) as Vec3);
        }
      }
    }
    // The cube-orientation bond set, for a control: a crystal in the cube orientation would match it, ours must not.
    const cubeBonds: Vec3[] = bonds.map((_, k) => {
      const pairs = [[0, 1], [0, 2], [1, 2]] as const;
      const [i, j] = pairs[Math.floor(k / 4)] as readonly [number, number];
      const v: Vec3 = [0, 0, 0];
      v[i] = k % 2 === 0 ? 1 : -1;
      v[j] = Math.floor(k / 2) % 2 === 0 ? 1 : -1;
      return unit(v);
    });
    const angleTo = (set: Vec3[], d: Vec3): number => {
      const l = Math.hypot(...d);
      return Math.min(...set.map((b) => Math.acos(Math.min(1, (b[0] * d[0] + b[1] * d[1] + b[2] * d[2]) / (Math.hypot(...b) * l)))));
    };
    let ours = 0;
    let cube = 0;
    let count = 0;
    for (let i = 0; i < 60; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const d = delta(structure, j, structure, i, box);
        if (Math.hypot(...d) > 3.0) continue;
        ours += angleTo(bonds, d);
        cube += angleTo(cubeBonds, d);
        count++;
      }
    }
    expect(count / 60).toBeCloseTo(12, 0); // 12 neighbours within 3 Å
    expect((ours / count) * (180 / Math.PI)).toBeLessThan(6); // thermal wobble only
    expect((cube / count) * (180 / Math.PI)).toBeGreaterThan(15);
    // Vibration about the sites: final positions against the start lattice scaled to the final box, net drift
    // removed. Cu at 300 K: B ≈ 0.55 Å² → ⟨u_x²⟩^½ = (B/8π²)^½ ≈ 0.083 Å (X-ray Debye–Waller factor).
    const start = readStructureFile(path.join(folder, 'simulation', 'input.data'), 'lammps-data', { elements: ['Cu', 'Zr'] });
    const startBox = lengths(start);
    const scaledStart: ParsedStructure = { ...start, positions: start.positions.map((x, k) => x * ((box[k % 3] as number) / (startBox[k % 3] as number))) };
    const index = new Map<number, number>();
    for (let j = 0; j < n; j++) index.set(scaledStart.ids[j] as number, j);
    const displacements = Array.from({ length: n }, (_, i) => delta(structure, i, scaledStart, index.get(structure.ids[i] as number) as number, box));
    const drift = [0, 1, 2].map((k) => displacements.reduce((sum, d) => sum + (d[k] as number), 0) / n) as Vec3;
    const msd = displacements.reduce((sum, d) => sum + (d[0] - drift[0]) ** 2 + (d[1] - drift[1]) ** 2 + (d[2] - drift[2]) ** 2, 0) / (3 * n);
    const rms = Math.sqrt(msd);
    expect(rms).toBeGreaterThan(0.06);
    expect(rms).toBeLessThan(0.13);
    console.log(`crystal: per-component RMS displacement at 300 K = ${rms.toFixed(4)} Å`);
  }, 300_000);

  it('complexion film route: melted, quenched 8 Å films are disordered; the held grains stay FCC', async () => {
    const { structure, provenance } = await simulate({
      protocol: 'complexion',
      grainWidthA: 20,
      lengthYA: 5,
      lengthZA: 7,
      temperatureK: 800,
      equilibrateSteps: 0,
      filmThicknessA: 8,
      filmDopantFraction: 0.2,
      filmMeltPs: 1,
      filmQuenchKPerPs: 1000,
      filmAnnealPs: 0.6,
      thermoEvery: 100,
    });
    const n = structure.ids.length;
    expect(n).toBeLessThan(500);
    expect(provenance.notes.some((note) => note.startsWith('films:'))).toBe(true);
    expect(new Set(structure.typeElements)).toEqual(new Set(['Cu', 'Zr']));
    const labels = computeLabels(structure, { edgeThresholdA: 0, cna: { mode: 'adaptive' } });
    // Boundaries at x = 0 and after grain A (8 periods a/√2 = 20.59 Å; grain B: 5 periods a = 18.20 Å), scaled with the box.
    const lx = structure.cell.a[0];
    const widthA = 8 * (3.639 / Math.SQRT2);
    const second = lx * (widthA / (widthA + 5 * 3.639));
    const x = (i: number): number => {
      const v = (structure.positions[3 * i] as number) - structure.cell.origin[0];
      return ((v % lx) + lx) % lx;
    };
    const distance = (i: number): number => Math.min(x(i), lx - x(i), Math.abs(x(i) - second));
    const film: number[] = [];
    const grains: number[] = [];
    for (let i = 0; i < n; i++) {
      if (distance(i) < 2.5) film.push(i);
      else if (distance(i) > 6.5) grains.push(i);
    }
    const fccShare = (set: number[]): number => set.filter((i) => labels.cna[i] === CNA_FCC).length / set.length;
    const meanD = (set: number[]): number => set.reduce((sum, i) => sum + (labels.d[i] as number), 0) / set.length;
    const zrIn = (set: number[]): number => set.filter((i) => structure.types[i] === 2).length;
    console.log(`film: ${film.length} atoms, FCC ${fccShare(film).toFixed(2)}, d ${meanD(film).toFixed(3)}, Zr ${zrIn(film)}; grains: ${grains.length} atoms, FCC ${fccShare(grains).toFixed(2)}, d ${meanD(grains).toFixed(3)}, Zr ${zrIn(grains)}`);
    expect(film.length).toBeGreaterThan(30);
    expect(grains.length).toBeGreaterThan(60);
    expect(fccShare(film)).toBeLessThan(0.2);
    expect(fccShare(grains)).toBeGreaterThan(0.7);
    expect(meanD(film) - meanD(grains)).toBeGreaterThan(0.3);
    // No MC: the dopant stays where the film put it.
    expect(zrIn(grains)).toBe(0);
  }, 300_000);

  it('resume: a glass run killed mid-quench (SIGKILL of lmp) continues from its newest restart file to the planned step count', async () => {
    const params: SimulationParamsInput = { protocol: 'glass', atoms: 256, meltPs: 2, quenchKPerPs: 1000, holdPs: 0, thermoEvery: 50, checkpointEvery: 200, name: 'resumed glass' };
    // melt 1000 steps, quench 2000 → 300 K at 1000 K/ps = 1.7 ps = 850 steps: 1850 in all.
    const planned = 1850;
    const { jobId } = await dispatch(handlers, 'simulations.run', params);
    const { project, jobs } = core.requireProject();
    const runDir = simulationRunDir(project.dir, jobId);
    const lmpPids = (): number[] =>
      fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readlinkSync(`/proc/${p}/cwd`) === runDir && fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim().startsWith('lmp');
          } catch {
            return false;
          }
        })
        .map(Number);
    // Kill after step 1100: the melt's stage-end restart (1000) is written, the quench is under way.
    for (let i = 0; i < 1200; i++) {
      const rows = (await dispatch(handlers, 'simulations.thermo', { jobId })).rows;
      if (rows.some((r) => (r[0] as number) >= 1100)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const pids = lmpPids();
    expect(pids.length).toBe(1);
    process.kill(pids[0] as number, 'SIGKILL');
    const failed = await waitJob(jobId);
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain(`--resume ${jobId}`);
    const checkpoints = listCheckpoints(runDir).map((c) => c.step);
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints[0]).toBeGreaterThanOrEqual(1000);
    expect(checkpoints[0]).toBeLessThan(planned);
    // A killed run's newest file may be cut short: make it so, and the resume must fall back to the one before.
    const newest = checkpoints[0] as number;
    const newestFile = path.join(runDir, `ckpt.${newest}.restart`);
    fs.truncateSync(newestFile, Math.floor(fs.statSync(newestFile).size / 2));
    const expectedFrom = checkpoints[1] ?? null;

    const resumed = resumeSimulation(project, jobs, jobId);
    const { structure, folder, provenance } = await imported(await waitJob(resumed.id));
    expect(structure.ids.length).toBe(256);
    expect(Array.from(structure.positions).every(Number.isFinite)).toBe(true);
    expect(provenance.steps).toBe(planned);
    expect(provenance.resumes?.length).toBe(1);
    const from = provenance.resumes?.[0]?.fromStep as number;
    if (expectedFrom !== null) expect(from).toBe(expectedFrom);
    expect(from % 200 === 0 || from === 1000).toBe(true);
    expect(from).toBeLessThan(newest);
    // The resumed log read the restart file and its last MD run ended at the planned step.
    const log = fs.readFileSync(path.join(folder, 'simulation', 'log.resume-1.lammps'), 'utf8');
    expect(log).toContain(`read_restart ckpt.${from}.restart`);
    expect(log).toContain(`run ${planned} upto start 1000 stop ${planned}`);
    // One thermo table over the whole run: every 50 steps from 0 to the planned total, no step twice.
    const thermo = readThermoCsv(path.join(folder, 'simulation', 'thermo.csv'));
    const steps = thermo.rows.map((r) => r[0] as number).filter((s) => s <= planned);
    expect(steps).toEqual(Array.from({ length: planned / 50 + 1 }, (_, k) => 50 * k));
    // The quench ramp continued: the last MD row is near 300 K, not back at the melt temperature.
    expect(thermo.rows.find((r) => r[0] === planned)?.[1]).toBeLessThan(700);
    // Imported: the run folder with its restart files is gone.
    expect(fs.existsSync(runDir)).toBe(false);
    // Resuming a finished run is refused with where its structure is.
    expect(() => resumeSimulation(project, jobs, resumed.id)).toThrow(/finished; its structure is/);
  }, 300_000);
});
