/** NumPy-'linear' percentiles: bit-for-bit what numpy.percentile returns (checked against NumPy when present). */
import { describe, expect, it } from 'vitest';
import { percentileOfSorted } from '../../../native-workers/lib/analysis/percentile';
import { seededRandom } from '../rdf/lattices';
import { numpyAvailable, numpyPercentiles } from './numpy-reference';

const PERCENTS = [0, 5, 12.5, 25, 33.3, 50, 66.7, 75, 95, 99.9, 100];

describe('percentileOfSorted', () => {
  it('interpolates linearly between order statistics (hand-checked values)', () => {
    const x = [1, 2, 3, 4, 10];
    expect(percentileOfSorted(x, 0)).toBe(1);
    expect(percentileOfSorted(x, 100)).toBe(10);
    expect(percentileOfSorted(x, 50)).toBe(3);
    expect(percentileOfSorted(x, 95)).toBeCloseTo(4 + 0.8 * 6, 12);
    expect(percentileOfSorted(x, 5)).toBeCloseTo(1.2, 12);
    expect(percentileOfSorted([7], 37)).toBe(7);
    expect(percentileOfSorted([], 50)).toBeNaN();
    expect(() => percentileOfSorted(x, 101)).toThrow(/0 … 100/);
  });

  it.skipIf(!numpyAvailable)('equals numpy.percentile exactly on random data with ties', () => {
    const random = seededRandom(99);
    const groups = Array.from({ length: 60 }, (_, g) => {
      const n = 1 + (g % 23) + Math.floor(random() * 5);
      // Rounded values make ties; a few huge ones stress the interpolation arithmetic.
      return Array.from({ length: n }, () => (random() < 0.1 ? 1e6 * random() : Math.round(random() * 50) / 17)).sort((a, b) => a - b);
    });
    const reference = numpyPercentiles(groups, PERCENTS);
    groups.forEach((g, i) => PERCENTS.forEach((p, j) => expect(percentileOfSorted(g, p)).toBe(reference[i]?.[j])));
  });
});
