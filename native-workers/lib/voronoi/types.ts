/** What the per-atom Voronoi analysis takes and returns: input, options, per-atom arrays, face lists and its errors. */
import type { Cell } from '../../../main/shared/domain';

export interface VoronoiInput {
  /** x, y, z per atom in Å, interleaved (length 3N). Periodic directions may hold unwrapped coordinates. */
  positions: Float64Array;
  /** Orthogonal or triclinic; non-periodic directions are closed by the cell walls, as in a voro++ container. */
  cell: Cell;
  /** Atom ids for messages (default: 1 … N in input order). */
  ids?: Int32Array;
}

export interface VoronoiOptions {
  /** A face's order counts only its edges longer than this (paper: 0.6 Å); 0 counts every edge, like voro++. */
  edgeThresholdA: number;
  /** Also return every face (neighbour, area, order, edge lengths); costs memory, so off by default. */
  collectFaces?: boolean;
  /** Called with (atoms done, atoms in total) every `checkEvery` atoms and once at the end. */
  onProgress?: (done: number, total: number) => void;
  /** Polled every `checkEvery` atoms; when it returns true the analysis throws VoronoiCancelled. */
  isCancelled?: () => boolean;
  /** Default 4096. */
  checkEvery?: number;
}

/** Faces of every cell, in compressed-row form: atom i owns faces atomFaceOffsets[i] … atomFaceOffsets[i + 1] − 1. */
export interface VoronoiFaces {
  atomFaceOffsets: Int32Array;
  /** Index (0-based, input order) of the atom across the face, or a wall code (WALL_*, negative) like voro++. */
  neighbour: Int32Array;
  areaA2: Float64Array;
  /** Number of the face's edges longer than the threshold (all edges when the threshold is 0). */
  order: Int32Array;
  /** Face f owns edges edgeOffsets[f] … edgeOffsets[f + 1] − 1, in order around the face. */
  edgeOffsets: Int32Array;
  edgeLengthA: Float64Array;
}

/** Why one atom's cell could not be built; the atom is flagged and its figures are zero. */
export interface VoronoiProblem {
  index: number;
  id: number;
  reason: string;
}

export interface VoronoiResult {
  count: number;
  edgeThresholdA: number;
  /** ⟨n3, n4, n5, n6⟩ per atom (length 4N): faces with 3, 4, 5, 6 edges longer than the threshold. */
  index: Int32Array;
  /** Faces with more than 6 long edges, so that no face is silently dropped from the counts. */
  higherOrderFaces: Int32Array;
  /** Faces with fewer than 3 long edges (only at a threshold > 0): the small faces the threshold removes. */
  lowOrderFaces: Int32Array;
  /** Cell volume, Å³. */
  volumeA3: Float64Array;
  /** All faces of the cell (voro++'s %s), i.e. the Voronoi coordination. */
  faceCount: Int32Array;
  /** Vertices of the cell (voro++'s %w); with faceCount and the edges, V − E + F = 2. */
  vertexCount: Int32Array;
  /** Index into VORONOI_CLASSES, or VORONOI_CLASS_FLAGGED. */
  classCode: Uint8Array;
  /** 1 = the cell could not be built (see `problems`); its index, volume and faces are zero. */
  flagged: Uint8Array;
  problems: VoronoiProblem[];
  /**
   * Cells built only after retrying with a larger degeneracy tolerance (inputs within ~1e-11 Å of a degenerate
   * configuration); they are valid, but their sub-picometre edges may differ from voro++'s.
   */
  relaxedCells: number;
  faces?: VoronoiFaces;
}

/** Class code of a flagged atom: outside VORONOI_CLASSES on purpose, so it is never mistaken for a motif. */
export const VORONOI_CLASS_FLAGGED = 255;

/** Face neighbours that are walls of a non-periodic direction; same numbers as voro++ (−1 = x low … −6 = z high). */
export const WALL_A_LOW = -1;
export const WALL_A_HIGH = -2;
export const WALL_B_LOW = -3;
export const WALL_B_HIGH = -4;
export const WALL_C_LOW = -5;
export const WALL_C_HIGH = -6;
/** The provisional bounding cube of a triclinic cell: a face with this label left at the end is a failure. */
export const BOUNDING_FACE = -7;

/** Input that cannot be tessellated (NaN coordinates, overlapping atoms, atoms beyond a wall …). */
export class VoronoiInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VoronoiInputError';
  }
}

export class VoronoiCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'VoronoiCancelled';
  }
}
