/**
 * The run config ssro_torch.train reads (its module docstring lists every field) and the files a run folder holds,
 * shared by the core (which lays out a model's folder), the train worker and the training benchmark.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Augmentation, LrSchedule, ModelArchitecture, ModelTarget, TrainDevice, TrainingBalance, TtaMode } from '../../../main/shared/models';
import type { SplitInfo } from '../../../main/shared/splits';
import type { AnnulusLogParams, TrainingTransform } from '../../../main/shared/model-transform';
import { writeNpy } from '../npy';
import { randomSplit } from '../datasets/random-split';

export interface TrainConfig {
  datasetDir: string;
  splitFile: string;
  outDir: string;
  datasetId: number | null;
  model: ModelArchitecture;
  target: ModelTarget;
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  seed: number;
  device: TrainDevice;
  /** torch.set_num_threads; null = the cores the process may use. */
  threads: number | null;
  imagenetWeights: string | null;
  initStateDict: string | null;
  /** At most one batch event per this many seconds. */
  progressSeconds: number;
  augment?: boolean;
  /** Which augmentation runs when augment is on (ssro_torch: 'detector' on raw patterns, 'paper' on inputs). */
  augmentation?: Augmentation;
  /** The input transform (default annulus-log) and its constants (null = defaults). */
  transform?: TrainingTransform;
  transformParams?: AnnulusLogParams | null;
  /** Deep-ensemble members trained together (default 1). */
  members?: number;
  bestAfterEpoch?: number;
  plateauPatience?: number;
  numWorkers?: number;
  /** False: the run stops after metrics.json (no ONNX file; a sweep cell). */
  exportOnnx?: boolean;
  /**
   * Optional engine keys, sent only when they differ from the engine's defaults (ENGINE_TRAINING_DEFAULTS), so a
   * run made before they existed keeps its config and checkpoint fingerprint.
   */
  schedule?: LrSchedule;
  minLr?: number;
  warmupEpochs?: number;
  emaDecay?: number | null;
  tta?: TtaMode;
  /** 67: every other k-node of the dataset's grid; left out = the dataset's side. */
  inputSide?: number;
  /** 'structure': every training structure weighs alike in the loss; left out = 'none'. */
  balance?: TrainingBalance;
  /** The split record (splits.ts), kept by the engine in metrics.json and the ONNX metadata; left out for old runs. */
  splitInfo?: SplitInfo | null;
}

/** Files of a model folder (models/<uuid>/) and of its run folder (run/, the engine's outDir). */
export const MODEL_FILES = {
  split: 'split.npy',
  config: 'config.json',
  run: 'run',
  importedOnnx: 'model.onnx',
} as const;

export const RUN_FILES = {
  last: 'last.pt',
  best: 'best.pt',
  history: 'history.json',
  metrics: 'metrics.json',
  valPredictions: 'val_predictions.npy',
  onnx: 'model.onnx',
  /** Written by the train worker: one row per reported batch (the engine keeps only per-epoch history). */
  batches: 'batches.csv',
} as const;

/**
 * Writes split.npy for a dataset of `sampleCount` patterns: the dataset's own seeded random 80/20 split
 * (random-split.ts), int8 0 = train, 1 = validation. Training and sweeps use split-plan.ts (blocked by default); this
 * stays for runs that ask for the random split without a dataset folder at hand.
 */
export function writeSplitFile(file: string, sampleCount: number, seed: number): { trainCount: number; validationCount: number } {
  const split = randomSplit(sampleCount, { seed });
  const values = new Int8Array(split.split.buffer, split.split.byteOffset, split.split.length);
  const temp = `${file}.${process.pid}.tmp`;
  writeNpy(temp, values);
  fs.renameSync(temp, file);
  return { trainCount: split.trainCount, validationCount: split.validationCount };
}

/** One epoch of history.json (ssro_torch.train). */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valMae: number | null;
  valRmse: number | null;
  valR2: number | null;
  lr: number;
  nextLr?: number;
  seconds?: number;
  best?: boolean;
}

export interface RunHistory {
  bestEpoch: number | null;
  bestValLoss?: number | null;
  epochs: EpochRecord[];
}

/** history.json of a run folder, or null before the first epoch finished. */
export function readRunHistory(runDir: string): RunHistory | null {
  const file = path.join(runDir, RUN_FILES.history);
  if (!fs.existsSync(file)) return null;
  const value = JSON.parse(fs.readFileSync(file, 'utf8')) as RunHistory;
  if (!Array.isArray(value.epochs)) throw new Error(`${file}: no epochs list`);
  return value;
}

/** A history record as a row of the 'training' series (TRAINING_SERIES_COLUMNS); missing values are NaN. */
export function epochRow(e: Partial<EpochRecord>): number[] {
  const n = (v: number | null | undefined): number => (typeof v === 'number' ? v : Number.NaN);
  return [n(e.epoch), n(e.trainLoss), n(e.valLoss), n(e.valMae), n(e.valRmse), n(e.valR2), n(e.lr)];
}

/** batches.csv rows (BATCH_SERIES_COLUMNS); empty when the file does not exist. */
export function readBatchRows(runDir: string): number[][] {
  const file = path.join(runDir, RUN_FILES.batches);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim().length > 0)
    .map((line) => line.split(',').map((v) => (v === '' ? Number.NaN : Number(v))));
}
