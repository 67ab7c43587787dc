/** The model input follows MODEL_INPUT_TRANSFORM: log(max(I, 1)), then min–max to [0, 1] over the pattern. */
import { describe, expect, it } from 'vitest';
import { MODEL_INPUT_TRANSFORM } from '../../../main/shared/diffraction';
import { MODEL_INPUT, modelInput } from '../../../native-workers/lib/diffraction';

describe('model input', () => {
  it('is log(max(I, 1)) normalised to [0, 1] over the pattern, as Float32', () => {
    expect(MODEL_INPUT).toBe(MODEL_INPUT_TRANSFORM);
    const raw = Float64Array.of(0, 0.5, 1, Math.E, Math.E ** 2, Math.E ** 4);
    const out = modelInput(raw);
    expect(out).toBeInstanceOf(Float32Array);
    expect([...out]).toEqual([0, 0, 0, 0.25, 0.5, 1].map(Math.fround));
    // min L need not be 0: every value above 1.
    const shifted = modelInput(Float64Array.of(Math.E, Math.E ** 3, Math.E ** 2));
    expect([...shifted]).toEqual([0, 1, 0.5]);
  });

  it('is all zeros for a flat pattern, writes into a given array, and refuses corrupt intensities', () => {
    expect([...modelInput(Float64Array.of(0.2, 0.9, 1))]).toEqual([0, 0, 0]);
    expect([...modelInput(Float64Array.of(7, 7))]).toEqual([0, 0]);
    const target = new Float32Array(2);
    expect(modelInput(Float64Array.of(1, 10), target)).toBe(target);
    expect([...target]).toEqual([0, 1]);
    expect(() => modelInput(Float64Array.of(1, Number.NaN))).toThrow(/invalid intensity NaN at index 1/);
    expect(() => modelInput(Float64Array.of(-1))).toThrow(/invalid intensity -1/);
    expect(() => modelInput(Float64Array.of(1, 2), new Float32Array(3))).toThrow(/output holds 3/);
  });
});
