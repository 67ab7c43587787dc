/**
 * The model commands as a user runs them (compiled, in child processes): `ssro train` prints the model id,
 * `ssro predict` on a raw .npy stack and on an export folder agrees with PyTorch, `ssro model info` describes ours
 * and foreign models, `ssro model import-torch` converts a checkpoint and refuses the wrong architecture, and a
 * foreign model is refused by `ssro predict` until its preprocessing is given.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../main/core/project/project';
import { protobufFields, SSRO_METADATA_KEY } from '../../native-workers/lib/models/onnx-metadata';
import { readNpy, writeNpy } from '../../native-workers/lib/npy';
import { addSyntheticDataset, SYNTHETIC_SIDE } from '../support/synthetic-dataset';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const PY_DIR = path.resolve('native-workers/train/python');
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;
const bin = path.resolve('bin/ssro.js');

function ssro(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 150_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface PredictionRow {
  index: number;
  d: number;
  dTrue?: number;
  region?: string;
  split?: string;
}

function readCsv(file: string, header = 'index,d'): PredictionRow[] {
  const [first, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  expect(first).toBe(header);
  return rows.map((line) => {
    const [index, d, dTrue, region, split] = line.split(',');
    return { index: Number(index), d: Number(d), ...(dTrue !== undefined ? { dTrue: Number(dTrue), region, split } : {}) };
  });
}

const title = torchAvailable ? 'ssro train / predict / model' : `ssro train / predict / model — skipped: ${PYTHON} cannot import torch (apt install python3-torch python3-torchvision)`;

describe.skipIf(!torchAvailable)(title, () => {
  const work = tempDir('ssro-models-cli-');
  const projectDir = path.join(work, 'project');
  const stack = path.join(work, 'stack.npy');
  let datasetId = 0;
  let modelId = 0;
  let onnx = '';
  let best = '';
  let torchD: number[] = [];
  const N = 24;

  beforeAll(() => {
    expect(ssro('project', 'init', projectDir).status).toBe(0);
    const project = Project.open(projectDir);
    try {
      const data = addSyntheticDataset(project, { rows: 1, cols: 60 });
      datasetId = data.datasetId;
      // The first N raw patterns as float64, the layout `ssro diffract --raw … --centers` writes.
      const patterns = readNpy(path.join(data.dir, 'patterns.npy')).data as Float32Array;
      writeNpy(stack, Float64Array.from(patterns.subarray(0, N * SYNTHETIC_SIDE * SYNTHETIC_SIDE)), [N, SYNTHETIC_SIDE, SYNTHETIC_SIDE]);
    } finally {
      project.close();
    }
  });

  it('ssro train prints the model id; --resume of a finished model is refused', () => {
    // The v1 input: the foreign-model and import-torch tests below stand for the authors' checkpoints, which use it.
    const r = ssro('train', projectDir, '--dataset', String(datasetId), '--model', 'basecnn', '--epochs', '2', '--batch', '16', '--device', 'cpu', '--name', 'cli model', '--transform', 'log1-minmax', '--augmentation', 'paper', '--split', 'random');
    expect(r.stderr).toMatch(/train: model \d+ \(cli model\)/);
    expect(r.stderr).toMatch(/validation MAE \d\.\d{4}, RMSE/);
    // 60 patterns: the seeded 80/20 split, labelled as optimistic wherever it is shown.
    expect(r.stderr).toContain('train: split random (overlapping probes — optimistic): 48 train / 12 validation / 0 excluded');
    expect(r.status, r.stderr).toBe(0);
    modelId = Number(r.stdout.trim());
    expect(modelId).toBeGreaterThan(0);
    const list = JSON.parse(ssro('model', 'list', projectDir, '--json').stdout) as { id: number; state: string; onnxPath: string }[];
    const model = list.find((m) => m.id === modelId);
    expect(model?.state).toBe('trained');
    onnx = model?.onnxPath as string;
    best = path.join(path.dirname(onnx), 'best.pt');
    const again = ssro('train', projectDir, '--resume', String(modelId));
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`model ${modelId} has finished training`);
    expect(ssro('train', projectDir, '--resume', String(modelId), '--model', 'resnet18').stderr).toMatch(/leave out --model/);
  });

  it('ssro train blocks by default and refuses what cannot be split, saying what to do', () => {
    // The synthetic strip's structure is not in the project: its cell is unknown, so nothing can be blocked.
    const blocked = ssro('train', projectDir, '--dataset', String(datasetId), '--model', 'basecnn', '--epochs', '1');
    expect(blocked.status).toBe(1);
    expect(blocked.stderr).toMatch(/split: structure 1, which the dataset was built from, is no longer in the project.*--split structure or --split random/);
    const one = ssro('train', projectDir, '--dataset', String(datasetId), '--split', 'structure', '--holdout-structure', '1');
    expect(one.stderr).toMatch(/leave-structure-out needs a dataset of two or more structures; this one has only 1 synthetic boundary/);
    expect(ssro('train', projectDir, '--dataset', String(datasetId), '--split', 'structure').stderr).toMatch(/split "structure" needs the structures to hold out/);
    expect(ssro('train', projectDir, '--dataset', String(datasetId), '--ema-decay', '1.5').stderr).toMatch(/a decay in \[0, 1\)/);
    const models = JSON.parse(ssro('model', 'list', projectDir, '--json').stdout) as unknown[];
    expect(models).toHaveLength(1);
  });

  it('ssro dataset export --split writes train, validation and excluded and records the split', () => {
    const out = path.join(work, 'export-random');
    const r = ssro('dataset', 'export', projectDir, String(datasetId), out, '--split', 'random', '--validation-fraction', '0.25');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('export: split random (overlapping probes — optimistic): 45 train / 15 validation / 0 excluded');
    const record = JSON.parse(fs.readFileSync(path.join(out, 'export.json'), 'utf8')) as { split: { record: { kind: string; counts: { validation: number } } } };
    expect(record.split.record.kind).toBe('random');
    expect(record.split.record.counts.validation).toBe(15);
    const words = fs.readFileSync(path.join(out, 'split.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',')[1]);
    expect(words.filter((w) => w === 'validation')).toHaveLength(15);
    const refused = ssro('dataset', 'export', projectDir, String(datasetId), path.join(work, 'export-blocked'), '--split', 'blocked');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/is no longer in the project/);
    expect(fs.existsSync(path.join(work, 'export-blocked'))).toBe(false);
  });

  it('ssro predict on a raw .npy stack equals PyTorch, and an export folder gives the same d', () => {
    const out = path.join(work, 'pred.csv');
    const r = ssro('predict', onnx, stack, '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/records no k-grid: its pixel size is taken to be the model's \(kmax 0\.24 Å⁻¹, Δk 0\.015 Å⁻¹\)/);
    const rows = readCsv(out);
    expect(rows.map((row) => row.index)).toEqual(Array.from({ length: N }, (_, i) => i));
    const torchOut = path.join(work, 'torch.npy');
    const t = spawnSync(PYTHON, ['-m', 'ssro_torch.predict', '--weights', best, '--model', 'basecnn', '--input', stack, '--out', torchOut], {
      cwd: PY_DIR,
      env: { ...process.env, PYTHONPATH: PY_DIR, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
    });
    expect(t.status, t.stderr).toBe(0);
    torchD = Array.from(readNpy(torchOut).data as Float32Array, (y) => 1 - y);
    rows.forEach((row, i) => expect(Math.abs(row.d - (torchD[i] as number))).toBeLessThan(1e-4));

    const exportDir = path.join(work, 'export');
    expect(ssro('dataset', 'export', projectDir, String(datasetId), exportDir).status).toBe(0);
    // The model trained on the dataset's own split: the one the export writes to split.csv.
    const splitCsv = fs.readFileSync(path.join(exportDir, 'split.csv'), 'utf8').trim().split('\n').slice(1).map((line) => (line.endsWith('validation') ? 1 : 0));
    expect(Array.from(readNpy(path.join(path.dirname(path.dirname(onnx)), 'split.npy')).data as Int8Array)).toEqual(splitCsv);
    const fromExport = path.join(work, 'pred-export.csv');
    const metricsFile = path.join(work, 'export-metrics.json');
    const e = ssro('predict', onnx, exportDir, '--out', fromExport, '--batch', '7', '--metrics', metricsFile);
    expect(e.status, e.stderr).toBe(0);
    const exported = readCsv(fromExport, 'index,d,d_true,region,split');
    expect(exported).toHaveLength(60);
    exported.slice(0, N).forEach((row, i) => expect(Math.abs(row.d - (rows[i] as { d: number }).d)).toBeLessThan(1e-6));
    // The metrics against the export's labels, recomputed here from the CSV's own columns.
    const targets = readNpy(path.join(exportDir, 'targets.npy')).data as Float32Array;
    exported.forEach((row, i) => expect(row.dTrue).toBeCloseTo(targets[i] as number, 6));
    const rmse = (list: PredictionRow[]): number => Math.sqrt(list.reduce((s, r) => s + (r.d - (r.dTrue as number)) ** 2, 0) / list.length);
    const report = JSON.parse(fs.readFileSync(metricsFile, 'utf8')) as { overall: { count: number; rmse: number }; splits: { validation: { count: number; rmse: number } }; regions: Record<string, { count: number; rmse: number }> };
    expect(report.overall.count).toBe(60);
    expect(report.overall.rmse).toBeCloseTo(rmse(exported), 9);
    const validation = exported.filter((r) => r.split === 'validation');
    expect(report.splits.validation.count).toBe(validation.length);
    expect(report.splits.validation.rmse).toBeCloseTo(rmse(validation), 9);
    expect(Object.keys(report.regions).sort()).toEqual([...new Set(exported.map((r) => r.region))].sort());
    expect(Object.keys(report.regions).length).toBeGreaterThan(1);
    for (const [region, m] of Object.entries(report.regions)) expect(m.rmse).toBeCloseTo(rmse(exported.filter((r) => r.region === region)), 9);
    expect(e.stderr).toMatch(/predict: overall: n 60, MAE [\d.]+, RMSE [\d.]+/);
    // The project dataset folder itself (found with `dataset list --json`): the same predictions and labels.
    const listed = JSON.parse(ssro('dataset', 'list', projectDir, '--json').stdout) as { id: number; folder: string; state: string }[];
    const folder = listed.find((d) => d.id === datasetId);
    expect(folder?.state).toBe('complete');
    const fromFolder = path.join(work, 'pred-folder.csv');
    const folderMetrics = path.join(work, 'folder-metrics.json');
    const f = ssro('predict', onnx, folder?.folder ?? '', '--out', fromFolder, '--metrics', folderMetrics);
    expect(f.status, f.stderr).toBe(0);
    const folderRows = readCsv(fromFolder, 'index,d,d_true,region,split');
    folderRows.forEach((row, i) => {
      expect(Math.abs(row.d - (exported[i] as PredictionRow).d)).toBeLessThan(1e-6);
      expect(row.dTrue).toBeCloseTo((exported[i] as PredictionRow).dTrue as number, 6);
      expect(row.region).toBe((exported[i] as PredictionRow).region);
    });
    const folderReport = JSON.parse(fs.readFileSync(folderMetrics, 'utf8')) as typeof report;
    expect(folderReport.overall.rmse).toBeCloseTo(report.overall.rmse, 6);
    // A raw stack has no labels to compare with.
    expect(ssro('predict', onnx, stack, '--out', out, '--metrics', metricsFile).stderr).toMatch(/--metrics needs labels \(a dataset export with targets.npy, or a project dataset folder\)/);
  });

  it('ssro model predict stores a prediction of a project dataset with its evaluation', () => {
    const r = ssro('model', 'predict', projectDir, String(modelId), '--dataset', String(datasetId), '--split', 'validation', '--name', 'cli prediction');
    expect(r.status, r.stderr).toBe(0);
    const predictionId = Number(r.stdout.trim());
    expect(predictionId).toBeGreaterThan(0);
    // The dataset's seeded 80/20 split of 60 patterns: 12 validation patterns, the same as the training run's.
    expect(r.stderr).toMatch(/predict: overall: n 12, MAE [\d.]+, RMSE [\d.]+, R² /);
    const project = Project.open(projectDir);
    try {
      const stored = project.predictions.get(predictionId);
      expect(stored).toMatchObject({ name: 'cli prediction', modelId, datasetId, count: 12 });
      const run = project.models.get(modelId).metrics as { validation: { rmse: number } };
      // The training run measured the same patterns with PyTorch; onnxruntime agrees to float precision.
      expect(stored.metrics?.overall.rmse).toBeCloseTo(run.validation.rmse, 4);
    } finally {
      project.close();
    }
    expect(ssro('model', 'predict', projectDir, '999', '--dataset', String(datasetId)).stderr).toMatch(/model 999 does not exist in this project/);
  });

  it('ssro model info describes our model, as text and JSON', () => {
    const text = ssro('model', 'info', onnx);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/architecture\s+basecnn/);
    expect(text.stdout).toMatch(/target\s+one_minus_d \(the output is 1 − d\)/);
    expect(text.stdout).toMatch(/input\s+33×33, kmax 0\.24 Å⁻¹, Δk 0\.015 Å⁻¹\ntransform\s+log1-minmax \(v1\): log\(max\(I, 1\)\), per-pattern min–max/);
    expect(text.stdout).toMatch(/graph\s+patterns float32 \[batch, 1, 33, 33\] → prediction float32 \[batch, 1\]/);
    expect(text.stdout).toMatch(/validation\s+n 12, MAE/);
    expect(text.stdout).toContain('split         random (overlapping probes — optimistic): 48 train / 12 validation / 0 excluded');
    // The per-structure table from the run folder's metrics.json.
    expect(text.stdout).toMatch(/ {2}structure\s+n\s+MAE\s+RMSE\s+R².*\n {2}synthetic boundary\s+12\s/);
    const json = JSON.parse(ssro('model', 'info', onnx, '--json').stdout) as {
      ssro: { trainingDatasetId: number; preprocessing: { side: number }; split: { kind: string } };
      sha256: string;
      runMetrics: { structures: { validation: Record<string, { name: string; count: number }> } };
    };
    expect(json.ssro.split.kind).toBe('random');
    expect(json.runMetrics.structures.validation['0']).toMatchObject({ name: 'synthetic boundary', count: 12 });
    expect(json.ssro.preprocessing.side).toBe(33);
    expect(json.ssro.trainingDatasetId).toBe(datasetId);
    expect(json.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a foreign ONNX model needs --target, --kmax and --delta-k', () => {
    const bytes = new Uint8Array(fs.readFileSync(onnx));
    const kept: Uint8Array[] = [];
    for (const f of protobufFields(bytes)) {
      if (f.number === 14 && Buffer.from(bytes.subarray(f.valueStart, f.end)).includes(Buffer.from(SSRO_METADATA_KEY))) continue;
      kept.push(bytes.subarray(f.start, f.end));
    }
    const foreign = path.join(work, 'foreign.onnx');
    fs.writeFileSync(foreign, Buffer.concat(kept));
    expect(ssro('model', 'info', foreign).stdout).toMatch(/SSRO metadata none: .*needs --target, --kmax and --delta-k/);
    const out = path.join(work, 'foreign.csv');
    const refused = ssro('predict', foreign, stack, '--out', out);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/carries no SSRO metadata.*give --target, --kmax, --delta-k/);
    expect(fs.existsSync(out)).toBe(false);
    expect(ssro('predict', foreign, stack, '--out', out, '--target', 'one_minus_d', '--kmax', '0.24').stderr).toMatch(/give --delta-k:/);
    const ok = ssro('predict', foreign, stack, '--out', out, '--target', 'one_minus_d', '--kmax', '0.24', '--delta-k', '0.015');
    expect(ok.status, ok.stderr).toBe(0);
    readCsv(out).forEach((row, i) => expect(Math.abs(row.d - (torchD[i] as number))).toBeLessThan(1e-4));
  });

  it('ssro model import-torch converts a checkpoint to an equal ONNX model and refuses the wrong architecture', () => {
    const wrong = ssro('model', 'import-torch', best, '--out', path.join(work, 'wrong.onnx'), '--model', 'resnet18', '--kmax', '0.24');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/best\.pt does not fit the resnet18 architecture \(expected a torchvision ResNet-18 with conv1/);
    expect(fs.existsSync(path.join(work, 'wrong.onnx'))).toBe(false);
    const converted = path.join(work, 'converted.onnx');
    const ok = ssro('model', 'import-torch', best, '--out', converted, '--model', 'basecnn', '--kmax', '0.24', '--delta-k', '0.015');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe(converted);
    expect(ssro('model', 'info', converted).stdout).toMatch(/source\s+\{"kind":"imported-state-dict","file":"best\.pt"\}/);
    const out = path.join(work, 'converted.csv');
    expect(ssro('predict', converted, stack, '--out', out).status).toBe(0);
    readCsv(out).forEach((row, i) => expect(Math.abs(row.d - (torchD[i] as number))).toBeLessThan(1e-4));
    // A project registers the checkpoint the same way (its id on stdout).
    const registered = ssro('model', 'import', projectDir, best, '--model', 'basecnn', '--target', 'one_minus_d', '--kmax', '0.24', '--delta-k', '0.015');
    expect(registered.status, registered.stderr).toBe(0);
    expect(Number(registered.stdout.trim())).toBeGreaterThan(modelId);
    expect(ssro('model', 'import', projectDir, best).stderr).toMatch(/give architecture \(resnet18 or basecnn or compactcnn or invariant-mlp\), target \(d or one_minus_d\), kmaxInvA \(Å⁻¹\), deltaKInvA \(Å⁻¹\)/);
  });
});
