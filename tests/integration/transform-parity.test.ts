/**
 * The two implementations of the model-input transforms and of the out-of-distribution features must agree: the
 * models learn from inputs made in Python (native-workers/train/python/ssro_torch/transforms.py) and map inputs made
 * in TypeScript (native-workers/lib/diffraction/model-input.ts, native-workers/lib/models/uncertainty.ts). Both run
 * here on the same patterns, including one with nodes marked invalid.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANNULUS_LOG_DEFAULTS, preprocessingRecord, type ModelInputSpec } from '../../main/shared/model-transform';
import { mulberry32 } from '../../native-workers/lib/datasets/random-split';
import { modelInputFor } from '../../native-workers/lib/diffraction/model-input';
import { ringFeatures } from '../../native-workers/lib/models/uncertainty';
import { readNpy, writeNpy } from '../../native-workers/lib/npy';

const PYTHON = '/usr/bin/python3';
const PY_DIR = path.resolve('native-workers/train/python');
const available = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

const GRID = { side: 133, kmaxInvA: 1, deltaKInvA: 0.015 };
const COUNT = 6;

/** Kinematic-looking patterns: exponential speckle on a halo, a bright beam, a few with Poisson-like zeros. */
function patterns(): Float32Array {
  const random = mulberry32(11);
  const out = new Float32Array(COUNT * 133 * 133);
  for (let p = 0; p < COUNT; p++) {
    const scale = 10 ** (p - 2);
    for (let row = 0; row < 133; row++) {
      for (let col = 0; col < 133; col++) {
        const k = 0.015 * Math.hypot(row - 66, col - 66);
        const halo = 0.1 + Math.exp(-(((k - 0.4 - 0.02 * p) / 0.1) ** 2));
        let v = k < 1 ? -Math.log(1 - random()) * halo * scale : 0;
        if (p % 2 === 1 && random() < 0.3) v = 0;
        out[p * 133 * 133 + row * 133 + col] = v;
      }
    }
    out[p * 133 * 133 + 66 * 133 + 66] = 1e4 * scale;
  }
  return out;
}

describe.skipIf(!available)('transforms: TypeScript and Python agree', () => {
  it('annulus-log, log1-minmax, log1-globalmax and ring-stats-v1 give the same numbers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-parity-'));
    try {
      const raw = patterns();
      writeNpy(path.join(dir, 'raw.npy'), raw, [COUNT, 133, 133]);
      const invalid = new Uint8Array(133 * 133);
      for (let k = 0; k < 133 * 20; k++) invalid[k] = 1;
      writeNpy(path.join(dir, 'invalid.npy'), invalid, [133, 133]);
      const records = [
        preprocessingRecord({ transform: 'annulus-log', ...ANNULUS_LOG_DEFAULTS }, GRID),
        preprocessingRecord({ transform: 'log1-minmax' }, GRID),
        preprocessingRecord({ transform: 'log1-globalmax', globalLogMax: 9.5 }, GRID),
      ];
      fs.writeFileSync(path.join(dir, 'records.json'), JSON.stringify(records));
      const script = `
import json, sys, numpy as np
from ssro_torch.transforms import model_input, ring_index, ring_features
d = sys.argv[1]
raw = np.load(d + '/raw.npy'); invalid = np.load(d + '/invalid.npy').astype(bool)
records = json.load(open(d + '/records.json'))
for i, rec in enumerate(records):
    np.save(d + f'/py{i}.npy', np.stack([model_input(p, rec) for p in raw]).astype(np.float32))
np.save(d + '/py-invalid.npy', np.stack([model_input(p, records[0], invalid=invalid) for p in raw]).astype(np.float32))
rec = records[0]
rings = ring_index(rec['side'], rec['kmaxInvA'], rec['deltaKInvA'], rec['beamMaskInvA'])
y = np.load(d + '/py0.npy')
np.save(d + '/py-features.npy', np.stack([np.asarray(ring_features(p, rings), dtype=np.float64) for p in y]))
`;
      const run = spawnSync(PYTHON, ['-c', script, dir], { cwd: PY_DIR, env: { ...process.env, PYTHONPATH: PY_DIR, PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const pixels = 133 * 133;
      const compare = (file: string, spec: ModelInputSpec, mask: Uint8Array | null): number => {
        const py = readNpy(path.join(dir, file)).data as Float32Array;
        let worst = 0;
        for (let p = 0; p < COUNT; p++) {
          const ts = modelInputFor(raw.subarray(p * pixels, (p + 1) * pixels), spec, { invalid: mask });
          for (let k = 0; k < pixels; k++) worst = Math.max(worst, Math.abs((ts[k] as number) - (py[p * pixels + k] as number)));
        }
        return worst;
      };
      expect(compare('py0.npy', records[0] as ModelInputSpec, null)).toBeLessThanOrEqual(1e-6);
      expect(compare('py1.npy', records[1] as ModelInputSpec, null)).toBeLessThanOrEqual(1e-6);
      expect(compare('py2.npy', records[2] as ModelInputSpec, null)).toBeLessThanOrEqual(1e-6);
      expect(compare('py-invalid.npy', records[0] as ModelInputSpec, invalid)).toBeLessThanOrEqual(1e-6);
      const pyFeatures = readNpy(path.join(dir, 'py-features.npy')).data as Float64Array;
      const py0 = readNpy(path.join(dir, 'py0.npy')).data as Float32Array;
      let worst = 0;
      for (let p = 0; p < COUNT; p++) {
        const f = ringFeatures(py0.subarray(p * pixels, (p + 1) * pixels), records[0] as ModelInputSpec, 12);
        for (let b = 0; b < 24; b++) worst = Math.max(worst, Math.abs((f[b] as number) - (pyFeatures[p * 24 + b] as number)));
      }
      expect(worst).toBeLessThanOrEqual(1e-9);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
