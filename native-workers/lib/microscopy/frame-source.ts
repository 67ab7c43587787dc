/**
 * Experimental diffraction data as a stack of 2D frames (papers/000 Fig. 10; 4D-STEM scans), whatever the file
 * format: what a reader reports about a file (shapes, dtype, calibrations, beam energy, camera length) and random
 * access to one frame at a time. Readers never read a whole file: a file larger than RAM opens at once, and
 * readFrame reads only that frame's bytes (fs.readSync at an offset, or the format library's hyperslab).
 *
 * Conventions: frames are row-major (rows, cols) float32 with the stored values (no scaling other than the
 * format's own stated intensity scale/offset); frame index = row-major index over scanShape (the slowest scan axis
 * first, as HyperSpy's navigation axes reversed: scanShape [ny, nx] means index = iy·nx + ix).
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

export interface FrameSource {
  readonly info: MicroscopyInfo;
  /**
   * Frame `index` (0 ≤ index < frameCount) as float32, rows × cols row-major, into `out` when given (length
   * rows·cols) else a new array. Throws an Error naming the file and the frame when the bytes are missing.
   */
  readFrame(index: number, out?: Float32Array): Float32Array;
  close(): void;
}

/** Options every reader accepts (those that do not apply are ignored). */
export interface OpenOptions {
  /** Override / supply the scan shape [ny, nx] (must divide the frame count exactly). */
  scanShape?: number[];
  /** HDF5: the dataset path to read (otherwise the reader finds the 4D/3D/2D data itself). */
  datasetPath?: string;
}

/** The error every reader throws for a bad file: the message names the file and the problem. */
export class MicroscopyFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'MicroscopyFileError';
  }
}

/** Checks a user-given scan shape against the frame count (never silently reshapes). */
export function checkScanShape(file: string, frameCount: number, scanShape: number[]): number[] {
  if (scanShape.length === 0 || scanShape.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new MicroscopyFileError(file, `scan shape ${scanShape.join('×')} must be positive integers`);
  }
  const product = scanShape.reduce((a, b) => a * b, 1);
  if (product !== frameCount) {
    throw new MicroscopyFileError(file, `scan shape ${scanShape.join('×')} = ${product} frames, but the file has ${frameCount} frames`);
  }
  return scanShape;
}

/** An uncalibrated axis. */
export function plainAxis(name: string, size: number): AxisCalibration {
  return { name, size, scale: null, offset: 0, units: null };
}
