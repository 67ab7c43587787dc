/** σ(d) of an ensemble and the out-of-distribution distance (native-workers/lib/models/uncertainty.ts). */
import { describe, expect, it } from 'vitest';
import { ANNULUS_LOG_DEFAULTS, type ModelInputSpec } from '../../../main/shared/model-transform';
import type { EnsembleInfo, OodInfo } from '../../../main/shared/model-uncertainty';
import { ensembleD, oodDistance, oodThresholds, outOfDistributionReason, ringFeatures, sigmaCalibration, spearman } from '../../../native-workers/lib/models/uncertainty';

const ENSEMBLE: EnsembleInfo = { members: 3, sigmaScale: 2, sigmaThreshold: 0.1, calibration: { method: 'test', count: 0, spearman: null, coverage1: null, coverage2: null } };

describe('ensemble d and σ', () => {
  it('averages the members and scales their population spread', () => {
    // Two frames × three members of 1 − d.
    const outputs = Float32Array.from([0.2, 0.3, 0.4, 0.5, 0.5, 0.5]);
    const { d, sigma } = ensembleD(outputs, 2, 3, 'one_minus_d', ENSEMBLE);
    expect(d[0]).toBeCloseTo(0.7, 6);
    expect(d[1]).toBeCloseTo(0.5, 6);
    expect(sigma?.[0]).toBeCloseTo(2 * Math.sqrt(((0.1 ** 2) * 2) / 3), 6);
    expect(sigma?.[1]).toBe(0);
    expect(ensembleD(Float32Array.from([0.25]), 1, 1, 'd', null)).toEqual({ d: Float32Array.from([0.25]), sigma: null });
    expect(() => ensembleD(outputs, 3, 3, 'd', ENSEMBLE)).toThrow(/6 outputs for 3 frames × 3 members/);
  });
});

describe('ring-stats-v1 features', () => {
  const spec: ModelInputSpec = { transform: 'annulus-log', side: 133, kmaxInvA: 1, deltaKInvA: 0.015, ...ANNULUS_LOG_DEFAULTS };

  it('are the mean and spread of the input in equal rings between the beam mask and kmax', () => {
    const input = new Float32Array(133 * 133);
    for (let row = 0; row < 133; row++) {
      for (let col = 0; col < 133; col++) {
        const k = 0.015 * Math.hypot(row - 66, col - 66);
        if (k >= 0.1 && k < 1) input[row * 133 + col] = k < 0.175 ? 0.5 : (row + col) % 2; // ring 0 flat, others a checkerboard
      }
    }
    const f = ringFeatures(input, spec, 12);
    expect(f[0]).toBeCloseTo(0.5, 12);
    expect(f[12]).toBeCloseTo(0, 12);
    for (let b = 1; b < 12; b++) {
      expect(f[b]).toBeGreaterThan(0.4);
      expect(f[b]).toBeLessThan(0.6);
      expect(f[12 + b]).toBeGreaterThan(0.45);
    }
  });

  it('flag a frame beyond the recorded distance and say why', () => {
    const input = new Float32Array(133 * 133);
    const identity = Array.from({ length: 576 }, (_, k) => (k % 25 === 0 ? 1 : 0));
    const ood: OodInfo = { features: 'ring-stats-v1', bins: 12, mean: new Array<number>(24).fill(0.5), precision: identity, threshold: 5 };
    // All-zero input: every mean is 0.5 below, every std 0.5 below the recorded means → D² = 24 · 0.25 = 6.
    expect(oodDistance(input, spec, ood)).toBeCloseTo(6, 12);
    expect(outOfDistributionReason(null, 6, oodThresholds(null, ood))).toMatch(/unlike the training patterns \(feature distance D² 6\.00 > 5\.00\)/);
    expect(outOfDistributionReason(0.2, 1, oodThresholds(ENSEMBLE, ood))).toMatch(/the ensemble members disagree \(σ 0\.20 > 0\.10\)/);
    expect(outOfDistributionReason(0.05, 1, oodThresholds(ENSEMBLE, ood))).toBeNull();
  });
});

describe('σ calibration figures', () => {
  it('rank-correlate with average ranks for ties and count the ±σ, ±2σ coverage', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Ties: ranks (0.5, 0.5, 2, 3) against (0, 1, 2, 3): ρ = 4.5 / √(4.5 · 5).
    expect(spearman([1, 1, 2, 3], [0, 1, 2, 3])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
    const c = sigmaCalibration([0.5, 0.5, 0.5, 0.5], [0.1, 0.1, 0.1, Number.NaN], [0.55, 0.7, 0.95, 0]);
    expect(c.count).toBe(3);
    expect(c.coverage1).toBeCloseTo(1 / 3, 12);
    expect(c.coverage2).toBeCloseTo(2 / 3, 12);
    expect(c.meanSigma).toBeCloseTo(0.1, 12);
  });
});
