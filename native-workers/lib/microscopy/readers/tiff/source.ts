/**
 * The TIFF FrameSource: open walks the IFDs only (every full-resolution page a frame, or an ImageJ stack's
 * contiguous frames), readFrame reads that page's strips or tiles at their offsets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  checkScanShape,
  MicroscopyFileError,
  plainAxis,
  type AxisCalibration,
  type FrameSource,
  type MicroscopyInfo,
  type OpenOptions,
} from '../../frame-source';
import { openForReading } from '../raw-frames';
import { calibrate } from './calibration';
import { TiffFile } from './ifd';
import { parseImageJ } from './imagej';
import { describePage, storedDtype, type Page } from './page';
import { blockSamples, toFrame } from './samples';
import { readPage, stripTable } from './strips';
import { TAG } from './tags';

/** A frame stored contiguously and uncompressed (ImageJ stacks): no per-page IFD needed. */
interface ContiguousLayout {
  firstOffset: number;
  frameBytes: number;
}

/** True for the TIFF byte-order marks with version 42 (TIFF) or 43 (BigTIFF). */
export function sniffTiff(head: Buffer, _file: string): boolean {
  if (head.length < 4) return false;
  const mark = head.toString('latin1', 0, 4);
  return mark === 'II*\0' || mark === 'MM\0*' || mark === 'II+\0' || mark === 'MM\0+';
}

/** Opens a TIFF: every full-resolution page is a frame (thumbnails / reduced-resolution pages are skipped). */
export function openTiff(file: string, options: OpenOptions = {}): FrameSource {
  const abs = path.resolve(file);
  const { fd } = openForReading(abs);
  try {
    return buildSource(new TiffFile(abs, fd), options);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

function buildSource(tiff: TiffFile, options: OpenOptions): FrameSource {
  const file = tiff.file;
  const notes: string[] = [];
  if (tiff.firstIfd === 0) throw new MicroscopyFileError(file, 'the TIFF has no image (first IFD offset is 0)');
  const first = tiff.readIfd(tiff.firstIfd, 0);
  const page0 = describePage(tiff, first.entries, 0);
  const descEntry = first.entries.get(TAG.ImageDescription);
  const description = descEntry ? tiff.text(descEntry, 'ImageDescription') : '';
  const imagej = parseImageJ(description);

  let pages: Page[] = [page0];
  let contiguous: ContiguousLayout | null = null;
  const frameBytes = page0.width * page0.height * page0.samples * (page0.bits / 8);
  if (imagej && imagej.images > 1 && page0.compression === 1 && !page0.tiled && page0.bits >= 8) {
    // ImageJ writes a stack's pixels contiguously after page 0's data and, past 4 GB, only the first IFD
    // (tifffile reads ImageJ stacks the same way); "images=N" is the frame count.
    const offsets = stripTable(tiff, page0);
    const start = offsets.offsets[0]!;
    let runs = true;
    let expect = start;
    const rowBytes = page0.width * page0.samples * (page0.bits / 8);
    for (let s = 0; s < offsets.offsets.length; s++) {
      if (offsets.offsets[s] !== expect) runs = false;
      expect += Math.min(page0.blockHeight, page0.height - s * page0.blockHeight) * rowBytes;
    }
    if (runs) {
      contiguous = { firstOffset: start, frameBytes };
      const end = start + imagej.images * frameBytes;
      if (end > tiff.size) {
        const whole = Math.floor((tiff.size - start) / frameBytes);
        throw new MicroscopyFileError(
          file,
          `ImageJ stack of ${imagej.images} images needs ${end} bytes but the file has ${tiff.size}: truncated (${whole} whole frames)`,
        );
      }
    }
  }
  let frameCount: number;
  if (contiguous && imagej) {
    frameCount = imagej.images;
  } else {
    const seen = new Set<number>([tiff.firstIfd]);
    let next = first.next;
    let skipped = 0;
    while (next !== 0) {
      if (seen.has(next)) throw new MicroscopyFileError(file, `IFD chain loops back to byte ${next}: corrupt`);
      seen.add(next);
      const index = seen.size - 1;
      const ifd = tiff.readIfd(next, index);
      next = ifd.next;
      const subfile = ifd.entries.get(TAG.NewSubfileType);
      if (subfile && (tiff.numbers(subfile, 'NewSubfileType')[0]! & 1) === 1) {
        skipped++;
        continue;
      }
      const page = describePage(tiff, ifd.entries, index);
      if (page.width !== page0.width || page.height !== page0.height || storedDtype(file, page) !== storedDtype(file, page0) || page.samples !== page0.samples) {
        throw new MicroscopyFileError(
          file,
          `page ${index} is ${page.height}×${page.width} ${storedDtype(file, page)} (${page.samples} samples) but page 0 is ` +
            `${page0.height}×${page0.width} ${storedDtype(file, page0)} (${page0.samples} samples): pages of different shapes cannot be frames of one stack`,
        );
      }
      pages.push(page);
    }
    if ((page0.subfileType & 1) === 1 && pages.length > 1) {
      pages = pages.slice(1);
      skipped++;
    }
    if (skipped > 0) notes.push(`${skipped} reduced-resolution (thumbnail) page(s) skipped.`);
    frameCount = pages.length;
  }

  const dtype = storedDtype(file, page0);
  if (page0.photometric === 2) {
    notes.push(`RGB${page0.samples > 3 ? 'A' : ''} image converted to luminance (0.299 R + 0.587 G + 0.114 B).`);
  } else if (page0.samples > 1) {
    notes.push(`${page0.samples} samples per pixel: only the first (grey) sample is read.`);
  }
  if (page0.photometric === 0) notes.push('WhiteIsZero photometric: values are reported as stored (dark = high).');
  if (page0.photometric === 3) notes.push('Palette (indexed colour) image: values are the stored palette indices.');
  if (dtype === 'uint64' || dtype === 'int64') notes.push('64-bit integer values above 2^24 lose precision as float32.');

  const cal = calibrate(tiff, page0, frameCount, description, imagej);
  notes.push(...cal.notes);
  let scanShape: number[];
  let scanAxes: AxisCalibration[];
  if (options.scanShape) {
    scanShape = checkScanShape(file, frameCount, options.scanShape);
    scanAxes =
      scanShape.length === 1 && cal.stack ? [cal.stack] : scanShape.map((n, k) => plainAxis(scanShape.length === 2 ? (k === 0 ? 'y' : 'x') : `scan${k}`, n));
  } else if (frameCount === 1) {
    scanShape = [];
    scanAxes = [];
  } else if (imagej && imagej.channels === 1 && imagej.slices > 1 && imagej.frames > 1 && imagej.slices * imagej.frames === frameCount) {
    // ImageJ hyperstacks are XYCZT: frame index = t·slices + z.
    scanShape = [imagej.frames, imagej.slices];
    scanAxes = [plainAxis('frames', imagej.frames), plainAxis('slices', imagej.slices)];
    notes.push(`Scan shape ${imagej.frames}×${imagej.slices} from the ImageJ hyperstack (frames × slices).`);
  } else {
    scanShape = [frameCount];
    scanAxes = [cal.stack ?? plainAxis('frame', frameCount)];
    notes.push(`A stack of ${frameCount} frames; the file does not say whether it is a scan raster — give the scan shape if it is.`);
  }

  const info: MicroscopyInfo = {
    file,
    format: 'tiff',
    dtype,
    frameShape: [page0.height, page0.width],
    frameCount,
    scanShape,
    scanAxes,
    detectorAxes: [cal.rows, cal.cols],
    beamEnergyKeV: cal.beamEnergyKeV,
    cameraLengthMm: cal.cameraLengthMm,
    metadata: { ...cal.metadata, ...(contiguous ? { 'TIFF.imageJContiguous': true } : { 'TIFF.pages': pages.length }), 'TIFF.bigTiff': tiff.bigTiff },
    notes,
  };

  let closed = false;
  const layout = contiguous;
  return {
    info,
    readFrame(index: number, out?: Float32Array): Float32Array {
      if (closed) throw new MicroscopyFileError(file, 'read after close');
      if (!Number.isInteger(index) || index < 0 || index >= frameCount) {
        throw new MicroscopyFileError(file, `frame ${index} out of range (0–${frameCount - 1})`);
      }
      const target = out ?? new Float32Array(page0.width * page0.height);
      if (target.length !== page0.width * page0.height) {
        throw new MicroscopyFileError(file, `output buffer holds ${target.length} values, frame needs ${page0.width * page0.height}`);
      }
      if (layout) {
        const bytes = tiff.read(layout.firstOffset + index * layout.frameBytes, layout.frameBytes, `frame ${index}`);
        const values = blockSamples(page0, bytes, tiff.littleEndian, page0.height, page0.width * page0.samples);
        toFrame(page0, values, target, 0, 0, page0.width, page0.height, page0.width * page0.samples, -1);
      } else {
        readPage(tiff, pages[index]!, target, index);
      }
      return target;
    },
    close(): void {
      if (!closed) {
        closed = true;
        fs.closeSync(tiff.fd);
      }
    },
  };
}
