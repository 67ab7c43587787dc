/** Percentiles with NumPy's default ('linear', type 7) interpolation, computed the same way NumPy computes them. */

/**
 * The `percent`-th percentile (0 … 100) of n values whose k-th smallest (0-based) is `valueAt(k)`. Mirrors
 * numpy.percentile(method='linear') to the last bit: virtual index v = (n − 1)·q with q = percent / 100,
 * i = floor(v), t = v − i, result = a + (b − a)·t for t < 0.5 else b − (b − a)·(1 − t), a = x[i], b = x[min(i+1, n−1)].
 * NaN for n = 0.
 */
export function percentileOfRanked(n: number, percent: number, valueAt: (rank: number) => number): number {
  if (!(percent >= 0 && percent <= 100)) throw new Error(`percentile must be within 0 … 100 (got ${percent})`);
  if (n === 0) return Number.NaN;
  const q = percent / 100;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return valueAt(n - 1);
  if (virtual <= 0) return valueAt(0);
  const lower = Math.floor(virtual);
  const t = virtual - lower;
  const a = valueAt(lower);
  const b = valueAt(Math.min(lower + 1, n - 1));
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Percentile of an ascending-sorted array (NumPy 'linear'). */
export function percentileOfSorted(sorted: ArrayLike<number>, percent: number): number {
  return percentileOfRanked(sorted.length, percent, (k) => sorted[k] as number);
}
