/**
 * The PyTorch trainer's fast loop (ssro_torch): batch-level augmentation checked against its documented
 * distributions and against the per-sample pipelines it replaces (ssro_torch.augment and ssro_torch.detector_augment,
 * and torchvision's own autocontrast and sharpness), the cosine schedule against its closed form, the weight average
 * against its update rule, D4 test-time augmentation in the exported ONNX graph (invariant under the square's
 * symmetries in onnxruntime-node), training on every other k-node with the coarse grid recorded, per-structure
 * metrics recomputed from val_predictions.npy, the init and split records, exact resume with all of it on, and the
 * refusal of a non-finite loss. Small synthetic datasets written by the app's PatternStore (33 × 33 patterns).
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { patternSide } from '../../main/shared/diffraction';
import { openPatternStore } from '../../native-workers/lib/datasets/pattern-store';
import { mulberry32, randomSplit } from '../../native-workers/lib/datasets/random-split';
import { readSsroModelMetadata } from '../../native-workers/lib/models/onnx-metadata';
import { readNpy } from '../../native-workers/lib/npy';
import { syntheticPattern } from '../support/synthetic-dataset';
import { tempDir } from '../support/temp';
import { ENGINE_ENV as env, errorMessage, expectSuccess, only, PY_DIR, PYTHON, python, torchAvailable, writeInt8Npy, type EngineEvent } from '../support/torch-engine-run';

const GRID = { kmaxInvA: 0.24, deltaKInvA: 0.015 }; // 33 nodes; every other node: 17 at 0.03 Å⁻¹
const SIDE = patternSide(GRID);
const N = 120;
const SEED = 11;
const STRUCTURES = ['glass A', 'glass B', 'glass C'];

/** A pattern store of ring patterns over three structures (row i belongs to structure i mod 3). */
function writeStore(dir: string, grid: { kmaxInvA: number; deltaKInvA: number }, count: number): Float64Array {
  const side = patternSide(grid);
  const random = mulberry32(5);
  const labels = new Float64Array(count);
  const store = openPatternStore(dir, {
    sampleCount: count,
    side,
    grid,
    patternKind: 'raw-intensity',
    structures: STRUCTURES.map((name, k) => ({ id: k + 1, name })),
    zones: ['z'],
    probes: [{ kind: 'cylinder', radiusA: 5, heightA: 20 }],
  });
  try {
    for (let i = 0; i < count; i++) {
      const d = random();
      labels[i] = d;
      const region = d < 0.33 ? 0 : d < 0.66 ? 1 : 2;
      const regionFractions = [0, 0, 0];
      regionFractions[region] = 1;
      store.write(i, { pattern: syntheticPattern(d, random, side), labels: { meanD: d, atomCount: 40, region, regionFractions }, centreA: [i, 0, 0], structure: i % STRUCTURES.length });
    }
  } finally {
    store.close();
  }
  return labels;
}

function pythonJson<T>(script: string, ...args: string[]): T {
  const run = python(['-c', script, ...args]);
  expectSuccess(run);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as T;
}

interface AugmentStats {
  paper: {
    identityAtP0: boolean;
    appliedFraction: number;
    angleKs: number;
    angleCount: number;
    noiseMean: number;
    noiseStd: number;
    rot90Diff: number;
    autocontrastDiff: number;
    sharpnessDiff: number;
    sameSeedSame: boolean;
    otherBatchDiffers: boolean;
  };
  detector: {
    angleKs: number;
    scaleMin: number;
    scaleMax: number;
    scaleKs: number;
    drawCount: number;
    drawsMatchPerSample: boolean;
    geometryDiff: number;
    pipelineDiff: number;
    blurOffIdentity: boolean;
    allOffIdentity: boolean;
    poisson: { dose: number; meanRatio: number; varRatio: number; nodes: number; integers: boolean }[];
    strideDiff: number;
  };
  stream: { workersSame: boolean; coarseDiff: number; coarseShape: number[] };
}

const AUGMENT_SCRIPT = String.raw`
import json, math, sys
import numpy as np, torch
import torchvision.transforms.functional as TF
from ssro_torch.batch_augment import BatchDetectorAugment, BatchPaperAugment
from ssro_torch.data import BatchStream, DatasetFolder, make_batch_loader, mix_seed
from ssro_torch.detector_augment import DetectorAugment, SWITCHES
from ssro_torch.transforms import annulus_log

def gen(*parts):
    g = torch.Generator(); g.manual_seed(mix_seed(parts)); return g

def ks_uniform(values, lo, hi):
    u = np.sort((np.asarray(values, dtype=np.float64) - lo) / (hi - lo))
    n = u.size
    return float(max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n)))

out = {}
folder = DatasetFolder(sys.argv[1])
S = folder.side
x = torch.from_numpy(folder.model_inputs(np.arange(16))).unsqueeze(1)

# ---- paper ----
paper = BatchPaperAugment()
p = {}
p['identityAtP0'] = bool(torch.equal(BatchPaperAugment(p=0.0)(x, gen(1)), x))
d = paper.draw(20000, gen(2))
p['appliedFraction'] = float(d['apply'].double().mean())
p['angleKs'] = ks_uniform(d['angleDeg'].numpy(), -180, 180)
p['angleCount'] = 20000
noise_only = BatchPaperAugment(p=1.0, max_rotation_deg=0.0, autocontrast_p=0.0, sharpness_p=0.0)
flat = torch.full((8, 1, S, S), 0.5)
inner = noise_only(flat, gen(3))[:, :, 2:-2, 2:-2] - 0.5
p['noiseMean'] = float(inner.mean()); p['noiseStd'] = float(inner.std())
quarter = BatchPaperAugment.rotate(x, torch.full((16,), 90.0, dtype=torch.float64))
p['rot90Diff'] = float(min((quarter - torch.rot90(x, k, dims=(2, 3))).abs().max() for k in (1, -1)))
p['autocontrastDiff'] = float(max((BatchPaperAugment.autocontrast(x)[k] - TF.autocontrast(x[k])).abs().max() for k in range(16)))
p['sharpnessDiff'] = float(max((BatchPaperAugment.sharpen(x, 0.5)[k] - TF.adjust_sharpness(x[k], 0.5)).abs().max() for k in range(16)))
p['sameSeedSame'] = bool(torch.equal(paper(x, gen(4, 1)), paper(x, gen(4, 1))))
p['otherBatchDiffers'] = not torch.equal(paper(x, gen(4, 1)), paper(x, gen(4, 2)))
out['paper'] = p

# ---- detector ----
det = BatchDetectorAugment(S, folder.kmax_inv_a, folder.delta_k_inv_a)
ref = DetectorAugment(S, folder.kmax_inv_a, folder.delta_k_inv_a)
o = det.options
q = {}
big = det.draw_batch(20000, gen(5))
q['angleKs'] = ks_uniform(big['angleDeg'].numpy(), -o['rotationDeg'], o['rotationDeg'])
q['scaleKs'] = ks_uniform(big['scale'].numpy(), 1 - o['scaleJitter'], 1 + o['scaleJitter'])
q['scaleMin'] = float(big['scale'].min()); q['scaleMax'] = float(big['scale'].max())
q['drawCount'] = 20000
# The batch draw is the per-sample one: row k of the batch's uniforms is what the k-th per-sample draw from the same
# generator reads, mapped by DetectorAugment.draw.
B = 12
params = det.draw_batch(B, gen(6))
g_ref = gen(6)
per = [ref.draw(g_ref) for _ in range(B)]
ok = True
for k in range(B):
    for key, value in per[k].items():
        if key == 'offsetPx':
            ok = ok and value == [float(params['offsetX'][k]), float(params['offsetY'][k])]
        elif isinstance(value, bool):
            ok = ok and value == bool(params[key][k])
        else:
            ok = ok and abs(value - float(params[key][k])) <= 1e-12 * max(1.0, abs(value))
q['drawsMatchPerSample'] = bool(ok)
raw = torch.from_numpy(folder.raw_rows(np.arange(B)).astype(np.float64))
geo = det.geometry_batch(raw, params)
q['geometryDiff'] = float(max(((geo[k] - ref.geometry(raw[k], per[k])).abs().max() / raw[k].max()) for k in range(B)))
# Every step but Poisson: the batch pipeline equals the per-sample one with the same parameters.
no_poisson = {'poisson': False}
det_np = BatchDetectorAugment(S, folder.kmax_inv_a, folder.delta_k_inv_a, no_poisson)
ref_np = DetectorAugment(S, folder.kmax_inv_a, folder.delta_k_inv_a, no_poisson)
batch_out = det_np.apply_batch(raw, params, gen(7))
q['pipelineDiff'] = float(max(((batch_out[k] - ref_np.apply(raw[k], per[k], gen(7))).abs().max() / ref_np.apply(raw[k], per[k], gen(7)).abs().max()) for k in range(B)))
blur_off = dict(params); blur_off['blur'] = torch.zeros(B, dtype=torch.bool)
q['blurOffIdentity'] = bool(torch.equal(BatchDetectorAugment.blur_batch(raw, params['blurSigmaPx'], blur_off['blur']), raw))
off = BatchDetectorAugment(S, folder.kmax_inv_a, folder.delta_k_inv_a, {k: False for k in SWITCHES})
q['allOffIdentity'] = bool(torch.equal(off(raw, gen(8)), raw))
# Poisson: a flat pattern scaled to dose D has λ = D at every node: mean and variance over the nodes are D.
dose_poisson = BatchDetectorAugment(S, folder.kmax_inv_a, folder.delta_k_inv_a,
                                    {'geometry': False, 'blur': False, 'background': False, 'beam': False, 'saturation': False})
flat_raw = torch.full((64, S, S), 3.7, dtype=torch.float64)
pp = dose_poisson.draw_batch(64, gen(9))
counts = dose_poisson.apply_batch(flat_raw, pp, gen(10))
poisson = []
for k in range(0, 64, 8):
    c = counts[k].flatten(); D = float(pp['dose'][k])
    poisson.append({'dose': D, 'meanRatio': float(c.mean()) / D, 'varRatio': float(c.var()) / D, 'nodes': int(c.numel()),
                    'integers': bool(torch.equal(c, c.round()))})
q['poisson'] = poisson
nop = BatchDetectorAugment(S, folder.kmax_inv_a, folder.delta_k_inv_a, no_poisson)
q['strideDiff'] = float((nop.apply_batch(raw, params, gen(7), 2) - nop.apply_batch(raw, params, gen(7))[:, ::2, ::2]).abs().max())
out['detector'] = q

# ---- the batch stream ----
s = {}
stream = BatchStream(folder, np.arange(40), 'd', 8, det, seed=3, shuffle=True)
a = [t[0] for t in make_batch_loader(stream, 2, 0)]
b = [t[0] for t in make_batch_loader(stream, 2, 1)]
s['workersSame'] = all(torch.equal(i, j) for i, j in zip(a, b)) and len(a) == len(b) == 5
coarse = DatasetFolder(sys.argv[1], input_side=(S + 1) // 2)
cs = BatchStream(coarse, np.arange(8), 'd', 8)
xc = cs[0][0]
expect = annulus_log(folder.raw_rows(np.arange(8))[:, ::2, ::2], folder.kmax_inv_a, 2 * folder.delta_k_inv_a)
s['coarseDiff'] = float(np.abs(xc[:, 0].numpy() - expect).max())
s['coarseShape'] = list(xc.shape)
out['stream'] = s
print(json.dumps(out))
`;

const title = torchAvailable ? 'PyTorch trainer: batch augmentation, schedule, EMA, TTA, inputSide' : `PyTorch trainer — skipped: ${PYTHON} cannot import torch`;

describe.skipIf(!torchAvailable)(title, () => {
  const work = tempDir('ssro-torch-v3-');
  const datasetDir = path.join(work, 'dataset');
  const splitFile = path.join(work, 'split.npy');
  let labels: Float64Array = new Float64Array(0);
  let split = new Int8Array(0);
  const config = (outDir: string, extra: Record<string, unknown> = {}): string => {
    const file = `${outDir}.json`;
    fs.writeFileSync(file, JSON.stringify({ datasetDir, splitFile, outDir, model: 'compactcnn', epochs: 3, batchSize: 16, bestAfterEpoch: 1, seed: SEED, device: 'cpu', threads: 1, ...extra }));
    return file;
  };

  beforeAll(() => {
    labels = writeStore(datasetDir, GRID, N);
    split = Int8Array.from(randomSplit(N, { seed: SEED }).split);
    writeInt8Npy(splitFile, split);
  });

  it('batch augmentation follows the documented distributions and equals the per-sample pipelines step by step', () => {
    const r = pythonJson<AugmentStats>(AUGMENT_SCRIPT, datasetDir);
    // KS statistic of n uniform draws: P(D > 1.95/√n) ≈ 0.001.
    const ks = (n: number): number => 1.95 / Math.sqrt(n);
    const p = r.paper;
    expect(p.identityAtP0).toBe(true);
    expect(Math.abs(p.appliedFraction - 0.8)).toBeLessThan(4 * Math.sqrt((0.8 * 0.2) / 20000));
    expect(p.angleKs).toBeLessThan(ks(p.angleCount));
    expect(Math.abs(p.noiseMean)).toBeLessThan(0.002);
    expect(Math.abs(p.noiseStd - 0.1)).toBeLessThan(0.002);
    expect(p.rot90Diff).toBeLessThan(1e-5);
    expect(p.autocontrastDiff).toBeLessThan(1e-6);
    expect(p.sharpnessDiff).toBeLessThan(1e-6);
    expect(p.sameSeedSame).toBe(true);
    expect(p.otherBatchDiffers).toBe(true);

    const d = r.detector;
    expect(d.angleKs).toBeLessThan(ks(d.drawCount));
    expect(d.scaleKs).toBeLessThan(ks(d.drawCount));
    expect(d.scaleMin).toBeGreaterThanOrEqual(0.97);
    expect(d.scaleMax).toBeLessThanOrEqual(1.03);
    expect(d.scaleMax - d.scaleMin).toBeGreaterThan(0.0599);
    expect(d.drawsMatchPerSample).toBe(true);
    expect(d.geometryDiff).toBeLessThan(1e-9);
    // The per-sample beam disc adds a height rounded to float32 (torch.where of Python scalars), hence float32's ε.
    expect(d.pipelineDiff).toBeLessThan(1.2e-7);
    expect(d.blurOffIdentity).toBe(true);
    expect(d.allOffIdentity).toBe(true);
    expect(d.strideDiff).toBe(0);
    expect(d.poisson.length).toBe(8);
    for (const c of d.poisson) {
      expect(c.integers).toBe(true);
      // Mean of n Poisson(D) over D: standard error 1/√(nD); the sample variance over D: ≈ √(2/n) (+ 1/(nD)).
      expect(Math.abs(c.meanRatio - 1)).toBeLessThan(5 / Math.sqrt(c.nodes * c.dose));
      expect(Math.abs(c.varRatio - 1)).toBeLessThan(5 * Math.sqrt(2 / c.nodes + 1 / (c.nodes * c.dose)));
    }

    expect(r.stream.workersSame).toBe(true);
    expect(r.stream.coarseShape).toEqual([8, 1, (SIDE + 1) / 2, (SIDE + 1) / 2]);
    expect(r.stream.coarseDiff).toBe(0);
  });

  it('the cosine schedule and the weight average follow their closed forms; history records the per-epoch rate', () => {
    const r = pythonJson<{ values: number[]; ema: number[]; expected: number[] }>(String.raw`
import json, torch
from ssro_torch.train import WeightAverage, cosine_lr
T, W, lr, lo = 100, 10, 1e-3, 1e-5
values = [cosine_lr(t, T, W, lr, lo) for t in (0, 4, 10, 55, 100)]
m = torch.nn.Linear(1, 1, bias=False)
with torch.no_grad(): m.weight.fill_(1.0)
avg = WeightAverage(m, 0.5)
seen, expected, p = [], [], 1.0
for u, w in enumerate((3.0, 5.0, -2.0), 1):
    with torch.no_grad(): m.weight.fill_(w)
    avg.update(m)
    d = min(0.5, (1 + u) / (10 + u))
    p = d * p + (1 - d) * w
    seen.append(float(avg.model.weight)); expected.append(p)
print(json.dumps({'values': values, 'ema': seen, 'expected': expected}))
`);
    const [lr, lo] = [1e-3, 1e-5];
    expect(r.values[0]).toBeCloseTo(lr / 10, 15); // warm-up step 0 of 10
    expect(r.values[1]).toBeCloseTo((lr * 5) / 10, 15);
    expect(r.values[2]).toBeCloseTo(lr, 15); // after the warm-up: the peak
    expect(r.values[3]).toBeCloseTo(lo + (lr - lo) * 0.5 * (1 + Math.cos((Math.PI * 45) / 90)), 15); // the middle: (lr + minLr)/2
    expect(r.values[3]).toBeCloseTo((lr + lo) / 2, 15);
    expect(r.values[4]).toBe(lo); // the end of the budget
    r.ema.forEach((v, k) => expect(v).toBeCloseTo(r.expected[k] as number, 6));

    const out = path.join(work, 'run-schedule');
    const run = python(['-m', 'ssro_torch.train', '--config', config(out, { model: 'basecnn', epochs: 4, warmupEpochs: 1, exportOnnx: false, tta: 'none' })]);
    expectSuccess(run);
    const train = split.filter((s) => s === 0).length;
    const batches = Math.ceil(train / 16);
    const T = 4 * batches;
    const expectedLr = (t: number): number => (t < batches ? (1e-3 * (t + 1)) / batches : 1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + Math.cos((Math.PI * (t - batches)) / (T - batches))));
    const history = (JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8')) as { epochs: { epoch: number; lr: number; nextLr: number }[] }).epochs;
    for (const h of history) {
      expect(h.lr).toBeCloseTo(expectedLr((h.epoch - 1) * batches), 14);
      expect(h.nextLr).toBeCloseTo(h.epoch === 4 ? 1e-5 : expectedLr(h.epoch * batches), 14);
    }
    // Batch events carry the per-batch rate.
    const batchLr = only(run, 'batch').map((e) => [e.epoch as number, e.batch as number, e.lr as number] as const);
    for (const [epoch, b, value] of batchLr) expect(value).toBeCloseTo(expectedLr((epoch - 1) * batches + b - 1), 14);
  });

  it('d4 TTA with inputSide 17: the ONNX graph is invariant under the square symmetries, equals the run, records the coarse grid, init and split', async () => {
    const out = path.join(work, 'run-tta');
    const initFile = path.join(work, 'init.pt');
    expectSuccess(python(['-c', 'import sys, torch\nfrom ssro_torch.models import build_model\ntorch.manual_seed(2)\nms = [build_model("compactcnn") for _ in range(2)]\ntorch.save({f"members.{m}.{k}": v for m in range(2) for k, v in ms[m].state_dict().items()}, sys.argv[1])', initFile]));
    const splitInfo = { kind: 'random', seed: SEED, fractions: [0.8, 0.2], note: 'ünïcode ok' };
    const run = python(['-m', 'ssro_torch.train', '--config', config(out, { members: 2, tta: 'd4', inputSide: 17, splitInfo, initStateDict: initFile, augmentation: 'paper' })]);
    expectSuccess(run);
    expect(only(run, 'data')[0]).toMatchObject({ side: SIDE, inputSide: 17 });
    const bytes = new Uint8Array(fs.readFileSync(path.join(out, 'model.onnx')));
    const meta = readSsroModelMetadata(bytes) as unknown as Record<string, unknown> & { preprocessing: Record<string, unknown>; input: { shape: unknown[] }; output: { shape: unknown[] } };
    expect(meta.preprocessing).toMatchObject({ transform: 'annulus-log', side: 17, kmaxInvA: GRID.kmaxInvA, deltaKInvA: 0.03 });
    expect(meta.input.shape).toEqual(['batch', 1, 17, 17]);
    expect(meta.output.shape).toEqual(['batch', 2]);
    expect(meta.tta).toBe('d4');
    const sha = crypto.createHash('sha256').update(fs.readFileSync(initFile)).digest('hex');
    expect(meta.init).toEqual({ kind: 'state-dict', file: 'init.pt', sha256: sha });
    expect(meta.split).toEqual(splitInfo);
    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')) as { init: unknown; split: unknown };
    expect(metrics.init).toEqual(meta.init);
    expect(metrics.split).toEqual(splitInfo);

    // Model inputs of the validation rows on the coarse grid, made by the engine itself.
    const rows = [...split.keys()].filter((i) => split[i] === 1).slice(0, 12);
    const inputsFile = path.join(work, 'coarse-inputs.npy');
    expectSuccess(python(['-c', 'import sys, json, numpy as np\nfrom ssro_torch.data import DatasetFolder\nf = DatasetFolder(sys.argv[1], input_side=17)\nnp.save(sys.argv[2], f.model_inputs(json.loads(sys.argv[3])))', datasetDir, inputsFile, JSON.stringify(rows)]));
    const inputs = readNpy(inputsFile).data as Float32Array;
    const s = 17;
    const session = await ort.InferenceSession.create(bytes);
    const predict = async (data: Float32Array): Promise<Float32Array> => (await session.run({ patterns: new ort.Tensor('float32', data, [rows.length, 1, s, s]) })).prediction?.data as Float32Array;
    const base = await predict(inputs);
    expect(base.length).toBe(rows.length * 2);
    // The eight symmetries of the square, applied in Node: the averaged model cannot tell them apart.
    const maps: ((r: number, c: number) => [number, number])[] = [
      (r, c) => [c, s - 1 - r],
      (r, c) => [s - 1 - r, s - 1 - c],
      (r, c) => [s - 1 - c, r],
      (r, c) => [r, s - 1 - c],
      (r, c) => [s - 1 - r, c],
      (r, c) => [c, r],
      (r, c) => [s - 1 - c, s - 1 - r],
    ];
    for (const map of maps) {
      const moved = new Float32Array(inputs.length);
      for (let k = 0; k < rows.length; k++) {
        for (let r = 0; r < s; r++) {
          for (let c = 0; c < s; c++) {
            const [r2, c2] = map(r, c);
            moved[k * s * s + r2 * s + c2] = inputs[k * s * s + r * s + c] as number;
          }
        }
      }
      const other = await predict(moved);
      for (let k = 0; k < base.length; k++) expect(Math.abs((other[k] as number) - (base[k] as number))).toBeLessThan(1e-5);
    }
    // … and equals the run's own (TTA) evaluation: val_predictions.npy holds d = 1 − the members' mean.
    const table = readNpy(path.join(out, 'val_predictions.npy')).data as Float64Array;
    const byIndex = new Map<number, number>();
    for (let r = 0; r < table.length / 3; r++) byIndex.set(table[3 * r] as number, table[3 * r + 2] as number);
    rows.forEach((row, k) => expect(Math.abs(1 - ((base[2 * k] as number) + (base[2 * k + 1] as number)) / 2 - (byIndex.get(row) as number))).toBeLessThan(1e-4));
  });

  it('per-structure metrics match val_predictions.npy; regions are kept; structure names come from dataset.json', () => {
    const out = path.join(work, 'run-tta');
    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')) as {
      validation: { count: number };
      regions: { validation: Record<string, { count: number }> };
      structures: Record<'train' | 'validation', Record<string, { name: string; count: number; mae: number; rmse: number; regions: Record<string, { count: number }> }>>;
    };
    expect(Object.keys(metrics.regions.validation).length).toBeGreaterThan(0);
    const table = readNpy(path.join(out, 'val_predictions.npy')).data as Float64Array;
    for (let code = 0; code < STRUCTURES.length; code++) {
      const errors: number[] = [];
      for (let r = 0; r < table.length / 3; r++) {
        const index = table[3 * r] as number;
        if (index % STRUCTURES.length === code) errors.push((table[3 * r + 2] as number) - (labels[index] as number));
      }
      const entry = metrics.structures.validation[String(code)];
      expect(entry?.name).toBe(STRUCTURES[code]);
      expect(entry?.count).toBe(errors.length);
      expect(entry?.mae).toBeCloseTo(errors.reduce((a, e) => a + Math.abs(e), 0) / errors.length, 12);
      expect(entry?.rmse).toBeCloseTo(Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length), 12);
      expect(Object.values(entry?.regions ?? {}).reduce((a, m) => a + m.count, 0)).toBe(errors.length);
    }
    const trainTotal = Object.values(metrics.structures.train).reduce((a, m) => a + m.count, 0);
    expect(trainTotal).toBe(split.filter((s) => s === 0).length);
  });

  it('resumes after SIGKILL with EMA, cosine, detector augmentation and TTA to the same weights; a changed splitInfo is refused', async () => {
    const extra = { members: 2, tta: 'd4', inputSide: 17, exportOnnx: false, splitInfo: { kind: 'random' } };
    const whole = path.join(work, 'run-whole');
    expectSuccess(python(['-m', 'ssro_torch.train', '--config', config(whole, extra)]));
    const killed = path.join(work, 'run-killed');
    const file = config(killed, extra);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(PYTHON, ['-m', 'ssro_torch.train', '--config', file], { cwd: PY_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        if ((JSON.parse(line) as EngineEvent).event === 'epoch') child.kill('SIGKILL');
      });
      child.stderr.resume();
      child.on('error', reject);
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the run ended before it was killed (${signal})`))));
    });
    const resumed = python(['-m', 'ssro_torch.train', '--config', file]);
    expectSuccess(resumed);
    expect(only(resumed, 'resume').length).toBe(1);
    const compare = pythonJson<Record<string, boolean>>(String.raw`
import json, sys, torch
from ssro_torch.checkpoint import read_checkpoint
a, b = read_checkpoint(sys.argv[1]), read_checkpoint(sys.argv[2])
same = lambda x, y: x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)
untimed = lambda h: [{k: v for k, v in e.items() if k != 'seconds'} for e in h]
print(json.dumps({k: same(a[k], b[k]) for k in ('model', 'emaModel', 'bestModel')} | {'history': untimed(a['history']) == untimed(b['history']), 'emaDiffers': not same(a['model'], a['emaModel'])}))
`, path.join(whole, 'last.pt'), path.join(killed, 'last.pt'));
    expect(compare).toEqual({ model: true, emaModel: true, bestModel: true, history: true, emaDiffers: true });
    expect(fs.readFileSync(path.join(killed, 'val_predictions.npy')).equals(fs.readFileSync(path.join(whole, 'val_predictions.npy')))).toBe(true);
    const refused = python(['-m', 'ssro_torch.train', '--config', config(killed, { ...extra, splitInfo: { kind: 'blocked-slabs' } })]);
    expect(refused.status).toBe(2);
    expect(errorMessage(refused)).toMatch(/differs in: splitInfo/);
  });

  it('refuses a non-finite training loss naming epoch and batch, an impossible inputSide, and bad schedule keys', () => {
    const out = path.join(work, 'run-nan');
    const run = python(['-m', 'ssro_torch.train', '--config', config(out, { model: 'basecnn', lr: 1e30, warmupEpochs: 0, emaDecay: null, exportOnnx: false })]);
    expect(run.status).toBe(2);
    expect(only(run, 'error')[0]).toMatchObject({ kind: 'refused' });
    expect(errorMessage(run)).toMatch(/^training loss became (NaN|infinite) at epoch \d+, batch \d+; lower the learning rate/);
    expect(only(run, 'done').length).toBe(0);

    const side = python(['-m', 'ssro_torch.train', '--config', config(path.join(work, 'run-side'), { inputSide: 20 })]);
    expect(side.status).toBe(2);
    expect(errorMessage(side)).toMatch(/inputSide must be 33 \(the dataset's side\) or 17 \(every other node\).*\(got 20\)/);

    // 35 nodes: (35 − 1)/2 = 17 is odd, so no every-other-node grid keeps the centre.
    const oddDir = path.join(work, 'dataset-35');
    writeStore(oddDir, { kmaxInvA: 0.26, deltaKInvA: 0.015 }, 8);
    const oddSplit = path.join(work, 'split-35.npy');
    writeInt8Npy(oddSplit, Int8Array.from([0, 0, 0, 0, 0, 0, 1, 1]));
    const odd = python(['-m', 'ssro_torch.train', '--config', config(path.join(work, 'run-odd'), { datasetDir: oddDir, splitFile: oddSplit, inputSide: 18 })]);
    expect(odd.status).toBe(2);
    expect(errorMessage(odd)).toMatch(/\(S − 1\)\/2 = 17 is odd/);

    for (const [extra, pattern] of [
      [{ schedule: 'step' }, /config field schedule must be 'cosine' or 'plateau'/],
      [{ minLr: 0.1 }, /minLr \(0\.1\) must not exceed lr/],
      [{ emaDecay: 1 }, /emaDecay must be a number in \[0, 1\) or null/],
      [{ tta: 'd8' }, /tta must be 'none' or 'd4'/],
      [{ splitInfo: 'random' }, /splitInfo must be an object or null/],
    ] as const) {
      const bad = python(['-m', 'ssro_torch.train', '--config', config(path.join(work, 'run-bad'), extra)]);
      expect(bad.status).toBe(2);
      expect(errorMessage(bad)).toMatch(pattern);
    }
  });
});
