/**
 * The binned atom grid every neighbour search runs on: atoms wrapped into the cell along periodic directions, sorted
 * into bins of the (possibly triclinic) cell in fractional coordinates, and the scan that collects every atom image
 * within a radius of an atom, enumerating as many periodic images as the radius needs (boxes of any size).
 */
import { cross, dot } from '../structure-io/cell-math';
import { COINCIDENT_DISTANCE_A, NeighborInputError, describeAtom, validateAtoms, type AtomsInput } from './atoms-input';

/** Growable scratch arrays for one atom's candidates: grid slot, squared distance, and r_j − r_i in Å. */
export class CandidateBuffer {
  slot: Int32Array;
  distSq: Float64Array;
  dx: Float64Array;
  dy: Float64Array;
  dz: Float64Array;
  private order: Int32Array;

  constructor(capacity = 64) {
    this.slot = new Int32Array(capacity);
    this.distSq = new Float64Array(capacity);
    this.dx = new Float64Array(capacity);
    this.dy = new Float64Array(capacity);
    this.dz = new Float64Array(capacity);
    this.order = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.slot.length;
  }

  grow(): void {
    const capacity = this.slot.length * 2;
    const slot = new Int32Array(capacity);
    slot.set(this.slot);
    this.slot = slot;
    for (const key of ['distSq', 'dx', 'dy', 'dz'] as const) {
      const next = new Float64Array(capacity);
      next.set(this[key]);
      this[key] = next;
    }
    this.order = new Int32Array(capacity);
  }

  /**
   * The first `count` candidates' indices ordered by distance (ties keep collection order). Returns a scratch array
   * that the next call overwrites. Insertion sort for the usual dozen-odd neighbours, heapsort (no allocation) beyond.
   */
  orderByDistance(count: number): Int32Array {
    const order = this.order;
    const key = this.distSq;
    for (let c = 0; c < count; c++) order[c] = c;
    if (count <= 32) {
      for (let c = 1; c < count; c++) {
        const moving = order[c] as number;
        const d2 = key[moving] as number;
        let at = c;
        while (at > 0 && (key[order[at - 1] as number] as number) > d2) {
          order[at] = order[at - 1] as number;
          at--;
        }
        order[at] = moving;
      }
      return order;
    }
    // Heapsort on (distance, collection index) so that the order is total and deterministic.
    const after = (p: number, q: number): boolean => {
      const dp = key[p] as number;
      const dq = key[q] as number;
      return dp > dq || (dp === dq && p > q);
    };
    const siftDown = (start: number, end: number): void => {
      let root = start;
      for (;;) {
        let child = 2 * root + 1;
        if (child >= end) return;
        if (child + 1 < end && after(order[child + 1] as number, order[child] as number)) child++;
        if (!after(order[child] as number, order[root] as number)) return;
        const t = order[root] as number;
        order[root] = order[child] as number;
        order[child] = t;
        root = child;
      }
    };
    for (let start = (count >> 1) - 1; start >= 0; start--) siftDown(start, count);
    for (let end = count - 1; end > 0; end--) {
      const t = order[0] as number;
      order[0] = order[end] as number;
      order[end] = t;
      siftDown(0, end);
    }
    return order;
  }
}

/** Non-periodic extents thinner than this count as this thick when estimating the number density. */
const MIN_EXTENT_A = 1;
/** Relative and absolute slack on the scanned fractional range so that rounding never hides an atom at the radius. */
const SCAN_SLACK = 1e-9;

export class CellGrid {
  readonly atomCount: number;
  /** Positions (Å) wrapped into the cell along periodic directions, in slot order: atoms of a bin are contiguous. */
  readonly positions: Float64Array;
  /** Original atom index of each slot. */
  readonly atomOfSlot: Int32Array;
  /** Atoms per Å³ of the occupied volume (the cell along periodic directions, the atoms' extent along the others). */
  readonly numberDensity: number;
  readonly binCounts: readonly [number, number, number];

  private readonly binStart: Int32Array;
  /** Rows of the inverse cell matrix: fractional s_k = (r − origin) · inverse[k]. */
  private readonly inverse: Float64Array;
  /** |inverse[k]| = 1 / (cell thickness along k): a sphere of radius R spans R · this in fractional coordinate k. */
  private readonly fractionPerA: Float64Array;
  private readonly binOrigin: Float64Array;
  private readonly binWidth: Float64Array;
  private readonly periodic: readonly [boolean, boolean, boolean];
  /** Edge vectors a, b, c (Å), row-wise. */
  private readonly edges: Float64Array;
  private readonly origin: Float64Array;
  /** a ∥ x, b ∥ y, c ∥ z: bins are boxes, which allows a tighter scan. */
  private readonly orthogonal: boolean;
  /** Bin edge lengths in Å (orthogonal cells). */
  private readonly binLengthA: Float64Array;
  /** Scratch: the scanned atom's position and the scan radius, in bin units per axis. */
  private readonly atomInBins = new Float64Array(3);
  private readonly reachInBins = new Float64Array(3);

  private constructor(
    readonly input: AtomsInput,
    init: {
      positions: Float64Array;
      atomOfSlot: Int32Array;
      binStart: Int32Array;
      binCounts: [number, number, number];
      inverse: Float64Array;
      fractionPerA: Float64Array;
      binOrigin: Float64Array;
      binWidth: Float64Array;
      numberDensity: number;
    },
  ) {
    this.atomCount = init.atomOfSlot.length;
    this.positions = init.positions;
    this.atomOfSlot = init.atomOfSlot;
    this.binStart = init.binStart;
    this.binCounts = init.binCounts;
    this.inverse = init.inverse;
    this.fractionPerA = init.fractionPerA;
    this.binOrigin = init.binOrigin;
    this.binWidth = init.binWidth;
    this.numberDensity = init.numberDensity;
    const { cell } = input;
    this.periodic = [cell.pbc[0], cell.pbc[1], cell.pbc[2]];
    this.edges = Float64Array.from([...cell.a, ...cell.b, ...cell.c]);
    this.origin = Float64Array.from(cell.origin);
    this.binLengthA = Float64Array.from([0, 1, 2], (k) => (this.binWidth[k] as number) / (this.fractionPerA[k] as number));
    const { a, b, c } = cell;
    this.orthogonal = a[1] === 0 && a[2] === 0 && b[0] === 0 && b[2] === 0 && c[0] === 0 && c[1] === 0;
  }

  /**
   * Validates the input and bins it. `chooseBinWidthA` gets the number density (atoms/Å³) and returns the bin edge in
   * Å; bins are capped at a few per atom so that a sparse gas in a huge box cannot exhaust memory.
   */
  static build(input: AtomsInput, chooseBinWidthA: (numberDensity: number) => number): CellGrid {
    const n = validateAtoms(input);
    const { cell, positions } = input;
    const a = cell.a;
    const b = cell.b;
    const c = cell.c;
    const volume = dot(a, cross(b, c));
    const scale = Math.max(...a.map(Math.abs), ...b.map(Math.abs), ...c.map(Math.abs));
    if (!(Math.abs(volume) > 1e-12 * scale * scale * scale)) {
      throw new NeighborInputError('the cell has zero volume (degenerate edge vectors)');
    }
    const inverse = Float64Array.from([...cross(b, c), ...cross(c, a), ...cross(a, b)].map((v) => v / volume));
    const fractionPerA = new Float64Array(3);
    for (let k = 0; k < 3; k++) {
      fractionPerA[k] = Math.hypot(inverse[3 * k] as number, inverse[3 * k + 1] as number, inverse[3 * k + 2] as number);
    }
    const edges = Float64Array.from([...a, ...b, ...c]);
    const pbc = cell.pbc;
    const [ox, oy, oz] = cell.origin;

    // Wraps atom i along periodic directions into `wrapped`: atoms inside stay bit-for-bit, others move by whole edges.
    const wrapped = new Float64Array(3);
    const frac = new Float64Array(3);
    const wrapAtom = (i: number): void => {
      let x = positions[3 * i] as number;
      let y = positions[3 * i + 1] as number;
      let z = positions[3 * i + 2] as number;
      const rx = x - ox;
      const ry = y - oy;
      const rz = z - oz;
      for (let k = 0; k < 3; k++) {
        if (!pbc[k]) continue;
        const s = rx * (inverse[3 * k] as number) + ry * (inverse[3 * k + 1] as number) + rz * (inverse[3 * k + 2] as number);
        const shift = Math.floor(s);
        if (shift === 0) continue;
        x -= shift * (edges[3 * k] as number);
        y -= shift * (edges[3 * k + 1] as number);
        z -= shift * (edges[3 * k + 2] as number);
      }
      wrapped[0] = x;
      wrapped[1] = y;
      wrapped[2] = z;
    };
    const fractional = (x: number, y: number, z: number): void => {
      const rx = x - ox;
      const ry = y - oy;
      const rz = z - oz;
      for (let k = 0; k < 3; k++) {
        frac[k] = rx * (inverse[3 * k] as number) + ry * (inverse[3 * k + 1] as number) + rz * (inverse[3 * k + 2] as number);
      }
    };

    // Extent of the atoms along non-periodic directions: the bins cover it, and it sets the occupied volume.
    const lo = [0, 0, 0];
    const hi = [1, 1, 1];
    for (let k = 0; k < 3; k++) {
      if (!pbc[k]) {
        lo[k] = Infinity;
        hi[k] = -Infinity;
      }
    }
    if (!(pbc[0] && pbc[1] && pbc[2])) {
      for (let i = 0; i < n; i++) {
        fractional(positions[3 * i] as number, positions[3 * i + 1] as number, positions[3 * i + 2] as number);
        for (let k = 0; k < 3; k++) {
          if (pbc[k]) continue;
          const s = frac[k] as number;
          if (s < (lo[k] as number)) lo[k] = s;
          if (s > (hi[k] as number)) hi[k] = s;
        }
      }
    }
    const lengthA = [0, 0, 0];
    let occupiedVolume = Math.abs(volume);
    for (let k = 0; k < 3; k++) {
      const thickness = 1 / (fractionPerA[k] as number);
      if (pbc[k]) {
        lengthA[k] = thickness;
      } else {
        const span = n > 0 ? (hi[k] as number) - (lo[k] as number) : 0;
        lengthA[k] = span * thickness;
        occupiedVolume *= Math.max(lengthA[k] as number, MIN_EXTENT_A) / thickness;
      }
    }
    const numberDensity = n / occupiedVolume;

    const widthA = chooseBinWidthA(numberDensity);
    const counts: [number, number, number] = [1, 1, 1];
    for (let k = 0; k < 3; k++) counts[k] = Math.max(1, Math.floor((lengthA[k] as number) / widthA));
    const maxBins = 2 * n + 64;
    let total = counts[0] * counts[1] * counts[2];
    // Coarsen the finest-divided axis until the bins fit (repeatedly, as one axis may hold nearly all of them).
    while (total > maxBins) {
      const k = counts[0] >= counts[1] && counts[0] >= counts[2] ? 0 : counts[1] >= counts[2] ? 1 : 2;
      counts[k] = Math.max(1, Math.floor((counts[k] as number) * Math.max(0.5, maxBins / total)));
      total = counts[0] * counts[1] * counts[2];
    }
    const binOrigin = new Float64Array(3);
    const binWidth = new Float64Array(3);
    for (let k = 0; k < 3; k++) {
      if (pbc[k]) {
        binOrigin[k] = 0;
        binWidth[k] = 1 / (counts[k] as number);
      } else {
        const span = (hi[k] as number) - (lo[k] as number);
        binOrigin[k] = n > 0 ? (lo[k] as number) : 0;
        binWidth[k] = span > 0 ? span / (counts[k] as number) : 1;
      }
    }
    const binOf = (): number => {
      let bin = 0;
      for (let k = 2; k >= 0; k--) {
        const count = counts[k] as number;
        let index = Math.floor(((frac[k] as number) - (binOrigin[k] as number)) / (binWidth[k] as number));
        if (index < 0) index = 0;
        else if (index >= count) index = count - 1;
        bin = bin * count + index;
      }
      return bin;
    };

    // Counting sort of atoms by bin.
    const binOfAtom = new Int32Array(n);
    const binStart = new Int32Array(total + 1);
    for (let i = 0; i < n; i++) {
      wrapAtom(i);
      fractional(wrapped[0] as number, wrapped[1] as number, wrapped[2] as number);
      const bin = binOf();
      binOfAtom[i] = bin;
      binStart[bin + 1] = (binStart[bin + 1] as number) + 1;
    }
    for (let bin = 0; bin < total; bin++) binStart[bin + 1] = (binStart[bin + 1] as number) + (binStart[bin] as number);
    const fill = binStart.slice(0, total);
    const atomOfSlot = new Int32Array(n);
    const sorted = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      const bin = binOfAtom[i] as number;
      const slot = fill[bin] as number;
      fill[bin] = slot + 1;
      atomOfSlot[slot] = i;
      wrapAtom(i);
      sorted[3 * slot] = wrapped[0] as number;
      sorted[3 * slot + 1] = wrapped[1] as number;
      sorted[3 * slot + 2] = wrapped[2] as number;
    }
    return new CellGrid(input, {
      positions: sorted,
      atomOfSlot,
      binStart,
      binCounts: counts,
      inverse,
      fractionPerA,
      binOrigin,
      binWidth,
      numberDensity,
    });
  }

  /**
   * Collects into `buffer` every atom image within `radiusA` (inclusive) of the atom in `slot`, except the atom itself
   * (its periodic images are included). Returns how many; they are in scan order, not sorted.
   * Throws NeighborInputError when another atom sits at (almost) the same place.
   */
  collectWithin(slot: number, radiusA: number, buffer: CandidateBuffer): number {
    const pos = this.positions;
    const inv = this.inverse;
    const e = this.edges;
    const px = pos[3 * slot] as number;
    const py = pos[3 * slot + 1] as number;
    const pz = pos[3 * slot + 2] as number;
    const rx = px - (this.origin[0] as number);
    const ry = py - (this.origin[1] as number);
    const rz = pz - (this.origin[2] as number);
    const scanA = radiusA * (1 + SCAN_SLACK) + SCAN_SLACK;
    const scanSq = scanA * scanA;
    const radiusSq = radiusA * radiusA;
    const n0 = this.binCounts[0];
    const n1 = this.binCounts[1];
    const n2 = this.binCounts[2];

    // The atom's position in bin units per axis (bin u spans [u, u + 1)), and the sphere's half-extent in bin units.
    const bins = this.atomInBins;
    const reach = this.reachInBins;
    for (let k = 0; k < 3; k++) {
      const s = rx * (inv[3 * k] as number) + ry * (inv[3 * k + 1] as number) + rz * (inv[3 * k + 2] as number);
      bins[k] = (s - (this.binOrigin[k] as number)) / (this.binWidth[k] as number);
      reach[k] = (scanA * (this.fractionPerA[k] as number)) / (this.binWidth[k] as number);
    }
    const t0 = bins[0] as number;
    const t1 = bins[1] as number;
    const t2 = bins[2] as number;
    // Unwrapped bin index ranges; along periodic axes index ÷ count is the image.
    let lo0 = Math.floor(t0 - (reach[0] as number));
    let hi0 = Math.floor(t0 + (reach[0] as number));
    let lo1 = Math.floor(t1 - (reach[1] as number));
    let hi1 = Math.floor(t1 + (reach[1] as number));
    let lo2 = Math.floor(t2 - (reach[2] as number));
    let hi2 = Math.floor(t2 + (reach[2] as number));
    const periodic = this.periodic;
    if (!periodic[0]) {
      lo0 = Math.max(lo0, 0);
      hi0 = Math.min(hi0, n0 - 1);
    }
    if (!periodic[1]) {
      lo1 = Math.max(lo1, 0);
      hi1 = Math.min(hi1, n1 - 1);
    }
    if (!periodic[2]) {
      lo2 = Math.max(lo2, 0);
      hi2 = Math.min(hi2, n2 - 1);
    }
    // Orthogonal cells: bins are boxes, so a row of bins along a is skipped when it lies wholly outside the sphere
    // and otherwise scanned only over the sphere's chord at that row: about half the candidates of the full block.
    const orthogonal = this.orthogonal;
    const binA0 = this.binLengthA[0] as number;
    const binA1 = this.binLengthA[1] as number;
    const binA2 = this.binLengthA[2] as number;

    let count = 0;
    let image2 = Math.floor(lo2 / n2);
    let wrapped2 = lo2 - image2 * n2;
    for (let u2 = lo2; u2 <= hi2; u2++, wrapped2++) {
      if (wrapped2 === n2) {
        wrapped2 = 0;
        image2++;
      }
      let gap2Sq = 0;
      if (orthogonal) {
        const gap2 = binA2 * (u2 > t2 ? u2 - t2 : t2 > u2 + 1 ? t2 - u2 - 1 : 0);
        gap2Sq = gap2 * gap2;
        if (gap2Sq > scanSq) continue;
      }
      const s2x = image2 * (e[6] as number);
      const s2y = image2 * (e[7] as number);
      const s2z = image2 * (e[8] as number);
      let image1 = Math.floor(lo1 / n1);
      let wrapped1 = lo1 - image1 * n1;
      for (let u1 = lo1; u1 <= hi1; u1++, wrapped1++) {
        if (wrapped1 === n1) {
          wrapped1 = 0;
          image1++;
        }
        let rowLo = lo0;
        let rowHi = hi0;
        if (orthogonal) {
          const gap1 = binA1 * (u1 > t1 ? u1 - t1 : t1 > u1 + 1 ? t1 - u1 - 1 : 0);
          const rowSq = gap2Sq + gap1 * gap1;
          if (rowSq > scanSq) continue;
          const chord = (Math.sqrt(scanSq - rowSq) * (1 + SCAN_SLACK) + SCAN_SLACK) / binA0;
          rowLo = Math.floor(t0 - chord);
          rowHi = Math.floor(t0 + chord);
          if (!periodic[0]) {
            if (rowLo < 0) rowLo = 0;
            if (rowHi > n0 - 1) rowHi = n0 - 1;
          }
        }
        const sx = s2x + image1 * (e[3] as number);
        const sy = s2y + image1 * (e[4] as number);
        const sz = s2z + image1 * (e[5] as number);
        const rowBase = n0 * (wrapped1 + n1 * wrapped2);
        const ownRow = image1 === 0 && image2 === 0;
        if (rowLo >= 0 && rowHi < n0) {
          // The usual case: one run of consecutive bins, in the atom's own image along a.
          const self = ownRow ? slot : -1;
          count = this.scanSlots(slot, self, rowBase + rowLo, rowBase + rowHi, sx, sy, sz, radiusSq, buffer, count);
          continue;
        }
        // The row crosses the periodic boundary along a (or wraps several times in a small box): one run per image.
        for (let image0 = Math.floor(rowLo / n0); image0 * n0 <= rowHi; image0++) {
          const from = Math.max(rowLo - image0 * n0, 0);
          const to = Math.min(rowHi - image0 * n0, n0 - 1);
          const self = ownRow && image0 === 0 ? slot : -1;
          count = this.scanSlots(
            slot,
            self,
            rowBase + from,
            rowBase + to,
            sx + image0 * (e[0] as number),
            sy + image0 * (e[1] as number),
            sz + image0 * (e[2] as number),
            radiusSq,
            buffer,
            count,
          );
        }
      }
    }
    return count;
  }

  /**
   * Appends to `buffer` the atoms of bins firstBin … lastBin (consecutive slots), shifted by (sx, sy, sz), that lie
   * within the radius of the atom in `slot`; `self` is that slot when the shift is zero (skip the atom itself).
   */
  private scanSlots(
    slot: number,
    self: number,
    firstBin: number,
    lastBin: number,
    sx: number,
    sy: number,
    sz: number,
    radiusSq: number,
    buffer: CandidateBuffer,
    count: number,
  ): number {
    const pos = this.positions;
    const px = pos[3 * slot] as number;
    const py = pos[3 * slot + 1] as number;
    const pz = pos[3 * slot + 2] as number;
    const end = this.binStart[lastBin + 1] as number;
    const coincidentSq = COINCIDENT_DISTANCE_A * COINCIDENT_DISTANCE_A;
    for (let q = this.binStart[firstBin] as number; q < end; q++) {
      // (x_j + shift) − x_i: the same arithmetic as LAMMPS's ghost-atom distances.
      const dx = (pos[3 * q] as number) + sx - px;
      const dy = (pos[3 * q + 1] as number) + sy - py;
      const dz = (pos[3 * q + 2] as number) + sz - pz;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 > radiusSq || q === self) continue;
      if (d2 < coincidentSq) this.throwCoincident(slot, q);
      if (count === buffer.capacity) buffer.grow();
      buffer.slot[count] = q;
      buffer.distSq[count] = d2;
      buffer.dx[count] = dx;
      buffer.dy[count] = dy;
      buffer.dz[count] = dz;
      count++;
    }
    return count;
  }

  private throwCoincident(slotA: number, slotB: number): never {
    const a = this.atomOfSlot[slotA] as number;
    const b = this.atomOfSlot[slotB] as number;
    const [first, second] = a < b ? [a, b] : [b, a];
    const what = first === second ? `${describeAtom(this.input, first)} coincides with its own periodic image` :
      `two atoms are at zero distance (closer than ${COINCIDENT_DISTANCE_A} Å, periodic images included): ` +
        `${describeAtom(this.input, first)} and ${describeAtom(this.input, second)}`;
    throw new NeighborInputError(what);
  }
}
