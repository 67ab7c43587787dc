/** Geometry of a general simulation cell: volume, triclinic test, LAMMPS box conversion, fractional ⇄ Cartesian. */
import type { Cell, Vec3 } from '../../../main/shared/domain';

export function cross(u: Vec3, v: Vec3): Vec3 {
  return [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
}

export function dot(u: Vec3, v: Vec3): number {
  return u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
}

export function norm(u: Vec3): number {
  return Math.sqrt(dot(u, u));
}

/** Signed volume a · (b × c) in Å³. */
export function cellVolume(cell: Cell): number {
  return dot(cell.a, cross(cell.b, cell.c));
}

/** True when the edge vectors are not along x, y, z (any off-diagonal component). */
export function isTriclinic(cell: Cell): boolean {
  return cell.a[1] !== 0 || cell.a[2] !== 0 || cell.b[0] !== 0 || cell.b[2] !== 0 || cell.c[0] !== 0 || cell.c[1] !== 0;
}

/** True for a = (lx,0,0), b = (0,ly,0), c = (0,0,lz). */
export function isOrthogonal(cell: Cell): boolean {
  return !isTriclinic(cell);
}

export interface LammpsBox {
  xlo: number;
  xhi: number;
  ylo: number;
  yhi: number;
  zlo: number;
  zhi: number;
  xy: number;
  xz: number;
  yz: number;
}

/** The cell of a LAMMPS (restricted triclinic or orthogonal) box. */
export function cellFromLammpsBox(box: LammpsBox, pbc: [boolean, boolean, boolean]): Cell {
  return {
    origin: [box.xlo, box.ylo, box.zlo],
    a: [box.xhi - box.xlo, 0, 0],
    b: [box.xy, box.yhi - box.ylo, 0],
    c: [box.xz, box.yz, box.zhi - box.zlo],
    pbc,
  };
}

/**
 * Converts positions (interleaved, in place) between Cartesian and fractional coordinates. The orthogonal case
 * divides per axis so that values stay as exact as the input allows.
 */
export class CellFrame {
  private readonly inv: Float64Array;
  readonly orthogonal: boolean;

  constructor(readonly cell: Cell) {
    const { a, b, c } = cell;
    const volume = cellVolume(cell);
    if (!Number.isFinite(volume) || volume === 0) throw new Error('the cell has zero volume');
    this.orthogonal = isOrthogonal(cell);
    // Rows of the inverse are (b×c, c×a, a×b) / V: fractional f_k = (r − origin) · row_k.
    const bc = cross(b, c);
    const ca = cross(c, a);
    const ab = cross(a, b);
    this.inv = Float64Array.from([...bc, ...ca, ...ab].map((v) => v / volume));
  }

  /** Fractional coordinates of one point into `out`. */
  toFractional(x: number, y: number, z: number, out: Float64Array | number[]): void {
    const o = this.cell.origin;
    const dx = x - o[0];
    const dy = y - o[1];
    const dz = z - o[2];
    if (this.orthogonal) {
      out[0] = dx / this.cell.a[0];
      out[1] = dy / this.cell.b[1];
      out[2] = dz / this.cell.c[2];
      return;
    }
    const m = this.inv;
    out[0] = dx * (m[0] as number) + dy * (m[1] as number) + dz * (m[2] as number);
    out[1] = dx * (m[3] as number) + dy * (m[4] as number) + dz * (m[5] as number);
    out[2] = dx * (m[6] as number) + dy * (m[7] as number) + dz * (m[8] as number);
  }

  /** Replaces fractional coordinates by Cartesian ones, in place, for `positions` (length 3N). */
  fractionalToCartesian(positions: Float64Array): void {
    const { origin, a, b, c } = this.cell;
    for (let i = 0; i < positions.length; i += 3) {
      const f0 = positions[i] as number;
      const f1 = positions[i + 1] as number;
      const f2 = positions[i + 2] as number;
      positions[i] = origin[0] + f0 * a[0] + f1 * b[0] + f2 * c[0];
      positions[i + 1] = origin[1] + f0 * a[1] + f1 * b[1] + f2 * c[1];
      positions[i + 2] = origin[2] + f0 * a[2] + f1 * b[2] + f2 * c[2];
    }
  }

  /** Replaces Cartesian coordinates by fractional ones, in place. */
  cartesianToFractional(positions: Float64Array): void {
    const f = new Float64Array(3);
    for (let i = 0; i < positions.length; i += 3) {
      this.toFractional(positions[i] as number, positions[i + 1] as number, positions[i + 2] as number, f);
      positions[i] = f[0] as number;
      positions[i + 1] = f[1] as number;
      positions[i + 2] = f[2] as number;
    }
  }
}

/** Axis-aligned, non-periodic cell around all positions, `padA` Å of vacuum on every side. */
export function boundingBoxCell(positions: Float64Array, padA: number): Cell {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < positions.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      const v = positions[i + k] as number;
      if (v < (lo[k] as number)) lo[k] = v;
      if (v > (hi[k] as number)) hi[k] = v;
    }
  }
  const origin: Vec3 = [(lo[0] as number) - padA, (lo[1] as number) - padA, (lo[2] as number) - padA];
  const len = (k: number): number => (hi[k] as number) - (lo[k] as number) + 2 * padA;
  return { origin, a: [len(0), 0, 0], b: [0, len(1), 0], c: [0, 0, len(2)], pbc: [false, false, false] };
}
