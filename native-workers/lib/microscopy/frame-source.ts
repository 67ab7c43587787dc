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

import type { AxisCalibration, MicroscopyInfo } from '../../../main/shared/microscopy';
import { printable } from '../../../main/shared/printable';

export type { AxisCalibration, MicroscopyFormat, MicroscopyInfo, StoredDtype } from '../../../main/shared/microscopy';

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
  /**
   * The real-space step between scan positions (nm), when the file does not record it (NPY, MIB, raw stacks) or
   * records it wrongly: every scan axis gets this scale (the file's value is kept in `notes`). Ignored, with a note,
   * for a folder of patterns.
   */
  scanStepNm?: number;
}

/** The error every reader throws for a bad file: the message names the file and the problem. */
export class MicroscopyFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    // Problems quote file content (headers, tags, names): control characters in it are shown escaped.
    super(`${file}: ${printable(problem, 2000)}`);
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
