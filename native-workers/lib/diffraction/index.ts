/** Public API of the kinematic NBED simulation: pattern grid, probe volumes, the intensity engine and the model input. */
export { PatternGridError, checkedPatternSide, insideKmax, patternGrid, pixelIndex, zoneBasis, type PatternGrid, type ZoneBasis } from './pattern-grid';
export { electronWavelengthA, ewaldHeightInvA } from './electron-wavelength';
export { KinematicInputError, KinematicPatternEngine, checkScatteringElements, kinematicPattern, type KinematicOptions } from './kinematic-pattern';
export {
  CLUSTER_NEIGHBORS,
  ProbeInputError,
  ProbeSelector,
  checkProbeShape,
  describeCenter,
  describeShape,
  selectProbeAtoms,
  type ProbeAtoms,
  type ProbeStructure,
} from './probes';
export { MODEL_INPUT, modelInput } from './model-input';
export { NbedSimulator, type NbedOptions, type NbedStructure, type ProbePattern } from './nbed-simulator';

/** The Peng 1996 electron table, relative to the resources folder. */
export const ELECTRON_FACTORS_RESOURCE = 'elements/electron-scattering-factors-peng1996.json';
