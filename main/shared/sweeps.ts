/**
 * Probe-size sweeps (papers/000 Fig. 7): one job trains every architecture on every cylinder probe (radius × height)
 * of a sweep dataset and keeps each cell's validation RMSE, for the two RMSE heatmaps. Shared by the core, the CLI,
 * the sweep worker and the renderer.
 */
import { z } from 'zod';
import { fitMetricsSchema, MODEL_ARCHITECTURES, TRAIN_DEVICES, type FitMetrics, type ModelArchitecture } from './models';
import { splitFields, type SplitKind } from './splits';

const id = z.number().int().positive();

export const sweepRequestSchema = z
  .object({
    datasetId: id,
    name: z.string().trim().min(1).max(200).optional(),
    /** Architectures to compare (Fig. 7: the base CNN and ResNet-18). */
    models: z.array(z.enum(MODEL_ARCHITECTURES)).min(1).max(MODEL_ARCHITECTURES.length).default(['basecnn', 'resnet18']),
    /** Epochs per cell (every cell is trained the same way, so their RMSEs compare). */
    epochs: z.number().int().min(1).max(10_000).default(30),
    batchSize: z.number().int().min(1).max(4096).default(64),
    lr: z.number().positive().max(10).default(1e-3),
    seed: z.number().int().min(0).max(2 ** 53 - 1).default(42),
    device: z.enum(TRAIN_DEVICES).default('auto'),
    /**
     * How each probe's patterns split (splits.ts; every probe size gets its own split since extents differ). Left out =
     * blocked with the defaults; a stored sweep records what it used, and one without these fields used random.
     */
    split: splitFields.split.optional(),
    splitAxis: splitFields.splitAxis.optional(),
    splitGuardA: splitFields.splitGuardA.optional(),
    validationFraction: splitFields.validationFraction.optional(),
    holdoutStructures: splitFields.holdoutStructures.optional(),
  })
  .strict()
  .refine((r) => new Set(r.models).size === r.models.length, { message: 'each model once', path: ['models'] })
  .refine((r) => r.split !== 'structure' || (r.holdoutStructures ?? []).length > 0, { message: 'split "structure" needs the structures to hold out (holdoutStructures)', path: ['holdoutStructures'] })
  .refine((r) => r.split === 'structure' || (r.holdoutStructures ?? []).length === 0, { message: 'holdoutStructures apply to split "structure" only', path: ['holdoutStructures'] });
export type SweepRequest = z.output<typeof sweepRequestSchema>;

export const SWEEP_CELL_STATES = ['pending', 'done', 'failed'] as const;
export type SweepCellState = (typeof SWEEP_CELL_STATES)[number];

/** One (probe, architecture) training run of a sweep. */
export interface SweepCell {
  /** Folder name of the cell's run inside the sweep folder, e.g. 'basecnn-r5-h20'. */
  key: string;
  architecture: ModelArchitecture;
  radiusA: number;
  heightA: number;
  state: SweepCellState;
  trainCount: number;
  validationCount: number;
  /** Best epoch's validation metrics (d units); null until the cell is done. */
  validation: FitMetrics | null;
  bestEpoch: number | null;
  seconds: number | null;
  error: string | null;
}

export const sweepCellSchema = z.object({
  key: z.string(),
  architecture: z.enum(MODEL_ARCHITECTURES),
  radiusA: z.number(),
  heightA: z.number(),
  state: z.enum(SWEEP_CELL_STATES),
  trainCount: z.number().int().nonnegative(),
  validationCount: z.number().int().nonnegative(),
  validation: fitMetricsSchema.nullable(),
  bestEpoch: z.number().int().nullable(),
  seconds: z.number().nullable(),
  error: z.string().nullable(),
}) satisfies z.ZodType<SweepCell>;

/** 'running' while its job owns it; 'incomplete' after a cancel/failure/crash (resumable); 'complete' when every cell is done. */
export const SWEEP_STATES = ['running', 'incomplete', 'complete'] as const;
export type SweepState = (typeof SWEEP_STATES)[number];

export interface SweepSummary {
  id: number;
  name: string;
  datasetId: number | null;
  params: SweepRequest;
  state: SweepState;
  cells: SweepCell[];
  createdAt: string;
  updatedAt: string;
  jobId: number | null;
}

export const sweepSummarySchema = z.object({
  id,
  name: z.string(),
  datasetId: z.number().int().nullable(),
  params: z.object({
    datasetId: id,
    name: z.string().optional(),
    models: z.array(z.enum(MODEL_ARCHITECTURES)),
    epochs: z.number().int(),
    batchSize: z.number().int(),
    lr: z.number(),
    seed: z.number().int(),
    device: z.enum(TRAIN_DEVICES),
    split: splitFields.split.optional(),
    splitAxis: splitFields.splitAxis.optional(),
    splitGuardA: splitFields.splitGuardA.optional(),
    validationFraction: splitFields.validationFraction.optional(),
    holdoutStructures: splitFields.holdoutStructures.optional(),
  }),
  state: z.enum(SWEEP_STATES),
  cells: z.array(sweepCellSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  jobId: z.number().int().nullable(),
}) satisfies z.ZodType<SweepSummary>;

/** The split kind a stored sweep used: what it records, or random for sweeps made before splits were chosen. */
export function sweepSplitKind(params: Pick<SweepRequest, 'split'>): SplitKind {
  return params.split ?? 'random';
}

/** Columns of a sweep job's live table ('cells'): one row per finished cell (architecture as its index in MODEL_ARCHITECTURES). */
export const SWEEP_SERIES_COLUMNS = ['cell', 'architecture', 'radiusA', 'heightA', 'valRmse', 'valMae', 'valR2', 'bestEpoch', 'seconds'] as const;

/** The cell key of an architecture and a cylinder probe ('resnet18-r5-h20'; decimals kept: 'r2.5'). */
export function sweepCellKey(architecture: ModelArchitecture, radiusA: number, heightA: number): string {
  return `${architecture}-r${radiusA}-h${heightA}`;
}
