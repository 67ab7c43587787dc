/**
 * Crystal orientations of an orthogonal box: which lattice direction lies along x, y and z, the checks that they are
 * orthogonal and right-handed, and the shortest lattice period along each.
 *
 * Cubic lattices take Miller indices [h,k,l]. HCP takes Miller–Bravais [u,v,t,w] (u+v+t = 0) or three-index [U,V,W]
 * along a1, a2, c, and supports [0001] along one box axis with two perpendicular basal directions along the other two
 * — e.g. the orthohexagonal cell [2-1-10] × [01-10] × [0001] in any of its axis permutations, or the basal pair
 * rotated to [11-20] × [-1100]. Orientations with c tilted off a box axis are refused: they are orthogonal only for
 * special c/a, and rounding would make the box subtly non-periodic.
 */
import type { Vec3 } from '../../../main/shared/domain';
import { BuilderInputError } from './builder-input-error';
import { periodMultiplier, type LatticeCell, type LatticeKind } from './lattice';
import { determinant, dot, matVec, norm, scaled, transpose, type Mat3 } from './vector-math';

export type MillerDirection = readonly [number, number, number] | readonly [number, number, number, number];

/** Lattice directions along the box axes x, y, z. */
export interface Orientation {
  x: MillerDirection;
  y: MillerDirection;
  z: MillerDirection;
}

export const CUBE_ORIENTATION: Readonly<Orientation> = { x: [1, 0, 0], y: [0, 1, 0], z: [0, 0, 1] };
/** The orthohexagonal cell: a × √3·a × c with 4 atoms. */
export const ORTHOHEXAGONAL_ORIENTATION: Readonly<Orientation> = { x: [2, -1, -1, 0], y: [0, 1, -1, 0], z: [0, 0, 0, 1] };

export function defaultOrientation(kind: LatticeKind): Orientation {
  return kind === 'hcp' ? ORTHOHEXAGONAL_ORIENTATION : CUBE_ORIENTATION;
}

export interface ResolvedOrientation {
  /** Unit vectors of the box axes x, y, z in the crystal frame (rows): box coordinate k of r is axes[k] · r. */
  axes: Mat3;
  /** Shortest lattice translation along each box axis in Å: a periodic box is a whole number of these. */
  periodsA: Vec3;
}

const AXIS_NAMES = ['x', 'y', 'z'] as const;

export function formatDirection(direction: MillerDirection): string {
  return `[${direction.join(',')}]`;
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Integer indices along the conventional edges, divided by their common factor ([2,2,0] → [1,1,0]). */
export function latticeIndices(kind: LatticeKind, direction: MillerDirection, axis: string): Vec3 {
  const shown = `${axis}=${formatDirection(direction)}`;
  if (!direction.every((v) => Number.isInteger(v))) throw new BuilderInputError(`orientation ${shown}: indices must be integers`);
  let indices: Vec3;
  if (direction.length === 4) {
    if (kind !== 'hcp') throw new BuilderInputError(`orientation ${shown}: four-index directions are for HCP only; give [h,k,l]`);
    const [u, v, t, w] = direction;
    if (u + v + t !== 0) throw new BuilderInputError(`orientation ${shown}: a Miller–Bravais direction needs u + v + t = 0`);
    indices = [u - t, v - t, w];
  } else {
    indices = [direction[0], direction[1], direction[2]];
  }
  const common = gcd(gcd(indices[0], indices[1]), indices[2]);
  if (common === 0) throw new BuilderInputError(`orientation ${shown} is the zero vector`);
  return [indices[0] / common, indices[1] / common, indices[2] / common];
}

/**
 * Orthogonality in exact integer arithmetic. Cubic: h1h2 + k1k2 + l1l2 = 0. Hexagonal (a1·a2 = −a²/2): the basal part
 * 2(U1U2 + V1V2) − (U1V2 + V1U2) and the c part W1W2 must both vanish, so the answer holds for every c/a.
 */
function integerOrthogonal(kind: LatticeKind, d1: Vec3, d2: Vec3): boolean {
  if (kind !== 'hcp') return dot(d1, d2) === 0;
  const basal = 2 * (d1[0] * d2[0] + d1[1] * d2[1]) - (d1[0] * d2[1] + d1[1] * d2[0]);
  return basal === 0 && d1[2] * d2[2] === 0;
}

/** Checks `orient` against the lattice (orthogonal, right-handed) and returns the box axes and periods. */
export function resolveOrientation(cell: LatticeCell, orient: Orientation): ResolvedOrientation {
  const given = [orient.x, orient.y, orient.z] as const;
  const indices = given.map((d, k) => latticeIndices(cell.kind, d, AXIS_NAMES[k] as string)) as [Vec3, Vec3, Vec3];
  for (const [i, j] of [[0, 1], [0, 2], [1, 2]] as const) {
    if (!integerOrthogonal(cell.kind, indices[i], indices[j])) {
      const hint = cell.kind === 'hcp' ? ' (HCP needs [0001] along one axis and two perpendicular basal directions)' : '';
      throw new BuilderInputError(
        `orientation ${AXIS_NAMES[i]}=${formatDirection(given[i])}, ${AXIS_NAMES[j]}=${formatDirection(given[j])} is not orthogonal${hint}`,
      );
    }
  }
  // Crystal-frame vectors of the directions: Σ index_i · edge_i.
  const edgesT = transpose(cell.edgesA);
  const vectors = indices.map((d) => matVec(edgesT, d)) as [Vec3, Vec3, Vec3];
  if (determinant(vectors) < 0) {
    const [x, y, z] = given.map(formatDirection);
    throw new BuilderInputError(
      `orientation x=${x}, y=${y}, z=${z} is left-handed (x × y points along −z); reverse one direction`,
    );
  }
  const periodsA = indices.map((d, k) => periodMultiplier(cell, d) * norm(vectors[k] as Vec3)) as Vec3;
  const axes = vectors.map((v) => scaled(v, 1 / norm(v))) as Mat3;
  return { axes, periodsA };
}

