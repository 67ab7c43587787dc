/**
 * Simulated NBED: the parameters every process agrees on (papers/000 §2.3, DESIGN.md "Kinematic NBED pattern").
 * A pattern is I(K) on the plane through the origin perpendicular to the zone axis, K = Δk·(i·u + j·v).
 */
import type { Vec3 } from './domain';

/** Defaults of the paper: kmax = 1.0 Å⁻¹, Δk = 0.015 Å⁻¹ → 133 × 133. */
export const DEFAULT_KMAX_INV_A = 1.0;
export const DEFAULT_DELTA_K_INV_A = 0.015;
/** Patterns larger than this per side are refused before any work (memory and time would be absurd). */
export const MAX_PATTERN_SIDE = 2049;

/** Zone axis: a Cartesian axis or any direction. Zone z → (u, v) = (x, y); x → (y, z); y → (z, x). */
export type ZoneAxis = 'x' | 'y' | 'z' | Vec3;

export type ProbeShape =
  /** Cylinder with its axis along the zone axis (paper default r = 5 Å, h = 20 Å). */
  | { kind: 'cylinder'; radiusA: number; heightA: number }
  /** Ellipsoid with semi-axes along u, v and the zone axis. */
  | { kind: 'ellipsoid'; semiAxesA: Vec3 }
  /** One-layer cluster: the atom nearest the centre and its 12 nearest neighbours. */
  | { kind: 'cluster' };

export interface PatternGridParams {
  kmaxInvA: number;
  deltaKInvA: number;
}

/** Side of the square pattern: 2·floor(kmax/Δk) + 1 (133 for the defaults). */
export function patternSide(grid: PatternGridParams): number {
  return 2 * Math.floor(grid.kmaxInvA / grid.deltaKInvA + 1e-9) + 1;
}

/**
 * How a raw pattern becomes a model input (papers/000: "log-transformed and normalized to the [0,1] range"):
 * L = log(max(I, 1)), then (L − min L) / (max L − min L) over the pattern (all zeros when max L = min L).
 * Recorded with every dataset and model so experiment and simulation are treated alike.
 */
export const MODEL_INPUT_TRANSFORM = 'log1-minmax' as const;
