/** Box-plot statistics per class: quartiles, matplotlib-style whiskers and outliers, against hand-worked data. */
import { describe, expect, it } from 'vitest';
import { VORONOI_CLASSES } from '../../../main/shared/labels';
import { boxStatsByClass, fractionBelowByClass } from '../../../native-workers/lib/analysis/distributions';
import { percentileOfSorted } from '../../../native-workers/lib/analysis/percentile';
import { seededRandom } from '../rdf/lattices';
import { numpyAvailable, numpyPercentiles } from './numpy-reference';

describe('boxStatsByClass', () => {
  it('computes quartiles, whiskers at the last points inside 1.5 IQR, and the outliers beyond', () => {
    // Class 1: 1 … 9 plus an outlier 30; class 3: a single value; class 0 absent. NaN ignored.
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30, 0.5, Number.NaN];
    const codes = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1];
    const [ordered, disordered] = boxStatsByClass(values, codes, { labels: VORONOI_CLASSES });
    expect(ordered?.label).toBe('ordered');
    expect(ordered?.n).toBe(10);
    expect(ordered?.q1).toBeCloseTo(3.25, 12);
    expect(ordered?.median).toBeCloseTo(5.5, 12);
    expect(ordered?.q3).toBeCloseTo(7.75, 12);
    expect(ordered?.upperFence).toBeCloseTo(7.75 + 1.5 * 4.5, 12);
    expect(ordered?.whiskerHigh).toBe(9);
    expect(ordered?.whiskerLow).toBe(1);
    expect(Array.from(ordered?.outliers ?? [])).toEqual([30]);
    expect(ordered?.mean).toBeCloseTo(7.5, 12);
    expect(disordered?.label).toBe('disordered');
    expect(disordered?.n).toBe(1);
    expect(disordered?.whiskerLow).toBe(0.5);
    expect(disordered?.outlierCount).toBe(0);
  });

  it.skipIf(!numpyAvailable)('uses numpy.percentile quartiles', () => {
    const random = seededRandom(8);
    const values = Float64Array.from({ length: 500 }, () => random() ** 3);
    const codes = Uint8Array.from({ length: 500 }, (_, i) => i % 4);
    const stats = boxStatsByClass(values, codes);
    const groups = [0, 1, 2, 3].map((c) => Array.from(values).filter((_, i) => codes[i] === c));
    const reference = numpyPercentiles(groups, [25, 50, 75]);
    stats.forEach((s, c) => expect([s.q1, s.median, s.q3]).toEqual(reference[c]));
  });

  it('caps the returned outliers but counts them all', () => {
    // 200 equal values make IQR 0, so all 50 distinct larger values lie beyond the upper fence.
    const values = [...Array.from({ length: 200 }, () => 1), ...Array.from({ length: 50 }, (_, k) => 100 + k)];
    const [s] = boxStatsByClass(values, new Uint8Array(250), { maxOutliers: 10 });
    expect(s?.iqr).toBe(percentileOfSorted([...values].sort((a, b) => a - b), 75) - 1);
    expect(s?.iqr).toBe(0);
    expect(s?.outlierCount).toBe(50);
    expect(Array.from(s?.outliers ?? [])).toEqual([100, 105, 110, 115, 120, 125, 130, 135, 140, 145]);
    expect(s?.whiskerHigh).toBe(1);
  });

  it('reports the fraction of each class below a threshold', () => {
    const f = fractionBelowByClass([0.1, 0.9, 0.5, 0.7, 0.8], [1, 1, 2, 2, 2], 0.768);
    expect(f.get(1)).toEqual({ below: 1, n: 2, fraction: 0.5 });
    expect(f.get(2)?.fraction).toBeCloseTo(2 / 3, 12);
  });
});
