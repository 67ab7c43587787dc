/**
 * What a model file says about itself: our 'ssro' ONNX metadata when it has it; for a foreign ONNX model, the
 * metadata built from the preprocessing the user states (never guessed), checked against the graph's input shape.
 */
import { patternSide } from '../../../main/shared/diffraction';
import type { ModelTarget } from '../../../main/shared/models';
import { preprocessingRecord, type ModelPreprocessing, type TransformSpec } from '../../../main/shared/model-transform';
import { readOnnxGraph, shapeText, type OnnxGraphInfo } from './onnx-graph';
import { readSsroModelMetadata, type SsroModelMetadata } from './onnx-metadata';

/** What a foreign model needs to be usable: its output units and the k-grid it was trained on. */
export interface StatedPreprocessing {
  target?: ModelTarget | undefined;
  kmaxInvA?: number | undefined;
  deltaKInvA?: number | undefined;
  architecture?: string | undefined;
  /** The input transform (default log1-minmax, what the paper describes); log1-globalmax needs globalLogMax. */
  transform?: 'log1-minmax' | 'log1-globalmax' | undefined;
  globalLogMax?: number | undefined;
}

export class MissingPreprocessingError extends Error {
  constructor(
    readonly file: string,
    readonly missing: string[],
    names: { target: string; kmaxInvA: string; deltaKInvA: string },
  ) {
    super(
      `${file} carries no SSRO metadata, so how its inputs were made is unknown; give ${missing.map((m) => names[m as keyof typeof names]).join(', ')}: ` +
        `the target (${names.target}: d or one_minus_d — what the output means), and the k-grid of the training patterns ` +
        `(${names.kmaxInvA} and ${names.deltaKInvA} in Å⁻¹; the input side must be 2·floor(kmax/Δk) + 1). ` +
        `The authors' published models: one_minus_d, kmax 1.0, Δk 0.015.`,
    );
    this.name = 'MissingPreprocessingError';
  }
}

/** The model's single pattern input: [batch, 1, S, S] (or [batch, S, S]); S when the graph fixes it, else null. */
export function inputSideOf(graph: OnnxGraphInfo, file: string): number | null {
  if (graph.inputs.length !== 1) throw new Error(`${file}: the model has ${graph.inputs.length} inputs (${graph.inputs.map((i) => i.name).join(', ')}); a d model takes one stack of patterns`);
  const input = graph.inputs[0] as OnnxGraphInfo['inputs'][number];
  if (input.elementType !== 'float32') throw new Error(`${file}: input ${input.name} is ${input.elementType}; patterns are float32`);
  const shape = input.shape;
  if (shape === null) return null;
  const ok = (shape.length === 4 && (shape[1] === 1 || shape[1] === null || typeof shape[1] === 'string')) || shape.length === 3;
  if (!ok) throw new Error(`${file}: input ${input.name} has shape ${shapeText(shape)}; expected [batch, 1, S, S]`);
  const h = shape.at(-2);
  const w = shape.at(-1);
  if (typeof h === 'number' && typeof w === 'number') {
    if (h !== w) throw new Error(`${file}: input ${input.name} is ${h}×${w}; patterns are square`);
    return h;
  }
  return null;
}

/**
 * Our metadata for a foreign model from the stated preprocessing; refuses (naming every missing item) rather than
 * guess, and refuses a k-grid whose side does not match the graph's input.
 */
export function foreignModelMetadata(
  file: string,
  bytes: Uint8Array,
  stated: StatedPreprocessing,
  names = { target: 'target', kmaxInvA: 'kmaxInvA', deltaKInvA: 'deltaKInvA' },
  source: Record<string, unknown> = {},
): SsroModelMetadata {
  const missing = (['target', 'kmaxInvA', 'deltaKInvA'] as const).filter((k) => stated[k] === undefined);
  if (missing.length > 0) throw new MissingPreprocessingError(file, missing, names);
  const graph = readOnnxGraph(bytes);
  const graphSide = inputSideOf(graph, file);
  const kmaxInvA = stated.kmaxInvA as number;
  const deltaKInvA = stated.deltaKInvA as number;
  const side = patternSide({ kmaxInvA, deltaKInvA });
  if (graphSide !== null && graphSide !== side) {
    throw new Error(`${file}: the model's input is ${graphSide}×${graphSide}, but kmax ${kmaxInvA} / Δk ${deltaKInvA} gives ${side}×${side} patterns; check the k-grid it was trained on`);
  }
  if (stated.transform === 'log1-globalmax' && stated.globalLogMax === undefined) {
    throw new Error(`${file}: the log1-globalmax transform needs its constant, the maximum of log(max(I, 1)) over the model's training set (globalLogMax)`);
  }
  const spec: TransformSpec = stated.transform === 'log1-globalmax' ? { transform: 'log1-globalmax', globalLogMax: stated.globalLogMax as number } : { transform: 'log1-minmax' };
  const preprocessing: ModelPreprocessing = preprocessingRecord(spec, { side, kmaxInvA, deltaKInvA });
  const input = graph.inputs[0] as OnnxGraphInfo['inputs'][number];
  const output = graph.outputs[0];
  return {
    format: 'ssro-model',
    version: 1,
    architecture: stated.architecture ?? 'unknown',
    target: stated.target as ModelTarget,
    input: { name: input.name, shape: (input.shape ?? ['batch', 1, side, side]).map((d) => d ?? 'batch') },
    output: { name: output?.name ?? '', shape: (output?.shape ?? ['batch', 1]).map((d) => d ?? 'batch'), units: stated.target as ModelTarget },
    preprocessing,
    trainingDatasetId: null,
    metrics: null,
    epochs: null,
    bestEpoch: null,
    seed: null,
    source: { kind: 'imported-onnx', statedBy: 'user', producer: graph.producer, ...source },
    torch: null,
    createdAt: new Date().toISOString(),
  };
}

/**
 * The description of a model: its own metadata, or one built from the stated preprocessing. Stated values that
 * contradict the model's own metadata are refused (the metadata is what the model was trained with).
 */
export function describeModel(file: string, bytes: Uint8Array, stated: StatedPreprocessing = {}, names?: { target: string; kmaxInvA: string; deltaKInvA: string }): { metadata: SsroModelMetadata; own: boolean } {
  const own = readSsroModelMetadata(bytes);
  if (own === null) return { metadata: foreignModelMetadata(file, bytes, stated, names), own: false };
  const conflicts: string[] = [];
  if (stated.target !== undefined && stated.target !== own.target) conflicts.push(`target ${own.target}`);
  if (stated.kmaxInvA !== undefined && own.preprocessing.kmaxInvA !== null && Math.abs(stated.kmaxInvA - own.preprocessing.kmaxInvA) > 1e-9) conflicts.push(`kmax ${own.preprocessing.kmaxInvA}`);
  if (stated.deltaKInvA !== undefined && own.preprocessing.deltaKInvA !== null && Math.abs(stated.deltaKInvA - own.preprocessing.deltaKInvA) > 1e-9) conflicts.push(`Δk ${own.preprocessing.deltaKInvA}`);
  if (conflicts.length > 0) throw new Error(`${file} records its own preprocessing (${conflicts.join(', ')}), which differs from what was given; leave those out`);
  return { metadata: own, own: true };
}
