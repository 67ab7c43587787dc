/** Evaluation of predictions on a labelled dataset: metrics per split and region, parity pairs, strip profiles. */
import { describe, expect, it } from 'vitest';
import { META_COLUMNS, type DatasetManifest } from '../../../native-workers/lib/datasets/pattern-store';
import { evaluatePredictions } from '../../../native-workers/lib/models/prediction-evaluation';

const C = META_COLUMNS.length;
const col = (name: string): number => META_COLUMNS.indexOf(name);

/** A 3-row × 4-column grid scan (zone z, regions along x): centre x = 2.5 · column, y = 2.5 · row. */
function gridDataset(): { manifest: DatasetManifest; labels: Float64Array; meta: Float64Array } {
  const n = 12;
  const labels = new Float64Array(n);
  const meta = new Float64Array(n * C);
  for (let k = 0; k < n; k++) {
    const row = Math.floor(k / 4);
    const column = k % 4;
    labels[k] = 0.2 * column + 0.01 * row;
    meta[k * C + col('scan_position')] = k;
    meta[k * C + col('centre_x_A')] = 2.5 * column;
    meta[k * C + col('centre_y_A')] = 2.5 * row;
    meta[k * C + col('region')] = column === 0 ? 0 : column === 3 ? 2 : 1;
    meta[k * C + col('d_mean')] = labels[k] as number;
  }
  const manifest = {
    format: 'ssro-pattern-store',
    version: 1,
    sampleCount: n,
    side: 33,
    grid: { kmaxInvA: 0.24, deltaKInvA: 0.015 },
    patternKind: 'raw-intensity',
    structures: [{ id: 7, name: 'bicrystal' }],
    zones: ['z'],
    probes: [{ kind: 'cylinder', radiusA: 5, heightA: 20 }],
    recipe: { scan: { kind: 'grid', stepA: 2.5 }, regionAxis: 'x' },
    metaColumns: [...META_COLUMNS],
    createdAt: 't',
  } as DatasetManifest;
  return { manifest, labels, meta };
}

describe('evaluatePredictions', () => {
  it('averages a grid scan into a profile along the region axis, with majority regions', () => {
    const { manifest, labels, meta } = gridDataset();
    const indices = Array.from({ length: 12 }, (_, i) => i);
    const predicted = Array.from(labels, (d) => d + 0.1);
    const split = Uint8Array.from(indices, (i) => (i % 4 === 1 ? 1 : 0));
    const e = evaluatePredictions({ indices, predictedD: predicted, labels, meta, manifest, split, splitSeed: 42, trainedOnThisDataset: false });
    expect(e.metrics.overall).toMatchObject({ count: 12, mae: expect.closeTo(0.1, 12), rmse: expect.closeTo(0.1, 12) });
    expect(e.metrics.splits.validation.count).toBe(3);
    expect(e.metrics.splits.train.count).toBe(9);
    expect(Object.fromEntries(Object.entries(e.metrics.regions).map(([k, m]) => [k, m.count]))).toEqual({ grain: 3, actr: 6, interior: 3 });
    expect(e.metrics.regionsBySplit.validation).toEqual({ actr: expect.objectContaining({ count: 3 }) });
    expect(e.profiles).toHaveLength(1);
    const [p] = e.profiles;
    expect(p).toMatchObject({ structureId: 7, structure: 'bicrystal', axis: 'x', row: 0, positionA: [0, 2.5, 5, 7.5], region: [0, 1, 1, 2], count: [3, 3, 3, 3] });
    // Column means over the three rows: 0.2·column + 0.01.
    p?.trueD.forEach((d, c) => expect(d).toBeCloseTo(0.2 * c + 0.01, 12));
    p?.predictedD.forEach((d, c) => expect(d).toBeCloseTo(0.2 * c + 0.11, 12));
    expect(e.density?.count).toBe(12);
  });

  it('subsamples parity pairs beyond the limit (seeded, sorted) but computes metrics and density on all', () => {
    const { manifest, labels, meta } = gridDataset();
    const indices = Array.from({ length: 12 }, (_, i) => i);
    const e = evaluatePredictions({ indices, predictedD: Array.from(labels), labels, meta, manifest, split: new Uint8Array(12), splitSeed: 42, trainedOnThisDataset: true, maxPairs: 5 });
    expect(e.parity.index).toHaveLength(5);
    expect([...e.parity.index].sort((a, b) => a - b)).toEqual(e.parity.index);
    expect(e.parity).toMatchObject({ sampled: true, total: 12 });
    expect(e.metrics.overall).toMatchObject({ count: 12, mae: 0, r2: 1 });
    expect(e.density?.count).toBe(12);
  });

  it('has no profiles when the dataset has no scan axis', () => {
    const { manifest, labels, meta } = gridDataset();
    const plain = { ...manifest, recipe: { scan: { kind: 'grid', stepA: 2.5 }, regionAxis: null } } as DatasetManifest;
    const e = evaluatePredictions({ indices: [0, 1, 2], predictedD: [0, 0.2, 0.4], labels, meta, manifest: plain, split: new Uint8Array(12), splitSeed: 1, trainedOnThisDataset: false });
    expect(e.profiles).toEqual([]);
    expect(e.metrics.overall.count).toBe(3);
  });
});
