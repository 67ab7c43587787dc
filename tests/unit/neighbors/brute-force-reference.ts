/**
 * The slow, obviously-correct neighbour reference the cell-list search is tested against: every atom pair, every
 * periodic image that can be within reach, no bins. Also random triclinic test cells.
 */
import type { Cell, Vec3 } from '../../../main/shared/domain';
import type { AtomsInput } from '../../../native-workers/lib/neighbors/atoms-input';
import { cross, dot } from '../../../native-workers/lib/structure-io/cell-math';
import { mulberry32 } from '../order/lattices';

export interface ReferencePair {
  j: number;
  distance: number;
  delta: Vec3;
}

function inverseRows(cell: Cell): Vec3[] {
  const v = dot(cell.a, cross(cell.b, cell.c));
  return [cross(cell.b, cell.c), cross(cell.c, cell.a), cross(cell.a, cell.b)].map((r) => [r[0] / v, r[1] / v, r[2] / v] as Vec3);
}

/** Every (atom, image) within `radiusA` of atom i (inclusive), except atom i itself unshifted; sorted by distance. */
export function bruteForceWithin(input: AtomsInput, i: number, radiusA: number): ReferencePair[] {
  const { positions: p, cell } = input;
  const n = p.length / 3;
  const inv = inverseRows(cell);
  const edges = [cell.a, cell.b, cell.c];
  const reach = inv.map((row) => radiusA * Math.hypot(...row));
  const out: ReferencePair[] = [];
  for (let j = 0; j < n; j++) {
    const base: Vec3 = [(p[3 * j] as number) - (p[3 * i] as number), (p[3 * j + 1] as number) - (p[3 * i + 1] as number), (p[3 * j + 2] as number) - (p[3 * i + 2] as number)];
    const ranges = [0, 1, 2].map((k) => {
      if (!cell.pbc[k]) return [0, 0];
      const s = dot(base, inv[k] as Vec3);
      return [Math.floor(-s - (reach[k] as number)) - 1, Math.ceil(-s + (reach[k] as number)) + 1];
    }) as [number, number][];
    for (let n0 = ranges[0]![0]; n0 <= ranges[0]![1]; n0++) {
      for (let n1 = ranges[1]![0]; n1 <= ranges[1]![1]; n1++) {
        for (let n2 = ranges[2]![0]; n2 <= ranges[2]![1]; n2++) {
          if (j === i && n0 === 0 && n1 === 0 && n2 === 0) continue;
          const delta: Vec3 = [0, 1, 2].map((x) => base[x]! + n0 * edges[0]![x]! + n1 * edges[1]![x]! + n2 * edges[2]![x]!) as Vec3;
          const distance = Math.hypot(...delta);
          if (distance <= radiusA) out.push({ j, distance, delta });
        }
      }
    }
  }
  return out.sort((x, y) => x.distance - y.distance);
}

/** The k nearest (atom, image) pairs of atom i, nearest first (ties in any order). */
export function bruteForceNearest(input: AtomsInput, i: number, k: number): ReferencePair[] {
  const { a, b, c } = input.cell;
  // Start from a sphere that would hold about k + 8 atoms at the cell's mean density, and double until enough.
  const density = input.positions.length / 3 / Math.abs(dot(a, cross(b, c)));
  let radius = Math.cbrt((3 * (k + 8)) / (4 * Math.PI * density));
  for (;;) {
    const within = bruteForceWithin(input, i, radius);
    if (within.length >= k) return within.slice(0, k);
    radius *= 2;
  }
}

/** A random cell: edges 2 … maxEdgeA Å with random tilts (general triclinic, not only LAMMPS's restricted form). */
export function randomCell(random: () => number, maxEdgeA: number, pbc: [boolean, boolean, boolean]): Cell {
  const edge = (): number => 2 + random() * (maxEdgeA - 2);
  const tilt = (length: number): number => (random() - 0.5) * 0.8 * length;
  const la = edge();
  const lb = edge();
  const lc = edge();
  return {
    origin: [random() * 10 - 5, random() * 10 - 5, random() * 10 - 5],
    a: [la, tilt(la) * 0.3, tilt(la) * 0.3],
    b: [tilt(lb), lb, tilt(lb) * 0.3],
    c: [tilt(lc), tilt(lc), lc],
    pbc,
  };
}

/**
 * `count` random atoms around `cell`: fractional coordinates in [−1, 2) along periodic directions (some atoms must be
 * wrapped) and in [−0.3, 1.3) along non-periodic ones (some atoms stick out of the cell, which must not matter).
 */
export function randomAtoms(random: () => number, cell: Cell, count: number): AtomsInput {
  const positions = new Float64Array(3 * count);
  for (let i = 0; i < count; i++) {
    const f = [0, 1, 2].map((k) => (cell.pbc[k] ? -1 + 3 * random() : -0.3 + 1.6 * random()));
    for (let x = 0; x < 3; x++) {
      positions[3 * i + x] = cell.origin[x]! + f[0]! * cell.a[x]! + f[1]! * cell.b[x]! + f[2]! * cell.c[x]!;
    }
  }
  return { positions, cell };
}

export { mulberry32 };
