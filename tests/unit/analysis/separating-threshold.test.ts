/** The separating threshold: hand-built cases where the two criteria disagree, and brute force over all cuts. */
import { describe, expect, it } from 'vitest';
import { orderedDisorderedThreshold, separatingThreshold } from '../../../native-workers/lib/analysis/separating-threshold';
import { seededRandom } from '../rdf/lattices';

describe('separatingThreshold', () => {
  // 112 low values: 100 in [0, 0.5), 12 in [0.6, 0.7). 20 high values: 10 in [0.55, 0.6), 10 in [0.8, 1).
  const low = [...Array.from({ length: 100 }, (_, k) => k * 0.005), ...Array.from({ length: 12 }, (_, k) => 0.6 + k * 0.008)];
  const high = [...Array.from({ length: 10 }, (_, k) => 0.55 + k * 0.004), ...Array.from({ length: 10 }, (_, k) => 0.8 + k * 0.019)];

  it('balanced accuracy cuts below the small high-valued cluster (0.5225, between 0.495 and 0.55)', () => {
    const t = separatingThreshold(low, high);
    expect(t.threshold).toBeCloseTo((0.495 + 0.55) / 2, 12);
    expect(t.lowBelow).toBe(100);
    expect(t.highAbove).toBe(20);
    expect(t.balancedAccuracy).toBeCloseTo((100 / 112 + 1) / 2, 12);
    expect(t.totalErrors).toBe(12);
  });

  it('total error cuts above the low group instead (10 errors < 12)', () => {
    const t = separatingThreshold(low, high, 'total-error');
    expect(t.threshold).toBeCloseTo((0.688 + 0.8) / 2, 12);
    expect(t.totalErrors).toBe(10);
    expect(t.accuracy).toBeCloseTo(122 / 132, 12);
  });

  it('equals an exhaustive search over every cut on random overlapping groups', () => {
    const random = seededRandom(13);
    for (let trial = 0; trial < 20; trial++) {
      const lo = Array.from({ length: 40 + trial }, () => Math.round(random() * 60) / 100);
      const hi = Array.from({ length: 25 + 2 * trial }, () => 0.3 + Math.round(random() * 70) / 100);
      for (const criterion of ['balanced-accuracy', 'total-error'] as const) {
        const t = separatingThreshold(lo, hi, criterion);
        const candidates = [...new Set([...lo, ...hi, Infinity])];
        let best = -Infinity;
        for (const c of candidates) {
          const lb = lo.filter((v) => v < c).length;
          const ha = hi.filter((v) => v >= c).length;
          const score = criterion === 'balanced-accuracy' ? lb / lo.length + ha / hi.length : lb + ha;
          best = Math.max(best, score);
        }
        const got = criterion === 'balanced-accuracy' ? t.fractionLowBelow + t.fractionHighAbove : t.lowBelow + t.highAbove;
        expect(got).toBeCloseTo(best, 12);
        // The reported counts are those of the reported threshold.
        expect(lo.filter((v) => v < t.threshold).length).toBe(t.lowBelow);
        expect(hi.filter((v) => v >= t.threshold).length).toBe(t.highAbove);
      }
    }
  });

  it('picks ordered (code 1) against disordered (code 3) motifs and ignores the rest', () => {
    const values = [0.1, 0.2, 0.3, 0.9, 0.95, 0.5, 0.0];
    const codes = [1, 1, 1, 3, 3, 2, 0];
    const t = orderedDisorderedThreshold(values, codes);
    expect(t.lowCount).toBe(3);
    expect(t.highCount).toBe(2);
    expect(t.threshold).toBeCloseTo(0.6, 12);
    expect(t.balancedAccuracy).toBe(1);
    expect(() => separatingThreshold([], [1])).toThrow(/both groups/);
  });
});
