/**
 * Perfect crystals in an orthogonal periodic box whose axes are given lattice directions: one period cell found by
 * enumerating lattice sites, then tiled.
 */
import type { Vec3 } from '../../../main/shared/domain';
import type { ParsedStructure } from '../structure-io/types';
import { BuilderInputError } from './builder-input-error';
import { atomicVolumeA3, latticeCell, type LatticeCell, type LatticeKind } from './lattice';
import { defaultOrientation, formatDirection, resolveOrientation, type Orientation, type ResolvedOrientation } from './orientation';
import { finishStructure, orthogonalCell } from './periodic-box';
import { dot, inverse, matVec, scaled, transpose } from './vector-math';
import { LimitExceeded, MAX_BUILT_ATOMS } from '../../../main/shared/limits';

/**
 * Sites whose fractional box coordinate is within this of 1 count as the periodic image at 0 (and those just below 0
 * as at 0), so that rounding in the rotation neither duplicates nor loses the atoms on the box faces.
 */
const FACE_TOLERANCE = 1e-9;

/** Positions (Å, box frame, interleaved) of every atom in one period cell [0, periodsA) of the oriented crystal. */
export function periodCellPositions(cell: LatticeCell, orientation: ResolvedOrientation): Float64Array {
  const { axes, periodsA } = orientation;
  const edgesT = transpose(cell.edgesA);
  const toFractional = inverse(edgesT);
  // Range of conventional-cell indices that can reach the period box: its 8 corners, in cell fractions.
  const lo: Vec3 = [Infinity, Infinity, Infinity];
  const hi: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (let corner = 0; corner < 8; corner++) {
    const r: Vec3 = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      if (((corner >> k) & 1) === 0) continue;
      const edge = scaled(axes[k] as Vec3, periodsA[k] as number);
      for (let i = 0; i < 3; i++) r[i] = (r[i] as number) + (edge[i] as number);
    }
    const f = matVec(toFractional, r);
    for (let i = 0; i < 3; i++) {
      lo[i] = Math.min(lo[i] as number, f[i] as number);
      hi[i] = Math.max(hi[i] as number, f[i] as number);
    }
  }
  const expected = expectedAtoms(periodsA, atomicVolumeA3(cell));
  const positions = new Float64Array(3 * expected);
  let count = 0;
  for (let n0 = Math.floor(lo[0]) - 1; n0 <= Math.ceil(hi[0]); n0++) {
    for (let n1 = Math.floor(lo[1]) - 1; n1 <= Math.ceil(hi[1]); n1++) {
      for (let n2 = Math.floor(lo[2]) - 1; n2 <= Math.ceil(hi[2]); n2++) {
        for (const b of cell.basis) {
          const r = matVec(edgesT, [n0 + b[0], n1 + b[1], n2 + b[2]]);
          const box = boxCoordinates(axes, periodsA, r);
          if (box === null) continue;
          if (count === expected) throw new Error('internal: the period cell holds more atoms than its volume allows');
          positions.set(box, 3 * count++);
        }
      }
    }
  }
  if (count !== expected) throw new Error(`internal: the period cell holds ${count} atoms, its volume ${expected}`);
  return positions;
}

function expectedAtoms(periodsA: Vec3, volumePerAtomA3: number): number {
  const exact = (periodsA[0] * periodsA[1] * periodsA[2]) / volumePerAtomA3;
  const count = Math.round(exact);
  if (Math.abs(exact - count) > 1e-6 * Math.max(1, exact)) throw new Error(`internal: period cell volume is ${exact} atoms`);
  return count;
}

/** r's box coordinates when it lies in [0, L) on every axis (faces resolved by FACE_TOLERANCE), else null. */
function boxCoordinates(axes: ResolvedOrientation['axes'], periodsA: Vec3, r: Vec3): Vec3 | null {
  const out: Vec3 = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const length = periodsA[k] as number;
    const s = dot(axes[k] as Vec3, r) / length;
    if (s < -FACE_TOLERANCE || s >= 1 - FACE_TOLERANCE) return null;
    out[k] = Math.max(0, s) * length;
  }
  return out;
}

/** Repeats a period cell `repeats` times along x, y, z (translations by whole periods are lattice vectors). */
export function tilePeriodCell(periodPositions: Float64Array, periodsA: Vec3, repeats: Vec3): Float64Array {
  const perCell = periodPositions.length / 3;
  const [nx, ny, nz] = repeats;
  // Counted before allocating: a box typed in nm instead of Å would otherwise take the memory of the machine.
  const atoms = perCell * nx * ny * nz;
  if (!(atoms <= MAX_BUILT_ATOMS)) throw new LimitExceeded('atoms of the crystal', atoms, MAX_BUILT_ATOMS, 'make the box smaller');
  const out = new Float64Array(periodPositions.length * nx * ny * nz);
  let at = 0;
  for (let ix = 0; ix < nx; ix++) {
    for (let iy = 0; iy < ny; iy++) {
      for (let iz = 0; iz < nz; iz++) {
        const sx = ix * periodsA[0];
        const sy = iy * periodsA[1];
        const sz = iz * periodsA[2];
        for (let j = 0; j < perCell; j++) {
          out[at++] = (periodPositions[3 * j] as number) + sx;
          out[at++] = (periodPositions[3 * j + 1] as number) + sy;
          out[at++] = (periodPositions[3 * j + 2] as number) + sz;
        }
      }
    }
  }
  return out;
}

/** Whole periods per axis: given directly, or the nearest whole number (at least 1) to a target length in Å. */
export function repeatsFor(periodsA: Vec3, size: { repeats?: Vec3; lengthsA?: Vec3 }): Vec3 {
  const { repeats, lengthsA } = size;
  if ((repeats === undefined) === (lengthsA === undefined)) {
    throw new BuilderInputError('give the box size either as repeats (whole periods per axis) or as lengthsA (Å per axis), not both');
  }
  if (repeats !== undefined) {
    if (!repeats.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new BuilderInputError(`repeats must be whole numbers ≥ 1, got [${repeats.join(', ')}]`);
    }
    return [repeats[0], repeats[1], repeats[2]];
  }
  const target = lengthsA as Vec3;
  if (!target.every((l) => Number.isFinite(l) && l > 0)) {
    throw new BuilderInputError(`lengthsA must be positive lengths in Å, got [${target.join(', ')}]`);
  }
  return target.map((l, k) => Math.max(1, Math.round(l / (periodsA[k] as number)))) as Vec3;
}

export interface OrientedCrystalOptions {
  lattice: LatticeKind;
  latticeA: number;
  /** HCP only; default ideal √(8/3). */
  cOverA?: number;
  /** Lattice directions along x, y, z; default the cube axes (cubic) or the orthohexagonal cell (HCP). */
  orient?: Orientation;
  /** Whole periods per axis. Give this or `lengthsA`. */
  repeats?: Vec3;
  /** Target box lengths in Å, rounded to the nearest whole period (at least one). */
  lengthsA?: Vec3;
  element: string;
}

export interface OrientedCrystal {
  structure: ParsedStructure;
  /** Shortest lattice period along x, y, z in Å. */
  periodsA: Vec3;
  repeats: Vec3;
}

/** A perfect, periodic, single-element crystal in an orthogonal box whose axes are `orient`. */
export function orientedCrystal(options: OrientedCrystalOptions): OrientedCrystal {
  const cell = latticeCell(options.lattice, options.latticeA, options.cOverA);
  const orient = options.orient ?? defaultOrientation(cell.kind);
  const orientation = resolveOrientation(cell, orient);
  const repeats = repeatsFor(orientation.periodsA, options);
  const positions = tilePeriodCell(periodCellPositions(cell, orientation), orientation.periodsA, repeats);
  const lengthsA = orientation.periodsA.map((p, k) => p * (repeats[k] as number)) as Vec3;
  const n = positions.length / 3;
  const structure = finishStructure({
    positions,
    types: new Int32Array(n).fill(1),
    typeElements: [options.element],
    cell: orthogonalCell(lengthsA),
    notes: [`${describeCrystal(cell, orient)}, ${repeats.join(' × ')} periods (${lengthsA.map((l) => l.toFixed(3)).join(' × ')} Å)`],
  });
  return { structure, periodsA: orientation.periodsA, repeats };
}

/** "FCC a = 3.615 Å, x=[1,1,0] y=[-1,1,0] z=[0,0,1]" for notes. */
export function describeCrystal(cell: LatticeCell, orient: Orientation): string {
  const c = cell.kind === 'hcp' ? `, c/a = ${cell.cOverA.toFixed(4)}` : '';
  const axes = `x=${formatDirection(orient.x)} y=${formatDirection(orient.y)} z=${formatDirection(orient.z)}`;
  return `${cell.kind.toUpperCase()} a = ${cell.latticeA} Å${c}, ${axes}`;
}
