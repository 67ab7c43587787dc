/**
 * Spherical nanocrystals in a matrix (papers/000 §2.1: spheres of radius 3 a or 4 a kept crystalline, aligned with
 * the surrounding crystal or rotated): each sphere either keeps the matrix atoms already on its lattice, or is
 * emptied and filled with a fresh, possibly rotated crystal, and matrix atoms crowding it are removed.
 */
import type { Vec3 } from '../../../main/shared/domain';
import type { ParsedStructure } from '../structure-io/types';
import { BuilderInputError } from './builder-input-error';
import { latticeCell, nearestNeighborDistanceA, type LatticeCell, type LatticeKind } from './lattice';
import { describeCrystal } from './oriented-crystal';
import { defaultOrientation, resolveOrientation, type Orientation } from './orientation';
import { finishStructure, orthogonalLengthsA, typeForElement } from './periodic-box';
import { PeriodicPointGrid } from './point-grid';
import { crystalSitesInBall, insideBall } from './sphere-crystal';
import { matMul, norm, rotationMatrix, type Mat3 } from './vector-math';

/** A matrix atom within this fraction of the nearest-neighbour distance of a sphere site counts as on the lattice. */
const ALIGNED_TOLERANCE = 0.05;
// (≈ 0.13 Å for Cu: a perfect or 0 K-relaxed crystal passes, a thermalised one does not and gets a fresh sphere.)

export interface NanocrystalSphere {
  centerA: Vec3;
  /** Radius in lattice parameters (the paper uses 3 and 4). */
  radiusLatticeParams: number;
  /** Rotation of this sphere's crystal about its centre (box frame, right-hand rule). Given, the sphere is always refilled. */
  rotation?: { axis: Vec3; angleDeg: number };
}

export interface NanocrystalOptions {
  /** Default 'fcc'. */
  lattice?: LatticeKind;
  latticeA: number;
  /** HCP only. */
  cOverA?: number;
  /** Crystal axes of an unrotated sphere, as for orientedCrystal; give the matrix's own to keep aligned spheres. */
  orient?: Orientation;
  element: string;
  spheres: NanocrystalSphere[];
  /** Matrix atoms closer than this to a new sphere atom are removed; default half the nearest-neighbour distance. */
  overlapDistanceA?: number;
}

export interface EmbeddedNanocrystals {
  structure: ParsedStructure;
  /** Per atom: −1 = matrix, k = sphere k. */
  sphereIndex: Int16Array;
  /** Per sphere: its atom count and whether it kept the matrix atoms (aligned) or was refilled. */
  spheres: { atomCount: number; keptMatrixAtoms: boolean }[];
  removedMatrixAtoms: number;
}

interface Sphere {
  centerA: Vec3;
  radiusA: number;
  crystalToBox: Mat3;
  rotated: boolean;
}

function checkSpheres(spheres: NanocrystalSphere[], latticeA: number, lengthsA: Vec3, overlapDistanceA: number): void {
  if (spheres.length > 32767) throw new BuilderInputError(`${spheres.length} spheres do not fit a 16-bit sphere index`);
  const shortest = Math.min(...lengthsA);
  const radii = spheres.map((s, k) => {
    const r = s.radiusLatticeParams * latticeA;
    if (!s.centerA.every((c) => Number.isFinite(c))) throw new BuilderInputError(`sphere ${k} has a non-finite centre`);
    if (!(Number.isFinite(r) && r > 0)) throw new BuilderInputError(`sphere ${k} needs a positive radius, got ${s.radiusLatticeParams} a`);
    // Across the periodic boundary a sphere meets its own image; its atoms must stay the overlap distance apart.
    if (2 * r + overlapDistanceA > shortest) {
      throw new BuilderInputError(
        `sphere ${k} (radius ${r.toFixed(2)} Å) is larger than half the box: its diameter plus the overlap distance exceeds the shortest edge ${shortest.toFixed(2)} Å`,
      );
    }
    if (s.rotation !== undefined && !(norm(s.rotation.axis) > 0 && Number.isFinite(s.rotation.angleDeg))) {
      throw new BuilderInputError(`sphere ${k} has a rotation with a zero axis or a non-finite angle`);
    }
    return r;
  });
  for (let i = 0; i < spheres.length; i++) {
    for (let j = i + 1; j < spheres.length; j++) {
      const d = minimumImageDistance((spheres[i] as NanocrystalSphere).centerA, (spheres[j] as NanocrystalSphere).centerA, lengthsA);
      if (d < (radii[i] as number) + (radii[j] as number) + overlapDistanceA) {
        throw new BuilderInputError(`spheres ${i} and ${j} overlap: centres ${d.toFixed(2)} Å apart, closer than their radii plus the overlap distance`);
      }
    }
  }
}

function minimumImageDelta(from: Vec3, to: Vec3, lengthsA: Vec3): Vec3 {
  return [0, 1, 2].map((k) => {
    const d = (to[k] as number) - (from[k] as number);
    return d - (lengthsA[k] as number) * Math.round(d / (lengthsA[k] as number));
  }) as Vec3;
}

function minimumImageDistance(a: Vec3, b: Vec3, lengthsA: Vec3): number {
  return norm(minimumImageDelta(a, b, lengthsA));
}

/**
 * When the matrix already holds this sphere's lattice (no rotation, same lattice and orientation), the matrix atoms on
 * its sites, anchored at the matrix atom nearest the centre; null when any site has no matrix atom on it.
 */
function alignedMatrixAtoms(cell: LatticeCell, sphere: Sphere, matrix: ParsedStructure, grid: PeriodicPointGrid, lengthsA: Vec3): Int32Array | null {
  const nn = nearestNeighborDistanceA(cell);
  const p = matrix.positions;
  const nearest = grid.nearestWithin(sphere.centerA[0], sphere.centerA[1], sphere.centerA[2], nn);
  if (nearest < 0) return null;
  const delta = minimumImageDelta(sphere.centerA, [p[3 * nearest] as number, p[3 * nearest + 1] as number, p[3 * nearest + 2] as number], lengthsA);
  const anchor: Vec3 = [sphere.centerA[0] + delta[0], sphere.centerA[1] + delta[1], sphere.centerA[2] + delta[2]];
  // The nearest atom may be any basis atom (HCP has two inequivalent ones), so try each as the anchor.
  for (let b = 0; b < cell.basis.length; b++) {
    const sites = crystalSitesInBall(cell, sphere.crystalToBox, anchor, b, sphere.centerA, sphere.radiusA);
    const matched = new Int32Array(sites.length / 3);
    let all = true;
    for (let s = 0; s < matched.length && all; s++) {
      matched[s] = grid.nearestWithin(sites[3 * s] as number, sites[3 * s + 1] as number, sites[3 * s + 2] as number, ALIGNED_TOLERANCE * nn);
      all = (matched[s] as number) >= 0;
    }
    if (all) return matched;
  }
  return null;
}

function resolveSpheres(options: NanocrystalOptions, cell: LatticeCell): Sphere[] {
  const { axes } = resolveOrientation(cell, options.orient ?? defaultOrientation(cell.kind));
  return options.spheres.map((s) => {
    const rotation = s.rotation === undefined ? null : rotationMatrix(s.rotation.axis, (s.rotation.angleDeg * Math.PI) / 180);
    return {
      centerA: s.centerA,
      radiusA: s.radiusLatticeParams * options.latticeA,
      crystalToBox: rotation === null ? axes : matMul(rotation, axes),
      rotated: rotation !== null,
    };
  });
}

/** Embeds the spheres of `options` into `matrix` (orthogonal, periodic); the matrix is not modified. */
export function embedNanocrystals(matrix: ParsedStructure, options: NanocrystalOptions): EmbeddedNanocrystals {
  const lengthsA = orthogonalLengthsA(matrix.cell, 'the matrix');
  const cell = latticeCell(options.lattice ?? 'fcc', options.latticeA, options.cOverA);
  const nn = nearestNeighborDistanceA(cell);
  const overlapDistanceA = options.overlapDistanceA ?? 0.5 * nn;
  if (!(Number.isFinite(overlapDistanceA) && overlapDistanceA >= 0)) {
    throw new BuilderInputError(`overlapDistanceA must be a distance ≥ 0 Å, got ${overlapDistanceA}`);
  }
  if (!(2 * Math.max(nn, overlapDistanceA) < Math.min(...lengthsA))) {
    throw new BuilderInputError(`the matrix box (${lengthsA.map((l) => l.toFixed(2)).join(' × ')} Å) is too small for nanocrystals`);
  }
  checkSpheres(options.spheres, options.latticeA, lengthsA, overlapDistanceA);
  const spheres = resolveSpheres(options, cell);
  const n = matrix.types.length;
  const p = matrix.positions;
  const grid = new PeriodicPointGrid(p, matrix.cell.origin, lengthsA, Math.max(2, nn));
  const keep = new Uint8Array(n).fill(1);
  const matrixSphere = new Int16Array(n).fill(-1);
  const newSites: Float64Array[] = [];
  const notes = [...matrix.notes, `nanocrystals cut from ${describeCrystal(cell, options.orient ?? defaultOrientation(cell.kind))}`];
  const summary: EmbeddedNanocrystals['spheres'] = [];
  spheres.forEach((sphere, k) => {
    const where = `nanocrystal ${k}: radius ${(sphere.radiusA / options.latticeA).toFixed(2)} a = ${sphere.radiusA.toFixed(3)} Å at (${sphere.centerA.map((c) => c.toFixed(3)).join(', ')}) Å`;
    const aligned = sphere.rotated ? null : alignedMatrixAtoms(cell, sphere, matrix, grid, lengthsA);
    if (aligned !== null) {
      for (const atom of aligned) matrixSphere[atom] = k;
      newSites.push(new Float64Array(0));
      summary.push({ atomCount: aligned.length, keptMatrixAtoms: true });
      notes.push(`${where}, aligned with the matrix: kept its ${aligned.length} atoms`);
      return;
    }
    for (let i = 0; i < n; i++) {
      if (insideBall(p[3 * i] as number, p[3 * i + 1] as number, p[3 * i + 2] as number, sphere.centerA, sphere.radiusA, lengthsA)) keep[i] = 0;
    }
    const sites = crystalSitesInBall(cell, sphere.crystalToBox, sphere.centerA, 0, sphere.centerA, sphere.radiusA);
    newSites.push(sites);
    summary.push({ atomCount: sites.length / 3, keptMatrixAtoms: false });
    const rotation = options.spheres[k]?.rotation;
    const how = rotation === undefined ? 'unrotated' : `rotated ${rotation.angleDeg}° about [${rotation.axis.join(', ')}]`;
    notes.push(`${where}, ${how}: ${sites.length / 3} new ${options.element} atoms`);
  });
  const inside = n - keep.reduce((sum, k) => sum + k, 0);
  const crowded = removeCrowdedMatrixAtoms(newSites, matrix, lengthsA, overlapDistanceA, keep, matrixSphere);
  notes.push(`removed ${inside} matrix atoms inside refilled spheres and ${crowded} closer than ${overlapDistanceA.toFixed(3)} Å to their new atoms`);
  return assemble(matrix, options.element, keep, matrixSphere, newSites, summary, notes);
}

/** Drops (keep = 0) unclaimed matrix atoms within the overlap distance of any new sphere atom; returns how many. */
function removeCrowdedMatrixAtoms(
  newSites: Float64Array[],
  matrix: ParsedStructure,
  lengthsA: Vec3,
  overlapDistanceA: number,
  keep: Uint8Array,
  matrixSphere: Int16Array,
): number {
  const total = newSites.reduce((sum, s) => sum + s.length, 0);
  if (total === 0 || overlapDistanceA === 0) return 0;
  const all = new Float64Array(total);
  let at = 0;
  for (const s of newSites) {
    all.set(s, at);
    at += s.length;
  }
  const grid = new PeriodicPointGrid(all, matrix.cell.origin, lengthsA, Math.max(2, overlapDistanceA));
  const p = matrix.positions;
  let removed = 0;
  for (let i = 0; i < keep.length; i++) {
    if (keep[i] === 0 || matrixSphere[i] !== -1) continue;
    if (grid.nearestWithin(p[3 * i] as number, p[3 * i + 1] as number, p[3 * i + 2] as number, overlapDistanceA) >= 0) {
      keep[i] = 0;
      removed++;
    }
  }
  return removed;
}

/** Kept matrix atoms in their order, then each sphere's new atoms; ids renumbered 1 … N. */
function assemble(
  matrix: ParsedStructure,
  element: string,
  keep: Uint8Array,
  matrixSphere: Int16Array,
  newSites: Float64Array[],
  spheres: EmbeddedNanocrystals['spheres'],
  notes: string[],
): EmbeddedNanocrystals {
  const kept = keep.reduce((sum, k) => sum + k, 0);
  const added = newSites.reduce((sum, s) => sum + s.length / 3, 0);
  // Only new atoms need the element's type; aligned spheres alone leave the type list as it was.
  const { typeElements, type } = added > 0 ? typeForElement(matrix.typeElements, element) : { typeElements: [...matrix.typeElements], type: 0 };
  const n = kept + added;
  const positions = new Float64Array(3 * n);
  const types = new Int32Array(n);
  const sphereIndex = new Int16Array(n);
  let at = 0;
  for (let i = 0; i < keep.length; i++) {
    if (keep[i] === 0) continue;
    positions.set(matrix.positions.subarray(3 * i, 3 * i + 3), 3 * at);
    types[at] = matrix.types[i] as number;
    sphereIndex[at++] = matrixSphere[i] as number;
  }
  newSites.forEach((sites, k) => {
    positions.set(sites, 3 * at);
    const count = sites.length / 3;
    types.fill(type, at, at + count);
    sphereIndex.fill(k, at, at + count);
    at += count;
  });
  const structure = finishStructure({ positions, types, typeElements, cell: structuredClone(matrix.cell), notes });
  return { structure, sphereIndex, spheres, removedMatrixAtoms: keep.length - kept };
}

