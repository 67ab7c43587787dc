/**
 * SSRO maps of experimental data (issue 6): check the model and the input (opened once here, so a bad file or scan
 * shape is refused before anything is created), create the map's row and folder and start its job; continue an
 * incomplete map; record the summary when the job ends; read a map back for the GUI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { JobSummary } from '../../shared/domain';
import { ApiError } from '../../shared/ipc-contract';
import { MAP_EXPORTS, readOptionsOf, type InputReadOptions, type MapArrays, type MapExportName, type MapRecord, type MapRequest } from '../../shared/maps';
import { preprocessRecipeSchema } from '../../shared/preprocess-recipe';
import { MicroscopyFileError, type MicroscopyInfo } from '../../../native-workers/lib/microscopy/frame-source';
import { loadRecipeImages, MAP_FILES } from '../../../native-workers/lib/microscopy/mapping';
import { REPORT_FILE, writeMapReport } from '../../../native-workers/lib/microscopy/map-report';
import { CentreFindingError } from '../../../native-workers/lib/microscopy/preprocess/centre';
import { preprocessFrame } from '../../../native-workers/lib/microscopy/preprocess/recipe';
import { openMicroscopy } from '../../../native-workers/lib/microscopy/open';
import { readNpy } from '../../../native-workers/lib/npy';
import { readDatasetManifest } from '../../../native-workers/lib/datasets/pattern-store';
import { readSsroModelMetadata } from '../../../native-workers/lib/models/onnx-metadata';
import type { MapJobParams, MapJobResult } from '../../../native-workers/map/index';
import type { Finalizer, JobManager, Unfinisher } from '../jobs/job-manager';
import type { Project } from '../project/project';
import { displayStep, type DisplayStep } from './display-step';

export function mapResumeHint(mapId: number): string {
  return `continue it with "Resume" on the map page (map ${mapId})`;
}

export function requireModel(project: Project, modelId: number): { onnxPath: string; grid: { side: number; deltaKInvA: number; kmaxInvA: number } } {
  const model = project.models.find(modelId);
  if (model === null) throw new ApiError('not-found', `model ${modelId} does not exist in this project`);
  if (model.onnxPath === null || model.preprocessing === null) throw new ApiError('invalid-request', `model ${modelId} has no trained weights yet (state ${model.state})`);
  if (model.preprocessing.kmaxInvA === null || model.preprocessing.deltaKInvA === null) {
    throw new ApiError('invalid-request', `model ${modelId} records no k-grid (kmax, Δk): experimental patterns cannot be put on its grid`);
  }
  return { onnxPath: model.onnxPath, grid: { side: model.preprocessing.side, deltaKInvA: model.preprocessing.deltaKInvA, kmaxInvA: model.preprocessing.kmaxInvA } };
}

/**
 * The dataset folder a 'halo' calibration fits against: complete, simulated raw intensities, on the model's k-grid
 * (the same side and Δk), so the halo's radius in pixels means the same k. Null for the other calibrations.
 */
export function haloReferenceDir(project: Project, request: Pick<MapRequest, 'recipe' | 'haloReferenceDatasetId'>, grid: { side: number; deltaKInvA: number }): string | null {
  const calibration = request.recipe.calibration as { method?: unknown } | undefined;
  if (calibration?.method !== 'halo') return null;
  const id = request.haloReferenceDatasetId;
  if (id === undefined) throw new ApiError('invalid-request', "a halo calibration needs the dataset of simulated patterns to fit against (haloReferenceDatasetId), e.g. the model's training set");
  const dataset = project.datasets.find(id);
  if (dataset === null) throw new ApiError('not-found', `dataset ${id} (the halo reference) does not exist in this project`);
  if (dataset.state !== 'complete') throw new ApiError('invalid-request', `dataset ${id} (the halo reference) is ${dataset.state}; build it to the end first`);
  const dir = project.datasets.folder(id);
  const manifest = readDatasetManifest(dir);
  if (manifest.patternKind !== 'raw-intensity') throw new ApiError('invalid-request', `dataset ${id} holds model inputs, not raw intensities; the halo fit needs simulated intensities`);
  if (manifest.side !== grid.side || Math.abs(manifest.grid.deltaKInvA - grid.deltaKInvA) > 1e-9 * grid.deltaKInvA) {
    throw new ApiError('invalid-request', `dataset ${id} is on a ${manifest.side}×${manifest.side} grid of Δk ${manifest.grid.deltaKInvA} Å⁻¹, the model on ${grid.side}×${grid.side} of Δk ${grid.deltaKInvA} Å⁻¹; choose a dataset on the model's grid`);
  }
  return dir;
}

function submitJob(project: Project, jobs: JobManager, map: MapRecord, onnxPath: string, recipe: Record<string, unknown>, batchSize: number, haloDir: string | null): JobSummary {
  const params: MapJobParams = {
    mapId: map.id,
    name: map.name,
    modelPath: onnxPath,
    input: map.input,
    readOptions: readOptionsOf(map.options),
    recipe,
    dir: map.dir,
    haloReferenceDir: haloDir,
    batchSize,
    resumeHint: mapResumeHint(map.id),
  };
  const job = jobs.submit('map', params, [
    ...(map.modelId !== null ? [{ kind: 'model' as const, id: map.modelId }] : []),
    { kind: 'map', id: map.id },
  ]);
  project.maps.start(map.id, job.id);
  return job;
}

/** What an experimental file or folder holds (headers only); a bad file is the caller's error, named. */
export async function describeInput(input: string, options: InputReadOptions): Promise<MicroscopyInfo> {
  try {
    const source = await openMicroscopy(input, readOptionsOf(options));
    source.close();
    return source.info;
  } catch (error) {
    if (error instanceof MicroscopyFileError) throw new ApiError('invalid-request', error.message);
    throw error;
  }
}

/** Opens the input (headers only), then creates the map and its job. */
export async function submitMap(project: Project, jobs: JobManager, request: MapRequest): Promise<{ map: MapRecord; job: JobSummary }> {
  const { onnxPath, grid } = requireModel(project, request.modelId);
  const haloDir = haloReferenceDir(project, request, grid);
  // The recipe is checked now, with a placeholder grid (the job puts the model's own there).
  const check = preprocessRecipeSchema.safeParse({ ...request.recipe, model: { kmaxInvA: 1, deltaKInvA: 0.015, side: 133, transform: 'log1-minmax' } });
  if (!check.success) throw new ApiError('invalid-request', `recipe: ${check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const input = path.resolve(request.input);
  const info = await describeInput(input, request);
  const map = project.maps.create({
    name: request.name ?? path.basename(input),
    modelId: request.modelId,
    input,
    options: readOptionsOf(request),
    info: info as unknown as Record<string, unknown>,
  });
  fs.writeFileSync(path.join(map.dir, 'request.json'), `${JSON.stringify(request, null, 2)}\n`);
  try {
    return { map: project.maps.get(map.id), job: submitJob(project, jobs, map, onnxPath, request.recipe, request.batchSize, haloDir) };
  } catch (error) {
    project.maps.delete(map.id);
    throw error;
  }
}

/** Continues an incomplete map with the same model, input and recipe (its request.json). */
export function resumeMap(project: Project, jobs: JobManager, mapId: number): { map: MapRecord; job: JobSummary } {
  const map = project.maps.find(mapId);
  if (map === null) throw new ApiError('not-found', `map ${mapId} does not exist in this project`);
  if (map.state === 'complete') throw new ApiError('invalid-request', `map ${mapId} is complete`);
  const running = map.jobId === null ? null : project.jobs.find(map.jobId);
  if (running && (running.state === 'queued' || running.state === 'running')) throw new ApiError('invalid-request', `map ${mapId} is being made by job ${running.id}`);
  if (map.modelId === null) throw new ApiError('invalid-request', `the model of map ${mapId} was deleted; start a new map`);
  const { onnxPath, grid } = requireModel(project, map.modelId);
  const request = JSON.parse(fs.readFileSync(path.join(map.dir, 'request.json'), 'utf8')) as MapRequest;
  return { map, job: submitJob(project, jobs, map, onnxPath, request.recipe, request.batchSize, haloReferenceDir(project, request, grid)) };
}

export function mapFinalizer(project: Project): Finalizer {
  return (_job, result) => {
    const r = result as Partial<MapJobResult>;
    if (typeof r.mapId !== 'number' || !r.summary || !r.plan) throw new Error('the map worker returned no summary');
    project.maps.complete(r.mapId, r.plan.recipe as unknown as Record<string, unknown>, { ...r.summary, calibration: r.plan.calibrationDetail } as unknown as Record<string, unknown>);
    return [{ kind: 'map', id: r.mapId }];
  };
}

export function mapUnfinisher(project: Project): Unfinisher {
  return (job) => {
    const mapId = (job.params as Partial<MapJobParams>).mapId;
    if (typeof mapId === 'number') project.maps.markIncomplete(mapId, job.id);
  };
}

/** Group and file of every frame of a folder map (frames.csv), or null for a scan. */
function folderFrames(dir: string): { groups: string[]; files: string[] } | null {
  const rows = parse(fs.readFileSync(path.join(dir, MAP_FILES.frames), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  if (rows.length === 0 || !('group' in (rows[0] as object))) return null;
  return { groups: rows.map((r) => r.group ?? ''), files: rows.map((r) => r.file ?? '') };
}

/**
 * σ and D² as the GUI reads them: a number, or null where none was recorded. A map begun before σ and D² were kept
 * and resumed since has zeros for the frames done before (mapping.ts creates the missing work files zero-filled);
 * zero is never a real value (ensemble members never agree to the last bit, no frame sits exactly on the training
 * mean), so it reads as "not recorded" too.
 */
function recordedValue(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : null;
}

/** An optional per-frame array of a map folder (sigma.npy, ood.npy): all null when the file is absent or unreadable. */
function optionalArray(file: string, n: number): (number | null)[] {
  if (fs.existsSync(file)) {
    try {
      const data = readNpy(file).data as ArrayLike<number>;
      if (data.length === n) return Array.from({ length: n }, (_, i) => recordedValue(data[i]));
    } catch {
      // A map is still worth showing without its σ: fall through to "not recorded".
    }
  }
  return new Array<number | null>(n).fill(null);
}

const NO_THRESHOLDS: MapArrays['oodThresholds'] = { sigma: null, distance: null };
const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A model file's recorded thresholds, kept per file version: a map being made is re-read every few seconds. */
const modelThresholdCache = new Map<string, { key: string; thresholds: MapArrays['oodThresholds'] }>();

function modelThresholds(project: Project, modelId: number | null): MapArrays['oodThresholds'] {
  const file = modelId === null ? null : (project.models.find(modelId)?.onnxPath ?? null);
  if (file === null) return NO_THRESHOLDS;
  try {
    const stat = fs.statSync(file);
    const key = `${stat.size}/${stat.mtimeMs}`;
    const cached = modelThresholdCache.get(file);
    if (cached?.key === key) return cached.thresholds;
    const metadata = readSsroModelMetadata(new Uint8Array(fs.readFileSync(file)));
    const thresholds = { sigma: finiteOrNull(metadata?.ensemble?.sigmaThreshold), distance: finiteOrNull(metadata?.ood?.threshold) };
    modelThresholdCache.set(file, { key, thresholds });
    return thresholds;
  } catch {
    return NO_THRESHOLDS;
  }
}

/**
 * The thresholds a map's frames were flagged with: those its summary records once complete (a map made before they
 * were recorded has none), else those of its model's file, which the job is using.
 */
function oodThresholdsOf(project: Project, map: MapRecord): MapArrays['oodThresholds'] {
  if (map.summary !== null) {
    const recorded = map.summary.outOfDistribution as { sigmaThreshold?: unknown; distanceThreshold?: unknown } | undefined;
    return recorded ? { sigma: finiteOrNull(recorded.sigmaThreshold), distance: finiteOrNull(recorded.distanceThreshold) } : NO_THRESHOLDS;
  }
  return modelThresholds(project, map.modelId);
}

/**
 * A map's arrays for the GUI in the scan's row-major order: d (null where not mapped), σ(d) and D² where recorded,
 * flags, virtual BF/ADF; groups and files of a folder. A map being made (or stopped) is read from its work files:
 * only frames whose done mark is set count — the marks are read first and written after the data, so a marked
 * frame's values are whole. A map folder made before sigma.npy and ood.npy existed gives nulls for them.
 */
export function mapArrays(project: Project, mapId: number): MapArrays {
  const map = project.maps.find(mapId);
  if (map === null) throw new ApiError('not-found', `map ${mapId} does not exist in this project`);
  if (map.state !== 'complete') return partialMapArrays(project, map);
  const d = readNpy(path.join(map.dir, MAP_FILES.d));
  const n = d.data.length;
  const read = (name: string): number[] => Array.from(readNpy(path.join(map.dir, name)).data as ArrayLike<number>);
  const folder = folderFrames(map.dir);
  return {
    shape: d.shape,
    d: Array.from(d.data as Float32Array, (v) => (Number.isFinite(v) ? v : null)),
    sigma: optionalArray(path.join(map.dir, MAP_FILES.sigma), n),
    oodDistance: optionalArray(path.join(map.dir, MAP_FILES.ood), n),
    oodThresholds: oodThresholdsOf(project, map),
    flags: read(MAP_FILES.flags),
    vbf: read(MAP_FILES.vbf),
    vadf: read(MAP_FILES.vadf),
    groups: folder?.groups ?? null,
    files: folder?.files ?? null,
    done: n,
    partial: false,
  };
}

function partialMapArrays(project: Project, map: MapRecord): MapArrays {
  const info = map.info as unknown as MicroscopyInfo;
  const n = info.frameCount;
  const shape = info.scanShape.length >= 2 ? info.scanShape : [n];
  const work = path.join(map.dir, MAP_FILES.work);
  const doneFile = path.join(map.dir, MAP_FILES.done);
  const none = (): (number | null)[] => new Array<number | null>(n).fill(null);
  if (!fs.existsSync(doneFile) || !fs.existsSync(path.join(work, 'd.npy'))) {
    return { shape, d: none(), sigma: none(), oodDistance: none(), oodThresholds: oodThresholdsOf(project, map), flags: new Array<number>(n).fill(0), vbf: none(), vadf: none(), groups: null, files: null, done: 0, partial: true };
  }
  const marks = readNpy(doneFile).data as Uint8Array;
  const read = (name: string): ArrayLike<number> => readNpy(path.join(work, `${name}.npy`)).data as ArrayLike<number>;
  const [d, flags, vbf, vadf] = [read('d'), read('flags'), read('vbf'), read('vadf')];
  // Absent in a map folder begun before σ and D² were kept (until a resume creates them).
  const [sigma, ood] = [optionalArray(path.join(work, MAP_FILES.sigma), n), optionalArray(path.join(work, MAP_FILES.ood), n)];
  const isDone = (i: number): boolean => marks[i] === 1;
  let done = 0;
  for (let i = 0; i < n; i++) if (isDone(i)) done++;
  return {
    shape,
    d: Array.from({ length: n }, (_, i) => (isDone(i) && Number.isFinite(d[i]) ? (d[i] as number) : null)),
    sigma: Array.from({ length: n }, (_, i) => (isDone(i) ? (sigma[i] ?? null) : null)),
    oodDistance: Array.from({ length: n }, (_, i) => (isDone(i) ? (ood[i] ?? null) : null)),
    oodThresholds: oodThresholdsOf(project, map),
    flags: Array.from({ length: n }, (_, i) => (isDone(i) ? (flags[i] as number) : 0)),
    vbf: Array.from({ length: n }, (_, i) => (isDone(i) ? (vbf[i] as number) : null)),
    vadf: Array.from({ length: n }, (_, i) => (isDone(i) ? (vadf[i] as number) : null)),
    groups: null,
    files: null,
    done,
    partial: true,
  };
}

export interface FramePreview {
  index: number;
  quality: string;
  centre: { row: number; col: number } | null;
  steps: DisplayStep[];
}

/**
 * One frame of a map's input and what its recipe made of it, step by step (raw → … → model input), for the linked
 * view of the map page: with the map's dark reference and the bad pixels found on its mean frame (bad-pixels.npy),
 * so the last step is what the model saw.
 */
export async function previewMapFrame(project: Project, mapId: number, index: number): Promise<FramePreview> {
  const map = project.maps.find(mapId);
  if (map === null) throw new ApiError('not-found', `map ${mapId} does not exist in this project`);
  // A map being made has its resolved recipe in plan.json (written before the first frame).
  const planFile = path.join(map.dir, MAP_FILES.plan);
  const resolved = map.recipe ?? (fs.existsSync(planFile) ? (JSON.parse(fs.readFileSync(planFile, 'utf8')) as { recipe: unknown }).recipe : null);
  if (resolved === null) throw new ApiError('invalid-request', `map ${mapId} has no resolved recipe yet (it is ${map.state})`);
  const recipe = preprocessRecipeSchema.parse(resolved);
  const source = await openMicroscopy(map.input, readOptionsOf(map.options));
  try {
    if (!Number.isInteger(index) || index < 0 || index >= source.info.frameCount) throw new ApiError('invalid-request', `frame ${index} is outside 0 … ${source.info.frameCount - 1}`);
    const frame = source.readFrame(index);
    const centre = !recipe.centre.perFrame && recipe.centre.row !== undefined && recipe.centre.col !== undefined ? { row: recipe.centre.row, col: recipe.centre.col } : null;
    try {
      const badFile = path.join(map.dir, MAP_FILES.badPixels);
      const badPixels = fs.existsSync(badFile) ? Uint8Array.from(readNpy(badFile).data as ArrayLike<number>) : null;
      const { dark } = await loadRecipeImages(recipe, source.info.frameShape);
      const r = preprocessFrame(frame, source.info.frameShape, recipe, { dtype: source.info.dtype, centre, keepSteps: true, badPixels, dark });
      return {
        index,
        quality: r.quality.flag,
        centre: r.centre,
        steps: r.steps.map((st) => displayStep(st.name, st.rows, st.cols, st.image)),
      };
    } catch (error) {
      if (error instanceof CentreFindingError) {
        return { index, quality: 'no-centre', centre: null, steps: [displayStep('raw', source.info.frameShape[0], source.info.frameShape[1], frame)] };
      }
      throw error;
    }
  } finally {
    source.close();
  }
}

/**
 * One exportable file of a complete map, read whole (maps are small: 4 bytes per scan position). The report of a
 * map made before reports existed is written now, into the map's folder, like the job writes it.
 */
export function mapFile(project: Project, mapId: number, name: MapExportName): { name: string; mime: string; base64: string } {
  const map = project.maps.find(mapId);
  if (map === null) throw new ApiError('not-found', `map ${mapId} does not exist in this project`);
  if (map.state !== 'complete') throw new ApiError('invalid-request', `map ${mapId} is ${map.state}; its files are written when it completes`);
  const file = path.join(map.dir, name);
  if (name === REPORT_FILE && !fs.existsSync(file)) writeMapReport(map.dir, { title: map.name });
  if (!fs.existsSync(file)) throw new ApiError('not-found', `map ${mapId} has no ${name} (its folder ${map.dir} was changed by hand?)`);
  return { name, mime: MAP_EXPORTS[name].mime, base64: fs.readFileSync(file).toString('base64') };
}
