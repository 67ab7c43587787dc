/**
 * Box-plot statistics of a per-atom value grouped by a uint8 class code (Voronoi class, CNA type or region):
 * papers/000 Fig. 4, drawn the way matplotlib's boxplot draws it.
 */
import { percentileOfSorted } from './percentile';

export interface BoxStats {
  code: number;
  /** Name of the class when labels were given (e.g. VORONOI_CLASSES[code]), else the code as text. */
  label: string;
  /** Finite values in the class. */
  n: number;
  mean: number;
  /** Quartiles and median by NumPy 'linear' percentiles (what matplotlib uses). */
  q1: number;
  median: number;
  q3: number;
  iqr: number;
  /** Fences q1 − 1.5·IQR and q3 + 1.5·IQR. */
  lowerFence: number;
  upperFence: number;
  /** Whisker ends: the most extreme data points still inside the fences (matplotlib convention). */
  whiskerLow: number;
  whiskerHigh: number;
  /** Values outside the fences, ascending; at most `maxOutliers` of them (spread evenly), see outlierCount. */
  outliers: Float64Array;
  outlierCount: number;
  min: number;
  max: number;
}

export interface DistributionOptions {
  /** Names per code, e.g. VORONOI_CLASSES, CNA_TYPES or ['grain', 'ACTR', 'CI']. */
  labels?: readonly string[];
  /** Whisker reach in IQRs (default 1.5). */
  whiskerIqr?: number;
  /** Cap on returned outlier values per class (default 10 000); outlierCount is always exact. */
  maxOutliers?: number;
  /** Only atoms with a non-zero entry count. */
  mask?: ArrayLike<number>;
}

/** Box-plot statistics per class code present in `codes` (ascending code order). Non-finite values are skipped. */
export function boxStatsByClass(values: ArrayLike<number>, codes: ArrayLike<number>, options: DistributionOptions = {}): BoxStats[] {
  const n = values.length;
  if (codes.length !== n) throw new Error(`codes has ${codes.length} entries for ${n} values`);
  if (options.mask && options.mask.length !== n) throw new Error(`mask has ${options.mask.length} entries for ${n} values`);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (options.mask && !options.mask[i]) continue;
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const code = codes[i] as number;
    let list = groups.get(code);
    if (!list) groups.set(code, (list = []));
    list.push(v);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((code) => boxStats(Float64Array.from(groups.get(code) as number[]), code, options));
}

/** Box-plot statistics of one set of values. */
export function boxStats(values: Float64Array, code: number, options: DistributionOptions = {}): BoxStats {
  const sorted = values.slice().sort();
  const n = sorted.length;
  const label = options.labels?.[code] ?? String(code);
  const reach = options.whiskerIqr ?? 1.5;
  const maxOutliers = options.maxOutliers ?? 10_000;
  if (n === 0) {
    const nan = Number.NaN;
    return { code, label, n, mean: nan, q1: nan, median: nan, q3: nan, iqr: nan, lowerFence: nan, upperFence: nan, whiskerLow: nan, whiskerHigh: nan, outliers: new Float64Array(0), outlierCount: 0, min: nan, max: nan };
  }
  let sum = 0;
  for (let k = 0; k < n; k++) sum += sorted[k] as number;
  const q1 = percentileOfSorted(sorted, 25);
  const median = percentileOfSorted(sorted, 50);
  const q3 = percentileOfSorted(sorted, 75);
  const iqr = q3 - q1;
  const lowerFence = q1 - reach * iqr;
  const upperFence = q3 + reach * iqr;
  let first = 0;
  while (first < n && (sorted[first] as number) < lowerFence) first++;
  let last = n - 1;
  while (last >= 0 && (sorted[last] as number) > upperFence) last--;
  // matplotlib: a whisker never retreats inside the box (possible only for degenerate data).
  const whiskerLow = first <= last ? Math.min(sorted[first] as number, q1) : q1;
  const whiskerHigh = first <= last ? Math.max(sorted[last] as number, q3) : q3;
  const outlierValues = [...sorted.subarray(0, first), ...sorted.subarray(last + 1)];
  return {
    code,
    label,
    n,
    mean: sum / n,
    q1,
    median,
    q3,
    iqr,
    lowerFence,
    upperFence,
    whiskerLow,
    whiskerHigh,
    outliers: evenSample(outlierValues, maxOutliers),
    outlierCount: outlierValues.length,
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
  };
}

function evenSample(values: number[], max: number): Float64Array {
  if (values.length <= max) return Float64Array.from(values);
  return Float64Array.from({ length: max }, (_, k) => values[Math.floor((k * values.length) / max)] as number);
}

/** Fraction of each class's finite values strictly below `threshold` (paper: "92.2 % of the ACTR below 0.768"). */
export function fractionBelowByClass(values: ArrayLike<number>, codes: ArrayLike<number>, threshold: number): Map<number, { below: number; n: number; fraction: number }> {
  if (codes.length !== values.length) throw new Error('values and codes must have the same length');
  const out = new Map<number, { below: number; n: number; fraction: number }>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const code = codes[i] as number;
    const entry = out.get(code) ?? { below: 0, n: 0, fraction: 0 };
    entry.n++;
    if (v < threshold) entry.below++;
    out.set(code, entry);
  }
  for (const entry of out.values()) entry.fraction = entry.below / entry.n;
  return out;
}
