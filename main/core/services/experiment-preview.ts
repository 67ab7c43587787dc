/**
 * Looking at experimental data before mapping it (issue 6): thumbnails of a file's or folder's frames, and any
 * frame put through a recipe step by step (raw → … → model input) with the calibration, bad pixels and scan centre
 * resolved on the mean frame exactly as the map job will resolve them.
 */
import * as path from 'node:path';
import { ApiError } from '../../shared/ipc-contract';
import { readOptionsOf, type InputReadOptions, type MapRequest } from '../../shared/maps';
import { preprocessRecipeSchema, type PreprocessRecipeInput } from '../../shared/preprocess-recipe';
import { MicroscopyFileError, type FrameSource } from '../../../native-workers/lib/microscopy/frame-source';
import { datasetHaloReference, loadRecipeImages, resolveRecipe } from '../../../native-workers/lib/microscopy/mapping';
import { openMicroscopy } from '../../../native-workers/lib/microscopy/open';
import { CalibrationError } from '../../../native-workers/lib/microscopy/preprocess/calibration';
import { CentreFindingError } from '../../../native-workers/lib/microscopy/preprocess/centre';
import { preprocessFrame, recipeModelFromPreprocessing } from '../../../native-workers/lib/microscopy/preprocess/recipe';
import type { FolderFrameSource } from '../../../native-workers/lib/microscopy/readers/folder';
import type { Project } from '../project/project';
import { haloReferenceDir, requireModel } from './map-service';
import { displayStep, type DisplayStep } from './display-step';

export interface InputLocation extends InputReadOptions {
  input: string;
}

/** Opens the input; a bad file becomes the caller's error, named. */
export async function openInput(location: InputLocation): Promise<FrameSource> {
  try {
    return await openMicroscopy(path.resolve(location.input), readOptionsOf(location));
  } catch (error) {
    if (error instanceof MicroscopyFileError) throw new ApiError('invalid-request', error.message);
    throw error;
  }
}

export interface Thumbnail {
  index: number;
  /** "group/file" for a folder, "frame k (row r, column c)" for a scan. */
  label: string;
  rows: number;
  cols: number;
  /** Display values 0…255 (log of the frame above its 1st percentile, up to its 99.9th), row-major. */
  pixels: number[];
}

/** Frames spread evenly over the input (all of them when there are no more than `count`). */
export function thumbnailIndices(frameCount: number, count: number): number[] {
  if (frameCount <= count) return Array.from({ length: frameCount }, (_, i) => i);
  return Array.from({ length: count }, (_, k) => Math.min(frameCount - 1, Math.floor((k * frameCount) / count)));
}

function quantileOfSorted(sorted: Float32Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] as number;
}

/**
 * A frame reduced by block averaging to at most `size` px on its longer side, in display values: diffraction
 * patterns span decades, so log(1 + I − p1) scaled to the 99.9th percentile (a bright direct beam saturates, the
 * halo shows).
 */
export function thumbnailPixels(frame: Float32Array, rows: number, cols: number, size: number): { rows: number; cols: number; pixels: number[] } {
  const block = Math.max(1, Math.ceil(Math.max(rows, cols) / size));
  const outRows = Math.ceil(rows / block);
  const outCols = Math.ceil(cols / block);
  const sum = new Float64Array(outRows * outCols);
  const count = new Uint32Array(outRows * outCols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = frame[r * cols + c] as number;
      if (!Number.isFinite(v)) continue;
      const k = Math.floor(r / block) * outCols + Math.floor(c / block);
      sum[k] = (sum[k] as number) + v;
      count[k] = (count[k] as number) + 1;
    }
  }
  const means = Float32Array.from(sum, (s, k) => ((count[k] as number) > 0 ? s / (count[k] as number) : Number.NaN));
  const sorted = means.filter(Number.isFinite).sort();
  if (sorted.length === 0) return { rows: outRows, cols: outCols, pixels: new Array<number>(means.length).fill(0) };
  const lo = quantileOfSorted(sorted, 0.01);
  const top = Math.log1p(Math.max(quantileOfSorted(sorted, 0.999) - lo, 0));
  const pixels = Array.from(means, (v) => (Number.isFinite(v) && top > 0 ? Math.round(255 * Math.min(1, Math.log1p(Math.max(v - lo, 0)) / top)) : 0));
  return { rows: outRows, cols: outCols, pixels };
}

export async function inputThumbnails(location: InputLocation, options: { count: number; size: number }): Promise<{ frameCount: number; thumbnails: Thumbnail[] }> {
  const source = await openInput(location);
  try {
    const { info } = source;
    const [rows, cols] = info.frameShape;
    const frames = (source as Partial<FolderFrameSource>).frames;
    const nx = info.scanShape.length >= 2 ? (info.scanShape[info.scanShape.length - 1] as number) : info.frameCount;
    const frame = new Float32Array(rows * cols);
    const thumbnails = thumbnailIndices(info.frameCount, options.count).map((index): Thumbnail => {
      source.readFrame(index, frame);
      const entry = frames?.[index];
      const label = entry
        ? `${entry.group ? `${entry.group}/` : ''}${path.basename(entry.file)}`
        : info.scanShape.length >= 2
          ? `frame ${index} (row ${Math.floor(index / nx)}, column ${index % nx})`
          : `frame ${index}`;
      return { index, label, ...thumbnailPixels(frame, rows, cols, options.size) };
    });
    return { frameCount: info.frameCount, thumbnails };
  } finally {
    source.close();
  }
}

export interface InputPreviewRequest extends InputLocation {
  modelId: number;
  recipe: Record<string, unknown>;
  haloReferenceDatasetId?: number;
  index: number;
}

export interface InputFramePreview {
  index: number;
  quality: string;
  centre: { row: number; col: number } | null;
  /** How the pixel size was found on the mean frame (or why it could not be). */
  calibration: string;
  invAPerPixel: number | null;
  badPixels: number;
  meanFrameCount: number;
  denoiseIterations: number;
  steps: DisplayStep[];
}

/**
 * One frame through the recipe the map form describes, with everything resolved on the mean frame as the map job
 * resolves it. A calibration that cannot be found is not an error here: the raw frame comes back with the reason,
 * so the user sees the pattern and what to fix.
 */
export async function previewInputFrame(project: Project, request: InputPreviewRequest): Promise<InputFramePreview> {
  const { grid } = requireModel(project, request.modelId);
  const model = project.models.get(request.modelId);
  const recipeInput = { ...(request.recipe as PreprocessRecipeInput), model: recipeModelFromPreprocessing(model.preprocessing as NonNullable<typeof model.preprocessing>) };
  const checked = preprocessRecipeSchema.safeParse(recipeInput);
  if (!checked.success) throw new ApiError('invalid-request', `recipe: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const haloDir = haloReferenceDir(project, request as Pick<MapRequest, 'recipe' | 'haloReferenceDatasetId'>, grid);
  const reference = haloDir !== null ? datasetHaloReference(haloDir, grid.side, grid.deltaKInvA) : undefined;
  const source = await openInput(request);
  try {
    const { info } = source;
    const [rows, cols] = info.frameShape;
    if (!Number.isInteger(request.index) || request.index < 0 || request.index >= info.frameCount) throw new ApiError('invalid-request', `frame ${request.index} is outside 0 … ${info.frameCount - 1}`);
    const frame = source.readFrame(request.index);
    const raw = displayStep('raw', rows, cols, frame);
    const images = await loadRecipeImages(checked.data, info.frameShape).catch((error: unknown) => {
      throw error instanceof MicroscopyFileError ? new ApiError('invalid-request', error.message) : error;
    });
    let resolved: ReturnType<typeof resolveRecipe>;
    try {
      resolved = resolveRecipe(source, checked.data, reference ? { reference } : {}, images);
    } catch (error) {
      if (error instanceof CalibrationError || error instanceof CentreFindingError || error instanceof MicroscopyFileError) {
        return { index: request.index, quality: 'not processed', centre: null, calibration: error.message, invAPerPixel: null, badPixels: 0, meanFrameCount: 0, denoiseIterations: 0, steps: [raw] };
      }
      throw error;
    }
    const badPixels = resolved.badPixels ? resolved.badPixels.reduce((a, b) => a + b, 0) : 0;
    const common = { index: request.index, calibration: resolved.calibrationDetail, invAPerPixel: resolved.recipe.calibration.invAPerPixel, badPixels, meanFrameCount: resolved.meanFrameCount };
    try {
      const r = preprocessFrame(frame, info.frameShape, resolved.recipe, {
        dtype: info.dtype,
        dark: images.dark,
        badPixels: resolved.badPixels,
        centre: resolved.recipe.centre.perFrame ? null : resolved.meanCentre,
        keepSteps: true,
      });
      return { ...common, quality: r.quality.flag, centre: r.centre, denoiseIterations: r.denoiseIterations, steps: r.steps.map((st) => displayStep(st.name, st.rows, st.cols, st.image)) };
    } catch (error) {
      if (error instanceof CentreFindingError) return { ...common, quality: 'no-centre', centre: null, denoiseIterations: 0, steps: [raw] };
      throw error;
    }
  } finally {
    source.close();
  }
}
