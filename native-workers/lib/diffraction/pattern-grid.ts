/**
 * The reciprocal-space grid of one NBED pattern: its size from kmax and Δk, and the in-plane basis (u, v) of a zone
 * axis w, so that node (i, j) sits at K = Δk·(i·u + j·v) (DESIGN.md "Kinematic NBED pattern").
 */
import { MAX_PATTERN_SIDE, patternSide, type PatternGridParams, type ZoneAxis } from '../../../main/shared/diffraction';
import type { Vec3 } from '../../../main/shared/domain';

/** A zone axis w with the right-handed orthonormal in-plane basis (u, v): u × v = w. */
export interface ZoneBasis {
  u: Vec3;
  v: Vec3;
  w: Vec3;
}

export interface PatternGrid extends ZoneBasis {
  kmaxInvA: number;
  deltaKInvA: number;
  /** Nodes per half-axis: i, j ∈ [−n, n]. */
  n: number;
  /** 2n + 1. */
  side: number;
}

/** Grid parameters or a zone axis that cannot make a pattern; the message says which value and why. */
export class PatternGridError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternGridError';
  }
}

/** Checks kmax and Δk and returns the side, refusing patterns too large to be sensible before any work is done. */
export function checkedPatternSide(params: PatternGridParams): number {
  const { kmaxInvA, deltaKInvA } = params;
  if (!Number.isFinite(kmaxInvA) || kmaxInvA <= 0) throw new PatternGridError(`kmax must be a positive number of Å⁻¹, got ${kmaxInvA}`);
  if (!Number.isFinite(deltaKInvA) || deltaKInvA <= 0) throw new PatternGridError(`Δk must be a positive number of Å⁻¹, got ${deltaKInvA}`);
  // Compared before patternSide so that an absurd ratio cannot allocate anything.
  if (kmaxInvA / deltaKInvA > MAX_PATTERN_SIDE) {
    throw new PatternGridError(`kmax/Δk = ${kmaxInvA}/${deltaKInvA} gives a pattern wider than ${MAX_PATTERN_SIDE} pixels; raise Δk or lower kmax`);
  }
  const side = patternSide(params);
  if (side > MAX_PATTERN_SIDE) {
    throw new PatternGridError(`kmax/Δk = ${kmaxInvA}/${deltaKInvA} gives ${side} × ${side} pixels, more than ${MAX_PATTERN_SIDE} per side; raise Δk or lower kmax`);
  }
  if (side < 3) throw new PatternGridError(`Δk = ${deltaKInvA} Å⁻¹ is not smaller than kmax = ${kmaxInvA} Å⁻¹: the pattern would be one pixel`);
  return side;
}

function normalised(v: readonly number[], what: string): Vec3 {
  if (v.length !== 3 || !v.every((x) => Number.isFinite(x))) throw new PatternGridError(`${what} must be three finite numbers`);
  const length = Math.hypot(v[0] as number, v[1] as number, v[2] as number);
  if (!(length > 0)) throw new PatternGridError(`${what} must not be the zero vector`);
  return [(v[0] as number) / length, (v[1] as number) / length, (v[2] as number) / length];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/**
 * The in-plane basis of a zone axis. Cartesian axes follow the design: z → (x, y), x → (y, z), y → (z, x).
 * Any other direction w (normalised) uses the same rule generalised: take k = the axis of the largest |w_k| (the
 * first on ties), e = the Cartesian axis after it (x → y → z → x), u = e − (e·w)w normalised, v = w × u. This gives
 * back exactly the Cartesian bases for [1,0,0], [0,1,0], [0,0,1] and e.g. u = [−1,1,0]/√2, v = [0,0,1] for [110];
 * the basis jumps only where the largest component changes, which a user choosing a zone axis never notices.
 */
export function zoneBasis(zone: ZoneAxis): ZoneBasis {
  if (zone === 'z') return { u: [1, 0, 0], v: [0, 1, 0], w: [0, 0, 1] };
  if (zone === 'x') return { u: [0, 1, 0], v: [0, 0, 1], w: [1, 0, 0] };
  if (zone === 'y') return { u: [0, 0, 1], v: [1, 0, 0], w: [0, 1, 0] };
  if (typeof zone === 'string') throw new PatternGridError(`zone axis must be x, y, z or a direction, got "${String(zone)}"`);
  const w = normalised(zone, 'the zone axis');
  const ax = Math.abs(w[0]);
  const ay = Math.abs(w[1]);
  const az = Math.abs(w[2]);
  const k = ax >= ay && ax >= az ? 0 : ay >= az ? 1 : 2;
  const e: Vec3 = [0, 0, 0];
  e[(k + 1) % 3] = 1;
  const ew = e[0] * w[0] + e[1] * w[1] + e[2] * w[2];
  const u = normalised([e[0] - ew * w[0], e[1] - ew * w[1], e[2] - ew * w[2]], 'the in-plane axis u');
  return { u, v: cross(w, u), w };
}

/** The grid of a pattern: size checked, basis of the zone axis. */
export function patternGrid(params: PatternGridParams, zone: ZoneAxis): PatternGrid {
  const side = checkedPatternSide(params);
  return { kmaxInvA: params.kmaxInvA, deltaKInvA: params.deltaKInvA, n: (side - 1) / 2, side, ...zoneBasis(zone) };
}

/**
 * True when node (i, j) lies inside the kmax circle on the flat plane: |K|² = (i² + j²)·Δk² < kmax² (LAMMPS
 * `compute saed` keeps nodes with |K| < Kmax). Computed from the integer i² + j² so that it depends on the ring only.
 */
export function insideKmax(ringIndex: number, grid: Pick<PatternGrid, 'kmaxInvA' | 'deltaKInvA'>): boolean {
  return ringIndex * grid.deltaKInvA * grid.deltaKInvA < grid.kmaxInvA * grid.kmaxInvA;
}

/** Flat index of node (i, j) in a side × side image: row = j + n (row 0 = most negative v), column = i + n. */
export function pixelIndex(grid: Pick<PatternGrid, 'n' | 'side'>, i: number, j: number): number {
  return (j + grid.n) * grid.side + (i + grid.n);
}
