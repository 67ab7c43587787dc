/**
 * Raw pattern → model input, exactly as MODEL_INPUT_TRANSFORM ('log1-minmax') documents in main/shared/diffraction.ts:
 * L = log(max(I, 1)), then (L − min L) / (max L − min L) over the whole pattern, all zeros when max L = min L.
 */
import { MODEL_INPUT_TRANSFORM } from '../../../main/shared/diffraction';

/** The transform this module implements, for provenance records next to datasets and models. */
export const MODEL_INPUT = MODEL_INPUT_TRANSFORM;

/**
 * The model input of one raw pattern (any layout; the transform is per value with min/max over all of them).
 * Works in Float64 and rounds once to Float32. Refuses non-finite or negative intensities (they cannot come from
 * |F|²/N, so they mean a corrupted input). Writes into `out` when given.
 */
export function modelInput(raw: ArrayLike<number>, out?: Float32Array): Float32Array {
  const count = raw.length;
  const result = out ?? new Float32Array(count);
  if (result.length !== count) throw new Error(`the output holds ${result.length} values, the pattern ${count}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < count; k++) {
    const value = raw[k] as number;
    if (!Number.isFinite(value) || value < 0) throw new Error(`the raw pattern has an invalid intensity ${value} at index ${k}`);
    // max(I, 1) keeps the log ≥ 0: intensities below 1 (the dark field between spots) all map to 0.
    const level = Math.log(Math.max(value, 1));
    if (level < lo) lo = level;
    if (level > hi) hi = level;
  }
  if (!(hi > lo)) {
    result.fill(0);
    return result;
  }
  const range = hi - lo;
  for (let k = 0; k < count; k++) result[k] = (Math.log(Math.max(raw[k] as number, 1)) - lo) / range;
  return result;
}
