/**
 * A map's per-frame values in words (renderer/src/experiments/frame-flags.ts): the readout's "d ± σ", and why a frame
 * is flagged — for an out-of-distribution frame, which test failed with its value and threshold; the flag names the
 * renderer knows are the workers' flags.npy codes.
 */
import { describe, expect, it } from 'vitest';
import { MAP_FRAME_FLAGS, type MapArrays } from '../../../main/shared/maps';
import { FRAME_FLAGS } from '../../../native-workers/lib/microscopy/frame-processing';
import { formatD, frameFlagName, frameFlagText, frameValues, outOfDistributionTests, type FrameValues } from '../../../renderer/src/experiments/frame-flags';

const thresholds = { sigma: 0.06, distance: 28.3 };
const frame = (over: Partial<FrameValues>): FrameValues => ({ flag: 'ok', d: 0.431, sigma: 0.027, distance: 12.5, thresholds, ...over });

describe('the readout of d', () => {
  it('gives d with its σ when there is one, d alone without, a dash for a frame not mapped', () => {
    expect(formatD(0.4312, 0.0271)).toBe('d = 0.431 ± 0.027');
    expect(formatD(0.4312, null)).toBe('d = 0.431');
    expect(formatD(0.4312, Number.NaN)).toBe('d = 0.431');
    expect(formatD(null, 0.02)).toBe('d = —');
    expect(formatD(undefined, undefined)).toBe('d = —');
  });
});

describe('frame flags in words', () => {
  it('names flags.npy codes as the workers write them', () => {
    expect([...MAP_FRAME_FLAGS]).toEqual([...FRAME_FLAGS]);
    expect(frameFlagName(6)).toBe('out-of-distribution');
    expect(frameFlagName(5)).toBe('vacuum');
    expect(frameFlagName(99)).toBe('flag 99');
  });

  it('says nothing for an ok frame', () => {
    expect(frameFlagText(frame({}))).toBeNull();
  });

  it('names the failed feature-distance test with D² and its threshold', () => {
    const f = frame({ flag: 'out-of-distribution', distance: 41.17 });
    expect(outOfDistributionTests(f)).toEqual(['its pattern is unlike the training patterns: feature distance D² = 41.2, above the threshold 28.3']);
    const text = frameFlagText(f) ?? '';
    expect(text).toMatch(/^Out of distribution — mapped \(d = 0\.431 ± 0\.027\), but the model has not seen patterns like this one/);
    expect(text).toContain('feature distance D² = 41.2, above the threshold 28.3');
    expect(text).not.toContain('members disagree');
  });

  it('names the failed σ test with σ(d) and its threshold, and both when both failed', () => {
    const sigmaOnly = frameFlagText(frame({ flag: 'out-of-distribution', sigma: 0.0912 })) ?? '';
    expect(sigmaOnly).toContain('the ensemble members disagree: σ(d) = 0.0912, above the threshold 0.06');
    expect(sigmaOnly).not.toContain('D²');
    const both = outOfDistributionTests(frame({ sigma: 0.0912, distance: 41.17 }));
    expect(both).toHaveLength(2);
  });

  it('says so when the thresholds are not recorded, with the values it has', () => {
    const text = frameFlagText(frame({ flag: 'out-of-distribution', sigma: null, distance: 41.17, thresholds: { sigma: null, distance: null } })) ?? '';
    expect(text).toContain('the thresholds it was tested against are not recorded (D² = 41.2)');
    expect(text).toContain('d = 0.431)');
  });

  it('says a vacuum frame’s halo holds almost no counts, and that it was not mapped', () => {
    expect(frameFlagText(frame({ flag: 'vacuum', d: null, sigma: null, distance: null }))).toMatch(/^Vacuum: the halo .* holds almost none of the frame’s counts .* not mapped\.$/);
    expect(frameFlagText(frame({ flag: 'saturated', d: null }))).toMatch(/^Saturated: .*not mapped\.$/);
  });

  it('reads one frame out of the map’s arrays', () => {
    const arrays: MapArrays = {
      shape: [1, 2],
      d: [0.2, null],
      sigma: [0.01, null],
      oodDistance: [40, null],
      oodThresholds: thresholds,
      flags: [6, 5],
      vbf: [1, 1],
      vadf: [1, 1],
      groups: null,
      files: null,
      done: 2,
      partial: false,
    };
    expect(frameValues(arrays, 0)).toEqual({ flag: 'out-of-distribution', d: 0.2, sigma: 0.01, distance: 40, thresholds });
    expect(frameValues(arrays, 1)).toMatchObject({ flag: 'vacuum', d: null, sigma: null });
  });
});
