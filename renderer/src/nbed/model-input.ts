/**
 * The model-input display transform (main/shared/diffraction.ts MODEL_INPUT_TRANSFORM = 'log1-minmax'): what the
 * network sees is what the user sees. L = log(max(I, 1)), then (L − min L) / (max L − min L) over the pattern.
 */
export function modelInput(intensity: Float32Array): Float32Array {
  const n = intensity.length;
  const out = new Float32Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = intensity[i] ?? 0;
    // NaN and negative intensities (never expected) count as "below 1": log 1 = 0.
    const l = v > 1 ? Math.log(v) : 0;
    out[i] = l;
    if (l < lo) lo = l;
    if (l > hi) hi = l;
  }
  const span = hi - lo;
  // A flat pattern (all I ≤ 1) is all zeros, as in the core.
  if (!(span > 0)) return out.fill(0);
  for (let i = 0; i < n; i++) out[i] = ((out[i] ?? 0) - lo) / span;
  return out;
}
