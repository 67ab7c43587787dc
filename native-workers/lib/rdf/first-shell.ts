/**
 * The first coordination shell of a g(r): its peak, the first minimum after it, and the coordination number there,
 * found on a lightly smoothed curve so that histogram noise and the empty gaps of a perfect crystal do not fool it.
 */
import type { PairCurve } from './pair-distribution';

export interface FirstShellOptions {
  /** Width of the centred moving average applied before searching, Å (default 0.15; 0 = none). */
  smoothingA?: number;
  /**
   * How far the smoothed curve must climb above the running minimum, as a fraction of (peak − minimum), before the
   * minimum counts as found (default 0.1): wiggles smaller than that inside the trough are ignored.
   */
  riseFraction?: number;
  /** The first peak is the first local maximum at least this fraction of the curve's global maximum (default 0.5). */
  peakFraction?: number;
}

export interface FirstShell {
  found: true;
  /** Position of the first peak (bin centre), Å. */
  peakA: number;
  /** Position of the first minimum, Å: the centre of the run of bins that share the lowest smoothed value. */
  minimumA: number;
  /** Bin whose centre is `minimumA` (the lower middle bin of an even run). */
  minimumBin: number;
  /** Smoothed g at the minimum. */
  gAtMinimum: number;
  /** coord(r) at the upper edge of `minimumBin`: mean number of neighbours within the first shell. */
  coordination: number;
}

export interface NoFirstShell {
  found: false;
  reason: string;
}

/**
 * Finds the first peak and the first minimum after it. Returns `found: false` with the reason when the curve
 * has no peak, or never rises again after the first peak within rmax (then there is no first minimum to report).
 */
export function firstShell(
  rA: Float64Array,
  curve: Pick<PairCurve, 'g' | 'coord'>,
  options: FirstShellOptions = {},
): FirstShell | NoFirstShell {
  const { g, coord } = curve;
  const binCount = g.length;
  if (binCount < 3 || rA.length !== binCount || coord.length !== binCount) return { found: false, reason: 'need at least 3 bins of r, g and coord' };
  const binWidthA = (rA[1] as number) - (rA[0] as number);
  const half = Math.max(0, Math.round((options.smoothingA ?? 0.15) / binWidthA / 2));
  const smooth = movingAverage(g, half);
  const riseFraction = options.riseFraction ?? 0.1;
  const peakFraction = options.peakFraction ?? 0.5;

  let globalMax = 0;
  for (let k = 0; k < binCount; k++) globalMax = Math.max(globalMax, smooth[k] as number);
  if (!(globalMax > 0)) return { found: false, reason: 'g(r) is zero everywhere below rmax' };

  // First peak: the first bin that is tall enough and not lower than either neighbour; for a plateau, its middle.
  let peak = -1;
  for (let k = 0; k < binCount; k++) {
    const v = smooth[k] as number;
    if (v < peakFraction * globalMax) continue;
    let end = k;
    while (end + 1 < binCount && smooth[end + 1] === v) end++;
    const left = k > 0 ? (smooth[k - 1] as number) : -Infinity;
    const right = end + 1 < binCount ? (smooth[end + 1] as number) : -Infinity;
    if (v >= left && v >= right) {
      peak = (k + end) >> 1;
      break;
    }
    k = end;
  }
  if (peak < 0) return { found: false, reason: 'no first peak found' };
  const peakValue = smooth[peak] as number;

  // Walk right keeping the running minimum (and the run of bins that share it) until the curve has climbed back.
  let minValue = peakValue;
  let minStart = peak;
  let minEnd = peak;
  let found = false;
  const tie = 1e-12 * globalMax;
  for (let k = peak + 1; k < binCount; k++) {
    const v = smooth[k] as number;
    if (v < minValue - tie) {
      minValue = v;
      minStart = k;
      minEnd = k;
    } else if (Math.abs(v - minValue) <= tie && minEnd === k - 1) {
      minEnd = k;
    } else if (v - minValue > riseFraction * (peakValue - minValue) && minValue < peakValue) {
      found = true;
      break;
    }
  }
  if (!found) return { found: false, reason: `g(r) does not rise again after the first peak at ${(rA[peak] as number).toFixed(3)} Å within rmax` };
  const minimumBin = (minStart + minEnd) >> 1;
  return {
    found: true,
    peakA: rA[peak] as number,
    minimumA: 0.5 * ((rA[minStart] as number) + (rA[minEnd] as number)),
    minimumBin,
    gAtMinimum: minValue,
    coordination: coord[minimumBin] as number,
  };
}

/** Centred moving average over 2·half + 1 bins, shrinking the window at the ends. */
function movingAverage(values: Float64Array, half: number): Float64Array {
  if (half === 0) return values.slice();
  const n = values.length;
  const prefix = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) prefix[k + 1] = (prefix[k] as number) + (values[k] as number);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const lo = Math.max(0, k - half);
    const hi = Math.min(n - 1, k + half);
    out[k] = ((prefix[hi + 1] as number) - (prefix[lo] as number)) / (hi - lo + 1);
  }
  return out;
}
