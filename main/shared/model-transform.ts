/**
 * How a raw pattern becomes a model's input: the transforms a model can record, their parameters and their
 * descriptions. The arithmetic is in native-workers/lib/diffraction/model-input.ts (TypeScript) and
 * native-workers/train/python/ssro_torch/transforms.py (training); docs/science.md explains the choice.
 *
 * - 'annulus-log' (transform v2, the default for new models): invariant to a global intensity scale and blind to
 *   the direct beam. m = mean of I over beamMask ≤ |K| < kmax; y = log(1 + I/(c·m)) / log(1 + R/c) clipped to
 *   [0, 1] there, 0 inside the beam mask and beyond kmax.
 * - 'log1-minmax' (v1, the paper's description): log(max(I, 1)), then per-pattern min–max to [0, 1]. Depends on the
 *   intensity unit (the clip at 1) and on the direct beam (the maximum); kept so older models map as they were made.
 * - 'log1-globalmax': log(max(I, 1)) divided by a constant, the training set's maximum — what the paper authors'
 *   own code does; recorded with its constant when their checkpoints are imported.
 *
 * Pure TypeScript + zod with no Node import: shared by the core, the workers and the renderer.
 */
import { z } from 'zod';

export const MODEL_TRANSFORMS = ['annulus-log', 'log1-minmax', 'log1-globalmax'] as const;
export type ModelTransform = (typeof MODEL_TRANSFORMS)[number];

/** Transforms a new training run may use (log1-globalmax only describes imported checkpoints). */
export const TRAINING_TRANSFORMS = ['annulus-log', 'log1-minmax'] as const;
export type TrainingTransform = (typeof TRAINING_TRANSFORMS)[number];

export const DEFAULT_TRANSFORM: TrainingTransform = 'annulus-log';

/**
 * annulus-log defaults. The beam mask (0.1 Å⁻¹) is about the Airy disc of a nanobeam probe and well inside the first
 * halo of a metallic glass (≈ 0.4 Å⁻¹); c = 0.05 resolves the dark field between speckles (I ≈ 0.1 m maps to
 * log 3 / log 1001 ≈ 0.16) without making counting noise at low dose dominate; R = 50 is above the brightest
 * speckle of a glass (speckle intensities are roughly exponentially distributed about a mean of a few m).
 */
export const ANNULUS_LOG_DEFAULTS = { beamMaskInvA: 0.1, floorRatio: 0.05, ceilingRatio: 50 } as const;

export const annulusLogParamsSchema = z
  .object({
    beamMaskInvA: z.number().min(0).max(5).default(ANNULUS_LOG_DEFAULTS.beamMaskInvA),
    floorRatio: z.number().positive().max(100).default(ANNULUS_LOG_DEFAULTS.floorRatio),
    ceilingRatio: z.number().positive().max(1e6).default(ANNULUS_LOG_DEFAULTS.ceilingRatio),
  })
  .strict();
export type AnnulusLogParams = z.output<typeof annulusLogParamsSchema>;

/** What the arithmetic needs: the transform with its constants (no grid). */
export type TransformSpec =
  | { transform: 'log1-minmax' }
  | { transform: 'log1-globalmax'; globalLogMax: number }
  | ({ transform: 'annulus-log' } & AnnulusLogParams);

/** The transform's grid: side always; kmax and Δk are needed by annulus-log. */
export interface TransformGrid {
  side: number;
  kmaxInvA: number | null;
  deltaKInvA: number | null;
}

export type ModelInputSpec = TransformSpec & TransformGrid;

const count = z.number().int().positive();
const finitePositive = z.number().positive().finite();

/**
 * A model's recorded preprocessing (the `preprocessing` of its metadata). Older records of log1-minmax models have
 * exactly the fields of the first variant, so they still parse.
 */
export const modelPreprocessingSchema = z.discriminatedUnion('transform', [
  z.object({
    transform: z.literal('log1-minmax'),
    side: count,
    kmaxInvA: finitePositive.nullable(),
    deltaKInvA: finitePositive.nullable(),
    logClip: z.number(),
    normalisation: z.string(),
  }),
  z.object({
    transform: z.literal('log1-globalmax'),
    side: count,
    kmaxInvA: finitePositive.nullable(),
    deltaKInvA: finitePositive.nullable(),
    logClip: z.number(),
    globalLogMax: finitePositive,
    normalisation: z.string(),
  }),
  z.object({
    transform: z.literal('annulus-log'),
    version: z.literal(2),
    side: count,
    kmaxInvA: finitePositive,
    deltaKInvA: finitePositive,
    beamMaskInvA: z.number().min(0).max(5),
    floorRatio: z.number().positive(),
    ceilingRatio: z.number().positive(),
    normalisation: z.string(),
  }),
]);
export type ModelPreprocessing = z.output<typeof modelPreprocessingSchema>;

export const ANNULUS_LOG_NORMALISATION =
  'log(1 + I/(c·m)) / log(1 + R/c) clipped to [0,1]; m = mean of I over beamMask ≤ |K| < kmax; 0 inside the beam mask and beyond kmax';
export const LOG1_MINMAX_NORMALISATION = 'per-pattern min-max to [0,1]';
export const LOG1_GLOBALMAX_NORMALISATION = "log(max(I, 1)) / globalLogMax (the training set's maximum)";

/** The preprocessing record of a transform on a grid (what training and import write). */
export function preprocessingRecord(spec: TransformSpec, grid: TransformGrid): ModelPreprocessing {
  switch (spec.transform) {
    case 'log1-minmax':
      return { transform: 'log1-minmax', ...grid, logClip: 1, normalisation: LOG1_MINMAX_NORMALISATION };
    case 'log1-globalmax':
      return { transform: 'log1-globalmax', ...grid, logClip: 1, globalLogMax: spec.globalLogMax, normalisation: LOG1_GLOBALMAX_NORMALISATION };
    case 'annulus-log': {
      if (grid.kmaxInvA === null || grid.deltaKInvA === null) throw new Error('the annulus-log transform needs the k-grid (kmax and Δk)');
      return {
        transform: 'annulus-log',
        version: 2,
        side: grid.side,
        kmaxInvA: grid.kmaxInvA,
        deltaKInvA: grid.deltaKInvA,
        beamMaskInvA: spec.beamMaskInvA,
        floorRatio: spec.floorRatio,
        ceilingRatio: spec.ceilingRatio,
        normalisation: ANNULUS_LOG_NORMALISATION,
      };
    }
  }
}

/** The transform's constants of a recorded preprocessing. */
export function transformSpecOf(p: ModelPreprocessing): TransformSpec {
  switch (p.transform) {
    case 'log1-minmax':
      return { transform: 'log1-minmax' };
    case 'log1-globalmax':
      return { transform: 'log1-globalmax', globalLogMax: p.globalLogMax };
    case 'annulus-log':
      return { transform: 'annulus-log', beamMaskInvA: p.beamMaskInvA, floorRatio: p.floorRatio, ceilingRatio: p.ceilingRatio };
  }
}

/** One line for people (CLI `model info`, the GUI's model facts). */
export function describeTransform(spec: TransformSpec): string {
  switch (spec.transform) {
    case 'log1-minmax':
      return 'log1-minmax (v1): log(max(I, 1)), per-pattern min–max to [0, 1]; depends on intensity units and the direct beam';
    case 'log1-globalmax':
      return `log1-globalmax: log(max(I, 1)) / ${spec.globalLogMax} (the training set's maximum)`;
    case 'annulus-log':
      return `annulus-log (v2): beam masked below ${spec.beamMaskInvA} Å⁻¹; log(1 + I/(${spec.floorRatio}·m)) / log(1 + ${spec.ceilingRatio}/${spec.floorRatio}), m = mean I over the annulus to kmax; scale-invariant`;
  }
}
