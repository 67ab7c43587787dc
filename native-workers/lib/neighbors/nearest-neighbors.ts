/**
 * The k nearest neighbours of every atom (periodic images resolved, any box size): a reusable per-atom query for
 * streaming consumers (bond order, adaptive CNA) and the whole-structure arrays.
 */
import { NeighborInputError, neighborsAvailable, type AtomsInput } from './atoms-input';
import { CandidateBuffer, CellGrid } from './cell-grid';

export interface NearestNeighbors {
  k: number;
  /** Neighbour atom index (0-based) per atom, nearest first: row i is index[i·k … i·k + k − 1]. */
  index: Int32Array;
  /** Distances in Å, same layout. */
  distance: Float64Array;
  /** r_j − r_i in Å (the image actually nearest), x y z per neighbour: row i is delta[3·i·k … 3·(i + 1)·k − 1]. */
  delta: Float64Array;
}

/**
 * Atoms a first search sphere is sized to hold, on average: comfortably more than k so that density fluctuations
 * rarely force a second scan, few enough that the scan stays short.
 */
function targetCount(k: number): number {
  return 1.5 * k + 4;
}

function radiusHolding(count: number, numberDensity: number): number {
  return Math.cbrt((3 * count) / (4 * Math.PI * numberDensity));
}

function checkNeighborCountValue(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new NeighborInputError(`the neighbour count must be a positive integer, got ${k}`);
}

export function checkNeighborCount(k: number, input: AtomsInput, atomCount: number): void {
  checkNeighborCountValue(k);
  const available = neighborsAvailable(input.cell, atomCount);
  if (atomCount > 0 && available < k) {
    throw new NeighborInputError(
      `the ${k}-nearest-neighbour search needs at least ${k + 1} atoms, structure has ${atomCount} ` +
        '(and no periodic direction to supply images)',
    );
  }
}

/**
 * Bins of half the radius expected to hold the k neighbours: the scan (whole runs of bins along a, cut to the
 * sphere's chord in orthogonal cells) then stays close to the sphere, and there are still fewer bins than atoms.
 */
export function gridForNearest(input: AtomsInput, k: number): CellGrid {
  checkNeighborCountValue(k);
  const grid = CellGrid.build(input, (density) => 0.5 * radiusHolding(targetCount(k), density));
  checkNeighborCount(k, input, grid.atomCount);
  return grid;
}

/**
 * Finds the k nearest neighbours of one atom at a time. After `find(slot)`, `slot`, `distSq` and `dx`/`dy`/`dz` hold
 * the k neighbours nearest first (ties: scan order). Slots are grid slots: atom = grid.atomOfSlot[slot].
 */
export class NearestNeighborQuery {
  readonly slot: Int32Array;
  readonly distSq: Float64Array;
  readonly dx: Float64Array;
  readonly dy: Float64Array;
  readonly dz: Float64Array;
  private readonly candidates = new CandidateBuffer(128);
  private readonly chosen: Int32Array;
  private readonly startRadiusA: number;

  constructor(
    readonly grid: CellGrid,
    readonly k: number,
  ) {
    checkNeighborCount(k, grid.input, grid.atomCount);
    this.slot = new Int32Array(k);
    this.distSq = new Float64Array(k);
    this.dx = new Float64Array(k);
    this.dy = new Float64Array(k);
    this.dz = new Float64Array(k);
    this.chosen = new Int32Array(k);
    this.startRadiusA = radiusHolding(targetCount(k), grid.numberDensity);
  }

  find(slot: number): void {
    const k = this.k;
    const buffer = this.candidates;
    let radius = this.startRadiusA;
    let count = this.grid.collectWithin(slot, radius, buffer);
    // Every atom within the radius was seen, so k of them within it are exactly the k nearest; otherwise widen.
    while (count < k) {
      const widen = count > 0 ? Math.max(1.25, 1.1 * Math.cbrt(targetCount(k) / count)) : 2;
      radius *= widen;
      count = this.grid.collectWithin(slot, radius, buffer);
    }
    // Keep the k smallest, sorted, by insertion into a short list (count is typically about 1.5·k).
    const d2s = buffer.distSq;
    const best = this.distSq;
    const chosen = this.chosen;
    let filled = 0;
    for (let c = 0; c < count; c++) {
      const d2 = d2s[c] as number;
      if (filled === k) {
        if (d2 >= (best[k - 1] as number)) continue;
      } else {
        filled++;
      }
      let at = filled - 1;
      while (at > 0 && (best[at - 1] as number) > d2) {
        best[at] = best[at - 1] as number;
        chosen[at] = chosen[at - 1] as number;
        at--;
      }
      best[at] = d2;
      chosen[at] = c;
    }
    for (let m = 0; m < k; m++) {
      const c = chosen[m] as number;
      this.slot[m] = buffer.slot[c] as number;
      this.dx[m] = buffer.dx[c] as number;
      this.dy[m] = buffer.dy[c] as number;
      this.dz[m] = buffer.dz[c] as number;
    }
  }
}

/** The k nearest neighbours of every atom, nearest first, with distances and image-resolved bond vectors. */
export function nearestNeighbors(input: AtomsInput, k: number): NearestNeighbors {
  const grid = gridForNearest(input, k);
  const n = grid.atomCount;
  const index = new Int32Array(n * k);
  const distance = new Float64Array(n * k);
  const delta = new Float64Array(3 * n * k);
  const query = new NearestNeighborQuery(grid, k);
  const atomOfSlot = grid.atomOfSlot;
  for (let slot = 0; slot < n; slot++) {
    query.find(slot);
    const row = (atomOfSlot[slot] as number) * k;
    for (let m = 0; m < k; m++) {
      index[row + m] = atomOfSlot[query.slot[m] as number] as number;
      distance[row + m] = Math.sqrt(query.distSq[m] as number);
      delta[3 * (row + m)] = query.dx[m] as number;
      delta[3 * (row + m) + 1] = query.dy[m] as number;
      delta[3 * (row + m) + 2] = query.dz[m] as number;
    }
  }
  return { k, index, distance, delta };
}
