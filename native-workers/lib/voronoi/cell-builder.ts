/**
 * Builds one atom's Voronoi cell the voro++ way: start from the box the cell must lie in, cut by the bisecting plane
 * of each neighbour in order of distance, and stop once the next neighbour is farther than twice the farthest vertex.
 */
import { CUT_FAILED, CUT_MADE, ConvexCell } from './convex-cell';
import { NeighbourBins, NeighbourCandidates } from './neighbour-bins';
import { BOUNDING_FACE, WALL_A_HIGH, WALL_A_LOW, WALL_B_HIGH, WALL_B_LOW, WALL_C_HIGH, WALL_C_LOW } from './types';
import type { VoronoiBox } from './voronoi-box';

/**
 * A vertex v lies on the bisecting plane of neighbour vector r when |v · r − r²/2| ≤ this (Å²): voro++ 0.4.6's own
 * test (tolerance 1e-11 on 2 v · r − r²), so that cells which are degenerate to within rounding (perfect crystals)
 * come out with the same vertices as voro++. Coordinate rounding in boxes of a few hundred Å is ~1e-13 Å², far below.
 */
export const PLANE_TOLERANCE_A2 = 5e-12;
/**
 * When cuts of a cell cannot be chained consistently (inputs within ~1e-11 Å of a degenerate configuration, where
 * rounding decides which side a vertex is on), the cell is rebuilt with tolerances this many times larger, which
 * merges the sub-picometre features that caused it.
 */
const RETRY_FACTORS = [1e3, 1e6];

export class CellBuilder {
  readonly cell = new ConvexCell();
  /** Neighbour passes beyond the first (the search radius had to grow): a tuning figure. */
  extraPasses = 0;
  /** Cells that were built only with a larger tolerance (see RETRY_FACTORS). */
  relaxedCells = 0;
  private readonly bins: NeighbourBins;
  private readonly candidates = new NeighbourCandidates();
  private readonly labels = new Int32Array(6);
  /** Tolerance (Å) for walls, whose normals are unit vectors: the plane tolerance over a typical |r|. */
  private readonly wallToleranceA: number;
  /** Search radius of the first pass, learned from recent cells so that one pass usually suffices. */
  private radiusGuess: number;
  /** Half-width of the provisional cube for triclinic cells (see `boundingHalfWidth`). */
  private readonly cubeHalfWidth: number;

  constructor(private readonly box: VoronoiBox) {
    this.bins = new NeighbourBins(box);
    this.wallToleranceA = PLANE_TOLERANCE_A2 / box.spacingA;
    this.radiusGuess = 1.8 * box.spacingA;
    this.cubeHalfWidth = boundingHalfWidth(box);
  }

  /** Atom indices in cell-list order (see NeighbourBins.spatialOrder). */
  spatialOrder(): Int32Array {
    return this.bins.spatialOrder();
  }

  /** Builds atom i's cell into `this.cell`; returns null, or why it could not be built. */
  build(i: number): string | null {
    const failure = this.buildWith(i, 1);
    if (failure === null) return null;
    for (const factor of RETRY_FACTORS) {
      if (this.buildWith(i, factor) === null) {
        this.relaxedCells++;
        return null;
      }
    }
    return failure;
  }

  private buildWith(i: number, toleranceFactor: number): string | null {
    const tolerance = PLANE_TOLERANCE_A2 * toleranceFactor;
    const box = this.box;
    const cell = this.cell;
    const xi = box.wrapped[3 * i] as number;
    const yi = box.wrapped[3 * i + 1] as number;
    const zi = box.wrapped[3 * i + 2] as number;
    this.startBox(i, xi, yi, zi);
    for (const w of box.walls) {
      const offset = w.offsetA - (w.nx * xi + w.ny * yi + w.nz * zi);
      if (cell.cut(w.nx, w.ny, w.nz, offset, w.label, this.wallToleranceA * toleranceFactor) === CUT_FAILED) return cell.failure;
    }

    const c = this.candidates;
    let maxSq = cell.maxRadiusSq();
    let radius = this.radiusGuess;
    let lowSq = -1;
    for (;;) {
      c.count = 0;
      this.bins.collect(i, lowSq, radius, c);
      let done = false;
      for (let k = 0; k < c.count; k++) {
        const o = c.order[k] as number;
        const dsq = c.distSq[o] as number;
        // The bisecting plane lies at half the distance: beyond every vertex, it cannot cut, nor can any later one.
        if (dsq >= 4 * maxSq) {
          done = true;
          break;
        }
        const made = cell.cut(
          c.dx[o] as number,
          c.dy[o] as number,
          c.dz[o] as number,
          0.5 * dsq,
          c.atom[o] as number,
          tolerance,
        );
        if (made === CUT_FAILED) return cell.failure;
        if (made === CUT_MADE) maxSq = cell.maxRadiusSq();
      }
      if (done || 4 * maxSq <= radius * radius) break;
      // Some vertex is still far enough out for atoms beyond the searched sphere to cut: search the next shell.
      lowSq = radius * radius;
      radius = Math.max(2 * Math.sqrt(maxSq), 1.25 * radius);
      this.extraPasses++;
    }
    this.learnRadius(2 * Math.sqrt(maxSq));

    if (cell.hasFaceLabelled(BOUNDING_FACE)) return 'the cell was not closed by neighbours (search failed)';
    const euler = cell.eulerCharacteristic();
    if (euler !== 2) return `the cell's faces do not close (V − E + F = ${euler}, degenerate geometry)`;
    return null;
  }

  private learnRadius(needed: number): void {
    // Ratchet up at once (a second pass costs a full rescan), relax slowly after outliers.
    const want = 1.05 * needed;
    this.radiusGuess = want > this.radiusGuess ? want : 0.995 * this.radiusGuess + 0.005 * want;
  }

  /**
   * Orthogonal cells start from the box voro++ uses: ±L/2 along periodic axes (the bisecting planes of the atom's
   * own images, so those faces belong to atom i itself) and the walls along the others. Triclinic cells start
   * from a cube that must contain the cell; the walls are then cut explicitly.
   */
  private startBox(i: number, xi: number, yi: number, zi: number): void {
    const box = this.box;
    const labels = this.labels;
    if (!box.orthogonal) {
      const h = this.cubeHalfWidth;
      labels.fill(BOUNDING_FACE);
      this.cell.initBox(-h, h, -h, h, -h, h, labels);
      return;
    }
    const o = box.origin;
    const e = box.edges;
    const bounds = [0, 0, 0, 0, 0, 0];
    const at = [xi, yi, zi];
    const lowWall = [WALL_A_LOW, WALL_B_LOW, WALL_C_LOW];
    const highWall = [WALL_A_HIGH, WALL_B_HIGH, WALL_C_HIGH];
    for (let k = 0; k < 3; k++) {
      const length = Math.abs(e[4 * k] as number);
      if (box.periodic[k]) {
        bounds[2 * k] = -0.5 * length;
        bounds[2 * k + 1] = 0.5 * length;
        labels[2 * k] = i;
        labels[2 * k + 1] = i;
      } else {
        const lo = Math.min(o[k] as number, (o[k] as number) + (e[4 * k] as number));
        bounds[2 * k] = lo - (at[k] as number);
        bounds[2 * k + 1] = lo + length - (at[k] as number);
        labels[2 * k] = lowWall[k] as number;
        labels[2 * k + 1] = highWall[k] as number;
      }
    }
    this.cell.initBox(
      bounds[0] as number,
      bounds[1] as number,
      bounds[2] as number,
      bounds[3] as number,
      bounds[4] as number,
      bounds[5] as number,
      labels,
    );
  }
}

/**
 * Every point of an atom's cell is within Σ w_k |e_k| of it, w = ½ along periodic edges (round the offset to the
 * nearest image, which is no closer than the atom) and 1 along walled ones (the cell stays inside the parallelepiped).
 */
function boundingHalfWidth(box: VoronoiBox): number {
  let h = 0;
  for (let k = 0; k < 3; k++) {
    const e = box.edges;
    const len = Math.hypot(e[3 * k] as number, e[3 * k + 1] as number, e[3 * k + 2] as number);
    h += (box.periodic[k] ? 0.5 : 1) * len;
  }
  return 1.01 * h;
}
