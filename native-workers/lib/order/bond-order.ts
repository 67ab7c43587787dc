/**
 * Steinhardt bond-orientational order per atom from its 12 nearest neighbours (papers/000 eq. 1–3, DESIGN.md):
 * Q4, Q6, 1 − Q6 and the disorder parameter d_i, equal to LAMMPS `compute orientorder/atom nnn 12 degrees 2 4 6
 * components 6` (d_i formed from its normalised q̂_6m components).
 */
import type { AtomsInput } from '../neighbors/atoms-input';
import { NearestNeighborQuery, gridForNearest } from '../neighbors/nearest-neighbors';
import { STOP_CHECK_ATOMS, type CheckpointOptions } from './checkpoint';
import { Y4Y6_LENGTH, Y6_OFFSET, sumY4Y6 } from './spherical-harmonics';

/** The papers' neighbour shell: the 12 nearest atoms. */
export const BOND_ORDER_NEIGHBORS = 12;

/**
 * Below this Q6 the normalised q̂_6 is taken as zero (so s_ij = 0), exactly as LAMMPS's QEPSILON does for its
 * components; only reachable for pathological neighbour shells.
 */
export const Q6_NORMALISABLE = 1e-6;

export interface BondOrder {
  /** Disorder parameter d_i = 1 − (1/k) Σ_j Re Σ_m q̂_6m(i) q̂*_6m(j): crystal ≈ 0, liquid ≈ 1. */
  d: Float64Array;
  q4: Float64Array;
  q6: Float64Array;
  oneMinusQ6: Float64Array;
}

export interface BondOrderOptions extends CheckpointOptions {
  /** Neighbours per atom; the papers use 12 (default). Other values serve tests, e.g. BCC's 8 + 6 shell. */
  neighborCount?: number;
}

/** Packed q̂_6m (m = 0 … 6) per atom: Re q̂_60, then Re/Im for m = 1 … 6. */
const Q6_COMPONENTS = 13;

/**
 * Q4, Q6, 1 − Q6 and d_i of every atom (periodic, any box size). Two passes: the first finds each atom's
 * neighbours and its q_4m, q_6m; the second averages the neighbours' q̂_6. Work arrays are kept in the neighbour
 * grid's slot order (atoms of a bin together) so that the second pass reads memory that is close together.
 */
export function bondOrientationalOrder(input: AtomsInput, options: BondOrderOptions = {}): BondOrder {
  const k = options.neighborCount ?? BOND_ORDER_NEIGHBORS;
  const grid = gridForNearest(input, k);
  const n = grid.atomCount;
  const query = new NearestNeighborQuery(grid, k);
  const atomOfSlot = grid.atomOfSlot;

  const neighborSlots = new Int32Array(n * k);
  const qHat6 = new Float64Array(n * Q6_COMPONENTS);
  const q4 = new Float64Array(n);
  const q6 = new Float64Array(n);
  const oneMinusQ6 = new Float64Array(n);
  const d = new Float64Array(n);

  const sums = new Float64Array(Y4Y6_LENGTH);
  const norm4 = Math.sqrt((4 * Math.PI) / 9) / k;
  const norm6 = Math.sqrt((4 * Math.PI) / 13) / k;
  const { dx, dy, dz, slot: found } = query;

  const checkpoint = options.checkpoint;
  for (let start = 0; start < n; start += STOP_CHECK_ATOMS) {
    checkpoint?.();
    const end = Math.min(n, start + STOP_CHECK_ATOMS);
    for (let slot = start; slot < end; slot++) {
      query.find(slot);
      sumY4Y6(dx, dy, dz, k, sums);
      const row = slot * k;
      for (let m = 0; m < k; m++) neighborSlots[row + m] = found[m] as number;
      // Σ_m |q_lm|² over m = −l … l = |q_l0|² + 2 Σ_{m>0} |q_lm|², because |q_l,−m| = |q_lm|.
      let sum4 = (sums[0] as number) * (sums[0] as number);
      for (let c = 1; c < 9; c++) sum4 += 2 * (sums[c] as number) * (sums[c] as number);
      let sum6 = (sums[Y6_OFFSET] as number) * (sums[Y6_OFFSET] as number);
      for (let c = 1; c < Q6_COMPONENTS; c++) sum6 += 2 * (sums[Y6_OFFSET + c] as number) * (sums[Y6_OFFSET + c] as number);
      const atom = atomOfSlot[slot] as number;
      const bigQ6 = norm6 * Math.sqrt(sum6);
      q4[atom] = norm4 * Math.sqrt(sum4);
      q6[atom] = bigQ6;
      oneMinusQ6[atom] = 1 - bigQ6;
      // q̂ = q/|q|: the 1/k of the average cancels, so normalise the sums directly.
      const scale = bigQ6 < Q6_NORMALISABLE ? 0 : 1 / Math.sqrt(sum6);
      const base = slot * Q6_COMPONENTS;
      for (let c = 0; c < Q6_COMPONENTS; c++) qHat6[base + c] = (sums[Y6_OFFSET + c] as number) * scale;
    }
  }

  // s_ij = Re Σ_{m=−6…6} q̂_6m(i) q̂*_6m(j) = q̂_60(i) q̂_60(j) + 2 Σ_{m>0} (Re·Re + Im·Im), by the same symmetry.
  const inverseK = 1 / k;
  for (let start = 0; start < n; start += STOP_CHECK_ATOMS) {
    checkpoint?.();
    const end = Math.min(n, start + STOP_CHECK_ATOMS);
    for (let slot = start; slot < end; slot++) {
      const base = slot * Q6_COMPONENTS;
      const row = slot * k;
      let sumS = 0;
      for (let m = 0; m < k; m++) {
        const other = (neighborSlots[row + m] as number) * Q6_COMPONENTS;
        let cross = 0;
        for (let c = 1; c < Q6_COMPONENTS; c++) cross += (qHat6[base + c] as number) * (qHat6[other + c] as number);
        sumS += (qHat6[base] as number) * (qHat6[other] as number) + 2 * cross;
      }
      d[atomOfSlot[slot] as number] = 1 - sumS * inverseK;
    }
  }
  return { d, q4, q6, oneMinusQ6 };
}
