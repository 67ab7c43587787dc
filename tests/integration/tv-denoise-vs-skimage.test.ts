/**
 * Our Chambolle total-variation denoising against scikit-image's `denoise_tv_chambolle` (Debian python3-skimage) on
 * the same images: a noisy synthetic ring pattern, the real diffraction pattern HyperSpy ships
 * (hyperspy/tests/io/dm3_2D_data/test_diffraction_pattern.dm3, loaded by HyperSpy in Python and handed over as .npy),
 * a kinematic pattern of the demo Cu–Zr glass from our own simulator (as the model sees it, 133 × 133), integer images (scikit-image's img_as_float path) and a float32 image (scikit-image computes those in float32).
 * The iteration count comes from scikit-image's own `_denoise_tv_chambolle_nd`, its source patched only to return
 * the loop counter (the patched copy is checked to give exactly the public function's result).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KinematicPatternEngine, ProbeSelector, modelInput, patternGrid } from '../../native-workers/lib/diffraction';
import type { StoredDtype } from '../../native-workers/lib/microscopy/frame-source';
import { syntheticPattern } from '../../native-workers/lib/microscopy/preprocess/synthetic-pattern';
import { createTvWorkspace, denoiseTvChambolle, imgAsFloat } from '../../native-workers/lib/microscopy/preprocess/tv-denoise';
import { readNpy, writeNpy, type NpyArray } from '../../native-workers/lib/npy';
import { tempDir } from '../support/temp';
import { demoGlass, glassSpecies, pengFactors } from '../unit/diffraction/reference';

const PYTHON = '/usr/bin/python3';
const DM3 = '/usr/lib/python3/dist-packages/hyperspy/tests/io/dm3_2D_data/test_diffraction_pattern.dm3';
const peerProbe = fs.existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import skimage.restoration, hyperspy.api, numpy'], { encoding: 'utf8' }) : null;
const peerAvailable = peerProbe !== null && peerProbe.status === 0;

/** Runs scikit-image on every job; writes each result .npy and returns the loop counts. */
const SKIMAGE_SCRIPT = String.raw`
import inspect, json, sys
import numpy as np
from skimage.restoration import denoise_tv_chambolle
from skimage.restoration import _denoise
from skimage.util.dtype import img_as_float
from skimage._shared.utils import _supported_float_type

source = inspect.getsource(_denoise._denoise_tv_chambolle_nd)
# Count the passes: the breaking pass counts too, so the counter at exit is i + 1 on a break, max_num_iter otherwise.
patched = source.replace('                break', '                i += 1\n                break').replace('    return out', '    return out, i')
assert patched.count('i += 1') == 2 and 'return out, i' in patched, 'the scikit-image source changed shape'
namespace = {'np': np}
exec(patched, namespace)
counted = namespace['_denoise_tv_chambolle_nd']

jobs = json.load(open(sys.argv[1]))
results = []
for job in jobs:
    image = np.load(job['input'])
    if job.get('cast'):
        image = image.astype(job['cast'])
    kwargs = dict(weight=job['weight'], eps=job['eps'], max_num_iter=job['maxIterations'])
    public = denoise_tv_chambolle(image, **kwargs)
    converted = image if image.dtype.kind == 'f' else img_as_float(image)
    converted = converted.astype(_supported_float_type(converted.dtype), copy=False)
    mine, iterations = counted(converted, job['weight'], job['eps'], job['maxIterations'])
    assert np.array_equal(mine, public), 'patched copy differs from denoise_tv_chambolle'
    np.save(job['output'], public)
    results.append({'iterations': int(iterations), 'dtype': str(public.dtype)})
json.dump(results, sys.stdout)
`;

const HYPERSPY_SCRIPT = String.raw`
import sys, json
import numpy as np
import hyperspy.api as hs
s = hs.load(sys.argv[1])
np.save(sys.argv[2], s.data)
json.dump({'dtype': str(s.data.dtype), 'shape': list(s.data.shape)}, sys.stdout)
`;

interface Job {
  name: string;
  input: string;
  /** How Python casts the loaded array before denoising (null = as stored). */
  cast: 'float64' | 'float32' | null;
  weight: number;
  eps: number;
  maxIterations: number;
  output: string;
  /** What our side does with the same .npy. */
  ours: { dtype: StoredDtype };
}

interface Comparison {
  name: string;
  size: string;
  ourIterations: number;
  skimageIterations: number;
  maxAbsDiffRelRange: number;
}

function python(args: string[]): string {
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`python exited ${run.status}: ${run.stderr.slice(-3000)}`);
  return run.stdout;
}

function asNumbers(data: NpyArray): ArrayLike<number> {
  if (data instanceof BigInt64Array) throw new Error('int64 test images are not expected');
  return data;
}

function range(values: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo;
}

const title = peerAvailable
  ? 'TV denoising (Chambolle) against scikit-image denoise_tv_chambolle'
  : `TV denoising against scikit-image — skipped: ${PYTHON} cannot import skimage and hyperspy (apt install python3-skimage python3-hyperspy): ${peerProbe?.stderr.trim().split('\n').pop() ?? 'no python3'}`;

describe.skipIf(!peerAvailable)(title, () => {
  const dir = peerAvailable ? tempDir('ssro-tv-') : '';
  const jobs: Job[] = [];
  const comparisons: Comparison[] = [];
  let skimage: { iterations: number; dtype: string }[] = [];
  const shapes = new Map<string, [number, number]>();

  function addJob(job: Omit<Job, 'output'>): void {
    jobs.push({ ...job, output: path.join(dir, `${job.name}.out.npy`) });
  }

  beforeAll(() => {
    // 1. A noisy synthetic NBED frame (Poisson counts), scaled to about [0, 1] as the paper's 8-bit images were.
    const rows = 96;
    const cols = 112;
    const counts = syntheticPattern({
      rows,
      cols,
      centre: { row: 47.3, col: 56.8 },
      disc: { amplitude: 400, sigmaPx: 3 },
      rings: [
        { radiusPx: 24, widthPx: 3, amplitude: 60 },
        { radiusPx: 41, widthPx: 4, amplitude: 25 },
      ],
      speckle: 0.5,
      background: 5,
      poissonSeed: 11,
    });
    const peak = counts.reduce((a, b) => Math.max(a, b), 0);
    const scaled = Float64Array.from(counts, (v) => v / peak);
    const ringFile = path.join(dir, 'ring.npy');
    writeNpy(ringFile, scaled, [rows, cols]);
    shapes.set(ringFile, [rows, cols]);
    addJob({ name: 'ring-float64', input: ringFile, cast: null, weight: 0.1, eps: 2e-4, maxIterations: 200, ours: { dtype: 'float64' } });
    addJob({ name: 'ring-float64-w0.02', input: ringFile, cast: null, weight: 0.02, eps: 2e-4, maxIterations: 200, ours: { dtype: 'float64' } });
    addJob({ name: 'ring-float64-eps0', input: ringFile, cast: null, weight: 0.1, eps: 0, maxIterations: 200, ours: { dtype: 'float64' } });
    addJob({ name: 'ring-float64-max7', input: ringFile, cast: null, weight: 0.1, eps: 2e-4, maxIterations: 7, ours: { dtype: 'float64' } });
    // The same frame as float32, which scikit-image keeps (and computes) in float32.
    addJob({ name: 'ring-float32', input: ringFile, cast: 'float32', weight: 0.1, eps: 2e-4, maxIterations: 200, ours: { dtype: 'float32' } });

    // 2. The same counts quantised to uint8 (a PNG-like figure image): scikit-image divides by 255 first.
    const bytes = Uint8Array.from(scaled, (v) => Math.round(v * 255));
    const byteFile = path.join(dir, 'ring-u8.npy');
    writeNpy(byteFile, bytes, [rows, cols]);
    shapes.set(byteFile, [rows, cols]);
    addJob({ name: 'ring-uint8', input: byteFile, cast: null, weight: 0.1, eps: 2e-4, maxIterations: 200, ours: { dtype: 'uint8' } });

    // 3. HyperSpy's real diffraction pattern (int32 counts, 87 × 87), as HyperSpy reads it.
    const dm3File = path.join(dir, 'dm3.npy');
    const meta = JSON.parse(python(['-c', HYPERSPY_SCRIPT, DM3, dm3File])) as { dtype: string; shape: [number, number] };
    expect(meta.dtype).toBe('int32');
    shapes.set(dm3File, meta.shape);
    // In counts with a weight in counts (float64), as our pipeline runs it on a raw frame…
    addJob({ name: 'dm3-counts-w50', input: dm3File, cast: 'float64', weight: 50, eps: 2e-4, maxIterations: 200, ours: { dtype: 'float64' } });
    // …and as stored (int32 → img_as_float divides by 2³¹ − 1), the paper's weight.
    addJob({ name: 'dm3-int32', input: dm3File, cast: null, weight: 0.1, eps: 2e-4, maxIterations: 200, ours: { dtype: 'int32' } });
    // Normalised to its maximum (as a [0, 1] image), the paper's weight.
    const dm3 = readNpy(dm3File);
    const dm3Values = asNumbers(dm3.data);
    const dm3Max = Array.from(dm3Values).reduce((a, b) => Math.max(a, b), 0);
    const dm3Unit = Float64Array.from(dm3Values, (v) => v / dm3Max);
    const dm3UnitFile = path.join(dir, 'dm3-unit.npy');
    writeNpy(dm3UnitFile, dm3Unit, meta.shape);
    shapes.set(dm3UnitFile, meta.shape);
    addJob({ name: 'dm3-unit', input: dm3UnitFile, cast: null, weight: 0.1, eps: 2e-4, maxIterations: 200, ours: { dtype: 'float64' } });

    // 4. Our simulator's pattern of the demo glass (cylinder probe r 5 Å, h 20 Å), as the model input in [0, 1].
    const glass = demoGlass();
    const species = glassSpecies(glass);
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.015 }, 'z');
    const probe = new ProbeSelector(glass, { kind: 'cylinder', radiusA: 5, heightA: 20 }, 'z').select([15.2, 14.7, 16.1]);
    const simulated = new KinematicPatternEngine(grid, pengFactors(), ['Cu', 'Zr']).pattern(
      probe.relative,
      Uint8Array.from(probe.indices, (i) => species[i]!),
    );
    const simulatedFile = path.join(dir, 'kinematic.npy');
    writeNpy(simulatedFile, Float64Array.from(modelInput(simulated)), [grid.side, grid.side]);
    shapes.set(simulatedFile, [grid.side, grid.side]);
    addJob({ name: 'kinematic-model-input', input: simulatedFile, cast: null, weight: 0.1, eps: 2e-4, maxIterations: 200, ours: { dtype: 'float64' } });

    const jobsFile = path.join(dir, 'jobs.json');
    fs.writeFileSync(jobsFile, JSON.stringify(jobs));
    skimage = JSON.parse(python(['-c', SKIMAGE_SCRIPT, jobsFile])) as { iterations: number; dtype: string }[];
    expect(skimage).toHaveLength(jobs.length);
  });

  function compare(index: number): Comparison {
    const job = jobs[index]!;
    const [rows, cols] = shapes.get(job.input)!;
    const stored = readNpy(job.input);
    let input: ArrayLike<number> = asNumbers(stored.data);
    // The float32 job: scikit-image sees float32(value), so do we.
    if (job.cast === 'float32') input = Float32Array.from(input as ArrayLike<number>);
    else input = imgAsFloat(input, job.ours.dtype);
    const ours = denoiseTvChambolle(input, rows, cols, { weight: job.weight, eps: job.eps, maxIterations: job.maxIterations });
    const theirs = asNumbers(readNpy(job.output).data);
    const scale = range(input);
    let maxDiff = 0;
    for (let k = 0; k < rows * cols; k++) maxDiff = Math.max(maxDiff, Math.abs((ours.image[k] as number) - (theirs[k] as number)));
    const result: Comparison = {
      name: job.name,
      size: `${rows}×${cols}`,
      ourIterations: ours.iterations,
      skimageIterations: skimage[index]!.iterations,
      maxAbsDiffRelRange: maxDiff / scale,
    };
    comparisons.push(result);
    return result;
  }

  it('float64 images (synthetic ring, HyperSpy’s DM3 pattern, a simulated pattern): same iterations, ≤ 1e-12 of the range', () => {
    for (const name of ['ring-float64', 'ring-float64-w0.02', 'ring-float64-eps0', 'ring-float64-max7', 'dm3-counts-w50', 'dm3-unit', 'kinematic-model-input']) {
      const index = jobs.findIndex((j) => j.name === name);
      const result = compare(index);
      expect(result.ourIterations, name).toBe(result.skimageIterations);
      expect(result.maxAbsDiffRelRange, name).toBeLessThanOrEqual(1e-12);
    }
    const byName = new Map(comparisons.map((c) => [c.name, c]));
    // The settings do different things: eps = 0 runs to the limit, maxIterations = 7 stops there.
    expect(byName.get('ring-float64-eps0')!.ourIterations).toBe(200);
    expect(byName.get('ring-float64-max7')!.ourIterations).toBe(7);
    expect(byName.get('ring-float64')!.ourIterations).toBeLessThan(200);
  });

  it('integer images go through img_as_float as in scikit-image (uint8 figure, int32 counts)', () => {
    for (const name of ['ring-uint8', 'dm3-int32']) {
      const result = compare(jobs.findIndex((j) => j.name === name));
      expect(result.ourIterations, name).toBe(result.skimageIterations);
      expect(result.maxAbsDiffRelRange, name).toBeLessThanOrEqual(1e-12);
    }
  });

  it('a float32 image (scikit-image computes in float32, we in float64): within 1e-5 of the range', () => {
    const result = compare(jobs.findIndex((j) => j.name === 'ring-float32'));
    expect(result.maxAbsDiffRelRange).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(result.ourIterations - result.skimageIterations)).toBeLessThanOrEqual(2);
    process.stdout.write(`tv-denoise vs skimage: ${JSON.stringify(comparisons)}\n`);
  });

  it('denoises into a Float32Array with a reused workspace, giving the same result', () => {
    const index = jobs.findIndex((j) => j.name === 'ring-float64');
    const job = jobs[index]!;
    const [rows, cols] = shapes.get(job.input)!;
    const input = asNumbers(readNpy(job.input).data);
    const workspace = createTvWorkspace(rows * cols);
    const first = denoiseTvChambolle(input, rows, cols, { workspace, out: new Float32Array(rows * cols) });
    const second = denoiseTvChambolle(input, rows, cols, { workspace, out: new Float32Array(rows * cols) });
    const reference = denoiseTvChambolle(input, rows, cols);
    expect(second.image).toEqual(first.image);
    expect(first.iterations).toBe(reference.iterations);
    for (let k = 0; k < rows * cols; k++) expect(first.image[k]).toBe(Math.fround(reference.image[k]!));
  });
});
