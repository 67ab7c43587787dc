/**
 * Inference throughput benchmark: images per second of onnxruntime-node as the predict job runs it (predictSource:
 * one session, two intra-op threads, batches of 64) against PyTorch on the CPU (ssro_torch.predict's loop: eval
 * mode, no_grad, batches of 64, two threads) on ResNet-18 at 133 × 133, on the same preprocessed patterns in the same
 * run, and the largest difference between the engines' outputs. Runs alternate closely and each side keeps its best,
 * because on a shared machine noise only ever adds time.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { mulberry32 } from '../native-workers/lib/datasets/random-split';
import { modelInput } from '../native-workers/lib/diffraction/model-input';
import { DEFAULT_INFERENCE_THREADS, loadInferenceModel, predictSource, type InferenceModel } from '../native-workers/lib/models/onnx-inference';
import type { PatternSource } from '../native-workers/lib/models/pattern-sources';
import { describeTorchFailure, runTorch, ssroTorchDir, torchEnv } from '../native-workers/lib/models/torch-engine';
import { readNpy, writeNpy } from '../native-workers/lib/npy';

const PYTHON = process.env.SSRO_PYTHON ?? '/usr/bin/python3';
const SIDE = 133;
const BATCH = 64;
/** Timed patterns per run (after one warm-up batch). */
const COUNT = 192;
const RUNS = 6;
const THREADS = DEFAULT_INFERENCE_THREADS;

export interface InferenceBenchResult {
  bench: 'inference';
  model: 'resnet18';
  side: number;
  batch: number;
  threads: number;
  patterns: number;
  onnxImagesPerSecond: number;
  torchImagesPerSecond: number;
  /** onnxruntime / PyTorch (target ≥ 1.3). */
  ratio: number;
  maxAbsDifference: number;
}

/** Raw patterns with a realistic dynamic range (beam, halo, background). */
function rawStack(count: number): Float32Array {
  const random = mulberry32(5);
  const c = (SIDE - 1) / 2;
  const out = new Float32Array(count * SIDE * SIDE);
  for (let k = 0; k < count; k++) {
    const width = 2 + 8 * random();
    for (let row = 0; row < SIDE; row++) {
      for (let col = 0; col < SIDE; col++) {
        const r = Math.hypot(row - c, col - c);
        out[k * SIDE * SIDE + row * SIDE + col] = 5000 * Math.exp(-((r - 40) ** 2) / (2 * width * width)) + (r < 2 ? 1e6 : 0) - 20 * Math.log(1 - random());
      }
    }
  }
  return out;
}

/**
 * PyTorch's loop on preprocessed inputs (ssro_torch.predict.predict_inputs), kept alive between runs: each line on
 * stdin starts one timed run, so PyTorch and onnxruntime runs interleave closely without Python start-up in between.
 */
const TORCH_LOOP = `
import json, sys, time
from ssro_torch.predict import load_model, predict_inputs
import numpy as np, torch
weights, inputs_file, out_file, batch, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
model = load_model(weights, 'resnet18', 133)
inputs = np.load(inputs_file)
predict_inputs(model, inputs[:batch], batch)
print(json.dumps({'event': 'torch-ready'}), flush=True)
for line in sys.stdin:
    t = time.perf_counter()
    out = predict_inputs(model, inputs, batch)
    seconds = time.perf_counter() - t
    np.save(out_file, out)
    print(json.dumps({'event': 'torch-run', 'seconds': seconds}), flush=True)
`;

/** The PyTorch side: start() waits until the model is loaded, run() times one pass, stop() ends the process. */
function torchRunner(args: string[]): { ready: Promise<void>; run: () => Promise<number>; stop: () => void } {
  const child = spawn(PYTHON, args, { cwd: ssroTorchDir(), env: torchEnv({ OMP_NUM_THREADS: String(THREADS), OMP_WAIT_POLICY: 'PASSIVE' }), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: ((line: { event: string; seconds?: number }) => void)[] = [];
  let failed: Error | null = null;
  const fail = (error: Error): void => {
    failed = error;
    for (const w of waiting.splice(0)) w({ event: 'failed' });
  };
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as { event: string; seconds?: number };
    waiting.shift()?.(event);
  });
  child.on('error', fail);
  child.on('close', (code) => {
    if (code !== 0 && code !== null) fail(new Error(`PyTorch loop exited ${code}: ${stderr.slice(-2000)}`));
  });
  const next = (): Promise<{ event: string; seconds?: number }> =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      waiting.push((event) => (failed ? reject(failed) : resolve(event)));
    });
  return {
    ready: next().then(() => undefined),
    run: async () => {
      const pending = next();
      child.stdin.write('run\n');
      return (await pending).seconds as number;
    },
    stop: () => child.stdin.end(),
  };
}

export async function runInferenceBench(): Promise<InferenceBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-infer-bench-'));
  try {
    // A randomly initialised ResNet-18 (BatchNorm statistics set, as after training), exported by ssro_torch.export.
    const weights = path.join(dir, 'resnet18.pt');
    const init = spawn(PYTHON, ['-c', [
      'import sys, torch',
      'from ssro_torch.models import resnet18',
      'torch.manual_seed(0)',
      'm = resnet18()',
      'for mod in m.modules():',
      '    if isinstance(mod, torch.nn.BatchNorm2d):',
      '        mod.running_mean.uniform_(-0.1, 0.1); mod.running_var.uniform_(0.5, 1.5)',
      'torch.save(m.state_dict(), sys.argv[1])',
    ].join('\n'), weights], { cwd: ssroTorchDir(), env: torchEnv(), stdio: 'inherit' });
    await new Promise<void>((resolve, reject) => init.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`could not write ${weights}`)))));
    const onnxFile = path.join(dir, 'resnet18.onnx');
    const exported = await runTorch(PYTHON, 'ssro_torch.export', ['--state-dict', weights, '--model', 'resnet18', '--target', 'one_minus_d', '--side', String(SIDE), '--kmax', '1.0', '--delta-k', '0.015', '--out', onnxFile]);
    if (exported.code !== 0) throw new Error(describeTorchFailure(PYTHON, exported));

    // The same model inputs for both engines: raw patterns through model-input.ts (what a predict job feeds).
    const raw = rawStack(COUNT);
    const inputs = new Float32Array(raw.length);
    const pixels = SIDE * SIDE;
    for (let k = 0; k < COUNT; k++) modelInput(raw.subarray(k * pixels, (k + 1) * pixels), inputs.subarray(k * pixels, (k + 1) * pixels));
    const inputsFile = path.join(dir, 'inputs.npy');
    writeNpy(inputsFile, inputs, [COUNT, SIDE, SIDE]);

    const model = await loadInferenceModel(onnxFile, { threads: THREADS });
    // The patterns as a source of model inputs in memory: what is timed is the predict job's batching and engine.
    const source: PatternSource = {
      kind: 'npy',
      location: 'memory',
      count: COUNT,
      side: SIDE,
      content: 'model-input',
      grid: null,
      readModelInput: (index, out) => out.set(inputs.subarray(index * pixels, (index + 1) * pixels)),
      close: () => undefined,
    };
    const timeOnnx = async (m: InferenceModel): Promise<{ seconds: number; out: Float32Array }> => {
      const t0 = performance.now();
      const out = await predictSource(m, source, undefined, { batchSize: BATCH });
      return { seconds: (performance.now() - t0) / 1000, out };
    };
    await predictSource(model, { ...source, count: BATCH }, undefined, { batchSize: BATCH }); // warm-up
    let onnxOut: Float32Array = new Float32Array(COUNT);
    const onnxSeconds: number[] = [];
    const torchSeconds: number[] = [];
    const torchScript = path.join(dir, 'torch_loop.py');
    fs.writeFileSync(torchScript, TORCH_LOOP);
    const torchOut = path.join(dir, 'torch-out.npy');
    console.log(`inference bench: resnet18, ${SIDE}×${SIDE}, batch ${BATCH}, ${THREADS} threads, ${COUNT} patterns per run, ${RUNS} runs each`);
    const torch = torchRunner([torchScript, weights, inputsFile, torchOut, String(BATCH), String(THREADS)]);
    await torch.ready;
    for (let run = 0; run < RUNS; run++) {
      torchSeconds.push(await torch.run());
      const onnx = await timeOnnx(model);
      onnxSeconds.push(onnx.seconds);
      onnxOut = onnx.out;
    }
    torch.stop();
    await model.release();
    const torchValues = readNpy(torchOut).data as Float32Array;
    let maxAbsDifference = 0;
    for (let i = 0; i < COUNT; i++) maxAbsDifference = Math.max(maxAbsDifference, Math.abs((onnxOut[i] as number) - (torchValues[i] as number)));
    const onnxRate = COUNT / Math.min(...onnxSeconds);
    const torchRate = COUNT / Math.min(...torchSeconds);
    const result: InferenceBenchResult = {
      bench: 'inference',
      model: 'resnet18',
      side: SIDE,
      batch: BATCH,
      threads: THREADS,
      patterns: COUNT,
      onnxImagesPerSecond: Math.round(onnxRate * 10) / 10,
      torchImagesPerSecond: Math.round(torchRate * 10) / 10,
      ratio: Math.round((onnxRate / torchRate) * 100) / 100,
      maxAbsDifference: Number(maxAbsDifference.toPrecision(3)),
    };
    console.log(`  onnxruntime-node (predict job's loop): ${result.onnxImagesPerSecond} images/s (runs ${onnxSeconds.map((s) => s.toFixed(2)).join(', ')} s)`);
    console.log(`  PyTorch CPU (ssro_torch.predict)    : ${result.torchImagesPerSecond} images/s (runs ${torchSeconds.map((s) => s.toFixed(2)).join(', ')} s)`);
    console.log(`  ratio onnxruntime/PyTorch ×${result.ratio} (target ≥ 1.3); max |difference| ${result.maxAbsDifference}`);
    console.log(JSON.stringify(result));
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void runInferenceBench();
