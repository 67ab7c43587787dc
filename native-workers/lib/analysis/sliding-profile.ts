/**
 * Sliding-window profile of a per-atom value along an axis (papers/000 Fig. 2c–d: a 2 Å window, ±1 Å, around each
 * position): count, mean and percentiles (NumPy 'linear') of the atoms whose coordinate lies in [g − h, g + h].
 * One sweep over the sorted atoms with an order-statistics tree: O((N + G) log N), not O(N · G).
 */
import type { Cell } from '../../../main/shared/domain';
import { percentileOfRanked } from './percentile';
import { axisFrame, profileGrid, selectedAtoms, SortedAxisPoints, type AxisFrame, type ProfileAxis } from './profile-axis';

export interface SlidingProfileOptions {
  axis: ProfileAxis;
  /** Full window width, Å (default 2: ±1 Å as in the paper). The window is closed: |x − g| ≤ windowA / 2. */
  windowA?: number;
  /** Grid step, Å (default 0.5); on a periodic axis adjusted to divide the period (see profileGrid). */
  stepA?: number;
  /** Explicit window centres (Å along the axis); overrides stepA. */
  gridA?: ArrayLike<number>;
  /** Extra percentiles to report besides the 5th and 95th. */
  percentiles?: number[];
  /** Only atoms with a non-zero entry contribute (e.g. one species). */
  mask?: ArrayLike<number>;
  /** Treat the axis as periodic or not (default: periodic when the cell is a periodic slab along it). */
  periodic?: boolean;
}

export interface SlidingProfile {
  gridA: Float64Array;
  windowA: number;
  /** Period of the axis when windows wrap around, else null. */
  periodA: number | null;
  /** Atoms in each window (atoms with a non-finite value are left out everywhere). */
  count: Int32Array;
  mean: Float64Array;
  p5: Float64Array;
  p95: Float64Array;
  /** The extra percentiles asked for, in the order asked. */
  percentiles: Array<{ percent: number; values: Float64Array }>;
}

/** Fenwick tree of counts over value ranks, with "k-th smallest" by binary lifting. */
class RankCounts {
  private readonly tree: Int32Array;
  private readonly top: number;

  constructor(private readonly size: number) {
    this.tree = new Int32Array(size + 1);
    let top = 1;
    while (top * 2 <= size) top *= 2;
    this.top = top;
  }

  add(rank: number, delta: number): void {
    for (let i = rank + 1; i <= this.size; i += i & -i) this.tree[i] = (this.tree[i] as number) + delta;
  }

  /** Rank of the k-th smallest element present (k 0-based). */
  kth(k: number): number {
    let pos = 0;
    let remaining = k + 1;
    for (let step = this.top; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= this.size && (this.tree[next] as number) < remaining) {
        pos = next;
        remaining -= this.tree[next] as number;
      }
    }
    return pos;
  }
}

/** Profile of `values` (one per atom) along the axis; see SlidingProfileOptions. */
export function slidingProfile(positions: Float64Array, cell: Cell, values: ArrayLike<number>, options: SlidingProfileOptions): SlidingProfile {
  const n = positions.length / 3;
  if (values.length !== n) throw new Error(`values has ${values.length} entries for ${n} atoms`);
  const frame = axisFrame(positions, cell, options.axis, options.periodic === undefined ? {} : { periodic: options.periodic });
  return slidingProfileInFrame(frame, values, options);
}

/** As slidingProfile, for an axis frame already computed (several profiles along the same axis share one). */
export function slidingProfileInFrame(frame: AxisFrame, values: ArrayLike<number>, options: Omit<SlidingProfileOptions, 'axis' | 'periodic'>): SlidingProfile {
  const windowA = options.windowA ?? 2;
  const gridA = options.gridA ? Float64Array.from(options.gridA) : profileGrid(frame, options.stepA ?? 0.5);
  const extra = options.percentiles ?? [];
  const n = frame.coordinateA.length;
  const chosen = selectedAtoms(n, options.mask).filter((i) => Number.isFinite(values[i] as number));
  const points = new SortedAxisPoints(frame, chosen, windowA / 2);

  // Ranks of the chosen atoms' values (ties broken by atom index, so ranks are unique).
  const byValue = Int32Array.from(chosen).sort((i, j) => (values[i] as number) - (values[j] as number) || i - j);
  const rankOf = new Int32Array(n).fill(-1);
  byValue.forEach((atom, rank) => (rankOf[atom] = rank));
  const sortedValues = Float64Array.from(byValue, (i) => values[i] as number);

  // Prefix sums along the sorted axis order give each window's sum without drift from repeated add/remove.
  const m = points.atom.length;
  const prefix = new Float64Array(m + 1);
  for (let k = 0; k < m; k++) prefix[k + 1] = (prefix[k] as number) + (values[points.atom[k] as number] as number);

  const g = gridA.length;
  const count = new Int32Array(g);
  const mean = new Float64Array(g);
  const p5 = new Float64Array(g);
  const p95 = new Float64Array(g);
  const extraValues = extra.map(() => new Float64Array(g));

  // Visit windows in ascending (wrapped) centre order so both ends of the window only move forward.
  const order = Int32Array.from({ length: g }, (_, k) => k).sort(
    (u, v) => points.centre(gridA[u] as number) - points.centre(gridA[v] as number) || u - v,
  );
  const tree = new RankCounts(Math.max(1, byValue.length));
  let lo = 0;
  let hi = 0;
  for (const k of order) {
    const [newLo, newHi] = points.window(gridA[k] as number);
    for (let e = lo; e < Math.min(hi, newLo); e++) tree.add(rankOf[points.atom[e] as number] as number, -1);
    for (let e = Math.max(hi, newLo); e < newHi; e++) tree.add(rankOf[points.atom[e] as number] as number, +1);
    lo = newLo;
    hi = newHi;
    const c = hi - lo;
    count[k] = c;
    mean[k] = c > 0 ? ((prefix[hi] as number) - (prefix[lo] as number)) / c : Number.NaN;
    const valueAt = (r: number): number => sortedValues[tree.kth(r)] as number;
    p5[k] = percentileOfRanked(c, 5, valueAt);
    p95[k] = percentileOfRanked(c, 95, valueAt);
    extra.forEach((percent, e) => ((extraValues[e] as Float64Array)[k] = percentileOfRanked(c, percent, valueAt)));
  }
  return {
    gridA,
    windowA,
    periodA: frame.periodA,
    count,
    mean,
    p5,
    p95,
    percentiles: extra.map((percent, e) => ({ percent, values: extraValues[e] as Float64Array })),
  };
}
