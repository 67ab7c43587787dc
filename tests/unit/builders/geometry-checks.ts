/** Brute-force minimum-image geometry for checking builder output on small boxes (O(N²), no shared code with the builders). */
import type { ParsedStructure } from '../../../native-workers/lib/structure-io/types';

function boxLengths(structure: ParsedStructure): [number, number, number] {
  return [structure.cell.a[0], structure.cell.b[1], structure.cell.c[2]];
}

/** First-shell cutoff in nearest-neighbour distances. */
export const SHELL_CUTOFF = 1.07;

/** Minimum-image distance between atoms i and j (valid for distances below half the shortest edge). */
export function pairDistance(structure: ParsedStructure, i: number, j: number): number {
  const p = structure.positions;
  const lengths = boxLengths(structure);
  let sum = 0;
  for (let k = 0; k < 3; k++) {
    let d = p[3 * j + k]! - p[3 * i + k]!;
    d -= lengths[k]! * Math.round(d / lengths[k]!);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** Distances from atom i to every other atom closer than `cutoffA`. */
export function neighbourDistances(structure: ParsedStructure, i: number, cutoffA: number): number[] {
  const out: number[] = [];
  const n = structure.types.length;
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    const d = pairDistance(structure, i, j);
    if (d < cutoffA) out.push(d);
  }
  return out;
}

/**
 * Atoms (of `atoms`, default all) whose neighbours within 1.07 × nn are not exactly `expected` at nn (± toleranceA);
 * an empty list proves a seamless periodic tiling. 1.07 stays below the BCC second shell (2/√3 ≈ 1.155 × nn).
 */
export function badlyCoordinated(structure: ParsedStructure, nnA: number, expected: number, toleranceA = 1e-6, atoms?: number[]): number[] {
  const list = atoms ?? Array.from({ length: structure.types.length }, (_, i) => i);
  return list.filter((i) => {
    const d = neighbourDistances(structure, i, SHELL_CUTOFF * nnA);
    return d.length !== expected || d.some((x) => Math.abs(x - nnA) > toleranceA);
  });
}

/** The closest pair distance over all atoms (or pairs with one atom in `among`). */
export function closestPair(structure: ParsedStructure, among?: (i: number) => boolean): number {
  const n = structure.types.length;
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (among !== undefined && !among(i) && !among(j)) continue;
      best = Math.min(best, pairDistance(structure, i, j));
    }
  }
  return best;
}

/** Box volume in Å³. */
export function boxVolume(structure: ParsedStructure): number {
  const [lx, ly, lz] = boxLengths(structure);
  return lx * ly * lz;
}

/** Every position inside [0, L) on its axis. */
export function allInsideBox(structure: ParsedStructure): boolean {
  const lengths = boxLengths(structure);
  return structure.positions.every((x, i) => x >= 0 && x < lengths[i % 3]!);
}
