/**
 * One experimental frame → the model's input, following a stored recipe (main/shared/preprocess-recipe.ts), in this order:
 *
 *   quality check (raw) → dark subtraction → bad pixels and mask → beam centre → TV denoising → resampling onto the
 *   model's k-grid → the model's transform (the one the model records, native-workers/lib/diffraction/model-input.ts)
 *
 * TV denoising comes before resampling. papers/000 Fig. 10 says the images "were denoised using total variation
 * denoising … Prior to model input, images were resized to 133×133 and pixel intensities were normalized to the
 * [0, 1] range": denoising on the recorded pixels, then the resize. It also matters numerically: on the detector
 * grid TV removes counting noise pixel by pixel, which is what the weight 0.1 was tuned for; after an area-averaging
 * downsample the noise is already averaged and the same weight would smooth away real speckle. The weight is
 * relative to the value range of the pixels the model sees (the halo, the direct beam excluded) by default;
 * main/shared/preprocess-recipe.ts DENOISE_SCALES says why.
 */
import { ANNULUS_LOG_DEFAULTS, transformSpecOf, type ModelPreprocessing } from '../../../../main/shared/model-transform';
import { modelInputFor } from '../../diffraction/model-input';
import type { MicroscopyInfo, StoredDtype } from '../frame-source';
import {
  calibrationFromHalo,
  calibrationFromMetadata,
  calibrationFromRing,
  CalibrationError,
  manualCalibration,
  type Calibration,
  type ReferenceProfile,
} from './calibration';
import { centreOfMass, xcorrCentre, type BeamCentre } from './centre';
import { combineMasks, dtypeMaximum, fillMaskedPixels, findBadPixels, frameQuality, subtractDark, type FrameQuality } from './defects';
import { resampleToModelGrid } from './resample';
import { preprocessRecipeSchema, type PreprocessRecipe } from '../../../../main/shared/preprocess-recipe';
import { createTvWorkspace, denoiseTvChambolle, type TvWorkspace } from './tv-denoise';

export { preprocessRecipeSchema, type PreprocessRecipe, type PreprocessRecipeInput } from '../../../../main/shared/preprocess-recipe';

/** The recipe's model section from a model's recorded preprocessing; refuses a model without a k-grid. */
export function recipeModelFromPreprocessing(preprocessing: ModelPreprocessing): PreprocessRecipe['model'] {
  if (preprocessing.kmaxInvA === null || preprocessing.deltaKInvA === null) {
    throw new Error('the model records no k-grid (kmax, Δk): experimental patterns cannot be put on its grid; re-import it with kmax and Δk');
  }
  return preprocessRecipeSchema.shape.model.parse({
    kmaxInvA: preprocessing.kmaxInvA,
    deltaKInvA: preprocessing.deltaKInvA,
    side: preprocessing.side,
    ...transformSpecOf(preprocessing),
  });
}

/**
 * The inner radius (Å⁻¹) of what the model sees: the transform's beam mask, or for transforms without one the
 * annulus-log default (used to keep the direct beam out of the TV weight and of the vacuum check).
 */
export function beamMaskInvA(model: PreprocessRecipe['model']): number {
  return model.transform === 'annulus-log' ? model.beamMaskInvA : ANNULUS_LOG_DEFAULTS.beamMaskInvA;
}

/** Fraction of a frame's counts that must fall outside the beam mask for it to count as a specimen, not vacuum. */
export const MIN_HALO_FRACTION = 1e-4;

export interface HaloStatistics {
  /** Pixels with beamMask ≤ |K| < kmax about the centre. */
  pixels: number;
  /** Of those, pixels at or above the saturation level (0 without one). */
  saturated: number;
  min: number;
  max: number;
  sum: number;
  /** Sum of the whole frame. */
  total: number;
}

/** Statistics of the detector pixels the model sees (beamMask ≤ |K| < kmax about `centre`). */
export function haloStatistics(frame: ArrayLike<number>, rows: number, cols: number, centre: BeamCentre, invAPerPixel: number, model: PreprocessRecipe['model'], saturationLevel: number | null = null): HaloStatistics {
  const inner = (beamMaskInvA(model) / invAPerPixel) ** 2;
  const outer = (model.kmaxInvA / invAPerPixel) ** 2;
  let pixels = 0;
  let saturated = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const dr2 = (r - centre.row) ** 2;
    for (let c = 0; c < cols; c++) {
      const v = frame[r * cols + c] as number;
      total += v;
      const q2 = dr2 + (c - centre.col) ** 2;
      if (q2 < inner || q2 >= outer) continue;
      pixels += 1;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
      if (saturationLevel !== null && v >= saturationLevel) saturated += 1;
    }
  }
  return { pixels, saturated, min, max, sum, total };
}

/** `mask` (may be null) with every pixel closer than `radiusPx` to the centre set, in the workspace's buffer. */
function withBeamMasked(mask: Uint8Array | null, rows: number, cols: number, centre: BeamCentre, radiusPx: number, ws: PreprocessWorkspace): Uint8Array {
  const out = ws.beamMask;
  if (mask) out.set(mask);
  else out.fill(0);
  const r2 = radiusPx * radiusPx;
  const r0 = Math.max(0, Math.floor(centre.row - radiusPx));
  const r1 = Math.min(rows - 1, Math.ceil(centre.row + radiusPx));
  const c0 = Math.max(0, Math.floor(centre.col - radiusPx));
  const c1 = Math.min(cols - 1, Math.ceil(centre.col + radiusPx));
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) if ((r - centre.row) ** 2 + (c - centre.col) ** 2 < r2) out[r * cols + c] = 1;
  return out;
}

/**
 * Model-grid nodes (inside kmax) whose detector position lies off the detector, for the transform to leave out of
 * its normalisation; null when every node is on the detector. Same geometry as resampleToModelGrid.
 */
function nodesOffDetector(rows: number, cols: number, centre: BeamCentre, invAPerPixel: number, model: PreprocessRecipe['model']): Uint8Array | null {
  const side = model.side;
  const n = (side - 1) / 2;
  const f = model.deltaKInvA / invAPerPixel;
  const on = (value: number, count: number): boolean => value >= -0.5 && value <= count - 0.5;
  let mask: Uint8Array | null = null;
  for (let row = 0; row < side; row++) {
    const rowOn = on(centre.row + (row - n) * f, rows);
    for (let col = 0; col < side; col++) {
      if (rowOn && on(centre.col + (col - n) * f, cols)) continue;
      mask ??= new Uint8Array(side * side);
      mask[row * side + col] = 1;
    }
  }
  return mask;
}

/** Finds the centre of one frame (or of a scan's mean frame) as the recipe says. */
export function findCentre(frame: ArrayLike<number>, rows: number, cols: number, centre: PreprocessRecipe['centre'], mask: Uint8Array | null = null): BeamCentre {
  switch (centre.method) {
    case 'fixed':
      return { row: centre.row as number, col: centre.col as number };
    case 'com': {
      const found = centreOfMass(frame, rows, cols, {
        mask,
        radiusPx: centre.radiusPx,
        ...(centre.relativeThreshold !== null ? { relativeThreshold: centre.relativeThreshold } : {}),
      });
      return { row: found.row, col: found.col };
    }
    case 'xcorr': {
      const found = xcorrCentre(frame, rows, cols, { mask, radiusPx: centre.radiusPx });
      return { row: found.row, col: found.col };
    }
  }
}

export interface CalibrationInputs {
  info?: Pick<MicroscopyInfo, 'detectorAxes' | 'beamEnergyKeV' | 'cameraLengthMm'>;
  /** A frame (best: the mean of many) with its centre, for 'ring' and 'halo'. */
  frame?: { values: ArrayLike<number>; rows: number; cols: number; centre: BeamCentre; mask?: Uint8Array | null };
  /** The simulated reference profile, for 'halo'. */
  reference?: ReferenceProfile;
}

/** Resolves the recipe's calibration to a number (Å⁻¹/px) and a description; says what is missing otherwise. */
export function resolveCalibration(calibration: PreprocessRecipe['calibration'], inputs: CalibrationInputs): Calibration {
  switch (calibration.method) {
    case 'manual':
      return manualCalibration(calibration.invAPerPixel as number);
    case 'metadata': {
      if (!inputs.info) throw new CalibrationError('a metadata calibration needs the file information');
      return calibrationFromMetadata({
        detectorAxes: inputs.info.detectorAxes,
        beamEnergyKeV: calibration.beamEnergyKeV ?? inputs.info.beamEnergyKeV,
        cameraLengthMm: calibration.cameraLengthMm ?? inputs.info.cameraLengthMm,
        detectorPixelSizeUm: calibration.detectorPixelSizeUm ?? null,
      });
    }
    case 'ring': {
      const f = inputs.frame;
      if (!f) throw new CalibrationError('a ring calibration needs a frame (the mean frame is best) and its centre');
      const result = calibrationFromRing(f.values, f.rows, f.cols, f.centre, {
        ringKInvA: calibration.ringKInvA as number,
        mask: f.mask ?? null,
        ...(calibration.searchPx ? { searchPx: calibration.searchPx } : {}),
      });
      return { invAPerPixel: result.invAPerPixel, method: result.method, detail: result.detail };
    }
    case 'halo': {
      const f = inputs.frame;
      if (!f) throw new CalibrationError('a halo calibration needs a frame (the mean frame is best) and its centre');
      if (!inputs.reference) throw new CalibrationError('a halo calibration needs a simulated reference profile');
      const result = calibrationFromHalo(f.values, f.rows, f.cols, f.centre, inputs.reference, {
        mask: f.mask ?? null,
        ...(calibration.searchPx ? { searchPx: calibration.searchPx } : {}),
      });
      return { invAPerPixel: result.invAPerPixel, method: result.method, detail: result.detail };
    }
  }
}

export interface PreprocessContext {
  /** The stored dtype (its maximum counts as saturated). */
  dtype?: StoredDtype;
  /** The dark frame the recipe names, loaded. */
  dark?: Float32Array | null;
  /** The mask the recipe names, loaded (1 = ignore). */
  mask?: Uint8Array | null;
  /** Bad pixels found on the scan's mean frame (findBadPixels); without it they are looked for on each frame. */
  badPixels?: Uint8Array | null;
  /** The scan's centre, when centre.perFrame is false (found once with findCentre on the mean frame). */
  centre?: BeamCentre | null;
  /** The resolved calibration (else recipe.calibration.invAPerPixel). */
  invAPerPixel?: number | null;
  /** Return the intermediate images (for the GUI's step-by-step preview). */
  keepSteps?: boolean;
  /** Buffers reused from frame to frame (createPreprocessWorkspace). */
  workspace?: PreprocessWorkspace;
}

export interface PreprocessStep {
  name: 'raw' | 'dark-subtracted' | 'defects-corrected' | 'denoised' | 'resampled' | 'model-input';
  image: Float32Array;
  rows: number;
  cols: number;
}

/** A frame's flag after preprocessing: the raw quality check's, or 'vacuum' when its halo holds no counts. */
export type PreprocessFlag = FrameQuality['flag'] | 'vacuum';
export type PreprocessQuality = Omit<FrameQuality, 'flag'> & { flag: PreprocessFlag };

export interface PreprocessResult {
  /** side² values in [0, 1]; all zeros when the frame is 'empty' or 'non-finite' (check quality.flag first). */
  modelInput: Float32Array;
  steps: PreprocessStep[];
  quality: PreprocessQuality;
  /** The centre used (null when the frame was not processed). */
  centre: BeamCentre | null;
  /** Model-grid nodes inside kmax that fell outside the detector (they are 0). */
  outsideFraction: number;
  /** TV iterations (0 without denoising). */
  denoiseIterations: number;
  /** Bad or masked pixels replaced by a neighbour median, and those left at 0 (no unmasked neighbour). */
  filledPixels: number;
  unfilledPixels: number;
}

export interface PreprocessWorkspace {
  readonly frameSize: number;
  readonly side: number;
  readonly work: Float32Array;
  readonly scratch: Float32Array;
  readonly tv: TvWorkspace;
  readonly resampled: Float32Array;
  /** The source mask with the direct beam added (one per frame size). */
  readonly beamMask: Uint8Array;
}

export function createPreprocessWorkspace(rows: number, cols: number, side: number): PreprocessWorkspace {
  const frameSize = rows * cols;
  return {
    frameSize,
    side,
    work: new Float32Array(frameSize),
    scratch: new Float32Array(frameSize),
    tv: createTvWorkspace(frameSize),
    resampled: new Float32Array(side * side),
    beamMask: new Uint8Array(frameSize),
  };
}

/**
 * Runs the recipe on one frame (rows × cols, row-major). The recipe should have gone through
 * preprocessRecipeSchema.parse. Throws when the recipe cannot run (no calibration, no scan centre for
 * perFrame = false, sizes that do not match) — never for a bad frame, which comes back flagged.
 */
export function preprocessFrame(frame: ArrayLike<number>, shape: readonly [number, number], recipe: PreprocessRecipe, context: PreprocessContext = {}): PreprocessResult {
  const [rows, cols] = shape;
  const size = rows * cols;
  if (frame.length !== size) throw new Error(`the frame holds ${frame.length} values, but its shape ${rows} × ${cols} needs ${size}`);
  const side = recipe.model.side;
  const invAPerPixel = context.invAPerPixel ?? recipe.calibration.invAPerPixel;
  if (invAPerPixel === null || !(invAPerPixel > 0)) {
    throw new CalibrationError(`the ${recipe.calibration.method} calibration has not been resolved to a pixel size (Å⁻¹/px): calibrate before preprocessing`);
  }
  if (!recipe.centre.perFrame && recipe.centre.method !== 'fixed' && !context.centre) {
    throw new Error("centre.perFrame is false: find the scan's centre once (findCentre on the mean frame) and pass it as context.centre");
  }
  const ws = context.workspace ?? createPreprocessWorkspace(rows, cols, side);
  if (ws.frameSize !== size || ws.side !== side) throw new Error(`the preprocessing workspace is for ${ws.frameSize} pixels and side ${ws.side}, not ${size} and ${side}`);
  const steps: PreprocessStep[] = [];
  const keep = (name: PreprocessStep['name'], image: Float32Array, r: number, c: number): void => {
    if (context.keepSteps) steps.push({ name, image: Float32Array.from(image), rows: r, cols: c });
  };
  if (context.keepSteps) steps.push({ name: 'raw', image: Float32Array.from(frame), rows, cols });

  const quality = frameQuality(frame, {
    ...(context.dtype ? { dtype: context.dtype } : {}),
    saturationValue: recipe.quality.saturationValue,
    maxSaturatedFraction: recipe.quality.maxSaturatedFraction,
    shape: [rows, cols],
  });
  const empty = new Float32Array(side * side);
  if (quality.flag === 'non-finite' || quality.flag === 'empty') {
    return { modelInput: empty, steps, quality, centre: null, outsideFraction: 0, denoiseIterations: 0, filledPixels: 0, unfilledPixels: 0 };
  }

  // 1. Dark subtraction.
  const work = ws.work;
  if (context.dark) {
    subtractDark(frame, context.dark, work);
    keep('dark-subtracted', work, rows, cols);
  } else {
    for (let k = 0; k < size; k++) work[k] = frame[k] as number;
  }

  // 2. Bad pixels and the user's mask: replaced by their neighbours' median; pixels that could not be filled stay
  //    masked for the centre and the resampling.
  let badPixels: Uint8Array | null = null;
  if (recipe.hotPixels.enabled) badPixels = context.badPixels ?? findBadPixels(work, rows, cols, { threshold: recipe.hotPixels.threshold }).mask;
  if (context.mask && context.mask.length !== size) throw new Error(`the mask holds ${context.mask.length} values, the frame ${size}`);
  const mask = combineMasks(badPixels, context.mask);
  let filledPixels = 0;
  let unfilledPixels = 0;
  let residualMask: Uint8Array | null = null;
  if (mask) {
    const filled = fillMaskedPixels(work, rows, cols, mask, { out: ws.scratch });
    work.set(filled.image);
    filledPixels = filled.filled;
    unfilledPixels = filled.unfilled;
    residualMask = filled.unfilledMask;
    if (filledPixels > 0 || unfilledPixels > 0) keep('defects-corrected', work, rows, cols);
  }

  // 3. Beam centre.
  const centre = recipe.centre.perFrame || recipe.centre.method === 'fixed' ? findCentre(work, rows, cols, recipe.centre, residualMask) : (context.centre as BeamCentre);

  // 4. Saturation matters where the model looks: a frame flagged for saturated pixels is mapped after all when they
  //    all lie inside the beam mask (a clipped direct beam or small-angle peak), and stays flagged when the halo has
  //    more than the allowed fraction. Vacuum: a frame whose counts are (almost) all in the direct beam.
  const saturationLevel = recipe.quality.saturationValue ?? (context.dtype ? dtypeMaximum(context.dtype) : null);
  const halo = haloStatistics(work, rows, cols, centre, invAPerPixel, recipe.model, saturationLevel);
  let judged: PreprocessQuality = quality;
  if (quality.flag === 'saturated' && halo.pixels > 0 && halo.saturated <= recipe.quality.maxSaturatedFraction * halo.pixels) {
    judged = {
      ...quality,
      flag: 'ok',
      detail: `${quality.saturatedCount} pixels at the saturation level ${saturationLevel}, ${halo.saturated} of them in the halo the model reads (beam mask ${beamMaskInvA(recipe.model)} Å⁻¹ to kmax): mapped`,
    };
  }
  if (halo.pixels === 0 || !(halo.sum > MIN_HALO_FRACTION * halo.total)) {
    const share = halo.total > 0 ? halo.sum / halo.total : 0;
    const vacuum: PreprocessQuality = {
      ...judged,
      flag: 'vacuum',
      detail:
        halo.pixels === 0
          ? `no detector pixel lies between the beam mask (${beamMaskInvA(recipe.model)} Å⁻¹) and kmax (${recipe.model.kmaxInvA} Å⁻¹) about the centre`
          : `the halo (${beamMaskInvA(recipe.model)}–${recipe.model.kmaxInvA} Å⁻¹) holds ${(100 * share).toPrecision(2)} % of the frame's counts, below ${100 * MIN_HALO_FRACTION} %: vacuum or no specimen`,
    };
    return { modelInput: empty, steps, quality: vacuum, centre, outsideFraction: 0, denoiseIterations: 0, filledPixels, unfilledPixels };
  }
  if (judged.flag === 'saturated') {
    judged = { ...judged, detail: `${judged.detail}; ${halo.saturated} of the halo's ${halo.pixels} pixels are saturated` };
  }

  // 5. TV denoising (on the detector grid, before resampling: see the module comment).
  let denoiseIterations = 0;
  if (recipe.denoise.method === 'tv-chambolle') {
    let weight = recipe.denoise.weight;
    if (recipe.denoise.scale === 'halo') {
      weight *= halo.max > halo.min ? halo.max - halo.min : 1;
    } else if (recipe.denoise.scale === 'range') {
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < size; k++) {
        const v = work[k]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      weight *= hi > lo ? hi - lo : 1;
    }
    const result = denoiseTvChambolle(work, rows, cols, {
      weight,
      eps: recipe.denoise.eps,
      maxIterations: recipe.denoise.maxIterations,
      workspace: ws.tv,
      out: work,
    });
    denoiseIterations = result.iterations;
    keep('denoised', work, rows, cols);
  }

  // 6. Resampling onto the model's k-grid.
  // For annulus-log the direct beam (inside the beam mask) is left out of the interpolation, so model nodes just
  // outside the mask do not pick up the beam's edge when the detector pixel is coarser than the model's. The v1
  // transforms saw the beam in their inputs (their min–max depends on it), so they get it as they always did.
  const sourceMask = recipe.model.transform === 'annulus-log' ? withBeamMasked(residualMask, rows, cols, centre, recipe.model.beamMaskInvA / invAPerPixel, ws) : residualMask;
  const resampled = resampleToModelGrid(work, rows, cols, centre, invAPerPixel, recipe.model, { mask: sourceMask, out: ws.resampled });
  keep('resampled', resampled.image, side, side);

  // 7. The model's transform (negative values after a dark subtraction read as 0); nodes off the detector are left
  //    out of annulus-log's normalisation.
  const image = resampled.image;
  const offDetector = resampled.outsideFraction > 0 ? nodesOffDetector(rows, cols, centre, invAPerPixel, recipe.model) : null;
  const input = modelInputFor(image, recipe.model, { invalid: offDetector, clampNegative: true });
  keep('model-input', input, side, side);
  return { modelInput: input, steps, quality: judged, centre, outsideFraction: resampled.outsideFraction, denoiseIterations, filledPixels, unfilledPixels };
}
