/**
 * A folder of single diffraction patterns (papers/000 Fig. 10): every supported single-frame file below it is one
 * frame, in natural sort order ("p2" before "p10"), grouped by the subfolder that holds it (files directly in the
 * folder form a group named after the folder). All frames must have one shape.
 *
 * Single-frame formats plug in through SINGLE_FRAME_OPENERS (extension → opener), so DM, MRC or NPY single frames
 * join by adding their opener there (or by passing an extended map to openFolder).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkScanShape, MicroscopyFileError, plainAxis, type AxisCalibration, type FrameSource, type MicroscopyInfo, type OpenOptions } from '../frame-source';
import { openPng } from './png';
import { openTiff } from './tiff';

/** A folder's frames, each with the file it came from and its group (subfolder). */
export interface FolderFrameSource extends FrameSource {
  frames: { file: string; group: string }[];
}

/** Opens a file holding one frame (header only; readFrame(0) decodes it). */
export type SingleFrameOpener = (file: string) => FrameSource;

/** Lower-case extension (with the dot) → opener. */
export const SINGLE_FRAME_OPENERS: Readonly<Record<string, SingleFrameOpener>> = {
  '.png': (file) => openPng(file),
  '.tif': (file) => openTiff(file),
  '.tiff': (file) => openTiff(file),
};

/** Natural order: digit runs compare as numbers, text case-insensitively, then plain code-unit order. */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    const xd = /^\d/.test(x);
    const yd = /^\d/.test(y);
    if (xd && yd) {
      const xs = x.replace(/^0+(?=\d)/, '');
      const ys = y.replace(/^0+(?=\d)/, '');
      if (xs.length !== ys.length) return xs.length - ys.length;
      if (xs !== ys) return xs < ys ? -1 : 1;
      if (x.length !== y.length) return x.length - y.length;
    } else if (x !== y) {
      const xl = x.toLowerCase();
      const yl = y.toLowerCase();
      if (xl !== yl) return xl < yl ? -1 : 1;
      return x < y ? -1 : 1;
    }
  }
  return ta.length - tb.length;
}

interface Listing {
  files: { file: string; group: string }[];
  skipped: string[];
}

/** Supported files below `root` (hidden entries and symbolic links to folders are not followed). */
function listFiles(root: string, openers: Readonly<Record<string, SingleFrameOpener>>): Listing {
  const rootGroup = path.basename(root);
  const files: { file: string; group: string; name: string }[] = [];
  const skipped: string[] = [];
  const walk = (dir: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw new MicroscopyFileError(dir, `cannot list the folder: ${(err as Error).message}`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full, rel ? `${rel}/${entry.name}` : entry.name);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (openers[path.extname(entry.name).toLowerCase()]) files.push({ file: full, group: rel || rootGroup, name: entry.name });
        else skipped.push(rel ? `${rel}/${entry.name}` : entry.name);
      }
    }
  };
  walk(root, '');
  // Top-level files first, then the subfolders in natural order; files in natural order inside each group.
  files.sort((a, b) => {
    const aTop = a.group === rootGroup && path.dirname(a.file) === root;
    const bTop = b.group === rootGroup && path.dirname(b.file) === root;
    if (aTop !== bTop) return aTop ? -1 : 1;
    return naturalCompare(a.group, b.group) || naturalCompare(a.name, b.name);
  });
  return { files: files.map(({ file, group }) => ({ file, group })), skipped };
}

function sameAxis(a: AxisCalibration, b: AxisCalibration): boolean {
  return a.scale === b.scale && a.offset === b.offset && a.units === b.units;
}

/** Opens every supported file below `dir` as one frame each. */
export function openFolder(
  dir: string,
  options: OpenOptions = {},
  openers: Readonly<Record<string, SingleFrameOpener>> = SINGLE_FRAME_OPENERS,
): FolderFrameSource {
  const root = path.resolve(dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch (err) {
    throw new MicroscopyFileError(root, `cannot open: ${(err as Error).message}`);
  }
  if (!stat.isDirectory()) throw new MicroscopyFileError(root, 'not a folder');
  const { files, skipped } = listFiles(root, openers);
  if (files.length === 0) {
    throw new MicroscopyFileError(root, `no pattern files (${Object.keys(openers).join(', ')}) in the folder or its subfolders`);
  }

  let first: MicroscopyInfo | null = null;
  let mixedDtype = false;
  let mixedCalibration = false;
  let mixedInstrument = false;
  for (const { file } of files) {
    const opener = openers[path.extname(file).toLowerCase()]!;
    const src = opener(file);
    const info = src.info;
    src.close();
    if (info.frameCount !== 1) {
      throw new MicroscopyFileError(file, `holds ${info.frameCount} frames; a folder of single patterns needs one per file — open this file on its own`);
    }
    if (!first) {
      first = info;
      continue;
    }
    if (info.frameShape[0] !== first.frameShape[0] || info.frameShape[1] !== first.frameShape[1]) {
      throw new MicroscopyFileError(
        root,
        `patterns of different shapes: ${path.relative(root, first.file)} is ${first.frameShape.join('×')} but ` +
          `${path.relative(root, file)} is ${info.frameShape.join('×')}`,
      );
    }
    if (info.dtype !== first.dtype) mixedDtype = true;
    if (!sameAxis(info.detectorAxes[0], first.detectorAxes[0]) || !sameAxis(info.detectorAxes[1], first.detectorAxes[1])) mixedCalibration = true;
    if (info.beamEnergyKeV !== first.beamEnergyKeV || info.cameraLengthMm !== first.cameraLengthMm) mixedInstrument = true;
  }
  const head = first!;
  const [rows, cols] = head.frameShape;
  const n = files.length;
  const notes: string[] = [];
  const groups = new Map<string, number>();
  for (const f of files) groups.set(f.group, (groups.get(f.group) ?? 0) + 1);
  notes.push(`${n} pattern(s) in ${groups.size} group(s): ${[...groups].map(([g, c]) => `${g} (${c})`).join(', ')}.`);
  if (skipped.length > 0) {
    notes.push(`${skipped.length} other file(s) ignored (${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}).`);
  }
  if (mixedDtype) notes.push(`The files have different data types; the first (${path.relative(root, head.file)}) is ${head.dtype}.`);
  let detectorAxes: [AxisCalibration, AxisCalibration] = [{ ...head.detectorAxes[0] }, { ...head.detectorAxes[1] }];
  if (mixedCalibration) {
    detectorAxes = [plainAxis('rows', rows), plainAxis('cols', cols)];
    notes.push('The files state different pixel calibrations: the folder is treated as uncalibrated.');
  } else {
    for (const note of head.notes) if (/calibrat/i.test(note) && !notes.includes(note)) notes.push(note);
  }
  if (mixedInstrument) notes.push('The files state different beam energies or camera lengths: none is reported for the folder.');
  const scanShape = options.scanShape ? checkScanShape(root, n, options.scanShape) : [n];
  const metadata: MicroscopyInfo['metadata'] = { 'Folder.files': n, 'Folder.groups': groups.size };
  for (const [g, c] of groups) metadata[`Folder.group.${g}`] = c;
  const info: MicroscopyInfo = {
    file: root,
    format: 'folder',
    dtype: head.dtype,
    frameShape: [rows, cols],
    frameCount: n,
    scanShape,
    scanAxes: scanShape.length === 1 ? [plainAxis('pattern', n)] : scanShape.map((s, k) => plainAxis(k === 0 ? 'y' : 'x', s)),
    detectorAxes,
    beamEnergyKeV: mixedInstrument ? null : head.beamEnergyKeV,
    cameraLengthMm: mixedInstrument ? null : head.cameraLengthMm,
    metadata,
    notes,
  };

  let closed = false;
  return {
    info,
    frames: files,
    readFrame(index: number, out?: Float32Array): Float32Array {
      if (closed) throw new MicroscopyFileError(root, 'read after close');
      if (!Number.isInteger(index) || index < 0 || index >= n) throw new MicroscopyFileError(root, `frame ${index} out of range (0–${n - 1})`);
      const { file } = files[index]!;
      const src = openers[path.extname(file).toLowerCase()]!(file);
      try {
        if (src.info.frameShape[0] !== rows || src.info.frameShape[1] !== cols) {
          throw new MicroscopyFileError(file, `is now ${src.info.frameShape.join('×')}, the folder's patterns are ${rows}×${cols}: it changed since the folder was opened`);
        }
        return src.readFrame(0, out);
      } finally {
        src.close();
      }
    },
    close(): void {
      closed = true;
    },
  };
}
