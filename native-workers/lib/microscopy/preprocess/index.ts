/** Public API of experimental-frame preprocessing (issue 6): defects, centre, calibration, TV denoising, resampling. */
export { radialProfile, type RadialProfile, type RadialProfileOptions } from './azimuthal-average';
export {
  CalibrationError,
  calibrationFromHalo,
  calibrationFromMetadata,
  calibrationFromRing,
  classifyUnit,
  firstMaximum,
  haloMaximum,
  manualCalibration,
  profileMaximum,
  referenceProfileFromPattern,
  type Calibration,
  type CalibrationMethod,
  type HaloCalibration,
  type MetadataCalibrationInput,
  type ReferenceProfile,
  type RingCalibration,
} from './calibration';
export { CentreFindingError, centreOfMass, xcorrCentre, type BeamCentre, type CentreOfMassOptions, type CentreResult, type XcorrOptions } from './centre';
export {
  combineMasks,
  dtypeMaximum,
  fillMaskedPixels,
  findBadPixels,
  frameQuality,
  meanFrame,
  subtractDark,
  type BadPixels,
  type FrameFlag,
  type FrameQuality,
} from './defects';
export {
  createPreprocessWorkspace,
  findCentre,
  preprocessFrame,
  preprocessRecipeSchema,
  recipeModelFromPreprocessing,
  resolveCalibration,
  type CalibrationInputs,
  type PreprocessContext,
  type PreprocessRecipe,
  type PreprocessRecipeInput,
  type PreprocessResult,
  type PreprocessStep,
  type PreprocessWorkspace,
} from './recipe';
export { CALIBRATION_METHODS, CENTRE_METHODS, DENOISE_METHODS, DENOISE_SCALES } from '../../../../main/shared/preprocess-recipe';
export { resampleToModelGrid, type ResampleOptions, type ResampleResult } from './resample';
export { syntheticPattern, type SyntheticPatternOptions, type SyntheticRing } from './synthetic-pattern';
export { TV_DEFAULTS, createTvWorkspace, denoiseTvChambolle, imgAsFloat, type TvDenoiseOptions, type TvDenoiseResult, type TvWorkspace } from './tv-denoise';
