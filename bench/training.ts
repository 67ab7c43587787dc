/**
 * Training throughput benchmark: images per second of the train job's Python loop (ssro_torch.train on a project
 * dataset folder: memory-mapped patterns, transform, augmentation, DataLoader, Adam, L1) for several configurations
 * in the same run on the same machine, against the loop as it was before batch-level augmentation, the cosine
 * schedule and the weight average: (a) ResNet-18 with log1-minmax inputs, the paper's augmentation, the plateau
 * schedule and no weight average (pinned by config keys, so it stays measurable); (b) ResNet-18 with the defaults
 * (annulus-log, detector augmentation, cosine, EMA); (c) compactcnn with the defaults, also on every other k-node
 * (inputSide 67); (d) invariant-mlp when ssro_torch.models has it; (e) the bundled model's recipe, three invariant-mlp
 * members trained side by side (images/s counts patterns, each seen by every member). Each loop is timed by the arrival of its per-batch
 * events, after two warm-up batches; the loops alternate round by round so a load that comes or goes weighs on all.
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
/** Rounds of all loops, alternating (on a shared machine LAMMPS may hold a core for a while). */
const ROUNDS = 2;
const THREADS = 2;

interface Loop {
  name: string;
  model: string;
  /** Engine config keys on top of the shared ones. */
  extra: Record<string, unknown>;
}

/** (a): the loop as it was, pinned by config keys; its number is the reference of every ratio. */
const BASELINE: Loop = {
  name: '(a) resnet18, loop as before (log1-minmax, paper aug., plateau, no EMA)',
  model: 'resnet18',
  extra: { transform: 'log1-minmax', augmentation: 'paper', schedule: 'plateau', emaDecay: null },
};
const LOOPS: Loop[] = [
  BASELINE,
  { name: '(b) resnet18, new loop (defaults)', model: 'resnet18', extra: {} },
  { name: '(c) compactcnn, new loop (defaults)', model: 'compactcnn', extra: {} },
  { name: '(c) compactcnn, new loop, inputSide 67', model: 'compactcnn', extra: { inputSide: 67 } },
  { name: '(d) invariant-mlp, new loop (defaults)', model: 'invariant-mlp', extra: {} },
  { name: '(e) bundled recipe: 3 × invariant-mlp ensemble', model: 'invariant-mlp', extra: { members: 3 } },
];

export interface TrainingLoopResult {
  name: string;
  model: string;
  imagesPerSecond: number;
  /** imagesPerSecond / that of loop (a). */
  ratio: number;
}

export interface TrainingBenchResult {
  bench: 'training';
  side: number;
  batch: number;
  threads: number;
  timedBatches: number;
  loops: TrainingLoopResult[];
  /** Loops not run, with why (e.g. an architecture this engine does not have). */
  skipped: string[];
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

/** The architectures the engine offers (ssro_torch.models.ARCHITECTURES). */
function engineArchitectures(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const script = 'import json; from ssro_torch.models import ARCHITECTURES; print(json.dumps({"event": "architectures", "names": list(ARCHITECTURES)}))';
    const child = spawn(PYTHON, ['-c', script], { cwd: ssroTorchDir(), env: torchEnv({}), stdio: ['ignore', 'pipe', 'inherit'] });
    let names: string[] = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const e = JSON.parse(line) as { event?: string; names?: unknown };
        if (e.event === 'architectures' && Array.isArray(e.names)) names = e.names.filter((n): n is string => typeof n === 'string');
      } catch {
        // not an event line
      }
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(names) : reject(new Error(`listing the engine's architectures exited with ${code}`))));
  });
}

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

    const base: TrainConfig = {
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
      // Every batch is reported, so every loop is timed batch by batch.
      progressSeconds: 0,
    };
    const available = await engineArchitectures();
    const skipped: string[] = [];
    const loops = LOOPS.filter((loop) => {
      if (available.includes(loop.model)) return true;
      skipped.push(`${loop.name}: the engine has no '${loop.model}' architecture (it offers ${available.join(', ')})`);
      return false;
    });
    for (const note of skipped) console.log(`  skipped ${note}`);

    console.log(`training bench: ${SIDE}×${SIDE} patterns, batch ${BATCH}, ${THREADS} threads; ${ROUNDS} rounds of ${loops.length} loops, ${BATCHES} batches each (${WARMUP} warm-up)`);
    const totals = loops.map(() => ({ images: 0, seconds: 0 }));
    for (let round = 0; round < ROUNDS; round++) {
      const parts: string[] = [];
      for (const [k, loop] of loops.entries()) {
        const outDir = path.join(dir, `run-${round}-${k}`);
        const file = `${outDir}.json`;
        fs.writeFileSync(file, JSON.stringify({ ...base, outDir, model: loop.model, ...loop.extra }));
        const r = timed(await timeBatches(torchModuleArgs('ssro_torch.train', ['--config', file]), (e) => e.event === 'batch', `ssro_torch.train (${loop.name})`));
        const total = totals[k] as { images: number; seconds: number };
        total.images += r.images;
        total.seconds += r.seconds;
        parts.push(`${loop.model}${loop.extra.inputSide ? '@67' : ''}${loop.extra.members ? `×${String(loop.extra.members)}` : ''} ${(r.images / r.seconds).toFixed(1)}`);
      }
      console.log(`  round ${round + 1}: ${parts.join(', ')} images/s`);
    }
    const rates = totals.map((t) => t.images / t.seconds);
    const reference = rates[0] as number;
    const results: TrainingLoopResult[] = loops.map((loop, k) => ({
      name: loop.name,
      model: loop.model,
      imagesPerSecond: Math.round((rates[k] as number) * 10) / 10,
      ratio: Math.round(((rates[k] as number) / reference) * 100) / 100,
    }));
    for (const r of results) console.log(`  ${r.name.padEnd(72)} ${String(r.imagesPerSecond).padStart(7)} images/s  ×${r.ratio.toFixed(2)}`);
    const best = Math.max(...results.slice(1).filter((r) => r.model !== 'resnet18').map((r) => r.ratio));
    console.log(`  fastest small model: ×${best.toFixed(2)} the loop as before (target ≥ ×3)`);
    const result: TrainingBenchResult = { bench: 'training', side: SIDE, batch: BATCH, threads: THREADS, timedBatches: ROUNDS * (BATCHES - WARMUP), loops: results, skipped };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void runTrainingBench();
