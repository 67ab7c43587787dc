/**
 * The training engine's model-input transforms (native-workers/train/python/ssro_torch/transforms.py), driven from
 * Python: annulus-log (transform v2) is exactly invariant to a global intensity scale, is 0 inside the beam mask, beyond
 * kmax and at invalid nodes, gives zeros when nothing is left to normalise by, refuses non-finite values and clamps
 * negative ones; two small grids (5 × 5 and 9 × 9) are checked against values worked out by hand from the formula
 * y = log(1 + I/(c·m)) / log(1 + R/c) clipped to [0, 1]; log1-globalmax and the dispatcher follow their records.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const PYTHON = '/usr/bin/python3';
const PY_DIR = path.resolve('native-workers/train/python');
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const env = { ...process.env, PYTHONPATH: PY_DIR, PYTHONDONTWRITEBYTECODE: '1' };

/** Runs a Python script whose last stdout line is JSON, returns that value. */
function pythonJson<T>(script: string): T {
  const r = spawnSync(PYTHON, ['-c', script], { cwd: PY_DIR, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python exited ${r.status}:\n${r.stderr.slice(-3000)}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as T;
}

/** One float32 ulp at 1 (values are in [0, 1], so a rounding differs from the exact value by at most this). */
const ULP1 = 2 ** -23;

interface Results {
  invariance: { k: number; maxDiff: number; differing: number; nonZero: number }[];
  maskedNonZero: number;
  annulusZeroFree: boolean;
  emptyZeros: boolean[];
  nanError: string;
  infError: string;
  negativeSame: boolean;
  small5: { values: number[][] };
  small9: { values: number[][]; invalid: number[][]; r10: number[][] };
  globalmax: number[];
  dispatch: { minmaxSame: boolean; annulusSame: boolean; unknown: string; noGrid: string };
}

const SCRIPT = String.raw`
import json
import numpy as np
from ssro_torch.transforms import (annulus_log, annulus_mask, log1_globalmax, log1_minmax, model_input,
                                   preprocessing_record)

out = {}
rng = np.random.default_rng(5)
S, kmax, dk = 33, 0.24, 0.015
n = (S - 1) // 2
yy, xx = np.mgrid[-n:n + 1, -n:n + 1]
r = np.hypot(xx, yy) * dk
raw = 3000 * np.exp(-(r - 0.18) ** 2 / (2 * 0.02 ** 2)) * rng.exponential(1.0, (S, S)) + 1e6 * (r < 0.02) + rng.exponential(5, (S, S))
base = annulus_log(raw, kmax, dk)
out['invariance'] = []
for k in (10.0, 0.01, 1e4):
    y = annulus_log(raw * k, kmax, dk)
    diff = np.abs(y.astype(np.float64) - base.astype(np.float64))
    out['invariance'].append({'k': k, 'maxDiff': float(diff.max()), 'differing': int((diff > 0).sum()),
                              'nonZero': int((base > 0).sum())})
k2 = dk ** 2 * (xx ** 2 + yy ** 2)
outside = (k2 < 0.1 ** 2) | (k2 >= kmax ** 2)
out['maskedNonZero'] = int((base[outside] != 0).sum())
out['annulusZeroFree'] = bool((base[~outside] > 0).all())
out['emptyZeros'] = [
    bool((annulus_log(np.zeros((S, S)), kmax, dk) == 0).all()),
    bool((annulus_log(raw, kmax, dk, beam_mask_inv_a=kmax) == 0).all()),
    bool((annulus_log(np.where(outside, raw, 0.0), kmax, dk) == 0).all()),
]
bad = raw.copy(); bad[2, 3] = np.nan
try:
    annulus_log(bad, kmax, dk); out['nanError'] = ''
except ValueError as e:
    out['nanError'] = str(e)
bad = raw.copy(); bad[7, 1] = np.inf
try:
    model_input(bad, preprocessing_record('log1-minmax', S, kmax, dk)); out['infError'] = ''
except ValueError as e:
    out['infError'] = str(e)
neg = raw.copy(); neg[5, 5] = -40.0; neg[20, 9] = -1e-3
zeroed = neg.copy(); zeroed[neg < 0] = 0.0
out['negativeSame'] = bool(np.array_equal(annulus_log(neg, kmax, dk), annulus_log(zeroed, kmax, dk))
                           and np.array_equal(log1_minmax(neg), log1_minmax(zeroed)))

# 5 x 5, dk 0.1, beam mask 0.15, kmax 0.25: the annulus holds rho = 4 (4 nodes) and rho = 5 (8 nodes).
p5 = np.full((5, 5), 7.0); p5[2, 2] = 1000.0
for j in range(-2, 3):
    for i in range(-2, 3):
        rho = i * i + j * j
        if rho == 4: p5[j + 2, i + 2] = 1.0
        if rho == 5: p5[j + 2, i + 2] = 4.0
out['small5'] = {'values': annulus_log(p5, 0.25, 0.1, 0.15, 0.05, 50).astype(np.float64).tolist()}

# 9 x 9, dk 0.1, beam mask 0.15, kmax 0.35: 28 annulus nodes, all 0 but a = (i 3, j 0) = 81 and b = (i 0, j -2) = 3.
p9 = np.full((9, 9), 50.0); p9[4, 4] = 1e6
region = annulus_mask(9, 0.35, 0.1, 0.15)
p9[region] = 0.0
p9[4, 7] = 81.0
p9[2, 4] = 3.0
invalid = np.zeros((9, 9), bool); invalid[4, 7] = True
out['small9'] = {'values': annulus_log(p9, 0.35, 0.1, 0.15, 0.05, 10).astype(np.float64).tolist(),
                 'invalid': annulus_log(p9, 0.35, 0.1, 0.15, 0.05, 10, invalid=invalid).astype(np.float64).tolist(),
                 'r10': region.astype(int).tolist()}

g = np.array([[0.5, 1.0, np.e], [np.e ** 5, np.e ** 2, 3.0], [0.0, -2.0, 10.0]])
out['globalmax'] = log1_globalmax(g, 2.0).astype(np.float64).reshape(-1).tolist()

rec_a = preprocessing_record('annulus-log', S, kmax, dk, {'floorRatio': 0.1})
try:
    model_input(raw, {'transform': 'sqrt', 'side': S}); unknown = ''
except ValueError as e:
    unknown = str(e)
try:
    model_input(raw, preprocessing_record('log1-minmax', S, None, None) | {'transform': 'annulus-log'}); no_grid = ''
except ValueError as e:
    no_grid = str(e)
out['dispatch'] = {
    'minmaxSame': bool(np.array_equal(model_input(raw, preprocessing_record('log1-minmax', S, kmax, dk)), log1_minmax(raw))),
    'annulusSame': bool(np.array_equal(model_input(raw, rec_a), annulus_log(raw, kmax, dk, 0.1, 0.1, 50))),
    'unknown': unknown, 'noGrid': no_grid,
}
print(json.dumps(out))
`;

const title = torchAvailable ? 'model-input transforms of the training engine (ssro_torch.transforms)' : `model-input transforms — skipped: ${PYTHON} cannot import torch and numpy`;

describe.skipIf(!torchAvailable)(title, () => {
  let res: Results;
  beforeAll(() => {
    res = pythonJson<Results>(SCRIPT);
  });

  it('annulus-log is invariant to I → k·I (k = 10, 0.01, 1e4) up to the one rounding to float32', () => {
    expect(res.invariance.map((r) => r.k)).toEqual([10, 0.01, 1e4]);
    for (const r of res.invariance) {
      expect(r.nonZero).toBeGreaterThan(100);
      // Float64 arithmetic can move a value across a float32 rounding boundary: never by more than one ulp.
      expect(r.maxDiff).toBeLessThanOrEqual(ULP1);
      expect(r.differing).toBeLessThan(r.nonZero / 20);
    }
  });

  it('is 0 inside the beam mask and beyond kmax, positive on the annulus; all zeros when nothing normalises it', () => {
    expect(res.maskedNonZero).toBe(0);
    expect(res.annulusZeroFree).toBe(true);
    // All-zero pattern; a beam mask as wide as kmax (empty annulus); signal only outside the annulus (m = 0).
    expect(res.emptyZeros).toEqual([true, true, true]);
  });

  it('refuses non-finite intensities naming the index, and treats negative ones as 0', () => {
    expect(res.nanError).toMatch(/invalid raw intensity nan at index \(2, 3\)/);
    expect(res.infError).toMatch(/invalid raw intensity inf at index \(7, 1\)/);
    expect(res.negativeSame).toBe(true);
  });

  it('5 × 5: m = (4·1 + 8·4)/12 = 3, c·m = 0.15, so y = ln(23/3)/ln 1001 at I = 1 and ln(83/3)/ln 1001 at I = 4', () => {
    const yAt1 = Math.log(23 / 3) / Math.log(1001);
    const yAt4 = Math.log(83 / 3) / Math.log(1001);
    for (let j = -2; j <= 2; j++) {
      for (let i = -2; i <= 2; i++) {
        const rho = i * i + j * j;
        const want = rho === 4 ? yAt1 : rho === 5 ? yAt4 : 0;
        expect(Math.abs((res.small5.values[j + 2]?.[i + 2] as number) - want), `node (${i}, ${j})`).toBeLessThan(1e-7);
      }
    }
  });

  it('9 × 9 with R = 10: m = 84/28 = 3, the bright node clips at 1, an invalid node leaves m and the output', () => {
    const annulus = res.small9.r10.flat().reduce((s, v) => s + v, 0);
    expect(annulus).toBe(28); // rho = 4, 5, 8, 9, 10
    const yb = Math.log(1 + 3 / 0.15) / Math.log(1 + 10 / 0.05); // ln 21 / ln 201 ≈ 0.574
    for (let row = 0; row < 9; row++) {
      for (let col = 0; col < 9; col++) {
        const want = row === 4 && col === 7 ? 1 : row === 2 && col === 4 ? yb : 0; // a: ln 541/ln 201 > 1 → 1
        expect(Math.abs((res.small9.values[row]?.[col] as number) - want), `row ${row} column ${col}`).toBeLessThan(1e-7);
      }
    }
    // Node a marked invalid: 27 nodes left, m = 3/27, so b has I/(c·m) = 3/(0.05/9) = 540 and clips too.
    expect(Math.log(541) / Math.log(201)).toBeGreaterThan(1);
    for (let row = 0; row < 9; row++) {
      for (let col = 0; col < 9; col++) {
        const want = row === 2 && col === 4 ? 1 : 0;
        expect(res.small9.invalid[row]?.[col], `row ${row} column ${col}`).toBe(want);
      }
    }
  });

  it('log1-globalmax divides log(max(I, 1)) by G without clipping; the dispatcher follows the record', () => {
    const want = [0, 0, 0.5, 2.5, 1, Math.log(3) / 2, 0, 0, Math.log(10) / 2];
    res.globalmax.forEach((v, k) => expect(Math.abs(v - (want[k] as number)), `value ${k}`).toBeLessThan(1e-6));
    expect(res.dispatch.minmaxSame).toBe(true);
    expect(res.dispatch.annulusSame).toBe(true);
    expect(res.dispatch.unknown).toMatch(/unknown transform 'sqrt'/);
    expect(res.dispatch.noGrid).toMatch(/needs the k-grid: kmaxInvA/);
  });
});
