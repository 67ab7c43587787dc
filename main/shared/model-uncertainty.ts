/**
 * What a model records so that every prediction carries an uncertainty and a frame unlike the training data is
 * flagged (docs/science.md "Uncertainty"): the deep-ensemble calibration (σ = sigmaScale × the members' spread) and
 * the feature statistics of the training inputs (a Mahalanobis distance on ring statistics of the model input).
 * Written by ssro_torch/export.py, read by native-workers/lib/models/ and shown by the CLI and the GUI.
 *
 * Pure TypeScript + zod with no Node import.
 */
import { z } from 'zod';

export const ensembleInfoSchema = z.object({
  members: z.number().int().min(2).max(64),
  /** σ(d) = sigmaScale × the population standard deviation of the members' d. */
  sigmaScale: z.number().positive().finite(),
  /** Frames with σ above this are out of distribution (the members disagree far beyond validation). */
  sigmaThreshold: z.number().positive().finite(),
  calibration: z
    .object({
      method: z.string(),
      count: z.number().int().nonnegative(),
      spearman: z.number().nullable(),
      coverage1: z.number().nullable(),
      coverage2: z.number().nullable(),
    })
    .passthrough(),
});
export type EnsembleInfo = z.output<typeof ensembleInfoSchema>;

/** Ring statistics of the model input: mean and population std of y in `bins` equal-width rings of |K|. */
export const OOD_FEATURES = 'ring-stats-v1' as const;

export const oodInfoSchema = z
  .object({
    features: z.literal(OOD_FEATURES),
    bins: z.number().int().min(1).max(64),
    mean: z.array(z.number().finite()),
    /** (2·bins)² row-major: the inverse of the regularised covariance of the training features. */
    precision: z.array(z.number().finite()),
    /** Flag frames whose squared Mahalanobis distance exceeds this. */
    threshold: z.number().positive().finite(),
    quantiles: z.record(z.string(), z.number()).optional(),
  })
  .refine((o) => o.mean.length === 2 * o.bins && o.precision.length === 4 * o.bins * o.bins, {
    message: 'ood.mean needs 2·bins values and ood.precision (2·bins)²',
  });
export type OodInfo = z.output<typeof oodInfoSchema>;
