/** The sites of a (possibly rotated) crystal that fall inside a ball: what a spherical nanocrystal is made of. */
import type { Vec3 } from '../../../main/shared/domain';
import type { LatticeCell } from './lattice';
import { inverse, matMul, matVec, norm, transpose, type Mat3 } from './vector-math';

/** Sites on the sphere up to this relative slack count as inside (closed ball, as LAMMPS's sphere region). */
const SURFACE_SLACK = 1e-10;

/**
 * Positions (Å, box frame, not wrapped) of the crystal sites within `radiusA` of `centerA`, the crystal placed so
 * that basis atom `anchorBasis` of one cell sits at `anchorA`. `crystalToBox` takes crystal-frame vectors to the box
 * frame (the orientation's axes, then any rotation).
 */
export function crystalSitesInBall(
  cell: LatticeCell,
  crystalToBox: Mat3,
  anchorA: Vec3,
  anchorBasis: number,
  centerA: Vec3,
  radiusA: number,
): Float64Array {
  // Columns of `toBox` are the conventional edges in the box frame.
  const toBox = matMul(crystalToBox, transpose(cell.edgesA));
  const toFractional = inverse(toBox);
  const shift = cell.basis[anchorBasis] as Vec3;
  const rel: Vec3 = [centerA[0] - anchorA[0], centerA[1] - anchorA[1], centerA[2] - anchorA[2]];
  const centerFraction = matVec(toFractional, rel);
  const ranges = [0, 1, 2].map((i) => {
    // A ball of radius R spans R·|g_i| in fractional coordinate i (g_i: row i of the inverse, a reciprocal vector).
    const half = radiusA * norm(toFractional[i] as Vec3);
    const c = (centerFraction[i] as number) + (shift[i] as number);
    return [Math.floor(c - half) - 1, Math.ceil(c + half) + 1] as const;
  });
  const limitSq = radiusA * radiusA * (1 + SURFACE_SLACK);
  const sites: number[] = [];
  for (let n0 = ranges[0]![0]; n0 <= ranges[0]![1]; n0++) {
    for (let n1 = ranges[1]![0]; n1 <= ranges[1]![1]; n1++) {
      for (let n2 = ranges[2]![0]; n2 <= ranges[2]![1]; n2++) {
        for (const b of cell.basis) {
          const d = matVec(toBox, [n0 + b[0] - shift[0], n1 + b[1] - shift[1], n2 + b[2] - shift[2]]);
          const x = anchorA[0] + d[0];
          const y = anchorA[1] + d[1];
          const z = anchorA[2] + d[2];
          const dx = x - centerA[0];
          const dy = y - centerA[1];
          const dz = z - centerA[2];
          if (dx * dx + dy * dy + dz * dz <= limitSq) sites.push(x, y, z);
        }
      }
    }
  }
  return Float64Array.from(sites);
}

/** Whether (x, y, z) lies within `radiusA` of `centerA` (minimum image in an orthogonal box, closed ball). */
export function insideBall(x: number, y: number, z: number, centerA: Vec3, radiusA: number, lengthsA: Vec3): boolean {
  let dx = x - centerA[0];
  let dy = y - centerA[1];
  let dz = z - centerA[2];
  dx -= lengthsA[0] * Math.round(dx / lengthsA[0]);
  dy -= lengthsA[1] * Math.round(dy / lengthsA[1]);
  dz -= lengthsA[2] * Math.round(dz / lengthsA[2]);
  return dx * dx + dy * dy + dz * dz <= radiusA * radiusA * (1 + SURFACE_SLACK);
}
