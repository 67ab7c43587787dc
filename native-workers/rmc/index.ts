/**
 * The `rmc` job: builds the run (setup.ts), makes the moves in chunks between which it reports progress, a live
 * row of χ², acceptance, step and energy, and checks for cancellation; keeps a checkpoint in the project's run
 * folder about once a minute and when cancelled, so `--resume` continues the same sequence of moves; at the end it
 * stages the model as a structure folder with the fit report beside it. The core moves it into the project.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RMC_SERIES_COLUMNS } from '../../main/shared/rmc';
import { JobCancelled, runWorker } from '../runtime/worker-runtime';
import { readScatteringFactors, type Radiation, type ScatteringFactors } from '../lib/rdf/scattering-factors';
import { readCheckpoint, rmcJobParamsSchema, rmcRunDir, writeCheckpoint } from '../lib/rmc/run-folder';
import { relaxModel, type RelaxResult } from '../lib/rmc/relax';
import { setupRmc } from '../lib/rmc/setup';
import { summariseRmc } from '../lib/rmc/summary';
import { readStructureFolder, writeStructureFolder } from '../lib/structure-store';

/** Moves between two looks at the clock (a few ms of work). */
const CHUNK = 2000;
const SERIES_EVERY_MS = 500;
const CHECKPOINT_EVERY_MS = 60_000;
const YIELD_EVERY_MS = 200;
/** Full recomputation of the curves this often, so rounding in the running sums never accumulates. */
const RESYNC_EVERY = 1_000_000;

const FACTOR_FILES: Record<Radiation, string> = {
  electron: 'electron-scattering-factors-peng1996.json',
  xray: 'xray-form-factors.json',
  neutron: 'xray-form-factors.json',
};

runWorker('rmc', async (raw, ctx) => {
  const parsed = rmcJobParamsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`the rmc job's parameters are not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const job = parsed.data;
  const params = job.rmc;
  const runJobId = job.runJobId ?? ctx.jobId;
  const runDir = rmcRunDir(ctx.projectDir, runJobId);
  const state = job.resume ? readCheckpoint(runDir, params) : null;
  if (job.resume && state === null) throw new Error(`job ${runJobId} left no checkpoint in ${runDir}; start the run again`);
  const cache = new Map<Radiation, ScatteringFactors>();
  const factors = (radiation: Radiation): ScatteringFactors => {
    let f = cache.get(radiation);
    if (!f) {
      f = readScatteringFactors(radiation, path.join(job.factorsDir, FACTOR_FILES[radiation]));
      cache.set(radiation, f);
    }
    return f;
  };
  const structure = job.structureDir ? readStructureFolder(job.structureDir) : undefined;
  const setup = setupRmc({ params, ...(structure ? { structure } : {}), factors, ...(state ? { state } : {}) });
  const { engine, eam } = setup;
  for (const note of setup.notes) ctx.log(note);
  if (state) ctx.log(`resumed at move ${state.counters.attempted} of ${params.moves}`);
  ctx.log(`${engine.config.n} atoms, r_max ${engine.config.range.toFixed(2)} Å, ${engine.binCount} bins, ${engine.constraints.length} curves${eam ? ', EAM energy' : ''}`);

  const total = params.moves;
  let lastSeries = 0;
  let lastCheckpoint = Date.now();
  let windowAttempted = engine.counters.attempted;
  let windowAccepted = engine.counters.accepted;
  let nextResync = engine.counters.attempted + RESYNC_EVERY;
  // Without an energy term the energy column is left out (IPC carries JSON, where NaN would arrive as null).
  const columns = RMC_SERIES_COLUMNS.filter((c) => eam !== null || c !== 'energyEvPerAtom');
  const row = (): number[] => {
    const attempted = engine.counters.attempted - windowAttempted;
    const acceptance = attempted > 0 ? (engine.counters.accepted - windowAccepted) / attempted : 0;
    windowAttempted = engine.counters.attempted;
    windowAccepted = engine.counters.accepted;
    const values = { moves: engine.counters.attempted, chi2: engine.totalChi2(), acceptance, stepA: engine.currentStepA(), energyEvPerAtom: eam ? eam.energy / engine.config.n : 0, annealFactor: engine.annealFactor() };
    return columns.map((c) => values[c]);
  };
  const started = Date.now();
  let lastYield = started;
  while (engine.counters.attempted < total) {
    const until = Math.min(total, engine.counters.attempted + CHUNK);
    while (engine.counters.attempted < until) engine.attempt();
    if (engine.counters.attempted >= nextResync) {
      engine.resynchronise();
      nextResync += RESYNC_EVERY;
    }
    let now = Date.now();
    // The moves are synchronous: let the event loop turn a few times a second so a cancel message can arrive.
    if (now - lastYield >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      now = lastYield = Date.now();
    }
    if (ctx.isCancelled()) {
      writeCheckpoint(runDir, params, engine.state());
      throw new JobCancelled(`cancelled at move ${engine.counters.attempted} of ${total}; the run is kept, continue it with --resume ${runJobId}`);
    }
    if (now - lastSeries >= SERIES_EVERY_MS) {
      lastSeries = now;
      ctx.series('rmc', columns, [row()]);
      const rate = (engine.counters.attempted - (state?.counters.attempted ?? 0)) / Math.max(1e-3, (now - started) / 1000);
      ctx.progress(0.97 * (engine.counters.attempted / total), `move ${engine.counters.attempted.toLocaleString('en')} of ${total.toLocaleString('en')} · χ² ${engine.totalChi2().toPrecision(4)} · ${Math.round(rate)} moves/s`);
    }
    if (now - lastCheckpoint >= CHECKPOINT_EVERY_MS) {
      lastCheckpoint = now;
      ctx.exitIfOrphaned();
      writeCheckpoint(runDir, params, engine.state());
    }
  }
  engine.resynchronise();
  // The moves are done: a cancel during the writing or the relaxation resumes straight to them.
  writeCheckpoint(runDir, params, engine.state());
  ctx.series('rmc', columns, [row()]);
  ctx.progress(0.98, 'writing the model');
  const summary = summariseRmc(engine, setup.curves, setup.elements, eam ? eam.totalEnergy() : null);
  for (const fit of summary.fits) ctx.log(`${fit.name}: χ² ${fit.chi2.toPrecision(5)}, R² ${fit.rSquared.toFixed(5)}, scale ${fit.scale.toPrecision(4)}, offset ${fit.offset.toPrecision(4)}`);
  for (const c of summary.coordination) ctx.log(`coordination ${c.centre}-${c.neighbour} within ${c.rcutA} Å: mean ${c.meanCount.toFixed(3)}, ${(100 * c.outside).toFixed(1)} % outside ${c.min}–${c.max}, χ² ${c.chi2.toPrecision(4)}`);
  if (summary.energyEvPerAtom !== null) ctx.log(`energy ${summary.energyEvPerAtom.toFixed(5)} eV/atom`);

  const config = engine.config;
  const n = config.n;
  const stagedDir = ctx.stagingDir('structure');
  const model = {
    format: 'lammps-data' as const,
    ids: Int32Array.from({ length: n }, (_, i) => i + 1),
    types: Int32Array.from(config.species, (s) => s + 1),
    positions: Float64Array.from(config.positions),
    typeElements: setup.elements,
    cell: { origin: [0, 0, 0] as [number, number, number], a: [config.box.lx, 0, 0] as [number, number, number], b: [0, config.box.ly, 0] as [number, number, number], c: [0, 0, config.box.lz] as [number, number, number], pbc: [true, true, true] as [boolean, boolean, boolean] },
    timestep: null,
    notes: [`RMC model after ${summary.moves} attempted moves (${summary.accepted} accepted)`],
  };
  writeStructureFolder(stagedDir, model, `rmc job ${runJobId}`);
  let relaxed: RelaxResult | null = null;
  if (params.relax) {
    if (job.lmpPath === undefined) throw new Error('relaxing the model needs the LAMMPS executable; none was given');
    ctx.progress(0.985, 'relaxing the model in LAMMPS');
    relaxed = await relaxModel({ lmpPath: job.lmpPath, dir: ctx.stagingDir('relax'), structure: model, potentialPath: params.relax.potentialPath, isCancelled: () => ctx.isCancelled() });
    ctx.log(`LAMMPS energy ${relaxed.beforeEvPerAtom.toFixed(5)} eV/atom as fitted, ${relaxed.afterEvPerAtom.toFixed(5)} eV/atom relaxed (CG, fixed box)`);
  }
  const reportDir = path.join(stagedDir, 'rmc');
  fs.mkdirSync(reportDir);
  const relaxation = relaxed ? { beforeEvPerAtom: relaxed.beforeEvPerAtom, afterEvPerAtom: relaxed.afterEvPerAtom, lammpsVersion: relaxed.lammpsVersion } : null;
  if (relaxed) fs.copyFileSync(relaxed.relaxedData, path.join(reportDir, 'relaxed.data'));
  fs.writeFileSync(path.join(reportDir, 'report.json'), `${JSON.stringify({ params, notes: setup.notes, ...summary, relaxation }, null, 1)}\n`);
  const provenance = {
    kind: 'rmc',
    runJobId,
    data: setup.curves.map((c) => ({ file: c.source.file, sha256: c.source.sha256, quantity: c.declaration.quantity })),
    potential: params.energy?.potentialPath ?? null,
    moves: summary.moves,
    accepted: summary.accepted,
    fits: summary.fits.map(({ name, quantity, points, chi2, scale, offset, rSquared }) => ({ name, quantity, points, chi2, scale, offset, rSquared })),
    energyEvPerAtom: summary.energyEvPerAtom,
    relaxation,
    params,
  };
  fs.writeFileSync(path.join(reportDir, 'provenance.json'), `${JSON.stringify(provenance, null, 2)}\n`);
  return { stagedDir, name: params.name ?? `RMC model (job ${runJobId})`, runDir, provenance };
});
