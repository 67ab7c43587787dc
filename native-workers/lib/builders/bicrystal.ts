/**
 * Periodic bicrystals: two differently oriented grains side by side along x, sharing y and z (each strained to a
 * common length), with the atoms of grain B that crowd grain A at the two interfaces removed.
 */
import type { Vec3 } from '../../../main/shared/domain';
import type { ParsedStructure } from '../structure-io/types';
import { BuilderInputError } from './builder-input-error';
import { commonPeriodicLength } from './common-length';
import { latticeCell, nearestNeighborDistanceA, type LatticeKind } from './lattice';
import { describeCrystal, periodCellPositions, tilePeriodCell } from './oriented-crystal';
import { resolveOrientation, type Orientation } from './orientation';
import { finishStructure, orthogonalCell } from './periodic-box';
import { PeriodicPointGrid } from './point-grid';

/**
 * The bicrystal of papers/000 §2.1: FCC grains with [110] and [00-1] along X and a common ⟨110⟩ tilt axis along Z.
 * The paper gives [-1-10] along Z for both, but [-1-10] is parallel to grain A's [110], not perpendicular to it; the
 * ⟨110⟩ direction perpendicular to both [110] and [001] is [-110], so both grains get z = [-1,1,0] and y completes a
 * right-handed triple (y = z × x). Grain A then has ⟨001⟩ along Y (period a), grain B ⟨110⟩ (period a/√2):
 * incommensurate, so the Y length is a compromise with a small strain.
 */
export const PAPER_BICRYSTAL_ORIENTATIONS: Readonly<{ grainA: Orientation; grainB: Orientation }> = {
  grainA: { x: [1, 1, 0], y: [0, 0, -1], z: [-1, 1, 0] },
  grainB: { x: [0, 0, -1], y: [-1, -1, 0], z: [-1, 1, 0] },
};

export interface BicrystalOptions {
  /** Default 'fcc'. */
  lattice?: LatticeKind;
  latticeA: number;
  /** HCP only. */
  cOverA?: number;
  element: string;
  grainA: Orientation;
  grainB: Orientation;
  /** Target grain widths along x in Å, rounded to whole periods. */
  widthA_A: number;
  widthB_A: number;
  /** The shared y and z lengths are the shortest common lengths at least this long. */
  minLengthYA: number;
  minLengthZA: number;
  /** Largest strain either grain may take along y or z to fit the common length; default 0.02. */
  maxStrain?: number;
  /** Grain-B atoms within this distance of a grain-A atom are removed; default half the nearest-neighbour distance. */
  overlapDistanceA?: number;
}

/** Engineering strains applied to a grain along y and z. */
export interface GrainStrain {
  y: number;
  z: number;
}

export interface Bicrystal {
  structure: ParsedStructure;
  /** Per atom: 0 = grain A, 1 = grain B. */
  grain: Uint8Array;
  /** The two interface planes: x = 0 (≡ the periodic boundary, where B meets A's image) and x = width of A. */
  interfacesXA: [number, number];
  strains: { grainA: GrainStrain; grainB: GrainStrain };
  /** Whole periods of each grain along x, y, z. */
  repeats: { grainA: Vec3; grainB: Vec3 };
  removedAtoms: number;
}

function percent(strain: number): string {
  return `${strain >= 0 ? '+' : ''}${(100 * strain).toFixed(3)} %`;
}

/** Tiles one grain and stretches it along y and z to the common lengths. */
function grainPositions(periodCell: Float64Array, periodsA: Vec3, repeats: Vec3, lengthsA: Vec3, shiftXA: number): Float64Array {
  const positions = tilePeriodCell(periodCell, periodsA, repeats);
  const scaleY = (lengthsA[1] as number) / (repeats[1] * periodsA[1]);
  const scaleZ = (lengthsA[2] as number) / (repeats[2] * periodsA[2]);
  for (let i = 0; i < positions.length; i += 3) {
    positions[i] = (positions[i] as number) + shiftXA;
    positions[i + 1] = (positions[i + 1] as number) * scaleY;
    positions[i + 2] = (positions[i + 2] as number) * scaleZ;
  }
  return positions;
}

/** Marks the atoms of `candidates` within `distanceA` (periodic) of any atom of `reference`. */
function crowdedAtoms(reference: Float64Array, candidates: Float64Array, lengthsA: Vec3, distanceA: number): Uint8Array {
  const grid = new PeriodicPointGrid(reference, [0, 0, 0], lengthsA, Math.max(distanceA, 2));
  const crowded = new Uint8Array(candidates.length / 3);
  for (let i = 0; i < crowded.length; i++) {
    const hit = grid.nearestWithin(candidates[3 * i] as number, candidates[3 * i + 1] as number, candidates[3 * i + 2] as number, distanceA);
    crowded[i] = hit >= 0 ? 1 : 0;
  }
  return crowded;
}

export function bicrystal(options: BicrystalOptions): Bicrystal {
  const cell = latticeCell(options.lattice ?? 'fcc', options.latticeA, options.cOverA);
  const maxStrain = options.maxStrain ?? 0.02;
  const overlapDistanceA = options.overlapDistanceA ?? 0.5 * nearestNeighborDistanceA(cell);
  if (!(Number.isFinite(overlapDistanceA) && overlapDistanceA >= 0)) {
    throw new BuilderInputError(`overlapDistanceA must be a distance ≥ 0 Å, got ${overlapDistanceA}`);
  }
  const orientA = resolveOrientation(cell, options.grainA);
  const orientB = resolveOrientation(cell, options.grainB);
  for (const [name, width] of [['widthA_A', options.widthA_A], ['widthB_A', options.widthB_A]] as const) {
    if (!(Number.isFinite(width) && width > 0)) throw new BuilderInputError(`${name} must be a positive width in Å, got ${width}`);
  }
  const nxA = Math.max(1, Math.round(options.widthA_A / orientA.periodsA[0]));
  const nxB = Math.max(1, Math.round(options.widthB_A / orientB.periodsA[0]));
  const y = commonPeriodicLength(orientA.periodsA[1], orientB.periodsA[1], options.minLengthYA, maxStrain);
  const z = commonPeriodicLength(orientA.periodsA[2], orientB.periodsA[2], options.minLengthZA, maxStrain);
  const widthAA = nxA * orientA.periodsA[0];
  const lengthsA: Vec3 = [widthAA + nxB * orientB.periodsA[0], y.lengthA, z.lengthA];
  if (!(2 * overlapDistanceA < Math.min(...lengthsA))) {
    throw new BuilderInputError(`the box (${lengthsA.map((l) => l.toFixed(2)).join(' × ')} Å) is too small for the overlap distance`);
  }
  const repeatsA: Vec3 = [nxA, y.repeats[0], z.repeats[0]];
  const repeatsB: Vec3 = [nxB, y.repeats[1], z.repeats[1]];
  const atomsA = grainPositions(periodCellPositions(cell, orientA), orientA.periodsA, repeatsA, lengthsA, 0);
  const atomsB = grainPositions(periodCellPositions(cell, orientB), orientB.periodsA, repeatsB, lengthsA, widthAA);
  const crowded = overlapDistanceA > 0 ? crowdedAtoms(atomsA, atomsB, lengthsA, overlapDistanceA) : new Uint8Array(atomsB.length / 3);
  const removedAtoms = crowded.reduce((sum, c) => sum + c, 0);

  const countA = atomsA.length / 3;
  const n = countA + atomsB.length / 3 - removedAtoms;
  const positions = new Float64Array(3 * n);
  positions.set(atomsA);
  const grain = new Uint8Array(n);
  let at = countA;
  for (let i = 0; i < crowded.length; i++) {
    if (crowded[i] === 1) continue;
    positions.set(atomsB.subarray(3 * i, 3 * i + 3), 3 * at);
    grain[at++] = 1;
  }
  const strains = { grainA: { y: y.strains[0], z: z.strains[0] }, grainB: { y: y.strains[1], z: z.strains[1] } };
  const notes = [
    `bicrystal grain A: ${describeCrystal(cell, options.grainA)}, ${repeatsA.join(' × ')} periods, strain y ${percent(strains.grainA.y)}, z ${percent(strains.grainA.z)}`,
    `bicrystal grain B: ${describeCrystal(cell, options.grainB)}, ${repeatsB.join(' × ')} periods, strain y ${percent(strains.grainB.y)}, z ${percent(strains.grainB.z)}`,
    `interfaces at x = 0 and x = ${widthAA.toFixed(3)} Å; removed ${removedAtoms} grain-B atoms closer than ${overlapDistanceA.toFixed(3)} Å to grain A`,
  ];
  const structure = finishStructure({ positions, types: new Int32Array(n).fill(1), typeElements: [options.element], cell: orthogonalCell(lengthsA), notes });
  return { structure, grain, interfacesXA: [0, widthAA], strains, repeats: { grainA: repeatsA, grainB: repeatsB }, removedAtoms };
}
