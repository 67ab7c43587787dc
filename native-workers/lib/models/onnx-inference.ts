/**
 * Runs a d model with onnxruntime-node on the CPU: one session whose intra-op threads use both cores (two
 * single-threaded sessions on alternate batches measured half as fast: onnxruntime-node runs them one after the
 * other), patterns preprocessed with the model's own recorded transform and fed in batches, outputs converted from
 * the model's target (d or 1 − d) to d.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DEFAULT_PREDICT_BATCH, type ModelTarget } from '../../../main/shared/models';
import { describeModel, type StatedPreprocessing } from './model-description';
import { ensembleMembers, type SsroModelMetadata } from './onnx-metadata';
import { ensembleD } from './uncertainty';
import type { PatternSource } from './pattern-sources';

/** Both cores of the reference machine; more threads than cores only adds contention. */
export const DEFAULT_INFERENCE_THREADS = 2;

export interface InferenceModel {
  file: string;
  sha256: string;
  metadata: SsroModelMetadata;
  /** False when the metadata was built from preprocessing the user stated (a foreign model). */
  ownMetadata: boolean;
  session: ort.InferenceSession;
  inputName: string;
  outputName: string;
  /** Intra-op threads. */
  threads: number;
  /** Frees the session's native memory. */
  release(): Promise<void>;
}

export interface LoadOptions {
  /** Intra-op threads (default both cores). */
  threads?: number;
  /** For a model without our metadata: its preprocessing (required then; refused when it contradicts ours). */
  stated?: StatedPreprocessing;
  /** How the stated fields are called where the user gives them (e.g. CLI flags), for the refusal message. */
  statedNames?: { target: string; kmaxInvA: string; deltaKInvA: string };
}

export async function loadInferenceModel(file: string, options: LoadOptions = {}): Promise<InferenceModel> {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such model file`);
  const bytes = new Uint8Array(fs.readFileSync(file));
  const { metadata, own } = describeModel(file, bytes, options.stated, options.statedNames);
  const threads = Math.max(1, Math.floor(options.threads ?? DEFAULT_INFERENCE_THREADS));
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // 'all' includes the layout transforms (NCHWc) that make convolutions fast on the CPU: ×2 over 'extended'.
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new Error(`${file}: onnxruntime cannot load the model (${(error as Error).message})`);
  }
  const inputName = session.inputNames.includes(metadata.input.name) ? metadata.input.name : (session.inputNames[0] as string);
  const outputName = session.outputNames.includes(metadata.output.name) ? metadata.output.name : (session.outputNames[0] as string);
  return {
    file,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    metadata,
    ownMetadata: own,
    session,
    inputName,
    outputName,
    threads,
    release: () => session.release(),
  };
}

/**
 * The members' outputs (target units) for `count` model inputs stored back to back (count · side² float32):
 * count × members values, row-major (members = 1 for a single model).
 */
export async function runModelMembers(model: InferenceModel, inputs: Float32Array, count: number): Promise<Float32Array> {
  const side = model.metadata.preprocessing.side;
  if (inputs.length !== count * side * side) throw new Error(`${count} patterns of ${side}×${side} need ${count * side * side} values, got ${inputs.length}`);
  const members = ensembleMembers(model.metadata);
  const rank = model.metadata.input.shape.length === 3 ? [count, side, side] : [count, 1, side, side];
  const feeds = { [model.inputName]: new ort.Tensor('float32', inputs, rank) };
  const result = await model.session.run(feeds);
  const output = result[model.outputName];
  if (output === undefined) throw new Error(`${model.file}: the model returned no output ${model.outputName}`);
  const data = output.data;
  if (!(data instanceof Float32Array) || data.length !== count * members) {
    const expected = members === 1 ? 'a d model gives one float per pattern' : `an ensemble of ${members} members gives ${members} floats per pattern`;
    throw new Error(`${model.file}: output ${model.outputName} has ${String(data.length)} values of type ${output.type} for ${count} patterns; ${expected}`);
  }
  return data;
}

/** Model outputs (target units; an ensemble's mean) for `count` model inputs stored back to back. */
export async function runModelInputs(model: InferenceModel, inputs: Float32Array, count: number): Promise<Float32Array> {
  const outputs = await runModelMembers(model, inputs, count);
  const members = ensembleMembers(model.metadata);
  if (members === 1) return outputs;
  const mean = new Float32Array(count);
  for (let f = 0; f < count; f++) {
    let sum = 0;
    for (let m = 0; m < members; m++) sum += outputs[f * members + m] as number;
    mean[f] = sum / members;
  }
  return mean;
}

/** d and, for a calibrated ensemble, σ(d) of `count` model inputs stored back to back. */
export async function predictFrames(model: InferenceModel, inputs: Float32Array, count: number): Promise<{ d: Float32Array; sigma: Float32Array | null }> {
  const outputs = await runModelMembers(model, inputs, count);
  return ensembleD(outputs, count, ensembleMembers(model.metadata), model.metadata.target, model.metadata.ensemble ?? null);
}

export interface InferenceOptions {
  batchSize?: number;
  /** Called after every batch with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Checked between batches; true stops with an Error('cancelled'). */
  isCancelled?: () => boolean;
}

/** Outputs (target units) for the patterns `indices` of `source` (all of them by default), in that order. */
export async function predictSource(model: InferenceModel, source: PatternSource, indices?: ArrayLike<number>, options: InferenceOptions = {}): Promise<Float32Array> {
  const side = model.metadata.preprocessing.side;
  if (source.side !== side) throw new Error(`${source.location}: patterns are ${source.side}×${source.side}, the model reads ${side}×${side}`);
  const total = indices ? indices.length : source.count;
  const batchSize = options.batchSize ?? DEFAULT_PREDICT_BATCH;
  const pixels = side * side;
  const outputs = new Float32Array(total);
  const buffer = new Float32Array(Math.min(batchSize, Math.max(total, 1)) * pixels);
  for (let start = 0; start < total; start += batchSize) {
    if (options.isCancelled?.()) throw new Error('cancelled');
    const count = Math.min(batchSize, total - start);
    for (let k = 0; k < count; k++) {
      const index = indices ? (indices[start + k] as number) : start + k;
      source.readModelInput(index, buffer.subarray(k * pixels, (k + 1) * pixels));
    }
    const input = count * pixels === buffer.length ? buffer : buffer.subarray(0, count * pixels);
    outputs.set(await runModelInputs(model, input, count), start);
    options.onProgress?.(start + count, total);
  }
  return outputs;
}

/** Model outputs → d (float64: 1 − d is undone in double precision). */
/** d and, for an ensemble, σ(d) of the patterns `indices` of `source` (all by default), in that order. */
export async function predictSourceD(model: InferenceModel, source: PatternSource, indices?: ArrayLike<number>, options: InferenceOptions = {}): Promise<{ d: Float64Array; sigma: Float64Array | null }> {
  const side = model.metadata.preprocessing.side;
  if (source.side !== side) throw new Error(`${source.location}: patterns are ${source.side}×${source.side}, the model reads ${side}×${side}`);
  const total = indices ? indices.length : source.count;
  const batchSize = options.batchSize ?? DEFAULT_PREDICT_BATCH;
  const pixels = side * side;
  const d = new Float64Array(total);
  let sigma: Float64Array | null = null;
  const buffer = new Float32Array(Math.min(batchSize, Math.max(total, 1)) * pixels);
  for (let start = 0; start < total; start += batchSize) {
    if (options.isCancelled?.()) throw new Error('cancelled');
    const count = Math.min(batchSize, total - start);
    for (let k = 0; k < count; k++) source.readModelInput(indices ? (indices[start + k] as number) : start + k, buffer.subarray(k * pixels, (k + 1) * pixels));
    const batch = await predictFrames(model, count * pixels === buffer.length ? buffer : buffer.subarray(0, count * pixels), count);
    d.set(batch.d, start);
    if (batch.sigma) {
      sigma ??= new Float64Array(total);
      sigma.set(batch.sigma, start);
    }
    options.onProgress?.(start + count, total);
  }
  return { d, sigma };
}

export function outputsToD(outputs: ArrayLike<number>, target: ModelTarget): Float64Array {
  const d = new Float64Array(outputs.length);
  for (let i = 0; i < outputs.length; i++) d[i] = target === 'd' ? (outputs[i] as number) : 1 - (outputs[i] as number);
  return d;
}
