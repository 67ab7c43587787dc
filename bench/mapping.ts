/**
 * Mapping benchmark (issue 6): frames mapped per second on this machine's cores for a 128 × 128 scan of 256 × 256
 * frames, split into read, preprocess and inference, with and without the paper's TV denoising, and the peak memory
 * of mapping an 8.6 GB file (float64 NumPy 4D scan, written sparse: only the timed rows hold patterns).
 *
 * Peers in the same run: scikit-image's denoise_tv_chambolle on the same frames (our TV gives its exact result, so
 * the ratio is speed only), and the model's own bare onnxruntime throughput (runModelInputs on ready inputs) — the
 * ceiling the map's inference phase could reach. The model is the bundled one (resources/models), a deep ensemble of five compactcnn members, 133².
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameSource } from '../native-workers/lib/microscopy/frame-source';
import { planMap, runMap, type MapSummary } from '../native-workers/lib/microscopy/mapping';
import { openMicroscopy } from '../native-workers/lib/microscopy/open';
import { defaultPreprocessThreads } from '../native-workers/lib/microscopy/preprocess-pool';
import { recipeModelFromPreprocessing } from '../native-workers/lib/microscopy/preprocess/recipe';
import { syntheticPattern } from '../native-workers/lib/microscopy/preprocess/synthetic-pattern';
import { createTvWorkspace, denoiseTvChambolle } from '../native-workers/lib/microscopy/preprocess/tv-denoise';
import { loadInferenceModel, runModelInputs } from '../native-workers/lib/models/onnx-inference';
import { npyHeader, writeNpy } from '../native-workers/lib/npy';

const PYTHON = process.env.SSRO_PYTHON ?? '/usr/bin/python3';
const MODEL = path.resolve(__dirname, '..', '..', 'resources', 'models', 'ssro-ensemble.onnx');
const SCAN = 128;
const SIDE = 256;
/** Scan rows holding real patterns; the timed maps run over these rows only. */
const TIMED_ROWS = 2;
/** Å⁻¹ per detector pixel: 256 px span ±1.28 Å⁻¹, the model's ±1 Å⁻¹ inside. */
const PIXEL = 0.01;

export interface MappingBenchResult {
  bench: 'mapping';
  frames: number;
  withTv: { framesPerSecond: number; read: number; preprocess: number; inference: number };
  withTvOneThread: { framesPerSecond: number; read: number; preprocess: number; inference: number };
  withoutTv: { framesPerSecond: number; read: number; preprocess: number; inference: number };
  bareInferencePerSecond: number;
  tvMsOurs: number;
  tvMsSkimage: number | null;
  fileBytes: number;
  peakRssMb: number;
  fullScanSeconds: number;
}

function frameAt(index: number): Float32Array {
  const d = (index % SCAN) / SCAN;
  return syntheticPattern({
    rows: SIDE,
    cols: SIDE,
    centre: { row: 127.3 + 0.4 * Math.sin(index), col: 128.1 },
    disc: { amplitude: 2e4, sigmaPx: 2.5 },
    rings: [
      { radiusPx: 42, widthPx: 4 + 6 * d, amplitude: 300 },
      { radiusPx: 75, widthPx: 8 + 6 * d, amplitude: 80 },
    ],
    speckle: 0.4,
    background: 5,
    poissonSeed: index + 1,
  });
}

/** The 4D float64 scan as a sparse .npy: header, then the file extended to full size, real frames in the timed rows. */
function writeSparseScan(file: string): number {
  const header = npyHeader('<f8', [SCAN, SCAN, SIDE, SIDE]);
  const frameBytes = SIDE * SIDE * 8;
  const total = header.length + SCAN * SCAN * frameBytes;
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, header, 0, header.length, 0);
    fs.ftruncateSync(fd, total);
    for (let i = 0; i < TIMED_ROWS * SCAN; i++) {
      const values = Float64Array.from(frameAt(i));
      fs.writeSync(fd, new Uint8Array(values.buffer), 0, frameBytes, header.length + i * frameBytes);
    }
  } finally {
    fs.closeSync(fd);
  }
  return total;
}

/** The first `count` frames of a source as a source of their own (the timed sub-scan). */
function firstFrames(source: FrameSource, rows: number): FrameSource {
  const count = rows * SCAN;
  return {
    info: { ...source.info, frameCount: count, scanShape: [rows, SCAN], scanAxes: source.info.scanAxes.map((a, i) => (i === 0 ? { ...a, size: rows } : a)) },
    readFrame: (index, out) => source.readFrame(index, out),
    close: () => undefined,
  };
}

function rates(summary: MapSummary): MappingBenchResult['withTv'] {
  const n = summary.frameCount;
  return {
    framesPerSecond: n / summary.seconds.total,
    read: n / Math.max(summary.seconds.read, 1e-9),
    preprocess: n / Math.max(summary.seconds.preprocess, 1e-9),
    inference: summary.mapped / Math.max(summary.seconds.inference, 1e-9),
  };
}

function skimageTvMs(frameFile: string): number | null {
  const script = `
import time, numpy as np
from skimage.restoration import denoise_tv_chambolle
x = np.load(${JSON.stringify(frameFile)}).astype(np.float64)
x = (x - x.min()) / (x.max() - x.min())
best = 1e9
for _ in range(3):
    t = time.perf_counter(); denoise_tv_chambolle(x, weight=0.1, eps=2e-4, max_num_iter=200); best = min(best, time.perf_counter() - t)
print(best * 1000)
`;
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

export async function runMappingBench(): Promise<MappingBenchResult> {
  if (!fs.existsSync(MODEL)) throw new Error(`no bundled model at ${MODEL} (resources/models/generate.sh makes it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-bench-map-'));
  try {
    const file = path.join(dir, 'scan.npy');
    const fileBytes = writeSparseScan(file);
    const model = await loadInferenceModel(MODEL, { threads: 2 });
    const source = await openMicroscopy(file);
    try {
      const timed = firstFrames(source, TIMED_ROWS);
      const base = { calibration: { method: 'manual', invAPerPixel: PIXEL }, model: recipeModelFromPreprocessing(model.metadata.preprocessing) };
      const plain = planMap(timed, model, { ...base, denoise: { method: 'none' } });
      const withoutTv = rates(await runMap(timed, model, plain.plan, plain.badPixels, path.join(dir, 'plain'), { threads: defaultPreprocessThreads() }));
      const tv = planMap(timed, model, base);
      const withTvOneThread = rates(await runMap(timed, model, tv.plan, tv.badPixels, path.join(dir, 'tv-1')));
      const withTv = rates(await runMap(timed, model, tv.plan, tv.badPixels, path.join(dir, 'tv'), { threads: defaultPreprocessThreads() }));

      // Bare onnxruntime on ready inputs: the inference ceiling.
      const side = model.metadata.preprocessing.side;
      const inputs = new Float32Array(64 * side * side).map((_, i) => (i % 97) / 97);
      await runModelInputs(model, inputs, 64);
      let t = performance.now();
      for (let k = 0; k < 3; k++) await runModelInputs(model, inputs, 64);
      const bareInferencePerSecond = (3 * 64) / ((performance.now() - t) / 1000);

      // TV alone, ours vs scikit-image, on the same normalised frame.
      const frame = frameAt(3);
      const frameFile = path.join(dir, 'frame.npy');
      writeNpy(frameFile, frame, [SIDE, SIDE]);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of frame) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const unit = Float64Array.from(frame, (v) => (v - lo) / (hi - lo));
      const ws = createTvWorkspace(SIDE * SIDE);
      let tvMsOurs = Infinity;
      for (let k = 0; k < 3; k++) {
        t = performance.now();
        denoiseTvChambolle(unit, SIDE, SIDE, { weight: 0.1, eps: 2e-4, maxIterations: 200, workspace: ws });
        tvMsOurs = Math.min(tvMsOurs, performance.now() - t);
      }
      const tvMsSkimage = skimageTvMs(frameFile);

      // The whole 8.6 GB file without TV: memory stays bounded (the empty frames are flagged, not inferred).
      const full = planMap(source, model, { ...base, denoise: { method: 'none' } });
      const started = performance.now();
      await runMap(source, model, full.plan, full.badPixels, path.join(dir, 'full'), { threads: defaultPreprocessThreads() });
      const fullScanSeconds = (performance.now() - started) / 1000;
      const peakRssMb = process.resourceUsage().maxRSS / 1024;

      const result: MappingBenchResult = {
        bench: 'mapping',
        frames: timed.info.frameCount,
        withTv,
        withTvOneThread,
        withoutTv,
        bareInferencePerSecond,
        tvMsOurs,
        tvMsSkimage,
        fileBytes,
        peakRssMb,
        fullScanSeconds,
      };
      const f = (r: MappingBenchResult['withTv']) =>
        `${r.framesPerSecond.toFixed(1)} frames/s (read ${r.read.toFixed(0)}/s, preprocess ${r.preprocess.toFixed(1)}/s, inference ${r.inference.toFixed(1)}/s)`;
      console.log(`mapping: ${result.frames} frames of ${SIDE}×${SIDE} on ${os.cpus().length} cores, ${path.basename(MODEL)} (bundled model)`);
      console.log(`  without TV: ${f(withoutTv)}; 128×128 scan ≈ ${((SCAN * SCAN) / withoutTv.framesPerSecond / 60).toFixed(1)} min`);
      console.log(`  with TV (paper), ${defaultPreprocessThreads()} preprocessing threads: ${f(withTv)}; 128×128 scan ≈ ${((SCAN * SCAN) / withTv.framesPerSecond / 60).toFixed(1)} min`);
      console.log(`  with TV, preprocessing in the mapping thread: ${f(withTvOneThread)} (threads / one = ${(withTv.framesPerSecond / withTvOneThread.framesPerSecond).toFixed(2)})`);
      console.log('  (read and preprocess rates are per thread: frames per thread-second)');
      console.log(`  bare onnxruntime on ready inputs: ${bareInferencePerSecond.toFixed(1)} img/s (map inference phase / bare = ${(withoutTv.inference / bareInferencePerSecond).toFixed(2)})`);
      console.log(`  TV 256² (200 iterations max): ours ${tvMsOurs.toFixed(1)} ms, scikit-image ${tvMsSkimage === null ? 'n/a' : `${tvMsSkimage.toFixed(1)} ms`}${tvMsSkimage ? ` (ours / scikit-image time = ${(tvMsOurs / tvMsSkimage).toFixed(2)})` : ''}`);
      console.log(`  ${(fileBytes / 1e9).toFixed(1)} GB file mapped whole (no TV) in ${fullScanSeconds.toFixed(0)} s; peak RSS ${peakRssMb.toFixed(0)} MB (target < 1024)`);
      fs.mkdirSync(path.join(__dirname, 'out'), { recursive: true });
      fs.writeFileSync(path.join(__dirname, 'out', 'mapping.json'), `${JSON.stringify(result, null, 2)}\n`);
      return result;
    } finally {
      source.close();
      await model.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runMappingBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
