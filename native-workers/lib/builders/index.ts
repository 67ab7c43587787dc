/** Public API of the geometry builders: oriented crystals, bicrystals, random substitution and embedded nanocrystals. */
export { BuilderInputError } from './builder-input-error';
export {
  LATTICE_KINDS,
  IDEAL_HCP_C_OVER_A,
  latticeCell,
  atomicVolumeA3,
  nearestNeighborDistanceA,
  type LatticeKind,
  type LatticeCell,
} from './lattice';
export {
  CUBE_ORIENTATION,
  ORTHOHEXAGONAL_ORIENTATION,
  defaultOrientation,
  resolveOrientation,
  formatDirection,
  type MillerDirection,
  type Orientation,
  type ResolvedOrientation,
} from './orientation';
export { orientedCrystal, type OrientedCrystal, type OrientedCrystalOptions } from './oriented-crystal';
export { commonPeriodicLength, type CommonLength } from './common-length';
export { bicrystal, PAPER_BICRYSTAL_ORIENTATIONS, type Bicrystal, type BicrystalOptions, type GrainStrain } from './bicrystal';
export { substituteRandomly, type Substitution, type SubstitutionOptions } from './substitution';
export { embedNanocrystals, type EmbeddedNanocrystals, type NanocrystalOptions, type NanocrystalSphere } from './nanocrystals';
export { nearestCommensurateOrientation, randomRotation, rotationAngle, type CommensurateOrientation } from './commensurate-orientation';
