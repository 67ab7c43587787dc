/**
 * Training use cases: check a dataset and start a train job on a new model's run folder, resume an incomplete run,
 * the finalizer that registers the exported model, the mark left when a run stops early, and the job's tables.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobSummary } from '../../shared/domain';
import { ApiError, type DatasetRecipe } from '../../shared/ipc-contract';
import { BATCH_SERIES_COLUMNS, ENGINE_TRAINING_DEFAULTS, TRAINING_SERIES_COLUMNS, type ModelSummary, type TrainingRequest } from '../../shared/models';
import type { SplitInfo, SplitRequest } from '../../shared/splits';
import { PatternReader } from '../../../native-workers/lib/datasets/pattern-store';
import { readSplitInfo, writeSplitPlan, type SplitPlan, type SplitStructureSource } from '../../../native-workers/lib/datasets/split-plan';
import { readSsroModelMetadata } from '../../../native-workers/lib/models/onnx-metadata';
import { epochRow, MODEL_FILES, readBatchRows, readRunHistory, RUN_FILES, type TrainConfig } from '../../../native-workers/lib/models/train-config';
import type { TrainJobParams, TrainJobResult } from '../../../native-workers/train/index';
import type { Finalizer, JobManager, Unfinisher } from '../jobs/job-manager';
import type { Project } from '../project/project';
import { planProjectSplit, projectStructureLoader } from './split-service';

/** How a user resumes model `id` (said in the error of a stopped run). */
export function resumeHint(modelId: number): string {
  return `resume it with "ssro train PROJECT --resume ${modelId}" or from the model page`;
}

/** A complete dataset ready to train on, with what its split needs. */
export interface TrainableDataset {
  id: number;
  dir: string;
  sampleCount: number;
  splitSeed: number;
  name: string;
  /** The project, whose structure folders hold the cells a blocked split needs. */
  project: Project;
  loadStructure: (id: number) => SplitStructureSource;
}

/** The dataset folder of a complete dataset whose labels are all finite (else a message saying what to do). */
export function trainableDataset(project: Project, datasetId: number): TrainableDataset {
  const dataset = project.datasets.find(datasetId);
  if (dataset === null) throw new ApiError('not-found', `dataset ${datasetId} does not exist in this project`);
  if (dataset.state !== 'complete') {
    throw new ApiError('invalid-request', `dataset ${datasetId} is still building (${dataset.doneCount} of ${dataset.sampleCount} patterns); resume the build before training`);
  }
  const dir = project.datasets.folder(datasetId);
  const reader = PatternReader.open(dir);
  let labels: Float64Array;
  try {
    labels = reader.readLabels();
  } finally {
    reader.close();
  }
  let bad = 0;
  let first = -1;
  for (let i = 0; i < labels.length; i++) {
    if (Number.isFinite(labels[i])) continue;
    bad++;
    if (first < 0) first = i;
  }
  if (bad > 0) {
    throw new ApiError(
      'invalid-request',
      `dataset ${datasetId} has ${bad} of ${labels.length} patterns whose label (mean d) is NaN or infinite (the first is pattern ${first}); ` +
        'label the source structures again and rebuild the dataset before training',
    );
  }
  const recipe = (dataset.recipe ?? {}) as Partial<DatasetRecipe>;
  return {
    id: datasetId,
    dir,
    sampleCount: labels.length,
    splitSeed: typeof recipe.splitSeed === 'number' ? recipe.splitSeed : 42,
    name: dataset.name,
    project,
    loadStructure: projectStructureLoader(project),
  };
}

/** The split fields of a training request. */
export function splitRequestOf(request: Pick<TrainingRequest, keyof SplitRequest>): SplitRequest {
  return {
    split: request.split,
    splitAxis: request.splitAxis,
    splitGuardA: request.splitGuardA,
    validationFraction: request.validationFraction,
    holdoutStructures: request.holdoutStructures,
  };
}

/** The split a run of `request` on `dataset` trains with (refusals say what to do). */
export function planTrainingSplit(request: TrainingRequest, dataset: TrainableDataset): SplitPlan {
  return planProjectSplit(dataset.project, dataset.dir, splitRequestOf(request), dataset.splitSeed);
}

/**
 * Writes the split.npy a run of `request` on `dataset` trains with (training bundles call this too, so a bundle
 * trains on exactly the split a local run would).
 */
export function writeTrainingSplit(file: string, request: TrainingRequest, dataset: TrainableDataset): { trainCount: number; validationCount: number; excludedCount: number; info: SplitInfo } {
  const plan = planTrainingSplit(request, dataset);
  writeSplitPlan(file, plan);
  return { trainCount: plan.info.counts.train, validationCount: plan.info.counts.validation, excludedCount: plan.info.counts.excluded, info: plan.info };
}

/** The optional engine keys of `request` that differ from the engine's defaults (see ENGINE_TRAINING_DEFAULTS). */
function engineOptions(request: TrainingRequest): Partial<TrainConfig> {
  const out: Partial<TrainConfig> = {};
  const d = ENGINE_TRAINING_DEFAULTS;
  if (request.schedule !== d.schedule) out.schedule = request.schedule;
  if (request.minLr !== d.minLr) out.minLr = request.minLr;
  if (request.warmupEpochs !== d.warmupEpochs) out.warmupEpochs = request.warmupEpochs;
  if (request.emaDecay !== d.emaDecay) out.emaDecay = request.emaDecay;
  if (request.tta !== d.tta) out.tta = request.tta;
  if (request.inputSide !== d.inputSide) out.inputSide = request.inputSide;
  if (request.balance !== d.balance) out.balance = request.balance;
  return out;
}

function requireFile(file: string | null, what: string): void {
  if (file !== null && !fs.existsSync(file)) throw new ApiError('invalid-request', `${what} ${file} does not exist`);
}

/**
 * The config a train job gets for `request` on `datasetDir` with its files in `modelDir`; a training bundle writes
 * the same config (paths made relative to the bundle), so keep every setting here. The split record (split.json
 * beside modelDir's split.npy) goes in when there is one; runs from before split records have none.
 */
export function configFor(request: TrainingRequest, datasetDir: string, modelDir: string, splitInfo: SplitInfo | null = readSplitInfo(path.join(modelDir, MODEL_FILES.split))): TrainConfig {
  return {
    datasetDir,
    splitFile: path.join(modelDir, MODEL_FILES.split),
    outDir: path.join(modelDir, MODEL_FILES.run),
    datasetId: request.datasetId,
    model: request.model,
    target: request.target,
    epochs: request.epochs,
    batchSize: request.batchSize,
    lr: request.lr,
    weightDecay: request.weightDecay,
    seed: request.seed,
    device: request.device,
    threads: null,
    imagenetWeights: request.imagenetWeights,
    initStateDict: request.initStateDict,
    progressSeconds: 0.5,
    transform: request.transform,
    transformParams: request.transformParams,
    augment: request.augment,
    augmentation: request.augmentation,
    members: request.members,
    bestAfterEpoch: request.bestAfterEpoch,
    plateauPatience: request.plateauPatience,
    ...engineOptions(request),
    ...(splitInfo === null ? {} : { splitInfo }),
  };
}

function submitJob(project: Project, jobs: JobManager, model: ModelSummary, request: TrainingRequest, datasetDir: string, python3Path: string): JobSummary {
  const modelDir = project.models.folder(model.id);
  const config = configFor(request, datasetDir, modelDir);
  fs.writeFileSync(path.join(modelDir, MODEL_FILES.config), `${JSON.stringify({ request, config }, null, 2)}\n`);
  const params: TrainJobParams = { modelId: model.id, python3Path, config, resumeHint: resumeHint(model.id) };
  const job = jobs.submit('train', params, [
    { kind: 'dataset', id: request.datasetId },
    { kind: 'model', id: model.id },
  ]);
  project.models.startTraining(model.id, job.id, request as unknown as Record<string, unknown>);
  return job;
}

/**
 * A training request with its weight files made absolute and checked, and its dataset checked trainable: what a
 * local train job and a training bundle both start from. Python runs in the engine's folder, so paths reach it
 * absolute (relative ones mean the caller's working folder).
 */
export function preparedTraining(project: Project, given: TrainingRequest): { request: TrainingRequest; dataset: TrainableDataset } {
  const request: TrainingRequest = {
    ...given,
    imagenetWeights: given.imagenetWeights === null ? null : path.resolve(given.imagenetWeights),
    initStateDict: given.initStateDict === null ? null : path.resolve(given.initStateDict),
  };
  const dataset = trainableDataset(project, request.datasetId);
  requireFile(request.initStateDict, 'the initial state_dict');
  requireFile(request.imagenetWeights, 'the ImageNet weights file');
  return { request, dataset };
}

/** Creates the model (state 'training', its run folder and split.npy) and its train job. */
export function submitTraining(project: Project, jobs: JobManager, given: TrainingRequest, python3Path: string): { model: ModelSummary; job: JobSummary } {
  const { request, dataset } = preparedTraining(project, given);
  // Planned before the model exists, so a refused split leaves nothing behind.
  const split = planTrainingSplit(request, dataset);
  const model = project.models.create(
    {
      name: request.name ?? `${request.model} on ${dataset.name}`,
      architecture: request.model,
      target: request.target,
      source: 'trained',
      state: 'training',
      datasetId: request.datasetId,
      params: request as unknown as Record<string, unknown>,
    },
    (dir) => {
      writeSplitPlan(path.join(dir, MODEL_FILES.split), split);
      fs.mkdirSync(path.join(dir, MODEL_FILES.run));
    },
  );
  try {
    const job = submitJob(project, jobs, model, request, dataset.dir, python3Path);
    return { model: project.models.get(model.id), job };
  } catch (error) {
    project.models.delete(model.id);
    throw error;
  }
}

/** The train job of a model that is queued or running, if any. */
function activeJob(project: Project, model: ModelSummary): JobSummary | null {
  if (model.jobId === null) return null;
  const job = project.jobs.find(model.jobId);
  return job && (job.state === 'queued' || job.state === 'running') ? job : null;
}

/** Continues an incomplete run from its last checkpoint; `epochs` may raise its total. */
export function resumeTraining(project: Project, jobs: JobManager, modelId: number, python3Path: string, epochs?: number): { model: ModelSummary; job: JobSummary } {
  const model = project.models.find(modelId);
  if (model === null) throw new ApiError('not-found', `model ${modelId} does not exist in this project`);
  if (model.source !== 'trained') throw new ApiError('invalid-request', `model ${modelId} was imported; only training runs can be resumed`);
  const running = activeJob(project, model);
  if (running) throw new ApiError('invalid-request', `model ${modelId} is being trained by job ${running.id}`);
  if (model.state === 'trained') throw new ApiError('invalid-request', `model ${modelId} has finished training; train a new model to change it`);
  const previous = model.params as unknown as TrainingRequest;
  // A run begun before transform v2 recorded none of these: it resumes as it was made (v1 input, the paper's
  // augmentation, one member), which is also what its last.pt's fingerprint says. Runs begun before schedules and
  // splits were chosen had the plateau schedule without a weight average, and the random split (their split.npy).
  type Before = 'transform' | 'transformParams' | 'augment' | 'augmentation' | 'members' | 'bestAfterEpoch' | 'plateauPatience';
  type Later = 'schedule' | 'minLr' | 'warmupEpochs' | 'emaDecay' | 'tta' | 'inputSide' | 'balance' | keyof SplitRequest;
  const before: Pick<TrainingRequest, Before | Later> = {
    transform: 'log1-minmax',
    transformParams: null,
    augment: true,
    augmentation: 'paper',
    members: 1,
    bestAfterEpoch: 10,
    plateauPatience: 20,
    schedule: 'plateau',
    minLr: ENGINE_TRAINING_DEFAULTS.minLr,
    warmupEpochs: ENGINE_TRAINING_DEFAULTS.warmupEpochs,
    emaDecay: null,
    tta: 'none',
    inputSide: ENGINE_TRAINING_DEFAULTS.inputSide,
    balance: ENGINE_TRAINING_DEFAULTS.balance,
    split: 'random',
    splitAxis: 'auto',
    splitGuardA: 0,
    validationFraction: 0.2,
    holdoutStructures: [],
  };
  const request: TrainingRequest = { ...before, ...previous, epochs: epochs ?? previous.epochs };
  const dataset = trainableDataset(project, request.datasetId);
  const modelDir = project.models.folder(modelId);
  const splitFile = path.join(modelDir, MODEL_FILES.split);
  if (!fs.existsSync(splitFile)) writeTrainingSplit(splitFile, request, dataset);
  const job = submitJob(project, jobs, model, request, dataset.dir, python3Path);
  return { model: project.models.get(modelId), job };
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Registers the exported best model: its ONNX file, checksum, preprocessing and metrics. */
export function trainingFinalizer(project: Project): Finalizer {
  return (_job, result) => {
    const r = result as Partial<TrainJobResult>;
    if (typeof r.modelId !== 'number') throw new Error('the train worker returned no model');
    const modelDir = project.models.folder(r.modelId);
    const onnx = path.join(modelDir, MODEL_FILES.run, RUN_FILES.onnx);
    if (!fs.existsSync(onnx)) throw new Error(`the training run wrote no ${onnx}`);
    const metadata = readSsroModelMetadata(new Uint8Array(fs.readFileSync(onnx)));
    if (metadata === null) throw new Error(`${onnx} carries no SSRO metadata`);
    const metricsFile = path.join(modelDir, MODEL_FILES.run, RUN_FILES.metrics);
    const metrics = fs.existsSync(metricsFile) ? (JSON.parse(fs.readFileSync(metricsFile, 'utf8')) as Record<string, unknown>) : (r.metrics ?? {});
    project.models.markTrained(r.modelId, {
      onnxFile: path.join(MODEL_FILES.run, RUN_FILES.onnx),
      sha256: sha256File(onnx),
      preprocessing: metadata.preprocessing,
      metrics: { ...metrics, epochs: r.epochs ?? null, device: r.device ?? null, seconds: r.seconds ?? null },
    });
    return [{ kind: 'model', id: r.modelId }];
  };
}

/** A train job that failed or was cancelled leaves its run folder: the model becomes 'incomplete' (resumable). */
export function trainingUnfinisher(project: Project): Unfinisher {
  return (job) => {
    const modelId = (job.params as Partial<TrainJobParams>).modelId;
    if (typeof modelId === 'number') project.models.markIncomplete(modelId, job.id);
  };
}

const nullable = (rows: number[][]): (number | null)[][] => rows.map((r) => r.map((v) => (Number.isFinite(v) ? v : null)));

/** A train job's per-epoch and per-batch tables: live while it runs, from its model's run folder afterwards. */
export function trainingSeries(project: Project, jobs: JobManager, jobId: number): { modelId: number | null; live: boolean; training: { columns: string[]; rows: (number | null)[][] }; batches: { columns: string[]; rows: (number | null)[][] } } {
  const job = project.jobs.find(jobId);
  if (job === null || job.kind !== 'train') throw new ApiError('not-found', `job ${jobId} is not a train job of this project`);
  const modelId = (job.params as Partial<TrainJobParams>).modelId ?? null;
  const liveTraining = jobs.series(jobId, 'training');
  const liveBatches = jobs.series(jobId, 'batches');
  const training = { columns: [...TRAINING_SERIES_COLUMNS] as string[], rows: [] as (number | null)[][] };
  const batches = { columns: [...BATCH_SERIES_COLUMNS] as string[], rows: [] as (number | null)[][] };
  const live = job.state === 'running' || job.state === 'queued';
  if (live) {
    if (liveTraining) training.rows = nullable(liveTraining.rows);
    if (liveBatches) batches.rows = nullable(liveBatches.rows);
    return { modelId, live, training, batches };
  }
  if (modelId !== null && project.models.find(modelId) !== null) {
    const runDir = path.join(project.models.folder(modelId), MODEL_FILES.run);
    training.rows = nullable((readRunHistory(runDir)?.epochs ?? []).map(epochRow));
    batches.rows = nullable(readBatchRows(runDir));
  }
  return { modelId, live, training, batches };
}
