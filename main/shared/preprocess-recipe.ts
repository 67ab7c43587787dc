/**
 * The preprocessing recipe stored with every experimental result (issue 6: "The recipe is stored with every
 * result"): what was done to each frame before the model saw it, with the paper's defaults (papers/000 Fig. 10:
 * TV denoising weight 0.1, ε 2e-4, ≤ 200 iterations; the model's own k-grid and input transform).
 *
 * Pure TypeScript + zod with no Node import: shared by the core, the workers and the renderer.
 */
import { z } from 'zod';
import { patternSide } from './diffraction';
import { ANNULUS_LOG_DEFAULTS } from './model-transform';

const filePath = z.string().trim().min(1, 'a path is required').max(4096);
const pixel = z.number().finite();

export const CENTRE_METHODS = ['com', 'xcorr', 'fixed'] as const;
export const CALIBRATION_METHODS = ['metadata', 'ring', 'halo', 'manual'] as const;
export const DENOISE_METHODS = ['none', 'tv-chambolle'] as const;
/**
 * How the TV weight relates to the frame's values. 'halo' (default): relative to the value range (max − min) of the
 * pixels the model sees, beamMask ≤ |K| < kmax around the frame's centre, so the direct beam (10³–10⁵ × the halo on
 * a detector) does not set a weight that erases the halo's speckle; invariant to the detector's scale. 'range': the weight is relative to the frame's value range
 * (max − min), as for the paper's images, which scikit-image saw in [0, 1] (8-bit figures through img_as_float);
 * identical to denoising (I − min)/(max − min) and scaling back, since Chambolle's iteration and its stopping rule
 * are invariant under I → aI + b, λ → aλ. 'absolute': the weight is in the frame's own units (counts), which is
 * what scikit-image does with a float image.
 */
export const DENOISE_SCALES = ['halo', 'range', 'absolute'] as const;

const modelGrid = {
  kmaxInvA: z.number().positive().max(10),
  deltaKInvA: z.number().positive().max(1),
  side: z.number().int().min(3).max(2049),
};

/** The recipe's model section: the grid and the transform (recipes stored before transform v2 hold log1-minmax). */
const recipeModelSchema = z
  .discriminatedUnion('transform', [
    z.object({ ...modelGrid, transform: z.literal('log1-minmax') }).strict(),
    z.object({ ...modelGrid, transform: z.literal('log1-globalmax'), globalLogMax: z.number().positive().finite() }).strict(),
    z
      .object({
        ...modelGrid,
        transform: z.literal('annulus-log'),
        beamMaskInvA: z.number().min(0).max(5).default(ANNULUS_LOG_DEFAULTS.beamMaskInvA),
        floorRatio: z.number().positive().max(100).default(ANNULUS_LOG_DEFAULTS.floorRatio),
        ceilingRatio: z.number().positive().max(1e6).default(ANNULUS_LOG_DEFAULTS.ceilingRatio),
      })
      .strict(),
  ])
  .refine((m) => patternSide(m) === m.side, { message: 'side must be 2·floor(kmax/Δk) + 1', path: ['side'] });

export const preprocessRecipeSchema = z
  .object({
    version: z.literal(1).default(1),
    /** Dark reference (a frame of the same size, subtracted first); null = none. */
    dark: filePath.nullable().default(null),
    /** Mask image (non-zero = ignore: beam stop, detector gaps); null = none. */
    mask: filePath.nullable().default(null),
    hotPixels: z
      .object({
        enabled: z.boolean().default(true),
        /** Robust standard deviations above/below the 3×3 neighbour median (defects.ts findBadPixels). */
        threshold: z.number().positive().max(1000).default(8),
      })
      .strict()
      .prefault({}),
    centre: z
      .object({
        method: z.enum(CENTRE_METHODS).default('com'),
        /** The fixed centre (method 'fixed'), or the last found one for the record. */
        row: pixel.optional(),
        col: pixel.optional(),
        /** Find the centre on every frame (else once, on the scan's mean frame). */
        perFrame: z.boolean().default(true),
        /** Centre of mass: iterate within this radius (px); xcorr: limit the symmetric window to it. null = none. */
        radiusPx: z.number().positive().nullable().default(null),
        /** Centre of mass: ignore intensity below this fraction of the frame's maximum; null = no threshold. */
        relativeThreshold: z.number().gt(0).lt(1).nullable().default(null),
      })
      .strict()
      .refine((c) => c.method !== 'fixed' || (c.row !== undefined && c.col !== undefined), { message: 'a fixed centre needs row and col', path: ['row'] })
      .prefault({}),
    calibration: z
      .object({
        method: z.enum(CALIBRATION_METHODS),
        /** The resolved pixel size (Å⁻¹/px): required for 'manual', filled in for the others once found. */
        invAPerPixel: z.number().positive().max(10).nullable().default(null),
        /** 'ring': the ring's k (Å⁻¹). */
        ringKInvA: z.number().positive().max(20).optional(),
        /** 'ring' / 'halo': radius range (px) to search. */
        searchPx: z.tuple([z.number().nonnegative(), z.number().positive()]).optional(),
        /** 'metadata' without a reciprocal calibration: the detector's physical pixel size (µm). */
        detectorPixelSizeUm: z.number().positive().max(10_000).optional(),
        /** 'metadata': override a missing beam energy (keV) / camera length (mm). */
        beamEnergyKeV: z.number().positive().max(10_000).optional(),
        cameraLengthMm: z.number().positive().max(1e6).optional(),
        /** How the value was found (calibration.ts detail), for the record. */
        detail: z.string().max(2000).optional(),
      })
      .strict()
      .refine((c) => c.method !== 'manual' || c.invAPerPixel !== null, { message: 'a manual calibration needs invAPerPixel', path: ['invAPerPixel'] })
      .refine((c) => c.method !== 'ring' || c.ringKInvA !== undefined, { message: "a ring calibration needs the ring's k (ringKInvA)", path: ['ringKInvA'] }),
    denoise: z
      .object({
        method: z.enum(DENOISE_METHODS).default('tv-chambolle'),
        weight: z.number().positive().max(1e9).default(0.1),
        eps: z.number().nonnegative().max(1).default(2e-4),
        maxIterations: z.number().int().min(1).max(10_000).default(200),
        scale: z.enum(DENOISE_SCALES).default('halo'),
      })
      .strict()
      .prefault({}),
    quality: z
      .object({
        /** The detector's saturation level in counts; null = the stored dtype's maximum. */
        saturationValue: z.number().positive().nullable().default(null),
        /** Flag a frame as saturated above this fraction of saturated pixels. */
        maxSaturatedFraction: z.number().min(0).max(1).default(0.001),
      })
      .strict()
      .prefault({}),
    /** The model's k-grid and input transform with its constants (from its recorded preprocessing). */
    model: recipeModelSchema,
  })
  .strict();

export type PreprocessRecipe = z.output<typeof preprocessRecipeSchema>;
export type PreprocessRecipeInput = z.input<typeof preprocessRecipeSchema>;
