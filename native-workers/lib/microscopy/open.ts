/**
 * Opens any supported experimental file or folder as a FrameSource: folders of single patterns (or an EMPAD
 * .xml/.raw pair inside one), else the format recognised from the file's first bytes (and, where the bytes are
 * not enough, its extension). Unknown formats are refused with the list of what is supported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MicroscopyFileError, type MicroscopyInfo, type FrameSource, type MicroscopyFormat, type OpenOptions } from './frame-source';
import { openBlo, sniffBlo } from './readers/blo';
import { openDm, sniffDm } from './readers/dm';
import { openEmpad, sniffEmpad } from './readers/empad';
import { guardHdf5Open } from './hdf5-guard';
import { openFolder } from './readers/folder';
import { sniffHdf5 } from './readers/hdf5';
import { openHdf5Any } from './readers/hspy';
import { openMib, sniffMib } from './readers/mib';
import { openMrc, sniffMrc } from './readers/mrc';
import { openNpyStack, sniffNpy } from './readers/npy-stack';
import { openPng, sniffPng } from './readers/png';
import { openTiff, sniffTiff } from './readers/tiff/index';
import { isZarrStore, openZspy } from './readers/zspy';

const HEAD_BYTES = 4096;

interface Reader {
  format: MicroscopyFormat | 'hdf5/emd';
  describe: string;
  sniff: (head: Buffer, file: string) => boolean;
  open: (file: string, options: OpenOptions) => FrameSource | Promise<FrameSource>;
}

/** In the order they are tried: formats with a magic number first, header-only guesses (MRC) last. */
export const READERS: readonly Reader[] = [
  { format: 'hdf5/emd', describe: 'HDF5 / EMD (HyperSpy .hspy, EMD 1.0, py4DSTEM, Velox; plain datasets by path)', sniff: sniffHdf5, open: openHdf5Any },
  { format: 'dm4', describe: 'Gatan DigitalMicrograph .dm3 / .dm4', sniff: sniffDm, open: openDm },
  { format: 'mib', describe: 'Quantum Detectors Merlin .mib', sniff: sniffMib, open: openMib },
  { format: 'empad', describe: 'EMPAD .xml + .raw', sniff: sniffEmpad, open: openEmpad },
  { format: 'blo', describe: 'NanoMegas blockfile .blo', sniff: sniffBlo, open: openBlo },
  { format: 'tiff', describe: 'TIFF (8/16/32-bit, float, stacks)', sniff: sniffTiff, open: openTiff },
  { format: 'png', describe: 'PNG', sniff: sniffPng, open: openPng },
  { format: 'npy', describe: 'NumPy .npy (2D, 3D or 4D)', sniff: sniffNpy, open: openNpyStack },
  { format: 'mrc', describe: 'MRC / MRC2014', sniff: sniffMrc, open: openMrc },
];

export const SUPPORTED_FORMATS_TEXT = `${READERS.map((r) => r.describe).join('; ')}; HyperSpy .zspy (zarr folder); or a folder of single patterns`;

function readHead(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new MicroscopyFileError(file, `cannot open: ${(error as Error).message}`);
  }
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, head, 0, HEAD_BYTES, 0);
    return head.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens `location` (a file or a folder) with the reader its content calls for. */
export async function openMicroscopy(location: string, options: OpenOptions = {}): Promise<FrameSource> {
  const source = await openReader(location, options, true);
  if (options.scanStepNm !== undefined) applyScanStep(source.info, options.scanStepNm);
  return source;
}

/** openMicroscopy without the HDF5 time limit: for the guard's own thread, which is the time limit. */
export async function openMicroscopyUnguarded(location: string, options: OpenOptions = {}): Promise<FrameSource> {
  const source = await openReader(location, options, false);
  if (options.scanStepNm !== undefined) applyScanStep(source.info, options.scanStepNm);
  return source;
}

/** Gives every scan axis the user's step (nm), saying what the file had. */
export function applyScanStep(info: MicroscopyInfo, stepNm: number): void {
  if (!(Number.isFinite(stepNm) && stepNm > 0)) throw new MicroscopyFileError(info.file, `the scan step must be a positive number of nm, got ${stepNm}`);
  if (info.format === 'folder') {
    // A folder's patterns are separate measurements, not scan positions: nothing to calibrate (said, not refused,
    // so a step left in the Open panel from a scan does not stop a folder from opening).
    info.notes.push(`the scan step ${stepNm} nm is ignored: the patterns of a folder are not positions of one scan`);
    return;
  }
  if (info.scanAxes.length === 0) throw new MicroscopyFileError(info.file, 'holds a single pattern: there is no scan to give a step to');
  for (const axis of info.scanAxes) {
    const had = axis.scale !== null ? `${axis.scale} ${axis.units ?? ''}`.trim() : 'no calibration';
    info.notes.push(`scan axis ${axis.name}: step ${stepNm} nm given by the user (the file had ${had})`);
    axis.scale = stepNm;
    axis.units = 'nm';
    axis.offset = 0;
  }
}

async function openReader(location: string, options: OpenOptions, guarded: boolean): Promise<FrameSource> {
  const file = path.resolve(location);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new MicroscopyFileError(file, `cannot open: ${(error as Error).message}`);
  }
  // HyperSpy's .zspy is a zarr store: a folder (or, zipped, a file the zspy reader refuses with what to do).
  if ((stat.isDirectory() && isZarrStore(file)) || /\.zspy$/i.test(file)) return openZspy(file, options);
  if (stat.isDirectory()) return openFolder(file, options);
  if (stat.size === 0) throw new MicroscopyFileError(file, 'the file is empty');
  const head = readHead(file);
  for (const reader of READERS) {
    if (!reader.sniff(head, file)) continue;
    if (guarded && reader.format === 'hdf5/emd') await guardHdf5Open(file, options);
    return reader.open(file, options);
  }
  throw new MicroscopyFileError(file, `not a format SSRO Studio reads (supported: ${SUPPORTED_FORMATS_TEXT})`);
}
