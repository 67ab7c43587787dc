/**
 * Probe centres (Å) of simulated NBED scans: a line strip (papers/000 Fig. 8–9), a 2D grid over a rectangle in the
 * plane perpendicular to the zone axis (a 4D-STEM raster), and a grid covering the whole periodic cell face.
 *
 * Every scan is rows × columns, returned row-major: centre k sits at row floor(k / cols), column k % cols, and its
 * coordinates are centresA[3k … 3k + 2]. Grids follow the pattern orientation of main/shared/diffraction.ts: columns
 * run along u, rows along v, row 0 at the most negative v. Centres are wrapped into the cell along periodic
 * directions (an in-cell centre is left bit-for-bit untouched); non-periodic directions are never changed.
 */
import { zoneBasis } from '../diffraction/pattern-grid';
import type { Vec3, Cell } from '../../../main/shared/domain';
import type { ZoneAxis } from '../../../main/shared/diffraction';
import { CellFrame, cross, dot, norm } from '../structure-io/cell-math';
import { LimitExceeded, MAX_DATASET_SAMPLES } from '../../../main/shared/limits';

/** The paper's scan step (papers/000 §2.3): smaller than the probe diameter, so neighbouring probes overlap. */
export const PAPER_SCAN_STEP_A = 2.5;
/** Scans larger than a whole dataset may be are refused before allocating (a typo in a step, not a dataset). */
export const MAX_SCAN_POSITIONS = MAX_DATASET_SAMPLES;

/** Orthonormal frame of a zone axis: w along the zone, (u, v) span the pattern plane, u × v = w. */
export interface ZonePlaneFrame {
  u: Vec3;
  v: Vec3;
  w: Vec3;
}

interface ScanCommon {
  count: number;
  rows: number;
  cols: number;
  /** Centres moved by whole cell vectors to lie in the cell (0 without a cell). */
  wrappedCount: number;
}

export interface LineScanDescriptor extends ScanCommon {
  kind: 'line';
  startA: Vec3;
  /** Unit vector along the strip (columns). */
  direction: Vec3;
  stepA: number;
  /** Unit vector across the strip (rows), orthogonalised against `direction`; null for a single strip. */
  acrossDirection: Vec3 | null;
  /** Offset of each row along `acrossDirection`, Å, in row order. */
  offsetsA: number[];
}

export interface PlaneGridDescriptor extends ScanCommon {
  kind: 'plane-grid';
  zone: ZoneAxis;
  frame: ZonePlaneFrame;
  /** Column j sits at u = uStartA + j · stepUA; row i at v = vStartA + i · stepVA; every centre at w = depthA. */
  uStartA: number;
  vStartA: number;
  stepUA: number;
  stepVA: number;
  depthA: number;
}

export interface CellGridDescriptor extends ScanCommon {
  kind: 'cell-grid';
  zone: ZoneAxis;
  frame: ZonePlaneFrame;
  /** Cell edges spanning the face: columns step along `colEdge`, rows along `rowEdge` (0 = a, 1 = b, 2 = c). */
  colEdge: 0 | 1 | 2;
  rowEdge: 0 | 1 | 2;
  /** Steps as fractions of those edges, and as lengths along them (Å). */
  colStepFraction: number;
  rowStepFraction: number;
  colStepA: number;
  rowStepA: number;
  /** Coordinate of every centre along the zone axis (w · r), Å. */
  depthA: number;
}

export type ScanDescriptor = LineScanDescriptor | PlaneGridDescriptor | CellGridDescriptor;

export interface ScanPositions<D extends ScanDescriptor = ScanDescriptor> {
  /** Interleaved x y z of each centre, Å, row-major (length 3 · count). */
  centresA: Float64Array;
  descriptor: D;
}

function unit(vector: Vec3, what: string): Vec3 {
  const length = norm(vector);
  if (!Number.isFinite(length) || !(length > 0)) throw new Error(`${what} must be a finite non-zero vector`);
  return [vector[0] / length, vector[1] / length, vector[2] / length];
}

function checkStep(stepA: number, what = 'stepA'): void {
  if (!Number.isFinite(stepA) || !(stepA > 0)) throw new Error(`${what} must be a positive number of Å (got ${stepA})`);
}

function checkCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 1) throw new Error(`${what} must be a positive integer (got ${count})`);
}

function checkTotal(total: number): void {
  if (total > MAX_SCAN_POSITIONS) throw new LimitExceeded('probe positions of one scan', total, MAX_SCAN_POSITIONS, 'use a larger step');
}

/** Points at start + k · step covering [start, end] inclusive (a hair of rounding tolerance at the end). */
function inclusiveCount(lengthA: number, stepA: number): number {
  if (!Number.isFinite(lengthA) || lengthA < 0) throw new Error(`a scan range must have a non-negative finite length (got ${lengthA})`);
  return Math.floor(lengthA / stepA + 1e-9) + 1;
}

/**
 * The frame of a zone axis. Cartesian zones follow DESIGN.md: z → (u, v) = (x, y), x → (y, z), y → (z, x). Any other
 * direction w takes the Cartesian axis e_k it is closest to and sets u = the part of e_(k+1) perpendicular to w,
 * v = w × u, so a vector zone equal to a Cartesian axis gives exactly that axis's frame.
 */
export function zonePlaneFrame(zone: ZoneAxis): ZonePlaneFrame {
  // The diffraction engine's own basis, so scan rows and columns run along the pattern's u and v.
  return zoneBasis(zone);
}

/**
 * Wraps centres into the cell along periodic edges, in place; returns how many moved. Centres already inside are
 * not touched, so their coordinates stay exactly as computed.
 */
export function wrapCentres(centresA: Float64Array, cell: Cell): number {
  if (!cell.pbc.some(Boolean)) return 0;
  const frame = new CellFrame(cell);
  const edges = [cell.a, cell.b, cell.c];
  const f = new Float64Array(3);
  let moved = 0;
  for (let j = 0; j < centresA.length; j += 3) {
    frame.toFractional(centresA[j] as number, centresA[j + 1] as number, centresA[j + 2] as number, f);
    let shifted = false;
    for (let k = 0; k < 3; k++) {
      const fk = f[k] as number;
      if (!cell.pbc[k] || (fk >= 0 && fk < 1)) continue;
      const shift = Math.floor(fk);
      const e = edges[k] as Vec3;
      centresA[j] = (centresA[j] as number) - shift * e[0];
      centresA[j + 1] = (centresA[j + 1] as number) - shift * e[1];
      centresA[j + 2] = (centresA[j + 2] as number) - shift * e[2];
      shifted = true;
    }
    if (!shifted) continue;
    moved++;
    // Rounding can put a centre a hair below the lower face exactly on the upper one; move it onto the lower face.
    frame.toFractional(centresA[j] as number, centresA[j + 1] as number, centresA[j + 2] as number, f);
    for (let k = 0; k < 3; k++) {
      if (!cell.pbc[k] || (f[k] as number) < 1) continue;
      const e = edges[k] as Vec3;
      centresA[j] = (centresA[j] as number) - e[0];
      centresA[j + 1] = (centresA[j + 1] as number) - e[1];
      centresA[j + 2] = (centresA[j + 2] as number) - e[2];
    }
  }
  return moved;
}

/** Coordinate of the cell centre along unit vector w (the default depth of a grid). */
export function cellCentreDepthA(cell: Cell, w: Vec3): number {
  const centre: Vec3 = [0, 1, 2].map((k) => (cell.origin[k] as number) + 0.5 * ((cell.a[k] as number) + (cell.b[k] as number) + (cell.c[k] as number))) as Vec3;
  return dot(centre, w);
}

export interface LineScanOptions {
  startA: Vec3;
  /** Along the strip, e.g. [1, 0, 0] across a boundary whose normal is x; normalised here. */
  directionA: Vec3;
  stepA: number;
  /** Number of centres along the strip; or give `lengthA` (centres at 0, step, … ≤ lengthA). */
  count?: number;
  lengthA?: number;
  /** Several parallel strips: one row per offset (Å) along `directionA` (made perpendicular to the strip). */
  across?: { directionA: Vec3; offsetsA: number[] };
  /** When given, centres are wrapped into it along periodic edges. */
  cell?: Cell;
}

/**
 * Centres on a strip: row r, column c at startA + c · stepA · direction + offsetsA[r] · across (row-major, rows in
 * the order of `offsetsA`). Without `across` there is one row at offset 0.
 */
export function lineScan(options: LineScanOptions): ScanPositions<LineScanDescriptor> {
  checkStep(options.stepA);
  const direction = unit(options.directionA, 'the strip direction');
  let cols: number;
  if (options.count !== undefined && options.lengthA !== undefined) throw new Error('give either count or lengthA for a line scan, not both');
  if (options.count !== undefined) {
    checkCount(options.count, 'count');
    cols = options.count;
  } else if (options.lengthA !== undefined) {
    cols = inclusiveCount(options.lengthA, options.stepA);
  } else {
    throw new Error('a line scan needs count or lengthA');
  }
  let acrossDirection: Vec3 | null = null;
  let offsetsA = [0];
  if (options.across) {
    if (options.across.offsetsA.length === 0) throw new Error('across.offsetsA is empty');
    if (!options.across.offsetsA.every(Number.isFinite)) throw new Error('across.offsetsA must be finite numbers');
    const raw = unit(options.across.directionA, 'the across direction');
    const along = dot(raw, direction);
    if (Math.abs(along) > 1 - 1e-9) throw new Error('the across direction is parallel to the strip');
    acrossDirection = unit([raw[0] - along * direction[0], raw[1] - along * direction[1], raw[2] - along * direction[2]], 'the across direction');
    offsetsA = [...options.across.offsetsA];
  }
  const rows = offsetsA.length;
  checkTotal(rows * cols);
  const centresA = new Float64Array(3 * rows * cols);
  const start = options.startA;
  for (let r = 0; r < rows; r++) {
    const offset = offsetsA[r] as number;
    for (let c = 0; c < cols; c++) {
      const j = 3 * (r * cols + c);
      const t = c * options.stepA;
      for (let k = 0; k < 3; k++) {
        centresA[j + k] = (start[k] as number) + t * (direction[k] as number) + (acrossDirection ? offset * (acrossDirection[k] as number) : 0);
      }
    }
  }
  const wrappedCount = options.cell ? wrapCentres(centresA, options.cell) : 0;
  return {
    centresA,
    descriptor: { kind: 'line', count: rows * cols, rows, cols, wrappedCount, startA: [...start], direction, stepA: options.stepA, acrossDirection, offsetsA },
  };
}

export interface PlaneGridOptions {
  zone: ZoneAxis;
  /** The rectangle as ranges of u · r and v · r (Å), ends included when they fall on a step. */
  uRangeA: [number, number];
  vRangeA: [number, number];
  /** One step for both, or [along u, along v]. */
  stepA: number | [number, number];
  /** w · r of every centre; default the cell centre's (needs `cell`). */
  depthA?: number;
  cell?: Cell;
}

/** A raster over a rectangle of the pattern plane: row i, column j at u = u0 + j·Δu, v = v0 + i·Δv, w = depth. */
export function planeGridScan(options: PlaneGridOptions): ScanPositions<PlaneGridDescriptor> {
  const [stepUA, stepVA] = typeof options.stepA === 'number' ? [options.stepA, options.stepA] : options.stepA;
  checkStep(stepUA, 'the step along u');
  checkStep(stepVA, 'the step along v');
  const frame = zonePlaneFrame(options.zone);
  const [u0, u1] = options.uRangeA;
  const [v0, v1] = options.vRangeA;
  if (!(u1 >= u0) || !(v1 >= v0)) throw new Error('uRangeA and vRangeA must be [min, max] with min ≤ max');
  const cols = inclusiveCount(u1 - u0, stepUA);
  const rows = inclusiveCount(v1 - v0, stepVA);
  checkTotal(rows * cols);
  let depthA = options.depthA;
  if (depthA === undefined) {
    if (!options.cell) throw new Error('planeGridScan needs depthA or a cell (whose centre sets the depth)');
    depthA = cellCentreDepthA(options.cell, frame.w);
  }
  if (!Number.isFinite(depthA)) throw new Error('depthA must be finite');
  const centresA = new Float64Array(3 * rows * cols);
  for (let i = 0; i < rows; i++) {
    const v = v0 + i * stepVA;
    for (let j = 0; j < cols; j++) {
      const u = u0 + j * stepUA;
      const o = 3 * (i * cols + j);
      for (let k = 0; k < 3; k++) centresA[o + k] = u * (frame.u[k] as number) + v * (frame.v[k] as number) + depthA * (frame.w[k] as number);
    }
  }
  const wrappedCount = options.cell ? wrapCentres(centresA, options.cell) : 0;
  return {
    centresA,
    descriptor: { kind: 'plane-grid', count: rows * cols, rows, cols, wrappedCount, zone: options.zone, frame, uStartA: u0, vStartA: v0, stepUA, stepVA, depthA },
  };
}

export interface CellGridOptions {
  zone: ZoneAxis;
  cell: Cell;
  stepA: number;
  /**
   * 'exact' (default): centres every stepA along each face edge; along a periodic edge of length L there are
   * ceil(L / stepA) of them (the gap across the periodic seam is ≤ stepA), along a non-periodic one floor(L / stepA) + 1
   * (both faces included). 'even': along a periodic edge the step becomes L / max(1, round(L / stepA)), so the seam gap
   * equals the step.
   */
  spacing?: 'exact' | 'even';
  /** w · r of every centre; default the cell centre's. */
  depthA?: number;
}

/**
 * A grid covering the cell face perpendicular to the zone: the two cell edges whose face normal is closest to the
 * zone span it (for zone z and a LAMMPS box: a and b, so columns along x and rows along y). Each grid point is moved
 * along the zone to w = depthA (for a face exactly perpendicular to the zone that changes only the depth) and then
 * wrapped into the cell. Because the face tiles the plane under the cell's periodicity, every probe column is
 * represented once, up to the step.
 */
export function cellGridScan(options: CellGridOptions): ScanPositions<CellGridDescriptor> {
  checkStep(options.stepA);
  const { cell } = options;
  const frame = zonePlaneFrame(options.zone);
  const edges = [cell.a, cell.b, cell.c];
  // The depth edge k: the face spanned by edges k+1, k+2 (cyclic, so zone z gives columns on a, rows on b).
  let depthEdge = 0;
  let best = -1;
  for (let k = 0; k < 3; k++) {
    const normal = cross(edges[(k + 1) % 3] as Vec3, edges[(k + 2) % 3] as Vec3);
    const length = norm(normal);
    const alignment = length > 0 ? Math.abs(dot(normal, frame.w)) / length : 0;
    if (alignment > best + 1e-12) {
      best = alignment;
      depthEdge = k;
    }
  }
  if (!(best > 1e-6)) throw new Error('the zone axis lies in every cell face; the cell is degenerate');
  const colEdge = ((depthEdge + 1) % 3) as 0 | 1 | 2;
  const rowEdge = ((depthEdge + 2) % 3) as 0 | 1 | 2;
  const spacing = options.spacing ?? 'exact';
  const along = (edge: 0 | 1 | 2): { n: number; fraction: number; stepA: number } => {
    const lengthA = norm(edges[edge] as Vec3);
    if (cell.pbc[edge]) {
      const n = spacing === 'even' ? Math.max(1, Math.round(lengthA / options.stepA)) : Math.max(1, Math.ceil(lengthA / options.stepA - 1e-9));
      const fraction = spacing === 'even' ? 1 / n : options.stepA / lengthA;
      return { n, fraction, stepA: fraction * lengthA };
    }
    return { n: inclusiveCount(lengthA, options.stepA), fraction: options.stepA / lengthA, stepA: options.stepA };
  };
  const col = along(colEdge);
  const row = along(rowEdge);
  checkTotal(col.n * row.n);
  const depthA = options.depthA ?? cellCentreDepthA(cell, frame.w);
  if (!Number.isFinite(depthA)) throw new Error('depthA must be finite');
  const ec = edges[colEdge] as Vec3;
  const er = edges[rowEdge] as Vec3;
  const w = frame.w;
  const centresA = new Float64Array(3 * col.n * row.n);
  const p: Vec3 = [0, 0, 0];
  for (let i = 0; i < row.n; i++) {
    const fr = i * row.fraction;
    for (let j = 0; j < col.n; j++) {
      const fc = j * col.fraction;
      for (let k = 0; k < 3; k++) p[k] = (cell.origin[k] as number) + fc * (ec[k] as number) + fr * (er[k] as number);
      const lift = depthA - dot(p, w);
      const o = 3 * (i * col.n + j);
      for (let k = 0; k < 3; k++) centresA[o + k] = (p[k] as number) + lift * (w[k] as number);
    }
  }
  const wrappedCount = wrapCentres(centresA, cell);
  return {
    centresA,
    descriptor: {
      kind: 'cell-grid',
      count: col.n * row.n,
      rows: row.n,
      cols: col.n,
      wrappedCount,
      zone: options.zone,
      frame,
      colEdge,
      rowEdge,
      colStepFraction: col.fraction,
      rowStepFraction: row.fraction,
      colStepA: col.stepA,
      rowStepA: row.stepA,
      depthA,
    },
  };
}

/** Row and column of centre `index` in a row-major scan. */
export function scanRowColumn(descriptor: ScanDescriptor, index: number): { row: number; col: number } {
  if (!Number.isInteger(index) || index < 0 || index >= descriptor.count) throw new Error(`scan index ${index} is outside 0 … ${descriptor.count - 1}`);
  return { row: Math.floor(index / descriptor.cols), col: index % descriptor.cols };
}
