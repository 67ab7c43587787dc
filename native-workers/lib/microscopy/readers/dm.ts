/**
 * Gatan DigitalMicrograph DM3/DM4 files: 2D images, 3D stacks and 4D scans, read frame by frame.
 *
 * The tag tree (dm-tags.ts) gives, per image in ImageList, ImageData.Dimensions (DM order: x, y, z, w — x fastest),
 * ImageData.DataType, ImageData.Calibrations.Dimension[i].{Scale, Origin, Units} and the position of the pixel block
 * ImageData.Data, a contiguous C-order array in the file's byte order. As HyperSpy's digital_micrograph.py does:
 * thumbnails (root Thumbnails[*].ImageIndex) are skipped; the NumPy shape is the DM dimensions reversed and the
 * last two NumPy axes (DM x and y) are the frame, so frame k is the contiguous block at Data.offset + k·frameBytes
 * and further DM dimensions are the scan (z for a stack; z, w for a 4D scan: scanShape [w, z]).
 * Calibration: DM's value of pixel i is (i − Origin)·Scale, so offset = −Origin·Scale (HyperSpy's conversion).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MicroscopyFileError,
  checkScanShape,
  plainAxis,
  type AxisCalibration,
  type FrameSource,
  type MicroscopyInfo,
  type OpenOptions,
} from '../frame-source';
import {
  displayValue,
  fileByteSource,
  findGroup,
  findValue,
  flattenDmTags,
  isArrayRef,
  looksLikeDm,
  parseDmTags,
  type DmArrayRef,
  type DmGroupTag,
  type DmTagFile,
} from './dm-tags';
import { PLAIN_DTYPE_BYTES, openForReading, rawFrameSource, readBytesAt, withOpenFile, type PlainDtype } from './raw-frames';

/** ImageData.DataType codes (DM "Image Object" data types; HyperSpy's ImageObject.dtype) we can read as intensities. */
const DATA_TYPES: Record<number, PlainDtype> = {
  1: 'int16',
  2: 'float32',
  6: 'uint8',
  7: 'int32',
  9: 'int8',
  10: 'uint16',
  11: 'uint32',
  12: 'float64',
  14: 'bool',
};

/** Codes we refuse, with the reason (complex FFT data and colour images are not diffraction intensities). */
const REFUSED_TYPES: Record<number, string> = {
  0: 'null (no data type)',
  3: 'complex64',
  4: 'an obsolete packed type (HyperSpy does not read it either)',
  5: 'packed complex64 (FFT)',
  8: 'RGB (colour)',
  13: 'complex128',
  23: 'RGBA (colour)',
  27: 'packed complex64 (FFT)',
  28: 'packed complex128 (FFT)',
};

const COMPLEX_TYPES = new Set([3, 5, 13, 27, 28]);
const RGB_TYPES = new Set([8, 23]);

interface DmImage {
  /** Path of the image group, e.g. ['ImageList', 'TagGroup1']. */
  path: string[];
  group: DmGroupTag;
  /** DM dimensions, x first. */
  dims: number[];
  dataType: number;
  data: DmArrayRef;
}

/** True for a DM3/DM4 file (header + first tag entry checked; the extension alone is not enough). */
export function sniffDm(head: Buffer, _file: string): boolean {
  return looksLikeDm(head);
}

function parseFile(file: string, fd: number, size: number): DmTagFile {
  return parseDmTags(file, fileByteSource(fd, size, readBytesAt));
}

/** All tags of a DM file flattened to 'ImageList.TagGroup1.ImageTags.Microscope Info.Voltage' → value (for display). */
export function readDmTagTree(file: string, limit = 20000): Record<string, string | number | boolean | null> {
  const absolute = path.resolve(file);
  const { fd, size } = openForReading(absolute);
  try {
    return flattenDmTags(parseFile(absolute, fd, size).root, limit);
  } finally {
    fs.closeSync(fd);
  }
}

function numberValue(group: DmGroupTag, p: readonly string[]): number | null {
  const v = findValue(group, p);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function stringValue(group: DmGroupTag, p: readonly string[]): string | null {
  const v = findValue(group, p);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 0) return ''; // an empty uint16 array: HyperSpy's []
  return null;
}

/** The images of ImageList that are not thumbnails and carry a pixel block. */
function listImages(file: string, root: DmGroupTag): DmImage[] {
  const list = findGroup(root, ['ImageList']);
  if (list === undefined) throw new MicroscopyFileError(file, 'DM file has no ImageList (no image data)');
  const thumbnails = new Set<number>();
  const thumbs = findGroup(root, ['Thumbnails']);
  for (const t of thumbs?.tags ?? []) {
    if (t.kind === 'group') {
      const index = numberValue(t, ['ImageIndex']);
      if (index !== null) thumbnails.add(index);
    }
  }
  const images: DmImage[] = [];
  for (const entry of list.tags) {
    if (entry.kind !== 'group') continue;
    const match = /^TagGroup(\d+)$/.exec(entry.name);
    if (match !== null && thumbnails.has(Number(match[1]))) continue;
    const data = findValue(entry, ['ImageData', 'Data']);
    const dimsGroup = findGroup(entry, ['ImageData', 'Dimensions']);
    const dataType = numberValue(entry, ['ImageData', 'DataType']);
    if (!isArrayRef(data) || dimsGroup === undefined || dataType === null) continue;
    const dims: number[] = [];
    for (const d of dimsGroup.tags) {
      if (d.kind === 'data' && typeof d.value === 'number') dims.push(d.value);
    }
    images.push({ path: ['ImageList', entry.name], group: entry, dims, dataType, data });
  }
  return images;
}

/** Picks the image to read: the largest with at least two dimensions of size > 1 (ties: the last, as DM lists the thumbnail first). */
function chooseImage(file: string, images: DmImage[], notes: string[]): DmImage {
  if (images.length === 0) throw new MicroscopyFileError(file, 'DM file holds no image data (only thumbnails or empty images)');
  const count = (im: DmImage): number => im.dims.reduce((a, b) => a * b, 1);
  const usable = images.filter((im) => im.dims.filter((d) => d > 1).length >= 2);
  if (usable.length === 0) {
    const shapes = images.map((im) => im.dims.join('×')).join(', ');
    throw new MicroscopyFileError(file, `DM file holds no 2D image: only 1D data (spectra, profiles) of size ${shapes}`);
  }
  let best = usable[0] as DmImage;
  for (const im of usable) if (count(im) >= count(best)) best = im;
  if (images.length > 1) {
    const others = images.filter((im) => im !== best).map((im) => `${im.path.join('.')} (${im.dims.join('×')})`);
    notes.push(`The file holds ${images.length} images; reading ${best.path.join('.')} (${best.dims.join('×')}), ignoring ${others.join(', ')}.`);
  }
  return best;
}

interface DimCalibration {
  scale: number | null;
  offset: number;
  units: string | null;
}

/** Calibration of DM dimension i: value = (pixel − Origin)·Scale → offset −Origin·Scale (HyperSpy). */
function dimCalibration(image: DmImage, i: number, notes: string[]): DimCalibration {
  const dims = findGroup(image.group, ['ImageData', 'Calibrations', 'Dimension']);
  const entry = dims?.tags.filter((t) => t.kind === 'group')[i];
  if (entry === undefined || entry.kind !== 'group') {
    notes.push(`DM dimension ${i} has no calibration entry (ImageData.Calibrations.Dimension): uncalibrated.`);
    return { scale: null, offset: 0, units: null };
  }
  const scale = numberValue(entry, ['Scale']);
  const origin = numberValue(entry, ['Origin']) ?? 0;
  const units = stringValue(entry, ['Units']);
  // DM writes Scale 1, Origin 0 and no units for an uncalibrated axis: that is "no calibration", not 1 per pixel.
  if (scale === null || ((units === null || units === '') && scale === 1 && origin === 0)) return { scale: null, offset: 0, units: null };
  // 0 − x rather than −x: no negative zero in the output.
  return { scale, offset: 0 - origin * scale, units: units === null || units === '' ? null : units };
}

/** Where the acquisition tags live (the stack-builder plugin nests them under ImageTags.source, as HyperSpy knows). */
function acquisitionTags(image: DmImage): { group: DmGroupTag; prefix: string[] } | null {
  const tags = findGroup(image.group, ['ImageTags']);
  if (tags === undefined) return null;
  const nested = findGroup(tags, ['source', 'Tags at creation']);
  return nested !== undefined ? { group: nested, prefix: ['ImageTags', 'source', 'Tags at creation'] } : { group: tags, prefix: ['ImageTags'] };
}

/** Tags copied into MicroscopyInfo.metadata (relative to the acquisition tags) when present. */
const METADATA_TAGS: string[][] = [
  ['Microscope Info', 'Voltage'],
  ['Microscope Info', 'STEM Camera Length'],
  ['Microscope Info', 'Indicated Magnification'],
  ['Microscope Info', 'Actual Magnification'],
  ['Microscope Info', 'Illumination Mode'],
  ['Microscope Info', 'Imaging Mode'],
  ['Microscope Info', 'Operation Mode'],
  ['Microscope Info', 'Microscope'],
  ['Microscope Info', 'Name'],
  ['Acquisition', 'Parameters', 'High Level', 'Exposure (s)'],
  ['Acquisition', 'Parameters', 'Detector', 'exposure (s)'],
  ['Acquisition', 'Device', 'Name'],
  ['DataBar', 'Acquisition Date'],
  ['DataBar', 'Acquisition Time'],
  ['DataBar', 'Exposure Time (s)'],
  ['DigiScan', 'Sample Time'],
  ['Meta Data', 'Format'],
  ['Meta Data', 'Signal'],
];

function collectMetadata(tagFile: DmTagFile, image: DmImage, dtypeName: string): Record<string, string | number | boolean | null> {
  const md: Record<string, string | number | boolean | null> = {
    'DM version': tagFile.version,
    'Data type': dtypeName,
    'ImageData.DataType': image.dataType,
    'Image path': image.path.join('.'),
  };
  const name = findValue(image.group, ['Name']);
  if (name !== undefined) md.Name = displayValue(name);
  for (const key of ['Scale', 'Origin', 'Units']) {
    const v = findValue(image.group, ['ImageData', 'Calibrations', 'Brightness', key]);
    if (v !== undefined) md[`ImageData.Calibrations.Brightness.${key}`] = displayValue(v);
  }
  const acq = acquisitionTags(image);
  if (acq !== null) {
    for (const p of METADATA_TAGS) {
      const v = findValue(acq.group, p);
      if (v !== undefined) md[[...acq.prefix, ...p].join('.')] = displayValue(v);
    }
  }
  return md;
}

/**
 * Beam energy (keV) from Microscope Info.Voltage (V), and the camera length (mm): in TEM diffraction mode DM stores
 * it in Indicated Magnification (HyperSpy maps it so); otherwise from STEM Camera Length.
 */
function microscope(image: DmImage, notes: string[]): { beamEnergyKeV: number | null; cameraLengthMm: number | null } {
  const acq = acquisitionTags(image);
  if (acq === null) return { beamEnergyKeV: null, cameraLengthMm: null };
  const info = findGroup(acq.group, ['Microscope Info']);
  if (info === undefined) return { beamEnergyKeV: null, cameraLengthMm: null };
  const voltage = numberValue(info, ['Voltage']);
  const beamEnergyKeV = voltage !== null && voltage > 0 ? voltage / 1000 : null;
  const illumination = stringValue(info, ['Illumination Mode']);
  const imaging = stringValue(info, ['Imaging Mode']);
  let cameraLengthMm: number | null = null;
  if (illumination === 'TEM' && imaging === 'DIFFRACTION') {
    const magnification = numberValue(info, ['Indicated Magnification']);
    if (magnification !== null && magnification > 0) {
      cameraLengthMm = magnification;
      notes.push('Camera length taken from Microscope Info.Indicated Magnification (TEM diffraction mode: DM stores the camera length there).');
    }
  } else {
    const stem = numberValue(info, ['STEM Camera Length']);
    if (stem !== null && stem > 0) cameraLengthMm = stem;
  }
  return { beamEnergyKeV, cameraLengthMm };
}

const REAL_SPACE_UNITS = new Set(['nm', 'µm', 'um', 'Å', 'A', 'pm', 'mm', 'm']);
const RECIPROCAL_UNITS = /^(1\/|mrad|rad)/;

/** Opens a DM3/DM4 file: parses its tags (never the pixel block) and returns frame-by-frame access. */
export function openDm(file: string, options: OpenOptions = {}): FrameSource {
  const absolute = path.resolve(file);
  return withOpenFile(absolute, (fd, size) => {
    const tagFile = parseFile(absolute, fd, size);
    const notes: string[] = [];
    const image = chooseImage(absolute, listImages(absolute, tagFile.root), notes);
    const { dataType, dims, data } = image;

    const dtype = DATA_TYPES[dataType];
    if (dtype === undefined) {
      const what = REFUSED_TYPES[dataType] ?? `unknown type code ${dataType}`;
      const why = COMPLEX_TYPES.has(dataType)
        ? 'complex (FFT) images are not diffraction intensities'
        : RGB_TYPES.has(dataType)
          ? 'colour images are not diffraction intensities'
          : 'not a supported pixel type';
      throw new MicroscopyFileError(absolute, `DM ImageData.DataType ${dataType} is ${what}: ${why}`);
    }
    if (dims.length < 2 || dims.some((d) => !Number.isSafeInteger(d) || d < 1)) {
      throw new MicroscopyFileError(absolute, `DM ImageData.Dimensions ${dims.join('×')} are not valid`);
    }
    const bytesPerPixel = PLAIN_DTYPE_BYTES[dtype];
    const pixels = dims.reduce((a, b) => a * b, 1);
    if (data.byteLength !== pixels * bytesPerPixel) {
      throw new MicroscopyFileError(
        absolute,
        `DM ImageData.Data holds ${data.byteLength} bytes, but Dimensions ${dims.join('×')} of ${dtype} need ${pixels * bytesPerPixel}`,
      );
    }
    // parseDmTags already checked that the block lies inside the file; say so explicitly for the reader of this code.
    if (data.offset + data.byteLength > size) throw new MicroscopyFileError(absolute, 'truncated: ImageData.Data extends past the end of the file');

    const cols = dims[0] as number;
    const rows = dims[1] as number;
    // Scan dimensions: DM dims 2, 3, … (size-1 ones dropped, as HyperSpy's squeeze does), slowest first.
    const scanDims: number[] = [];
    for (let i = dims.length - 1; i >= 2; i--) if ((dims[i] as number) > 1) scanDims.push(i);
    const frameCount = pixels / (rows * cols);
    const scanNames = scanDims.length === 1 ? ['z'] : scanDims.length === 2 ? ['scan y', 'scan x'] : scanDims.map((i) => `dim ${i}`);
    let scanAxes: AxisCalibration[] = scanDims.map((i, k) => ({ name: scanNames[k] as string, size: dims[i] as number, ...dimCalibration(image, i, notes) }));
    let scanShape = scanDims.map((i) => dims[i] as number);
    const detectorAxes: [AxisCalibration, AxisCalibration] = [
      { name: 'y', size: rows, ...dimCalibration(image, 1, notes) },
      { name: 'x', size: cols, ...dimCalibration(image, 0, notes) },
    ];
    if (options.scanShape !== undefined) {
      const given = checkScanShape(absolute, frameCount, options.scanShape);
      if (given.join('×') !== scanShape.join('×')) {
        notes.push(`Scan shape ${given.join('×')} given by the user (the file says ${scanShape.join('×') || 'a single image'}); scan calibration dropped.`);
        scanShape = [...given];
        scanAxes = given.map((n, k) => plainAxis(given.length === 2 ? (k === 0 ? 'scan y' : 'scan x') : `scan ${k}`, n));
      }
    }
    if (scanDims.length === 1) notes.push('3D DM image: read as a stack of frames (give a scan shape if it is a raster scan).');

    const detUnits = detectorAxes.map((a) => a.units ?? '');
    const scanUnits = scanAxes.map((a) => a.units ?? '');
    if (detUnits.every((u) => REAL_SPACE_UNITS.has(u)) && scanUnits.length > 0 && scanUnits.every((u) => RECIPROCAL_UNITS.test(u))) {
      notes.push(
        'The frame axes are calibrated in real-space units and the scan axes in reciprocal units: this file may store the scan in the fast dimensions (frames would then be strided); frames are read as DM x, y as HyperSpy does.',
      );
    }
    const format = stringValue(acquisitionTags(image)?.group ?? image.group, ['Meta Data', 'Format']);
    if (format === 'Spectrum image' || format === 'Spectrum') {
      notes.push(`DM marks this image as "${format}": HyperSpy reads it as spectra; here each frame is one DM x–y plane.`);
    }
    if (!tagFile.littleEndian) notes.push('Big-endian DM file (byte-order flag 0): tags and pixels decoded big-endian.');

    const { beamEnergyKeV, cameraLengthMm } = microscope(image, notes);
    if (detectorAxes.some((a) => a.scale === null)) notes.push('The frame has no pixel calibration in the file: calibrate it before mapping.');

    const info: MicroscopyInfo = {
      file: absolute,
      format: tagFile.version === 3 ? 'dm3' : 'dm4',
      dtype,
      frameShape: [rows, cols],
      frameCount,
      scanShape,
      scanAxes,
      detectorAxes,
      beamEnergyKeV,
      cameraLengthMm,
      metadata: collectMetadata(tagFile, image, dtype),
      notes,
    };
    const frameBytes = rows * cols * bytesPerPixel;
    return rawFrameSource(info, fd, { firstFrameOffset: data.offset, frameStride: frameBytes, dtype, littleEndian: tagFile.littleEndian });
  });
}
