/**
 * Learned models of d and their predictions (papers/000 §2.3, DESIGN.md "Training"): the training and prediction
 * requests with the paper's defaults, the model and prediction records, and the evaluation a GUI draws Fig. 6 and
 * Fig. 8 from. Shared by the core, the CLI, the workers and the renderer.
 */
import { z } from 'zod';
import { annulusLogParamsSchema, DEFAULT_TRANSFORM, modelPreprocessingSchema, TRAINING_TRANSFORMS, type ModelPreprocessing } from './model-transform';
import { DEFAULT_SPLIT_REQUEST, splitFields } from './splits';

export { modelPreprocessingSchema, type ModelPreprocessing } from './model-transform';

/** 'compactcnn': a small network (tens of M multiply-adds) meant as a deep-ensemble member. */
export const MODEL_ARCHITECTURES = ['resnet18', 'basecnn', 'compactcnn', 'invariant-mlp'] as const;
export type ModelArchitecture = (typeof MODEL_ARCHITECTURES)[number];

/** What a model's output holds: d itself, or 1 − d (the authors' convention, their published checkpoints). */
export const MODEL_TARGETS = ['one_minus_d', 'd'] as const;
export type ModelTarget = (typeof MODEL_TARGETS)[number];

/**
 * Training augmentation: 'detector' simulates what a detector adds to the raw pattern before the transform
 * (geometry, blur, dose and Poisson counts, background, a direct-beam disc; ssro_torch/detector_augment.py);
 * 'paper' is papers/000 §2.3's pipeline on the transformed input (rotation, autocontrast, Gaussian noise, sharpness).
 */
export const AUGMENTATIONS = ['detector', 'paper'] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];

/** Deep-ensemble size limit: members are trained side by side in one run. */
export const MAX_ENSEMBLE_MEMBERS = 16;

export const TRAIN_DEVICES = ['auto', 'cpu', 'cuda', 'mps'] as const;
export type TrainDevice = (typeof TRAIN_DEVICES)[number];

/** Learning-rate schedules: 'cosine' (per batch from lr to minLr over the run, after a linear warm-up) or 'plateau' (halve on a plateau). */
export const LR_SCHEDULES = ['cosine', 'plateau'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** Test-time augmentation: 'd4' averages over the 8 symmetries of the square. */
export const TTA_MODES = ['none', 'd4'] as const;
export type TtaMode = (typeof TTA_MODES)[number];

/** Input sides: 133 = the dataset's full k-grid; 67 = every other k-node (Δk doubled, same kmax). */
export const INPUT_SIDES = [133, 67] as const;
export type InputSide = (typeof INPUT_SIDES)[number];

/**
 * What ssro_torch.train uses when a config leaves these keys out. The core sends them only when they differ, so a
 * run's config (and the fingerprint of its checkpoints) is what it was before the keys existed whenever it can be.
 */
export const ENGINE_TRAINING_DEFAULTS = { schedule: 'cosine', minLr: 1e-5, warmupEpochs: 1, emaDecay: 0.999, tta: 'none', inputSide: 133, balance: 'none' } as const;

/**
 * How training rows weigh in the loss: 'none' (each row alike), 'structure' (each training structure alike, so a
 * few large structures or many small crystals do not drown the rest) or 'label' (by the rarity of the row's d, so
 * the few probes across an interface are not drowned by the crystal and glass majority); weights average 1.
 */
export const TRAINING_BALANCES = ['none', 'structure', 'label'] as const;
export type TrainingBalance = (typeof TRAINING_BALANCES)[number];

/**
 * 'training' while a train job owns the run folder; 'incomplete' after a cancel, failure or crash (the run folder is
 * kept and can be resumed); 'trained' once the job exported the best model; 'imported' for models from elsewhere.
 */
export const MODEL_STATES = ['training', 'incomplete', 'trained', 'imported'] as const;
export type ModelState = (typeof MODEL_STATES)[number];

export const MODEL_SOURCES = ['trained', 'imported-onnx', 'imported-torch'] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];

/** Columns of a train job's per-epoch live table ('training'); losses in target units, metrics in d units. */
export const TRAINING_SERIES_COLUMNS = ['epoch', 'trainLoss', 'valLoss', 'valMae', 'valRmse', 'valR2', 'lr'] as const;
/** Columns of a train job's per-batch live table ('batches'), a few rows per second at most. */
export const BATCH_SERIES_COLUMNS = ['epoch', 'batch', 'batches', 'loss', 'lr', 'imagesPerSecond'] as const;

/** Inference batch size: large enough to keep both cores busy, small enough for a few hundred MB of activations. */
export const DEFAULT_PREDICT_BATCH = 64;

const id = z.number().int().positive();
const filePath = z.string().trim().min(1, 'a path is required').max(4096);

export const trainingRequestSchema = z
  .object({
    datasetId: id,
    name: z.string().trim().min(1).max(200).optional(),
    model: z.enum(MODEL_ARCHITECTURES).default('resnet18'),
    target: z.enum(MODEL_TARGETS).default('one_minus_d'),
    /** Total epochs (paper: up to 400). */
    epochs: z.number().int().min(1).max(100_000).default(400),
    batchSize: z.number().int().min(1).max(4096).default(64),
    lr: z.number().positive().max(10).default(1e-3),
    weightDecay: z.number().min(0).max(1).default(1e-5),
    seed: z.number().int().min(0).max(2 ** 53 - 1).default(42),
    device: z.enum(TRAIN_DEVICES).default('auto'),
    /** A torchvision ResNet-18 ImageNet state_dict file to start from (never downloaded); resnet18 only. */
    imagenetWeights: filePath.nullable().default(null),
    /** A full state_dict of the chosen architecture to start from (e.g. the authors' checkpoint). */
    initStateDict: filePath.nullable().default(null),
    /** How raw patterns become inputs (model-transform.ts); annulus-log is invariant to the detector's scale. */
    transform: z.enum(TRAINING_TRANSFORMS).default(DEFAULT_TRANSFORM),
    /** annulus-log constants; null = the defaults. */
    transformParams: annulusLogParamsSchema.nullable().default(null),
    augment: z.boolean().default(true),
    augmentation: z.enum(AUGMENTATIONS).default('detector'),
    /** Deep-ensemble members trained together; more than one gives every prediction a σ. */
    members: z.number().int().min(1).max(MAX_ENSEMBLE_MEMBERS).default(1),
    /** The best checkpoint is kept from this epoch on (earlier bests are provisional; the authors': 10). */
    bestAfterEpoch: z.number().int().min(0).max(100_000).default(10),
    /** Epochs without improvement before the learning rate is halved (the authors': 20); schedule 'plateau' only. */
    plateauPatience: z.number().int().min(0).max(100_000).default(20),
    schedule: z.enum(LR_SCHEDULES).default(ENGINE_TRAINING_DEFAULTS.schedule),
    /** The cosine schedule's final learning rate. */
    minLr: z.number().min(0).max(10).default(ENGINE_TRAINING_DEFAULTS.minLr),
    /** Epochs of linear learning-rate warm-up (cosine). */
    warmupEpochs: z.number().int().min(0).max(100_000).default(ENGINE_TRAINING_DEFAULTS.warmupEpochs),
    /** Exponential moving average of the weights (validation and export use it); null = off. */
    emaDecay: z.number().min(0).lt(1).nullable().default(ENGINE_TRAINING_DEFAULTS.emaDecay),
    tta: z.enum(TTA_MODES).default(ENGINE_TRAINING_DEFAULTS.tta),
    inputSide: z.union([z.literal(133), z.literal(67)]).default(ENGINE_TRAINING_DEFAULTS.inputSide),
    balance: z.enum(TRAINING_BALANCES).default(ENGINE_TRAINING_DEFAULTS.balance),
    /** How the dataset splits into training and validation probes (splits.ts); blocked by default. */
    split: splitFields.split.default(DEFAULT_SPLIT_REQUEST.split),
    splitAxis: splitFields.splitAxis.default(DEFAULT_SPLIT_REQUEST.splitAxis),
    splitGuardA: splitFields.splitGuardA.default(DEFAULT_SPLIT_REQUEST.splitGuardA),
    validationFraction: splitFields.validationFraction.default(DEFAULT_SPLIT_REQUEST.validationFraction),
    holdoutStructures: splitFields.holdoutStructures.default([]),
  })
  .strict()
  .refine((r) => r.split !== 'structure' || r.holdoutStructures.length > 0, { message: 'split "structure" needs the structures to hold out (holdoutStructures)', path: ['holdoutStructures'] })
  .refine((r) => r.split === 'structure' || r.holdoutStructures.length === 0, { message: 'holdoutStructures apply to split "structure" only', path: ['holdoutStructures'] })
  .refine((r) => r.schedule !== 'cosine' || r.minLr <= r.lr, { message: 'minLr must not exceed lr (the cosine schedule decays from lr to minLr)', path: ['minLr'] })
  .refine((r) => r.transformParams === null || r.transform === 'annulus-log', { message: 'transformParams apply to the annulus-log transform only', path: ['transformParams'] })
  .refine((r) => !(r.imagenetWeights && r.initStateDict), { message: 'give imagenetWeights or initStateDict, not both', path: ['initStateDict'] })
  .refine((r) => !r.imagenetWeights || r.model === 'resnet18', { message: 'ImageNet weights apply to resnet18 only', path: ['imagenetWeights'] });
export type TrainingRequest = z.output<typeof trainingRequestSchema>;

/** MAE, RMSE and R² in d units; R² is null when the true values are constant, all null without samples. */
export interface FitMetrics {
  count: number;
  mae: number | null;
  rmse: number | null;
  r2: number | null;
}

export const fitMetricsSchema = z.object({
  count: z.number().int().nonnegative(),
  mae: z.number().nullable(),
  rmse: z.number().nullable(),
  r2: z.number().nullable(),
}) satisfies z.ZodType<FitMetrics>;

/** One structure's fit on one side of the split (metrics.json `structures`), with its regions. */
export interface StructureFitMetrics extends FitMetrics {
  name: string;
  regions: Record<string, FitMetrics>;
}

const structureFitMetricsSchema = fitMetricsSchema.extend({ name: z.string(), regions: z.record(z.string(), fitMetricsSchema).default({}) });

/** Split side → structure index (as text) → metrics. */
export interface StructureMetrics {
  train: Record<string, StructureFitMetrics>;
  validation: Record<string, StructureFitMetrics>;
}

const structureMetricsSchema = z.object({
  train: z.record(z.string(), structureFitMetricsSchema).default({}),
  validation: z.record(z.string(), structureFitMetricsSchema).default({}),
});

/** The per-structure metrics of a model's metrics record, or null when it has none (or they do not parse). */
export function structureMetricsOf(metrics: Record<string, unknown> | null): StructureMetrics | null {
  if (metrics === null || metrics.structures === undefined) return null;
  const parsed = structureMetricsSchema.safeParse(metrics.structures);
  return parsed.success ? parsed.data : null;
}

export interface ModelSummary {
  id: number;
  name: string;
  /** 'resnet18' | 'basecnn', or what an imported model says (any text; 'unknown' when not given). */
  architecture: string;
  target: ModelTarget;
  source: ModelSource;
  state: ModelState;
  /** The dataset a trained model learned from (null for imports, or when it was deleted). */
  datasetId: number | null;
  /** The training request (trained models) or what was given at import. */
  params: Record<string, unknown>;
  preprocessing: ModelPreprocessing | null;
  /** Best-model metrics of a trained model (metrics.json: train, validation, per region); null otherwise. */
  metrics: Record<string, unknown> | null;
  /** Absolute path of the model's ONNX file; null until a train job finished. */
  onnxPath: string | null;
  sha256: string | null;
  createdAt: string;
  updatedAt: string;
  /** The job that made it (the latest train job for a resumed run). */
  jobId: number | null;
}

export const modelSummarySchema = z.object({
  id,
  name: z.string(),
  architecture: z.string(),
  target: z.enum(MODEL_TARGETS),
  source: z.enum(MODEL_SOURCES),
  state: z.enum(MODEL_STATES),
  datasetId: z.number().int().nullable(),
  params: z.record(z.string(), z.unknown()),
  preprocessing: modelPreprocessingSchema.nullable(),
  metrics: z.record(z.string(), z.unknown()).nullable(),
  onnxPath: z.string().nullable(),
  sha256: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  jobId: z.number().int().nullable(),
}) satisfies z.ZodType<ModelSummary>;

/**
 * What to import: an ONNX model (ours carries its preprocessing; a foreign one needs target, kmaxInvA and deltaKInvA,
 * never guessed) or a PyTorch state_dict of one of our architectures (e.g. the authors' checkpoint; needs everything).
 */
export const modelImportRequestSchema = z
  .object({
    path: filePath,
    name: z.string().trim().min(1).max(200).optional(),
    architecture: z.string().trim().min(1).max(100).optional(),
    target: z.enum(MODEL_TARGETS).optional(),
    kmaxInvA: z.number().positive().max(10).optional(),
    deltaKInvA: z.number().positive().max(1).optional(),
    /**
     * The transform the imported model expects, when the file does not record one: 'log1-globalmax' with the
     * training set's maximum of log(max(I, 1)) for checkpoints of the paper authors' code.
     */
    transform: z.enum(['log1-minmax', 'log1-globalmax']).optional(),
    globalLogMax: z.number().positive().finite().optional(),
  })
  .strict()
  .refine((r) => (r.transform === 'log1-globalmax') === (r.globalLogMax !== undefined), {
    message: 'log1-globalmax needs globalLogMax (the maximum of log(max(I, 1)) over the training set), and globalLogMax needs log1-globalmax',
    path: ['globalLogMax'],
  });
export type ModelImportRequest = z.output<typeof modelImportRequestSchema>;

/** Which patterns a prediction runs on. */
export const predictionInputSchema = z.discriminatedUnion('kind', [
  /**
   * A project dataset: every pattern, or one side of its split — the split a model trained with when it learned
   * from this dataset (its split.npy; excluded probes are on neither side), else the dataset's seeded random split.
   */
  z.object({ kind: z.literal('dataset'), datasetId: id, split: z.enum(['all', 'train', 'validation']).default('all') }).strict(),
  /** A .npy stack of raw intensities, (N, S, S) or (S, S), float32 or float64 (as `ssro diffract --raw` writes). */
  z.object({ kind: z.literal('npy'), path: filePath }).strict(),
  /** A dataset export folder (diffraction_patterns.npy holds model inputs already; export.json says so). */
  z.object({ kind: z.literal('export'), dir: filePath }).strict(),
]);
export type PredictionInput = z.output<typeof predictionInputSchema>;

export const predictionRequestSchema = z
  .object({
    modelId: id,
    input: predictionInputSchema,
    name: z.string().trim().min(1).max(200).optional(),
    batchSize: z.number().int().min(1).max(4096).default(DEFAULT_PREDICT_BATCH),
  })
  .strict();
export type PredictionRequest = z.output<typeof predictionRequestSchema>;

export interface PredictionSummary {
  id: number;
  name: string;
  /** Null when the model was deleted since (the provenance still names it and its checksum). */
  modelId: number | null;
  datasetId: number | null;
  input: PredictionInput;
  count: number;
  /** Model id, name, sha256, target and preprocessing, input files, onnxruntime version, threads, timings. */
  provenance: Record<string, unknown>;
  /** Overall, per split and per region metrics when the inputs have labels (datasets); null otherwise. */
  metrics: PredictionMetrics | null;
  createdAt: string;
  jobId: number | null;
}

export interface PredictionMetrics {
  overall: FitMetrics;
  /** The split the model trained with when it learned from this dataset, else the dataset's seeded random split. */
  splits: { train: FitMetrics; validation: FitMetrics };
  /** Region kind (grain, actr, interior) → metrics, over every predicted pattern and per split. */
  regions: Record<string, FitMetrics>;
  regionsBySplit: { train: Record<string, FitMetrics>; validation: Record<string, FitMetrics> };
  splitSeed: number;
  /** True when the model was trained on this dataset (then 'validation' are patterns it never learned from). */
  trainedOnThisDataset: boolean;
}

const metricsByRegion = z.record(z.string(), fitMetricsSchema);

export const predictionMetricsSchema = z.object({
  overall: fitMetricsSchema,
  splits: z.object({ train: fitMetricsSchema, validation: fitMetricsSchema }),
  regions: metricsByRegion,
  regionsBySplit: z.object({ train: metricsByRegion, validation: metricsByRegion }),
  splitSeed: z.number().int(),
  trainedOnThisDataset: z.boolean(),
}) satisfies z.ZodType<PredictionMetrics>;

export const predictionSummarySchema = z.object({
  id,
  name: z.string(),
  modelId: z.number().int().nullable(),
  datasetId: z.number().int().nullable(),
  input: predictionInputSchema,
  count: z.number().int().nonnegative(),
  provenance: z.record(z.string(), z.unknown()),
  metrics: predictionMetricsSchema.nullable(),
  createdAt: z.string(),
  jobId: z.number().int().nullable(),
}) satisfies z.ZodType<PredictionSummary>;

/** A 2-D Gaussian kernel density estimate on a regular grid (Fig. 6's contours). */
export interface DensityGrid {
  /** Grid node coordinates along x (true d) and y (predicted d). */
  x: number[];
  y: number[];
  /** Density at (x[i], y[j]) stored at values[j · x.length + i] (row j = y[j]); integrates to ≈ 1. */
  values: number[];
  /** How the kernel was chosen: Scott's rule, factor n^(−1/6), covariance = factor² · sample covariance. */
  bandwidth: { rule: 'scott'; factor: number; covariance: [[number, number], [number, number]] };
  count: number;
}

export const densityGridSchema = z.object({
  x: z.array(z.number()),
  y: z.array(z.number()),
  values: z.array(z.number()),
  bandwidth: z.object({
    rule: z.literal('scott'),
    factor: z.number(),
    covariance: z.tuple([z.tuple([z.number(), z.number()]), z.tuple([z.number(), z.number()])]),
  }),
  count: z.number().int(),
}) satisfies z.ZodType<DensityGrid>;

/** Predicted and true d along one strip of a scan (Fig. 8), in scan order. */
export interface StripProfile {
  structureId: number | null;
  structure: string;
  zone: number;
  probe: number;
  /** 'strip' = distance along a line scan from its start; 'x' | 'y' | 'z' = probe centre coordinate (grid scans). */
  axis: 'strip' | 'x' | 'y' | 'z';
  /** Row of a multi-row line scan (0 for a single strip). */
  row: number;
  positionA: number[];
  trueD: number[];
  predictedD: number[];
  /** Majority region code per point (REGION_KINDS index; null unknown) for shading grain / ACTR / interior. */
  region: (number | null)[];
  /** Patterns averaged into each point (1 for a line scan; the scan rows sharing a coordinate for a grid). */
  count: number[];
}

export const stripProfileSchema = z.object({
  structureId: z.number().int().nullable(),
  structure: z.string(),
  zone: z.number().int(),
  probe: z.number().int(),
  axis: z.enum(['strip', 'x', 'y', 'z']),
  row: z.number().int(),
  positionA: z.array(z.number()),
  trueD: z.array(z.number()),
  predictedD: z.array(z.number()),
  region: z.array(z.number().nullable()),
  count: z.array(z.number().int()),
}) satisfies z.ZodType<StripProfile>;

/** Everything a model page needs about one prediction of a labelled dataset. */
export interface PredictionEvaluation {
  metrics: PredictionMetrics;
  /** (true, predicted) pairs for a parity scatter; a seeded subsample when there are more than the limit. */
  parity: { index: number[]; trueD: number[]; predictedD: number[]; split: number[]; sampled: boolean; total: number };
  density: DensityGrid | null;
  profiles: StripProfile[];
}

export const predictionEvaluationSchema = z.object({
  metrics: predictionMetricsSchema,
  parity: z.object({
    index: z.array(z.number().int()),
    trueD: z.array(z.number()),
    predictedD: z.array(z.number()),
    split: z.array(z.number().int()),
    sampled: z.boolean(),
    total: z.number().int(),
  }),
  density: densityGridSchema.nullable(),
  profiles: z.array(stripProfileSchema),
}) satisfies z.ZodType<PredictionEvaluation>;
