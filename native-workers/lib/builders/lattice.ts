/**
 * The crystal lattices the builders know (FCC, BCC, HCP): conventional cell, the atoms in it, its lattice translations,
 * and the ideal nearest-neighbour distance and volume per atom.
 */
import type { Vec3 } from '../../../main/shared/domain';
import { BuilderInputError } from './builder-input-error';
import { determinant, type Mat3 } from './vector-math';

export const LATTICE_KINDS = ['fcc', 'bcc', 'hcp'] as const;
export type LatticeKind = (typeof LATTICE_KINDS)[number];

/** c/a of hard-sphere HCP, where the 6 in-plane and 6 out-of-plane neighbours are equally far. */
export const IDEAL_HCP_C_OVER_A = Math.sqrt(8 / 3);

export interface LatticeCell {
  kind: LatticeKind;
  latticeA: number;
  /** c/a (HCP only; 1 for the cubic lattices). */
  cOverA: number;
  /** Conventional cell edges in Å in the crystal frame, rows: the cube edges, or a1, a2 (120° apart) and c for HCP. */
  edgesA: Mat3;
  /** Atoms of the conventional cell, fractional coordinates along `edgesA`. */
  basis: Vec3[];
  /**
   * Lattice translations inside the conventional cell as integer numerators over `translationDenominator` (the
   * centring: FCC face centres, the BCC body centre, only the origin for primitive hexagonal). Integers keep the
   * period search exact.
   */
  translations: Vec3[];
  translationDenominator: number;
}

function checkPositive(value: number, name: string): void {
  if (!(Number.isFinite(value) && value > 0)) throw new BuilderInputError(`${name} must be a positive number, got ${value}`);
}

/** The conventional cell of `kind` with lattice parameter `latticeA` (and c/a for HCP, ideal by default). */
export function latticeCell(kind: LatticeKind, latticeA: number, cOverA?: number): LatticeCell {
  checkPositive(latticeA, 'the lattice parameter latticeA');
  const cube: Mat3 = [
    [latticeA, 0, 0],
    [0, latticeA, 0],
    [0, 0, latticeA],
  ];
  switch (kind) {
    case 'fcc': {
      const centring: Vec3[] = [[0, 0, 0], [1, 1, 0], [1, 0, 1], [0, 1, 1]];
      return { kind, latticeA, cOverA: 1, edgesA: cube, basis: centring.map((t) => halves(t)), translations: centring, translationDenominator: 2 };
    }
    case 'bcc': {
      const centring: Vec3[] = [[0, 0, 0], [1, 1, 1]];
      return { kind, latticeA, cOverA: 1, edgesA: cube, basis: centring.map((t) => halves(t)), translations: centring, translationDenominator: 2 };
    }
    case 'hcp': {
      const ratio = cOverA ?? IDEAL_HCP_C_OVER_A;
      checkPositive(ratio, 'cOverA');
      const edgesA: Mat3 = [
        [latticeA, 0, 0],
        [-latticeA / 2, (latticeA * Math.sqrt(3)) / 2, 0],
        [0, 0, latticeA * ratio],
      ];
      const basis: Vec3[] = [[1 / 3, 2 / 3, 1 / 4], [2 / 3, 1 / 3, 3 / 4]];
      return { kind, latticeA, cOverA: ratio, edgesA, basis, translations: [[0, 0, 0]], translationDenominator: 1 };
    }
    default:
      throw new BuilderInputError(`unknown lattice '${String(kind)}'; expected one of ${LATTICE_KINDS.join(', ')}`);
  }
}

function halves(t: Vec3): Vec3 {
  return [t[0] / 2, t[1] / 2, t[2] / 2];
}

/** Volume per atom in Å³: the conventional cell's volume over its atom count. */
export function atomicVolumeA3(cell: LatticeCell): number {
  return Math.abs(determinant(cell.edgesA)) / cell.basis.length;
}

/** Distance to the first neighbour shell in Å (for HCP the nearer of the in-plane and out-of-plane distances). */
export function nearestNeighborDistanceA(cell: LatticeCell): number {
  const a = cell.latticeA;
  switch (cell.kind) {
    case 'fcc':
      return a / Math.SQRT2;
    case 'bcc':
      return (a * Math.sqrt(3)) / 2;
    case 'hcp':
      return Math.min(a, Math.sqrt((a * a) / 3 + (a * cell.cOverA) ** 2 / 4));
  }
}

/**
 * The smallest m > 0 for which m · direction (integers along the conventional edges, coprime) is a lattice
 * translation: 1/2 for FCC [110] (h+k+l even) and BCC [111] (all odd), else 1. Tries m = k / denominator.
 */
export function periodMultiplier(cell: LatticeCell, direction: Vec3): number {
  const den = cell.translationDenominator;
  for (let k = 1; k < den; k++) {
    // k·d/den − t/den is integral iff (k·d − t) is divisible by den on every axis.
    const isTranslation = cell.translations.some((t) => direction.every((d, i) => (k * d - (t[i] as number)) % den === 0));
    if (isTranslation) return k / den;
  }
  return 1;
}
