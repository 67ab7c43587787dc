/**
 * RMC use cases: submit an `rmc` job (its start structure, potential and every measured curve checked first, so a
 * bad file fails before a job exists), resume one that stopped from its checkpoint, and the finalizer that imports
 * the model as a project structure with its fit report and provenance.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { JobSummary } from '../../shared/domain';
import { canonicalElement } from '../../shared/elements';
import { ApiError } from '../../shared/ipc-contract';
import { rmcParamsSchema, type RmcParams } from '../../shared/rmc';
import { readPotentialInfo, requireElements } from '../../../native-workers/lib/lammps/potential-file';
import { readMeasuredCurve } from '../../../native-workers/lib/rmc/measured-data';
import { RMC_RUN_PARENT, rmcJobParamsSchema, rmcRunDir, type RmcJobParamsInput } from '../../../native-workers/lib/rmc/run-folder';
import type { Finalizer, JobManager } from '../jobs/job-manager';
import { resourcesDir } from '../paths';
import type { Project } from '../project/project';

function invalid(error: unknown): ApiError {
  return new ApiError('invalid-request', error instanceof Error ? error.message : String(error));
}

/** Checks what the worker would trip on, and returns the job parameters. */
function prepare(project: Project, params: RmcParams, extra: { runJobId?: number; resume?: boolean; lmpPath?: string } = {}): RmcJobParamsInput {
  let elements: string[];
  let structureDir: string | undefined;
  if (params.start.kind === 'structure') {
    const structure = project.structures.find(params.start.structureId);
    if (structure === null) throw new ApiError('not-found', `structure ${params.start.structureId} does not exist in this project`);
    if (structure.triclinic || !structure.cell.pbc.every((p) => p)) {
      throw new ApiError('invalid-request', `structure ${structure.id} is ${structure.triclinic ? 'triclinic' : 'not periodic in every direction'}; RMC needs an orthorhombic periodic box`);
    }
    elements = [...new Set(structure.typeElements)];
    structureDir = project.structures.folder(structure.id);
  } else {
    elements = Object.keys(params.start.composition).map((e) => canonicalElement(e) ?? e);
  }
  for (const potential of [params.energy?.potentialPath, params.relax?.potentialPath]) {
    if (potential === undefined) continue;
    try {
      requireElements(readPotentialInfo(potential), elements);
    } catch (error) {
      throw invalid(error);
    }
  }
  if (params.relax && extra.lmpPath === undefined) throw new ApiError('invalid-request', 'relaxing the model needs LAMMPS; set its path in the settings or give --lmp');
  for (const item of params.data) {
    try {
      readMeasuredCurve(item.file, item.declaration);
    } catch (error) {
      throw invalid(error);
    }
    const d = item.declaration;
    if ('pair' in d && d.pair) {
      const missing = d.pair.filter((e) => !elements.includes(e));
      if (missing.length > 0) throw new ApiError('invalid-request', `${item.file}: the partial ${d.pair.join('-')} names ${missing.join(', ')}, which the model does not have (it has ${elements.join(', ')})`);
    }
  }
  return { rmc: params, factorsDir: path.join(resourcesDir, 'elements'), ...(structureDir ? { structureDir } : {}), ...extra };
}

/** `lmpPath` is needed only when the parameters ask for a LAMMPS relaxation of the model. */
export function submitRmc(project: Project, jobs: JobManager, input: unknown, lmpPath?: string): JobSummary {
  const parsed = rmcParamsSchema.safeParse(input);
  if (!parsed.success) throw new ApiError('invalid-request', parsed.error.issues.map((i) => `${i.path.join('.') || 'parameters'}: ${i.message}`).join('; '));
  const params = parsed.data;
  const inputs = [
    ...params.data.map((d) => ({ kind: 'file' as const, id: d.file })),
    ...(params.start.kind === 'structure' ? [{ kind: 'structure' as const, id: params.start.structureId }] : []),
    ...(params.energy ? [{ kind: 'file' as const, id: params.energy.potentialPath }] : []),
    ...(params.relax ? [{ kind: 'file' as const, id: params.relax.potentialPath }] : []),
  ];
  return jobs.submit('rmc', prepare(project, params, lmpPath === undefined ? {} : { lmpPath }), inputs);
}

/** Continues rmc job `jobId` (cancelled, failed or interrupted) from its checkpoint, as a new job in the same run folder. */
export function resumeRmc(project: Project, jobs: JobManager, jobId: number): JobSummary {
  const job = project.jobs.find(jobId);
  if (job === null || job.kind !== 'rmc') throw new ApiError('not-found', `job ${jobId} is not an rmc job of this project`);
  const parsed = rmcJobParamsSchema.safeParse(job.params);
  if (!parsed.success) throw new ApiError('invalid-request', `job ${jobId} has no RMC parameters this version can read; start a new run`);
  if (job.state === 'succeeded') throw new ApiError('invalid-request', `job ${jobId} finished; nothing to resume`);
  if (job.state === 'queued' || job.state === 'running') throw new ApiError('invalid-request', `job ${jobId} is still ${job.state}`);
  const runJobId = parsed.data.runJobId ?? job.id;
  const dir = rmcRunDir(project.dir, runJobId);
  if (!fs.existsSync(path.join(dir, 'checkpoint.json'))) throw new ApiError('invalid-request', `job ${jobId} left no checkpoint (${path.relative(project.dir, dir)}); start the run again`);
  const busy = project.jobs.list(1000).find((j) => j.kind === 'rmc' && (j.state === 'queued' || j.state === 'running') && rmcJobParamsSchema.safeParse(j.params).data?.runJobId === runJobId);
  if (busy) throw new ApiError('invalid-request', `the run of job ${jobId} is being resumed by job ${busy.id}`);
  const lmpPath = parsed.data.lmpPath;
  return jobs.submit('rmc', prepare(project, parsed.data.rmc, { runJobId, resume: true, ...(lmpPath === undefined ? {} : { lmpPath }) }), job.inputs);
}

const rmcResultSchema = z.object({
  stagedDir: z.string(),
  name: z.string(),
  runDir: z.string(),
  provenance: z.object({ kind: z.literal('rmc') }).passthrough(),
});

export function rmcFinalizer(project: Project): Finalizer {
  return (job, result) => {
    const r = rmcResultSchema.safeParse(result);
    if (!r.success || !fs.existsSync(r.data.stagedDir)) throw new Error('the rmc worker returned no structure folder');
    const { stagedDir, name, runDir, provenance } = r.data;
    const structure = project.structures.commitStaged(stagedDir, name, job.id, 'rmc', provenance);
    // The model and its report live with the structure; the checkpoint is no longer needed.
    const parent = path.join(project.dir, RMC_RUN_PARENT);
    if (path.dirname(path.resolve(runDir)) === parent && /^job-\d+$/.test(path.basename(runDir))) fs.rmSync(runDir, { recursive: true, force: true });
    return [{ kind: 'structure', id: structure.id }];
  };
}
