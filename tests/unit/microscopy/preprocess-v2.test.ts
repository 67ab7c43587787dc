/**
 * The preprocessing chain with transform v2: the TV weight set by the halo rather than the beam, so the halo's
 * speckle survives denoising; the whole chain invariant to the detector's scale; vacuum frames flagged.
 */
import { describe, expect, it } from 'vitest';
import { ANNULUS_LOG_DEFAULTS } from '../../../main/shared/model-transform';
import { mulberry32 } from '../../../native-workers/lib/datasets/random-split';
import { preprocessFrame, preprocessRecipeSchema, type PreprocessRecipeInput } from '../../../native-workers/lib/microscopy/preprocess/recipe';

const SIDE = 128;
const PIXEL = 0.0117; // Å⁻¹ per detector pixel: not a simple fraction of the model's 0.015
const CENTRE = { row: 63.3, col: 64.6 };
const MODEL = { transform: 'annulus-log' as const, kmaxInvA: 0.7, deltaKInvA: 0.015, side: 93, ...ANNULUS_LOG_DEFAULTS };

/**
 * A detector frame: exponential speckle in 3×3-pixel grains about a halo at 0.45 Å⁻¹ (the clean speckle is returned
 * too), a direct-beam disc of radius 4 px at 10⁵ × the halo's mean, and optional Gaussian counting noise.
 */
function frame(seed: number, noise: number): { frame: Float32Array; clean: Float32Array } {
  const random = mulberry32(seed);
  const grains = new Float64Array(Math.ceil(SIDE / 3) ** 2).map(() => -Math.log(1 - random()));
  const clean = new Float32Array(SIDE * SIDE);
  const out = new Float32Array(SIDE * SIDE);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const k = PIXEL * Math.hypot(r - CENTRE.row, c - CENTRE.col);
      const halo = 100 * (0.15 + Math.exp(-(((k - 0.45) / 0.1) ** 2)));
      const value = halo * (grains[Math.floor(r / 3) * Math.ceil(SIDE / 3) + Math.floor(c / 3)] as number);
      clean[r * SIDE + c] = value;
      const u = Math.max(random(), 1e-12);
      const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
      out[r * SIDE + c] = Math.max(0, value + noise * Math.sqrt(value + 1) * g) + (Math.hypot(r - CENTRE.row, c - CENTRE.col) <= 4 ? 1e7 : 0);
    }
  }
  return { frame: out, clean };
}

function correlationInHalo(a: Float32Array, b: Float32Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const k = PIXEL * Math.hypot(r - CENTRE.row, c - CENTRE.col);
      if (k < 0.3 || k > 0.6) continue;
      const x = a[r * SIDE + c] as number;
      const y = b[r * SIDE + c] as number;
      n += 1;
      sa += x;
      sb += y;
      saa += x * x;
      sbb += y * y;
      sab += x * y;
    }
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

function recipe(extra: Partial<PreprocessRecipeInput> = {}) {
  return preprocessRecipeSchema.parse({ calibration: { method: 'manual', invAPerPixel: PIXEL }, centre: { method: 'fixed', ...CENTRE }, hotPixels: { enabled: false }, model: MODEL, ...extra });
}

function denoised(input: Float32Array, scale: 'halo' | 'range'): Float32Array {
  const result = preprocessFrame(input, [SIDE, SIDE], recipe({ denoise: { scale } }), { keepSteps: true });
  const step = result.steps.find((s) => s.name === 'denoised');
  if (!step) throw new Error('no denoised step');
  return step.image;
}

describe('TV denoising scaled by the halo', () => {
  it("keeps the halo's speckle at the default weight, where a weight set by the beam erases it", () => {
    const { frame: noisy, clean } = frame(7, 1);
    const noisyCorrelation = correlationInHalo(noisy, clean);
    const halo = correlationInHalo(denoised(noisy, 'halo'), clean);
    const range = correlationInHalo(denoised(noisy, 'range'), clean);
    // Counting noise at ~100 counts per pixel barely hides the speckle; halo-scaled TV keeps (and cleans) it.
    expect(noisyCorrelation).toBeGreaterThan(0.9);
    expect(halo).toBeGreaterThan(0.9);
    // The beam is 10⁵ × the halo: a weight relative to the whole frame flattens the halo.
    expect(range).toBeLessThan(0.6);
    expect(halo - range).toBeGreaterThan(0.3);
  });
});

describe('detector scale', () => {
  it('gives the same model input for the frame × 10 and × 0.01', () => {
    const { frame: raw } = frame(8, 1);
    const r = recipe();
    const reference = preprocessFrame(raw, [SIDE, SIDE], r).modelInput;
    for (const k of [10, 0.01]) {
      const scaled = preprocessFrame(raw.map((v) => v * k), [SIDE, SIDE], r).modelInput;
      let worst = 0;
      for (let i = 0; i < scaled.length; i++) worst = Math.max(worst, Math.abs((scaled[i] as number) - (reference[i] as number)));
      expect(worst).toBeLessThan(1e-4);
    }
  });
});

describe('vacuum', () => {
  it('flags a frame whose counts are all in the direct beam, with the reason', () => {
    const vacuum = new Float32Array(SIDE * SIDE);
    for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) if (Math.hypot(r - CENTRE.row, c - CENTRE.col) <= 4) vacuum[r * SIDE + c] = 5e4;
    vacuum[10] = 1; // one stray count
    const result = preprocessFrame(vacuum, [SIDE, SIDE], recipe());
    expect(result.quality.flag).toBe('vacuum');
    expect(result.quality.detail).toMatch(/the halo \(0\.1–0\.7 Å⁻¹\) holds .* % of the frame's counts, below 0\.01 %: vacuum or no specimen/);
    expect(result.modelInput.every((v) => v === 0)).toBe(true);
  });
});

describe('saturation', () => {
  it('maps a frame whose saturated pixels are all in the direct beam, and flags one whose halo is saturated', () => {
    const { frame: raw } = frame(9, 1);
    // The beam (1e7) clips at 65535, and so does a ring of small-angle scattering around it (6–7 px, inside the
    // 0.1 Å⁻¹ = 8.5 px beam mask): not one compact patch, so the raw check flags the frame.
    const clipped = raw.map((v, k) => {
      const radius = Math.hypot(Math.floor(k / SIDE) - CENTRE.row, (k % SIDE) - CENTRE.col);
      return radius >= 6 && radius < 7 ? 65535 : Math.min(v, 65535);
    });
    const r = recipe({ quality: { saturationValue: 65535 } });
    const beamOnly = preprocessFrame(clipped, [SIDE, SIDE], r);
    expect(beamOnly.quality.flag).toBe('ok');
    expect(beamOnly.quality.detail).toMatch(/\d+ pixels at the saturation level 65535, 0 of them in the halo the model reads/);
    // A halo bright enough to clip in its speckle maxima as well.
    const bright = raw.map((v) => Math.min(v * 300, 65535));
    const halo = preprocessFrame(bright, [SIDE, SIDE], r);
    expect(halo.quality.flag).toBe('saturated');
    expect(halo.quality.detail).toMatch(/of the halo's \d+ pixels are saturated/);
  });

  it('keeps the direct beam out of the resampled halo', () => {
    const { frame: raw } = frame(10, 0);
    const steps = preprocessFrame(raw, [SIDE, SIDE], recipe({ denoise: { method: 'none' } }), { keepSteps: true }).steps;
    const resampled = steps.find((s) => s.name === 'resampled');
    if (!resampled) throw new Error('no resampled step');
    // Nodes just outside the beam mask (0.1–0.12 Å⁻¹) hold halo values, not the beam's 1e7.
    let worst = 0;
    for (let row = 0; row < 93; row++) {
      for (let col = 0; col < 93; col++) {
        const k = 0.015 * Math.hypot(row - 46, col - 46);
        if (k >= 0.1 && k < 0.12) worst = Math.max(worst, resampled.image[row * 93 + col] as number);
      }
    }
    expect(worst).toBeLessThan(1000);
  });
});
