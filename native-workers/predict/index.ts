/**
 * The `predict` job: runs a model (ONNX, onnxruntime-node on both cores) over a dataset, a .npy stack of raw
 * intensities or an export folder, with the preprocessing recorded in the model, and stages predictions.npy (d per
 * pattern), the raw outputs, the pattern indices, the provenance and, for a labelled dataset, the evaluation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { PredictionInput } from '../../main/shared/models';
import { runWorker, JobCancelled, type JobContext } from '../runtime/worker-runtime';
import { PatternReader } from '../lib/datasets/pattern-store';
import { randomSplit } from '../lib/datasets/random-split';
import { readSplitFile, readSplitInfo } from '../lib/datasets/split-plan';
import { MODEL_FILES } from '../lib/models/train-config';
import { RANDOM_SPLIT_LABEL, splitSummaryLine } from '../../main/shared/splits';
import type { ModelInputSpec } from '../../main/shared/model-transform';
import { loadInferenceModel, outputsToD, predictSource } from '../lib/models/onnx-inference';
import { checkSourceFitsModel, openDatasetSource, openExportSource, openNpyStackSource, type PatternSource } from '../lib/models/pattern-sources';
import { evaluatePredictions } from '../lib/models/prediction-evaluation';
import { PREDICTION_FILES } from '../lib/models/prediction-files';
import { writeNpy } from '../lib/npy';

export interface PredictJobParams {
  name: string;
  modelFile: string;
  model: { id: number | null; name: string; sha256: string | null; architecture: string; datasetId: number | null };
  input: PredictionInput;
  /** The dataset folder, .npy file or export folder the input names, resolved by the core. */
  location: string;
  /** A dataset input's split seed (its recipe's). */
  splitSeed: number | null;
  batchSize: number;
  threads: number;
}

export interface PredictJobResult {
  stagedDir: string;
  count: number;
  provenance: Record<string, unknown>;
  metrics: unknown;
}

/**
 * The split of a dataset input: the split file the model was trained with when it learned from this dataset (the
 * record of its split; a trained model's file sits in <model>/run/, its split.npy in <model>/), else the dataset's
 * seeded random split. Codes: 0 train, 1 validation, 2 excluded (neither side).
 */
function datasetSplit(params: PredictJobParams, count: number): { split: Uint8Array; source: Record<string, unknown> } {
  const datasetId = params.input.kind === 'dataset' ? params.input.datasetId : null;
  const runDir = path.dirname(params.modelFile);
  if (params.model.datasetId !== null && params.model.datasetId === datasetId && path.basename(runDir) === MODEL_FILES.run) {
    const file = path.join(path.dirname(runDir), MODEL_FILES.split);
    if (fs.existsSync(file)) {
      const codes = readSplitFile(file, count);
      const info = readSplitInfo(file);
      return {
        split: Uint8Array.from(codes, (c) => (c === 0 || c === 1 ? c : 2)),
        source: { from: 'model', file, summary: info ? splitSummaryLine(info) : `${RANDOM_SPLIT_LABEL} (recorded before split records were kept)` },
      };
    }
  }
  const seed = params.splitSeed ?? 42;
  return { split: randomSplit(count, { seed }).split, source: { from: 'dataset seed', seed, summary: RANDOM_SPLIT_LABEL } };
}

function openSource(params: PredictJobParams, spec: ModelInputSpec): PatternSource {
  switch (params.input.kind) {
    case 'dataset':
      return openDatasetSource(params.location, spec);
    case 'npy':
      return openNpyStackSource(params.location, spec);
    case 'export':
      return openExportSource(params.location, spec);
  }
}

async function predict(params: PredictJobParams, ctx: JobContext): Promise<PredictJobResult> {
  ctx.progress(0, 'loading the model');
  const model = await loadInferenceModel(params.modelFile, { threads: params.threads });
  if (params.model.sha256 !== null && model.sha256 !== params.model.sha256) {
    throw new Error(`${params.modelFile} changed since it was registered (sha256 ${model.sha256.slice(0, 12)}…, recorded ${params.model.sha256.slice(0, 12)}…); import it again`);
  }
  const { metadata } = model;
  const source = openSource(params, model.metadata.preprocessing);
  try {
    for (const note of checkSourceFitsModel(source, metadata.preprocessing)) ctx.log(note);
    let indices: Int32Array = Int32Array.from({ length: source.count }, (_, i) => i);
    let split: Uint8Array | null = null;
    let splitSource: Record<string, unknown> | null = null;
    if (params.input.kind === 'dataset') {
      ({ split, source: splitSource } = datasetSplit(params, source.count));
      ctx.log(`split: ${String(splitSource.summary)}`);
      const wanted = params.input.split;
      if (wanted !== 'all') {
        const code = wanted === 'train' ? 0 : 1;
        indices = indices.filter((i) => split?.[i] === code);
      }
    }
    ctx.log(`${indices.length} patterns of ${source.side}×${source.side} from ${source.location}; model ${params.model.name} (${metadata.architecture}, target ${metadata.target}), onnxruntime ${ort.env.versions.node ?? ort.env.versions.common} on ${model.threads} threads, batches of ${params.batchSize}`);
    const started = Date.now();
    const outputs = await predictSource(model, source, indices, {
      batchSize: params.batchSize,
      onProgress: (done, total) => ctx.progress(0.02 + 0.93 * (done / Math.max(total, 1)), `${done} of ${total} patterns`),
      isCancelled: () => ctx.isCancelled(),
    }).catch((error: unknown) => {
      if (ctx.isCancelled()) throw new JobCancelled();
      throw error;
    });
    const seconds = (Date.now() - started) / 1000;
    const d = outputsToD(outputs, metadata.target);
    ctx.log(`predicted ${indices.length} patterns in ${seconds.toFixed(2)} s (${(indices.length / Math.max(seconds, 1e-9)).toFixed(1)} per second)`);

    const staged = ctx.stagingDir('prediction');
    writeNpy(path.join(staged, PREDICTION_FILES.predictions), d);
    writeNpy(path.join(staged, PREDICTION_FILES.outputs), outputs);
    writeNpy(path.join(staged, PREDICTION_FILES.indices), indices);

    let metrics: unknown = null;
    if (params.input.kind === 'dataset' && split !== null) {
      ctx.progress(0.96, 'evaluating');
      const reader = PatternReader.open(params.location);
      try {
        const evaluation = evaluatePredictions({
          indices,
          predictedD: d,
          labels: reader.readLabels(),
          meta: reader.readMeta(),
          manifest: reader.manifest,
          split,
          splitSeed: params.splitSeed ?? 42,
          trainedOnThisDataset: params.model.datasetId !== null && params.model.datasetId === params.input.datasetId,
        });
        metrics = evaluation.metrics;
        fs.writeFileSync(path.join(staged, PREDICTION_FILES.evaluation), `${JSON.stringify(evaluation)}\n`);
        const o = evaluation.metrics.overall;
        ctx.log(`MAE ${o.mae?.toFixed(4)}, RMSE ${o.rmse?.toFixed(4)}, R² ${o.r2 === null ? 'n/a' : o.r2.toFixed(3)} over ${o.count} patterns`);
      } finally {
        reader.close();
      }
    }
    const provenance = {
      model: { ...params.model, file: params.modelFile, sha256: model.sha256, target: metadata.target, ownMetadata: model.ownMetadata },
      preprocessing: metadata.preprocessing,
      input: { ...params.input, location: source.location, kind: source.kind, content: source.content, grid: source.grid, count: indices.length, side: source.side },
      ...(splitSource === null ? {} : { split: splitSource }),
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
      threads: model.threads,
      batchSize: params.batchSize,
      seconds,
      patternsPerSecond: indices.length / Math.max(seconds, 1e-9),
      createdAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(staged, PREDICTION_FILES.provenance), `${JSON.stringify(provenance, null, 2)}\n`);
    ctx.progress(1, `${indices.length} patterns predicted`);
    return { stagedDir: staged, count: indices.length, provenance, metrics };
  } finally {
    source.close();
  }
}

runWorker('predict', (raw, ctx) => predict(raw as PredictJobParams, ctx));
