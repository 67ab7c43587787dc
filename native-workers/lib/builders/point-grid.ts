/**
 * A bare periodic cell list over points in an orthogonal box, for "is any of these atoms within r of here?". The
 * repo's neighbour search refuses coincident atoms, but finding (near-)coincident atoms is exactly what overlap
 * removal and lattice matching need.
 */
import type { Vec3 } from '../../../main/shared/domain';

export class PeriodicPointGrid {
  private readonly counts: [number, number, number];
  private readonly binStart: Int32Array;
  /** Point indices sorted by bin. */
  private readonly order: Int32Array;

  /** `positions` (Å, interleaved) inside [origin, origin + L); bins are at least `binWidthA` wide. */
  constructor(
    private readonly positions: Float64Array,
    private readonly origin: Vec3,
    private readonly lengthsA: Vec3,
    binWidthA: number,
  ) {
    const n = positions.length / 3;
    const counts = lengthsA.map((l) => Math.max(1, Math.floor(l / binWidthA))) as [number, number, number];
    // Cap the bin count at a few per point so that a tiny bin width on a sparse set cannot exhaust memory.
    while (counts[0] * counts[1] * counts[2] > 2 * n + 64) {
      const k = counts[0] >= counts[1] && counts[0] >= counts[2] ? 0 : counts[1] >= counts[2] ? 1 : 2;
      counts[k] = Math.max(1, Math.floor(counts[k] / 2));
    }
    this.counts = counts;
    const total = counts[0] * counts[1] * counts[2];
    const binOf = new Int32Array(n);
    const binStart = new Int32Array(total + 1);
    for (let i = 0; i < n; i++) {
      const bin = this.binAt(positions[3 * i] as number, positions[3 * i + 1] as number, positions[3 * i + 2] as number);
      binOf[i] = bin;
      binStart[bin + 1] = (binStart[bin + 1] as number) + 1;
    }
    for (let b = 0; b < total; b++) binStart[b + 1] = (binStart[b + 1] as number) + (binStart[b] as number);
    const fill = binStart.slice(0, total);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const bin = binOf[i] as number;
      order[fill[bin] as number] = i;
      fill[bin] = (fill[bin] as number) + 1;
    }
    this.binStart = binStart;
    this.order = order;
  }

  private binIndex(value: number, k: number): number {
    const count = this.counts[k] as number;
    const length = this.lengthsA[k] as number;
    const s = (value - (this.origin[k] as number)) / length;
    const index = Math.floor((s - Math.floor(s)) * count);
    return Math.min(count - 1, Math.max(0, index));
  }

  private binAt(x: number, y: number, z: number): number {
    return (this.binIndex(z, 2) * this.counts[1] + this.binIndex(y, 1)) * this.counts[0] + this.binIndex(x, 0);
  }

  /** Bin indices along axis k to scan for a sphere of `radiusA` around bin `center`: each bin once. */
  private scanRange(center: number, k: number, radiusA: number): number[] {
    const count = this.counts[k] as number;
    // floor + 1 rather than ceil: a point exactly one radius away, on a bin edge, is still inside the scan.
    const reach = Math.floor(radiusA / ((this.lengthsA[k] as number) / count)) + 1;
    if (2 * reach + 1 >= count) return Array.from({ length: count }, (_, i) => i);
    return Array.from({ length: 2 * reach + 1 }, (_, i) => (((center - reach + i) % count) + count) % count);
  }

  /**
   * The point nearest to (x, y, z) among those within `radiusA` (minimum image, inclusive), or −1. The radius must
   * stay below half of every box edge, where the minimum image is the only image that can be that close.
   */
  nearestWithin(x: number, y: number, z: number, radiusA: number): number {
    const [lx, ly, lz] = this.lengthsA;
    if (!(2 * radiusA < Math.min(lx, ly, lz))) throw new Error(`internal: search radius ${radiusA} Å is not below half the box`);
    const xs = this.scanRange(this.binIndex(x, 0), 0, radiusA);
    const ys = this.scanRange(this.binIndex(y, 1), 1, radiusA);
    const zs = this.scanRange(this.binIndex(z, 2), 2, radiusA);
    const p = this.positions;
    let best = -1;
    let bestSq = radiusA * radiusA;
    for (const bz of zs) {
      for (const by of ys) {
        for (const bx of xs) {
          const bin = (bz * this.counts[1] + by) * this.counts[0] + bx;
          for (let q = this.binStart[bin] as number; q < (this.binStart[bin + 1] as number); q++) {
            const j = this.order[q] as number;
            let dx = (p[3 * j] as number) - x;
            let dy = (p[3 * j + 1] as number) - y;
            let dz = (p[3 * j + 2] as number) - z;
            dx -= lx * Math.round(dx / lx);
            dy -= ly * Math.round(dy / ly);
            dz -= lz * Math.round(dz / lz);
            const d2 = dx * dx + dy * dy + dz * dz;
            if (d2 <= bestSq) {
              best = j;
              bestSq = d2;
            }
          }
        }
      }
    }
    return best;
  }
}
