/**
 * The reciprocal-space grid of one NBED pattern: its size from kmax and Δk, and the in-plane basis (u, v) of a zone
 * axis w, so that node (i, j) sits at K = Δk·(i·u + j·v) (DESIGN.md "Kinematic NBED pattern").
 */
import { MAX_PATTERN_SIDE, patternSide, zoneBasis as sharedZoneBasis, type PatternGridParams, type ZoneAxis, type ZoneBasis } from '../../../main/shared/diffraction';

/** A zone axis w with the right-handed orthonormal in-plane basis (u, v): u × v = w. */
export type { ZoneBasis };

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

/** The shared zone basis (main/shared/diffraction.ts), with its complaints as PatternGridError. */
export function zoneBasis(zone: ZoneAxis): ZoneBasis {
  try {
    return sharedZoneBasis(zone);
  } catch (error) {
    throw new PatternGridError((error as Error).message);
  }
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
