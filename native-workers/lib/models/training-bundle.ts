/**
 * A training bundle: one self-contained folder that trains a model elsewhere (a GPU node, a cluster) exactly as a
 * train job here would, and the provenance a model made from it brings back when imported.
 *
 * Layout (BUNDLE_FILES):
 *   manifest.json    what the bundle is (bundleManifestSchema): ids, sha256 of the data, split, config and engine
 *   README.txt       the commands: one process, torchrun on a GPU node, a Slurm script, the import back
 *   train.sbatch     that Slurm script (a requeued job resumes from run/last.pt)
 *   run.json         the TrainConfig of the local job, its paths relative to the bundle (run from inside it)
 *   split.npy        the split the local job would train with
 *   dataset/         the dataset in the pattern-store layout (pattern-store.ts), which ssro_torch.train reads
 *   authors-layout/  the same dataset in the layout of the authors' public dataset (dataset-export.ts), its
 *                    split.csv written from split.npy so both layouts carry one split
 *   ssro_torch/      a copy of the training engine
 *   init/            the initial weights (ImageNet or full state_dict) when the request names a file
 * The outputs of a run go to run/ (the config's outDir).
 *
 * The model carries its dataset in its ONNX metadata: run.json's datasetId (recorded by ssro_torch.train as
 * trainingDatasetId) is "<dataset id>@sha256:<dataset fingerprint>" (datasetIdTag), so an import can check that the
 * model was trained on the data the manifest describes.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { fsyncDirectory } from '../datasets/atomic-files';
import { DATASET_MANIFEST, DONE_FILE, LABELS_FILE, META_FILE, PATTERNS_FILE } from '../datasets/pattern-store';
import { EXPORT_FILES } from '../datasets/dataset-export';
import { readNpy } from '../npy';
import { RUN_FILES, type TrainConfig } from './train-config';

export const BUNDLE_FORMAT = 'ssro-training-bundle';
export const BUNDLE_VERSION = 1;

export const BUNDLE_FILES = {
  manifest: 'manifest.json',
  readme: 'README.txt',
  slurm: 'train.sbatch',
  config: 'run.json',
  split: 'split.npy',
  dataset: 'dataset',
  authorsLayout: 'authors-layout',
  engine: 'ssro_torch',
  init: 'init',
  run: 'run',
} as const;

/** The pattern-store files ssro_torch.train reads (data.py DatasetFolder). */
export const STORE_FILES = [DATASET_MANIFEST, PATTERNS_FILE, LABELS_FILE, META_FILE, DONE_FILE] as const;
/** The files whose bytes define the dataset's fingerprint: the inputs and the labels. */
export const FINGERPRINT_FILES = [PATTERNS_FILE, LABELS_FILE] as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

const initSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('scratch') }).strict(),
  z.object({ kind: z.enum(['imagenet', 'state-dict']), file: z.string(), sha256: sha256Hex }).strict(),
]);
export type BundleInit = z.output<typeof initSchema>;

export const bundleManifestSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    version: z.number().int().min(1),
    id: z.string().min(1),
    createdAt: z.string(),
    project: z.object({ dir: z.string(), name: z.string() }).passthrough(),
    dataset: z
      .object({
        id: z.number().int(),
        name: z.string(),
        sampleCount: z.number().int(),
        side: z.number().int(),
        createdAt: z.string().nullable(),
        fingerprint: sha256Hex,
        sha256: z.record(z.string(), sha256Hex),
      })
      .passthrough(),
    split: z.object({ file: z.string(), sha256: sha256Hex, train: z.number().int(), validation: z.number().int(), excluded: z.number().int() }).passthrough(),
    config: z.object({ file: z.string(), sha256: sha256Hex, datasetIdTag: z.string() }).passthrough(),
    engine: z.object({ dir: z.string(), formatVersion: z.number().nullable(), sha256: sha256Hex, appVersion: z.string().nullable(), distributed: z.boolean() }).passthrough(),
    init: initSchema,
    authorsLayout: z.object({ dir: z.string(), transform: z.string() }).passthrough(),
    request: z.record(z.string(), z.unknown()),
  })
  .passthrough();
export type BundleManifest = z.output<typeof bundleManifestSchema>;

/** sha256 of a file, read in 8 MB pieces (a dataset can be larger than memory). */
export function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(8 << 20);
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** The fingerprint of a dataset from its files' sha256: sha256 of "name sha256\n" lines of FINGERPRINT_FILES in order. */
export function datasetFingerprint(sha256: Record<string, string>): string {
  const lines = FINGERPRINT_FILES.map((name) => {
    const value = sha256[name];
    if (value === undefined) throw new Error(`no sha256 of ${name} to fingerprint the dataset with`);
    return `${name} ${value}\n`;
  });
  return crypto.createHash('sha256').update(lines.join('')).digest('hex');
}

/** run.json's datasetId: the project dataset id and the fingerprint, as the model's trainingDatasetId records them. */
export function datasetIdTag(datasetId: number, fingerprint: string): string {
  return `${datasetId}@sha256:${fingerprint}`;
}

/** The parts of a datasetIdTag, or null for any other trainingDatasetId (a number, a plain name, null). */
export function parseDatasetIdTag(value: unknown): { datasetId: number; fingerprint: string } | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d+)@sha256:([0-9a-f]{64})$/.exec(value);
  return m ? { datasetId: Number(m[1]), fingerprint: m[2] as string } : null;
}

/** The engine's Python files (the package folder's *.py, sorted). */
function engineFiles(packageDir: string): string[] {
  return fs
    .readdirSync(packageDir)
    .filter((name) => name.endsWith('.py'))
    .sort();
}

/** What the engine copy is: its format version (ssro_torch.FORMAT_VERSION), a hash over its files, DDP support. */
export function engineInfo(packageDir: string): { formatVersion: number | null; sha256: string; distributed: boolean; files: string[] } {
  const files = engineFiles(packageDir);
  if (!files.includes('__init__.py') || !files.includes('train.py')) throw new Error(`${packageDir} is not the ssro_torch package (no __init__.py or train.py)`);
  const hash = crypto.createHash('sha256');
  for (const name of files) hash.update(`${name} ${sha256File(path.join(packageDir, name))}\n`);
  const init = fs.readFileSync(path.join(packageDir, '__init__.py'), 'utf8');
  const version = /^FORMAT_VERSION\s*=\s*(\d+)/m.exec(init);
  const train = fs.readFileSync(path.join(packageDir, 'train.py'), 'utf8');
  // torchrun with N > 1 only helps once the training loop goes through ssro_torch.distributed.
  const distributed = /^\s*from \.(?:distributed import|\s*import\s[^\n]*\bdistributed\b)/m.test(train);
  return { formatVersion: version ? Number(version[1]) : null, sha256: hash.digest('hex'), distributed, files };
}

/** Split counts from a split.npy (int8 or any integer dtype): 0 train, 1 validation, anything else excluded. */
export function splitCounts(file: string): { values: ArrayLike<number>; train: number; validation: number; excluded: number } {
  const npy = readNpy(file);
  if (npy.shape.length !== 1) throw new Error(`${file}: expected a one-dimensional split, got shape (${npy.shape.join(', ')})`);
  const values = npy.data as ArrayLike<number>;
  let train = 0;
  let validation = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0) train++;
    else if (values[i] === 1) validation++;
  }
  return { values, train, validation, excluded: values.length - train - validation };
}

function copyFile(from: string, to: string): void {
  // A copy-on-write clone where the filesystem can make one (a dataset can be many GB), a byte copy otherwise.
  fs.copyFileSync(from, to, fs.constants.COPYFILE_FICLONE);
}

/** run.json: the local TrainConfig with the dataset id replaced by its tag (ssro_torch takes a string there). */
export type BundleConfig = Omit<TrainConfig, 'datasetId'> & { datasetId: string };

export interface BundleRequest {
  /** The folder to create (refused when it exists and is not empty). */
  outDir: string;
  project: { dir: string; name: string };
  dataset: { id: number; name: string; storeDir: string };
  /** The config the local job would get (configFor), with datasetDir/splitFile/outDir relative to the bundle. */
  config: TrainConfig;
  /** The training request as given (recorded in the manifest). */
  request: Record<string, unknown>;
  /** The ssro_torch package folder to copy. */
  enginePackageDir: string;
  appVersion: string | null;
  /** Writes split.npy the way the training service does. */
  writeSplit: (file: string) => void;
  /** Writes the authors' layout (dataset-export.ts) into `dir` (which must not exist yet); returns the transform name. */
  writeAuthorsLayout: (dir: string) => { transform: string };
}

/** Rewrites authors-layout/split.csv from split.npy when they differ, so the two layouts share one split. */
function alignAuthorsSplit(layoutDir: string, values: ArrayLike<number>): boolean {
  const file = path.join(layoutDir, EXPORT_FILES.split);
  const lines = ['index,split'];
  for (let i = 0; i < values.length; i++) lines.push(`${i},${values[i] === 0 ? 'train' : values[i] === 1 ? 'validation' : 'excluded'}`);
  const text = `${lines.join('\n')}\n`;
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  fs.writeFileSync(file, text);
  const provenanceFile = path.join(layoutDir, EXPORT_FILES.provenance);
  if (fs.existsSync(provenanceFile)) {
    const provenance = JSON.parse(fs.readFileSync(provenanceFile, 'utf8')) as Record<string, unknown>;
    provenance.split = { file: EXPORT_FILES.split, source: "the bundle's split.npy (the split its training uses)", values: 'train | validation | excluded' };
    fs.writeFileSync(provenanceFile, `${JSON.stringify(provenance, null, 2)}\n`);
  }
  return true;
}

function emptyOrAbsent(dir: string): boolean {
  if (!fs.existsSync(dir)) return true;
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} is a file; give a new or empty folder for the bundle`);
  return fs.readdirSync(dir).length === 0;
}

/** Writes a training bundle (see the file comment); the folder appears complete or not at all. */
export function writeTrainingBundle(input: BundleRequest): { dir: string; manifest: BundleManifest } {
  const out = path.resolve(input.outDir);
  if (!emptyOrAbsent(out)) throw new Error(`${out} exists and is not empty; give a new or empty folder for the bundle`);
  const parent = path.dirname(out);
  if (!fs.existsSync(parent)) throw new Error(`${parent} does not exist; create it first`);
  const temp = path.join(parent, `.${path.basename(out)}.bundle-${process.pid}-${Date.now()}`);
  fs.mkdirSync(temp);
  try {
    const config: BundleConfig = { ...input.config, datasetId: '' };

    // The dataset as ssro_torch.train reads it, fingerprinted from the copies (what the bundle holds).
    const datasetDir = path.join(temp, BUNDLE_FILES.dataset);
    fs.mkdirSync(datasetDir);
    const sha256: Record<string, string> = {};
    for (const name of STORE_FILES) {
      const from = path.join(input.dataset.storeDir, name);
      if (!fs.existsSync(from)) throw new Error(`${from} is missing; the dataset folder is incomplete`);
      copyFile(from, path.join(datasetDir, name));
      sha256[name] = sha256File(path.join(datasetDir, name));
    }
    const fingerprint = datasetFingerprint(sha256);
    const store = JSON.parse(fs.readFileSync(path.join(datasetDir, DATASET_MANIFEST), 'utf8')) as { sampleCount?: number; side?: number; createdAt?: string };

    const splitFile = path.join(temp, BUNDLE_FILES.split);
    input.writeSplit(splitFile);
    const split = splitCounts(splitFile);
    if (split.values.length !== store.sampleCount) throw new Error(`the split has ${split.values.length} entries for a dataset of ${String(store.sampleCount)} patterns`);

    const layoutDir = path.join(temp, BUNDLE_FILES.authorsLayout);
    const layout = input.writeAuthorsLayout(layoutDir);
    const splitRewritten = alignAuthorsSplit(layoutDir, split.values);

    const engineDir = path.join(temp, BUNDLE_FILES.engine);
    fs.mkdirSync(engineDir);
    const engine = engineInfo(input.enginePackageDir);
    for (const name of engine.files) copyFile(path.join(input.enginePackageDir, name), path.join(engineDir, name));

    let init: BundleInit = { kind: 'scratch' };
    const initFile = config.imagenetWeights ?? config.initStateDict;
    if (initFile !== null) {
      if (!fs.existsSync(initFile) || !fs.statSync(initFile).isFile()) throw new Error(`the initial weights file ${initFile} does not exist`);
      fs.mkdirSync(path.join(temp, BUNDLE_FILES.init));
      const rel = path.posix.join(BUNDLE_FILES.init, path.basename(initFile));
      copyFile(initFile, path.join(temp, rel));
      init = { kind: config.imagenetWeights !== null ? 'imagenet' : 'state-dict', file: path.basename(initFile), sha256: sha256File(initFile) };
      if (config.imagenetWeights !== null) config.imagenetWeights = rel;
      else config.initStateDict = rel;
    }

    const tag = datasetIdTag(input.dataset.id, fingerprint);
    config.datasetId = tag;
    const configText = `${JSON.stringify(config, null, 2)}\n`;
    fs.writeFileSync(path.join(temp, BUNDLE_FILES.config), configText);

    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      id: crypto.randomUUID(),
      createdAt: new Date().toISOString(),
      project: input.project,
      dataset: {
        id: input.dataset.id,
        name: input.dataset.name,
        sampleCount: store.sampleCount ?? split.values.length,
        side: store.side ?? 0,
        createdAt: store.createdAt ?? null,
        fingerprint,
        fingerprintOf: FINGERPRINT_FILES.join(', '),
        dir: BUNDLE_FILES.dataset,
        sha256,
      },
      split: { file: BUNDLE_FILES.split, sha256: sha256File(splitFile), train: split.train, validation: split.validation, excluded: split.excluded },
      config: { file: BUNDLE_FILES.config, sha256: crypto.createHash('sha256').update(configText).digest('hex'), datasetIdTag: tag, outDir: config.outDir },
      engine: { dir: BUNDLE_FILES.engine, formatVersion: engine.formatVersion, sha256: engine.sha256, appVersion: input.appVersion, distributed: engine.distributed, files: engine.files },
      init,
      authorsLayout: { dir: BUNDLE_FILES.authorsLayout, transform: layout.transform, splitFromBundle: splitRewritten },
      request: input.request,
    };
    fs.writeFileSync(path.join(temp, BUNDLE_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.writeFileSync(path.join(temp, BUNDLE_FILES.readme), bundleReadme(manifest, config));
    fs.writeFileSync(path.join(temp, BUNDLE_FILES.slurm), slurmScript(manifest));
    fsyncDirectory(temp);
    if (fs.existsSync(out)) fs.rmdirSync(out); // empty (checked above)
    fs.renameSync(temp, out);
    fsyncDirectory(parent);
    return { dir: out, manifest };
  } catch (error) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

/** train.sbatch: one node; all its GPUs as torchrun ranks once the engine trains data-parallel, else one. */
export function slurmScript(manifest: BundleManifest): string {
  const gpus = manifest.engine.distributed ? 4 : 1;
  return `#!/bin/bash
#SBATCH --job-name=ssro-${manifest.id.slice(0, 8)}
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=${gpus}
#SBATCH --cpus-per-task=${4 * gpus}
#SBATCH --time=24:00:00
#SBATCH --requeue
cd "$SLURM_SUBMIT_DIR"
srun torchrun --standalone --nproc_per_node ${gpus} -m ssro_torch.train --config run.json
`;
}

/** README.txt: what is in the bundle and the exact commands. */
export function bundleReadme(manifest: BundleManifest, config: BundleConfig): string {
  const d = manifest.dataset;
  const init = manifest.init.kind === 'scratch' ? 'random (from scratch)' : `${manifest.init.kind === 'imagenet' ? 'ImageNet state_dict' : 'full state_dict'} ${BUNDLE_FILES.init}/${manifest.init.file}`;
  const ddpNote = manifest.engine.distributed
    ? ''
    : [
        '',
        '  Note: this engine copy does not split work across torchrun ranks yet (its train.py does not use',
        '  ssro_torch.distributed). Use --nproc_per_node 1 (or the one-process command) until it does; more',
        '  ranks would each train the whole run and write the same files.',
      ].join('\n');
  const ddpHowTo = manifest.engine.distributed
    ? [
        `  Each process trains on batchSize / N rows of every batch (batch ${config.batchSize}: N must divide it) and the`,
        '  gradients are summed across processes, so N processes follow the one-process run; only BatchNorm sees',
        '  batchSize / N rows per process (keep that at 16 or more). Process 0 alone writes run/ and prints progress.',
        '  A restart with another N resumes too. Without GPUs the same command runs N CPU processes (gloo backend).',
        '',
      ].join('\n')
    : '';
  return `SSRO Studio training bundle ${manifest.id}
Created ${manifest.createdAt} from project "${manifest.project.name}" (${manifest.project.dir}),
dataset ${d.id} "${d.name}": ${d.sampleCount} patterns of ${d.side} x ${d.side}, fingerprint sha256:${d.fingerprint}.
Model ${config.model}, target ${config.target}, ${config.epochs} epochs, batch ${config.batchSize} (global), lr ${config.lr},
input transform ${config.transform ?? 'default'}, initial weights ${init}.
Split: ${manifest.split.train} train, ${manifest.split.validation} validation, ${manifest.split.excluded} excluded.

Contents
  run.json          the training config; paths are relative to this folder (run every command from here)
  dataset/          the dataset as ssro_torch.train reads it: dataset.json, patterns.npy (raw intensities),
                    labels.npy (mean d), meta.npy, done.npy
  split.npy         the train/validation split (int8: 0 train, 1 validation, -1 excluded)
  authors-layout/   the same dataset in the layout of the authors' public dataset (diffraction_patterns.npy =
                    model inputs made with ${manifest.authorsLayout.transform}, targets.npy, targets_one_minus_d.npy,
                    metadata.csv, split.csv = split.npy, export.json); for other code, not read by ssro_torch.train
  ssro_torch/       the training engine (Python 3 with torch >= 1.13, torchvision and numpy)
${manifest.init.kind === 'scratch' ? '' : `  init/             the initial weights (${manifest.init.file}, sha256 ${manifest.init.sha256})\n`}  manifest.json     what this bundle is: ids, sha256 of the data, split, config and engine
  train.sbatch      the Slurm job below

Train (outputs go to run/: last.pt, best.pt, history.json, metrics.json, val_predictions.npy, model.onnx)
  One process (CPU, or one GPU):
    python3 -m ssro_torch.train --config run.json

  One node with N GPUs (data parallel; batchSize in run.json stays the global batch):
    torchrun --nproc_per_node N -m ssro_torch.train --config run.json${ddpNote}
  (torch 1.13 on Python 3.11 mis-parses torchrun's default --redirects/--tee "0"; add --redirects 1 --tee 1 there.)
${ddpHowTo}
  Slurm: submit from this folder with "sbatch train.sbatch" (add the --partition/--account lines your cluster needs):
${slurmScript(manifest)
  .trimEnd()
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}

  A run that stops (time limit, pre-emption, Ctrl-C) resumes from run/last.pt: start the same command again.
  To train longer, raise "epochs" in run.json and start it again (the other settings must stay as they are).

Bring the model back into the project (checks it against manifest.json and records where it came from):
  ssro model import PROJECT ${path.posix.join(BUNDLE_FILES.run, RUN_FILES.onnx)}        (from this folder; or give --bundle THIS_FOLDER)
`;
}

/** The folder of the bundle a model file sits in (its run/ folder or the bundle itself), or null. */
export function findBundleAbove(file: string): string | null {
  let dir = path.dirname(path.resolve(file));
  for (let i = 0; i < 3; i++) {
    const manifest = path.join(dir, BUNDLE_FILES.manifest);
    if (fs.existsSync(manifest)) {
      try {
        const value = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { format?: unknown };
        if (value.format === BUNDLE_FORMAT) return dir;
      } catch {
        // another program's manifest.json: keep looking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** manifest.json of a bundle folder, checked (messages name the file and what is wrong). */
export function readBundleManifest(dir: string): BundleManifest {
  const file = path.join(path.resolve(dir), BUNDLE_FILES.manifest);
  if (!fs.existsSync(file)) throw new Error(`${dir} is not a training bundle (no ${BUNDLE_FILES.manifest}); give the folder ssro train --bundle wrote`);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = bundleManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: not a training bundle manifest this app can read (${issue ? `${issue.path.join('.') || 'the manifest'}: ${issue.message}` : 'invalid'})`);
  }
  if (parsed.data.version > BUNDLE_VERSION) throw new Error(`${file}: bundle format version ${parsed.data.version} is newer than this app reads (${BUNDLE_VERSION}); update SSRO Studio`);
  return parsed.data;
}

/** What an imported model records about the bundle it was trained from (the model's params.bundle). */
export interface BundleOrigin {
  id: string;
  createdAt: string;
  dir: string;
  project: { dir: string; name: string };
  dataset: { id: number; name: string; fingerprint: string; sampleCount: number };
  split: { train: number; validation: number; excluded: number; sha256: string };
  configSha256: string;
  engine: { formatVersion: number | null; sha256: string; appVersion: string | null };
  init: BundleInit;
  /** From the run's history.json (null when the run folder has none). */
  run: { epochs: number; bestEpoch: number | null; bestValLoss: number | null } | null;
  /** The run files brought along into the model's folder. */
  runFiles: string[];
}

/** The files of a run folder an import keeps (curves, metrics, validation pairs). */
export const KEPT_RUN_FILES = [RUN_FILES.history, RUN_FILES.metrics, RUN_FILES.valPredictions] as const;

function fingerprintOf(metadata: { trainingDatasetId: unknown } & Record<string, unknown>): string | null {
  if (typeof metadata.datasetFingerprint === 'string') return metadata.datasetFingerprint;
  return parseDatasetIdTag(metadata.trainingDatasetId)?.fingerprint ?? null;
}

/**
 * Checks that a model (its ONNX metadata) was trained from the bundle in `bundleDir` and says where it came from:
 * the dataset fingerprint in the metadata must be the manifest's (refused otherwise, naming both); an initial
 * weights record in the metadata must match the manifest's. The run folder is the model file's own folder when it
 * holds history.json or metrics.json, else the bundle's run/.
 */
export function bundleOrigin(
  bundleDir: string,
  modelFile: string,
  metadata: { trainingDatasetId: unknown } & Record<string, unknown>,
): { origin: BundleOrigin; runDir: string; metrics: Record<string, unknown> | null } {
  const dir = path.resolve(bundleDir);
  const manifest = readBundleManifest(dir);
  const fingerprint = fingerprintOf(metadata);
  const expected = manifest.dataset.fingerprint;
  if (fingerprint === null) {
    throw new Error(
      `${modelFile} records no dataset fingerprint (trainingDatasetId ${JSON.stringify(metadata.trainingDatasetId)}), so it cannot be shown to come from bundle ${manifest.id} ` +
        `(dataset ${manifest.dataset.id}, sha256:${expected}); train it with the bundle's run.json, which records one`,
    );
  }
  if (fingerprint !== expected) {
    throw new Error(
      `${modelFile} was trained on dataset sha256:${fingerprint}, but bundle ${manifest.id} (${path.join(dir, BUNDLE_FILES.manifest)}) holds dataset ${manifest.dataset.id} "${manifest.dataset.name}" sha256:${expected}; ` +
        'import it with the bundle it was trained from',
    );
  }
  const recordedInit = metadata.init;
  if (recordedInit !== null && typeof recordedInit === 'object' && manifest.init.kind !== 'scratch') {
    const sha = (recordedInit as { sha256?: unknown }).sha256;
    if (typeof sha === 'string' && sha !== manifest.init.sha256) {
      throw new Error(`${modelFile} started from weights sha256 ${sha}, but bundle ${manifest.id} provides ${manifest.init.file} sha256 ${manifest.init.sha256}; it was not trained from this bundle`);
    }
  }
  const own = path.dirname(path.resolve(modelFile));
  const hasRun = (d: string): boolean => fs.existsSync(path.join(d, RUN_FILES.history)) || fs.existsSync(path.join(d, RUN_FILES.metrics));
  const runDir = hasRun(own) ? own : path.join(dir, typeof manifest.config.outDir === 'string' ? manifest.config.outDir : BUNDLE_FILES.run);
  let run: BundleOrigin['run'] = null;
  const historyFile = path.join(runDir, RUN_FILES.history);
  if (fs.existsSync(historyFile)) {
    const history = JSON.parse(fs.readFileSync(historyFile, 'utf8')) as { bestEpoch?: unknown; bestValLoss?: unknown; epochs?: unknown };
    if (!Array.isArray(history.epochs)) throw new Error(`${historyFile}: no epochs list`);
    run = {
      epochs: history.epochs.length,
      bestEpoch: typeof history.bestEpoch === 'number' ? history.bestEpoch : null,
      bestValLoss: typeof history.bestValLoss === 'number' ? history.bestValLoss : null,
    };
  }
  let metrics: Record<string, unknown> | null = null;
  const metricsFile = path.join(runDir, RUN_FILES.metrics);
  if (fs.existsSync(metricsFile)) {
    const value: unknown = JSON.parse(fs.readFileSync(metricsFile, 'utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${metricsFile}: expected a JSON object`);
    metrics = value as Record<string, unknown>;
  }
  const origin: BundleOrigin = {
    id: manifest.id,
    createdAt: manifest.createdAt,
    dir,
    project: { dir: manifest.project.dir, name: manifest.project.name },
    dataset: { id: manifest.dataset.id, name: manifest.dataset.name, fingerprint: expected, sampleCount: manifest.dataset.sampleCount },
    split: { train: manifest.split.train, validation: manifest.split.validation, excluded: manifest.split.excluded, sha256: manifest.split.sha256 },
    configSha256: manifest.config.sha256,
    engine: { formatVersion: manifest.engine.formatVersion, sha256: manifest.engine.sha256, appVersion: manifest.engine.appVersion },
    init: manifest.init,
    run,
    runFiles: KEPT_RUN_FILES.filter((name) => fs.existsSync(path.join(runDir, name))),
  };
  return { origin, runDir, metrics };
}
