/** The cell as the tessellation sees it: edge vectors, periodicity, widths and walls, with the atoms checked and wrapped. */
import type { Cell } from '../../../main/shared/domain';
import { CellFrame, cellVolume, cross, dot, isOrthogonal, norm } from '../structure-io/cell-math';
import { VoronoiInputError, type VoronoiInput } from './types';

/** A wall of a non-periodic triclinic direction: inside is n · r ≤ offset (absolute coordinates, unit n). */
export interface WallPlane {
  nx: number;
  ny: number;
  nz: number;
  offsetA: number;
  label: number;
}

export interface VoronoiBox {
  count: number;
  ids: Int32Array | null;
  origin: Float64Array;
  /** Edge vectors a, b, c as rows (length 9). */
  edges: Float64Array;
  periodic: [boolean, boolean, boolean];
  orthogonal: boolean;
  volumeA3: number;
  /** Distance between the two faces of the cell across each direction (the edge length when orthogonal). */
  widthA: Float64Array;
  /** Positions wrapped into the cell along periodic directions (length 3N). */
  wrapped: Float64Array;
  /** Fractional coordinates of the wrapped positions, each in [0, 1] (length 3N). */
  fractional: Float64Array;
  /** Mean interatomic spacing (V/N)^(1/3): the length scale for bins, search radii and tolerances. */
  spacingA: number;
  /** Walls to cut by explicitly (triclinic non-periodic directions; orthogonal walls are the starting box). */
  walls: WallPlane[];
}

/** Atoms beyond a non-periodic wall by more than this fraction of the cell are refused (voro++ would drop them). */
const WALL_SLACK = 1e-9;
/** How many offending atoms an error message lists. */
const LISTED = 5;

/** "atom id 7" when ids were given, otherwise the 1-based input position. */
export function atomLabel(ids: Int32Array | null | undefined, index: number): string {
  return ids ? `atom id ${ids[index] as number}` : `atom #${index + 1}`;
}

function listAtoms(ids: Int32Array | null | undefined, indices: number[], total: number): string {
  const shown = indices.map((i) => atomLabel(ids, i)).join(', ');
  return total > indices.length ? `${shown} and ${total - indices.length} more` : shown;
}

/** Validates the input and wraps it; throws VoronoiInputError with the offending atom ids. */
export function prepareBox(input: VoronoiInput): VoronoiBox {
  const { positions, cell } = input;
  const ids = input.ids ?? null;
  if (positions.length % 3 !== 0) throw new VoronoiInputError(`positions has length ${positions.length}, not a multiple of 3`);
  const count = positions.length / 3;
  if (ids && ids.length !== count) throw new VoronoiInputError(`ids has ${ids.length} entries for ${count} atoms`);
  checkCell(cell);

  const nonFinite: number[] = [];
  let nonFiniteTotal = 0;
  for (let i = 0; i < count; i++) {
    if (
      !Number.isFinite(positions[3 * i] as number) ||
      !Number.isFinite(positions[3 * i + 1] as number) ||
      !Number.isFinite(positions[3 * i + 2] as number)
    ) {
      if (nonFinite.length < LISTED) nonFinite.push(i);
      nonFiniteTotal++;
    }
  }
  if (nonFiniteTotal > 0) {
    throw new VoronoiInputError(`non-finite coordinates (NaN or infinite) for ${listAtoms(ids, nonFinite, nonFiniteTotal)}`);
  }

  const volumeA3 = Math.abs(cellVolume(cell));
  const edges = Float64Array.from([...cell.a, ...cell.b, ...cell.c]);
  const orthogonal = isOrthogonal(cell);
  const frame = new CellFrame(cell);
  const widthA = new Float64Array(3);
  for (let k = 0; k < 3; k++) {
    const u = [cell.a, cell.b, cell.c][(k + 1) % 3] as Cell['a'];
    const v = [cell.a, cell.b, cell.c][(k + 2) % 3] as Cell['a'];
    widthA[k] = volumeA3 / norm(cross(u, v));
  }

  const wrapped = Float64Array.from(positions);
  const fractional = new Float64Array(3 * count);
  const f = new Float64Array(3);
  const outside: number[] = [];
  let outsideTotal = 0;
  for (let i = 0; i < count; i++) {
    frame.toFractional(wrapped[3 * i] as number, wrapped[3 * i + 1] as number, wrapped[3 * i + 2] as number, f);
    let moved = false;
    let beyondWall = false;
    for (let k = 0; k < 3; k++) {
      const fk = f[k] as number;
      if (cell.pbc[k]) {
        if (fk < 0 || fk >= 1) {
          // Whole periods only, so relative vectors between atoms change by lattice vectors and nothing else.
          const shift = Math.floor(fk);
          for (let c = 0; c < 3; c++) wrapped[3 * i + c] = (wrapped[3 * i + c] as number) - shift * (edges[3 * k + c] as number);
          moved = true;
        }
      } else if (fk < -WALL_SLACK || fk > 1 + WALL_SLACK) {
        beyondWall = true;
      }
    }
    if (beyondWall) {
      if (outside.length < LISTED) outside.push(i);
      outsideTotal++;
    }
    if (moved) frame.toFractional(wrapped[3 * i] as number, wrapped[3 * i + 1] as number, wrapped[3 * i + 2] as number, f);
    // Rounding can leave a wrapped coordinate at exactly 1 (or a hair outside); bins only need [0, 1].
    for (let k = 0; k < 3; k++) fractional[3 * i + k] = Math.min(1, Math.max(0, f[k] as number));
  }
  if (outsideTotal > 0) {
    throw new VoronoiInputError(
      `${listAtoms(ids, outside, outsideTotal)} ${outsideTotal === 1 ? 'lies' : 'lie'} outside the cell along a ` +
        'non-periodic direction and would have no Voronoi cell (wrap, make that direction periodic, or enlarge the cell)',
    );
  }

  const walls: WallPlane[] = [];
  if (!orthogonal) {
    for (let k = 0; k < 3; k++) {
      if (cell.pbc[k]) continue;
      const u = [cell.a, cell.b, cell.c][(k + 1) % 3] as Cell['a'];
      const v = [cell.a, cell.b, cell.c][(k + 2) % 3] as Cell['a'];
      const edge = [cell.a, cell.b, cell.c][k] as Cell['a'];
      const n = cross(u, v);
      const len = norm(n) * Math.sign(dot(n, edge));
      const nx = n[0] / len;
      const ny = n[1] / len;
      const nz = n[2] / len;
      const low = nx * cell.origin[0] + ny * cell.origin[1] + nz * cell.origin[2];
      walls.push({ nx: -nx, ny: -ny, nz: -nz, offsetA: -low, label: -1 - 2 * k });
      walls.push({ nx, ny, nz, offsetA: low + (widthA[k] as number), label: -2 - 2 * k });
    }
  }

  return {
    count,
    ids,
    origin: Float64Array.from(cell.origin),
    edges,
    periodic: [cell.pbc[0], cell.pbc[1], cell.pbc[2]],
    orthogonal,
    volumeA3,
    widthA,
    wrapped,
    fractional,
    spacingA: count > 0 ? Math.cbrt(volumeA3 / count) : 1,
    walls,
  };
}

function checkCell(cell: Cell): void {
  const numbers = [...cell.origin, ...cell.a, ...cell.b, ...cell.c];
  if (!numbers.every((v) => Number.isFinite(v))) throw new VoronoiInputError('the cell has non-finite origin or edge vectors');
  const volume = cellVolume(cell);
  const scale = norm(cell.a) * norm(cell.b) * norm(cell.c);
  if (!(Math.abs(volume) > 1e-12 * scale) || scale === 0) {
    throw new VoronoiInputError('the cell has zero volume (degenerate edge vectors)');
  }
}
