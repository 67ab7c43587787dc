/**
 * A private cell-list neighbour search for the tessellation: bins along the cell's own (fractional) axes, periodic
 * images to any depth (so boxes smaller than the search radius work), candidates returned sorted by distance.
 */
import type { VoronoiBox } from './voronoi-box';
import { atomLabel } from './voronoi-box';
import { VoronoiInputError } from './types';

/** Closer than this fraction of the mean spacing, two atoms are the same point and have no bisecting plane. */
const OVERLAP_FRACTION = 1e-9;

/** Candidate indices packed into sort keys (see sortByDistance). */
const INDEX_MASK = 0xfff;
/** The key packing writes the low mantissa word, which is the first 32-bit word on little-endian machines only. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Neighbour vectors (j's image minus i) of one atom, in order of distance once `sortByDistance` ran. */
export class NeighbourCandidates {
  count = 0;
  dx = new Float64Array(256);
  dy = new Float64Array(256);
  dz = new Float64Array(256);
  distSq = new Float64Array(256);
  atom = new Int32Array(256);
  /** Indices into the arrays above, nearest first. */
  order = new Int32Array(256);
  private keys = new Float64Array(256);
  private keyWords = new Uint32Array(this.keys.buffer);

  push(dx: number, dy: number, dz: number, distSq: number, atom: number): void {
    if (this.count === this.dx.length) this.grow();
    const k = this.count++;
    this.dx[k] = dx;
    this.dy[k] = dy;
    this.dz[k] = dz;
    this.distSq[k] = distSq;
    this.atom[k] = atom;
  }

  /**
   * Sorts by distance with the engine's native numeric sort (no comparator calls): each key is the squared
   * distance with the candidate's index written into its lowest 12 mantissa bits. That perturbs keys by < 2⁻⁴⁰
   * relative, which can only swap near-ties, and the cutting result does not depend on the order of cuts anyway.
   */
  sortByDistance(): void {
    const n = this.count;
    if (n > INDEX_MASK + 1 || !LITTLE_ENDIAN) {
      this.comparatorSort();
      return;
    }
    if (this.keys.length < n) {
      this.keys = new Float64Array(this.dx.length);
      this.keyWords = new Uint32Array(this.keys.buffer);
    }
    const keys = this.keys;
    const words = this.keyWords;
    const d = this.distSq;
    for (let k = 0; k < n; k++) {
      keys[k] = d[k] as number;
      words[2 * k] = ((words[2 * k] as number) & ~INDEX_MASK) | k;
    }
    keys.subarray(0, n).sort();
    const order = this.order;
    for (let k = 0; k < n; k++) order[k] = (words[2 * k] as number) & INDEX_MASK;
  }

  private comparatorSort(): void {
    const d = this.distSq;
    const idx = Array.from({ length: this.count }, (_, k) => k).sort((p, q) => (d[p] as number) - (d[q] as number));
    for (let k = 0; k < idx.length; k++) this.order[k] = idx[k] as number;
  }

  private grow(): void {
    const n = this.dx.length * 2;
    const f = (old: Float64Array): Float64Array<ArrayBuffer> => {
      const a = new Float64Array(n);
      a.set(old);
      return a;
    };
    this.dx = f(this.dx);
    this.dy = f(this.dy);
    this.dz = f(this.dz);
    this.distSq = f(this.distSq);
    const atom = new Int32Array(n);
    atom.set(this.atom);
    this.atom = atom;
    this.order = new Int32Array(n);
  }
}

export class NeighbourBins {
  /** Bins along a, b, c. */
  readonly nBins: Int32Array;
  private readonly binStart: Int32Array;
  private readonly sortedX: Float64Array;
  private readonly sortedY: Float64Array;
  private readonly sortedZ: Float64Array;
  private readonly sortedAtom: Int32Array;
  private readonly atomBin: Int32Array;
  private readonly overlapSq: number;
  /** Per-axis squared gaps between an atom and the bins at each offset (scratch, reused). */
  private gapSq: Float64Array[] = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];

  constructor(private readonly box: VoronoiBox) {
    const n = box.count;
    this.nBins = new Int32Array(3);
    // About one atom per bin: the 7×7×7 block around an atom then holds the ~2.5-spacing search sphere.
    for (let k = 0; k < 3; k++) {
      this.nBins[k] = Math.max(1, Math.min(1024, Math.floor((box.widthA[k] as number) / box.spacingA)));
    }
    const nb0 = this.nBins[0] as number;
    const nb1 = this.nBins[1] as number;
    const nb2 = this.nBins[2] as number;
    const total = nb0 * nb1 * nb2;
    this.atomBin = new Int32Array(3 * n);
    const binOf = new Int32Array(n);
    const counts = new Int32Array(total + 1);
    for (let i = 0; i < n; i++) {
      const b0 = Math.min(nb0 - 1, Math.floor((box.fractional[3 * i] as number) * nb0));
      const b1 = Math.min(nb1 - 1, Math.floor((box.fractional[3 * i + 1] as number) * nb1));
      const b2 = Math.min(nb2 - 1, Math.floor((box.fractional[3 * i + 2] as number) * nb2));
      this.atomBin[3 * i] = b0;
      this.atomBin[3 * i + 1] = b1;
      this.atomBin[3 * i + 2] = b2;
      const bin = (b2 * nb1 + b1) * nb0 + b0;
      binOf[i] = bin;
      counts[bin + 1] = (counts[bin + 1] as number) + 1;
    }
    for (let b = 0; b < total; b++) counts[b + 1] = (counts[b + 1] as number) + (counts[b] as number);
    this.binStart = counts;
    this.sortedX = new Float64Array(n);
    this.sortedY = new Float64Array(n);
    this.sortedZ = new Float64Array(n);
    this.sortedAtom = new Int32Array(n);
    const fill = counts.slice(0, total);
    // Atoms of a bin stored contiguously with their coordinates: the inner loop then streams memory.
    for (let i = 0; i < n; i++) {
      const bin = binOf[i] as number;
      const s = fill[bin] as number;
      fill[bin] = s + 1;
      this.sortedX[s] = box.wrapped[3 * i] as number;
      this.sortedY[s] = box.wrapped[3 * i + 1] as number;
      this.sortedZ[s] = box.wrapped[3 * i + 2] as number;
      this.sortedAtom[s] = i;
    }
    this.overlapSq = (OVERLAP_FRACTION * box.spacingA) ** 2;
  }

  /** Atom indices bin by bin: visiting atoms in this order keeps the neighbour data of consecutive atoms in cache. */
  spatialOrder(): Int32Array {
    return this.sortedAtom;
  }

  /**
   * Appends to `out` every image of every atom j with rLowSq < |r_j + shift − r_i|² ≤ rHighSq (i's own images
   * included, i itself excluded), then sorts `out`. `rHigh` = √rHighSq. Throws on overlapping atoms.
   */
  collect(i: number, rLowSq: number, rHigh: number, out: NeighbourCandidates): void {
    const box = this.box;
    const rHighSq = rHigh * rHigh;
    const e = box.edges;
    const xi = box.wrapped[3 * i] as number;
    const yi = box.wrapped[3 * i + 1] as number;
    const zi = box.wrapped[3 * i + 2] as number;
    const nb0 = this.nBins[0] as number;
    const nb1 = this.nBins[1] as number;
    const nb2 = this.nBins[2] as number;
    const reach = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const nb = this.nBins[k] as number;
      // A point within rHigh differs by at most rHigh / width in fractional coordinate k.
      let r = Math.ceil((rHigh * nb) / (box.widthA[k] as number));
      // Along a wall-bounded direction nothing lies beyond the cell.
      if (!box.periodic[k]) r = Math.min(r, nb);
      reach[k] = r;
      this.fillGaps(k, i, r);
    }
    const r0 = reach[0] as number;
    const r1 = reach[1] as number;
    const r2 = reach[2] as number;
    const g0 = this.gapSq[0] as Float64Array;
    const g1 = this.gapSq[1] as Float64Array;
    const g2 = this.gapSq[2] as Float64Array;
    // Orthogonal gaps add up in quadrature; oblique ones only bound the distance one at a time.
    const orthogonal = box.orthogonal;
    const p0 = box.periodic[0];
    const p1 = box.periodic[1];
    const p2 = box.periodic[2];
    const ab0 = this.atomBin[3 * i] as number;
    const ab1 = this.atomBin[3 * i + 1] as number;
    const ab2 = this.atomBin[3 * i + 2] as number;
    const sx = this.sortedX;
    const sy = this.sortedY;
    const sz = this.sortedZ;
    const sa = this.sortedAtom;
    const start = this.binStart;
    for (let d2 = -r2; d2 <= r2; d2++) {
      let c2 = ab2 + d2;
      let s2 = 0;
      if (c2 < 0 || c2 >= nb2) {
        if (!p2) continue;
        s2 = Math.floor(c2 / nb2);
        c2 -= s2 * nb2;
      }
      const gap2 = g2[d2 + r2] as number;
      if (gap2 > rHighSq) continue;
      for (let d1 = -r1; d1 <= r1; d1++) {
        let c1 = ab1 + d1;
        let s1 = 0;
        if (c1 < 0 || c1 >= nb1) {
          if (!p1) continue;
          s1 = Math.floor(c1 / nb1);
          c1 -= s1 * nb1;
        }
        const gap1 = g1[d1 + r1] as number;
        const gap21 = orthogonal ? gap2 + gap1 : Math.max(gap2, gap1);
        if (gap21 > rHighSq) continue;
        for (let d0 = -r0; d0 <= r0; d0++) {
          let c0 = ab0 + d0;
          let s0 = 0;
          if (c0 < 0 || c0 >= nb0) {
            if (!p0) continue;
            s0 = Math.floor(c0 / nb0);
            c0 -= s0 * nb0;
          }
          const gap0 = g0[d0 + r0] as number;
          if ((orthogonal ? gap21 + gap0 : Math.max(gap21, gap0)) > rHighSq) continue;
          const shiftX = s0 * (e[0] as number) + s1 * (e[3] as number) + s2 * (e[6] as number) - xi;
          const shiftY = s0 * (e[1] as number) + s1 * (e[4] as number) + s2 * (e[7] as number) - yi;
          const shiftZ = s0 * (e[2] as number) + s1 * (e[5] as number) + s2 * (e[8] as number) - zi;
          const bin = (c2 * nb1 + c1) * nb0 + c0;
          const end = start[bin + 1] as number;
          for (let s = start[bin] as number; s < end; s++) {
            const dx = (sx[s] as number) + shiftX;
            const dy = (sy[s] as number) + shiftY;
            const dz = (sz[s] as number) + shiftZ;
            const dsq = dx * dx + dy * dy + dz * dz;
            if (dsq > rHighSq || dsq <= rLowSq) continue;
            const j = sa[s] as number;
            if (dsq <= this.overlapSq) {
              if (j === i && s0 === 0 && s1 === 0 && s2 === 0) continue;
              throw new VoronoiInputError(this.overlapMessage(i, j));
            }
            out.push(dx, dy, dz, dsq, j);
          }
        }
      }
    }
    out.sortByDistance();
  }

  /** Squared lower bound on the distance from atom i to any point of the bin at each offset along axis k. */
  private fillGaps(k: number, i: number, reach: number): void {
    const size = 2 * reach + 1;
    if ((this.gapSq[k] as Float64Array).length < size) this.gapSq[k] = new Float64Array(2 * size);
    const gaps = this.gapSq[k] as Float64Array;
    const nb = this.nBins[k] as number;
    const f = (this.box.fractional[3 * i + k] as number) * nb;
    const home = this.atomBin[3 * i + k] as number;
    const binWidth = (this.box.widthA[k] as number) / nb;
    for (let d = -reach; d <= reach; d++) {
      // Bin (home + d) spans [home + d, home + d + 1) in units of bins, images included.
      const lo = home + d - f;
      const hi = lo + 1;
      const gap = lo > 0 ? lo : hi < 0 ? -hi : 0;
      const g = gap * binWidth;
      gaps[d + reach] = g * g;
    }
  }

  private overlapMessage(i: number, j: number): string {
    const ids = this.box.ids;
    if (i === j) {
      return `${atomLabel(ids, i)} coincides with its own periodic image: the cell is too small along a periodic direction`;
    }
    return `${atomLabel(ids, i)} and ${atomLabel(ids, j)} overlap (distance ≈ 0), so they have no bisecting plane`;
  }
}
