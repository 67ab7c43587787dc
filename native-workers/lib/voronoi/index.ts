/** Per-atom Voronoi tessellation with the paper's edge-length threshold: the public surface of this folder. */
export { voronoiAnalysis } from './voronoi-analysis';
export {
  BOUNDING_FACE,
  VORONOI_CLASS_FLAGGED,
  VoronoiCancelled,
  VoronoiInputError,
  WALL_A_HIGH,
  WALL_A_LOW,
  WALL_B_HIGH,
  WALL_B_LOW,
  WALL_C_HIGH,
  WALL_C_LOW,
} from './types';
export type { VoronoiFaces, VoronoiInput, VoronoiOptions, VoronoiProblem, VoronoiResult } from './types';
