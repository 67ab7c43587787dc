/**
 * Simulate jobs with the real Debian `lmp` on tiny systems (seconds each): every protocol runs end to end through
 * the core as the GUI and CLI use it, and the structure it imports is physically right — a glass is disordered
 * with no FCC, a crystal held below melting stays ordered, a doped bicrystal has a d profile rising from the grains
 * to the boundaries, a composite keeps its nanocrystal. Failures (missing engine, potential lacking an element,
 * LAMMPS erroring mid-run, cancel) fail the job with the cause and import nothing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import type { JobSummary } from '../../main/shared/domain';
import { DEFAULT_POTENTIAL_PATH, THERMO_COLUMNS, type SimulationParamsInput } from '../../main/shared/simulation';
import { computeLabels } from '../../native-workers/lib/labels/compute-labels';
import { simulationRunDir } from '../../native-workers/lib/lammps/run-folder';
import { CNA_FCC } from '../../native-workers/lib/order/cna';
import { readStructureFolder } from '../../native-workers/lib/structure-store';
import type { ParsedStructure } from '../../native-workers/lib/structure-io/types';
import { tempDir } from '../support/temp';

const lmpAvailable = spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0 && fs.existsSync(DEFAULT_POTENTIAL_PATH);

let core: AppCore;
let handlers: Handlers;
const work = tempDir();

async function waitJob(id: number, timeoutMs = 240_000): Promise<JobSummary> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const job = await dispatch(handlers, 'jobs.get', { id });
    if (['succeeded', 'failed', 'cancelled'].includes(job.state)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish in time`);
}

async function simulate(params: SimulationParamsInput): Promise<{ job: JobSummary; structureId: number; structure: ParsedStructure }> {
  const { jobId } = await dispatch(handlers, 'simulations.run', params);
  const job = await waitJob(jobId);
  expect(job.error).toBeNull();
  expect(job.state).toBe('succeeded');
  const output = job.outputs.find((o) => o.kind === 'structure');
  const structureId = output?.id as number;
  const structure = readStructureFolder(core.requireProject().project.structures.folder(structureId));
  return { job, structureId, structure };
}

function labelsOf(structure: ParsedStructure): ReturnType<typeof computeLabels> {
  return computeLabels(structure, { edgeThresholdA: 0, cna: { mode: 'adaptive' } });
}

function mean(values: ArrayLike<number>, keep: (i: number) => boolean = () => true): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (!keep(i)) continue;
    sum += values[i] as number;
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}

const title = lmpAvailable ? 'simulate jobs with real LAMMPS' : 'simulate jobs with real LAMMPS (skipped: lmp or CuZr_mm.eam.fs missing; apt-get install lammps lammps-data)';

describe.skipIf(!lmpAvailable)(title, () => {
  beforeAll(async () => {
    core = new AppCore();
    handlers = createHandlers(core);
    await dispatch(handlers, 'project.create', { path: path.join(work, 'project') });
  });
  afterAll(async () => {
    await core.dispose();
  });

  it('glass: a 256-atom Cu64Zr36 melt–quench is disordered (mean d 0.8–0.9, no FCC) and keeps its provenance', async () => {
    const seriesRows: number[][] = [];
    const onEvent = (name: string, payload: unknown): void => {
      if (name === 'job.series') seriesRows.push(...(payload as { rows: number[][] }).rows);
    };
    core.on('event', onEvent);
    const { job, structureId, structure } = await simulate({
      protocol: 'glass',
      name: 'tiny glass',
      atoms: 256,
      meltPs: 3,
      quenchKPerPs: 500,
      holdPs: 1,
      thermoEvery: 100,
    });
    core.off('event', onEvent);
    expect(structure.ids.length).toBe(256);
    const labels = labelsOf(structure);
    const dMean = mean(labels.d);
    expect(dMean).toBeGreaterThan(0.8);
    expect(dMean).toBeLessThan(0.9);
    expect(labels.cna.filter((c) => c === CNA_FCC).length).toBe(0);
    const summary = await dispatch(handlers, 'structures.get', { id: structureId });
    expect(summary.name).toBe('tiny glass');
    expect(summary.composition).toEqual({ Cu: 164, Zr: 92 });
    expect(summary.provenance).toMatchObject({ kind: 'simulation', protocol: 'glass', lammpsVersion: expect.stringMatching(/\d{4}/) });
    const folder = core.requireProject().project.structures.folder(structureId);
    for (const file of ['in.lammps', 'log.lammps', 'thermo.csv', 'provenance.json']) expect(fs.existsSync(path.join(folder, 'simulation', file))).toBe(true);
    // The thermo table: live rows arrived as events, and the kept table answers after the job.
    const thermo = await dispatch(handlers, 'simulations.thermo', { jobId: job.id });
    expect(thermo.columns).toEqual([...THERMO_COLUMNS]);
    expect(thermo.rows.length).toBeGreaterThan(50);
    expect(seriesRows.length).toBe(thermo.rows.length);
    const temperatures = thermo.rows.map((r) => r[1] as number);
    expect(Math.max(...temperatures)).toBeGreaterThan(1500); // the melt
    // melt 1500 steps + quench 1700 steps: at step 3200 the quench has reached 300 K (NPT lags by a few 10 K).
    expect(thermo.rows.find((r) => r[0] === 3200)?.[1]).toBeLessThan(600);
  });

  it('crystal: pure Cu held at 300 K stays FCC (mean d ≈ 0)', async () => {
    const { structure } = await simulate({ protocol: 'glass', composition: { Cu: 100 }, atoms: 256, meltK: 300, meltPs: 1, finalK: 300, holdPs: 0, quenchKPerPs: 100 });
    const labels = labelsOf(structure);
    expect(mean(labels.d)).toBeLessThan(0.02);
    expect(labels.cna.filter((c) => c === CNA_FCC).length).toBe(256);
  });

  it('complexion: Zr swapped into a bicrystal segregates to the boundaries; d rises from ≈ 0 in the grains', async () => {
    const { structure } = await simulate({
      protocol: 'complexion',
      grainWidthA: 25,
      lengthYA: 10,
      lengthZA: 10,
      temperatureK: 1000,
      equilibrateSteps: 500,
      dopantFraction: 0.08,
      mcSteps: 3000,
      swapEvery: 20,
      swapAttempts: 10,
      thermoEvery: 250,
    });
    const labels = labelsOf(structure);
    const lx = structure.cell.a[0];
    const n = structure.ids.length;
    const x = (i: number): number => (((structure.positions[3 * i] as number) % lx) + lx) % lx;
    // Interfaces at x = 0 (≡ lx) and x ≈ lx/2; grain centres at ≈ lx/4 and 3lx/4 (the boundaries may move a little).
    const distanceToBoundary = (i: number): number => {
      const xi = x(i);
      return Math.min(xi, lx - xi, Math.abs(xi - lx / 2));
    };
    const grain = mean(labels.d, (i) => distanceToBoundary(i) > lx / 4 - 4);
    const boundary = mean(labels.d, (i) => distanceToBoundary(i) < 3);
    expect(grain).toBeLessThan(0.1);
    expect(boundary).toBeGreaterThan(0.25);
    expect(boundary - grain).toBeGreaterThan(0.2);
    const zr = (i: number): boolean => structure.types[i] === 2;
    const zrNearBoundary = Array.from({ length: n }, (_, i) => i).filter((i) => zr(i) && distanceToBoundary(i) < 5).length;
    const zrTotal = Array.from({ length: n }, (_, i) => i).filter(zr).length;
    expect(zrTotal).toBe(Math.round(0.08 * n)); // canonical: composition fixed
    // The boundary slabs (≈ 4·5 Å of ≈ 2·25 Å) hold well over their share of Zr.
    expect(zrNearBoundary / zrTotal).toBeGreaterThan(0.5);
  }, 300_000);

  it('composite: the frozen nanocrystal survives the melt; the doped matrix becomes a glass', async () => {
    const { structure } = await simulate({
      protocol: 'composite',
      cells: [7, 7, 7],
      // r = 2.5a (≈ 270 atoms): much smaller nanocrystals dissolve at 700 K once released (Gibbs–Thomson).
      nanocrystals: [{ centerFraction: [0.5, 0.5, 0.5], radiusLatticeParams: 2.5 }],
      meltPs: 1,
      quenchKPerPs: 1000,
      equilibratePs: 0.5,
      thermoEvery: 200,
    });
    expect(new Set(structure.typeElements)).toEqual(new Set(['Cu', 'Zr']));
    const labels = labelsOf(structure);
    // NPT and box/relax dilate about the box centre, which is where the nanocrystal was placed.
    const { origin, a, b, c: cz } = structure.cell;
    const centre = [origin[0] + a[0] / 2, origin[1] + b[1] / 2, origin[2] + cz[2] / 2];
    const lengths = [a[0], b[1], cz[2]];
    const r = (i: number): number =>
      Math.hypot(
        ...[0, 1, 2].map((d) => {
          const L = lengths[d] as number;
          const delta = (structure.positions[3 * i + d] as number) - (centre[d] as number);
          return delta - L * Math.round(delta / L);
        }),
      );
    const core_ = mean(labels.d, (i) => r(i) < 3.639 * 1.5);
    const matrix = mean(labels.d, (i) => r(i) > 3.639 * 3.3);
    expect(core_).toBeLessThan(0.25);
    expect(matrix).toBeGreaterThan(0.7);
  }, 300_000);

  it('refuses a potential lacking an element before any job runs, naming the file and the element', async () => {
    const file = path.join(work, 'Zr_only.eam.fs');
    fs.copyFileSync('/usr/share/lammps/potentials/Zr_mm.eam.fs', file);
    await expect(dispatch(handlers, 'simulations.run', { protocol: 'glass', potentialPath: file })).rejects.toThrow(`${file} has no parameters for Cu`);
  });

  it('a LAMMPS error mid-run fails the job with LAMMPS’s ERROR line, keeps the log, imports nothing', async () => {
    const before = (await dispatch(handlers, 'structures.list', {})).length;
    // Header intact (our checks pass), tables truncated: LAMMPS itself stops while reading it.
    const broken = path.join(work, 'truncated.eam.fs');
    const text = fs.readFileSync(DEFAULT_POTENTIAL_PATH, 'utf8');
    fs.writeFileSync(broken, text.slice(0, 20_000));
    const { jobId } = await dispatch(handlers, 'simulations.run', { protocol: 'glass', atoms: 108, meltPs: 0.2, holdPs: 0, quenchKPerPs: 1000, potentialPath: broken });
    const job = await waitJob(jobId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/LAMMPS stopped: ERROR.*(EAM|potential|file)/i);
    expect(job.error).toContain(`logs/job-${jobId}`);
    expect(fs.existsSync(path.join(work, 'project', 'logs', `job-${jobId}`, 'log.lammps'))).toBe(true);
    expect((await dispatch(handlers, 'structures.list', {})).length).toBe(before);
  });

  it('a missing lmp fails the job with what to install; nothing imported', async () => {
    // A confirmed LAMMPS that has since gone (settings.set itself refuses a path that does not exist).
    process.env.SSRO_CONFIG_DIR = path.join(work, 'config');
    const gone = path.join(work, 'lmp-removed');
    fs.writeFileSync(gone, '#!/bin/sh\n', { mode: 0o755 });
    await dispatch(handlers, 'settings.set', { lmpPath: gone, confirmed: ['lmpPath'] });
    fs.rmSync(gone);
    try {
      const { jobId } = await dispatch(handlers, 'simulations.run', { protocol: 'glass', atoms: 108 });
      const job = await waitJob(jobId);
      expect(job.state).toBe('failed');
      expect(job.error).toContain(`LAMMPS was not found at "${gone}"`);
    } finally {
      await dispatch(handlers, 'settings.set', { lmpPath: 'lmp' });
    }
  });

  it('cancel stops LAMMPS itself and imports nothing', async () => {
    const before = (await dispatch(handlers, 'structures.list', {})).length;
    const { jobId } = await dispatch(handlers, 'simulations.run', { protocol: 'glass', atoms: 500, meltPs: 200, thermoEvery: 10 });
    // LAMMPS runs in the job's run folder (kept for a resume), not in its scratch folder.
    const scratch = simulationRunDir(core.requireProject().project.dir, jobId);
    // Wait for thermo rows: LAMMPS is running.
    for (let i = 0; i < 300; i++) {
      if ((await dispatch(handlers, 'simulations.thermo', { jobId })).rows.length > 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const lmpPids = (): number[] =>
      fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readlinkSync(`/proc/${p}/cwd`) === scratch;
          } catch {
            return false;
          }
        })
        .map(Number);
    expect(lmpPids().length).toBeGreaterThan(0);
    await dispatch(handlers, 'jobs.cancel', { id: jobId });
    const job = await waitJob(jobId);
    expect(job.state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 300));
    expect(lmpPids()).toEqual([]);
    expect((await dispatch(handlers, 'structures.list', {})).length).toBe(before);
  });
});
