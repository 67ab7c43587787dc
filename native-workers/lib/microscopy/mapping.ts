/**
 * Maps d over an experimental scan or folder (issue 6): every frame is read, preprocessed with a stored recipe
 * (preprocess/recipe.ts) and, unless flagged (saturated, empty, non-finite, vacuum), put through the model in batches
 * with onnxruntime; an ensemble model also gives σ(d), and a frame unlike the training inputs (feature distance, or
 * members that disagree beyond the model's threshold: models/uncertainty.ts) keeps its d but is flagged
 * 'out-of-distribution'; beside d, the virtual bright-field (direct-beam disc) and annular dark-field (halo annulus) intensity
 * of every frame, its beam centre and its flag are kept for orientation.
 *
 * Resumable: the per-frame results go to flat work files (work/*.npy, created at full size) and done.npy marks the
 * frames whose results are durable (data fsynced before the marks, as the pattern store does). A map folder with a
 * plan.json is continued; one whose plan differs (other model, input or recipe) is refused. When every frame is done,
 * the user-facing files are written (write-then-rename) with the scan's shape:
 *   d.npy (ny, nx) float32, NaN where flagged   flags.npy (ny, nx) uint8 (FRAME_FLAGS)
 *   sigma.npy (ny, nx) float32: σ(d) of an ensemble model (NaN for single models and unmapped frames)
 *   ood.npy (ny, nx) float32: the frame's squared feature distance to the training inputs (NaN when not recorded)
 *   vbf.npy, vadf.npy (ny, nx) float32         centres.npy (ny, nx, 2) float32 (row, col px)
 *   d.csv (the map as rows), d.tif (float32)   frames.csv (index, scan position, [group, file], d, flag, …)
 *   map.json (input, model, resolved recipe, calibration, counts, d statistics, timings)
 *   report.html (map-report.ts: a one-page summary with the map, its histogram, per-group box plots)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelTarget } from '../../../main/shared/models';
import { canonicalJson, fsyncDirectory, writeFileAtomic } from '../datasets/atomic-files';
import { bytesOf, createNpyFile, NpyRecords } from '../datasets/npy-records';
import { csvField } from '../datasets/dataset-export';
import { predictFrames, type InferenceModel } from '../models/onnx-inference';
import { oodDistance, oodThresholds, outOfDistributionReason, type OodThresholds } from '../models/uncertainty';
import { writeNpy } from '../npy';
import { PatternReader } from '../datasets/pattern-store';
import { MicroscopyFileError, type FrameSource, type MicroscopyInfo } from './frame-source';
import { openMicroscopy } from './open';
import { writeFloat32Tiff } from './tiff-writer';
import { writeMapReport } from './map-report';
import { MAP_FILES } from './map-files';
import type { FolderFrameSource } from './readers/folder';
import { findCentre, preprocessRecipeSchema, resolveCalibration, type PreprocessRecipe } from './preprocess/recipe';
import { findBadPixels, frameQuality, type QualityOptions } from './preprocess/defects';
import type { BeamCentre } from './preprocess/centre';
import { referenceProfileFromPattern, type ReferenceProfile } from './preprocess/calibration';
import { FRAME_FLAGS, FrameProcessor, type FrameFlag, type ProcessedFrame } from './frame-processing';
import { PreprocessPool } from './preprocess-pool';

export { FRAME_FLAGS, type FrameFlag } from './frame-processing';

export { MAP_FILES } from './map-files';

/** Virtual detectors in reciprocal space: the direct-beam disc and the amorphous-halo annulus (Å⁻¹). */
export interface VirtualDetectors {
  brightFieldMaxInvA: number;
  darkFieldInvA: [number, number];
}

export const DEFAULT_VIRTUAL_DETECTORS: VirtualDetectors = { brightFieldMaxInvA: 0.05, darkFieldInvA: [0.2, 0.8] };

export interface MapModel {
  file: string;
  sha256: string;
  architecture: string;
  target: ModelTarget;
}

/** Everything that decides the map's values; a folder is resumed only under the same plan. */
export interface MapPlan {
  input: { file: string; format: string; frameCount: number; scanShape: number[]; frameShape: [number, number]; datasetPath: string | null };
  model: MapModel;
  /** The recipe with its calibration resolved (invAPerPixel set) and, for a fixed scan centre, the centre found. */
  recipe: PreprocessRecipe;
  calibrationDetail: string;
  virtualDetectors: VirtualDetectors;
  /** Found on the scan's mean frame when centre.perFrame is false. */
  scanCentre: BeamCentre | null;
  /** How many frames went into the mean frame (bad pixels, scan centre, ring/halo calibration). */
  meanFrameCount: number;
}

export interface MapProgress {
  done: number;
  total: number;
  seconds: { read: number; preprocess: number; inference: number };
}

export interface MapOptions {
  batchSize?: number;
  datasetPath?: string | null;
  virtualDetectors?: VirtualDetectors;
  /** Frames averaged for the mean frame (spread evenly over the scan). */
  meanFrames?: number;
  onProgress?: (progress: MapProgress) => void;
  /** The simulated halo profile a 'halo' calibration fits the scan's mean frame against. */
  reference?: ReferenceProfile;
  /** Preprocessing threads (preprocess-pool.ts); 0 = in this thread. Ignored where the compiled thread script is absent. */
  threads?: number;
  isCancelled?: () => boolean;
  /** Lines for the job log (e.g. why the report could not be written). */
  log?: (line: string) => void;
  /** The report's title (default: "SSRO map of <input file>"). */
  reportTitle?: string;
}

export interface MapSummary {
  dir: string;
  frameCount: number;
  /** Frames with a d value (out-of-distribution ones included). */
  mapped: number;
  flagged: Record<FrameFlag, number>;
  d: { mean: number | null; std: number | null; min: number | null; max: number | null };
  /** Mean and largest σ(d) over mapped frames (null without an ensemble). */
  sigma: { mean: number | null; max: number | null };
  /** The thresholds frames were flagged out-of-distribution with (null when the model records none). */
  outOfDistribution: { sigmaThreshold: number | null; distanceThreshold: number | null };
  /** read and preprocess are summed over threads (thread-seconds); inference and total are wall time. */
  seconds: { read: number; preprocess: number; inference: number; total: number };
  resumedFrom: number;
  /** Preprocessing threads used (0: in the mapping thread). */
  preprocessThreads: number;
}

export class MapCancelled extends Error {
  constructor(readonly done: number, readonly total: number) {
    super(`cancelled after ${done} of ${total} frames; the mapped frames are kept`);
    this.name = 'MapCancelled';
  }
}

/**
 * The mean of up to `count` frames spread over the scan (float64 accumulation), leaving out frames the recipe's
 * quality check flags (saturated, empty, non-finite): one saturated frame would otherwise pull the centre and the
 * calibration found on the mean. When every sampled frame is saturated (a detector whose small-angle scattering
 * clips in every frame), the saturated ones are averaged instead: whether their saturation reaches the halo is
 * decided per frame, once the centre is known (preprocess/recipe.ts).
 */
export function meanFrame(source: FrameSource, count: number, quality: QualityOptions = {}): { values: Float32Array; used: number; leftOut: Record<string, number>; firstDetail: string | null } {
  const [rows, cols] = source.info.frameShape;
  const n = source.info.frameCount;
  const used = Math.max(1, Math.min(count, n));
  const sum = new Float64Array(rows * cols);
  const frame = new Float32Array(rows * cols);
  const leftOut: Record<string, number> = {};
  let firstDetail: string | null = null;
  let taken = 0;
  const saturatedSum = new Float64Array(rows * cols);
  let saturatedTaken = 0;
  for (let k = 0; k < used; k++) {
    const index = Math.min(n - 1, Math.floor(((k + 0.5) * n) / used));
    source.readFrame(index, frame);
    const q = frameQuality(frame, { ...quality, shape: [rows, cols] });
    if (q.flag !== 'ok') {
      leftOut[q.flag] = (leftOut[q.flag] ?? 0) + 1;
      firstDetail ??= `frame ${index}: ${q.detail}`;
      if (q.flag === 'saturated' && taken === 0) {
        for (let p = 0; p < frame.length; p++) saturatedSum[p] = (saturatedSum[p] as number) + (frame[p] as number);
        saturatedTaken++;
      }
      continue;
    }
    for (let p = 0; p < frame.length; p++) sum[p] = (sum[p] as number) + (frame[p] as number);
    taken++;
  }
  if (taken === 0 && saturatedTaken > 0) {
    sum.set(saturatedSum);
    taken = saturatedTaken;
  }
  const values = new Float32Array(rows * cols);
  for (let p = 0; p < values.length; p++) values[p] = taken > 0 ? (sum[p] as number) / taken : 0;
  return { values, used: taken, leftOut, firstDetail };
}

/** The dark frame and mask a recipe names, read as frame 0 of their files (any supported format). */
export interface RecipeImages {
  dark: Float32Array | null;
  mask: Uint8Array | null;
}

export async function loadRecipeImages(recipe: PreprocessRecipe, frameShape: [number, number]): Promise<RecipeImages> {
  const read = async (file: string | null, what: string): Promise<Float32Array | null> => {
    if (file === null) return null;
    const source = await openMicroscopy(file);
    try {
      const [r, c] = source.info.frameShape;
      if (r !== frameShape[0] || c !== frameShape[1]) throw new MicroscopyFileError(source.info.file, `the ${what} is ${r} × ${c}, the frames are ${frameShape[0]} × ${frameShape[1]}`);
      return source.readFrame(0);
    } finally {
      source.close();
    }
  };
  const dark = await read(recipe.dark, 'dark reference');
  const maskValues = await read(recipe.mask, 'mask');
  return { dark, mask: maskValues ? Uint8Array.from(maskValues, (v) => (v !== 0 ? 1 : 0)) : null };
}

/**
 * A sharp direct beam (a few pixels far above their neighbours) looks like hot pixels to a neighbour-median test;
 * removing it would change every frame's normalisation. A hot or dead pixel is an isolated outlier, a beam (or a
 * Bragg spot) is a group: outliers with an outlier 4-neighbour of the same kind (bright with bright, dark with dark)
 * are kept as signal, and so is a lone outlier within 1.5 px of the beam centre (a one-pixel beam). Not by distance
 * alone: a hot pixel near the beam pulls the centre of mass towards itself and would be kept with the beam
 * (tests/integration/map-cli.test.ts). Not by adjacency alone: on a mean frame a bright defect often sits next to a
 * speckle pixel the test finds dark, and the pair is no spot. With `frame`, an outlier is bright when it exceeds the
 * mean of its 4-neighbours; without it every outlier counts as one kind.
 */
export function protectDirectBeam(bad: Uint8Array, rows: number, cols: number, centre: BeamCentre, frame: ArrayLike<number> | null = null): void {
  const bright = new Uint8Array(bad.length);
  if (frame) {
    for (let k = 0; k < bad.length; k++) {
      if (!bad[k]) continue;
      const r = Math.floor(k / cols);
      const c = k % cols;
      let sum = 0;
      let n = 0;
      for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]] as const) {
        const rr = r + dr;
        const cc = c + dc;
        if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
        sum += frame[rr * cols + cc] as number;
        n += 1;
      }
      bright[k] = n > 0 && (frame[k] as number) > sum / n ? 1 : 0;
    }
  }
  // First every outlier's verdict on the untouched mask, then the mask is rewritten.
  const lone = new Uint8Array(bad.length);
  const alike = (k: number, n: number): boolean => bad[n] === 1 && bright[n] === bright[k];
  for (let k = 0; k < bad.length; k++) {
    if (!bad[k]) continue;
    const r = Math.floor(k / cols);
    const c = k % cols;
    const grouped = (r > 0 && alike(k, k - cols)) || (r < rows - 1 && alike(k, k + cols)) || (c > 0 && alike(k, k - 1)) || (c < cols - 1 && alike(k, k + 1));
    lone[k] = grouped ? 0 : 1;
  }
  for (let k = 0; k < bad.length; k++) {
    if (!bad[k]) continue;
    const atCentre = Math.hypot(Math.floor(k / cols) - centre.row, (k % cols) - centre.col) <= 1.5;
    bad[k] = lone[k] && !atCentre ? 1 : 0;
  }
}

/** What the mean frame decides before any frame is mapped: bad pixels, the scan centre and the calibration. */
export interface ResolvedRecipe {
  /** The recipe with its calibration resolved (invAPerPixel set) and, for a fixed scan centre, the centre found. */
  recipe: PreprocessRecipe;
  calibrationDetail: string;
  badPixels: Uint8Array | null;
  meanCentre: BeamCentre;
  meanFrameCount: number;
}

/**
 * Resolves a recipe on the scan's mean frame (up to options.meanFrames frames spread over the scan, flagged ones
 * left out): bad pixels, the centre and the calibration. Shared by the map plan and the preview before mapping.
 */
export function resolveRecipe(source: FrameSource, recipeInput: unknown, options: Pick<MapOptions, 'meanFrames' | 'reference'> = {}, images: RecipeImages = { dark: null, mask: null }): ResolvedRecipe {
  const recipe = preprocessRecipeSchema.parse(recipeInput);
  const { info } = source;
  const [rows, cols] = info.frameShape;
  const mean = meanFrame(source, options.meanFrames ?? 64, { dtype: info.dtype, saturationValue: recipe.quality.saturationValue, maxSaturatedFraction: recipe.quality.maxSaturatedFraction });
  if (mean.used === 0) {
    const reasons = Object.entries(mean.leftOut).map(([flag, k]) => `${k} ${flag}`).join(', ');
    const hint = mean.leftOut.saturated ? '; if the detector saturates by design, give its level or allow more saturated pixels (--saturation, --max-saturated)' : '';
    throw new MicroscopyFileError(info.file, `every sampled frame is flagged (${reasons}), nothing to map; ${mean.firstDetail ?? ''}${hint}`);
  }
  if (images.dark) for (let p = 0; p < mean.values.length; p++) mean.values[p] = (mean.values[p] as number) - (images.dark[p] as number);
  const found = recipe.hotPixels.enabled ? findBadPixels(mean.values, rows, cols, { threshold: recipe.hotPixels.threshold }).mask : null;
  if (found) protectDirectBeam(found, rows, cols, findCentre(mean.values, rows, cols, recipe.centre.method === 'fixed' ? recipe.centre : { ...recipe.centre }, images.mask), mean.values);
  const badPixels = found && images.mask ? found.map((v, p) => (v || images.mask?.[p] ? 1 : 0)) : (found ?? images.mask);
  const meanCentre = findCentre(mean.values, rows, cols, recipe.centre.method === 'fixed' ? recipe.centre : { ...recipe.centre }, badPixels);
  const calibration = resolveCalibration(recipe.calibration, {
    info,
    frame: { values: mean.values, rows, cols, centre: meanCentre, mask: badPixels },
    ...(options.reference ? { reference: options.reference } : {}),
  });
  const resolved = preprocessRecipeSchema.parse({
    ...recipe,
    calibration: { ...recipe.calibration, invAPerPixel: calibration.invAPerPixel, detail: calibration.detail },
    centre: recipe.centre.perFrame ? recipe.centre : { ...recipe.centre, row: meanCentre.row, col: meanCentre.col },
  });
  return { recipe: resolved, calibrationDetail: calibration.detail, badPixels, meanCentre, meanFrameCount: mean.used };
}

/** Resolves calibration (and the scan centre) on the mean frame: the plan every frame is then processed with. */
export function planMap(source: FrameSource, model: InferenceModel, recipeInput: unknown, options: MapOptions = {}, images: RecipeImages = { dark: null, mask: null }): { plan: MapPlan; badPixels: Uint8Array | null } {
  const { info } = source;
  const resolved = resolveRecipe(source, recipeInput, options, images);
  const plan: MapPlan = {
    input: {
      file: info.file,
      format: info.format,
      frameCount: info.frameCount,
      scanShape: info.scanShape.length > 0 ? info.scanShape : [1],
      frameShape: info.frameShape,
      datasetPath: options.datasetPath ?? null,
    },
    model: { file: model.file, sha256: model.sha256, architecture: model.metadata.architecture, target: model.metadata.target },
    recipe: resolved.recipe,
    calibrationDetail: resolved.calibrationDetail,
    virtualDetectors: options.virtualDetectors ?? DEFAULT_VIRTUAL_DETECTORS,
    scanCentre: resolved.recipe.centre.perFrame ? null : resolved.meanCentre,
    meanFrameCount: resolved.meanFrameCount,
  };
  return { plan, badPixels: resolved.badPixels };
}

interface WorkFiles {
  d: NpyRecords;
  sigma: NpyRecords;
  ood: NpyRecords;
  flags: NpyRecords;
  vbf: NpyRecords;
  vadf: NpyRecords;
  centres: NpyRecords;
  done: NpyRecords;
}

function openWork(dir: string, n: number, create: boolean): WorkFiles {
  const work = path.join(dir, MAP_FILES.work);
  const spec = {
    d: { dtype: '<f4' as const, shape: [n] },
    sigma: { dtype: '<f4' as const, shape: [n] },
    ood: { dtype: '<f4' as const, shape: [n] },
    flags: { dtype: '<u1' as const, shape: [n] },
    vbf: { dtype: '<f4' as const, shape: [n] },
    vadf: { dtype: '<f4' as const, shape: [n] },
    centres: { dtype: '<f4' as const, shape: [n, 2] },
  };
  if (create) {
    fs.mkdirSync(work, { recursive: true });
    for (const [name, s] of Object.entries(spec)) createNpyFile(path.join(work, `${name}.npy`), s.dtype, s.shape);
    createNpyFile(path.join(dir, MAP_FILES.done), '<u1', [n]);
    fsyncDirectory(work);
  } else {
    // A map begun before σ and the feature distance were kept: its frames done so far have none (zeros).
    for (const name of ['sigma', 'ood'] as const) {
      const file = path.join(work, `${name}.npy`);
      if (!fs.existsSync(file)) createNpyFile(file, spec[name].dtype, spec[name].shape);
    }
  }
  return {
    d: NpyRecords.open(path.join(work, 'd.npy'), 'write', spec.d),
    sigma: NpyRecords.open(path.join(work, 'sigma.npy'), 'write', spec.sigma),
    ood: NpyRecords.open(path.join(work, 'ood.npy'), 'write', spec.ood),
    flags: NpyRecords.open(path.join(work, 'flags.npy'), 'write', spec.flags),
    vbf: NpyRecords.open(path.join(work, 'vbf.npy'), 'write', spec.vbf),
    vadf: NpyRecords.open(path.join(work, 'vadf.npy'), 'write', spec.vadf),
    centres: NpyRecords.open(path.join(work, 'centres.npy'), 'write', spec.centres),
    done: NpyRecords.open(path.join(dir, MAP_FILES.done), 'write', { dtype: '<u1', shape: [n] }),
  };
}

function closeWork(files: WorkFiles): void {
  for (const f of Object.values(files)) f.close();
}

/** Writes an .npy of `shape` into `dir/name` atomically. */
function writeNpyAtomic(dir: string, name: string, data: Float32Array | Uint8Array, shape: readonly number[]): void {
  const file = path.join(dir, name);
  const temp = `${file}.${process.pid}.tmp`;
  writeNpy(temp, data, shape);
  fs.renameSync(temp, file);
}


/**
 * Maps every frame of `source` into `dir` (created, or continued when its plan.json equals `plan`). Returns when all
 * frames are done and the final files are written; throws MapCancelled when `isCancelled` says so (work kept).
 */
export async function runMap(
  source: FrameSource,
  model: InferenceModel,
  plan: MapPlan,
  badPixels: Uint8Array | null,
  dir: string,
  options: MapOptions = {},
  images: RecipeImages = { dark: null, mask: null },
): Promise<MapSummary> {
  const started = Date.now();
  const { info } = source;
  const n = info.frameCount;
  const side = plan.recipe.model.side;
  if (model.metadata.preprocessing.side !== side) throw new Error(`the model reads ${model.metadata.preprocessing.side}×${model.metadata.preprocessing.side} patterns, the recipe makes ${side}×${side}`);
  fs.mkdirSync(dir, { recursive: true });
  const planFile = path.join(dir, MAP_FILES.plan);
  const existing = fs.existsSync(planFile) ? fs.readFileSync(planFile, 'utf8') : null;
  if (existing !== null && canonicalJson(JSON.parse(existing)) !== canonicalJson(plan)) {
    throw new Error(`${dir} holds a map made with another model, input or recipe; choose an empty folder`);
  }
  const fresh = existing === null || !fs.existsSync(path.join(dir, MAP_FILES.done));
  const files = openWork(dir, n, fresh);
  if (fresh) {
    if (badPixels) writeNpyAtomic(dir, MAP_FILES.badPixels, badPixels, plan.input.frameShape);
    writeFileAtomic(planFile, `${JSON.stringify(plan, null, 2)}\n`);
  }
  const seconds = { read: 0, preprocess: 0, inference: 0 };
  let resumedFrom = 0;
  let pool: PreprocessPool | null = null;
  try {
    const done = files.done.readRange(0, n);
    resumedFrom = done.reduce((a, b) => a + b, 0);
    const todo: number[] = [];
    for (let i = 0; i < n; i++) if (done[i] !== 1) todo.push(i);
    const batchSize = options.batchSize ?? 64;
    const pixels = side * side;
    const batch = new Float32Array(batchSize * pixels);
    const flagCodes = new Map(FRAME_FLAGS.map((f, i) => [f, i]));
    const ensemble = model.metadata.ensemble ?? null;
    // Ring statistics are defined on annulus-log inputs only; older models have no training statistics anyway.
    const ood = plan.recipe.model.transform === 'annulus-log' ? (model.metadata.ood ?? null) : null;
    const thresholds = oodThresholds(ensemble, ood);
    const batches: number[][] = [];
    for (let start = 0; start < todo.length; start += batchSize) batches.push(todo.slice(start, start + batchSize));
    const threads = options.threads ?? 0;
    pool = threads > 0 && PreprocessPool.available() ? await PreprocessPool.start(threads, { plan, badPixels, dark: images.dark }) : null;
    const local = pool ? null : new FrameProcessor(source, plan, badPixels, images.dark);
    const prepare = (indices: number[]): Promise<ProcessedFrame[]> => (pool ? pool.process(indices) : Promise.resolve(indices.map((i) => (local as FrameProcessor).process(i))));
    let finished = resumedFrom;
    // The next batch is prepared (by the threads) while the current one is inferred.
    let next: Promise<ProcessedFrame[]> | null = batches.length > 0 ? prepare(batches[0] as number[]) : null;
    for (let k = 0; k < batches.length; k++) {
      if (options.isCancelled?.()) {
        next?.catch(() => undefined);
        throw new MapCancelled(finished, n);
      }
      const results = await (next as Promise<ProcessedFrame[]>);
      next = k + 1 < batches.length ? prepare(batches[k + 1] as number[]) : null;
      const inBatch: number[] = [];
      for (const r of results) {
        seconds.read += r.readSeconds;
        seconds.preprocess += r.preprocessSeconds;
        if (r.modelInput) {
          batch.set(r.modelInput, inBatch.length * pixels);
          inBatch.push(r.index);
        }
      }
      const t = performance.now();
      const predicted = inBatch.length > 0 ? await predictFrames(model, batch.subarray(0, inBatch.length * pixels), inBatch.length) : { d: new Float32Array(0), sigma: null };
      seconds.inference += (performance.now() - t) / 1000;
      const row = new Map(inBatch.map((index, j) => [index, j]));
      for (const r of results) {
        const j = row.get(r.index);
        let d = Number.NaN;
        let sigma = Number.NaN;
        let distance = Number.NaN;
        let flag: FrameFlag = r.flag;
        if (j !== undefined && r.modelInput) {
          d = predicted.d[j] as number;
          sigma = predicted.sigma ? (predicted.sigma[j] as number) : Number.NaN;
          if (ood) distance = oodDistance(r.modelInput, plan.recipe.model, ood);
          const reason = outOfDistributionReason(predicted.sigma ? sigma : null, ood ? distance : null, thresholds);
          if (reason !== null) flag = 'out-of-distribution';
        }
        files.d.writeBytes(r.index, bytesOf(Float32Array.of(d)));
        files.sigma.writeBytes(r.index, bytesOf(Float32Array.of(sigma)));
        files.ood.writeBytes(r.index, bytesOf(Float32Array.of(distance)));
        files.flags.writeBytes(r.index, Uint8Array.of(flagCodes.get(flag) ?? 0));
        files.vbf.writeBytes(r.index, bytesOf(Float32Array.of(r.vbf)));
        files.vadf.writeBytes(r.index, bytesOf(Float32Array.of(r.vadf)));
        files.centres.writeBytes(r.index, bytesOf(Float32Array.of(r.centre.row, r.centre.col)));
      }
      // Data first, then the marks: a mark never claims a frame whose values might be missing.
      for (const f of [files.d, files.sigma, files.ood, files.flags, files.vbf, files.vadf, files.centres]) f.sync();
      for (const r of results) files.done.writeBytes(r.index, Uint8Array.of(1));
      files.done.sync();
      finished += results.length;
      options.onProgress?.({ done: finished, total: n, seconds });
    }
    const summary = finalize(source, plan, dir, files, seconds, resumedFrom, started, pool ? threads : 0, thresholds);
    try {
      writeMapReport(dir, options.reportTitle !== undefined ? { title: options.reportTitle } : {});
    } catch (error) {
      // The map's data are whole; the report can be made again from them (the GUI does when asked).
      options.log?.(`the report could not be written: ${(error as Error).message}`);
    }
    return summary;
  } finally {
    closeWork(files);
    await pool?.close();
  }
}

/** Why a frame carries its flag, in words (frames.csv 'reason'); empty for 'ok'. */
export function flagReason(flag: FrameFlag, sigma: number, distance2: number, thresholds: OodThresholds): string {
  switch (flag) {
    case 'ok':
      return '';
    case 'out-of-distribution':
      return outOfDistributionReason(sigma, distance2, thresholds) ?? 'out of the training distribution';
    case 'vacuum':
      return 'the halo holds almost none of the counts: vacuum or no specimen';
    case 'saturated':
      return 'saturated beyond a compact direct-beam disc';
    case 'empty':
      return 'no counts, or every pixel has the same value';
    case 'non-finite':
      return 'NaN or infinite pixels';
    case 'no-centre':
      return 'no beam centre could be found';
  }
}

function finalize(
  source: FrameSource,
  plan: MapPlan,
  dir: string,
  files: WorkFiles,
  seconds: MapProgress['seconds'],
  resumedFrom: number,
  started: number,
  preprocessThreads: number,
  outOfDistribution: MapSummary['outOfDistribution'],
): MapSummary {
  const n = plan.input.frameCount;
  const shape = plan.input.scanShape;
  const d = new Float32Array(files.d.readRange(0, n).slice().buffer);
  const sigma = new Float32Array(files.sigma.readRange(0, n).slice().buffer);
  const ood = new Float32Array(files.ood.readRange(0, n).slice().buffer);
  const flags = files.flags.readRange(0, n).slice();
  const vbf = new Float32Array(files.vbf.readRange(0, n).slice().buffer);
  const vadf = new Float32Array(files.vadf.readRange(0, n).slice().buffer);
  const centres = new Float32Array(files.centres.readRange(0, n).slice().buffer);
  writeNpyAtomic(dir, MAP_FILES.d, d, shape);
  writeNpyAtomic(dir, MAP_FILES.sigma, sigma, shape);
  writeNpyAtomic(dir, MAP_FILES.ood, ood, shape);
  writeNpyAtomic(dir, MAP_FILES.flags, flags, shape);
  writeNpyAtomic(dir, MAP_FILES.vbf, vbf, shape);
  writeNpyAtomic(dir, MAP_FILES.vadf, vadf, shape);
  writeNpyAtomic(dir, MAP_FILES.centres, centres, [...shape, 2]);
  const tiffRows = shape.length >= 2 ? (shape[0] as number) : 1;
  writeFloat32Tiff(path.join(dir, MAP_FILES.dTiff), d, tiffRows, n / tiffRows, `SSRO Studio d map of ${plan.input.file}; model ${plan.model.file}; NaN = flagged frame`);

  const nx = shape.length >= 2 ? (shape[shape.length - 1] as number) : n;
  const lines: string[] = [];
  for (let start = 0; start < n; start += nx) lines.push(Array.from(d.subarray(start, start + nx), (v) => (Number.isFinite(v) ? String(v) : '')).join(','));
  writeFileAtomic(path.join(dir, MAP_FILES.dCsv), `${lines.join('\n')}\n`);

  const folder = (source as Partial<FolderFrameSource>).frames;
  const header = ['index', ...(shape.length >= 2 ? ['row', 'col'] : []), ...(folder ? ['group', 'file'] : []), 'd', 'sigma', 'ood_distance2', 'flag', 'reason', 'vbf', 'vadf', 'centre_row', 'centre_col'];
  const rowsOut = [header.join(',')];
  for (let i = 0; i < n; i++) {
    const cells = [String(i)];
    if (shape.length >= 2) cells.push(String(Math.floor(i / nx)), String(i % nx));
    // The file relative to the mapped folder (portable with the folder), e.g. "grain/p1.png".
    const entry = folder?.[i];
    if (folder) cells.push(csvField(entry?.group ?? ''), csvField(entry ? path.relative(source.info.file, entry.file) : ''));
    const v = d[i] as number;
    const number = (x: number): string => (Number.isFinite(x) ? String(x) : '');
    const flag = FRAME_FLAGS[flags[i] as number] ?? 'ok';
    cells.push(number(v), number(sigma[i] as number), number(ood[i] as number), flag, csvField(flagReason(flag, sigma[i] as number, ood[i] as number, outOfDistribution)), String(vbf[i]), String(vadf[i]), String(centres[2 * i]), String(centres[2 * i + 1]));
    rowsOut.push(cells.join(','));
  }
  writeFileAtomic(path.join(dir, MAP_FILES.frames), `${rowsOut.join('\n')}\n`);

  const flagged = Object.fromEntries(FRAME_FLAGS.map((f) => [f, 0])) as Record<FrameFlag, number>;
  let sum = 0;
  let sum2 = 0;
  let min = Infinity;
  let max = -Infinity;
  let mapped = 0;
  let sigmaSum = 0;
  let sigmaCount = 0;
  let sigmaMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const f = FRAME_FLAGS[flags[i] as number] ?? 'ok';
    flagged[f]++;
    const v = d[i] as number;
    if (!Number.isFinite(v)) continue;
    mapped++;
    const s = sigma[i] as number;
    if (Number.isFinite(s)) {
      sigmaSum += s;
      sigmaCount += 1;
      if (s > sigmaMax) sigmaMax = s;
    }
    sum += v;
    sum2 += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = mapped > 0 ? sum / mapped : null;
  const summary: MapSummary = {
    dir,
    frameCount: n,
    mapped,
    flagged,
    d: { mean, std: mean !== null ? Math.sqrt(Math.max(sum2 / mapped - mean * mean, 0)) : null, min: mapped ? min : null, max: mapped ? max : null },
    sigma: { mean: sigmaCount > 0 ? sigmaSum / sigmaCount : null, max: sigmaCount > 0 ? sigmaMax : null },
    outOfDistribution,
    seconds: { ...seconds, total: (Date.now() - started) / 1000 },
    resumedFrom,
    preprocessThreads,
  };
  const info: MicroscopyInfo = source.info;
  writeFileAtomic(
    path.join(dir, MAP_FILES.manifest),
    `${JSON.stringify({ format: 'ssro-map', version: 1, createdAt: new Date().toISOString(), plan, input: info, summary, flags: FRAME_FLAGS, files: MAP_FILES }, null, 2)}\n`,
  );
  return summary;
}

/**
 * The halo reference of a 'halo' calibration: the azimuthal average of the mean of simulated raw patterns on a
 * model grid (a stack as `ssro diffract --raw` writes, or a project dataset's patterns), so the scan's mean frame is
 * fitted against what the model was trained on.
 */
export function haloReference(patterns: Iterable<Float32Array>, side: number, deltaKInvA: number): ReferenceProfile {
  const sum = new Float64Array(side * side);
  let count = 0;
  for (const p of patterns) {
    if (p.length !== side * side) throw new Error(`a reference pattern holds ${p.length} values, not ${side}×${side}`);
    for (let i = 0; i < p.length; i++) sum[i] = (sum[i] as number) + (p[i] as number);
    count++;
  }
  if (count === 0) throw new Error('no reference patterns to fit the halo against');
  return referenceProfileFromPattern(Array.from(sum, (v) => v / count), side, deltaKInvA);
}

/** The mean halo profile of up to `count` patterns spread evenly over a project dataset (its raw simulated intensities). */
export function datasetHaloReference(dir: string, side: number, deltaKInvA: number, count = 256): ReferenceProfile {
  const reader = PatternReader.open(dir);
  try {
    const n = reader.manifest.sampleCount;
    const used = Math.min(count, n);
    const patterns = Array.from({ length: used }, (_, k) => reader.readPattern(Math.min(n - 1, Math.floor(((k + 0.5) * n) / used))));
    return haloReference(patterns, side, deltaKInvA);
  } finally {
    reader.close();
  }
}
