/**
 * Simulation use cases: submit a `simulate` job (parameters and potential checked first), resume one that stopped
 * early from its restart files, its dry run (the exact input script without running LAMMPS), the thermo table of a
 * running or finished run, and the finalizer that imports the final structure with its provenance.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { JobSummary } from '../../shared/domain';
import { ApiError } from '../../shared/ipc-contract';
import { checkpointInterval, simulationCost, simulationParamsSchema, simulationStages, type SimulationParams, type SimulationStage } from '../../shared/simulation';
import { readPotentialInfo, requireElements } from '../../../native-workers/lib/lammps/potential-file';
import { buildProtocolInput } from '../../../native-workers/lib/lammps/protocol-inputs';
import { protocolScript } from '../../../native-workers/lib/lammps/protocol-scripts';
import { readThermoCsv } from '../../../native-workers/lib/lammps/thermo-table';
import {
  listCheckpoints,
  RUN_FOLDER_PARENT,
  simulateJobParamsSchema,
  simulationRunDir,
  type SimulateJobParams,
  type SimulateJobResult,
} from '../../../native-workers/lib/lammps/run-folder';
import type { Finalizer, JobManager } from '../jobs/job-manager';
import type { Project } from '../project/project';

function checkPotential(params: SimulationParams, typeElements?: string[]): ReturnType<typeof readPotentialInfo> {
  let info;
  try {
    info = readPotentialInfo(params.potentialPath);
  } catch (error) {
    throw new ApiError('invalid-request', (error as Error).message);
  }
  const needed = typeElements ?? (params.protocol === 'glass' ? Object.keys(params.composition) : [params.host, params.dopant]);
  try {
    requireElements(info, needed);
  } catch (error) {
    throw new ApiError('invalid-request', (error as Error).message);
  }
  return info;
}

export function submitSimulation(jobs: JobManager, lmpPath: string, params: SimulationParams): JobSummary {
  checkPotential(params);
  const job: SimulateJobParams = { simulation: params, lmpPath };
  return jobs.submit('simulate', job, [{ kind: 'file', id: params.potentialPath }]);
}

/**
 * Continues the run of simulate job `jobId` (cancelled, failed or interrupted) from its newest restart file, with
 * the parameters it was started with, as a new job working in the same run folder. `lmpPath` may differ (a moved
 * LAMMPS), but a restart file is only portable between builds of the same LAMMPS version.
 */
export function resumeSimulation(project: Project, jobs: JobManager, jobId: number, lmpPath?: string): JobSummary {
  const job = project.jobs.find(jobId);
  if (job === null || job.kind !== 'simulate') throw new ApiError('not-found', `job ${jobId} is not a simulate job of this project`);
  const parsed = simulateJobParamsSchema.safeParse(job.params);
  const simulation = parsed.success ? simulationParamsSchema.safeParse(parsed.data.simulation) : null;
  if (!parsed.success || !simulation?.success) throw new ApiError('invalid-request', `job ${jobId} has no simulation parameters this version can read; start a new simulation`);
  if (job.state === 'succeeded') {
    const output = job.outputs.find((o) => o.kind === 'structure');
    throw new ApiError('invalid-request', `job ${jobId} finished${output ? `; its structure is ${String(output.id)}` : ''}; nothing to resume`);
  }
  if (job.state === 'queued' || job.state === 'running') throw new ApiError('invalid-request', `job ${jobId} is still ${job.state}`);
  const runJobId = parsed.data.runJobId ?? job.id;
  const dir = simulationRunDir(project.dir, runJobId);
  if (!fs.existsSync(dir)) throw new ApiError('invalid-request', `job ${jobId} left no run folder (${path.relative(project.dir, dir)}); start the simulation again`);
  const busy = project.jobs.list(1000).find((j) => j.kind === 'simulate' && (j.state === 'queued' || j.state === 'running') && simulateJobParamsSchema.safeParse(j.params).data?.runJobId === runJobId);
  if (busy) throw new ApiError('invalid-request', `the run of job ${jobId} is being resumed by job ${busy.id}`);
  const params = simulation.data;
  checkPotential(params);
  const next: SimulateJobParams = { simulation: params, lmpPath: lmpPath ?? parsed.data.lmpPath, runJobId, resume: true };
  return jobs.submit('simulate', next, [{ kind: 'file', id: params.potentialPath }]);
}

/** What a stopped simulate job left to resume from: its run folder and the step of its newest restart file. */
export function simulationCheckpoint(project: Project, jobId: number): { runDir: string; step: number | null } | null {
  const job = project.jobs.find(jobId);
  if (job === null || job.kind !== 'simulate') return null;
  const parsed = simulateJobParamsSchema.safeParse(job.params);
  const dir = simulationRunDir(project.dir, (parsed.success ? parsed.data.runJobId : undefined) ?? job.id);
  if (!fs.existsSync(dir)) return null;
  return { runDir: dir, step: listCheckpoints(dir)[0]?.step ?? null };
}

export interface SimulationPlan {
  script: string;
  atoms: number;
  stages: SimulationStage[];
  atomSteps: number;
  estimatedSeconds: number;
  notes: string[];
}

/** The dry run: builds the start structure and writes the script exactly as the job would (atom/swap `mu` form). */
export function planSimulation(params: SimulationParams): SimulationPlan {
  let input;
  try {
    input = buildProtocolInput(params);
  } catch (error) {
    throw new ApiError('invalid-request', (error as Error).message);
  }
  const potential = checkPotential(params, input.typeElements);
  const script = protocolScript(params, {
    typeElements: input.typeElements,
    potentialFile: potential.pairStyle === 'eam/fs' ? 'potential.eam.fs' : 'potential.eam.alloy',
    pairStyle: potential.pairStyle,
    atomCount: input.structure.ids.length,
    swapMuKeyword: 'mu',
    checkpointEvery: checkpointInterval(params, input.structure.ids.length),
  });
  const cost = simulationCost(params);
  const atoms = input.structure.ids.length;
  const atomSteps = (cost.atomSteps / Math.max(1, cost.atoms)) * atoms;
  const every = checkpointInterval(params, atoms);
  const notes = [...input.notes, `restart files every ${every > 0 ? `${every} steps and ` : ''}at the end of each stage`];
  return { script, atoms, stages: simulationStages(params), atomSteps, estimatedSeconds: atomSteps / 2e5, notes };
}

const simulateResultSchema = z.object({
  stagedDir: z.string(),
  name: z.string(),
  runDir: z.string(),
  provenance: z.object({ kind: z.literal('simulation'), protocol: z.string() }).passthrough(),
});

export function simulationFinalizer(project: Project): Finalizer {
  return (job, result) => {
    const r = simulateResultSchema.safeParse(result);
    if (!r.success || !fs.existsSync(r.data.stagedDir)) throw new Error('the simulate worker returned no structure folder');
    const { stagedDir, name, runDir } = r.data;
    const provenance = r.data.provenance as SimulateJobResult['provenance'];
    const structure = project.structures.commitStaged(stagedDir, name, job.id, `simulate ${provenance.protocol}`, provenance);
    // The structure keeps the scripts, logs and thermo table; the restart files are no longer needed.
    const parent = path.join(project.dir, RUN_FOLDER_PARENT);
    if (path.dirname(path.resolve(runDir)) === parent && /^job-\d+$/.test(path.basename(runDir))) fs.rmSync(runDir, { recursive: true, force: true });
    return [{ kind: 'structure', id: structure.id }];
  };
}

/** The thermo rows of a simulate job: live while it runs, from the kept thermo.csv after it ended. */
export function simulationThermo(project: Project, jobs: JobManager, jobId: number): { columns: string[]; rows: number[][] } {
  const job = project.jobs.find(jobId);
  if (job === null || job.kind !== 'simulate') throw new ApiError('not-found', `job ${jobId} is not a simulate job of this project`);
  const live = jobs.series(jobId, 'thermo');
  if (live) return { columns: live.columns, rows: live.rows };
  const candidates: string[] = [];
  const output = job.outputs.find((o) => o.kind === 'structure');
  if (output && typeof output.id === 'number' && project.structures.find(output.id)) {
    candidates.push(path.join(project.structures.folder(output.id), 'simulation', 'thermo.csv'));
  }
  const own = simulateJobParamsSchema.safeParse(job.params);
  candidates.push(path.join(simulationRunDir(project.dir, (own.success ? own.data.runJobId : undefined) ?? jobId), 'thermo.csv'));
  candidates.push(path.join(project.dir, 'logs', `job-${jobId}`, 'thermo.csv'));
  candidates.push(path.join(project.scratchDir(jobId), 'thermo.csv'));
  const file = candidates.find((f) => fs.existsSync(f));
  return file ? readThermoCsv(file) : { columns: [], rows: [] };
}
