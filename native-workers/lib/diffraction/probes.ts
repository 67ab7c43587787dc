/**
 * Probe volumes (papers/000 §2.3, DESIGN.md): which atoms a cylinder, ellipsoid or one-layer cluster around a probe
 * centre holds, with each atom's image nearest the centre (periodic cells, orthogonal or triclinic) relative to it.
 */
import type { ProbeShape, ZoneAxis } from '../../../main/shared/diffraction';
import type { Cell, Vec3 } from '../../../main/shared/domain';
import { NearestNeighborQuery, gridForNearest } from '../neighbors/nearest-neighbors';
import { zoneBasis, type ZoneBasis } from './pattern-grid';

/** The atoms a probe may draw from: positions (Å, x y z interleaved) in a cell; ids only name atoms in messages. */
export interface ProbeStructure {
  positions: Float64Array;
  cell: Cell;
  ids?: Int32Array;
}

export interface ProbeAtoms {
  /**
   * Atom indices into the structure: ascending for cylinders and ellipsoids; for a cluster the atom nearest the
   * centre first, then its 12 nearest neighbours, nearest first.
   */
  indices: Int32Array;
  /** Each atom's position relative to the probe centre (Å, x y z interleaved), the image nearest the centre. */
  relative: Float64Array;
}

/** A probe that cannot be taken as asked; the message says what and where. */
export class ProbeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeInputError';
  }
}

/** Neighbours of the central atom in a one-layer cluster (the paper's shell, as for d_i). */
export const CLUSTER_NEIGHBORS = 12;
/** Bin edge of the probe search grid: a few atoms per bin in a metal, few bins scanned per probe. */
const BIN_WIDTH_A = 3;
/** Slack on scanned fractional ranges so that rounding never hides an atom on the probe surface. */
const SCAN_SLACK = 1e-9;

/**
 * The farthest a probe centre may lie from the origin, in Å (100 µm, as for atom coordinates). Beyond it a centre
 * cannot be a place in a simulated structure, and doubles lose the precision that reducing it into the cell needs
 * (a centre of 1e20 Å "wrapped" into a 30 Å cell gives a meaningless pattern).
 */
export const MAX_CENTRE_A = 1e6;

function round4(x: number): string {
  return String(Math.round(x * 1e4) / 1e4);
}

export function describeCenter(center: Vec3): string {
  return `(${center.map(round4).join(', ')})`;
}

export function describeShape(shape: ProbeShape): string {
  if (shape.kind === 'cylinder') return `cylinder (r = ${shape.radiusA} Å, h = ${shape.heightA} Å)`;
  if (shape.kind === 'ellipsoid') return `ellipsoid (semi-axes ${shape.semiAxesA.join(', ')} Å)`;
  return 'one-layer cluster';
}

/** Rejects non-positive or non-finite sizes before any work. */
export function checkProbeShape(shape: ProbeShape): void {
  const positive = (value: number, what: string): void => {
    if (!Number.isFinite(value) || value <= 0) throw new ProbeInputError(`the probe ${what} must be a positive number of Å, got ${value}`);
  };
  if (shape.kind === 'cylinder') {
    positive(shape.radiusA, 'radius');
    positive(shape.heightA, 'height');
  } else if (shape.kind === 'ellipsoid') {
    if (shape.semiAxesA.length !== 3) throw new ProbeInputError('an ellipsoid probe needs three semi-axes (along u, v and the zone axis)');
    shape.semiAxesA.forEach((a, k) => positive(a, `semi-axis ${'uvw'[k]}`));
  } else if (shape.kind !== 'cluster') {
    throw new ProbeInputError(`unknown probe shape "${String((shape as { kind: unknown }).kind)}"`);
  }
}

function dot(a: readonly number[], b: readonly number[]): number {
  return (a[0] as number) * (b[0] as number) + (a[1] as number) * (b[1] as number) + (a[2] as number) * (b[2] as number);
}

/** Half-width of the probe along the unit direction `n` (its support function); the cluster has no fixed one. */
function halfWidthA(shape: ProbeShape, basis: ZoneBasis, n: readonly number[]): number {
  if (shape.kind === 'cylinder') {
    const along = dot(n, basis.w);
    return shape.radiusA * Math.sqrt(Math.max(0, 1 - along * along)) + (shape.heightA / 2) * Math.abs(along);
  }
  if (shape.kind === 'ellipsoid') {
    const [a, b, c] = shape.semiAxesA;
    return Math.hypot(a * dot(n, basis.u), b * dot(n, basis.v), c * dot(n, basis.w));
  }
  return 0;
}

/**
 * Selects probe atoms around any number of centres in one structure: bins the atoms once (fractional coordinates),
 * then each probe scans only the bins its bounding slab covers. Images: a displacement d = r − centre is reduced by
 * whole cell vectors along periodic directions so that its fractional coordinates lie in [−½, ½]; the constructor
 * refuses probes wider than the cell along any periodic direction, and within that limit this image is the only one
 * that can lie inside the probe, so each atom is counted once and none is missed.
 */
export class ProbeSelector {
  readonly basis: ZoneBasis;
  private readonly atomCount: number;
  /** Rows of the inverse cell matrix: fractional f_k = (r − origin)·inverse[k]. */
  private readonly inverse: Float64Array;
  private readonly edges: Float64Array;
  private readonly periodic: readonly [boolean, boolean, boolean];
  /** Fractional half-extent of the probe's bounding slabs per cell direction. */
  private readonly reach = new Float64Array(3);
  private readonly binCounts: [number, number, number] = [1, 1, 1];
  private readonly binOrigin = new Float64Array(3);
  private readonly binWidth = new Float64Array(3);
  private readonly binStart: Int32Array;
  private readonly binAtoms: Int32Array;
  private clusterQuery: { query: NearestNeighborQuery; slotOfAtom: Int32Array } | null = null;

  constructor(
    readonly structure: ProbeStructure,
    readonly shape: ProbeShape,
    readonly zone: ZoneAxis,
  ) {
    checkProbeShape(shape);
    this.basis = zoneBasis(zone);
    const { positions, cell } = structure;
    if (positions.length % 3 !== 0) throw new ProbeInputError(`positions must hold x, y, z per atom; length ${positions.length} is not a multiple of 3`);
    this.atomCount = positions.length / 3;
    if (this.atomCount === 0) throw new ProbeInputError('the structure has no atoms');
    const { a, b, c } = cell;
    const crossOf = (p: Vec3, q: Vec3): Vec3 => [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]];
    const volume = dot(a, crossOf(b, c));
    if (!Number.isFinite(volume) || volume === 0) throw new ProbeInputError('the cell has zero volume');
    this.inverse = Float64Array.from([...crossOf(b, c), ...crossOf(c, a), ...crossOf(a, b)].map((x) => x / volume));
    this.edges = Float64Array.from([...a, ...b, ...c]);
    this.periodic = [cell.pbc[0], cell.pbc[1], cell.pbc[2]];

    for (let k = 0; k < 3; k++) {
      const row = [this.inverse[3 * k] as number, this.inverse[3 * k + 1] as number, this.inverse[3 * k + 2] as number];
      const perA = Math.hypot(row[0] as number, row[1] as number, row[2] as number);
      const normal = row.map((x) => x / perA);
      const half = halfWidthA(shape, this.basis, normal);
      this.reach[k] = half * perA * (1 + SCAN_SLACK) + SCAN_SLACK;
      const thicknessA = 1 / perA;
      if (this.periodic[k] && 2 * half > thicknessA * (1 + 1e-12)) {
        throw new ProbeInputError(
          `the ${describeShape(shape)} spans ${round4(2 * half)} Å across periodic cell direction ${'abc'[k]}, but the cell is only ` +
            `${round4(thicknessA)} Å thick there: it would see atoms twice; use a smaller probe or a replicated cell`,
        );
      }
    }
    for (let i = 0; i < positions.length; i++) {
      if (!Number.isFinite(positions[i] as number)) throw new ProbeInputError(`atom ${this.atomId(Math.floor(i / 3))} has a non-finite coordinate`);
    }
    const binned = this.buildBins();
    this.binStart = binned.binStart;
    this.binAtoms = binned.binAtoms;
  }

  /**
   * Refuses a centre that cannot be a place in this structure: farther than MAX_CENTRE_A from the origin, or outside
   * the cell by more than the cell's own size along a non-periodic direction (no image of the structure is there).
   */
  private checkCentrePlace(center: Vec3): void {
    if (!center.every((x) => Math.abs(x) <= MAX_CENTRE_A)) {
      throw new ProbeInputError(
        `the probe centre ${describeCenter(center)} Å lies more than ${MAX_CENTRE_A} Å from the origin: not a position in the structure`,
      );
    }
    const f = new Float64Array(3);
    this.fractional(center[0], center[1], center[2], false, f);
    for (let k = 0; k < 3; k++) {
      const fk = f[k] as number;
      if (!this.periodic[k] && (fk < -1 || fk > 2)) {
        throw new ProbeInputError(
          `the probe centre ${describeCenter(center)} Å lies outside the cell by more than the cell's size along cell direction ${'abc'[k]}, ` +
            'which is not periodic: no atom of the structure is near it',
        );
      }
    }
  }

  private atomId(atom: number): number {
    return this.structure.ids?.[atom] ?? atom + 1;
  }

  /** Fractional coordinates of r − origin into `out`; wrapped into [0, 1) along periodic directions when asked. */
  private fractional(x: number, y: number, z: number, wrap: boolean, out: Float64Array): void {
    const o = this.structure.cell.origin;
    const rx = x - o[0];
    const ry = y - o[1];
    const rz = z - o[2];
    const inv = this.inverse;
    for (let k = 0; k < 3; k++) {
      let f = rx * (inv[3 * k] as number) + ry * (inv[3 * k + 1] as number) + rz * (inv[3 * k + 2] as number);
      if (wrap && this.periodic[k]) f -= Math.floor(f);
      out[k] = f;
    }
  }

  private binIndex(f: number, k: number): number {
    const count = this.binCounts[k] as number;
    let index = Math.floor((f - (this.binOrigin[k] as number)) / (this.binWidth[k] as number));
    if (index < 0) index = 0;
    else if (index >= count) index = count - 1;
    return index;
  }

  /** Counting sort of the atoms into bins of about BIN_WIDTH_A (fewer when that would mean more bins than ~2 per atom). */
  private buildBins(): { binStart: Int32Array; binAtoms: Int32Array } {
    const n = this.atomCount;
    const positions = this.structure.positions;
    const frac = new Float64Array(3 * n);
    const f = new Float64Array(3);
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      this.fractional(positions[3 * i] as number, positions[3 * i + 1] as number, positions[3 * i + 2] as number, true, f);
      for (let k = 0; k < 3; k++) {
        const v = f[k] as number;
        frac[3 * i + k] = v;
        if (v < (lo[k] as number)) lo[k] = v;
        if (v > (hi[k] as number)) hi[k] = v;
      }
    }
    for (let k = 0; k < 3; k++) {
      const perA = Math.hypot(this.inverse[3 * k] as number, this.inverse[3 * k + 1] as number, this.inverse[3 * k + 2] as number);
      const span = this.periodic[k] ? 1 : Math.max((hi[k] as number) - (lo[k] as number), 0);
      this.binOrigin[k] = this.periodic[k] ? 0 : (lo[k] as number);
      this.binCounts[k] = Math.max(1, Math.floor(span / perA / BIN_WIDTH_A));
    }
    const maxBins = 2 * n + 64;
    while (this.binCounts[0] * this.binCounts[1] * this.binCounts[2] > maxBins) {
      const k = this.binCounts[0] >= this.binCounts[1] && this.binCounts[0] >= this.binCounts[2] ? 0 : this.binCounts[1] >= this.binCounts[2] ? 1 : 2;
      this.binCounts[k] = Math.max(1, Math.floor((this.binCounts[k] as number) / 2));
    }
    for (let k = 0; k < 3; k++) {
      const span = this.periodic[k] ? 1 : (hi[k] as number) - (lo[k] as number);
      this.binWidth[k] = span > 0 ? span / (this.binCounts[k] as number) : 1;
    }
    const [nx, ny, nz] = this.binCounts;
    const binStart = new Int32Array(nx * ny * nz + 1);
    const binOfAtom = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const bin =
        (this.binIndex(frac[3 * i + 2] as number, 2) * ny + this.binIndex(frac[3 * i + 1] as number, 1)) * nx + this.binIndex(frac[3 * i] as number, 0);
      binOfAtom[i] = bin;
      binStart[bin + 1] = (binStart[bin + 1] as number) + 1;
    }
    for (let bin = 0; bin < nx * ny * nz; bin++) binStart[bin + 1] = (binStart[bin + 1] as number) + (binStart[bin] as number);
    const fill = binStart.slice(0, nx * ny * nz);
    const binAtoms = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const bin = binOfAtom[i] as number;
      binAtoms[fill[bin] as number] = i;
      fill[bin] = (fill[bin] as number) + 1;
    }
    return { binStart, binAtoms };
  }

  /** Bin indices along axis k covering fractional [f − reach, f + reach], each once (periodic axes wrap). */
  private binRange(f: number, reach: number, k: number): number[] {
    const count = this.binCounts[k] as number;
    if (this.periodic[k]) {
      const first = Math.floor((f - reach) / (this.binWidth[k] as number));
      const last = Math.floor((f + reach) / (this.binWidth[k] as number));
      if (last - first + 1 >= count) return Array.from({ length: count }, (_, b) => b);
      const out: number[] = [];
      for (let b = first; b <= last; b++) out.push(((b % count) + count) % count);
      return out;
    }
    const first = this.binIndex(f - reach, k);
    const last = this.binIndex(f + reach, k);
    const out: number[] = [];
    for (let b = first; b <= last; b++) out.push(b);
    return out;
  }

  /** Calls `visit(atom, dx, dy, dz)` with the image of every atom in the bins around `center` (fractional reach per axis). */
  private scan(center: Vec3, reach: Float64Array, visit: (atom: number, dx: number, dy: number, dz: number) => void): void {
    const f = new Float64Array(3);
    this.fractional(center[0], center[1], center[2], true, f);
    const xs = this.binRange(f[0] as number, reach[0] as number, 0);
    const ys = this.binRange(f[1] as number, reach[1] as number, 1);
    const zs = this.binRange(f[2] as number, reach[2] as number, 2);
    const [nx, ny] = this.binCounts;
    const positions = this.structure.positions;
    for (const bz of zs) {
      for (const by of ys) {
        for (const bx of xs) {
          const bin = (bz * ny + by) * nx + bx;
          const end = this.binStart[bin + 1] as number;
          for (let s = this.binStart[bin] as number; s < end; s++) {
            const atom = this.binAtoms[s] as number;
            const d = this.nearestImage(
              (positions[3 * atom] as number) - center[0],
              (positions[3 * atom + 1] as number) - center[1],
              (positions[3 * atom + 2] as number) - center[2],
            );
            visit(atom, d[0], d[1], d[2]);
          }
        }
      }
    }
  }

  private readonly image: Vec3 = [0, 0, 0];

  /** d reduced by whole cell vectors along periodic directions to fractional coordinates in [−½, ½]. */
  private nearestImage(dx: number, dy: number, dz: number): Vec3 {
    const inv = this.inverse;
    const e = this.edges;
    for (let k = 0; k < 3; k++) {
      if (!this.periodic[k]) continue;
      const f = dx * (inv[3 * k] as number) + dy * (inv[3 * k + 1] as number) + dz * (inv[3 * k + 2] as number);
      const shift = Math.round(f);
      if (shift === 0) continue;
      dx -= shift * (e[3 * k] as number);
      dy -= shift * (e[3 * k + 1] as number);
      dz -= shift * (e[3 * k + 2] as number);
    }
    const out = this.image;
    out[0] = dx;
    out[1] = dy;
    out[2] = dz;
    return out;
  }

  /** The atoms inside the probe at `center` (Å). Throws ProbeInputError when the probe holds no atom. */
  select(center: Vec3): ProbeAtoms {
    if (center.length !== 3 || !center.every((x) => Number.isFinite(x))) throw new ProbeInputError(`the probe centre must be three finite numbers, got ${String(center)}`);
    this.checkCentrePlace(center);
    const shape = this.shape;
    if (shape.kind === 'cluster') return this.selectCluster(center);
    const { u, v, w } = this.basis;
    const found: number[] = [];
    const rel: number[] = [];
    let inside: (du: number, dv: number, dw: number) => boolean;
    if (shape.kind === 'cylinder') {
      const r2 = shape.radiusA * shape.radiusA;
      const halfHeight = shape.heightA / 2;
      inside = (du, dv, dw) => Math.abs(dw) <= halfHeight && du * du + dv * dv <= r2;
    } else {
      const [a, b, c] = shape.semiAxesA;
      inside = (du, dv, dw) => (du / a) ** 2 + (dv / b) ** 2 + (dw / c) ** 2 <= 1;
    }
    this.scan(center, this.reach, (atom, dx, dy, dz) => {
      const du = u[0] * dx + u[1] * dy + u[2] * dz;
      const dv = v[0] * dx + v[1] * dy + v[2] * dz;
      const dw = w[0] * dx + w[1] * dy + w[2] * dz;
      if (!inside(du, dv, dw)) return;
      found.push(atom);
      rel.push(dx, dy, dz);
    });
    if (found.length === 0) throw new ProbeInputError(`no atoms within the ${describeShape(shape)} at ${describeCenter(center)}`);
    const order = found.map((_, k) => k).sort((p, q) => (found[p] as number) - (found[q] as number));
    const indices = new Int32Array(found.length);
    const relative = new Float64Array(3 * found.length);
    order.forEach((from, to) => {
      indices[to] = found[from] as number;
      relative[3 * to] = rel[3 * from] as number;
      relative[3 * to + 1] = rel[3 * from + 1] as number;
      relative[3 * to + 2] = rel[3 * from + 2] as number;
    });
    return { indices, relative };
  }

  /** The atom nearest `center` and its image displacement (bins first, a full scan when the cell is too small for them). */
  private nearestAtom(center: Vec3): { atom: number; d: Vec3 } {
    let best = -1;
    let bestD2 = Infinity;
    const bestD: Vec3 = [0, 0, 0];
    const consider = (atom: number, dx: number, dy: number, dz: number): void => {
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 < bestD2) {
        bestD2 = d2;
        best = atom;
        bestD[0] = dx;
        bestD[1] = dy;
        bestD[2] = dz;
      }
    };
    const reach = new Float64Array(3);
    let thinnestPeriodicA = Infinity;
    const perA = [0, 1, 2].map((k) => Math.hypot(this.inverse[3 * k] as number, this.inverse[3 * k + 1] as number, this.inverse[3 * k + 2] as number));
    for (let k = 0; k < 3; k++) if (this.periodic[k]) thinnestPeriodicA = Math.min(thinnestPeriodicA, 1 / (perA[k] as number));
    // A sphere of radius R inside the bins' slabs sees every atom within R; if one is found it is the nearest, as
    // long as the sphere fits the cell (2R ≤ thickness) so that its image is the one the reduction gives.
    for (let radius = BIN_WIDTH_A; 2 * radius <= thinnestPeriodicA || (radius < 1e6 && thinnestPeriodicA === Infinity); radius *= 2) {
      for (let k = 0; k < 3; k++) reach[k] = radius * (perA[k] as number) * (1 + SCAN_SLACK) + SCAN_SLACK;
      best = -1;
      bestD2 = Infinity;
      this.scan(center, reach, consider);
      if (best >= 0 && bestD2 <= radius * radius) return { atom: best, d: [bestD[0], bestD[1], bestD[2]] };
    }
    best = -1;
    bestD2 = Infinity;
    const p = this.structure.positions;
    for (let atom = 0; atom < this.atomCount; atom++) {
      const d = this.nearestImage((p[3 * atom] as number) - center[0], (p[3 * atom + 1] as number) - center[1], (p[3 * atom + 2] as number) - center[2]);
      consider(atom, d[0], d[1], d[2]);
    }
    return { atom: best, d: [bestD[0], bestD[1], bestD[2]] };
  }

  private selectCluster(center: Vec3): ProbeAtoms {
    if (this.clusterQuery === null) {
      const { positions, cell, ids } = this.structure;
      const grid = gridForNearest({ positions, cell, ...(ids !== undefined ? { ids } : {}) }, CLUSTER_NEIGHBORS);
      const slotOfAtom = new Int32Array(grid.atomCount);
      grid.atomOfSlot.forEach((atom, slot) => {
        slotOfAtom[atom] = slot;
      });
      this.clusterQuery = { query: new NearestNeighborQuery(grid, CLUSTER_NEIGHBORS), slotOfAtom };
    }
    const { query, slotOfAtom } = this.clusterQuery;
    const { atom, d } = this.nearestAtom(center);
    query.find(slotOfAtom[atom] as number);
    const count = CLUSTER_NEIGHBORS + 1;
    const indices = new Int32Array(count);
    const relative = new Float64Array(3 * count);
    indices[0] = atom;
    relative.set(d, 0);
    const seen = new Set<number>([atom]);
    for (let m = 0; m < CLUSTER_NEIGHBORS; m++) {
      const neighbor = query.grid.atomOfSlot[query.slot[m] as number] as number;
      if (seen.has(neighbor)) {
        throw new ProbeInputError(
          `the cell is too small for a one-layer cluster around atom ${this.atomId(atom)} at ${describeCenter(center)}: atom ${this.atomId(neighbor)} ` +
            'would be counted twice (as two periodic images); use a replicated cell',
        );
      }
      seen.add(neighbor);
      indices[m + 1] = neighbor;
      relative[3 * (m + 1)] = d[0] + (query.dx[m] as number);
      relative[3 * (m + 1) + 1] = d[1] + (query.dy[m] as number);
      relative[3 * (m + 1) + 2] = d[2] + (query.dz[m] as number);
    }
    return { indices, relative };
  }
}

/** The atoms of one probe (builds a throw-away selector; keep a ProbeSelector for many centres). */
export function selectProbeAtoms(structure: ProbeStructure, center: Vec3, shape: ProbeShape, zone: ZoneAxis): ProbeAtoms {
  return new ProbeSelector(structure, shape, zone).select(center);
}
