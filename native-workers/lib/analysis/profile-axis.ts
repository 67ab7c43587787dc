/**
 * Coordinates of atoms along a profile axis (x, y, z or any direction), whether that axis is periodic (and with what
 * period), the slab cross-section, the default grid of window centres, and sorted lookups of which atoms fall in a
 * window [g − h, g + h] — the geometry shared by sliding profiles, motif densities and region detection.
 */
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { cellVolume, dot, norm } from '../structure-io/cell-math';
import { LimitExceeded, MAX_PROFILE_POSITIONS } from '../../../main/shared/limits';

export type ProfileAxis = 'x' | 'y' | 'z' | Vec3;

export interface AxisFrame {
  /** Unit vector of the axis. */
  unit: Vec3;
  /** Per-atom coordinate u · r in Å, wrapped into [startA, startA + periodA) when the axis is periodic. */
  coordinateA: Float64Array;
  /** Period along the axis (Å) when the cell repeats along it, else null. */
  periodA: number | null;
  /** Range of the axis: the cell's extent when it is a slab along the axis, else the atoms' extent. */
  startA: number;
  endA: number;
  /** Area of the slab perpendicular to the axis (|V| / extent), Å², or null when the cell is not a slab along it. */
  crossSectionA2: number | null;
}

export interface AxisFrameOptions {
  /** Override: treat the axis as periodic or not (default: periodic when the cell is a periodic slab along it). */
  periodic?: boolean;
}

function unitOf(axis: ProfileAxis): Vec3 {
  if (axis === 'x') return [1, 0, 0];
  if (axis === 'y') return [0, 1, 0];
  if (axis === 'z') return [0, 0, 1];
  const length = norm(axis);
  if (!(length > 0) || !Number.isFinite(length)) throw new Error('the profile axis must be a non-zero vector');
  return [axis[0] / length, axis[1] / length, axis[2] / length];
}

/**
 * Projects atoms onto the axis. The cell is a slab along unit vector u when two of its edge vectors are
 * perpendicular to u; then coordinates repeat with period |u · v| (v = the third edge) if v is periodic, which is
 * exactly when a sliding window may wrap around. Any other direction is treated as non-periodic.
 */
export function axisFrame(positions: Float64Array, cell: Cell, axis: ProfileAxis, options: AxisFrameOptions = {}): AxisFrame {
  const unit = unitOf(axis);
  const n = positions.length / 3;
  const edges = [cell.a, cell.b, cell.c];
  const along = edges.map((v) => dot(unit, v));
  const perpendicular = edges.map((v, k) => Math.abs(along[k] as number) <= 1e-9 * Math.max(norm(v), 1e-300));
  const perpendicularCount = perpendicular.filter(Boolean).length;
  const slabEdge = perpendicularCount === 2 ? perpendicular.indexOf(false) : -1;

  const coordinateA = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    coordinateA[i] = unit[0] * (positions[3 * i] as number) + unit[1] * (positions[3 * i + 1] as number) + unit[2] * (positions[3 * i + 2] as number);
  }

  let periodA: number | null = null;
  let startA: number;
  let endA: number;
  let crossSectionA2: number | null = null;
  if (slabEdge >= 0) {
    const extent = along[slabEdge] as number;
    const origin = dot(unit, cell.origin);
    startA = origin + Math.min(0, extent);
    endA = startA + Math.abs(extent);
    crossSectionA2 = Math.abs(cellVolume(cell)) / Math.abs(extent);
    const periodic = options.periodic ?? cell.pbc[slabEdge] ?? false;
    if (periodic) periodA = Math.abs(extent);
  } else {
    if (options.periodic) throw new Error('the axis is periodic only when two cell edges are perpendicular to it');
    startA = Infinity;
    endA = -Infinity;
    for (let i = 0; i < n; i++) {
      startA = Math.min(startA, coordinateA[i] as number);
      endA = Math.max(endA, coordinateA[i] as number);
    }
    if (n === 0) {
      startA = 0;
      endA = 0;
    }
  }
  if (periodA !== null) {
    for (let i = 0; i < n; i++) coordinateA[i] = wrapInto(coordinateA[i] as number, startA, periodA);
  }
  return { unit, coordinateA, periodA, startA, endA, crossSectionA2 };
}

/** x wrapped into [start, start + period). */
export function wrapInto(x: number, start: number, period: number): number {
  let w = x - period * Math.floor((x - start) / period);
  // Rounding can land exactly on the upper end; that point is the lower end.
  if (w >= start + period) w -= period;
  if (w < start) w = start;
  return w;
}

/**
 * Default window centres: on a periodic axis, `count` = round(period / stepA) points k · period / count from the
 * start (the step is adjusted so the grid closes on itself); otherwise startA, startA + stepA, … ≤ endA.
 */
export function profileGrid(frame: AxisFrame, stepA: number): Float64Array {
  if (!(stepA > 0)) throw new Error(`stepA must be positive (got ${stepA})`);
  const period = frame.periodA;
  const count = period !== null ? Math.max(1, Math.round(period / stepA)) : Math.floor((frame.endA - frame.startA) / stepA + 1e-9) + 1;
  // Counted before allocating: a step typed a thousand times too small must not fill the memory.
  if (!(count <= MAX_PROFILE_POSITIONS)) {
    throw new LimitExceeded(`window positions at a ${stepA} Å step`, count, MAX_PROFILE_POSITIONS, 'use a larger step');
  }
  if (period !== null) return Float64Array.from({ length: count }, (_, k) => frame.startA + (k * period) / count);
  return Float64Array.from({ length: count }, (_, k) => frame.startA + k * stepA);
}

/**
 * Atoms of a subset sorted by axis coordinate, with periodic copies (x ± period) of those within a half-window of
 * either end, so that every window [g − h, g + h] with g in the axis range is one contiguous index range.
 */
export class SortedAxisPoints {
  /** Sorted coordinates (with copies). */
  readonly coordinateA: Float64Array;
  /** Atom index of each sorted entry. */
  readonly atom: Int32Array;

  constructor(
    private readonly frame: AxisFrame,
    atoms: ArrayLike<number>,
    readonly halfWindowA: number,
  ) {
    if (!(halfWindowA > 0)) throw new Error(`the window must be positive (got ${2 * halfWindowA} Å)`);
    const p = frame.periodA;
    if (p !== null && 2 * halfWindowA >= p) {
      throw new Error(`the window (${2 * halfWindowA} Å) must be shorter than the period along the axis (${p} Å)`);
    }
    const entries: Array<[number, number]> = [];
    for (let k = 0; k < atoms.length; k++) {
      const i = atoms[k] as number;
      const x = frame.coordinateA[i] as number;
      entries.push([x, i]);
      if (p !== null) {
        if (x <= frame.startA + halfWindowA) entries.push([x + p, i]);
        if (x >= frame.startA + p - halfWindowA) entries.push([x - p, i]);
      }
    }
    entries.sort((u, v) => u[0] - v[0] || u[1] - v[1]);
    this.coordinateA = Float64Array.from(entries, (e) => e[0]);
    this.atom = Int32Array.from(entries, (e) => e[1]);
  }

  /** The window centre as used for lookups: wrapped into the axis range on a periodic axis. */
  centre(gA: number): number {
    return this.frame.periodA === null ? gA : wrapInto(gA, this.frame.startA, this.frame.periodA);
  }

  /** [lo, hi): sorted entries with g − h ≤ x ≤ g + h (g wrapped first on a periodic axis). */
  window(gA: number): [number, number] {
    const g = this.centre(gA);
    return [lowerBound(this.coordinateA, g - this.halfWindowA), upperBound(this.coordinateA, g + this.halfWindowA)];
  }

  count(gA: number): number {
    const [lo, hi] = this.window(gA);
    return hi - lo;
  }
}

/** First index with a[i] ≥ x. */
export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] > x. */
export function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Indices 0 … n−1 where `mask` is non-zero (all when there is no mask). */
export function selectedAtoms(n: number, mask?: ArrayLike<number>): Int32Array {
  if (!mask) return Int32Array.from({ length: n }, (_, i) => i);
  if (mask.length !== n) throw new Error(`the mask has ${mask.length} entries for ${n} atoms`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (mask[i]) out.push(i);
  return Int32Array.from(out);
}
