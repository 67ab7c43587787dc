/**
 * The PyTorch training engine (native-workers/train/python, package ssro_torch) driven as the Node worker drives it:
 * a small synthetic dataset written by the real PatternStore (33 × 33 patterns whose ring width encodes d), basecnn
 * training that learns, the exported ONNX model in onnxruntime-node equal to PyTorch and carrying its metadata,
 * importing a 'module.'-prefixed ResNet-18 state_dict and refusing a wrong architecture, resuming after SIGKILL to
 * the same weights as an uninterrupted run, and clear refusals (NaN labels, absent CUDA, missing export arguments).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomSplit } from '../../native-workers/lib/datasets/random-split';
import { modelInput } from '../../native-workers/lib/diffraction/model-input';
import { readOnnxMetadata, readSsroModelMetadata, SSRO_METADATA_KEY, withOnnxMetadata } from '../../native-workers/lib/models/onnx-metadata';
import { readNpy, writeNpy } from '../../native-workers/lib/npy';
import { writeRingStore } from '../support/synthetic-dataset';
import { tempDir } from '../support/temp';
import { ENGINE_ENV as env, errorMessage, expectSuccess, only, PY_DIR, PYTHON, python, torchAvailable, writeInt8Npy, type EngineEvent } from '../support/torch-engine-run';

const SIDE = 33;
const GRID = { kmaxInvA: 0.24, deltaKInvA: 0.015 }; // 2·floor(0.24/0.015) + 1 = 33
const N = 200;
const SEED = 42;
/** Rows left unbuilt (done = 0) and rows the split excludes (−1): both must stay out of training. */
const NOT_DONE = [5, 77];
const EXCLUDED = [3, 150, 199];



const title = torchAvailable
  ? 'PyTorch training engine (ssro_torch) with onnxruntime-node'
  : `PyTorch training engine — skipped: ${PYTHON} cannot import torch and torchvision (apt install python3-torch python3-torchvision)`;

describe.skipIf(!torchAvailable)(title, () => {
  const work = tempDir('ssro-torch-');
  const datasetDir = path.join(work, 'dataset');
  const splitFile = path.join(work, 'split.npy');
  let labels: Float64Array = new Float64Array(0);
  let split: Int8Array = new Int8Array(0);
  let cudaPresent = false;
  const baseConfig = (outDir: string, extra: Record<string, unknown> = {}): string => {
    const file = path.join(work, `${path.basename(outDir)}.json`);
    const config = {
      datasetDir,
      splitFile,
      outDir,
      datasetId: 17,
      model: 'basecnn',
      target: 'one_minus_d',
      epochs: 5,
      batchSize: 16,
      bestAfterEpoch: 2,
      seed: SEED,
      device: 'cpu',
      // One thread: fastest on a 2-core machine where another job may hold a core, and bit-exact comparisons need
      // the same thread count in every run (reduction order).
      threads: 1,
      // The v1 transform and the paper's augmentation: this file checks v1 numbers (model-input.ts's log1-minmax,
      // ssro_torch.predict) and the learning of the paper's pipeline; torch-ensemble.test.ts covers the defaults.
      transform: 'log1-minmax',
      augmentation: 'paper',
      ...extra,
    };
    fs.writeFileSync(file, JSON.stringify(config));
    return file;
  };
  const runA = path.join(work, 'run-a');

  beforeAll(() => {
    labels = writeRingStore(datasetDir, { count: N, grid: GRID, seed: 7, notDone: NOT_DONE, regionsFromD: true });
    split = Int8Array.from(randomSplit(N, { seed: SEED }).split);
    for (const i of EXCLUDED) split[i] = -1;
    writeInt8Npy(splitFile, split);
  });

  it('probes the interpreter: one JSON line with versions and devices', () => {
    const run = python(['-m', 'ssro_torch.probe']);
    expectSuccess(run);
    expect(run.events[0]).toMatchObject({ event: 'probe', python: expect.stringMatching(/^3\./) });
    cudaPresent = run.events[0]?.cuda === true;
    expect(String(run.events[0]?.torch)).toMatch(/^\d+\.\d+/);
    expect(String(run.events[0]?.torchvision)).toMatch(/^\d+\.\d+/);
  });

  it('trains basecnn for 5 epochs (seed 42): validation loss falls, every output file is written', () => {
    const run = python(['-m', 'ssro_torch.train', '--config', baseConfig(runA)]);
    expectSuccess(run);
    expect(run.events[0]).toMatchObject({ event: 'device', device: 'cpu', cuda: false, threads: 1 });
    const usable = (wanted: number): number => split.filter((s, i) => s === wanted && !NOT_DONE.includes(i)).length;
    expect(only(run, 'data')[0]).toMatchObject({ side: SIDE, train: usable(0), validation: usable(1), excluded: EXCLUDED.length, notDone: NOT_DONE.length });
    const epochs = only(run, 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    const first = epochs[0]?.valLoss as number;
    const last = epochs[4]?.valLoss as number;
    process.stdout.write(`torch engine: basecnn validation L1 by epoch ${epochs.map((e) => (e.valLoss as number).toFixed(4)).join(' ')}\n`);
    // Rings encode d strongly: five epochs at least halve the validation L1 loss.
    expect(last).toBeLessThan(0.5 * first);
    expect(only(run, 'batch').length).toBeGreaterThanOrEqual(5);
    const done = only(run, 'done')[0] as EngineEvent & { outputs: Record<string, string>; bestEpoch: number };
    for (const file of Object.values(done.outputs)) expect(fs.existsSync(file), file).toBe(true);

    const history = JSON.parse(fs.readFileSync(path.join(runA, 'history.json'), 'utf8')) as { bestEpoch: number; epochs: { epoch: number; valLoss: number }[] };
    expect(history.epochs.map((e) => e.valLoss)).toEqual(epochs.map((e) => e.valLoss));
    expect(history.bestEpoch).toBe(done.bestEpoch);

    const table = readNpy(path.join(runA, 'val_predictions.npy'));
    expect(table.shape).toEqual([usable(1), 3]);
    const rows = table.data as Float64Array;
    for (let r = 0; r < usable(1); r++) {
      const index = rows[3 * r] as number;
      expect(split[index]).toBe(1);
      expect(rows[3 * r + 1]).toBe(labels[index]);
    }
    const metrics = JSON.parse(fs.readFileSync(path.join(runA, 'metrics.json'), 'utf8')) as {
      validation: { count: number; mae: number; rmse: number; r2: number };
      train: { count: number };
      regions: { validation: Record<string, { count: number }> };
    };
    expect(metrics.validation.count).toBe(usable(1));
    expect(metrics.train.count).toBe(usable(0));
    expect(metrics.validation.r2).toBeGreaterThan(0.5);
    expect(Object.keys(metrics.regions.validation).sort()).toEqual(['actr', 'grain', 'interior']);
    const regionTotal = Object.values(metrics.regions.validation).reduce((s, m) => s + m.count, 0);
    expect(regionTotal).toBe(usable(1));
  });

  it('the exported ONNX model in onnxruntime-node equals PyTorch on the same patterns and carries target and preprocessing', async () => {
    // Raw patterns straight from the dataset file: validation rows, as a stack for ssro_torch.predict.
    const patterns = readNpy(path.join(datasetDir, 'patterns.npy')).data as Float32Array;
    const rows = [...split.keys()].filter((i) => split[i] === 1 && !NOT_DONE.includes(i)).slice(0, 24);
    const stack = new Float32Array(rows.length * SIDE * SIDE);
    rows.forEach((row, k) => stack.set(patterns.subarray(row * SIDE * SIDE, (row + 1) * SIDE * SIDE), k * SIDE * SIDE));
    const stackFile = path.join(work, 'stack.npy');
    writeNpy(stackFile, stack, [rows.length, SIDE, SIDE]);
    const predFile = path.join(work, 'torch-pred.npy');
    expectSuccess(python(['-m', 'ssro_torch.predict', '--weights', path.join(runA, 'best.pt'), '--model', 'basecnn', '--input', stackFile, '--out', predFile]));
    const torchPred = readNpy(predFile).data as Float32Array;

    // The Node side preprocesses with its own model-input.ts, then runs the ONNX file.
    const inputs = new Float32Array(stack.length);
    for (let k = 0; k < rows.length; k++) modelInput(stack.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE), inputs.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE));
    const bytes = new Uint8Array(fs.readFileSync(path.join(runA, 'model.onnx')));
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['patterns']);
    expect(session.outputNames).toEqual(['prediction']);
    const result = await session.run({ patterns: new ort.Tensor('float32', inputs, [rows.length, 1, SIDE, SIDE]) });
    const onnxPred = result.prediction?.data as Float32Array;
    expect(result.prediction?.dims).toEqual([rows.length, 1]);
    for (let k = 0; k < rows.length; k++) expect(Math.abs((onnxPred[k] as number) - (torchPred[k] as number))).toBeLessThan(1e-4);

    // … and agrees with the run's own val_predictions.npy (1 − d → d).
    const table = readNpy(path.join(runA, 'val_predictions.npy')).data as Float64Array;
    const byIndex = new Map<number, number>();
    for (let r = 0; r < table.length / 3; r++) byIndex.set(table[3 * r] as number, table[3 * r + 2] as number);
    rows.forEach((row, k) => expect(Math.abs(1 - (onnxPred[k] as number) - (byIndex.get(row) as number))).toBeLessThan(1e-4));

    const raw = readOnnxMetadata(bytes);
    expect(Object.keys(raw)).toContain(SSRO_METADATA_KEY);
    const meta = readSsroModelMetadata(bytes);
    const metrics = JSON.parse(fs.readFileSync(path.join(runA, 'metrics.json'), 'utf8')) as { validation: { mae: number } };
    expect(meta).toMatchObject({
      format: 'ssro-model',
      version: 1,
      architecture: 'basecnn',
      target: 'one_minus_d',
      preprocessing: { transform: 'log1-minmax', side: SIDE, kmaxInvA: GRID.kmaxInvA, deltaKInvA: GRID.deltaKInvA, logClip: 1 },
      trainingDatasetId: 17,
      epochs: 5,
      seed: SEED,
    });
    expect(meta?.metrics?.validation.mae).toBe(metrics.validation.mae);

    // Node can re-label a model: the edited bytes still load and predict the same.
    const relabelled = withOnnxMetadata(bytes, { note: 'checked in Node' });
    expect(readOnnxMetadata(relabelled)).toMatchObject({ note: 'checked in Node', [SSRO_METADATA_KEY]: raw[SSRO_METADATA_KEY] });
    const again = await (await ort.InferenceSession.create(relabelled)).run({ patterns: new ort.Tensor('float32', inputs, [rows.length, 1, SIDE, SIDE]) });
    expect(Array.from(again.prediction?.data as Float32Array)).toEqual(Array.from(onnxPred));
  });

  it("imports a 'module.'-prefixed ResNet-18 state_dict to ONNX equal to PyTorch, and refuses a 3-channel conv1 naming conv1.weight", async () => {
    const good = path.join(work, 'authors.pt');
    const bad = path.join(work, 'rgb.pt');
    const script = [
      'import sys, torch, torchvision',
      'from ssro_torch.models import resnet18',
      'torch.manual_seed(3)',
      'm = resnet18()',
      'for mod in m.modules():',
      '    if isinstance(mod, torch.nn.BatchNorm2d):',
      '        mod.running_mean.uniform_(-0.1, 0.1); mod.running_var.uniform_(0.5, 1.5)',
      "torch.save({'state_dict': {'module.' + k: v for k, v in m.state_dict().items()}}, sys.argv[1])",
      'w = torchvision.models.resnet18(weights=None)',
      'w.fc = torch.nn.Linear(512, 1)',
      'torch.save(w.state_dict(), sys.argv[2])',
    ].join('\n');
    expectSuccess(python(['-c', script, good, bad]));

    const onnxFile = path.join(work, 'authors.onnx');
    const args = ['--model', 'resnet18', '--target', 'one_minus_d', '--side', String(SIDE), '--kmax', String(GRID.kmaxInvA), '--delta-k', String(GRID.deltaKInvA)];
    const exported = python(['-m', 'ssro_torch.export', '--state-dict', good, ...args, '--out', onnxFile]);
    expectSuccess(exported);
    const meta = readSsroModelMetadata(new Uint8Array(fs.readFileSync(onnxFile)));
    expect(meta).toMatchObject({ architecture: 'resnet18', target: 'one_minus_d', metrics: null, preprocessing: { side: SIDE } });

    const stackFile = path.join(work, 'stack.npy');
    const predFile = path.join(work, 'authors-pred.npy');
    expectSuccess(python(['-m', 'ssro_torch.predict', '--weights', good, '--model', 'resnet18', '--input', stackFile, '--out', predFile]));
    const torchPred = readNpy(predFile).data as Float32Array;
    const stack = readNpy(stackFile);
    const count = stack.shape[0] as number;
    const inputs = new Float32Array((stack.data as Float32Array).length);
    for (let k = 0; k < count; k++) modelInput((stack.data as Float32Array).subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE), inputs.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE));
    const session = await ort.InferenceSession.create(onnxFile);
    const out = (await session.run({ patterns: new ort.Tensor('float32', inputs, [count, 1, SIDE, SIDE]) })).prediction?.data as Float32Array;
    for (let k = 0; k < count; k++) expect(Math.abs((out[k] as number) - (torchPred[k] as number))).toBeLessThan(1e-4);

    const refused = python(['-m', 'ssro_torch.export', '--state-dict', bad, ...args, '--out', path.join(work, 'rgb.onnx')]);
    expect(refused.status).toBe(2);
    expect(errorMessage(refused)).toMatch(/conv1\.weight has shape \(64, 3, 7, 7\), expected \(64, 1, 7, 7\)/);
    expect(fs.existsSync(path.join(work, 'rgb.onnx'))).toBe(false);

    const missing = python(['-m', 'ssro_torch.export', '--state-dict', good, '--model', 'resnet18', '--target', 'one_minus_d', '--side', '133', '--out', path.join(work, 'x.onnx')]);
    expect(missing.status).toBe(2);
    expect(errorMessage(missing)).toMatch(/give --kmax, --delta-k/);
  });

  it('resumes after SIGKILL at the next epoch and ends with the same weights as the uninterrupted run', async () => {
    const runB = path.join(work, 'run-b');
    const config = baseConfig(runB);
    // Kill the process the moment it reports epoch 1 (reported only after last.pt is on disk).
    const killedAt = await new Promise<number>((resolve, reject) => {
      const child = spawn(PYTHON, ['-m', 'ssro_torch.train', '--config', config], { cwd: PY_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let seen = 0;
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        const e = JSON.parse(line) as EngineEvent;
        if (e.event === 'epoch' && seen === 0) {
          seen = e.epoch as number;
          child.kill('SIGKILL');
        }
      });
      child.stderr.resume();
      child.on('error', reject);
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`the run ended before it was killed (${signal})`))));
    });
    expect(killedAt).toBe(1);
    expect(fs.existsSync(path.join(runB, 'last.pt'))).toBe(true);

    const resumed = python(['-m', 'ssro_torch.train', '--config', config]);
    expectSuccess(resumed);
    const from = only(resumed, 'resume')[0]?.fromEpoch as number;
    // The kill may land while epoch 2 is being checkpointed; either way the restart continues after the last epoch on disk.
    expect(from).toBeGreaterThanOrEqual(2);
    expect(from).toBeLessThanOrEqual(5);
    expect(only(resumed, 'epoch').map((e) => e.epoch)).toEqual([2, 3, 4, 5].filter((e) => e >= from));
    const history = (p: string): { epoch: number; valLoss: number; trainLoss: number }[] => (JSON.parse(fs.readFileSync(path.join(p, 'history.json'), 'utf8')) as { epochs: { epoch: number; valLoss: number; trainLoss: number }[] }).epochs;
    expect(history(runB).map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    // CPU, same threads: bit for bit the uninterrupted run (losses, predictions and every tensor of last.pt).
    expect(history(runB).map((e) => [e.trainLoss, e.valLoss])).toEqual(history(runA).map((e) => [e.trainLoss, e.valLoss]));
    expect(fs.readFileSync(path.join(runB, 'val_predictions.npy')).equals(fs.readFileSync(path.join(runA, 'val_predictions.npy')))).toBe(true);
    const compare = [
      'import sys, torch',
      "a, b = (torch.load(p, map_location='cpu') for p in sys.argv[1:3])",
      "same = all(torch.equal(a['model'][k], b['model'][k]) for k in a['model']) and a['model'].keys() == b['model'].keys()",
      "print('{\"event\":\"compare\",\"same\":%s}' % ('true' if same else 'false'))",
    ].join('\n');
    const compared = python(['-c', compare, path.join(runA, 'last.pt'), path.join(runB, 'last.pt')]);
    expectSuccess(compared);
    expect(compared.events[0]).toEqual({ event: 'compare', same: true });
  });

  it('refuses NaN labels (naming the folder and row count) and an absent CUDA device, with exit code 2', () => {
    const nanDir = path.join(work, 'dataset-nan');
    fs.cpSync(datasetDir, nanDir, { recursive: true });
    const bad = Float64Array.from(labels);
    bad[10] = Number.NaN;
    bad[11] = Number.NaN;
    bad[NOT_DONE[0] as number] = Number.NaN; // not built: does not count
    writeNpy(path.join(nanDir, 'labels.npy'), bad);
    const nanRun = python(['-m', 'ssro_torch.train', '--config', baseConfig(path.join(work, 'run-nan'), { datasetDir: nanDir })]);
    expect(nanRun.status).toBe(2);
    expect(errorMessage(nanRun)).toContain(nanDir);
    expect(errorMessage(nanRun)).toMatch(/2 of the \d+ rows to train on have a NaN/);

    if (cudaPresent) return; // a machine with a GPU cannot show the refusal
    const cudaRun = python(['-m', 'ssro_torch.train', '--config', baseConfig(path.join(work, 'run-cuda'), { device: 'cuda' })]);
    expect(cudaRun.status).toBe(2);
    expect(errorMessage(cudaRun)).toBe('CUDA was requested but torch reports no CUDA device; choose cpu or auto');
  });
});
