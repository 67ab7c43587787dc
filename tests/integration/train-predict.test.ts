/**
 * Training and inference through the core, as the GUI and CLI use them, with real PyTorch and onnxruntime-node: a
 * train job on a synthetic project dataset registers its model with metrics and streams live tables; a cancelled run
 * resumes from its checkpoint; a killed worker takes Python with it and its run resumes; predict jobs equal
 * PyTorch's own inference and carry metrics, parity density and strip profiles; bad inputs fail with what to do.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import type { JobSummary } from '../../main/shared/domain';
import type { EventName, Events } from '../../main/shared/ipc-contract';
import { BATCH_SERIES_COLUMNS, TRAINING_SERIES_COLUMNS } from '../../main/shared/models';
import { protobufFields, readOnnxMetadata, SSRO_METADATA_KEY } from '../../native-workers/lib/models/onnx-metadata';
import { readNpy, writeNpy } from '../../native-workers/lib/npy';
import { addSyntheticDataset, SYNTHETIC_GRID, type SyntheticDataset } from '../support/synthetic-dataset';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const PY_DIR = path.resolve('native-workers/train/python');
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;
const cudaPresent = torchAvailable && spawnSync(PYTHON, ['-c', 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'], { stdio: 'ignore' }).status === 0;

let core: AppCore;
let handlers: Handlers;
let data: SyntheticDataset;
const work = tempDir('ssro-train-');
const series: { jobId: number; key: string; columns: string[]; rows: number[][] }[] = [];

async function waitJob(id: number, timeoutMs = 180_000): Promise<JobSummary> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const job = await dispatch(handlers, 'jobs.get', { id });
    if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(job.state)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish in time`);
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function seriesOf(jobId: number, key: string): number[][] {
  return series.filter((s) => s.jobId === jobId && s.key === key).flatMap((s) => s.rows);
}

// The v1 transform and the paper's augmentation: the predictions below are compared with ssro_torch.predict, which
// preprocesses with log1-minmax, and the transform is asserted in the provenance.
// The synthetic strip has no structure in the project (no cell to block along), so these runs use the random split.
const quick = { model: 'basecnn' as const, batchSize: 16, device: 'cpu' as const, seed: 42, transform: 'log1-minmax' as const, augmentation: 'paper' as const, split: 'random' as const };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The ssro_torch Python process under a worker (Linux /proc: the child whose command line runs ssro_torch). */
function pythonChildOf(workerPid: number): number | null {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== workerPid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('ssro_torch.train')) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

/** The ONNX bytes without our 'ssro' metadata entry: a foreign model. */
function stripSsroMetadata(bytes: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [];
  for (const f of protobufFields(bytes)) {
    if (f.number === 14 && f.wire === 2 && Buffer.from(bytes.subarray(f.valueStart, f.end)).includes(Buffer.from(SSRO_METADATA_KEY))) continue;
    kept.push(bytes.subarray(f.start, f.end));
  }
  return new Uint8Array(Buffer.concat(kept));
}

const title = torchAvailable
  ? 'train and predict jobs with PyTorch and onnxruntime-node'
  : `train and predict jobs — skipped: ${PYTHON} cannot import torch and torchvision (apt install python3-torch python3-torchvision)`;

describe.skipIf(!torchAvailable)(title, () => {
  let trainedModel = 0;

  beforeAll(async () => {
    core = new AppCore();
    handlers = createHandlers(core);
    await dispatch(handlers, 'project.create', { path: path.join(work, 'project') });
    await dispatch(handlers, 'settings.set', { python3Path: PYTHON });
    data = addSyntheticDataset(core.requireProject().project);
    core.on('event', <E extends EventName>(name: E, payload: Events[E]) => {
      if (name === 'job.series') series.push(payload as Events['job.series']);
    });
  });
  afterAll(async () => {
    await core.dispose();
  });

  it('trains basecnn for 3 epochs: the model is listed at once, live tables stream, the finished model has metrics', async () => {
    const { modelId, jobId } = await dispatch(handlers, 'training.run', { datasetId: data.datasetId, epochs: 3, name: 'quick', ...quick });
    trainedModel = modelId;
    const listed = await dispatch(handlers, 'models.list', {});
    expect(listed.find((m) => m.id === modelId)).toMatchObject({ state: 'training', architecture: 'basecnn', target: 'one_minus_d', source: 'trained', datasetId: data.datasetId });
    const job = await waitJob(jobId);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.outputs).toEqual([{ kind: 'model', id: modelId }]);
    expect(job.logTail.join('\n')).toMatch(/device cpu: torch/);

    const epochs = seriesOf(jobId, 'training');
    expect(epochs.map((r) => r[0])).toEqual([1, 2, 3]);
    expect(series.find((s) => s.jobId === jobId && s.key === 'training')?.columns).toEqual([...TRAINING_SERIES_COLUMNS]);
    expect(seriesOf(jobId, 'batches').length).toBeGreaterThanOrEqual(3);
    const kept = await dispatch(handlers, 'training.series', { jobId });
    expect(kept).toMatchObject({ modelId, live: false });
    expect(kept.training.rows.map((r) => r[0])).toEqual([1, 2, 3]);
    expect(kept.training.rows.map((r) => r[2])).toEqual(epochs.map((r) => r[2]));
    expect(kept.batches.columns).toEqual([...BATCH_SERIES_COLUMNS]);
    expect(kept.batches.rows.length).toBe(seriesOf(jobId, 'batches').length);

    const details = await dispatch(handlers, 'models.get', { id: modelId });
    expect(details.model).toMatchObject({ state: 'trained', name: 'quick', preprocessing: { side: 33, kmaxInvA: SYNTHETIC_GRID.kmaxInvA, deltaKInvA: SYNTHETIC_GRID.deltaKInvA } });
    expect(details.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.existsSync(details.model.onnxPath as string)).toBe(true);
    expect(details.metadata).toMatchObject({ architecture: 'basecnn', target: 'one_minus_d', trainingDatasetId: data.datasetId, epochs: 3 });
    expect(details.history?.epochs).toHaveLength(3);
    // 160 patterns, the dataset's own 80/20 split (seed 42): 32 validation patterns with their predictions.
    expect(details.validation?.metrics.count).toBe(32);
    expect(details.validation?.index).toHaveLength(32);
    const metrics = details.model.metrics as { validation: { count: number; mae: number }; train: { count: number }; regions: { validation: Record<string, unknown> } };
    expect(metrics.validation.count).toBe(32);
    expect(metrics.train.count).toBe(128);
    expect(Object.keys(metrics.regions.validation).sort()).toEqual(['actr', 'grain', 'interior']);
    expect(details.validation?.metrics.mae).toBeCloseTo(metrics.validation.mae, 10);
    // The parity contours of the run's own validation pairs: the core's KDE over all 32 pairs, integrating to ≈ 1.
    const density = details.validation?.density;
    expect(density).toMatchObject({ count: 32, bandwidth: { rule: 'scott', factor: 32 ** (-1 / 6) } });
    const dx = (density?.x[1] as number) - (density?.x[0] as number);
    const dy = (density?.y[1] as number) - (density?.y[0] as number);
    expect((density?.values ?? []).reduce((a, b) => a + b, 0) * dx * dy).toBeGreaterThan(0.9);
  });

  it('predicts the dataset with onnxruntime-node equal to PyTorch (≤ 1e-4), with metrics, parity density and strip profiles', async () => {
    const { jobId } = await dispatch(handlers, 'predictions.run', { modelId: trainedModel, input: { kind: 'dataset', datasetId: data.datasetId } });
    const job = await waitJob(jobId);
    expect(job.error).toBeNull();
    const predictionId = job.outputs.find((o) => o.kind === 'prediction')?.id as number;
    const { prediction, evaluation, values } = await dispatch(handlers, 'predictions.get', { id: predictionId });
    expect(prediction).toMatchObject({ modelId: trainedModel, datasetId: data.datasetId, count: 160 });
    expect(prediction.provenance).toMatchObject({ model: { id: trainedModel, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }, preprocessing: { transform: 'log1-minmax', side: 33 }, threads: os.availableParallelism() });
    expect(values.index).toEqual(Array.from({ length: 160 }, (_, i) => i));

    // PyTorch's own CPU inference of the best checkpoint on the raw patterns.
    const project = core.requireProject().project;
    const runDir = path.join(project.models.folder(trainedModel), 'run');
    const torchOut = path.join(work, 'torch-pred.npy');
    const r = spawnSync(PYTHON, ['-m', 'ssro_torch.predict', '--weights', path.join(runDir, 'best.pt'), '--model', 'basecnn', '--input', path.join(data.dir, 'patterns.npy'), '--out', torchOut], {
      cwd: PY_DIR,
      env: { ...process.env, PYTHONPATH: PY_DIR, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const torch = readNpy(torchOut).data as Float32Array;
    const outputs = readNpy(path.join(project.predictions.folder(predictionId), 'outputs.npy')).data as Float32Array;
    let worst = 0;
    for (let i = 0; i < 160; i++) worst = Math.max(worst, Math.abs((outputs[i] as number) - (torch[i] as number)));
    expect(worst).toBeLessThan(1e-4);
    values.predictedD.forEach((d, i) => expect(Math.abs(d - (1 - (torch[i] as number)))).toBeLessThan(1e-4));

    const m = evaluation?.metrics;
    expect(m?.overall.count).toBe(160);
    expect([m?.splits.train.count, m?.splits.validation.count]).toEqual([128, 32]);
    expect(m?.trainedOnThisDataset).toBe(true);
    expect(Object.keys(m?.regions ?? {}).sort()).toEqual(['actr', 'grain', 'interior']);
    const trained = (await dispatch(handlers, 'models.get', { id: trainedModel })).model.metrics as { validation: { mae: number; rmse: number } };
    expect(m?.splits.validation.mae).toBeCloseTo(trained.validation.mae, 4);
    expect(m?.splits.validation.rmse).toBeCloseTo(trained.validation.rmse, 4);
    expect(evaluation?.parity.trueD).toHaveLength(160);
    expect(evaluation?.parity.sampled).toBe(false);
    const density = evaluation?.density;
    expect(density?.bandwidth.rule).toBe('scott');
    expect(density?.values).toHaveLength(64 * 64);
    const cell = ((density?.x[1] ?? 0) - (density?.x[0] ?? 0)) ** 2;
    expect((density?.values ?? []).reduce((s, v) => s + v, 0) * cell).toBeGreaterThan(0.95);
    // Fig. 8: one profile per strip row, positions every 2.5 Å along the strip, regions for the shading.
    expect(evaluation?.profiles.map((p) => [p.axis, p.row, p.positionA.length])).toEqual([
      ['strip', 0, 80],
      ['strip', 1, 80],
    ]);
    const strip = evaluation?.profiles[0];
    expect(strip?.positionA[1]).toBeCloseTo(2.5, 12);
    expect(strip?.trueD[40]).toBeCloseTo(data.labels[40] as number, 12);
    expect(new Set(strip?.region)).toEqual(new Set([0, 1, 2]));
    const listed = await dispatch(handlers, 'predictions.list', { modelId: trainedModel });
    expect(listed.map((p) => p.id)).toContain(predictionId);
  });

  it('predicts one side of the split only', async () => {
    const { jobId } = await dispatch(handlers, 'predictions.run', { modelId: trainedModel, input: { kind: 'dataset', datasetId: data.datasetId, split: 'validation' } });
    const job = await waitJob(jobId);
    expect(job.state).toBe('succeeded');
    const { prediction, evaluation } = await dispatch(handlers, 'predictions.get', { id: job.outputs[0]?.id as number });
    expect(prediction.count).toBe(32);
    expect(evaluation?.metrics.splits.train.count).toBe(0);
    expect(evaluation?.metrics.splits.validation.count).toBe(32);
  });

  it('evaluates a model on the split it trained with, not a recomputed one', async () => {
    // A quarter for validation: 40 of 160, where the dataset's own random split would give 32.
    const { modelId, jobId } = await dispatch(handlers, 'training.run', { datasetId: data.datasetId, epochs: 1, ...quick, validationFraction: 0.25 });
    expect((await waitJob(jobId)).error).toBeNull();
    const split = Array.from(readNpy(path.join(core.requireProject().project.models.folder(modelId), 'split.npy')).data as Int8Array);
    expect(split.filter((v) => v === 1)).toHaveLength(40);
    const predicted = await waitJob((await dispatch(handlers, 'predictions.run', { modelId, input: { kind: 'dataset', datasetId: data.datasetId, split: 'validation' } })).jobId);
    expect(predicted.error).toBeNull();
    const { prediction, evaluation } = await dispatch(handlers, 'predictions.get', { id: predicted.outputs[0]?.id as number });
    expect(prediction.count).toBe(40);
    expect(evaluation?.metrics.splits.validation.count).toBe(40);
    expect(prediction.provenance).toMatchObject({ split: { from: 'model', summary: 'random (overlapping probes — optimistic): 120 train / 40 validation / 0 excluded' } });
    const indices = (await dispatch(handlers, 'predictions.get', { id: predicted.outputs[0]?.id as number })).values.index;
    expect(indices).toEqual(split.flatMap((v, i) => (v === 1 ? [i] : [])));
  });

  it('predicts a raw .npy stack as a project prediction (no labels: no evaluation), with its provenance', async () => {
    const patterns = readNpy(path.join(data.dir, 'patterns.npy')).data as Float32Array;
    const stack = path.join(work, 'stack.npy');
    writeNpy(stack, Float64Array.from(patterns.subarray(0, 10 * 33 * 33)), [10, 33, 33]);
    const { jobId } = await dispatch(handlers, 'predictions.run', { modelId: trainedModel, input: { kind: 'npy', path: stack }, batchSize: 4 });
    const job = await waitJob(jobId);
    expect(job.error).toBeNull();
    const { prediction, evaluation, values } = await dispatch(handlers, 'predictions.get', { id: job.outputs[0]?.id as number });
    expect(prediction).toMatchObject({ count: 10, datasetId: null, metrics: null, input: { kind: 'npy', path: stack } });
    expect(prediction.provenance).toMatchObject({ input: { location: stack, content: 'raw-intensity', grid: null }, batchSize: 4 });
    expect(evaluation).toBeNull();
    expect(job.logTail.join('\n')).toMatch(/records no k-grid/);
    // The same patterns through the dataset give the same d (float64 vs float32 raw values round the same way).
    const all = await dispatch(handlers, 'predictions.list', { modelId: trainedModel });
    const full = all.find((p) => p.input.kind === 'dataset' && p.input.split === 'all');
    const reference = (await dispatch(handlers, 'predictions.get', { id: full?.id as number, limit: 10 })).values.predictedD;
    values.predictedD.forEach((d, i) => expect(d).toBeCloseTo(reference[i] as number, 6));
    await expect(dispatch(handlers, 'predictions.run', { modelId: trainedModel, input: { kind: 'npy', path: path.join(work, 'none.npy') } })).rejects.toThrow(/none\.npy: no such file/);
  });

  it('a cancelled run keeps its epochs, says how to resume, and resumes from its checkpoint to the end', async () => {
    const { modelId, jobId } = await dispatch(handlers, 'training.run', { datasetId: data.datasetId, epochs: 8, ...quick });
    await waitFor('epoch 2 of the run', () => seriesOf(jobId, 'training').length >= 2);
    const live = await dispatch(handlers, 'training.series', { jobId });
    expect(live.live).toBe(true);
    expect(live.training.rows.length).toBeGreaterThanOrEqual(2);
    await dispatch(handlers, 'jobs.cancel', { id: jobId });
    const cancelled = await waitJob(jobId);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.error).toMatch(/^cancelled during epoch \d+ of 8; epochs 1–\d+ are saved in .*; resume it with "ssro train PROJECT --resume \d+"/);
    const saved = Number(/epochs 1–(\d+) are saved/.exec(cancelled.error ?? '')?.[1]);
    expect(saved).toBeGreaterThanOrEqual(2);
    expect((await dispatch(handlers, 'models.get', { id: modelId })).model.state).toBe('incomplete');
    await expect(dispatch(handlers, 'predictions.run', { modelId, input: { kind: 'dataset', datasetId: data.datasetId } })).rejects.toThrow(/no trained weights yet \(state incomplete\)/);

    const resumed = await dispatch(handlers, 'training.resume', { modelId });
    expect(resumed.modelId).toBe(modelId);
    const job = await waitJob(resumed.jobId);
    expect(job.error).toBeNull();
    expect(job.logTail.join('\n')).toContain(`resuming the run at epoch ${saved + 1} of 8`);
    // The resumed job's table starts with the epochs done before it, then trains only the rest.
    expect(seriesOf(resumed.jobId, 'training').map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const details = await dispatch(handlers, 'models.get', { id: modelId });
    expect(details.model).toMatchObject({ state: 'trained', jobId: resumed.jobId });
    expect(details.history?.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const batches = (await dispatch(handlers, 'training.series', { jobId: resumed.jobId })).batches.rows;
    // batches.csv holds each epoch once even though the cancelled epoch was started twice.
    const lastOfEpoch = new Map<number, number>();
    for (const row of batches) lastOfEpoch.set(row[0] as number, (lastOfEpoch.get(row[0] as number) ?? 0) + (row[1] === row[2] ? 1 : 0));
    expect([...lastOfEpoch.entries()].sort((a, b) => a[0] - b[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((e) => [e, 1]));
  });

  it('a killed worker takes Python with it; the run is marked incomplete and resumes to a new epoch total', async () => {
    const { modelId, jobId } = await dispatch(handlers, 'training.run', { datasetId: data.datasetId, epochs: 40, ...quick });
    await waitFor('epoch 1', () => seriesOf(jobId, 'training').length >= 1);
    const row = core.requireProject().project.db.prepare('SELECT worker_pid FROM jobs WHERE id = ?').get(jobId) as { worker_pid: number };
    const python = pythonChildOf(row.worker_pid);
    expect(python).not.toBeNull();
    process.kill(row.worker_pid, 'SIGKILL');
    const failed = await waitJob(jobId);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/killed by SIGKILL/);
    await waitFor('Python to exit after its worker was killed', () => !isAlive(python as number), 15_000);
    expect((await dispatch(handlers, 'models.get', { id: modelId })).model.state).toBe('incomplete');
    const resumed = await dispatch(handlers, 'training.resume', { modelId, epochs: 3 });
    const job = await waitJob(resumed.jobId);
    expect(job.error).toBeNull();
    expect((await dispatch(handlers, 'models.get', { id: modelId })).model.state).toBe('trained');
  });

  it('refuses bad input with what to do: no Python, Python without torch, NaN labels, absent CUDA, a wrong-architecture checkpoint', async () => {
    const project = core.requireProject().project;
    // Confirmations of engine paths go to this run's own config folder, not the user's.
    process.env.SSRO_CONFIG_DIR = path.join(work, 'config');
    const trainWith = async (python: string, extra: Record<string, unknown> = {}, beforeRun?: () => void): Promise<JobSummary> => {
      await dispatch(handlers, 'settings.set', { python3Path: python, confirmed: ['python3Path'] });
      beforeRun?.();
      try {
        const { jobId } = await dispatch(handlers, 'training.run', { datasetId: data.datasetId, epochs: 1, ...quick, ...extra });
        return await waitJob(jobId);
      } finally {
        await dispatch(handlers, 'settings.set', { python3Path: PYTHON });
      }
    };
    // A confirmed Python that has since gone (settings.set itself refuses a path that does not exist).
    const gone = path.join(work, 'python-removed');
    fs.writeFileSync(gone, '#!/bin/sh\n', { mode: 0o755 });
    const noPython = await trainWith(gone, {}, () => fs.rmSync(gone));
    expect(noPython.state).toBe('failed');
    expect(noPython.error).toBe(`Python was not found at "${gone}"; install python3-torch python3-torchvision or set the Python path in the settings`);

    // A Python that cannot see the system's site-packages has neither NumPy nor torch.
    const bare = path.join(work, 'python-without-torch');
    fs.writeFileSync(bare, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`, { mode: 0o755 });
    const noTorch = await trainWith(bare);
    expect(noTorch.state).toBe('failed');
    expect(noTorch.error).toMatch(new RegExp(`^${bare} cannot import (torch|numpy); install python3-torch python3-torchvision or set the Python path in the settings$`));

    const nan = addSyntheticDataset(project, { name: 'with NaN', rows: 1, cols: 20 });
    const labels = Float64Array.from(nan.labels);
    labels[3] = Number.NaN;
    labels[7] = Number.NaN;
    writeNpy(path.join(nan.dir, 'labels.npy'), labels);
    await expect(dispatch(handlers, 'training.run', { datasetId: nan.datasetId, epochs: 1, ...quick })).rejects.toThrow(
      `dataset ${nan.datasetId} has 2 of 20 patterns whose label (mean d) is NaN or infinite (the first is pattern 3)`,
    );

    if (!cudaPresent) {
      const cuda = await trainWith(PYTHON, { device: 'cuda' });
      expect(cuda.error).toBe('CUDA was requested but torch reports no CUDA device; choose cpu or auto');
    }

    // The basecnn checkpoint of the first model is not a ResNet-18.
    const wrong = await trainWith(PYTHON, { model: 'resnet18', initStateDict: path.join(project.models.folder(trainedModel), 'run', 'best.pt') });
    expect(wrong.state).toBe('failed');
    expect(wrong.error).toMatch(/best\.pt does not fit the resnet18 architecture .*conv1\.weight/);
    await expect(dispatch(handlers, 'training.run', { datasetId: data.datasetId, ...quick, initStateDict: path.join(work, 'missing.pt') })).rejects.toThrow(/missing\.pt does not exist/);
    // Failed runs stay listed as incomplete (their folders can be resumed or deleted).
    const failedModel = (await dispatch(handlers, 'models.list', {})).find((m) => m.jobId === wrong.id);
    expect(failedModel?.state).toBe('incomplete');
    expect(await dispatch(handlers, 'models.delete', { id: failedModel?.id as number })).toEqual({ deleted: true });
  });

  it('refuses a foreign ONNX model without its preprocessing, accepts it with it, and predicts the same as the original', async () => {
    const original = (await dispatch(handlers, 'models.get', { id: trainedModel })).model.onnxPath as string;
    const foreign = path.join(work, 'foreign.onnx');
    fs.writeFileSync(foreign, stripSsroMetadata(new Uint8Array(fs.readFileSync(original))));
    expect(readOnnxMetadata(new Uint8Array(fs.readFileSync(foreign)))[SSRO_METADATA_KEY]).toBeUndefined();

    await expect(dispatch(handlers, 'models.import', { path: foreign })).rejects.toThrow(/carries no SSRO metadata.*give target, kmaxInvA, deltaKInvA/);
    await expect(dispatch(handlers, 'models.import', { path: foreign, target: 'one_minus_d', kmaxInvA: 1.0, deltaKInvA: 0.015 })).rejects.toThrow(
      /input is 33×33, but kmax 1 \/ Δk 0\.015 gives 133×133/,
    );
    const imported = await dispatch(handlers, 'models.import', { path: foreign, name: 'foreign', target: 'one_minus_d', kmaxInvA: SYNTHETIC_GRID.kmaxInvA, deltaKInvA: SYNTHETIC_GRID.deltaKInvA });
    expect(imported).toMatchObject({ state: 'imported', source: 'imported-onnx', architecture: 'unknown', target: 'one_minus_d', preprocessing: { side: 33 } });

    const run = async (modelId: number): Promise<number[]> => {
      const { jobId } = await dispatch(handlers, 'predictions.run', { modelId, input: { kind: 'dataset', datasetId: data.datasetId, split: 'validation' } });
      const job = await waitJob(jobId);
      expect(job.error).toBeNull();
      return (await dispatch(handlers, 'predictions.get', { id: job.outputs[0]?.id as number })).values.predictedD;
    };
    expect(await run(imported.id)).toEqual(await run(trainedModel));
    // Our own model needs nothing stated, and refuses contradicting statements.
    await expect(dispatch(handlers, 'models.import', { path: original, target: 'd' })).rejects.toThrow(/records its own preprocessing \(target one_minus_d\)/);
    expect((await dispatch(handlers, 'models.import', { path: original })).source).toBe('imported-onnx');
  });
});
