/** Small 3-vector and 3×3-matrix helpers (matrices are rows of Vec3) for the geometry builders. */
import type { Vec3 } from '../../../main/shared/domain';

/** Rows r0, r1, r2: M·v = (r0·v, r1·v, r2·v). */
export type Mat3 = [Vec3, Vec3, Vec3];

export function dot(u: Vec3, v: Vec3): number {
  return u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
}

export function cross(u: Vec3, v: Vec3): Vec3 {
  return [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
}

export function norm(v: Vec3): number {
  return Math.hypot(v[0], v[1], v[2]);
}

export function scaled(v: Vec3, factor: number): Vec3 {
  return [v[0] * factor, v[1] * factor, v[2] * factor];
}

export function matVec(m: Mat3, v: Vec3): Vec3 {
  return [dot(m[0], v), dot(m[1], v), dot(m[2], v)];
}

export function transpose(m: Mat3): Mat3 {
  return [
    [m[0][0], m[1][0], m[2][0]],
    [m[0][1], m[1][1], m[2][1]],
    [m[0][2], m[1][2], m[2][2]],
  ];
}

export function matMul(a: Mat3, b: Mat3): Mat3 {
  const bt = transpose(b);
  return [matVec(bt, a[0]), matVec(bt, a[1]), matVec(bt, a[2])];
}

export function determinant(m: Mat3): number {
  return dot(m[0], cross(m[1], m[2]));
}

/** Inverse by cofactors; callers pass well-conditioned lattice matrices. */
export function inverse(m: Mat3): Mat3 {
  const det = determinant(m);
  if (det === 0) throw new Error('singular matrix');
  // Columns of the inverse are the cross products of the rows, over the determinant.
  return transpose([scaled(cross(m[1], m[2]), 1 / det), scaled(cross(m[2], m[0]), 1 / det), scaled(cross(m[0], m[1]), 1 / det)]);
}

/** Rotation by `angleRad` about `axis` (right-hand rule), Rodrigues' formula; the axis need not be unit length. */
export function rotationMatrix(axis: Vec3, angleRad: number): Mat3 {
  const length = norm(axis);
  const [x, y, z] = scaled(axis, 1 / length);
  const c = Math.cos(angleRad);
  const s = Math.sin(angleRad);
  const t = 1 - c;
  return [
    [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
    [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
    [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
  ];
}
