/**
 * TV denoising benchmark: denoiseTvChambolle (native-workers/lib/microscopy/preprocess/tv-denoise.ts) on 20
 * simulated 256 × 256 NBED frames (Poisson counts from a seeded generator, scaled to [0, 1] as the mapping does),
 * at the paper's setting (weight 0.1, eps 2e-4, at most 200 iterations): with a workspace from createTvWorkspace
 * (the WebAssembly SIMD kernel for the inner rows) and with a workspace of plain arrays (the pure-JS path), against
 *   - the previous implementation (one loop with per-pixel boundary tests and a copy of the estimate), kept here
 *     as the baseline only, and
 *   - scikit-image's denoise_tv_chambolle on the same 20 frames in the same run (python3 -c, frames via .npy).
 * Every frame's result is checked bit for bit: ours against the baseline and against scikit-image.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { syntheticPattern } from '../native-workers/lib/microscopy/preprocess/synthetic-pattern';
import { createTvWorkspace, denoiseTvChambolle, type TvWorkspace } from '../native-workers/lib/microscopy/preprocess/tv-denoise';
import { createTvFastWorkspace, denoiseTvFast } from '../native-workers/lib/microscopy/preprocess/tv-fast';
import { readNpy, writeNpy } from '../native-workers/lib/npy';

const PYTHON = process.env.SSRO_PYTHON ?? '/usr/bin/python3';
const SIDE = 256;
const FRAMES = 20;
const SETTING = { weight: 0.1, eps: 2e-4, maxIterations: 200 } as const;

export interface TvDenoiseBenchResult {
  bench: 'tv-denoise';
  frames: number;
  side: number;
  /** Mean iterations per frame (the same for every implementation: they compute the same thing). */
  iterations: number;
  msPerFrameBaseline: number;
  msPerFrame: number;
  /** The pure-JS path (a workspace of plain Float64Arrays: no WebAssembly kernel). */
  msPerFrameJs: number;
  msPerFrameSkimage: number | null;
  /** Largest |ours − baseline| (both paths) and |ours − scikit-image| over all frames and pixels (0 = identical). */
  maxDiffBaseline: number;
  maxDiffSkimage: number | null;
  iterationsMatchSkimage: boolean | null;
  /** The fast solver (tv-fast.ts) per certified RMS tolerance: ms per frame and its largest distance to u*. */
  fast: { tolerance: number; msPerFrame: number; iterations: number; maxDistanceToExact: number }[];
  /** Largest distance of Chambolle / scikit-image (bit-identical) to u*, relative to the frame's range. */
  chambolleMaxDistanceToExact: number;
  /** Frames u* was computed for, and the worst certified RMS distance of those u* to the true minimiser. */
  exactFrames: number;
  exactRmsBound: number;
}

/** Frames compared with u* (each u* costs seconds). */
const EXACT_FRAMES = 2;

/**
 * The fast solver against u* (the same solver to a certified RMS distance ≤ 1e-6 or 4000 iterations) on the first
 * frames, at two tolerances; and Chambolle's (= scikit-image's) distance to u* on the same frames.
 */
function runFastTv(frames: Float64Array[], chambolle: Float64Array[]): Pick<TvDenoiseBenchResult, 'fast' | 'chambolleMaxDistanceToExact' | 'exactFrames' | 'exactRmsBound'> {
  const workspace = createTvFastWorkspace(SIDE, SIDE);
  const exact: Float64Array[] = [];
  let exactRmsBound = 0;
  for (let f = 0; f < EXACT_FRAMES; f++) {
    const r = denoiseTvFast(frames[f]!, SIDE, SIDE, { weight: SETTING.weight, tolerance: 1e-6, maxIterations: 4000, workspace });
    exact.push(r.image);
    exactRmsBound = Math.max(exactRmsBound, r.rmsBound);
  }
  let chambolleMaxDistanceToExact = 0;
  for (let f = 0; f < EXACT_FRAMES; f++) chambolleMaxDistanceToExact = Math.max(chambolleMaxDistanceToExact, maxAbsDiff(chambolle[f]!, exact[f]!));
  const fast: TvDenoiseBenchResult['fast'] = [];
  for (const tolerance of [1e-4, 1e-3]) {
    const out = new Float64Array(SIDE * SIDE);
    denoiseTvFast(frames[0]!, SIDE, SIDE, { weight: SETTING.weight, tolerance, workspace, out });
    const times: number[] = [];
    let iterations = 0;
    let distance = 0;
    for (let f = 0; f < FRAMES; f++) {
      const t = performance.now();
      iterations += denoiseTvFast(frames[f]!, SIDE, SIDE, { weight: SETTING.weight, tolerance, workspace, out }).iterations;
      times.push(performance.now() - t);
      if (f < EXACT_FRAMES) distance = Math.max(distance, maxAbsDiff(out, exact[f]!));
    }
    times.sort((a, b) => a - b);
    fast.push({ tolerance, msPerFrame: times[Math.floor(times.length / 2)]!, iterations: iterations / FRAMES, maxDistanceToExact: distance });
  }
  return { fast, chambolleMaxDistanceToExact, exactFrames: EXACT_FRAMES, exactRmsBound };
}

/** The previous implementation, verbatim in its arithmetic (the baseline): per-pixel boundary tests, estimate copy. */
function baselineTvChambolle(image: Float64Array, rows: number, cols: number, workspace: TvWorkspace, out: Float64Array): number {
  const { weight, eps, maxIterations } = SETTING;
  const size = rows * cols;
  const { p0, p1, estimate, previous, source } = workspace;
  for (let k = 0; k < size; k++) {
    const value = image[k]!;
    if (!Number.isFinite(value)) throw new Error(`non-finite value at pixel ${k}`);
    source[k] = value;
    estimate[k] = value;
  }
  p0.fill(0);
  p1.fill(0);
  const tau = 1 / (2 * 2);
  const normScale = tau / weight;
  let energyInit = 0;
  let energyPrevious = 0;
  let energy = 0;
  let dSquared = 0;
  let i = 0;
  while (i < maxIterations) {
    let normSum = 0;
    let dSquaredNext = 0;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      const below = r < rows - 1;
      for (let c = 0; c < cols; c++) {
        const k = base + c;
        const here = estimate[k]!;
        const g0 = below ? estimate[k + cols]! - here : 0;
        const g1 = c < cols - 1 ? estimate[k + 1]! - here : 0;
        const norm = Math.sqrt(g0 * g0 + g1 * g1);
        normSum += norm;
        const denominator = norm * normScale + 1;
        const q0 = (p0[k]! - tau * g0) / denominator;
        const q1 = (p1[k]! - tau * g1) / denominator;
        p0[k] = q0;
        p1[k] = q1;
        previous[k] = here;
        let d = -(q0 + q1);
        if (r > 0) d += p0[k - cols]!;
        if (c > 0) d += p1[k - 1]!;
        estimate[k] = source[k]! + d;
        dSquaredNext += d * d;
      }
    }
    energy = (dSquared + weight * normSum) / size;
    dSquared = dSquaredNext;
    if (i === 0) {
      energyInit = energy;
      energyPrevious = energy;
    } else if (Math.abs(energyPrevious - energy) < eps * energyInit) {
      i += 1;
      break;
    } else {
      energyPrevious = energy;
    }
    i += 1;
  }
  for (let k = 0; k < size; k++) out[k] = previous[k]!;
  return i;
}

/** Frame `index` of a simulated scan, scaled to [0, 1] (the mapping's 'range' scale). */
function frameAt(index: number): Float64Array {
  const d = (index % FRAMES) / FRAMES;
  const counts = syntheticPattern({
    rows: SIDE,
    cols: SIDE,
    centre: { row: 127.3 + 0.4 * Math.sin(index), col: 128.1 + 0.3 * Math.cos(index) },
    disc: { amplitude: 2e4, sigmaPx: 2.5 },
    rings: [
      { radiusPx: 42, widthPx: 4 + 6 * d, amplitude: 300 },
      { radiusPx: 75, widthPx: 8 + 6 * d, amplitude: 80 },
    ],
    speckle: 0.4,
    background: 5,
    poissonSeed: index + 1,
  });
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of counts) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return Float64Array.from(counts, (v) => (v - lo) / (hi - lo));
}

function maxAbsDiff(a: Float64Array, b: ArrayLike<number>): number {
  let worst = 0;
  for (let k = 0; k < a.length; k++) {
    const diff = Math.abs(a[k]! - (b[k] as number));
    if (!(diff <= worst)) worst = diff;
  }
  return worst;
}

/** scikit-image on the stacked frames: writes each result, returns its per-frame ms (best of 2 passes) and counts. */
function runSkimage(input: string, output: string): { ms: number; iterations: number[] } | null {
  const script = String.raw`
import inspect, json, sys, time
import numpy as np
from skimage.restoration import denoise_tv_chambolle, _denoise
frames = np.load(sys.argv[1])
kw = dict(weight=${SETTING.weight}, eps=${SETTING.eps}, max_num_iter=${SETTING.maxIterations})
best = 1e9
for _ in range(2):
    t = time.perf_counter()
    result = np.stack([denoise_tv_chambolle(f, **kw) for f in frames])
    best = min(best, time.perf_counter() - t)
np.save(sys.argv[2], result)
src = inspect.getsource(_denoise._denoise_tv_chambolle_nd)
patched = src.replace('                break', '                i += 1\n                break').replace('    return out', '    return out, i')
ns = {'np': np}
exec(patched, ns)
counts = [int(ns['_denoise_tv_chambolle_nd'](f, kw['weight'], kw['eps'], kw['max_num_iter'])[1]) for f in frames]
json.dump({'ms': best * 1000 / len(frames), 'iterations': counts}, sys.stdout)
`;
  const run = spawnSync(PYTHON, ['-c', script, input, output], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) {
    console.log(`  scikit-image not run: ${(run.stderr || run.error?.message || '').trim().split('\n').pop() ?? ''}`);
    return null;
  }
  return JSON.parse(run.stdout) as { ms: number; iterations: number[] };
}

export function runTvDenoiseBench(): TvDenoiseBenchResult {
  const size = SIDE * SIDE;
  const frames = Array.from({ length: FRAMES }, (_, i) => frameAt(i));
  const workspace = createTvWorkspace(size);
  const baselineOut = frames.map(() => new Float64Array(size));
  const oursOut = frames.map(() => new Float64Array(size));
  const jsOut = frames.map(() => new Float64Array(size));
  const plain = (): Float64Array => new Float64Array(size);
  const jsWorkspace: TvWorkspace = { size, p0: plain(), p1: plain(), estimate: plain(), previous: plain(), source: plain() };
  const iterations: number[] = [];
  const jsIterations: number[] = [];

  // Warm up both (JIT), then alternate timed passes so that neither profits from the machine's state.
  for (let f = 0; f < 3; f++) {
    baselineTvChambolle(frames[f]!, SIDE, SIDE, workspace, baselineOut[f]!);
    denoiseTvChambolle(frames[f]!, SIDE, SIDE, { ...SETTING, workspace, out: oursOut[f]! });
    denoiseTvChambolle(frames[f]!, SIDE, SIDE, { ...SETTING, workspace: jsWorkspace, out: jsOut[f]! });
  }
  let baselineMs = Infinity;
  let oursMs = Infinity;
  let jsMs = Infinity;
  let baselineIterations: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    let t = performance.now();
    const counts: number[] = [];
    for (let f = 0; f < FRAMES; f++) counts.push(baselineTvChambolle(frames[f]!, SIDE, SIDE, workspace, baselineOut[f]!));
    baselineMs = Math.min(baselineMs, (performance.now() - t) / FRAMES);
    baselineIterations = counts;
    t = performance.now();
    iterations.length = 0;
    for (let f = 0; f < FRAMES; f++) iterations.push(denoiseTvChambolle(frames[f]!, SIDE, SIDE, { ...SETTING, workspace, out: oursOut[f]! }).iterations);
    oursMs = Math.min(oursMs, (performance.now() - t) / FRAMES);
    t = performance.now();
    jsIterations.length = 0;
    for (let f = 0; f < FRAMES; f++) jsIterations.push(denoiseTvChambolle(frames[f]!, SIDE, SIDE, { ...SETTING, workspace: jsWorkspace, out: jsOut[f]! }).iterations);
    jsMs = Math.min(jsMs, (performance.now() - t) / FRAMES);
  }
  let maxDiffBaseline = 0;
  for (let f = 0; f < FRAMES; f++) {
    maxDiffBaseline = Math.max(maxDiffBaseline, maxAbsDiff(oursOut[f]!, baselineOut[f]!), maxAbsDiff(jsOut[f]!, baselineOut[f]!));
  }
  if (baselineIterations.some((n, f) => n !== iterations[f] || n !== jsIterations[f])) maxDiffBaseline = Infinity;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-bench-tv-'));
  let msPerFrameSkimage: number | null = null;
  let maxDiffSkimage: number | null = null;
  let iterationsMatchSkimage: boolean | null = null;
  try {
    const input = path.join(dir, 'frames.npy');
    const output = path.join(dir, 'denoised.npy');
    const stacked = new Float64Array(FRAMES * size);
    frames.forEach((frame, f) => stacked.set(frame, f * size));
    writeNpy(input, stacked, [FRAMES, SIDE, SIDE]);
    const peer = runSkimage(input, output);
    if (peer !== null) {
      msPerFrameSkimage = peer.ms;
      const { data } = readNpy(output);
      if (!(data instanceof Float64Array)) throw new Error('scikit-image returned a non-float64 result');
      maxDiffSkimage = 0;
      for (let f = 0; f < FRAMES; f++) maxDiffSkimage = Math.max(maxDiffSkimage, maxAbsDiff(oursOut[f]!, data.subarray(f * size, (f + 1) * size)));
      iterationsMatchSkimage = peer.iterations.every((n, f) => n === iterations[f]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const meanIterations = iterations.reduce((a, b) => a + b, 0) / FRAMES;
  const fastPart = runFastTv(frames, oursOut);
  const result: TvDenoiseBenchResult = {
    bench: 'tv-denoise',
    frames: FRAMES,
    side: SIDE,
    iterations: meanIterations,
    msPerFrameBaseline: baselineMs,
    msPerFrame: oursMs,
    msPerFrameJs: jsMs,
    msPerFrameSkimage,
    maxDiffBaseline,
    maxDiffSkimage,
    iterationsMatchSkimage,
    ...fastPart,
  };
  const its = `${Math.min(...iterations)}–${Math.max(...iterations)} iterations (mean ${meanIterations.toFixed(1)})`;
  console.log(`tv-denoise: ${FRAMES} frames ${SIDE}×${SIDE}, weight ${SETTING.weight}, eps ${SETTING.eps}, ≤ ${SETTING.maxIterations} iterations: ${its}`);
  console.log(`  previous implementation ${baselineMs.toFixed(1)} ms/frame`);
  console.log(`  ours ${oursMs.toFixed(1)} ms/frame (WebAssembly SIMD inner rows; speed-up ×${(baselineMs / oursMs).toFixed(2)})`);
  console.log(`  ours, pure-JS path ${jsMs.toFixed(1)} ms/frame (plain-array workspace; speed-up ×${(baselineMs / jsMs).toFixed(2)})`);
  console.log(
    msPerFrameSkimage === null
      ? '  scikit-image: n/a'
      : `  scikit-image ${msPerFrameSkimage.toFixed(1)} ms/frame (ours / scikit-image time = ${(oursMs / msPerFrameSkimage).toFixed(2)}, previous / scikit-image = ${(baselineMs / msPerFrameSkimage).toFixed(2)})`,
  );
  console.log(
    `  max |ours − previous| = ${maxDiffBaseline}, max |ours − scikit-image| = ${maxDiffSkimage ?? 'n/a'}, iterations equal to scikit-image's: ${iterationsMatchSkimage ?? 'n/a'}`,
  );
  console.log(
    `  distance to u* (frames 0–${EXACT_FRAMES - 1}; u* certified to RMS ${fastPart.exactRmsBound.toExponential(1)}): Chambolle = scikit-image eps ${SETTING.eps} ${fastPart.chambolleMaxDistanceToExact.toExponential(2)}`,
  );
  for (const r of fastPart.fast) {
    const ratio = msPerFrameSkimage === null ? '' : `, fast / scikit-image time = ${(r.msPerFrame / msPerFrameSkimage).toFixed(2)}`;
    console.log(
      `  fast solver (multilevel dual FISTA), certified RMS ≤ ${r.tolerance}: ${r.msPerFrame.toFixed(1)} ms/frame (median), ${r.iterations.toFixed(0)} fine iterations, max |fast − u*| = ${r.maxDistanceToExact.toExponential(2)}${ratio}`,
    );
  }
  fs.mkdirSync(path.join(__dirname, 'out'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'out', 'tv-denoise.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (require.main === module) runTvDenoiseBench();
