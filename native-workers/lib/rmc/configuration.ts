/**
 * The atoms an RMC run moves: positions in an orthorhombic periodic box, a species per atom, and a cell list that
 * follows single-atom moves in O(1) (a doubly linked list per cell), so that the neighbours of one atom within the
 * fitting range r_max are found in O(neighbours) — the whole cost model of RMC rests on that.
 *
 * Distances use the minimum image, which is why r_max may not exceed half the shortest box edge: a pair is then
 * counted once, with one image, as every RMC code does (McGreevy, J. Phys.: Condens. Matter 13 (2001) R877).
 */

export interface BoxLengths {
  /** Edge lengths of the orthorhombic periodic box, Å. */
  lx: number;
  ly: number;
  lz: number;
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * Positions (wrapped into [0, L)), species and the cell list. The list's cells are at least `range / reach` wide
 * with `reach` = 2 (a 5 × 5 × 5 stencil covers a sphere of the range with less wasted volume than 3 × 3 × 3 cells of
 * the full range); when the box holds fewer than 5 cells along an axis, every atom is visited along that axis.
 */
export class Configuration {
  readonly n: number;
  readonly box: BoxLengths;
  readonly positions: Float64Array;
  readonly species: Int32Array;
  readonly speciesCount: number;
  readonly range: number;
  private readonly nc: [number, number, number];
  private readonly reach: [number, number, number];
  private readonly cellLength: [number, number, number];
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly cellOf: Int32Array;

  constructor(positions: Float64Array, species: Int32Array, speciesCount: number, box: BoxLengths, range: number) {
    const n = species.length;
    if (positions.length !== 3 * n) throw new ConfigurationError(`positions hold ${positions.length / 3} atoms, species ${n}`);
    for (const [axis, l] of [['x', box.lx], ['y', box.ly], ['z', box.lz]] as const) {
      if (!(l > 0) || !Number.isFinite(l)) throw new ConfigurationError(`the box edge along ${axis} must be a positive length (got ${l} Å)`);
    }
    const shortest = Math.min(box.lx, box.ly, box.lz);
    if (!(range > 0) || range > shortest / 2 + 1e-12) {
      throw new ConfigurationError(
        `r_max ${range} Å must be positive and at most half the shortest box edge (${(shortest / 2).toFixed(3)} Å): ` +
          'RMC counts each pair once, with its nearest image; use a larger box or a smaller r_max',
      );
    }
    for (let i = 0; i < n; i++) {
      const t = species[i] as number;
      if (!Number.isInteger(t) || t < 0 || t >= speciesCount) throw new ConfigurationError(`atom ${i} has species ${t}; expected 0 … ${speciesCount - 1}`);
    }
    this.n = n;
    this.box = { ...box };
    this.positions = Float64Array.from(positions);
    this.species = Int32Array.from(species);
    this.speciesCount = speciesCount;
    this.range = range;
    const lengths = [box.lx, box.ly, box.lz];
    this.nc = [1, 1, 1];
    this.reach = [0, 0, 0];
    this.cellLength = [box.lx, box.ly, box.lz];
    for (let d = 0; d < 3; d++) {
      const l = lengths[d] as number;
      const cells = Math.floor((2 * l) / range);
      if (cells >= 5) {
        this.nc[d] = cells;
        this.reach[d] = 2;
      } else {
        // Too few cells for a stencil that does not wrap onto itself: one cell, every atom visited along this axis.
        this.nc[d] = 1;
        this.reach[d] = 0;
      }
      this.cellLength[d] = l / (this.nc[d] as number);
    }
    const cellCount = this.nc[0] * this.nc[1] * this.nc[2];
    this.head = new Int32Array(cellCount).fill(-1);
    this.next = new Int32Array(n).fill(-1);
    this.prev = new Int32Array(n).fill(-1);
    this.cellOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < 3; d++) {
        const v = this.positions[3 * i + d] as number;
        if (!Number.isFinite(v)) throw new ConfigurationError(`atom ${i} has a non-finite coordinate`);
        this.positions[3 * i + d] = wrap(v, lengths[d] as number);
      }
      this.insert(i, this.cellIndex(this.positions[3 * i] as number, this.positions[3 * i + 1] as number, this.positions[3 * i + 2] as number));
    }
  }

  /** The cell holding the (wrapped) point. */
  cellIndex(x: number, y: number, z: number): number {
    const cx = Math.min(this.nc[0] - 1, Math.floor(x / this.cellLength[0]));
    const cy = Math.min(this.nc[1] - 1, Math.floor(y / this.cellLength[1]));
    const cz = Math.min(this.nc[2] - 1, Math.floor(z / this.cellLength[2]));
    return (cx * this.nc[1] + cy) * this.nc[2] + cz;
  }

  private insert(i: number, cell: number): void {
    const first = this.head[cell] as number;
    this.next[i] = first;
    this.prev[i] = -1;
    if (first >= 0) this.prev[first] = i;
    this.head[cell] = i;
    this.cellOf[i] = cell;
  }

  private remove(i: number): void {
    const p = this.prev[i] as number;
    const q = this.next[i] as number;
    if (p >= 0) this.next[p] = q;
    else this.head[this.cellOf[i] as number] = q;
    if (q >= 0) this.prev[q] = p;
  }

  /** Moves atom i to (x, y, z) (wrapped into the box) and updates the cell list. */
  moveAtom(i: number, x: number, y: number, z: number): void {
    const wx = wrap(x, this.box.lx);
    const wy = wrap(y, this.box.ly);
    const wz = wrap(z, this.box.lz);
    this.positions[3 * i] = wx;
    this.positions[3 * i + 1] = wy;
    this.positions[3 * i + 2] = wz;
    const cell = this.cellIndex(wx, wy, wz);
    if (cell !== this.cellOf[i]) {
      this.remove(i);
      this.insert(i, cell);
    }
  }

  setSpecies(i: number, t: number): void {
    this.species[i] = t;
  }

  /**
   * Calls `visit(j, r²)` for every atom j ≠ `skip` whose nearest image lies within the range of the point (x, y, z)
   * (which must be inside the box). Returns nothing; the visitor may record what it needs in preallocated arrays.
   */
  forEachNeighbour(x: number, y: number, z: number, skip: number, visit: (j: number, rsq: number) => void): void {
    const { lx, ly, lz } = this.box;
    const hx = lx / 2;
    const hy = ly / 2;
    const hz = lz / 2;
    const r2max = this.range * this.range;
    const [nx, ny, nz] = this.nc;
    const [rx, ry, rz] = this.reach;
    const cx = Math.min(nx - 1, Math.floor(x / this.cellLength[0]));
    const cy = Math.min(ny - 1, Math.floor(y / this.cellLength[1]));
    const cz = Math.min(nz - 1, Math.floor(z / this.cellLength[2]));
    const pos = this.positions;
    for (let ox = -rx; ox <= rx; ox++) {
      const ix = (cx + ox + nx) % nx;
      for (let oy = -ry; oy <= ry; oy++) {
        const iy = (cy + oy + ny) % ny;
        for (let oz = -rz; oz <= rz; oz++) {
          const iz = (cz + oz + nz) % nz;
          for (let j = this.head[(ix * ny + iy) * nz + iz] as number; j >= 0; j = this.next[j] as number) {
            if (j === skip) continue;
            let dx = (pos[3 * j] as number) - x;
            if (dx > hx) dx -= lx;
            else if (dx < -hx) dx += lx;
            let dy = (pos[3 * j + 1] as number) - y;
            if (dy > hy) dy -= ly;
            else if (dy < -hy) dy += ly;
            let dz = (pos[3 * j + 2] as number) - z;
            if (dz > hz) dz -= lz;
            else if (dz < -hz) dz += lz;
            const rsq = dx * dx + dy * dy + dz * dz;
            if (rsq < r2max) visit(j, rsq);
          }
        }
      }
    }
  }

  /** Squared minimum-image distance between atoms i and j. */
  distanceSq(i: number, j: number): number {
    const p = this.positions;
    const d = [0, 0, 0];
    const l = [this.box.lx, this.box.ly, this.box.lz];
    for (let k = 0; k < 3; k++) {
      let v = (p[3 * j + k] as number) - (p[3 * i + k] as number);
      const len = l[k] as number;
      v -= len * Math.round(v / len);
      d[k] = v;
    }
    return (d[0] as number) ** 2 + (d[1] as number) ** 2 + (d[2] as number) ** 2;
  }

  volume(): number {
    return this.box.lx * this.box.ly * this.box.lz;
  }

  /** Atoms per species. */
  speciesCounts(): Int32Array {
    const counts = new Int32Array(this.speciesCount);
    for (let i = 0; i < this.n; i++) counts[this.species[i] as number] = (counts[this.species[i] as number] as number) + 1;
    return counts;
  }
}

export function wrap(v: number, l: number): number {
  let w = v - l * Math.floor(v / l);
  // v − l·floor(v/l) can round to l itself for v just below a multiple of l.
  if (w >= l) w -= l;
  return w;
}

/** Index of the unordered species pair (a, b) among speciesCount·(speciesCount+1)/2: (0,0), (0,1) … (0,s−1), (1,1) … */
export function pairIndex(a: number, b: number, speciesCount: number): number {
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  return lo * speciesCount - (lo * (lo - 1)) / 2 + (hi - lo);
}

export function pairCount(speciesCount: number): number {
  return (speciesCount * (speciesCount + 1)) / 2;
}

/** The species pair of an unordered pair index (inverse of pairIndex). */
export function pairSpecies(index: number, speciesCount: number): [number, number] {
  for (let a = 0; a < speciesCount; a++) {
    for (let b = a; b < speciesCount; b++) if (pairIndex(a, b, speciesCount) === index) return [a, b];
  }
  throw new Error(`no species pair has index ${index}`);
}
