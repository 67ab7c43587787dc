/**
 * A private cell list for g(r): visits every pair of atoms (including periodic images, any number of them) closer
 * than a cut-off, once per unordered pair, in a periodic, partly periodic or non-periodic, orthogonal or triclinic cell.
 */
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { cellVolume, cross, norm } from '../structure-io/cell-math';

/**
 * Called once per unordered pair {i, j + image}: `j ≥ i`, and for `j === i` (an atom and its own periodic image)
 * only for one of the two opposite images, so that an ordered-pair count adds the pair to both (i → j) and (j → i).
 * `rsq` is the squared distance in Å², computed as LAMMPS does for a ghost atom: (x_j + shift) − x_i.
 */
export type PairVisitor = (i: number, j: number, rsq: number) => void;

/** Bins per axis are capped so that a tiny cut-off in a huge, mostly empty box does not allocate millions of bins. */
const MAX_BINS_PER_ATOM = 4;

/** Perpendicular widths of the cell (distance between opposite faces), in Å. */
export function perpendicularWidths(cell: Cell): Vec3 {
  const volume = Math.abs(cellVolume(cell));
  return [
    volume / norm(cross(cell.b, cell.c)),
    volume / norm(cross(cell.c, cell.a)),
    volume / norm(cross(cell.a, cell.b)),
  ];
}

interface Binning {
  /** Bins per axis. */
  counts: [number, number, number];
  /** Stencil half-width per axis (in bins). */
  reach: [number, number, number];
  /** Fractional coordinate of bin 0's lower face per axis (0 for periodic axes). */
  lo: [number, number, number];
  /** Fractional extent covered by the bins per axis (1 for periodic axes). */
  span: [number, number, number];
}

/**
 * Visits all pairs closer than `rmaxA` (and at distance 0 for distinct atoms) in `positions` (interleaved x y z, Å).
 * Along periodic directions atoms are taken into the cell by whole lattice vectors (atoms already inside keep their
 * exact coordinates, so distances equal LAMMPS's to the last bit); images are enumerated explicitly, so `rmaxA` may
 * exceed half the cell width (an atom then meets several images of the same neighbour, and its own images).
 */
export function forEachPairWithin(positions: Float64Array, cell: Cell, rmaxA: number, visit: PairVisitor): void {
  if (!(rmaxA > 0) || !Number.isFinite(rmaxA)) throw new Error(`the pair cut-off must be a positive number of Å (got ${rmaxA})`);
  const n = positions.length / 3;
  if (!Number.isInteger(n)) throw new Error('positions must hold x, y, z per atom');
  if (n === 0) return;
  const volume = cellVolume(cell);
  if (!Number.isFinite(volume) || volume === 0) throw new Error('the cell has zero volume');

  const vectors = [cell.a, cell.b, cell.c];
  // Rows of the inverse cell matrix: fractional f_k = (r − origin) · inv_k.
  const inv = [cross(cell.b, cell.c), cross(cell.c, cell.a), cross(cell.a, cell.b)].map((v) => v.map((x) => x / volume));
  const frac = new Float64Array(3 * n);
  const xyz = new Float64Array(positions);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const row = inv[k] as number[];
      const dx = (xyz[3 * i] as number) - cell.origin[0];
      const dy = (xyz[3 * i + 1] as number) - cell.origin[1];
      const dz = (xyz[3 * i + 2] as number) - cell.origin[2];
      let f = dx * (row[0] as number) + dy * (row[1] as number) + dz * (row[2] as number);
      if (cell.pbc[k] && (f < 0 || f >= 1)) {
        // Move the atom into the cell by whole lattice vectors; atoms inside stay bit-for-bit unchanged.
        const shift = Math.floor(f);
        const v = vectors[k] as Vec3;
        xyz[3 * i] = (xyz[3 * i] as number) - shift * v[0];
        xyz[3 * i + 1] = (xyz[3 * i + 1] as number) - shift * v[1];
        xyz[3 * i + 2] = (xyz[3 * i + 2] as number) - shift * v[2];
        f -= shift;
      }
      frac[3 * i + k] = f;
    }
  }

  const binning = chooseBinning(frac, n, cell, rmaxA);
  const [nx, ny, nz] = binning.counts;
  const binCount = nx * ny * nz;
  // Counting sort of atoms into bins: `start[b] … start[b + 1]` indexes `order`, ascending atom index within a bin.
  const binOf = new Int32Array(n);
  const start = new Int32Array(binCount + 1);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let k = 0; k < 3; k++) {
      const nk = binning.counts[k] as number;
      const t = ((frac[3 * i + k] as number) - (binning.lo[k] as number)) / (binning.span[k] as number);
      // Rounding can put f exactly on the upper face; such atoms belong to the last bin.
      const bk = Math.min(nk - 1, Math.max(0, Math.floor(t * nk)));
      b = b * nk + bk;
    }
    binOf[i] = b;
    start[b + 1] = (start[b + 1] as number) + 1;
  }
  for (let b = 0; b < binCount; b++) start[b + 1] = (start[b + 1] as number) + (start[b] as number);
  const fill = start.slice(0, binCount);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = binOf[i] as number;
    order[fill[b] as number] = i;
    fill[b] = (fill[b] as number) + 1;
  }

  const rsqMax = rmaxA * rmaxA;
  const [rx, ry, rz] = binning.reach;
  const { a, b: bv, c } = cell;
  for (let bx = 0; bx < nx; bx++) {
    for (let by = 0; by < ny; by++) {
      for (let bz = 0; bz < nz; bz++) {
        const home = (bx * ny + by) * nz + bz;
        const h0 = start[home] as number;
        const h1 = start[home + 1] as number;
        if (h0 === h1) continue;
        for (let ox = -rx; ox <= rx; ox++) {
          const wx = wrapBin(bx + ox, nx, cell.pbc[0]);
          if (wx === null) continue;
          for (let oy = -ry; oy <= ry; oy++) {
            const wy = wrapBin(by + oy, ny, cell.pbc[1]);
            if (wy === null) continue;
            for (let oz = -rz; oz <= rz; oz++) {
              const wz = wrapBin(bz + oz, nz, cell.pbc[2]);
              if (wz === null) continue;
              const [cx, ix] = wx;
              const [cy, iy] = wy;
              const [cz, iz] = wz;
              const other = (cx * ny + cy) * nz + cz;
              const o0 = start[other] as number;
              const o1 = start[other + 1] as number;
              if (o0 === o1) continue;
              const selfImage = ix !== 0 || iy !== 0 || iz !== 0;
              // An atom and its own image: keep only images whose shift is lexicographically positive.
              const positiveImage = ix > 0 || (ix === 0 && (iy > 0 || (iy === 0 && iz > 0)));
              const sx = ix * a[0] + iy * bv[0] + iz * c[0];
              const sy = ix * a[1] + iy * bv[1] + iz * c[1];
              const sz = ix * a[2] + iy * bv[2] + iz * c[2];
              for (let p = h0; p < h1; p++) {
                const i = order[p] as number;
                const xi = xyz[3 * i] as number;
                const yi = xyz[3 * i + 1] as number;
                const zi = xyz[3 * i + 2] as number;
                for (let q = o0; q < o1; q++) {
                  const j = order[q] as number;
                  if (j < i) continue;
                  if (j === i && (!selfImage || !positiveImage)) continue;
                  const dx = xi - ((xyz[3 * j] as number) + sx);
                  const dy = yi - ((xyz[3 * j + 1] as number) + sy);
                  const dz = zi - ((xyz[3 * j + 2] as number) + sz);
                  const rsq = dx * dx + dy * dy + dz * dz;
                  if (rsq < rsqMax) visit(i, j, rsq);
                }
              }
            }
          }
        }
      }
    }
  }
}

/** The bin and image count of bin index `b` on an axis with `count` bins; null off the edge of a non-periodic axis. */
function wrapBin(b: number, count: number, periodic: boolean): [number, number] | null {
  if (b >= 0 && b < count) return [b, 0];
  if (!periodic) return null;
  const image = Math.floor(b / count);
  return [b - image * count, image];
}

/**
 * Bins at least `rmaxA` wide (in perpendicular distance), so that the stencil reaches every neighbour: two points
 * closer than r differ in fractional coordinate k by at most r / w_k (w_k = perpendicular width), hence by at most
 * ceil(r · n_k / w_k) bins. Non-periodic axes are binned over the atoms' actual extent.
 */
function chooseBinning(frac: Float64Array, n: number, cell: Cell, rmaxA: number): Binning {
  const widths = perpendicularWidths(cell);
  const lo: [number, number, number] = [0, 0, 0];
  const span: [number, number, number] = [1, 1, 1];
  const lengths: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    if (!cell.pbc[k]) {
      let fmin = Infinity;
      let fmax = -Infinity;
      for (let i = 0; i < n; i++) {
        const f = frac[3 * i + k] as number;
        if (f < fmin) fmin = f;
        if (f > fmax) fmax = f;
      }
      // A little slack keeps the extreme atoms strictly inside; a flat extent still gets a non-zero span.
      const extent = Math.max(fmax - fmin, 1e-9);
      lo[k] = fmin - 1e-9 * extent;
      span[k] = extent * (1 + 2e-9);
    }
    lengths[k] = (span[k] as number) * (widths[k] as number);
  }
  const counts = lengths.map((l) => Math.max(1, Math.floor(l / rmaxA))) as [number, number, number];
  // Coarsen the grid uniformly while it has many more bins than atoms.
  const maxBins = Math.max(27, MAX_BINS_PER_ATOM * n);
  while (counts[0] * counts[1] * counts[2] > maxBins) {
    for (let k = 0; k < 3; k++) counts[k] = Math.max(1, Math.floor((counts[k] as number) / 2));
  }
  const reach = counts.map((nk, k) => {
    const binWidth = (lengths[k] as number) / nk;
    return Math.max(1, Math.ceil(rmaxA / binWidth));
  }) as [number, number, number];
  // On a non-periodic axis a stencil wider than the grid is pointless.
  for (let k = 0; k < 3; k++) if (!cell.pbc[k]) reach[k] = Math.min(reach[k] as number, (counts[k] as number) - 1);
  return { counts, reach, lo, span };
}
