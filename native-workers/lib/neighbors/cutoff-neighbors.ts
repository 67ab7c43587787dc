/**
 * Every neighbour within a distance cutoff (periodic images resolved, any box size): a reusable per-atom query for
 * streaming consumers (conventional CNA) and the whole-structure list in compressed-row (CSR) form.
 */
import { NeighborInputError, type AtomsInput } from './atoms-input';
import { CandidateBuffer, CellGrid } from './cell-grid';

export interface CutoffNeighbors {
  cutoffA: number;
  /** Row i (atom i's neighbours, nearest first) is entries offsets[i] … offsets[i + 1] − 1. */
  offsets: Int32Array;
  /** Neighbour atom index (0-based) per entry. */
  index: Int32Array;
  /** Distance in Å per entry. */
  distance: Float64Array;
  /** r_j − r_i in Å per entry, x y z. */
  delta: Float64Array;
}

export function checkCutoff(cutoffA: number): void {
  if (!(Number.isFinite(cutoffA) && cutoffA > 0)) {
    throw new NeighborInputError(`the cutoff must be a positive distance in Å, got ${cutoffA}`);
  }
}

/** Bins of half the cutoff, as for the nearest-neighbour search. */
export function gridForCutoff(input: AtomsInput, cutoffA: number): CellGrid {
  checkCutoff(cutoffA);
  return CellGrid.build(input, () => 0.5 * cutoffA);
}

/**
 * Finds the neighbours of one atom at a time that are strictly closer than the cutoff (LAMMPS's rsq < cutsq).
 * After `find(slot)` returns the count, `candidates` holds them in scan order; `candidates.orderByDistance(count)`
 * sorts them. Slots are grid slots: atom = grid.atomOfSlot[slot].
 */
export class CutoffNeighborQuery {
  readonly candidates = new CandidateBuffer(64);
  private readonly cutoffSq: number;

  constructor(
    readonly grid: CellGrid,
    readonly cutoffA: number,
  ) {
    checkCutoff(cutoffA);
    this.cutoffSq = cutoffA * cutoffA;
  }

  find(slot: number): number {
    const buffer = this.candidates;
    const count = this.grid.collectWithin(slot, this.cutoffA, buffer);
    // collectWithin includes the sphere's surface; the cutoff is exclusive, so drop exact-cutoff distances.
    let kept = 0;
    const limit = this.cutoffSq;
    for (let c = 0; c < count; c++) {
      if ((buffer.distSq[c] as number) >= limit) continue;
      if (kept !== c) {
        buffer.slot[kept] = buffer.slot[c] as number;
        buffer.distSq[kept] = buffer.distSq[c] as number;
        buffer.dx[kept] = buffer.dx[c] as number;
        buffer.dy[kept] = buffer.dy[c] as number;
        buffer.dz[kept] = buffer.dz[c] as number;
      }
      kept++;
    }
    return kept;
  }
}

/**
 * Every neighbour strictly closer than `cutoffA`, per atom nearest first. Two passes (count, then fill) so that
 * the arrays are allocated once at their exact size.
 */
export function neighborsWithinCutoff(input: AtomsInput, cutoffA: number): CutoffNeighbors {
  const grid = gridForCutoff(input, cutoffA);
  const n = grid.atomCount;
  const query = new CutoffNeighborQuery(grid, cutoffA);
  const atomOfSlot = grid.atomOfSlot;
  const offsets = new Int32Array(n + 1);
  for (let slot = 0; slot < n; slot++) offsets[(atomOfSlot[slot] as number) + 1] = query.find(slot);
  for (let i = 0; i < n; i++) {
    const next = (offsets[i + 1] as number) + (offsets[i] as number);
    if (next > 0x7fffffff) {
      throw new NeighborInputError(`more than 2^31 neighbour pairs within ${cutoffA} Å; use a smaller cutoff`);
    }
    offsets[i + 1] = next;
  }
  const total = offsets[n] as number;
  const index = new Int32Array(total);
  const distance = new Float64Array(total);
  const delta = new Float64Array(3 * total);
  const buffer = query.candidates;
  for (let slot = 0; slot < n; slot++) {
    const count = query.find(slot);
    const order = buffer.orderByDistance(count);
    let entry = offsets[atomOfSlot[slot] as number] as number;
    for (let m = 0; m < count; m++, entry++) {
      const c = order[m] as number;
      index[entry] = atomOfSlot[buffer.slot[c] as number] as number;
      distance[entry] = Math.sqrt(buffer.distSq[c] as number);
      delta[3 * entry] = buffer.dx[c] as number;
      delta[3 * entry + 1] = buffer.dy[c] as number;
      delta[3 * entry + 2] = buffer.dz[c] as number;
    }
  }
  return { cutoffA, offsets, index, distance, delta };
}
