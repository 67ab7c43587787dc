/**
 * Detector augmentation and deep ensembles in the PyTorch training engine (ssro_torch), on a small synthetic dataset
 * written by the real PatternStore (49 × 49 patterns, kmax 0.72 Å⁻¹, so the dose annulus 0.3–0.6 Å⁻¹ is on the grid):
 * DetectorAugment is reproducible per (seed, epoch, index), its Poisson stage gives the requested dose, and with its
 * switches off it changes nothing but the geometry; a compactcnn ensemble of three trains with the default
 * annulus-log transform and detector augmentation, exports an ONNX model with one output column per member (equal
 * to the run's own ensemble-mean predictions in onnxruntime-node) and the calibration and OOD metadata; an ensemble
 * run resumed from its last.pt ends bit for bit where an uninterrupted run ends.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomSplit } from '../../native-workers/lib/datasets/random-split';
import { readOnnxMetadata, SSRO_METADATA_KEY } from '../../native-workers/lib/models/onnx-metadata';
import { readNpy } from '../../native-workers/lib/npy';
import { writeRingStore } from '../support/synthetic-dataset';
import { tempDir } from '../support/temp';
import { expectSuccess, PYTHON, python, torchAvailable, writeInt8Npy } from '../support/torch-engine-run';

const GRID = { kmaxInvA: 0.72, deltaKInvA: 0.03 }; // 2·floor(0.72/0.03) + 1 = 49
const SIDE = 49;
const N = 64;
const SEED = 7;
const MEMBERS = 3;

function pythonJson<T>(script: string, ...args: string[]): T {
  const run = python(['-c', script, ...args]);
  expectSuccess(run);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as T;
}


const AUGMENT_SCRIPT = String.raw`
import json, sys
import numpy as np, torch
from ssro_torch.data import DatasetFolder, PatternSamples, mix_seed
from ssro_torch.detector_augment import DetectorAugment, SWITCHES

folder = DatasetFolder(sys.argv[1])
aug = DetectorAugment(folder.side, folder.kmax_inv_a, folder.delta_k_inv_a)
idx = np.arange(12)
a = PatternSamples(folder, idx, 'd', aug, seed=3)
b = PatternSamples(folder, idx, 'd', DetectorAugment(folder.side, folder.kmax_inv_a, folder.delta_k_inv_a), seed=3)
a.set_epoch(2); b.set_epoch(2)
same = all(torch.equal(a[k][0], b[k][0]) for k in range(12))
# The sample of dataset row 5 does not depend on where it sits in the list of indices.
c = PatternSamples(folder, np.array([5]), 'd', aug, seed=3); c.set_epoch(2)
order_free = torch.equal(c[0][0], a[5][0])
a.set_epoch(3)
other_epoch = not torch.equal(a[5][0], b[5][0])
other_index = not torch.equal(b[4][0], b[5][0])
in_range = bool(all(0 <= float(b[k][0].min()) and float(b[k][0].max()) <= 1 for k in range(12)))

raw = torch.from_numpy(folder.raw(0).astype(np.float64))
dose_only = DetectorAugment(folder.side, folder.kmax_inv_a, folder.delta_k_inv_a,
                            {'geometry': False, 'blur': False, 'background': False, 'beam': False, 'saturation': False})
ratios = []
for s in range(12):
    g = torch.Generator(); g.manual_seed(mix_seed((9, s)))
    p = dose_only.draw(g)
    counts = dose_only.apply(raw, p, g)
    ratios.append({'dose': p['dose'], 'ratio': float(counts[dose_only.dose_mask].mean()) / p['dose'],
                   'integers': bool(torch.equal(counts, counts.round()))})

off = DetectorAugment(folder.side, folder.kmax_inv_a, folder.delta_k_inv_a, {k: False for k in SWITCHES})
g = torch.Generator(); g.manual_seed(1)
identity = bool(torch.equal(off(raw, g), raw))
geo = DetectorAugment(folder.side, folder.kmax_inv_a, folder.delta_k_inv_a, {k: k == 'geometry' for k in SWITCHES})
g1 = torch.Generator(); g1.manual_seed(4); g2 = torch.Generator(); g2.manual_seed(4)
p = geo.draw(g1)
geometry_only = bool(torch.equal(geo(raw, g2), geo.geometry(raw, p)))
moved = float((geo.geometry(raw, p) - raw).abs().max() / raw.max())
# Drawing is independent of the switches: the same generator state gives the same parameters.
g3 = torch.Generator(); g3.manual_seed(4); g4 = torch.Generator(); g4.manual_seed(4)
same_draws = geo.draw(g3) == aug.draw(g4)
print(json.dumps({'same': same, 'orderFree': order_free, 'otherEpoch': other_epoch, 'otherIndex': other_index,
                  'inRange': in_range, 'ratios': ratios, 'identity': identity, 'geometryOnly': geometry_only,
                  'moved': moved, 'sameDraws': same_draws, 'described': aug.describe()}))
`;

const INPUTS_SCRIPT = String.raw`
import sys, numpy as np
from ssro_torch.data import DatasetFolder
folder = DatasetFolder(sys.argv[1])
rows = [int(v) for v in sys.argv[3].split(',')]
np.save(sys.argv[2], np.stack([folder.model_input(r) for r in rows]).astype(np.float32))
print('{"event":"inputs"}')
`;

const COMPARE_SCRIPT = String.raw`
import sys, json, torch
a, b = (torch.load(p, map_location='cpu') for p in sys.argv[1:3])
same = a['model'].keys() == b['model'].keys() and all(torch.equal(a['model'][k], b['model'][k]) for k in a['model'])
print(json.dumps({'event': 'compare', 'same': same, 'keys': len(a['model'])}))
`;

const title = torchAvailable ? 'detector augmentation and deep ensembles (ssro_torch)' : `detector augmentation and deep ensembles — skipped: ${PYTHON} cannot import torch and torchvision`;

describe.skipIf(!torchAvailable)(title, () => {
  const work = tempDir('ssro-ensemble-');
  const datasetDir = path.join(work, 'dataset');
  const splitFile = path.join(work, 'split.npy');
  let split = new Int8Array(0);
  const config = (outDir: string, extra: Record<string, unknown> = {}): string => {
    const file = path.join(work, `${path.basename(outDir)}-${Object.keys(extra).join('-') || 'base'}.json`);
    // Defaults on purpose: transform annulus-log and augmentation detector.
    const body = { datasetDir, splitFile, outDir, datasetId: 3, model: 'compactcnn', members: MEMBERS, target: 'd', epochs: 3, batchSize: 16, bestAfterEpoch: 1, seed: SEED, device: 'cpu', threads: 1, progressSeconds: 0, ...extra };
    fs.writeFileSync(file, JSON.stringify(body));
    return file;
  };
  const runA = path.join(work, 'run-a');

  beforeAll(() => {
    writeRingStore(datasetDir, { count: N, grid: GRID, seed: 11 });
    split = Int8Array.from(randomSplit(N, { seed: SEED }).split);
    writeInt8Npy(splitFile, split);
  });

  it('DetectorAugment is reproducible per (seed, epoch, index), hits the requested dose and changes nothing when switched off', () => {
    const r = pythonJson<{
      same: boolean;
      orderFree: boolean;
      otherEpoch: boolean;
      otherIndex: boolean;
      inRange: boolean;
      ratios: { dose: number; ratio: number; integers: boolean }[];
      identity: boolean;
      geometryOnly: boolean;
      moved: number;
      sameDraws: boolean;
      described: { kind: string; options: Record<string, unknown>; uniformsPerSample: number };
    }>(AUGMENT_SCRIPT, datasetDir);
    expect([r.same, r.orderFree, r.otherEpoch, r.otherIndex, r.inRange]).toEqual([true, true, true, true, true]);
    // Doses span 10 … 10⁴ counts per pixel; the halo annulus of a 49 × 49 grid holds ≈ 940 pixels, so even 10 counts
    // per pixel average to within a few per cent.
    expect(Math.min(...r.ratios.map((x) => x.dose))).toBeGreaterThanOrEqual(10);
    expect(Math.max(...r.ratios.map((x) => x.dose))).toBeLessThanOrEqual(1e4);
    for (const x of r.ratios) {
      expect(Math.abs(x.ratio - 1), `dose ${x.dose}`).toBeLessThan(0.05);
      expect(x.integers).toBe(true);
    }
    expect(r.identity).toBe(true);
    expect(r.geometryOnly).toBe(true);
    expect(r.moved).toBeGreaterThan(0.01);
    expect(r.sameDraws).toBe(true);
    expect(r.described).toMatchObject({ kind: 'detector', uniformsPerSample: 15, options: { rotationDeg: 180, doseRange: [10, 1e4], poisson: true } });
  });

  it(`trains a compactcnn ensemble of ${MEMBERS} (annulus-log, detector augmentation) and exports one output column per member with calibration and OOD statistics`, async () => {
    const run = python(['-m', 'ssro_torch.train', '--config', config(runA)]);
    expectSuccess(run);
    expect(run.events.find((e) => e.event === 'data')).toMatchObject({ members: MEMBERS, transform: 'annulus-log', augmentation: 'detector', model: 'compactcnn' });
    expect(run.events.filter((e) => e.event === 'epoch').map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(run.events.filter((e) => e.event === 'phase').map((e) => e.phase)).toEqual(['evaluate', 'calibrate', 'export']);

    const bytes = new Uint8Array(fs.readFileSync(path.join(runA, 'model.onnx')));
    const meta = JSON.parse(readOnnxMetadata(bytes)[SSRO_METADATA_KEY] as string) as {
      architecture: string;
      output: { shape: (string | number)[] };
      preprocessing: Record<string, unknown>;
      ensemble: { members: number; sigmaScale: number; sigmaThreshold: number; calibration: { method: string; count: number; spearman: number | null; coverage1: number; coverage2: number } };
      ood: { features: string; bins: number; mean: number[]; precision: number[]; threshold: number; quantiles: { p50: number; p99: number; p999: number } };
      source: { augmentation: { kind: string }; transform: { transform: string }; members: number };
    };
    expect(meta.architecture).toBe('compactcnn');
    expect(meta.output.shape).toEqual(['batch', MEMBERS]);
    expect(meta.preprocessing).toMatchObject({ transform: 'annulus-log', version: 2, side: SIDE, kmaxInvA: GRID.kmaxInvA, deltaKInvA: GRID.deltaKInvA, beamMaskInvA: 0.1, floorRatio: 0.05, ceilingRatio: 50 });
    const validation = split.filter((s) => s === 1).length;
    expect(meta.ensemble).toMatchObject({ members: MEMBERS, calibration: { count: validation } });
    expect(meta.ensemble.sigmaScale).toBeGreaterThan(0);
    expect(meta.ensemble.sigmaThreshold).toBeGreaterThan(0);
    expect(meta.ensemble.calibration.coverage1).toBeGreaterThanOrEqual(0);
    expect(meta.ensemble.calibration.coverage2).toBeGreaterThanOrEqual(meta.ensemble.calibration.coverage1);
    expect(meta.ensemble.calibration.coverage2).toBeLessThanOrEqual(1);
    expect(meta.ood).toMatchObject({ features: 'ring-stats-v1', bins: 12 });
    expect(meta.ood.mean).toHaveLength(24);
    expect(meta.ood.precision).toHaveLength(24 * 24);
    expect(meta.ood.threshold).toBeGreaterThan(0);
    expect(meta.ood.threshold).toBeCloseTo(meta.ood.quantiles.p999, 9);
    expect(meta.ood.quantiles.p50).toBeLessThanOrEqual(meta.ood.quantiles.p99);
    expect(meta.source).toMatchObject({ augmentation: { kind: 'detector' }, transform: { transform: 'annulus-log' }, members: MEMBERS });

    // onnxruntime-node: K columns whose mean is the run's own validation prediction (d).
    const table = readNpy(path.join(runA, 'val_predictions.npy'));
    const rows = table.data as Float64Array;
    const count = table.shape[0] as number;
    const index = Array.from({ length: count }, (_, r) => rows[3 * r] as number);
    const inputsFile = path.join(work, 'inputs.npy');
    expectSuccess(python(['-c', INPUTS_SCRIPT, datasetDir, inputsFile, index.join(',')]));
    const inputs = readNpy(inputsFile).data as Float32Array;
    const session = await ort.InferenceSession.create(bytes);
    const out = (await session.run({ patterns: new ort.Tensor('float32', inputs, [count, 1, SIDE, SIDE]) })).prediction;
    expect(out?.dims).toEqual([count, MEMBERS]);
    const values = out?.data as Float32Array;
    for (let r = 0; r < count; r++) {
      let mean = 0;
      for (let m = 0; m < MEMBERS; m++) mean += (values[r * MEMBERS + m] as number) / MEMBERS;
      expect(Math.abs(mean - (rows[3 * r + 2] as number))).toBeLessThan(1e-4);
    }
    // The members disagree (different initialisation and bootstrap weights).
    expect(values[1]).not.toBe(values[0]);
  });

  it('an ensemble run resumed from last.pt ends bit for bit where the uninterrupted run ends', () => {
    const runB = path.join(work, 'run-b');
    const first = python(['-m', 'ssro_torch.train', '--config', config(runB, { epochs: 1, exportOnnx: false })]);
    expectSuccess(first);
    const resumed = python(['-m', 'ssro_torch.train', '--config', config(runB)]);
    expectSuccess(resumed);
    expect(resumed.events.find((e) => e.event === 'resume')).toMatchObject({ fromEpoch: 2, epochs: 3 });
    expect(resumed.events.filter((e) => e.event === 'epoch').map((e) => e.epoch)).toEqual([2, 3]);
    const history = (p: string): number[][] =>
      (JSON.parse(fs.readFileSync(path.join(p, 'history.json'), 'utf8')) as { epochs: { trainLoss: number; valLoss: number }[] }).epochs.map((e) => [e.trainLoss, e.valLoss]);
    expect(history(runB)).toEqual(history(runA));
    expect(fs.readFileSync(path.join(runB, 'val_predictions.npy')).equals(fs.readFileSync(path.join(runA, 'val_predictions.npy')))).toBe(true);
    const compared = python(['-c', COMPARE_SCRIPT, path.join(runA, 'last.pt'), path.join(runB, 'last.pt')]);
    expectSuccess(compared);
    expect(compared.events[0]).toMatchObject({ event: 'compare', same: true });
    expect(compared.events[0]?.keys as number).toBeGreaterThan(MEMBERS * 10);

    // A changed ensemble setting is a different run: refused, naming the key.
    const other = python(['-m', 'ssro_torch.train', '--config', config(runB, { members: 2 })]);
    expect(other.status).toBe(2);
    expect(String(other.events.find((e) => e.event === 'error')?.message)).toMatch(/differs in: members/);
  });

  it('refuses bad ensemble, transform and augmentation settings with the field named', () => {
    const cases: Record<string, unknown>[] = [
      { members: 17 },
      { augmentationOptions: { dose: true, gamma: 2 } },
      { augmentationOptions: { doseRange: [0, 10] } },
      { augmentation: 'paper', augmentationOptions: { blur: false } },
      { transform: 'log1-minmax', transformParams: { floorRatio: 0.1 } },
      { transformParams: { floorRatio: 0 } },
      { transform: 'log1-globalmax' },
      { balance: 'region' },
    ];
    // One interpreter checks every config (read_config is what a run calls first).
    const files = cases.map((extra, k) => {
      const file = path.join(work, `bad-${k}.json`);
      fs.copyFileSync(config(path.join(work, 'run-bad'), extra), file);
      return file;
    });
    const messages = pythonJson<string[]>(
      'import sys, json\nfrom ssro_torch.train import read_config\nfrom ssro_torch.events import UserError\nout = []\nfor f in sys.argv[1:]:\n    try:\n        read_config(f); out.append("")\n    except UserError as e:\n        out.append(str(e))\nprint(json.dumps(out))',
      ...files,
    );
    expect(messages[0]).toMatch(/config field members must be an integer from 1 to 16/);
    expect(messages[1]).toMatch(/augmentationOptions: unknown key\(s\) gamma/);
    expect(messages[2]).toMatch(/augmentationOptions\.doseRange must be \[lo, hi\] with 0 < lo ≤ hi/);
    expect(messages[3]).toMatch(/applies to augmentation 'detector' only/);
    expect(messages[4]).toMatch(/annulus-log transform only/);
    expect(messages[5]).toMatch(/transformParams\.floorRatio must be a number > 0/);
    expect(messages[6]).toMatch(/config field transform must be 'annulus-log' or 'log1-minmax'/);
    expect(messages[7]).toMatch(/config field balance must be 'none', 'structure' or 'label'/);
  });

  it("balance 'structure' weighs every training structure alike, with weights averaging 1 over the training rows", () => {
    // Three structures of 6, 2 and 4 rows (codes as meta.npy holds them, floats); rows 0, 7 and 11 do not train.
    const r = pythonJson<{ weights: number[]; refused: string }>(
      String.raw`
import json
import numpy as np
from ssro_torch.train import structure_balance_weights
from ssro_torch.events import UserError

class Folder:
    dir = 'synthetic'
    sample_count = 12
    def __init__(self, codes): self.codes = codes
    def structure_codes(self): return self.codes

codes = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2], dtype=np.float64)
train = [1, 2, 3, 4, 5, 6, 8, 9, 10]
w = structure_balance_weights(Folder(codes), train)
try:
    structure_balance_weights(Folder(None), train); refused = ''
except UserError as e:
    refused = str(e)
print(json.dumps({'weights': [float(v) for v in w], 'refused': refused}))`,
    );
    const train = [1, 2, 3, 4, 5, 6, 8, 9, 10];
    const structureOf = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
    // n = 9 training rows of S = 3 structures with 5, 1 and 3 rows: n / (S·n_s) = 0.6, 3 and 1.
    train.forEach((i) => expect(r.weights[i]).toBeCloseTo([0.6, 3, 1][structureOf[i] as number] as number, 6));
    [0, 7, 11].forEach((i) => expect(r.weights[i]).toBe(0));
    const sums = [0, 1, 2].map((s) => train.filter((i) => structureOf[i] === s).reduce((a, i) => a + (r.weights[i] as number), 0));
    sums.forEach((sum) => expect(sum).toBeCloseTo(3, 5));
    expect(train.reduce((a, i) => a + (r.weights[i] as number), 0) / train.length).toBeCloseTo(1, 6);
    expect(r.refused).toMatch(/balance 'structure' needs the structure column of meta\.npy/);
  });

  it("balance 'label' weighs a row by the inverse square root of the smoothed label density, capped and averaging 1", () => {
    // 60 crystal-like rows at d ≈ 0.05, 60 glass-like at d ≈ 0.85 and 6 interface rows at d ≈ 0.45; the last 4 rows
    // (one of each kind and one more interface row) do not train.
    const labels = [
      ...Array.from({ length: 61 }, (_, i) => 0.04 + 0.0003 * i),
      ...Array.from({ length: 61 }, (_, i) => 0.84 + 0.0003 * i),
      ...Array.from({ length: 8 }, (_, i) => 0.43 + 0.005 * i),
    ];
    const train = labels.map((_, i) => i).filter((i) => i !== 60 && i !== 121 && i !== 128 && i !== 129);
    const r = pythonJson<{ weights: number[] }>(
      String.raw`
import json, sys
import numpy as np
from ssro_torch.train import label_balance_weights
labels = json.loads(sys.argv[1]); train = json.loads(sys.argv[2])
w = label_balance_weights(np.array(labels), train, len(labels))
print(json.dumps({'weights': [float(v) for v in w]}))`,
      JSON.stringify(labels),
      JSON.stringify(train),
    );
    // Reference computed here, independently: 50 bins on [0, 1], Gaussian kernel σ = 0.02 between bin centres,
    // weight ∝ density^-1/2, capped at 10 × the smallest, normalised to mean 1 over the training rows.
    const bins = 50;
    const binOf = (d: number) => Math.min(Math.floor(Math.min(Math.max(d, 0), 1) * bins), bins - 1);
    const hist = new Array<number>(bins).fill(0);
    for (const i of train) {
      const b = binOf(labels[i] as number);
      hist[b] = (hist[b] as number) + 1;
    }
    const centre = (b: number) => (b + 0.5) / bins;
    const density = hist.map((_, b) => hist.reduce((a, h, c) => a + h * Math.exp(-0.5 * ((centre(b) - centre(c)) / 0.02) ** 2), 0));
    const raw0 = train.map((i) => (density[binOf(labels[i] as number)] as number) ** -0.5);
    const floor = Math.min(...raw0);
    const raw = raw0.map((v) => Math.min(v, 10 * floor));
    const mean = raw.reduce((a, v) => a + v, 0) / raw.length;
    train.forEach((i, k) => expect(r.weights[i]).toBeCloseTo((raw[k] as number) / mean, 5));
    [60, 121, 128, 129].forEach((i) => expect(r.weights[i]).toBe(0));
    expect(train.reduce((a, i) => a + (r.weights[i] as number), 0) / train.length).toBeCloseTo(1, 6);
    // The rare interface rows weigh more than the majority, by at most the cap.
    const crystal = r.weights[0] as number;
    const interface_ = r.weights[122] as number;
    expect(interface_ / crystal).toBeGreaterThan(2);
    expect(interface_ / crystal).toBeLessThanOrEqual(10 + 1e-9);
  });
});
