/**
 * Model registry use cases: list and describe models (ONNX metadata, training history, best-model metrics,
 * validation predictions), import an ONNX model (ours, or a foreign one with its stated preprocessing) or a PyTorch
 * state_dict (exported to ONNX by ssro_torch.export), and delete a model.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError } from '../../shared/ipc-contract';
import { patternSide } from '../../shared/diffraction';
import { MODEL_ARCHITECTURES, type DensityGrid, type FitMetrics, type ModelArchitecture, type ModelImportRequest, type ModelSummary, type ModelTarget, type PredictionSummary } from '../../shared/models';
import { seededPermutation } from '../../../native-workers/lib/datasets/random-split';
import { fitMetrics } from '../../../native-workers/lib/models/fit-metrics';
import { kernelDensity2d } from '../../../native-workers/lib/models/kernel-density';
import { describeModel } from '../../../native-workers/lib/models/model-description';
import { parseSsroModelMetadata, readSsroModelMetadata, SSRO_METADATA_KEY, withOnnxMetadata, type SsroModelMetadata } from '../../../native-workers/lib/models/onnx-metadata';
import { describeTorchFailure, runTorch, torchErrorEvent } from '../../../native-workers/lib/models/torch-engine';
import { MODEL_FILES, readRunHistory, RUN_FILES, type RunHistory } from '../../../native-workers/lib/models/train-config';
import { bundleOrigin, findBundleAbove, type BundleOrigin } from '../../../native-workers/lib/models/training-bundle';
import { readNpy } from '../../../native-workers/lib/npy';
import type { Project } from '../project/project';

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

export interface ModelDetails {
  model: ModelSummary;
  metadata: Record<string, unknown> | null;
  history: { bestEpoch: number | null; epochs: Record<string, unknown>[] } | null;
  validation: { metrics: FitMetrics; index: number[]; trueD: number[]; predictedD: number[]; sampled: boolean; density: DensityGrid | null } | null;
  predictions: PredictionSummary[];
}

function requireModel(project: Project, id: number): ModelSummary {
  const model = project.models.find(id);
  if (model === null) throw new ApiError('not-found', `model ${id} does not exist in this project`);
  return model;
}

function densityOf(trueD: Float64Array, predictedD: Float64Array): DensityGrid | null {
  if (trueD.length < 2) return null;
  try {
    return kernelDensity2d(trueD, predictedD, { gridSize: 64 });
  } catch {
    return null; // degenerate pairs (e.g. one distinct value): the figure falls back to its own estimate
  }
}

/** val_predictions.npy (N_val × 3: dataset index, true d, predicted d) as metrics and (subsampled) pairs. */
function validationOf(runDir: string, maxPairs: number): ModelDetails['validation'] {
  const file = path.join(runDir, RUN_FILES.valPredictions);
  if (!fs.existsSync(file)) return null;
  const table = readNpy(file);
  if (table.shape.length !== 2 || table.shape[1] !== 3 || table.dtype !== '<f8') throw new Error(`${file}: expected an (N, 3) float64 table`);
  const rows = table.shape[0] as number;
  const data = table.data as Float64Array;
  const index = new Array<number>(rows);
  const trueD = new Float64Array(rows);
  const predictedD = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    index[r] = data[3 * r] as number;
    trueD[r] = data[3 * r + 1] as number;
    predictedD[r] = data[3 * r + 2] as number;
  }
  const keep = rows <= maxPairs ? Array.from({ length: rows }, (_, r) => r) : Array.from(seededPermutation(rows, 1).subarray(0, maxPairs)).sort((a, b) => a - b);
  return {
    metrics: fitMetrics(trueD, predictedD),
    index: keep.map((r) => index[r] as number),
    trueD: keep.map((r) => trueD[r] as number),
    predictedD: keep.map((r) => predictedD[r] as number),
    sampled: keep.length < rows,
    // The same Gaussian KDE (Scott's rule) a prediction's evaluation keeps, over every pair, not only those sent.
    density: densityOf(trueD, predictedD),
  };
}

export function listModels(project: Project): ModelSummary[] {
  return project.models.list();
}

export function modelDetails(project: Project, id: number, maxPairs = 20_000): ModelDetails {
  const model = requireModel(project, id);
  let metadata: Record<string, unknown> | null = null;
  if (model.onnxPath !== null && fs.existsSync(model.onnxPath)) {
    metadata = readSsroModelMetadata(new Uint8Array(fs.readFileSync(model.onnxPath))) as unknown as Record<string, unknown> | null;
  }
  let history: RunHistory | null = null;
  let validation: ModelDetails['validation'] = null;
  // A model trained from a bundle brought its run's files along into run/, as a local run keeps them.
  const fromBundle = model.source === 'imported-onnx' && bundleOfParams(model.params) !== null;
  if (model.source === 'trained' || fromBundle) {
    const runDir = path.join(project.models.folder(id), MODEL_FILES.run);
    history = readRunHistory(runDir);
    // Validation predictions belong to a finished run (an incomplete one has none, or a stale one of a resumed run).
    if (model.state === 'trained' || fromBundle) validation = validationOf(runDir, maxPairs);
  }
  return {
    model,
    metadata,
    history: history ? { bestEpoch: history.bestEpoch ?? null, epochs: history.epochs as unknown as Record<string, unknown>[] } : null,
    validation,
    predictions: project.predictions.list(id),
  };
}

/** Deletes a model and its folder (refused while a train job runs on it). */
export function deleteModel(project: Project, id: number): boolean {
  const model = project.models.find(id);
  if (model === null) return false;
  if (model.state === 'training' && model.jobId !== null) {
    const job = project.jobs.find(model.jobId);
    if (job && (job.state === 'queued' || job.state === 'running')) throw new ApiError('invalid-request', `model ${id} is being trained by job ${job.id}; cancel it first`);
  }
  return project.models.delete(id);
}

const API_NAMES = { target: 'target', kmaxInvA: 'kmaxInvA', deltaKInvA: 'deltaKInvA' };

/** The bundle record of an imported model's params (set when it was trained from a training bundle), or null. */
export function bundleOfParams(params: Record<string, unknown>): Record<string, unknown> | null {
  const value = params.bundle;
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

export interface ImportOptions {
  /**
   * The training bundle the model was trained from; by default a bundle the file sits in (run/model.onnx of a
   * bundle) is found by itself. The model must record the bundle's dataset fingerprint.
   */
  bundleDir?: string;
}

/** Registers an ONNX file: ours as it is; a foreign one with our metadata built from the stated preprocessing. */
function importOnnx(project: Project, request: ModelImportRequest, options: ImportOptions = {}): ModelSummary {
  const file = path.resolve(request.path);
  const original = new Uint8Array(fs.readFileSync(file));
  let description: { metadata: SsroModelMetadata; own: boolean };
  try {
    description = describeModel(file, original, request, API_NAMES);
  } catch (error) {
    throw new ApiError('invalid-request', (error as Error).message);
  }
  const { metadata, own } = description;
  const bundleDir = options.bundleDir !== undefined ? path.resolve(options.bundleDir) : findBundleAbove(file);
  let fromBundle: { origin: BundleOrigin; runDir: string; metrics: Record<string, unknown> | null } | null = null;
  if (bundleDir !== null) {
    if (!own) throw new ApiError('invalid-request', `${file} carries no SSRO metadata, so it was not written by a run of the training bundle ${bundleDir}; import it without --bundle (stating its preprocessing)`);
    try {
      fromBundle = bundleOrigin(bundleDir, file, metadata);
    } catch (error) {
      throw new ApiError('invalid-request', (error as Error).message);
    }
  }
  if (!own) {
    metadata.source = { ...(metadata.source ?? {}), file: path.basename(file), originalSha256: sha256(original) };
  }
  const bytes = own ? original : withOnnxMetadata(original, { [SSRO_METADATA_KEY]: JSON.stringify(metadata) });
  const metrics = fromBundle?.metrics ?? (metadata.metrics as Record<string, unknown> | null) ?? null;
  return project.models.create(
    {
      name: request.name ?? (fromBundle ? `${metadata.architecture} from bundle ${fromBundle.origin.id.slice(0, 8)}` : path.basename(file, path.extname(file))),
      architecture: request.architecture ?? metadata.architecture,
      target: metadata.target,
      source: 'imported-onnx',
      state: 'imported',
      datasetId: null,
      params: {
        file,
        ownMetadata: own,
        ...(own ? {} : { stated: { target: request.target, kmaxInvA: request.kmaxInvA, deltaKInvA: request.deltaKInvA, transform: request.transform, globalLogMax: request.globalLogMax } }),
        ...(fromBundle ? { bundle: fromBundle.origin } : {}),
      },
      preprocessing: metadata.preprocessing,
      metrics,
      onnxFile: MODEL_FILES.importedOnnx,
      sha256: sha256(bytes),
    },
    (dir) => {
      fs.writeFileSync(path.join(dir, MODEL_FILES.importedOnnx), bytes);
      if (fromBundle) {
        // The run's curves, metrics and validation pairs, where the model page reads a local run's.
        fs.mkdirSync(path.join(dir, MODEL_FILES.run));
        for (const name of fromBundle.origin.runFiles) fs.copyFileSync(path.join(fromBundle.runDir, name), path.join(dir, MODEL_FILES.run, name));
      }
    },
  );
}

export interface TorchExportRequest {
  stateDict: string;
  out: string;
  architecture: ModelArchitecture;
  target: ModelTarget;
  kmaxInvA: number;
  deltaKInvA: number;
  /** Pattern side; defaults to the k-grid's 2·floor(kmax/Δk) + 1. */
  side?: number;
  datasetId?: string;
  /** The input transform the checkpoint was trained with (default log1-minmax); log1-globalmax needs its constant. */
  transform?: 'log1-minmax' | 'log1-globalmax';
  globalLogMax?: number;
}

/** Runs ssro_torch.export: a state_dict (checked key by key against the architecture) → ONNX with our metadata. */
export async function exportStateDict(python3Path: string, request: TorchExportRequest): Promise<SsroModelMetadata> {
  const side = request.side ?? patternSide({ kmaxInvA: request.kmaxInvA, deltaKInvA: request.deltaKInvA });
  const args = [
    '--state-dict', path.resolve(request.stateDict),
    '--model', request.architecture,
    '--target', request.target,
    '--side', String(side),
    '--kmax', String(request.kmaxInvA),
    '--delta-k', String(request.deltaKInvA),
    '--out', path.resolve(request.out),
    ...(request.datasetId !== undefined ? ['--dataset-id', request.datasetId] : []),
    ...(request.transform !== undefined ? ['--transform', request.transform] : []),
    ...(request.globalLogMax !== undefined ? ['--global-log-max', String(request.globalLogMax)] : []),
  ];
  const result = await runTorch(python3Path, 'ssro_torch.export', args);
  const done = result.events.find((e) => e.event === 'done');
  if (result.code !== 0 || done === undefined) {
    const error = torchErrorEvent(result);
    throw new Error(describeTorchFailure(python3Path, result, typeof error?.message === 'string' ? error.message : null));
  }
  try {
    return parseSsroModelMetadata(done.metadata);
  } catch (error) {
    throw new Error(`ssro_torch.export returned a model description this app cannot read: ${(error as Error).message}`);
  }
}

/** Registers a PyTorch state_dict of one of our architectures, exported to ONNX inside the model's folder. */
async function importStateDict(project: Project, request: ModelImportRequest, python3Path: string): Promise<ModelSummary> {
  const missing: string[] = [];
  const architecture = request.architecture;
  if (architecture === undefined) missing.push(`architecture (${MODEL_ARCHITECTURES.join(' or ')})`);
  if (request.target === undefined) missing.push('target (d or one_minus_d)');
  if (request.kmaxInvA === undefined) missing.push('kmaxInvA (Å⁻¹)');
  if (request.deltaKInvA === undefined) missing.push('deltaKInvA (Å⁻¹)');
  if (missing.length > 0) {
    throw new ApiError(
      'invalid-request',
      `${request.path} is a PyTorch checkpoint, which records neither its architecture nor how its inputs were made; give ${missing.join(', ')} ` +
        `(the authors' published models: resnet18, one_minus_d, kmax 1.0, Δk 0.015)`,
    );
  }
  if (!(MODEL_ARCHITECTURES as readonly string[]).includes(architecture as string)) {
    throw new ApiError('invalid-request', `architecture ${String(architecture)} is not one this app can build; choose ${MODEL_ARCHITECTURES.join(' or ')}`);
  }
  const file = path.resolve(request.path);
  const staging = fs.mkdtempSync(path.join(project.dir, 'scratch', 'import-'));
  try {
    const out = path.join(staging, MODEL_FILES.importedOnnx);
    let metadata: SsroModelMetadata;
    try {
      metadata = await exportStateDict(python3Path, {
        stateDict: file,
        out,
        architecture: architecture as ModelArchitecture,
        target: request.target as ModelTarget,
        kmaxInvA: request.kmaxInvA as number,
        deltaKInvA: request.deltaKInvA as number,
        ...(request.transform !== undefined ? { transform: request.transform } : {}),
        ...(request.globalLogMax !== undefined ? { globalLogMax: request.globalLogMax } : {}),
      });
    } catch (error) {
      throw new ApiError('invalid-request', (error as Error).message);
    }
    const bytes = new Uint8Array(fs.readFileSync(out));
    return project.models.create(
      {
        name: request.name ?? path.basename(file, path.extname(file)),
        architecture: architecture as string,
        target: metadata.target,
        source: 'imported-torch',
        state: 'imported',
        datasetId: null,
        params: { file, stateDictSha256: sha256(new Uint8Array(fs.readFileSync(file))) },
        preprocessing: metadata.preprocessing,
        metrics: null,
        onnxFile: MODEL_FILES.importedOnnx,
        sha256: sha256(bytes),
      },
      (dir) => fs.renameSync(out, path.join(dir, MODEL_FILES.importedOnnx)),
    );
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Imports a model file: .onnx (ours, or foreign with its preprocessing) or a PyTorch .pt/.pth/.ckpt state_dict. */
export async function importModel(project: Project, request: ModelImportRequest, python3Path: string, options: ImportOptions = {}): Promise<ModelSummary> {
  const file = path.resolve(request.path);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new ApiError('invalid-request', `${file} does not exist or is not a file`);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.onnx') return importOnnx(project, request, options);
  if (options.bundleDir !== undefined) throw new ApiError('invalid-request', `${file}: a training bundle's model is its ONNX file (run/model.onnx); --bundle applies to .onnx imports only`);
  if (ext === '.pt' || ext === '.pth' || ext === '.ckpt' || ext === '.bin') return importStateDict(project, request, python3Path);
  throw new ApiError('invalid-request', `${file}: import an ONNX model (.onnx) or a PyTorch state_dict (.pt, .pth)`);
}
