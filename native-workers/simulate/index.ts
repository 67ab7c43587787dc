/**
 * The `simulate` job: builds the protocol's start structure, writes input.data + the LAMMPS script, runs `lmp` with
 * progress from our stage markers and thermo rows (streamed live), and stages the final structure with its script,
 * log, thermo table and provenance. A run that fails keeps its log under logs/job-<id>/ and imports nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simulationParamsSchema, simulationStages, THERMO_COLUMNS, type SimulationProvenance } from '../../main/shared/simulation';
import { describeIssues } from '../../main/shared/ipc-contract';
import { JobCancelled, runWorker, type JobContext } from '../runtime/worker-runtime';
import { lammpsCapabilities, requireCapabilities } from '../lib/lammps/lammps-engine';
import { readPotentialInfo, requireElements } from '../lib/lammps/potential-file';
import { buildProtocolInput } from '../lib/lammps/protocol-inputs';
import { FINAL_DATA_FILE, INPUT_DATA_FILE, INPUT_SCRIPT_FILE, LOG_FILE, protocolScript } from '../lib/lammps/protocol-scripts';
import { LammpsCancelled, LammpsFailed, runLammps } from '../lib/lammps/lammps-run';
import { lammpsReleaseDate } from '../lib/lammps/output-parser';
import { readStructureFile } from '../lib/structure-io/read-structure';
import { writeLammpsData } from '../lib/structure-io/writers';
import { writeStructureFolder } from '../lib/structure-store';
import { mergeTypesOfSameElement } from '../lib/lammps/merge-types';
import { ThermoTable } from '../lib/lammps/thermo-table';

/** What the core sends: the protocol's parameters and the LAMMPS executable from the settings. */
export interface SimulateJobParams {
  simulation: unknown;
  lmpPath: string;
}

/** The release where atom/swap's `mu` keyword became `delta_mu` (LAMMPS 28 Mar 2023). */
const DELTA_MU_SINCE = new Date(Date.UTC(2023, 2, 28));

runWorker('simulate', async (raw, ctx) => {
  const job = raw as SimulateJobParams;
  const parsed = simulationParamsSchema.safeParse(job.simulation);
  if (!parsed.success) throw new Error(`invalid simulation parameters: ${describeIssues(parsed.error)}`);
  const params = parsed.data;

  ctx.progress(0, 'checking LAMMPS and the potential');
  const caps = await lammpsCapabilities(job.lmpPath);
  const potential = readPotentialInfo(params.potentialPath);
  const needed = [potential.pairStyle, 'box/relax'];
  if (params.protocol === 'complexion') needed.push(params.doping === 'vc-sgc' ? 'sgcmc' : 'atom/swap');
  requireCapabilities(caps, needed);
  ctx.log(`LAMMPS ${caps.version} (${caps.lmpPath}); potential ${path.basename(potential.file)} covers ${potential.elements.join(', ')}`);

  ctx.progress(0.01, 'building the start structure');
  const input = buildProtocolInput(params);
  requireElements(potential, input.typeElements);
  for (const note of input.notes) ctx.log(note);
  ctx.log(`start structure: ${input.structure.ids.length} atoms`);

  const dir = ctx.scratchDir;
  const potentialFile = potential.pairStyle === 'eam/fs' ? 'potential.eam.fs' : 'potential.eam.alloy';
  fs.copyFileSync(potential.file, path.join(dir, potentialFile));
  writeLammpsData({ ...input.structure, typeElements: input.typeElements }, path.join(dir, INPUT_DATA_FILE));
  const release = lammpsReleaseDate(caps.version);
  const script = protocolScript(params, {
    typeElements: input.typeElements,
    potentialFile,
    pairStyle: potential.pairStyle,
    atomCount: input.structure.ids.length,
    swapMuKeyword: release !== null && release >= DELTA_MU_SINCE ? 'delta_mu' : 'mu',
  });
  fs.writeFileSync(path.join(dir, INPUT_SCRIPT_FILE), script);

  const stages = simulationStages(params);
  const totalSteps = stages.reduce((sum, s) => sum + s.steps, 0);
  const thermo = new ThermoTable(path.join(dir, 'thermo.csv'));
  let stageIndex = -1;
  let stageName = 'starting';
  let stageOrigin: number | null = null;
  let plannedSeen = false;
  let done = false;
  let pending: number[][] = [];
  let lastSeries = 0;
  const flushSeries = (force: boolean): void => {
    if (pending.length === 0 || (!force && Date.now() - lastSeries < 300)) return;
    ctx.series('thermo', [...THERMO_COLUMNS], pending);
    pending = [];
    lastSeries = Date.now();
  };
  const stepsBefore = (index: number): number => stages.slice(0, Math.max(0, index)).reduce((sum, s) => sum + s.steps, 0);

  let result;
  try {
    result = await runLammps({
      lmpPath: caps.lmpPath,
      cwd: dir,
      inputFile: INPUT_SCRIPT_FILE,
      logFile: LOG_FILE,
      isCancelled: () => ctx.isCancelled(),
      onEvent(event) {
        switch (event.kind) {
          case 'stage':
            stageIndex = event.index;
            stageName = event.name;
            stageOrigin = null;
            ctx.log(`stage: ${event.name}`);
            if (event.index >= 0) {
              plannedSeen = true;
              ctx.progress(0.02 + (0.96 * stepsBefore(event.index)) / Math.max(1, totalSteps), event.name);
            } else ctx.progress(plannedSeen ? 0.98 : 0.02, event.name);
            break;
          case 'thermo': {
            const row = thermo.append(event.columns, event.values);
            if (row === null) break;
            pending.push(row);
            flushSeries(false);
            if (stageIndex >= 0) {
              const step = row[0] as number;
              stageOrigin ??= step;
              const within = Math.min(step - stageOrigin, stages[stageIndex]?.steps ?? 0);
              const fraction = (stepsBefore(stageIndex) + within) / Math.max(1, totalSteps);
              const shown = stages[stageIndex]?.steps ?? 0;
              ctx.progress(0.02 + 0.96 * fraction, `${stageName}: step ${within.toLocaleString('en-US')} of ${shown.toLocaleString('en-US')}`);
            }
            break;
          }
          case 'warning':
            ctx.log(event.line, 'warn');
            break;
          case 'error':
            ctx.log(event.line, 'error');
            break;
          case 'done':
            done = true;
            break;
          case 'version':
            break;
        }
      },
    });
  } catch (error) {
    flushSeries(true);
    thermo.close();
    if (error instanceof LammpsCancelled) throw new JobCancelled();
    const kept = keepFailedRun(ctx, dir);
    if (error instanceof LammpsFailed) {
      for (const line of error.tail.slice(-15)) ctx.log(line);
      throw new Error(`${error.message}${kept ? ` (input script and full log kept in ${kept})` : ''}`);
    }
    throw error;
  }
  flushSeries(true);
  thermo.close();
  const finalData = path.join(dir, FINAL_DATA_FILE);
  if (!done || !fs.existsSync(finalData)) {
    const kept = keepFailedRun(ctx, dir);
    throw new Error(`LAMMPS ended without finishing the protocol (no final structure was written); nothing was imported${kept ? `; log kept in ${kept}` : ''}`);
  }

  ctx.progress(0.99, 'importing the final structure');
  const final = mergeTypesOfSameElement(readStructureFile(finalData, 'lammps-data', { elements: input.typeElements }));
  const stagedDir = ctx.stagingDir('structure');
  writeStructureFolder(stagedDir, final, `${params.protocol} simulation`);
  const keptDir = path.join(stagedDir, 'simulation');
  fs.mkdirSync(keptDir, { recursive: true });
  for (const file of [INPUT_SCRIPT_FILE, LOG_FILE, 'thermo.csv', INPUT_DATA_FILE]) {
    if (fs.existsSync(path.join(dir, file))) fs.copyFileSync(path.join(dir, file), path.join(keptDir, file));
  }
  const lastRow = thermo.lastRow();
  const notes = [...input.notes];
  if (lastRow) notes.push(`last thermo row: T = ${lastRow[1]?.toFixed(1)} K, PE = ${((lastRow[2] ?? 0) / final.ids.length).toFixed(4)} eV/atom, dopant fraction = ${lastRow[5]?.toFixed(4)}`);
  const provenance: SimulationProvenance = {
    kind: 'simulation',
    protocol: params.protocol,
    params,
    lammpsVersion: result.version ?? caps.version,
    lmpPath: caps.lmpPath,
    potential: { file: potential.file, sha256: potential.sha256, elements: potential.elements },
    steps: totalSteps,
    wallSeconds: result.wallSeconds,
    files: { script: `simulation/${INPUT_SCRIPT_FILE}`, log: `simulation/${LOG_FILE}`, thermo: 'simulation/thermo.csv' },
    notes,
  };
  fs.writeFileSync(path.join(keptDir, 'provenance.json'), `${JSON.stringify(provenance, null, 2)}\n`);
  ctx.log(`LAMMPS finished in ${result.wallSeconds.toFixed(1)} s; ${final.ids.length} atoms`);
  ctx.progress(1, 'done');
  return { stagedDir, provenance, name: params.name ?? defaultName(params.protocol, final.ids.length) };
});

function defaultName(protocol: string, atoms: number): string {
  return `${protocol} (${atoms.toLocaleString('en-US')} atoms)`;
}

/** Copies the script and LAMMPS's log of a failed run to logs/job-<id>/ in the project (scratch is removed). */
function keepFailedRun(ctx: JobContext, dir: string): string | null {
  try {
    const target = path.join(ctx.projectDir, 'logs', `job-${ctx.jobId}`);
    fs.mkdirSync(target, { recursive: true });
    for (const file of [INPUT_SCRIPT_FILE, LOG_FILE, 'thermo.csv']) {
      if (fs.existsSync(path.join(dir, file))) fs.copyFileSync(path.join(dir, file), path.join(target, file));
    }
    return path.relative(ctx.projectDir, target);
  } catch {
    return null;
  }
}
