/**
 * Prediction use cases: check a model against its input (side, k-grid) and start a predict job, the finalizer that
 * stores the predictions with their provenance, and reading a stored prediction with its evaluation.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiError, type DatasetRecipe } from '../../shared/ipc-contract';
import type { JobSummary } from '../../shared/domain';
import type { PredictionEvaluation, PredictionMetrics, PredictionRequest, PredictionSummary } from '../../shared/models';
import { checkSourceFitsModel, openDatasetSource, openExportSource, openNpyStackSource, type PatternSource } from '../../../native-workers/lib/models/pattern-sources';
import { PREDICTION_FILES } from '../../../native-workers/lib/models/prediction-files';
import { readNpy } from '../../../native-workers/lib/npy';
import type { PredictJobParams, PredictJobResult } from '../../../native-workers/predict/index';
import type { Finalizer, JobManager } from '../jobs/job-manager';
import type { Project } from '../project/project';

/** Opens the input once to check it fits the model before any job starts (headers only). */
function checkInput(source: () => PatternSource, preprocessing: Parameters<typeof checkSourceFitsModel>[1]): void {
  let opened: PatternSource | null = null;
  try {
    opened = source();
    checkSourceFitsModel(opened, preprocessing);
  } catch (error) {
    throw new ApiError('invalid-request', (error as Error).message);
  } finally {
    opened?.close();
  }
}

export function submitPrediction(project: Project, jobs: JobManager, request: PredictionRequest): JobSummary {
  const model = project.models.find(request.modelId);
  if (model === null) throw new ApiError('not-found', `model ${request.modelId} does not exist in this project`);
  if (model.onnxPath === null || model.preprocessing === null || (model.state !== 'trained' && model.state !== 'imported')) {
    throw new ApiError('invalid-request', `model ${model.id} has no trained weights yet (state ${model.state}); finish or resume its training first`);
  }
  const input = request.input;
  let location: string;
  let splitSeed: number | null = null;
  let datasetId: number | null = null;
  let name: string;
  if (input.kind === 'dataset') {
    const dataset = project.datasets.find(input.datasetId);
    if (dataset === null) throw new ApiError('not-found', `dataset ${input.datasetId} does not exist in this project`);
    if (dataset.state !== 'complete') throw new ApiError('invalid-request', `dataset ${input.datasetId} is still building (${dataset.doneCount} of ${dataset.sampleCount}); resume it first`);
    location = project.datasets.folder(input.datasetId);
    const recipe = (dataset.recipe ?? {}) as Partial<DatasetRecipe>;
    splitSeed = typeof recipe.splitSeed === 'number' ? recipe.splitSeed : 42;
    datasetId = input.datasetId;
    name = `${model.name} on ${dataset.name}${input.split === 'all' ? '' : ` (${input.split})`}`;
    checkInput(() => openDatasetSource(location, model.preprocessing ?? undefined), model.preprocessing);
  } else if (input.kind === 'npy') {
    location = path.resolve(input.path);
    name = `${model.name} on ${path.basename(location)}`;
    checkInput(() => openNpyStackSource(location, model.preprocessing ?? undefined), model.preprocessing);
  } else {
    location = path.resolve(input.dir);
    name = `${model.name} on ${path.basename(location)}`;
    checkInput(() => openExportSource(location, model.preprocessing ?? undefined), model.preprocessing);
  }
  const params: PredictJobParams = {
    name: request.name ?? name,
    modelFile: model.onnxPath,
    model: { id: model.id, name: model.name, sha256: model.sha256, architecture: model.architecture, datasetId: model.datasetId },
    input,
    location,
    splitSeed,
    batchSize: request.batchSize,
    // Every core the app may use (two here) as onnxruntime's intra-op threads.
    threads: os.availableParallelism(),
  };
  const inputs = [{ kind: 'model' as const, id: model.id }, datasetId !== null ? { kind: 'dataset' as const, id: datasetId } : { kind: 'file' as const, id: location }];
  return jobs.submit('predict', params, inputs);
}

/** Moves the staged prediction folder into the project and records it with its provenance and metrics. */
export function predictionFinalizer(project: Project): Finalizer {
  return (job, result) => {
    const r = result as Partial<PredictJobResult>;
    if (typeof r.stagedDir !== 'string' || !fs.existsSync(r.stagedDir)) throw new Error('the predict worker returned no predictions');
    const params = job.params as PredictJobParams;
    // The model may have been deleted while the job ran: keep the prediction, with its provenance, unattached.
    const modelId = params.model.id !== null && project.models.find(params.model.id) !== null ? params.model.id : null;
    const prediction = project.predictions.commitStaged(r.stagedDir, {
      name: params.name,
      modelId,
      datasetId: params.input.kind === 'dataset' ? params.input.datasetId : null,
      input: params.input,
      count: r.count ?? 0,
      provenance: r.provenance ?? {},
      metrics: (r.metrics as PredictionMetrics | null | undefined) ?? null,
      jobId: job.id,
    });
    return [{ kind: 'prediction', id: prediction.id }];
  };
}

export function listPredictions(project: Project, modelId?: number): PredictionSummary[] {
  return project.predictions.list(modelId);
}

export interface PredictionDetails {
  prediction: PredictionSummary;
  evaluation: PredictionEvaluation | null;
  values: { index: number[]; predictedD: number[]; truncated: boolean };
}

export function predictionDetails(project: Project, id: number, limit = 100_000): PredictionDetails {
  const prediction = project.predictions.find(id);
  if (prediction === null) throw new ApiError('not-found', `prediction ${id} does not exist in this project`);
  const dir = project.predictions.folder(id);
  const evaluationFile = path.join(dir, PREDICTION_FILES.evaluation);
  const evaluation = fs.existsSync(evaluationFile) ? (JSON.parse(fs.readFileSync(evaluationFile, 'utf8')) as PredictionEvaluation) : null;
  const d = readNpy(path.join(dir, PREDICTION_FILES.predictions)).data as Float64Array;
  const index = readNpy(path.join(dir, PREDICTION_FILES.indices)).data as Int32Array;
  const shown = Math.min(limit, d.length);
  return {
    prediction,
    evaluation,
    values: { index: Array.from(index.subarray(0, shown)), predictedD: Array.from(d.subarray(0, shown)), truncated: shown < d.length },
  };
}
