/**
 * A crystal in an arbitrary orientation inside a periodic orthogonal box. A periodic box repeats the crystal only
 * when each box axis is a lattice direction [hkl] (its period is then a finite lattice translation); a generic
 * rotation has irrational direction cosines, so any finite box would cut the lattice with a seam at its faces (or
 * strain it to fit). A random orientation is therefore realised as the nearest *rational* one: of all right-handed
 * triples x = [hkl], y ⟂ x with indices up to `maxIndex`, z = x × y, the one with the smallest rotation angle to the
 * requested rotation whose box (the smallest whole number of periods at least `minLengthsA` along each axis) holds
 * at most `maxAtoms` atoms. Higher indices approximate the rotation better but make longer periods (z's indices grow
 * as the product of x's and y's), hence bigger boxes: the atom budget decides. Because every [hkl] and its cubic
 * equivalents are searched, the angle found is the disorientation (cubic symmetry included).
 */
import type { Vec3 } from '../../../main/shared/domain';
import { mulberry32 } from '../datasets/random-split';
import { BuilderInputError } from './builder-input-error';
import { atomicVolumeA3, type LatticeCell } from './lattice';
import { resolveOrientation } from './orientation';
import { cross, dot, norm, scaled, type Mat3 } from './vector-math';

export interface CommensurateOrientation {
  /** Integer lattice directions along x, y, z (right-handed, mutually orthogonal, reduced). */
  orientation: { x: Vec3; y: Vec3; z: Vec3 };
  /** Rotation angle between the requested orientation and this one, in degrees. */
  errorDeg: number;
  periodsA: Vec3;
  repeats: Vec3;
  atoms: number;
}

/**
 * A rotation drawn uniformly from SO(3) (Shoemake's uniform unit quaternion), seeded. Rows are the box axes x, y, z
 * expressed in the crystal frame.
 */
export function randomRotation(seed: number): Mat3 {
  const random = mulberry32(seed);
  const u1 = random();
  const u2 = random();
  const u3 = random();
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const [w, x, y, z] = [a * Math.sin(2 * Math.PI * u2), a * Math.cos(2 * Math.PI * u2), b * Math.sin(2 * Math.PI * u3), b * Math.cos(2 * Math.PI * u3)];
  return [
    [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
  ];
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

function reduced(v: Vec3): Vec3 {
  const g = gcd(gcd(v[0], v[1]), v[2]);
  return g === 0 ? v : [v[0] / g, v[1] / g, v[2] / g];
}

/** Angle between unit vector `target` and integer direction `d`, in radians. */
function angleTo(target: Vec3, d: Vec3): number {
  return Math.acos(Math.max(-1, Math.min(1, dot(target, d) / norm(d))));
}

/** Rotation angle (radians) between two orthonormal frames given as rows. */
export function rotationAngle(a: Mat3, b: Mat3): number {
  const trace = dot(a[0], b[0]) + dot(a[1], b[1]) + dot(a[2], b[2]);
  return Math.acos(Math.max(-1, Math.min(1, (trace - 1) / 2)));
}

/** The nearest orientation to `rotation` (rows = box axes in the crystal frame) that gives a periodic box (see file comment). */
export function nearestCommensurateOrientation(
  cell: LatticeCell,
  rotation: Mat3,
  options: { maxIndex: number; minLengthsA: Vec3; maxAtoms: number },
): CommensurateOrientation {
  if (cell.kind === 'hcp') throw new BuilderInputError('random orientations are for cubic lattices (FCC, BCC)');
  const { maxIndex, minLengthsA, maxAtoms } = options;
  if (!(Number.isInteger(maxIndex) && maxIndex >= 1)) throw new BuilderInputError(`maxIndex must be a whole number ≥ 1, got ${maxIndex}`);
  const range: number[] = [];
  for (let i = -maxIndex; i <= maxIndex; i++) range.push(i);
  const directions: Vec3[] = [];
  for (const h of range) for (const k of range) for (const l of range) if (gcd(gcd(h, k), l) === 1) directions.push([h, k, l]);
  const volumePerAtom = atomicVolumeA3(cell);
  const [tx, ty] = rotation;
  let best: CommensurateOrientation | null = null;
  let bestAngle = Math.PI;
  for (const x of directions) {
    // The rotation angle bounds the angle each axis moves, so an x farther off than the best angle cannot win.
    if (angleTo(tx, x) >= bestAngle) continue;
    for (const y of directions) {
      if (dot(x, y) !== 0 || angleTo(ty, y) >= bestAngle) continue;
      const z = reduced(cross(x, y));
      const frame: Mat3 = [scaled(x, 1 / norm(x)), scaled(y, 1 / norm(y)), scaled(z, 1 / norm(z))];
      const angle = rotationAngle(rotation, frame);
      if (angle >= bestAngle) continue;
      const { periodsA } = resolveOrientation(cell, { x, y, z });
      const repeats = periodsA.map((p, i) => Math.max(1, Math.ceil((minLengthsA[i] as number) / p - 1e-9))) as Vec3;
      const atoms = Math.round((periodsA[0] * repeats[0] * periodsA[1] * repeats[1] * periodsA[2] * repeats[2]) / volumePerAtom);
      if (atoms > maxAtoms) continue;
      bestAngle = angle;
      best = { orientation: { x, y, z }, errorDeg: (angle * 180) / Math.PI, periodsA, repeats, atoms };
    }
  }
  if (best === null) {
    throw new BuilderInputError(`no orientation with Miller indices up to ${maxIndex} fits a box of at most ${maxAtoms} atoms at the minimum lengths [${minLengthsA.join(', ')}] Å; allow more atoms`);
  }
  return best;
}
