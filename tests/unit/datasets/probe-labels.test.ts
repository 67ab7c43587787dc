/** Probe labels: mean d, count, majority region (ties to the lower code), fractions, extra means, refusals. */
import { describe, expect, it } from 'vitest';
import { probeLabels } from '../../../native-workers/lib/datasets/probe-labels';

const d = Float64Array.from([0, 0.2, 0.4, 0.6, 1.0]);
const regionCode = Uint8Array.from([0, 1, 1, 2, 2]);

describe('probeLabels', () => {
  it('averages d over the probe atoms and takes the majority region with its fractions', () => {
    const labels = probeLabels([1, 2, 3], { d, regionCode });
    expect(labels.meanD).toBeCloseTo(0.4, 15);
    expect(labels.atomCount).toBe(3);
    expect(labels.region).toBe(1);
    expect(labels.regionFractions).toEqual([0, 2 / 3, 1 / 3]);
  });

  it('breaks a tie toward the lower (more ordered) code and counts repeated indices', () => {
    expect(probeLabels([0, 1], { d, regionCode }).region).toBe(0);
    expect(probeLabels([2, 3], { d, regionCode }).region).toBe(1);
    const repeated = probeLabels([0, 4, 4], { d, regionCode });
    expect(repeated.meanD).toBeCloseTo(2 / 3, 15);
    expect(repeated.region).toBe(2);
  });

  it('works without region codes and averages extra per-atom arrays', () => {
    const labels = probeLabels(Int32Array.from([0, 4]), { d, extra: { one_minus_q6: [0.4, 0, 0, 0, 0.8] } });
    expect(labels.region).toBeNull();
    expect(labels.regionFractions).toEqual([]);
    expect(labels.meanD).toBe(0.5);
    expect(labels.means.one_minus_q6).toBeCloseTo(0.6, 15);
  });

  it('refuses an empty probe, bad indices and bad codes', () => {
    expect(() => probeLabels([], { d })).toThrow(/holds no atoms/);
    expect(() => probeLabels([5], { d })).toThrow(/outside 0 … 4/);
    expect(() => probeLabels([0], { d, regionCode: Uint8Array.from([3, 0, 0, 0, 0]) })).toThrow(/region code 3/);
    expect(() => probeLabels([0], { d: [Number.NaN] })).toThrow(/not finite/);
  });
});
