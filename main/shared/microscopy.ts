/**
 * What a reader reports about an experimental diffraction file (native-workers/lib/microscopy/frame-source.ts has
 * the readers' side: random access to frames). Shared with the renderer, which shows it.
 */

export type MicroscopyFormat =
  | 'png'
  | 'tiff'
  | 'dm3'
  | 'dm4'
  | 'mrc'
  | 'npy'
  | 'hdf5'
  | 'emd-1.0'
  | 'emd-velox'
  | 'hspy'
  | 'zspy'
  | 'mib'
  | 'empad'
  | 'blo'
  | 'folder';

/** The element type as stored in the file. */
export type StoredDtype =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'uint64'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'complex64'
  | 'rgb8'
  | 'uint1'
  | 'uint6'
  | 'uint12'
  | 'uint24';

/** One axis: value of pixel i = offset + i·scale, in `units`; scale null when the file gives no calibration. */
export interface AxisCalibration {
  name: string;
  size: number;
  scale: number | null;
  offset: number;
  /** As the file says (e.g. 'nm', 'Å', '1/nm', '1/Å', 'mrad'); null when absent. */
  units: string | null;
}

export interface MicroscopyInfo {
  /** Absolute path of the file (for folders: the folder). */
  file: string;
  format: MicroscopyFormat;
  dtype: StoredDtype;
  /** [rows, cols] of one diffraction frame. */
  frameShape: [number, number];
  frameCount: number;
  /**
   * Scan (navigation) shape, slowest axis first: [ny, nx] for a 4D-STEM raster, [n] for a plain stack or a folder,
   * [] for a single pattern. Product = frameCount. Null-free: a reader that cannot tell uses [frameCount] and says so
   * in `notes`.
   */
  scanShape: number[];
  /** One per scanShape axis, same order (real space: nm/Å when the file says). */
  scanAxes: AxisCalibration[];
  /** [rows axis, cols axis] of the frame (reciprocal space, or angle, when the file says). */
  detectorAxes: [AxisCalibration, AxisCalibration];
  beamEnergyKeV: number | null;
  cameraLengthMm: number | null;
  /** Selected original metadata, flattened to 'Group.Sub.Key' → value (for display and provenance). */
  metadata: Record<string, string | number | boolean | null>;
  /** Things the user should know: guessed shapes, ignored parts, missing calibration. */
  notes: string[];
}

