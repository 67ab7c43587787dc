/**
 * Export to the authors' public layout: files, shapes and dtypes read back (and by NumPy when present), the
 * transform applied record by record, d and 1 − d targets, CSV headers and quoting, a deterministic 80/20 split,
 * atomic placement and refusals.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../../native-workers/lib/npy';
import { exportDataset, METADATA_CSV_COLUMNS, type PatternTransform } from '../../../native-workers/lib/datasets/dataset-export';
import { openPatternStore, type PatternStoreSpec } from '../../../native-workers/lib/datasets/pattern-store';
import { numpyAvailable } from '../analysis/numpy-reference';
import { tempDir } from '../../support/temp';

const SIDE = 21;
const N = 25;

const spec: PatternStoreSpec = {
  sampleCount: N,
  side: SIDE,
  grid: { kmaxInvA: 0.15, deltaKInvA: 0.015 },
  patternKind: 'raw-intensity',
  structures: [{ id: 3, name: 'gb-a' }, { id: 5, name: 'gb, "b"' }],
  zones: ['z', [1, 1, 0]],
  probes: [{ kind: 'cylinder', radiusA: 5, heightA: 20 }, { kind: 'ellipsoid', semiAxesA: [5, 4, 10] }],
};

/** log(max(I, 1)) then min–max to [0, 1], as MODEL_INPUT_TRANSFORM describes. */
const logMinMax: PatternTransform = {
  name: 'log1-minmax',
  apply: (raw) => {
    const out = Float32Array.from(raw, (v) => Math.log(Math.max(v, 1)));
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of out) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return out.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
  },
};

function rawPattern(i: number): Float32Array {
  return Float32Array.from({ length: SIDE * SIDE }, (_, k) => 1 + ((i * 31 + k * 7) % 97) * 10);
}

function makeStore(dir: string, count = N): void {
  const store = openPatternStore(dir, spec, { flushEvery: 10 });
  for (let i = 0; i < count; i++) {
    store.write(i, {
      pattern: rawPattern(i),
      labels: { meanD: 0.1 + i / 100, atomCount: 50 + i, region: i < 5 ? null : i % 3, regionFractions: [0.2, 0.3, 0.5] },
      centreA: [i * 2.5, 0.5, 10],
      structure: i % 2,
      zone: i % 2,
      probe: i % 2,
      scanPosition: i,
    });
  }
  store.close();
}

describe('exportDataset', () => {
  it('writes the public layout with transformed patterns, both targets, metadata and a seeded split', () => {
    const root = tempDir();
    const store = path.join(root, 'store');
    makeStore(store);
    const out = path.join(root, 'export');
    let progress = 0;
    const result = exportDataset(store, out, { transform: logMinMax, onProgress: (done) => (progress = done) });
    expect(result).toMatchObject({ sampleCount: N, side: SIDE, trainCount: 20, validationCount: 5 });
    expect(progress).toBe(N);
    expect(fs.readdirSync(root).sort()).toEqual(['export', 'store']); // no temp folder left
    expect(fs.readdirSync(out).sort()).toEqual(['diffraction_patterns.npy', 'export.json', 'metadata.csv', 'split.csv', 'targets.npy', 'targets_one_minus_d.npy']);

    const patterns = readNpy(path.join(out, 'diffraction_patterns.npy'));
    expect(patterns.dtype).toBe('<f4');
    expect(patterns.shape).toEqual([N, SIDE, SIDE]);
    expect(patterns.data.subarray(7 * SIDE * SIDE, 8 * SIDE * SIDE)).toEqual(logMinMax.apply(rawPattern(7)));
    const targets = readNpy(path.join(out, 'targets.npy'));
    expect(targets).toMatchObject({ dtype: '<f4', shape: [N] });
    expect(targets.data[4]).toBe(Math.fround(0.14));
    expect(readNpy(path.join(out, 'targets_one_minus_d.npy')).data[4]).toBe(Math.fround(1 - 0.14));

    const csv = fs.readFileSync(path.join(out, 'metadata.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(METADATA_CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(N + 1);
    expect(csv[1]).toBe('0,3,gb-a,0,0,0,0.5,10,z,cylinder,5,20,,,,50,0.1,,,,');
    expect(csv[7]).toBe('6,3,gb-a,0,6,15,0.5,10,z,cylinder,5,20,,,,56,0.16,grain,0.2,0.3,0.5');
    expect(csv[8]).toBe('7,5,"gb, ""b""",0,7,17.5,0.5,10,1 1 0,ellipsoid,,,5,4,10,57,0.17,actr,0.2,0.3,0.5');

    const split = fs.readFileSync(path.join(out, 'split.csv'), 'utf8').trimEnd().split('\n');
    expect(split[0]).toBe('index,split');
    expect(split.filter((l) => l.endsWith(',validation'))).toHaveLength(5);
    const again = path.join(root, 'again');
    exportDataset(store, again, { transform: logMinMax });
    expect(fs.readFileSync(path.join(again, 'split.csv'), 'utf8')).toBe(split.join('\n') + '\n');
    const otherSeed = path.join(root, 'seed7');
    exportDataset(store, otherSeed, { transform: logMinMax, seed: 7 });
    expect(fs.readFileSync(path.join(otherSeed, 'split.csv'), 'utf8')).not.toBe(split.join('\n') + '\n');
    const provenance = JSON.parse(fs.readFileSync(path.join(out, 'export.json'), 'utf8')) as { split: { seed: number }; patterns: { transform: string } };
    expect(provenance.split.seed).toBe(42);
    expect(provenance.patterns.transform).toBe('log1-minmax');
  });

  it('refuses an unfinished build, a missing or double transform and an existing folder unless told to overwrite', () => {
    const root = tempDir();
    const partial = path.join(root, 'partial');
    makeStore(partial, N - 1);
    expect(() => exportDataset(partial, path.join(root, 'x'), { transform: logMinMax })).toThrow(/still building \(pattern 24/);
    const store = path.join(root, 'store');
    makeStore(store);
    expect(() => exportDataset(store, path.join(root, 'x'))).toThrow(/raw intensities/);
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'old.txt'), 'old');
    expect(() => exportDataset(store, out, { transform: logMinMax })).toThrow(/already exists/);
    exportDataset(store, out, { transform: logMinMax, overwrite: true });
    expect(fs.existsSync(path.join(out, 'old.txt'))).toBe(false);
    expect(() => exportDataset(store, path.join(root, 'y'), { transform: { name: 'bad', apply: () => new Float32Array(3) } })).toThrow(/must return 441/);
    expect(fs.readdirSync(root).sort()).toEqual(['out', 'partial', 'store']);
  });

  it.skipIf(!numpyAvailable)('is read by NumPy (store and export) with the right shapes, dtypes and values', () => {
    const root = tempDir();
    const store = path.join(root, 'store');
    makeStore(store);
    const out = path.join(root, 'export');
    exportDataset(store, out, { transform: logMinMax });
    const script = `
import json, sys, numpy as np
store, out = sys.argv[1], sys.argv[2]
p = np.load(out + '/diffraction_patterns.npy', mmap_mode='r')
t = np.load(out + '/targets.npy')
raw = np.load(store + '/patterns.npy', mmap_mode='r')
meta = np.load(store + '/meta.npy')
print(json.dumps({'shape': list(p.shape), 'dtype': str(p.dtype), 'tdtype': str(t.dtype), 't3': float(t[3]),
  'p': float(p[7, 3, 4]), 'raw': float(raw[7, 3, 4]), 'rawdtype': str(raw.dtype), 'meta': list(meta.shape),
  'done': int(np.load(store + '/done.npy').sum()), 'labels': float(np.load(store + '/labels.npy')[3])}))`;
    const run = spawnSync('/usr/bin/python3', ['-c', script, store, out], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(seen).toMatchObject({ shape: [N, SIDE, SIDE], dtype: 'float32', tdtype: 'float32', t3: Math.fround(0.13), rawdtype: 'float32', meta: [N, 14], done: N, labels: 0.13 });
    expect(seen.p).toBe(logMinMax.apply(rawPattern(7))[3 * SIDE + 4]);
    expect(seen.raw).toBe(rawPattern(7)[3 * SIDE + 4]);
  });
});
