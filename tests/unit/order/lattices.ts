/** Test structures with known order: perfect FCC, BCC, HCP crystals, an icosahedral cluster, an ideal gas, noise. */
import type { Cell, Vec3 } from '../../../main/shared/domain';
import type { AtomsInput } from '../../../native-workers/lib/neighbors/atoms-input';

/** Deterministic PRNG (mulberry32) so that every run tests the same structures. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates from a uniform generator (Box–Muller). */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function orthogonalCell(lx: number, ly: number, lz: number): Cell {
  return { origin: [0, 0, 0], a: [lx, 0, 0], b: [0, ly, 0], c: [0, 0, lz], pbc: [true, true, true] };
}

/** Replicates a basis given in fractional coordinates of an orthogonal unit cell. */
function crystal(basis: Vec3[], edges: Vec3, reps: Vec3): AtomsInput {
  const [nx, ny, nz] = reps;
  const positions = new Float64Array(3 * basis.length * nx * ny * nz);
  let at = 0;
  for (let ix = 0; ix < nx; ix++) {
    for (let iy = 0; iy < ny; iy++) {
      for (let iz = 0; iz < nz; iz++) {
        for (const [fx, fy, fz] of basis) {
          positions[at++] = (ix + fx) * edges[0];
          positions[at++] = (iy + fy) * edges[1];
          positions[at++] = (iz + fz) * edges[2];
        }
      }
    }
  }
  return { positions, cell: orthogonalCell(nx * edges[0], ny * edges[1], nz * edges[2]) };
}

export function fcc(latticeA: number, reps: number): AtomsInput {
  const basis: Vec3[] = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  return crystal(basis, [latticeA, latticeA, latticeA], [reps, reps, reps]);
}

export function bcc(latticeA: number, reps: number): AtomsInput {
  const basis: Vec3[] = [
    [0, 0, 0],
    [0.5, 0.5, 0.5],
  ];
  return crystal(basis, [latticeA, latticeA, latticeA], [reps, reps, reps]);
}

/** Ideal HCP (c/a = √(8/3)) in its orthohexagonal cell a × √3·a × c, 4 atoms per cell. */
export function hcp(nearestA: number, reps: Vec3): AtomsInput {
  const basis: Vec3[] = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0, 1 / 3, 0.5],
    [0.5, 5 / 6, 0.5],
  ];
  return crystal(basis, [nearestA, Math.sqrt(3) * nearestA, Math.sqrt(8 / 3) * nearestA], reps);
}

/** A centre atom and the 12 vertices of a regular icosahedron at `radiusA`, in vacuum (no periodic direction). */
export function icosahedron(radiusA: number): AtomsInput {
  const phi = (1 + Math.sqrt(5)) / 2;
  const vertices: Vec3[] = [];
  for (const s1 of [-1, 1]) {
    for (const s2 of [-1, 1]) {
      vertices.push([0, s1, s2 * phi], [s1, s2 * phi, 0], [s2 * phi, 0, s1]);
    }
  }
  const scale = radiusA / Math.hypot(1, phi);
  const positions = new Float64Array(3 * 13);
  vertices.forEach((v, i) => {
    positions[3 * (i + 1)] = v[0] * scale;
    positions[3 * (i + 1) + 1] = v[1] * scale;
    positions[3 * (i + 1) + 2] = v[2] * scale;
  });
  const box = 4 * radiusA;
  return {
    positions,
    cell: { origin: [-box / 2, -box / 2, -box / 2], a: [box, 0, 0], b: [0, box, 0], c: [0, 0, box], pbc: [false, false, false] },
  };
}

/** Uniformly random atoms in a periodic cubic box. */
export function idealGas(count: number, boxA: number, seed: number): AtomsInput {
  const random = mulberry32(seed);
  const positions = new Float64Array(3 * count);
  for (let i = 0; i < positions.length; i++) positions[i] = random() * boxA;
  return { positions, cell: orthogonalCell(boxA, boxA, boxA) };
}

/** A copy with Gaussian displacements of standard deviation `sigmaA` per coordinate. */
export function withNoise(input: AtomsInput, sigmaA: number, seed: number): AtomsInput {
  const normal = gaussian(mulberry32(seed));
  const positions = Float64Array.from(input.positions, (x) => x + sigmaA * normal());
  return { ...input, positions };
}

/** Rotation matrix (rows) about a unit axis by an angle. */
export function rotation(axis: Vec3, angle: number): [Vec3, Vec3, Vec3] {
  const n = Math.hypot(...axis);
  const [x, y, z] = [axis[0] / n, axis[1] / n, axis[2] / n];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
    [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
    [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
  ];
}

function rotate(m: [Vec3, Vec3, Vec3], v: ArrayLike<number>): Vec3 {
  const [x, y, z] = [v[0] as number, v[1] as number, v[2] as number];
  return [m[0][0] * x + m[0][1] * y + m[0][2] * z, m[1][0] * x + m[1][1] * y + m[1][2] * z, m[2][0] * x + m[2][1] * y + m[2][2] * z];
}

/** The same structure rigidly rotated (cell vectors too), which makes an orthogonal cell triclinic. */
export function rotated(input: AtomsInput, m: [Vec3, Vec3, Vec3]): AtomsInput {
  const positions = new Float64Array(input.positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    const r = rotate(m, input.positions.subarray(i, i + 3));
    positions[i] = r[0];
    positions[i + 1] = r[1];
    positions[i + 2] = r[2];
  }
  const { cell } = input;
  return {
    positions,
    cell: { origin: rotate(m, cell.origin), a: rotate(m, cell.a), b: rotate(m, cell.b), c: rotate(m, cell.c), pbc: cell.pbc },
  };
}

/** One-atom primitive FCC cell (a triclinic box far smaller than any neighbour shell). */
export function fccPrimitive(latticeA: number): AtomsInput {
  const h = latticeA / 2;
  return {
    positions: new Float64Array([0.1, 0.2, 0.3]),
    cell: { origin: [0, 0, 0], a: [0, h, h], b: [h, 0, h], c: [h, h, 0], pbc: [true, true, true] },
  };
}
