/** Test structures for the Voronoi tests: lattices, random boxes, an icosahedral cluster, and small readers of results. */
import type { Cell, Vec3 } from '../../../main/shared/domain';
import type { VoronoiResult } from '../../../native-workers/lib/voronoi';

export interface TestStructure {
  positions: Float64Array;
  cell: Cell;
}

export const FCC_BASIS: Vec3[] = [
  [0, 0, 0],
  [0.5, 0.5, 0],
  [0.5, 0, 0.5],
  [0, 0.5, 0.5],
];
export const BCC_BASIS: Vec3[] = [
  [0, 0, 0],
  [0.5, 0.5, 0.5],
];
export const SC_BASIS: Vec3[] = [[0, 0, 0]];

/** Deterministic PRNG (mulberry32). */
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

export function orthoCell(lx: number, ly: number, lz: number, pbc: [boolean, boolean, boolean] = [true, true, true], origin: Vec3 = [0, 0, 0]): Cell {
  return { origin, a: [lx, 0, 0], b: [0, ly, 0], c: [0, 0, lz], pbc };
}

/** A cubic lattice of n × n × n conventional cells (edge aA), positions offset by `origin`. */
export function cubicLattice(basis: Vec3[], n: number, aA: number, origin: Vec3 = [0, 0, 0]): TestStructure {
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) {
        for (const b of basis) p.push(origin[0] + (i + b[0]) * aA, origin[1] + (j + b[1]) * aA, origin[2] + (k + b[2]) * aA);
      }
    }
  }
  return { positions: Float64Array.from(p), cell: orthoCell(n * aA, n * aA, n * aA, [true, true, true], origin) };
}

/** Uniform random points in a cell (fractional coordinates drawn uniformly, so triclinic cells work too). */
export function randomPoints(count: number, cell: Cell, seed: number): TestStructure {
  const random = mulberry32(seed);
  const positions = new Float64Array(3 * count);
  const { origin, a, b, c } = cell;
  for (let i = 0; i < count; i++) {
    const f = [random(), random(), random()] as const;
    for (let k = 0; k < 3; k++) positions[3 * i + k] = origin[k]! + f[0] * a[k]! + f[1] * b[k]! + f[2] * c[k]!;
  }
  return { positions, cell };
}

/** Adds independent uniform displacements in [−amplitude, amplitude] to every coordinate. */
export function jiggle(s: TestStructure, amplitudeA: number, seed: number): TestStructure {
  const random = mulberry32(seed);
  const positions = Float64Array.from(s.positions, (v) => v + amplitudeA * (2 * random() - 1));
  return { positions, cell: s.cell };
}

/** A centre atom and the 12 vertices of an icosahedron at distance rA around it. */
export function icosahedralCluster(rA: number, centre: Vec3): Float64Array {
  const phi = (1 + Math.sqrt(5)) / 2;
  const raw: Vec3[] = [];
  for (const s1 of [-1, 1]) {
    for (const s2 of [-1, 1]) {
      raw.push([0, s1, s2 * phi], [s1, s2 * phi, 0], [s2 * phi, 0, s1]);
    }
  }
  const scale = rA / Math.hypot(1, phi);
  const p: number[] = [...centre];
  for (const v of raw) p.push(centre[0] + scale * v[0], centre[1] + scale * v[1], centre[2] + scale * v[2]);
  return Float64Array.from(p);
}

export function indexOf(r: VoronoiResult, i: number): [number, number, number, number] {
  return [r.index[4 * i]!, r.index[4 * i + 1]!, r.index[4 * i + 2]!, r.index[4 * i + 3]!];
}

/** How many atoms carry each index, as "n3,n4,n5,n6" → count. */
export function indexHistogram(r: VoronoiResult): Record<string, number> {
  const h: Record<string, number> = {};
  for (let i = 0; i < r.count; i++) {
    const key = indexOf(r, i).join(',');
    h[key] = (h[key] ?? 0) + 1;
  }
  return h;
}

export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}
