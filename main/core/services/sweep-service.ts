/**
 * Probe-size sweeps (papers/000 Fig. 7): check a dataset with several cylinder probes, lay out one training run per
 * (architecture, probe) cell with that probe's split, start the sweep job, resume an incomplete sweep, and record
 * the cells when the job ends (succeeded, failed or cancelled).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobSummary } from '../../shared/domain';
import { ApiError } from '../../shared/ipc-contract';
import type { ModelArchitecture } from '../../shared/models';
import { DEFAULT_SPLIT_REQUEST, type SplitRequest } from '../../shared/splits';
import { sweepCellKey, type SweepCell, type SweepRequest, type SweepSummary } from '../../shared/sweeps';
import { readDatasetManifest } from '../../../native-workers/lib/datasets/pattern-store';
import { readSplitInfo, writeSplitPlan, type SplitPlan } from '../../../native-workers/lib/datasets/split-plan';
import type { TrainConfig } from '../../../native-workers/lib/models/train-config';
import { readSweepCells } from '../../../native-workers/lib/models/sweep-files';
import type { SweepJobParams, SweepJobResult } from '../../../native-workers/sweep/index';
import type { Finalizer, JobManager, Unfinisher } from '../jobs/job-manager';
import type { Project } from '../project/project';
import { planProjectSplit } from './split-service';
import { trainableDataset } from './training-service';

export function sweepResumeHint(sweepId: number): string {
  return `resume it with "ssro sweep PROJECT --resume ${sweepId}" or from the sweep page`;
}

interface ProbeSubset {
  radiusA: number;
  heightA: number;
  trainCount: number;
  validationCount: number;
  plan: SplitPlan;
}

/** The split fields of a sweep request, defaults filled in (a new sweep records them all). */
export function sweepSplitRequest(request: SweepRequest): SplitRequest {
  return {
    split: request.split ?? DEFAULT_SPLIT_REQUEST.split,
    splitAxis: request.splitAxis ?? DEFAULT_SPLIT_REQUEST.splitAxis,
    splitGuardA: request.splitGuardA ?? DEFAULT_SPLIT_REQUEST.splitGuardA,
    validationFraction: request.validationFraction ?? DEFAULT_SPLIT_REQUEST.validationFraction,
    holdoutStructures: request.holdoutStructures ?? [],
  };
}

function splitFileName(radiusA: number, heightA: number): string {
  return `split-r${radiusA}-h${heightA}.npy`;
}

/**
 * One split per cylinder probe of the dataset, over that probe's patterns only (other probes −1): each probe size
 * gets its own blocked split, since its extents set which probes are excluded.
 */
function probeSubsets(project: Project, dir: string, splitSeed: number, split: SplitRequest): ProbeSubset[] {
  const manifest = readDatasetManifest(dir);
  const cylinders = manifest.probes.flatMap((p, index) => (p.kind === 'cylinder' ? [{ index, radiusA: p.radiusA, heightA: p.heightA }] : []));
  if (cylinders.length < 2) {
    throw new ApiError(
      'invalid-request',
      `a sweep compares cylinder probe sizes, but this dataset has ${cylinders.length === 1 ? 'one' : 'no'} cylinder probe; ` +
        'build one with several radii and heights (e.g. ssro dataset build … --radius 3,5,7 --height 10,20,30)',
    );
  }
  return cylinders.map(({ index, radiusA, heightA }) => {
    let plan: SplitPlan;
    try {
      plan = planProjectSplit(project, dir, split, splitSeed, index);
    } catch (error) {
      if (error instanceof ApiError) throw new ApiError(error.code, `probe r ${radiusA} Å h ${heightA} Å: ${error.message}`);
      throw error;
    }
    return { radiusA, heightA, trainCount: plan.info.counts.train, validationCount: plan.info.counts.validation, plan };
  });
}

function cellConfig(request: SweepRequest, datasetDir: string, sweepDir: string, cell: SweepCell): TrainConfig {
  const splitFile = path.join(sweepDir, splitFileName(cell.radiusA, cell.heightA));
  // Sweeps made before split records have none; theirs stays out of the config so they resume as they were.
  const splitInfo = readSplitInfo(splitFile);
  return {
    datasetDir,
    splitFile,
    outDir: path.join(sweepDir, cell.key),
    datasetId: request.datasetId,
    model: cell.architecture,
    target: 'one_minus_d',
    epochs: request.epochs,
    batchSize: request.batchSize,
    lr: request.lr,
    weightDecay: 1e-5,
    seed: request.seed,
    device: request.device,
    threads: null,
    imagenetWeights: null,
    initStateDict: null,
    progressSeconds: 1,
    // Short sweeps still pick their best epoch (the warm-up rule never passes the whole run).
    bestAfterEpoch: Math.min(10, Math.max(request.epochs - 1, 0)),
    exportOnnx: false,
    // papers/000 Fig. 7's protocol: the paper's input and augmentation. It also keeps sweeps begun before transform
    // v2 resumable (their checkpoints' fingerprints say so). Cells only compare probe sizes with each other.
    transform: 'log1-minmax',
    augmentation: 'paper',
    ...(splitInfo === null ? {} : { splitInfo }),
  };
}

function submitJob(project: Project, jobs: JobManager, sweep: SweepSummary, python3Path: string): JobSummary {
  const sweepDir = project.sweeps.folder(sweep.id);
  const datasetDir = project.datasets.folder(sweep.params.datasetId);
  const params: SweepJobParams = {
    sweepId: sweep.id,
    python3Path,
    sweepDir,
    cells: sweep.cells.map((cell) => ({ cell, config: cellConfig(sweep.params, datasetDir, sweepDir, cell) })),
    resumeHint: sweepResumeHint(sweep.id),
  };
  const job = jobs.submit('sweep', params, [
    { kind: 'dataset', id: sweep.params.datasetId },
    { kind: 'sweep', id: sweep.id },
  ]);
  project.sweeps.start(sweep.id, job.id);
  return job;
}

/** Creates the sweep (its folder, one split per probe, the cells) and its job. */
export function submitSweep(project: Project, jobs: JobManager, given: SweepRequest, python3Path: string): { sweep: SweepSummary; job: JobSummary } {
  const dataset = trainableDataset(project, given.datasetId);
  const split = sweepSplitRequest(given);
  const request: SweepRequest = { ...given, ...split };
  const subsets = probeSubsets(project, dataset.dir, dataset.splitSeed, split);
  const cells: SweepCell[] = [];
  for (const architecture of request.models as ModelArchitecture[]) {
    for (const s of subsets) {
      cells.push({
        key: sweepCellKey(architecture, s.radiusA, s.heightA),
        architecture,
        radiusA: s.radiusA,
        heightA: s.heightA,
        state: 'pending',
        trainCount: s.trainCount,
        validationCount: s.validationCount,
        validation: null,
        bestEpoch: null,
        seconds: null,
        error: null,
      });
    }
  }
  const empty = subsets.find((s) => s.trainCount === 0 || s.validationCount === 0);
  if (empty) throw new ApiError('invalid-request', `probe r ${empty.radiusA} Å h ${empty.heightA} Å has ${empty.trainCount} training and ${empty.validationCount} validation patterns; a sweep needs both`);
  const sweep = project.sweeps.create(
    { name: request.name ?? `probe sweep on ${dataset.name}`, params: request, cells },
    (dir) => {
      for (const s of subsets) writeSplitPlan(path.join(dir, splitFileName(s.radiusA, s.heightA)), s.plan);
    },
  );
  try {
    return { sweep: project.sweeps.get(sweep.id), job: submitJob(project, jobs, sweep, python3Path) };
  } catch (error) {
    project.sweeps.delete(sweep.id);
    throw error;
  }
}

/** Continues an incomplete sweep: done cells are kept, the others trained (an interrupted one from its checkpoint). */
export function resumeSweep(project: Project, jobs: JobManager, sweepId: number, python3Path: string): { sweep: SweepSummary; job: JobSummary } {
  const sweep = project.sweeps.find(sweepId);
  if (sweep === null) throw new ApiError('not-found', `sweep ${sweepId} does not exist in this project`);
  if (sweep.state === 'complete') throw new ApiError('invalid-request', `sweep ${sweepId} is complete`);
  const job = sweep.jobId === null ? null : project.jobs.find(sweep.jobId);
  if (job && (job.state === 'queued' || job.state === 'running')) throw new ApiError('invalid-request', `sweep ${sweepId} is being run by job ${job.id}`);
  trainableDataset(project, sweep.params.datasetId);
  return { sweep, job: submitJob(project, jobs, sweep, python3Path) };
}

/** The sweep with its cells as the job last wrote them (live while it runs). */
export function sweepDetails(project: Project, sweepId: number): SweepSummary {
  const sweep = project.sweeps.find(sweepId);
  if (sweep === null) throw new ApiError('not-found', `sweep ${sweepId} does not exist in this project`);
  if (sweep.state !== 'running') return sweep;
  const live = readSweepCells(project.sweeps.folder(sweepId));
  return live ? { ...sweep, cells: live } : sweep;
}

export function sweepFinalizer(project: Project): Finalizer {
  return (job, result) => {
    const r = result as Partial<SweepJobResult>;
    if (typeof r.sweepId !== 'number' || !Array.isArray(r.cells)) throw new Error('the sweep worker returned no cells');
    project.sweeps.finish(r.sweepId, r.cells, job.id);
    return [{ kind: 'sweep', id: r.sweepId }];
  };
}

/** A sweep job that failed or was cancelled: its finished cells are recorded, the sweep becomes 'incomplete'. */
export function sweepUnfinisher(project: Project): Unfinisher {
  return (job) => {
    const sweepId = (job.params as Partial<SweepJobParams>).sweepId;
    if (typeof sweepId !== 'number' || project.sweeps.find(sweepId) === null) return;
    const dir = project.sweeps.folder(sweepId);
    const cells = fs.existsSync(dir) ? readSweepCells(dir) : null;
    project.sweeps.finish(sweepId, cells ?? project.sweeps.get(sweepId).cells, job.id);
  };
}
