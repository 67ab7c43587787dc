/**
 * Training bundles (`ssro train … --bundle DIR`) and the way their models come back (`ssro model import`):
 *   - the bundle's files: the pattern store byte for byte (sha256 checked with an independent hash), split.npy, the
 *     authors' layout with the same split, the engine copy, run.json with relative paths and the dataset tag, the
 *     README's commands and manifest.json's checksums;
 *   - refusals: a non-empty folder, a file, a dataset still building, a missing initial-weights file — nothing
 *     written in each case;
 *   - end to end (torch): a resnet18 bundle started from a torchvision resnet18 state_dict made here (random
 *     weights, no download) trains one epoch with `python3 -m ssro_torch.train --config run.json` inside the bundle
 *     folder, using only the bundle's engine copy; `ssro model import` finds the bundle, records its provenance and
 *     the run's history/metrics, and `ssro model info PROJECT ID` prints "trained elsewhere from bundle <id>" and
 *     "init ImageNet file … (sha256 …)"; the same model offered with another dataset's bundle is refused, naming
 *     both fingerprints.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../main/core/project/project';
import { writeBundle } from '../../main/core/services/training-bundle-service';
import { modelDetails } from '../../main/core/services/model-service';
import { trainingRequestSchema, type TrainingRequest } from '../../main/shared/models';
import { bundleOriginText, initText } from '../../main/shared/model-provenance';
import { readNpy } from '../../native-workers/lib/npy';
import { readSsroModelMetadata } from '../../native-workers/lib/models/onnx-metadata';
import { datasetFingerprint, parseDatasetIdTag, readBundleManifest, STORE_FILES } from '../../native-workers/lib/models/training-bundle';
import { addSyntheticDataset } from '../support/synthetic-dataset';
import { tempDir } from '../support/temp';
import { PYTHON, torchAvailable } from '../support/torch-engine-run';

const bin = path.resolve('bin/ssro.js');
const ENGINE = path.resolve('native-workers/train/python/ssro_torch');

function ssro(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 150_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function request(datasetId: number, extra: Record<string, unknown> = {}): TrainingRequest {
  // The synthetic strips have no source structure to block a split by: the seeded random split.
  return trainingRequestSchema.parse({ datasetId, model: 'basecnn', epochs: 1, batchSize: 16, device: 'cpu', imagenetWeights: null, initStateDict: null, split: 'random', ...extra });
}

describe('training bundles', () => {
  const work = tempDir('ssro-bundle-');
  const projectDir = path.join(work, 'project');
  let datasetId = 0;
  let otherDatasetId = 0;
  let storeDir = '';

  beforeAll(() => {
    const project = Project.create(projectDir);
    try {
      const data = addSyntheticDataset(project, { rows: 1, cols: 40 });
      datasetId = data.datasetId;
      storeDir = data.dir;
      otherDatasetId = addSyntheticDataset(project, { rows: 1, cols: 30, seed: 11, name: 'other strip' }).datasetId;
    } finally {
      project.close();
    }
  });

  it('holds the dataset, split, authors’ layout, engine, run.json, README and a manifest that checks out', () => {
    const out = path.join(work, 'bundle-a');
    const project = Project.open(projectDir);
    let result: ReturnType<typeof writeBundle>;
    try {
      result = writeBundle(project, request(datasetId), out);
    } finally {
      project.close();
    }
    const m = readBundleManifest(out);
    expect(m).toEqual(result.manifest);
    expect(m.dataset.id).toBe(datasetId);
    expect(m.dataset.sampleCount).toBe(40);

    // The pattern store, byte for byte, with independently computed checksums.
    for (const name of STORE_FILES) {
      expect(fs.readFileSync(path.join(out, 'dataset', name)).equals(fs.readFileSync(path.join(storeDir, name))), name).toBe(true);
      expect(m.dataset.sha256[name]).toBe(sha256(path.join(storeDir, name)));
    }
    const patternsSha = sha256(path.join(storeDir, 'patterns.npy'));
    const labelsSha = sha256(path.join(storeDir, 'labels.npy'));
    expect(m.dataset.fingerprint).toBe(crypto.createHash('sha256').update(`patterns.npy ${patternsSha}\nlabels.npy ${labelsSha}\n`).digest('hex'));
    expect(datasetFingerprint(m.dataset.sha256)).toBe(m.dataset.fingerprint);

    // split.npy: counts in the manifest, and the authors' split.csv says the same per row.
    const split = readNpy(path.join(out, 'split.npy'));
    const values = Array.from(split.data as ArrayLike<number>);
    expect(values).toHaveLength(40);
    expect(m.split.train + m.split.validation + m.split.excluded).toBe(40);
    expect(values.filter((v) => v === 0)).toHaveLength(m.split.train);
    expect(values.filter((v) => v === 1)).toHaveLength(m.split.validation);
    expect(m.split.validation).toBeGreaterThan(0);
    expect(m.split.sha256).toBe(sha256(path.join(out, 'split.npy')));
    const csv = fs.readFileSync(path.join(out, 'authors-layout', 'split.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('index,split');
    expect(csv.slice(1).map((line) => line.split(',')[1])).toEqual(values.map((v) => (v === 0 ? 'train' : v === 1 ? 'validation' : 'excluded')));
    const inputs = readNpy(path.join(out, 'authors-layout', 'diffraction_patterns.npy'));
    expect(inputs.shape).toEqual([40, 33, 33]);
    expect(m.authorsLayout.transform).toBe('annulus-log');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'authors-layout', 'export.json'), 'utf8')).patterns.transform).toBe('annulus-log');

    // The engine copy is the engine.
    for (const name of fs.readdirSync(ENGINE).filter((f) => f.endsWith('.py'))) {
      expect(fs.readFileSync(path.join(out, 'ssro_torch', name), 'utf8'), name).toBe(fs.readFileSync(path.join(ENGINE, name), 'utf8'));
    }

    // run.json: the request's settings, paths relative to the bundle, the dataset tagged with its fingerprint.
    const configText = fs.readFileSync(path.join(out, 'run.json'), 'utf8');
    expect(m.config.sha256).toBe(crypto.createHash('sha256').update(configText).digest('hex'));
    const config = JSON.parse(configText) as Record<string, unknown>;
    expect(config).toMatchObject({ datasetDir: 'dataset', splitFile: 'split.npy', outDir: 'run', model: 'basecnn', epochs: 1, batchSize: 16, device: 'cpu', imagenetWeights: null, initStateDict: null });
    expect(parseDatasetIdTag(config.datasetId)).toEqual({ datasetId, fingerprint: m.dataset.fingerprint });
    expect(m.init).toEqual({ kind: 'scratch' });

    const readme = fs.readFileSync(path.join(out, 'README.txt'), 'utf8');
    expect(readme).toContain('python3 -m ssro_torch.train --config run.json');
    expect(readme).toContain('torchrun --nproc_per_node N -m ssro_torch.train --config run.json');
    expect(readme).toContain('sbatch train.sbatch');
    const sbatch = fs.readFileSync(path.join(out, 'train.sbatch'), 'utf8');
    expect(sbatch).toMatch(/^#!\/bin\/bash\n#SBATCH --job-name=ssro-/);
    expect(sbatch).toContain(`--nproc_per_node ${m.engine.distributed ? 4 : 1} -m ssro_torch.train --config run.json`);
    expect(readme).toContain(sbatch.split('\n')[1]);
    expect(readme).toContain(m.id);
    expect(readme).toContain('ssro model import PROJECT run/model.onnx');
  });

  it('refuses a non-empty folder, a file, a dataset still building and a missing weights file, writing nothing', () => {
    const project = Project.open(projectDir);
    try {
      const full = path.join(work, 'full');
      fs.mkdirSync(full);
      fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
      expect(() => writeBundle(project, request(datasetId), full)).toThrow(/exists and is not empty/);
      expect(fs.readdirSync(full)).toEqual(['keep.txt']);

      const file = path.join(work, 'a-file');
      fs.writeFileSync(file, 'x');
      expect(() => writeBundle(project, request(datasetId), file)).toThrow(/is a file/);

      const building = project.datasets.create('half built', { splitSeed: 42 }, 10, []);
      expect(() => writeBundle(project, request(building.id), path.join(work, 'b-building'))).toThrow(/still building/);
      expect(fs.existsSync(path.join(work, 'b-building'))).toBe(false);

      const missing = path.join(work, 'no-such-weights.pt');
      expect(() => writeBundle(project, request(datasetId, { model: 'resnet18', imagenetWeights: missing }), path.join(work, 'b-missing'))).toThrow(/ImageNet weights file .*no-such-weights\.pt does not exist/);
      expect(fs.existsSync(path.join(work, 'b-missing'))).toBe(false);

      // An empty folder is fine (e.g. made by a job script beforehand).
      const empty = path.join(work, 'empty');
      fs.mkdirSync(empty);
      writeBundle(project, request(otherDatasetId), empty);
      expect(readBundleManifest(empty).dataset.id).toBe(otherDatasetId);
    } finally {
      project.close();
    }
    // Leftover temporary folders would show as hidden siblings.
    expect(fs.readdirSync(work).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  describe.skipIf(!torchAvailable)('trained elsewhere and imported back (torch)', () => {
    const bundle = path.join(work, 'bundle-gpu');
    const weights = path.join(work, 'resnet18-imagenet.pt');
    let weightsSha = '';
    let bundleId = '';
    let modelId = 0;

    beforeAll(() => {
      // torchvision's resnet18 with random weights, saved as a state_dict: stands for the ImageNet file.
      const made = spawnSync(PYTHON, ['-c', `import torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet18().state_dict(), ${JSON.stringify(weights)})`], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(made.stderr);
      weightsSha = sha256(weights);
      const r = ssro('train', projectDir, '--dataset', String(datasetId), '--model', 'resnet18', '--epochs', '1', '--batch', '16', '--device', 'cpu', '--imagenet-weights', weights, '--split', 'random', '--bundle', bundle);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(bundle);
      bundleId = readBundleManifest(bundle).id;
      expect(r.stderr).toContain(`bundle ${bundleId}`);
    }, 120_000);

    it('records the ImageNet file as the init and carries a copy', () => {
      const m = readBundleManifest(bundle);
      expect(m.init).toEqual({ kind: 'imagenet', file: 'resnet18-imagenet.pt', sha256: weightsSha });
      expect(sha256(path.join(bundle, 'init', 'resnet18-imagenet.pt'))).toBe(weightsSha);
      const config = JSON.parse(fs.readFileSync(path.join(bundle, 'run.json'), 'utf8')) as Record<string, unknown>;
      expect(config.imagenetWeights).toBe('init/resnet18-imagenet.pt');
      expect(config.model).toBe('resnet18');
    });

    it('trains one epoch from inside the bundle with its own engine copy', () => {
      // No PYTHONPATH: ssro_torch must come from the bundle folder (the working directory).
      const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' };
      delete env.PYTHONPATH;
      const r = spawnSync(PYTHON, ['-m', 'ssro_torch.train', '--config', 'run.json'], { cwd: bundle, env, encoding: 'utf8', timeout: 300_000 });
      expect(r.status, r.stderr.slice(-3000)).toBe(0);
      const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
      expect(events.filter((e) => e.event === 'epoch')).toHaveLength(1);
      expect(events.at(-1)?.event).toBe('done');
      for (const name of ['model.onnx', 'history.json', 'metrics.json', 'val_predictions.npy']) expect(fs.existsSync(path.join(bundle, 'run', name)), name).toBe(true);
      const meta = readSsroModelMetadata(new Uint8Array(fs.readFileSync(path.join(bundle, 'run', 'model.onnx'))));
      expect(parseDatasetIdTag(meta?.trainingDatasetId)?.fingerprint).toBe(readBundleManifest(bundle).dataset.fingerprint);
      // The engine's own init record (hashing the copy in init/) agrees with the manifest's.
      expect(meta?.init).toEqual(readBundleManifest(bundle).init);
    }, 300_000);

    it('imports back with its provenance, shown by ssro model info and the model facts', () => {
      const r = ssro('model', 'import', projectDir, path.join(bundle, 'run', 'model.onnx'));
      expect(r.status, r.stderr).toBe(0);
      modelId = Number(r.stdout.trim());
      expect(r.stderr).toContain(`trained elsewhere from bundle ${bundleId}`);

      const project = Project.open(projectDir);
      try {
        const details = modelDetails(project, modelId);
        const origin = details.model.params.bundle as { id: string; dataset: { id: number }; run: { epochs: number }; runFiles: string[] };
        expect(origin.id).toBe(bundleId);
        expect(origin.dataset.id).toBe(datasetId);
        expect(origin.run.epochs).toBe(1);
        expect(origin.runFiles).toEqual(['history.json', 'metrics.json', 'val_predictions.npy']);
        // The run's files came along: curves and validation pairs as for a local run, metrics.json as the metrics.
        expect(details.history?.epochs).toHaveLength(1);
        expect(details.validation?.index.length).toBe(readBundleManifest(bundle).split.validation);
        expect(details.model.metrics).toEqual(JSON.parse(fs.readFileSync(path.join(bundle, 'run', 'metrics.json'), 'utf8')));
        const text = bundleOriginText(details.model.params) ?? '';
        expect(text).toMatch(new RegExp(`^trained elsewhere from bundle ${bundleId} \\(\\d{4}-\\d\\d-\\d\\dT[^)]+\\) on dataset ${datasetId}`));
        expect(initText(details.metadata, details.model.params)).toBe(`ImageNet file resnet18-imagenet.pt (sha256 ${weightsSha.slice(0, 12)}…)`);
      } finally {
        project.close();
      }

      const info = ssro('model', 'info', projectDir, String(modelId));
      expect(info.status, info.stderr).toBe(0);
      expect(info.stdout).toMatch(new RegExp(`origin +trained elsewhere from bundle ${bundleId} \\(`));
      expect(info.stdout).toMatch(/origin .*; 1 epochs, best 1/);
      expect(info.stdout).toContain(`init          ImageNet file resnet18-imagenet.pt (sha256 ${weightsSha.slice(0, 12)}…)`);
    });

    it('a model trained here from the same file shows the same init, from its ONNX metadata', () => {
      const r = ssro('train', projectDir, '--dataset', String(datasetId), '--model', 'resnet18', '--epochs', '1', '--batch', '16', '--device', 'cpu', '--imagenet-weights', weights, '--split', 'random', '--name', 'local imagenet');
      expect(r.status, r.stderr).toBe(0);
      const local = Number(r.stdout.trim());
      const info = ssro('model', 'info', projectDir, String(local));
      expect(info.status, info.stderr).toBe(0);
      expect(info.stdout).toContain(`init          ImageNet file resnet18-imagenet.pt (sha256 ${weightsSha.slice(0, 12)}…)`);
      expect(info.stdout).not.toContain('origin');
      const json = JSON.parse(ssro('model', 'info', projectDir, String(local), '--json').stdout) as { ssro: { init: unknown } };
      expect(json.ssro.init).toEqual({ kind: 'imagenet', file: 'resnet18-imagenet.pt', sha256: weightsSha });
    }, 300_000);

    it('refuses the model with a bundle of another dataset, naming both fingerprints', () => {
      const other = path.join(work, 'bundle-other');
      const project = Project.open(projectDir);
      try {
        writeBundle(project, request(otherDatasetId), other);
      } finally {
        project.close();
      }
      const theirs = readBundleManifest(other).dataset.fingerprint;
      const ours = readBundleManifest(bundle).dataset.fingerprint;
      expect(theirs).not.toBe(ours);
      const r = ssro('model', 'import', projectDir, path.join(bundle, 'run', 'model.onnx'), '--bundle', other);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`trained on dataset sha256:${ours}`);
      expect(r.stderr).toContain(`sha256:${theirs}`);
      // A copy of the model outside any bundle imports as a plain model: nothing to check, nothing claimed.
      const loose = path.join(work, 'loose.onnx');
      fs.copyFileSync(path.join(bundle, 'run', 'model.onnx'), loose);
      const plain = ssro('model', 'import', projectDir, loose);
      expect(plain.status, plain.stderr).toBe(0);
      expect(plain.stderr).not.toContain('trained elsewhere');
    });
  });
});
