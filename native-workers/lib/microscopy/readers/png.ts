/**
 * PNG (ISO/IEC 15948): one frame, grey 1–16 bit, grey + alpha, RGB(A) and palette images; colour becomes
 * luminance (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B, as PIL's convert('L')) with a note. Open reads only the
 * chunk list (IHDR, pHYs, tEXt); readFrame decodes the file with pngjs (PNGs are single small frames).
 *
 * PNG carries no microscope calibration: pHYs (pixels per metre) is a print/display resolution, kept in the
 * metadata but never used as a pixel size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { checkScanShape, MicroscopyFileError, plainAxis, type FrameSource, type MicroscopyInfo, type OpenOptions, type StoredDtype } from '../frame-source';
import { checkFrameSize } from './raw-frames';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOUR_NAMES: Record<number, string> = { 0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey + alpha', 6: 'RGBA' };

export function sniffPng(head: Buffer, _file: string): boolean {
  return head.length >= 8 && head.subarray(0, 8).equals(SIGNATURE);
}

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlace: number;
  metadata: Record<string, string | number | boolean | null>;
  /** Byte range of a tRNS chunk on a non-palette image (pngjs would zero those pixels: we drop it). */
  transparency: [number, number] | null;
}

/** Walks the chunk list (length, type, data, CRC) without inflating anything. */
function parseChunks(file: string, buf: Buffer): PngHeader {
  if (!sniffPng(buf, file)) throw new MicroscopyFileError(file, 'not a PNG file (bad signature)');
  let at = 8;
  let header: PngHeader | null = null;
  let sawData = false;
  let dataBytes = 0;
  let sawEnd = false;
  while (at + 8 <= buf.length) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const dataAt = at + 8;
    if (dataAt + length + 4 > buf.length) {
      throw new MicroscopyFileError(file, `chunk ${type} at byte ${at} claims ${length} bytes but the file ends at ${buf.length}: truncated`);
    }
    if (type === 'IHDR') {
      if (length !== 13) throw new MicroscopyFileError(file, `IHDR chunk of ${length} bytes (13 expected): corrupt`);
      header = {
        width: buf.readUInt32BE(dataAt),
        height: buf.readUInt32BE(dataAt + 4),
        bitDepth: buf[dataAt + 8]!,
        colourType: buf[dataAt + 9]!,
        interlace: buf[dataAt + 12]!,
        metadata: {},
        transparency: null,
      };
    } else if (!header) {
      throw new MicroscopyFileError(file, `first chunk is ${type}, not IHDR: corrupt`);
    } else if (type === 'IDAT') {
      sawData = true;
      dataBytes += length;
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    } else if (type === 'pHYs' && length === 9) {
      header.metadata['PNG.pHYs.pixelsPerUnitX'] = buf.readUInt32BE(dataAt);
      header.metadata['PNG.pHYs.pixelsPerUnitY'] = buf.readUInt32BE(dataAt + 4);
      header.metadata['PNG.pHYs.unit'] = buf[dataAt + 8] === 1 ? 'metre' : 'unknown';
    } else if (type === 'tEXt') {
      const text = buf.subarray(dataAt, dataAt + length);
      const nul = text.indexOf(0);
      if (nul > 0) header.metadata[`PNG.text.${text.toString('latin1', 0, nul)}`] = text.toString('latin1', nul + 1).slice(0, 2000);
    } else if (type === 'tRNS' && header.colourType !== 3) {
      header.transparency = [at, at + 12 + length];
    }
    at = dataAt + length + 4;
  }
  if (!header) throw new MicroscopyFileError(file, 'no IHDR chunk: not a PNG image');
  if (!sawData) throw new MicroscopyFileError(file, 'no image data (IDAT chunk): truncated');
  if (!sawEnd) throw new MicroscopyFileError(file, 'no IEND chunk: the file is truncated');
  const valid: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  if (!valid[header.colourType]?.includes(header.bitDepth)) {
    throw new MicroscopyFileError(file, `invalid PNG colour type ${header.colourType} with bit depth ${header.bitDepth}`);
  }
  if (header.width < 1 || header.height < 1) throw new MicroscopyFileError(file, `empty image ${header.width}×${header.height}`);
  checkFrameSize(file, header.height, header.width, 'the IHDR chunk');
  // Deflate expands at most ~1032:1: an IHDR asking for more pixels than the IDAT data can hold is damaged, and is
  // refused before the decoder allocates for it.
  const channels: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
  const rawBytes = header.height * (1 + Math.ceil((header.width * (channels[header.colourType] ?? 4) * header.bitDepth) / 8));
  if (rawBytes > 1032 * dataBytes + 1024) {
    throw new MicroscopyFileError(
      file,
      `the IHDR chunk says ${header.width}×${header.height} pixels (${rawBytes} bytes), more than its ${dataBytes} bytes of compressed image data can hold: damaged header or truncated file`,
    );
  }
  return header;
}

function readWhole(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new MicroscopyFileError(file, `cannot read: ${(err as Error).message}`);
  }
}

function storedDtype(h: PngHeader): StoredDtype {
  if (h.colourType === 2 || h.colourType === 6 || h.colourType === 3) return h.bitDepth === 16 ? 'uint16' : 'rgb8';
  if (h.bitDepth === 1) return 'bool';
  return h.bitDepth === 16 ? 'uint16' : 'uint8';
}

/** Opens a PNG as a single frame (scan shape []). */
export function openPng(file: string, options: OpenOptions = {}): FrameSource {
  const abs = path.resolve(file);
  const header = parseChunks(abs, readWhole(abs));
  const notes: string[] = [];
  const colour = header.colourType === 2 || header.colourType === 6 || header.colourType === 3;
  if (colour) {
    notes.push(`${COLOUR_NAMES[header.colourType]} image converted to luminance (0.299 R + 0.587 G + 0.114 B).`);
  }
  if (header.colourType === 4 || header.colourType === 6) notes.push('The alpha channel is ignored.');
  if (header.colourType === 0 && header.bitDepth < 8) notes.push(`${header.bitDepth}-bit grey: values are the stored levels 0–${2 ** header.bitDepth - 1}.`);
  notes.push('PNG files carry no microscope calibration: the detector axes are uncalibrated.');
  const scanShape = options.scanShape ? checkScanShape(abs, 1, options.scanShape) : [];
  const info: MicroscopyInfo = {
    file: abs,
    format: 'png',
    dtype: storedDtype(header),
    frameShape: [header.height, header.width],
    frameCount: 1,
    scanShape,
    scanAxes: scanShape.map((n, k) => plainAxis(`scan${k}`, n)),
    detectorAxes: [plainAxis('rows', header.height), plainAxis('cols', header.width)],
    beamEnergyKeV: null,
    cameraLengthMm: null,
    metadata: {
      ...header.metadata,
      'PNG.colourType': COLOUR_NAMES[header.colourType] ?? header.colourType,
      'PNG.bitDepth': header.bitDepth,
      'PNG.interlaced': header.interlace === 1,
    },
    notes,
  };
  let closed = false;
  return {
    info,
    readFrame(index: number, out?: Float32Array): Float32Array {
      if (closed) throw new MicroscopyFileError(abs, 'read after close');
      if (index !== 0) throw new MicroscopyFileError(abs, `frame ${index} out of range (a PNG holds one frame)`);
      const n = header.width * header.height;
      const target = out ?? new Float32Array(n);
      if (target.length !== n) throw new MicroscopyFileError(abs, `output buffer holds ${target.length} values, frame needs ${n}`);
      let buf = readWhole(abs);
      const now = parseChunks(abs, buf);
      if (now.width !== header.width || now.height !== header.height || now.colourType !== header.colourType || now.bitDepth !== header.bitDepth) {
        throw new MicroscopyFileError(abs, 'the file changed since it was opened');
      }
      if (now.transparency) buf = Buffer.concat([buf.subarray(0, now.transparency[0]), buf.subarray(now.transparency[1])]);
      let png: { data: ArrayLike<number>; width: number; height: number };
      try {
        // skipRescale keeps 16-bit and sub-byte grey values as stored; the output is always 4 samples per pixel.
        png = PNG.sync.read(buf, { skipRescale: true }) as unknown as { data: ArrayLike<number>; width: number; height: number };
      } catch (err) {
        throw new MicroscopyFileError(abs, `cannot decode the PNG data: ${(err as Error).message}`);
      }
      const d = png.data;
      if (d.length < 4 * n) throw new MicroscopyFileError(abs, `decoded ${d.length / 4} pixels, expected ${n}: corrupt`);
      if (colour) {
        for (let i = 0; i < n; i++) target[i] = 0.299 * d[4 * i]! + 0.587 * d[4 * i + 1]! + 0.114 * d[4 * i + 2]!;
      } else {
        for (let i = 0; i < n; i++) target[i] = d[4 * i]!;
      }
      return target;
    },
    close(): void {
      closed = true;
    },
  };
}
