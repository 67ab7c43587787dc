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

export interface ZoneBasis {
  u: Vec3;
  v: Vec3;
  w: Vec3;
}

function unitVector(v: readonly number[], what: string): Vec3 {
  if (v.length !== 3 || !v.every((x) => Number.isFinite(x))) throw new Error(`${what} must be three finite numbers`);
  const length = Math.hypot(v[0] as number, v[1] as number, v[2] as number);
  if (!(length > 0)) throw new Error(`${what} must not be the zero vector`);
  return [(v[0] as number) / length, (v[1] as number) / length, (v[2] as number) / length];
}

/**
 * The in-plane basis of a zone axis, the one rule the engine, the scans and the GUI share. Cartesian axes follow
 * the design: z → (x, y), x → (y, z), y → (z, x). Any other direction w (normalised): k = the axis of the largest
 * |w_k| (the first on ties), e = the Cartesian axis after it (x → y → z → x), u = e − (e·w)w normalised, v = w × u.
 * This gives back exactly the Cartesian bases for [1,0,0], [0,1,0], [0,0,1], and u = [−1,1,0]/√2, v = [0,0,1] for [110].
 */
export function zoneBasis(zone: ZoneAxis): ZoneBasis {
  if (zone === 'z') return { u: [1, 0, 0], v: [0, 1, 0], w: [0, 0, 1] };
  if (zone === 'x') return { u: [0, 1, 0], v: [0, 0, 1], w: [1, 0, 0] };
  if (zone === 'y') return { u: [0, 0, 1], v: [1, 0, 0], w: [0, 1, 0] };
  if (typeof zone === 'string') throw new Error(`zone axis must be x, y, z or a direction, got "${String(zone)}"`);
  const w = unitVector(zone, 'the zone axis');
  const ax = Math.abs(w[0]);
  const ay = Math.abs(w[1]);
  const az = Math.abs(w[2]);
  const k = ax >= ay && ax >= az ? 0 : ay >= az ? 1 : 2;
  const e: Vec3 = [0, 0, 0];
  e[(k + 1) % 3] = 1;
  const ew = e[0] * w[0] + e[1] * w[1] + e[2] * w[2];
  const u = unitVector([e[0] - ew * w[0], e[1] - ew * w[1], e[2] - ew * w[2]], 'the in-plane axis u');
  const v: Vec3 = [w[1] * u[2] - w[2] * u[1], w[2] * u[0] - w[0] * u[2], w[0] * u[1] - w[1] * u[0]];
  return { u, v, w };
}
