/**
 * Training throughput benchmark: images per second of the train job's Python loop (ssro_torch.train on a project
 * dataset folder: memory-mapped patterns, log1-minmax, the paper's augmentation, DataLoader, Adam, L1) against a bare
 * PyTorch loop (the same ResNet-18, batch 64, threads and patterns, preprocessed into memory beforehand, no
 * augmentation) in the same run. Both are timed by the arrival of their per-batch lines, after two warm-up batches.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { openPatternStore } from '../native-workers/lib/datasets/pattern-store';
import { mulberry32 } from '../native-workers/lib/datasets/random-split';
import { ssroTorchDir, torchEnv, torchModuleArgs, type TorchEvent } from '../native-workers/lib/models/torch-engine';
import type { TrainConfig } from '../native-workers/lib/models/train-config';
import { writeNpy } from '../native-workers/lib/npy';

const PYTHON = process.env.SSRO_PYTHON ?? '/usr/bin/python3';
const SIDE = 133;
const GRID = { kmaxInvA: 1.0, deltaKInvA: 0.015 };
const BATCH = 64;
/** Batches per loop (the first WARMUP untimed): ~2 s each for ResNet-18 at 133 × 133 on two idle cores. */
const BATCHES = 7;
const WARMUP = 2;
/**
 * The loops alternate bare, job, bare, job: on a shared machine (LAMMPS may hold the cores) a load that comes or
 * goes during the run then weighs on both sides alike.
 */
const ROUNDS = 3;
const THREADS = 2;

export interface TrainingBenchResult {
  bench: 'training';
  model: 'resnet18';
  side: number;
  batch: number;
  threads: number;
  timedBatches: number;
  jobImagesPerSecond: number;
  bareImagesPerSecond: number;
  /** job / bare (target ≥ 0.9: the data pipeline must not slow training). */
  ratio: number;
}

/** A halo whose width encodes d, a forward beam and background: realistic dynamic range for log1-minmax. */
function pattern(d: number, random: () => number): Float32Array {
  const c = (SIDE - 1) / 2;
  const out = new Float32Array(SIDE * SIDE);
  const width = 2 + 8 * d;
  for (let row = 0; row < SIDE; row++) {
    for (let col = 0; col < SIDE; col++) {
      const r = Math.hypot(row - c, col - c);
      out[row * SIDE + col] = 5000 * Math.exp(-((r - 40) ** 2) / (2 * width * width)) + (r < 2 ? 1e6 : 0) - 20 * Math.log(1 - random());
    }
  }
  return out;
}

function buildDataset(dir: string, count: number): void {
  const random = mulberry32(11);
  const store = openPatternStore(dir, {
    sampleCount: count,
    side: SIDE,
    grid: GRID,
    patternKind: 'raw-intensity',
    structures: [{ id: 1, name: 'bench' }],
    zones: ['z'],
    probes: [{ kind: 'cylinder', radiusA: 5, heightA: 20 }],
  });
  try {
    for (let i = 0; i < count; i++) {
      const d = random();
      store.write(i, { pattern: pattern(d, random), labels: { meanD: d, atomCount: 100, region: null, regionFractions: [0, 0, 0] }, centreA: [i, 0, 0], structure: 0 });
    }
  } finally {
    store.close();
  }
}

/** Timed images and seconds of one loop: from the end of the last warm-up batch to the end of the last batch. */
function timed(times: number[]): { images: number; seconds: number } {
  return { images: (times.length - WARMUP) * BATCH, seconds: ((times[times.length - 1] as number) - (times[WARMUP - 1] as number)) / 1000 };
}

/**
 * Runs a command, timestamping every stdout event line that `isBatch` accepts (Node's clock for both loops), and
 * stops it after BATCHES of them (the job's validation, checkpoint and export are not what is measured).
 */
function timeBatches(args: string[], isBatch: (e: TorchEvent) => boolean, what: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const stderr: string[] = [];
    const child = spawn(PYTHON, args, { cwd: ssroTorchDir(), env: torchEnv({ OMP_NUM_THREADS: String(THREADS), OMP_WAIT_POLICY: 'PASSIVE' }), stdio: ['pipe', 'pipe', 'pipe'] });
    // stdin stays open: the engine's parent watch (torchModuleArgs) takes end-of-file for a dead parent.
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        if (isBatch(JSON.parse(line) as TorchEvent)) times.push(performance.now());
        if (times.length === BATCHES) child.kill('SIGKILL');
      } catch {
        // not an event line
      }
    });
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > 20) stderr.shift();
    });
    child.on('error', reject);
    child.on('close', (code) => (times.length === BATCHES ? resolve(times) : reject(new Error(`${what} exited with ${code} after ${times.length} batches: ${stderr.join('\n')}`))));
  });
}

/**
 * The bare loop: the same patterns preprocessed into one tensor first, then forward, L1, backward, Adam step. Both
 * loops run with the same OpenMP settings (ssro_torch sets a passive wait policy before torch loads; spinning
 * threads are ~3× slower when another process holds a core, which would flatter the job).
 */
const BARE_LOOP = `
import json, sys, time
from ssro_torch.data import log1_minmax
from ssro_torch.models import resnet18
import numpy as np, torch
folder, batches, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(42)
patterns = np.load(folder + '/patterns.npy', mmap_mode='r')
labels = np.load(folder + '/labels.npy')
x = torch.from_numpy(log1_minmax(patterns[: batches * batch])).unsqueeze(1)
y = torch.from_numpy((1 - labels[: batches * batch]).astype(np.float32)).unsqueeze(1)
model = resnet18()
model.train()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
loss_fn = torch.nn.L1Loss()
for b in range(batches):
    xb, yb = x[b * batch:(b + 1) * batch], y[b * batch:(b + 1) * batch]
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(xb), yb)
    loss.backward()
    optimizer.step()
    print(json.dumps({'event': 'bare-batch', 'batch': b + 1, 'loss': float(loss.item())}), flush=True)
`;

export async function runTrainingBench(): Promise<TrainingBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-train-bench-'));
  try {
    const datasetDir = path.join(dir, 'dataset');
    const count = (BATCHES + 1) * BATCH; // the job's epoch has more batches than are timed; it is stopped early
    buildDataset(datasetDir, count);
    // The first BATCHES·64 patterns train, the last 64 validate (the validation pass is not timed).
    const split = new Int8Array(count);
    split.fill(1, BATCHES * BATCH);
    writeNpy(path.join(dir, 'split.npy'), split);

    const bareFile = path.join(dir, 'bare.py');
    fs.writeFileSync(bareFile, BARE_LOOP);
    const config: TrainConfig = {
      datasetDir,
      splitFile: path.join(dir, 'split.npy'),
      outDir: path.join(dir, 'run'),
      datasetId: null,
      model: 'resnet18',
      target: 'one_minus_d',
      epochs: 1,
      batchSize: BATCH,
      lr: 1e-3,
      weightDecay: 1e-5,
      seed: 42,
      device: 'cpu',
      threads: THREADS,
      imagenetWeights: null,
      initStateDict: null,
      // Every batch is reported, so the job's loop is timed like the bare one.
      progressSeconds: 0,
      // The loop this bench has always measured (the bare loop reads log1-minmax inputs too).
      transform: 'log1-minmax',
      augmentation: 'paper',
    };

    console.log(`training bench: resnet18, ${SIDE}×${SIDE}, batch ${BATCH}, ${THREADS} threads; ${ROUNDS} rounds of bare and job loops, ${BATCHES} batches each (${WARMUP} warm-up)`);
    const total = { bare: { images: 0, seconds: 0 }, job: { images: 0, seconds: 0 } };
    for (let round = 0; round < ROUNDS; round++) {
      const bareRound = timed(await timeBatches([bareFile, datasetDir, String(BATCHES), String(BATCH), String(THREADS)], (e) => e.event === 'bare-batch', 'the bare PyTorch loop'));
      const roundConfig = path.join(dir, `run-${round}.json`);
      fs.writeFileSync(roundConfig, JSON.stringify({ ...config, outDir: path.join(dir, `run-${round}`) }));
      const jobRound = timed(await timeBatches(torchModuleArgs('ssro_torch.train', ['--config', roundConfig]), (e) => e.event === 'batch', 'ssro_torch.train'));
      console.log(`  round ${round + 1}: bare ${(bareRound.images / bareRound.seconds).toFixed(1)}, job ${(jobRound.images / jobRound.seconds).toFixed(1)} images/s`);
      for (const [side, r] of [['bare', bareRound], ['job', jobRound]] as const) {
        total[side].images += r.images;
        total[side].seconds += r.seconds;
      }
    }
    const job = total.job.images / total.job.seconds;
    const bareRate = total.bare.images / total.bare.seconds;
    const result: TrainingBenchResult = {
      bench: 'training',
      model: 'resnet18',
      side: SIDE,
      batch: BATCH,
      threads: THREADS,
      timedBatches: ROUNDS * (BATCHES - WARMUP),
      jobImagesPerSecond: Math.round(job * 10) / 10,
      bareImagesPerSecond: Math.round(bareRate * 10) / 10,
      ratio: Math.round((job / bareRate) * 1000) / 1000,
    };
    console.log(`  train job loop (data pipeline + augmentation): ${result.jobImagesPerSecond} images/s`);
    console.log(`  bare PyTorch loop (tensors in memory)         : ${result.bareImagesPerSecond} images/s`);
    console.log(`  ratio job/bare ${(result.ratio * 100).toFixed(1)} % (target ≥ 90 %)`);
    console.log(JSON.stringify(result));
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void runTrainingBench();
