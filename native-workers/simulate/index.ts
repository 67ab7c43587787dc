/**
 * The `simulate` job: builds the protocol's start structure, writes input.data + the LAMMPS script into the run's
 * folder (see lib/lammps/run-folder.ts), runs `lmp` with progress from our stage markers and thermo rows (streamed
 * live), and stages the final structure with its script, log, thermo table and provenance. A run that stops early
 * keeps its folder with restart files; a job with `resume` continues it from the newest readable one. A failed run
 * also copies its log to logs/job-<id>/ and imports nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointInterval, simulationParamsSchema, simulationStages, THERMO_COLUMNS, type SimulationProvenance } from '../../main/shared/simulation';
import { describeIssues } from '../../main/shared/ipc-contract';
import { JobCancelled, runWorker, type JobContext } from '../runtime/worker-runtime';
import { lammpsCapabilities, requireCapabilities } from '../lib/lammps/lammps-engine';
import { readPotentialInfo, requireElements } from '../lib/lammps/potential-file';
import { buildProtocolInput } from '../lib/lammps/protocol-inputs';
import { DELTA_MU_FILE, FINAL_DATA_FILE, INPUT_DATA_FILE, INPUT_SCRIPT_FILE, LOG_FILE, protocolScript, type ScriptContext } from '../lib/lammps/protocol-scripts';
import { LammpsCancelled, LammpsFailed, runLammps } from '../lib/lammps/lammps-run';
import { lammpsReleaseDate } from '../lib/lammps/output-parser';
import {
  deltaMuAt,
  newestGoodCheckpoint,
  pruneCheckpoints,
  readResumes,
  RESUMES_FILE,
  simulateJobParamsSchema,
  simulationRunDir,
  type ResumeRecord,
  type SimulateJobResult,
} from '../lib/lammps/run-folder';
import { readStructureFile } from '../lib/structure-io/read-structure';
import { writeLammpsData } from '../lib/structure-io/writers';
import { writeStructureFolder } from '../lib/structure-store';
import { mergeTypesOfSameElement } from '../lib/lammps/merge-types';
import { ThermoTable } from '../lib/lammps/thermo-table';

/** The release where atom/swap's `mu` keyword became `delta_mu` (LAMMPS 28 Mar 2023). */
const DELTA_MU_SINCE = new Date(Date.UTC(2023, 2, 28));

runWorker('simulate', async (raw, ctx) => {
  const jobParsed = simulateJobParamsSchema.safeParse(raw);
  if (!jobParsed.success) throw new Error(`invalid simulate job: ${describeIssues(jobParsed.error)}`);
  const job = jobParsed.data;
  const parsed = simulationParamsSchema.safeParse(job.simulation);
  if (!parsed.success) throw new Error(`invalid simulation parameters: ${describeIssues(parsed.error)}`);
  const params = parsed.data;

  ctx.progress(0, 'checking LAMMPS and the potential');
  const caps = await lammpsCapabilities(job.lmpPath);
  const potential = readPotentialInfo(params.potentialPath);
  const needed = [potential.pairStyle, 'box/relax'];
  if (params.protocol === 'complexion' && params.mcSteps > 0) needed.push(params.doping === 'vc-sgc' ? 'sgcmc' : 'atom/swap');
  requireCapabilities(caps, needed);
  ctx.log(`LAMMPS ${caps.version} (${caps.lmpPath}); potential ${path.basename(potential.file)} covers ${potential.elements.join(', ')}`);

  ctx.progress(0.01, 'building the start structure');
  const input = buildProtocolInput(params);
  requireElements(potential, input.typeElements);
  for (const note of input.notes) ctx.log(note);
  const atomCount = input.structure.ids.length;
  ctx.log(`start structure: ${atomCount} atoms`);

  const runJobId = job.runJobId ?? ctx.jobId;
  const dir = simulationRunDir(ctx.projectDir, runJobId);
  fs.mkdirSync(dir, { recursive: true });
  const runFolder = path.relative(ctx.projectDir, dir);
  const resumeHint = `its folder ${runFolder} keeps restart files; resume with "ssro simulate ${params.protocol} PROJECT --resume ${ctx.jobId}"`;
  const potentialFile = potential.pairStyle === 'eam/fs' ? 'potential.eam.fs' : 'potential.eam.alloy';
  fs.copyFileSync(potential.file, path.join(dir, potentialFile));

  let resume: ScriptContext['resume'];
  const resumes: ResumeRecord[] = job.resume ? readResumes(dir) : [];
  if (job.resume && fs.existsSync(path.join(dir, INPUT_DATA_FILE))) {
    ctx.progress(0.015, 'looking for the newest restart file');
    const checkpoint = await newestGoodCheckpoint(caps.lmpPath, dir);
    if (checkpoint) {
      const deltaMuEv = deltaMuAt(dir, checkpoint.step);
      resume = { restartFile: checkpoint.file, step: checkpoint.step, ...(deltaMuEv === undefined ? {} : { deltaMuEv }) };
      ctx.log(`resuming from ${checkpoint.file} (step ${checkpoint.step})${deltaMuEv === undefined ? '' : `, Δμ = ${deltaMuEv} eV`}`);
    } else ctx.log('no readable restart file: the run starts again from its beginning', 'warn');
  } else if (job.resume) ctx.log('the run never wrote its start structure: it starts from the beginning', 'warn');
  if (!resume) {
    writeLammpsData({ ...input.structure, typeElements: input.typeElements }, path.join(dir, INPUT_DATA_FILE));
    fs.rmSync(path.join(dir, DELTA_MU_FILE), { force: true });
  }
  const attempt = resume ? resumes.length + 1 : 0;
  const scriptFile = attempt === 0 ? INPUT_SCRIPT_FILE : `in.resume-${attempt}.lammps`;
  const logFile = attempt === 0 ? LOG_FILE : `log.resume-${attempt}.lammps`;
  const checkpointEvery = checkpointInterval(params, atomCount);
  const release = lammpsReleaseDate(caps.version);
  const script = protocolScript(params, {
    typeElements: input.typeElements,
    potentialFile,
    pairStyle: potential.pairStyle,
    atomCount,
    swapMuKeyword: release !== null && release >= DELTA_MU_SINCE ? 'delta_mu' : 'mu',
    checkpointEvery,
    ...(resume ? { resume } : {}),
  });
  fs.writeFileSync(path.join(dir, scriptFile), script);
  const history: ResumeRecord[] = resume ? [...resumes, { fromStep: resume.step, script: scriptFile, log: logFile }] : [];
  fs.writeFileSync(path.join(dir, RESUMES_FILE), `${JSON.stringify(history, null, 2)}\n`);
  ctx.log(`restart files every ${checkpointEvery > 0 ? `${checkpointEvery} steps and ` : ''}at the end of each stage, in ${runFolder}`);

  const stages = simulationStages(params);
  const totalSteps = stages.reduce((sum, s) => sum + s.steps, 0);
  const thermo = new ThermoTable(path.join(dir, 'thermo.csv'), resume ? { keepUpToStep: resume.step } : {});
  let stageIndex = -1;
  let stageName = 'starting';
  let plannedSeen = false;
  let done = false;
  let pending: number[][] = [];
  let lastSeries = 0;
  let lastPrune = 0;
  const flushSeries = (force: boolean): void => {
    if (pending.length === 0 || (!force && Date.now() - lastSeries < 300)) return;
    ctx.series('thermo', [...THERMO_COLUMNS], pending);
    pending = [];
    lastSeries = Date.now();
  };
  // Stage k spans the global steps [stepsBefore(k), stepsBefore(k + 1)): progress follows the step number itself.
  const stepsBefore = (index: number): number => stages.slice(0, Math.max(0, index)).reduce((sum, s) => sum + s.steps, 0);

  let result;
  try {
    result = await runLammps({
      lmpPath: caps.lmpPath,
      cwd: dir,
      inputFile: scriptFile,
      logFile,
      isCancelled: () => ctx.isCancelled(),
      onEvent(event) {
        switch (event.kind) {
          case 'stage':
            stageIndex = event.index;
            stageName = event.name;
            ctx.log(`stage: ${event.name}`);
            if (event.index >= 0) {
              plannedSeen = true;
              ctx.progress(0.02 + (0.96 * Math.max(stepsBefore(event.index), resume?.step ?? 0)) / Math.max(1, totalSteps), event.name);
            } else ctx.progress(plannedSeen || resume ? 0.98 : 0.02, event.name);
            break;
          case 'thermo': {
            const row = thermo.append(event.columns, event.values);
            if (row === null) break;
            pending.push(row);
            flushSeries(false);
            if (Date.now() - lastPrune > 2000) {
              pruneCheckpoints(dir);
              lastPrune = Date.now();
            }
            if (stageIndex >= 0) {
              const step = row[0] as number;
              const shown = stages[stageIndex]?.steps ?? 0;
              const within = Math.min(Math.max(0, step - stepsBefore(stageIndex)), shown);
              const fraction = (stepsBefore(stageIndex) + within) / Math.max(1, totalSteps);
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
    pruneCheckpoints(dir);
    if (error instanceof LammpsCancelled) throw new JobCancelled(`cancelled; ${resumeHint}`);
    const kept = keepFailedRun(ctx, dir, [scriptFile, logFile]);
    if (error instanceof LammpsFailed) {
      for (const line of error.tail.slice(-15)) ctx.log(line);
      throw new Error(`${error.message}${kept ? ` (input script and full log kept in ${kept})` : ''}; ${resumeHint}`);
    }
    throw error;
  }
  flushSeries(true);
  thermo.close();
  const finalData = path.join(dir, FINAL_DATA_FILE);
  if (!done || !fs.existsSync(finalData)) {
    const kept = keepFailedRun(ctx, dir, [scriptFile, logFile]);
    throw new Error(`LAMMPS ended without finishing the protocol (no final structure was written); nothing was imported${kept ? `; log kept in ${kept}` : ''}`);
  }

  ctx.progress(0.99, 'importing the final structure');
  const final = mergeTypesOfSameElement(readStructureFile(finalData, 'lammps-data', { elements: input.typeElements }));
  const stagedDir = ctx.stagingDir('structure');
  writeStructureFolder(stagedDir, final, `${params.protocol} simulation`);
  const keptDir = path.join(stagedDir, 'simulation');
  fs.mkdirSync(keptDir, { recursive: true });
  const keptFiles = [INPUT_SCRIPT_FILE, LOG_FILE, 'thermo.csv', INPUT_DATA_FILE, DELTA_MU_FILE, ...history.flatMap((r) => [r.script, r.log])];
  for (const file of keptFiles) {
    if (fs.existsSync(path.join(dir, file))) fs.copyFileSync(path.join(dir, file), path.join(keptDir, file));
  }
  const lastRow = thermo.lastRow();
  const notes = [...input.notes];
  if (lastRow) notes.push(`last thermo row: T = ${lastRow[1]?.toFixed(1)} K, PE = ${((lastRow[2] ?? 0) / final.ids.length).toFixed(4)} eV/atom, dopant fraction = ${lastRow[5]?.toFixed(4)}`);
  if (history.length > 0) notes.push(`resumed ${history.length} time(s), from step${history.length > 1 ? 's' : ''} ${history.map((r) => r.fromStep).join(', ')} (thermostat, barostat and MC random streams restart at each resume)`);
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
    checkpointEvery,
    ...(history.length > 0 ? { resumes: history.map((r) => ({ fromStep: r.fromStep, script: `simulation/${r.script}`, log: `simulation/${r.log}` })) } : {}),
  };
  fs.writeFileSync(path.join(keptDir, 'provenance.json'), `${JSON.stringify(provenance, null, 2)}\n`);
  ctx.log(`LAMMPS finished in ${result.wallSeconds.toFixed(1)} s; ${final.ids.length} atoms`);
  ctx.progress(1, 'done');
  const out: SimulateJobResult = { stagedDir, provenance, name: params.name ?? defaultName(params.protocol, final.ids.length), runDir: dir };
  return out;
});

function defaultName(protocol: string, atoms: number): string {
  return `${protocol} (${atoms.toLocaleString('en-US')} atoms)`;
}

/** Copies the scripts and LAMMPS's log of a failed run to logs/job-<id>/ in the project (where errors point). */
function keepFailedRun(ctx: JobContext, dir: string, files: string[]): string | null {
  try {
    const target = path.join(ctx.projectDir, 'logs', `job-${ctx.jobId}`);
    fs.mkdirSync(target, { recursive: true });
    for (const file of [...new Set([INPUT_SCRIPT_FILE, LOG_FILE, 'thermo.csv', ...files])]) {
      if (fs.existsSync(path.join(dir, file))) fs.copyFileSync(path.join(dir, file), path.join(target, file));
    }
    return path.relative(ctx.projectDir, target);
  } catch {
    return null;
  }
}
