/**
 * Quantum Detectors Merlin (Medipix3) .mib files, with the optional acquisition header .hdr beside them.
 *
 * Layout (Merlin manual, "MQ1" frame format; as rosettasciio's quantumdetector reader and LiberTEM's mib reader
 * implement it): every frame is an ASCII header followed by its pixels. Header fields, comma separated:
 *   0 "MQ1", 1 sequence number, 2 header length in bytes (00384 single chip, 00768 quad), 3 number of chips,
 *   4 width, 5 height (pixels), 6 pixel type "U08" | "U16" | "U32" | "U64" (big-endian unsigned) or "R64" (raw
 *   counter readout), 7 sensor layout ("1x1", "2x2", "Nx1", optional "G" suffix), 8 chip select, 9 time stamp,
 *   10 shutter time (s), …, and the counter depth (1, 6, 12 or 24) as the last field.
 * Processed data store 1- and 6-bit counters as U08, 12-bit as U16, 24-bit as U32. Raw (R64) data are the chip's
 * readout order: 1-bit pixels packed into 64-bit big-endian words read LSB first, 6-bit as bytes and 12-bit as
 * big-endian 16-bit words reversed in groups of 8 and 4 pixels; 24-bit is two 12-bit frames (high bits first, the
 * header's width is doubled); quad (2x2) raw rows hold the four chips' rows, the bottom two chips rotated by 180°.
 *
 * Orientation: like rosettasciio (and pyXem), rows are flipped vertically so frames match the Merlin display.
 * There is no calibration in MIB files. The scan shape comes from OpenOptions.scanShape, else the .hdr
 * (frames in acquisition / frames per trigger = line length), else a perfect-square frame count (noted).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openForReading } from './raw-frames';
import { checkScanShape, MicroscopyFileError, plainAxis, type FrameSource, type MicroscopyInfo, type OpenOptions, type StoredDtype } from '../frame-source';

export function sniffMib(head: Buffer, _file: string): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === 'MQ1,';
}

/** What the first frame header says. */
export interface MibHeader {
  sequence: number;
  headerBytes: number;
  chips: number;
  /** Width and height as the header states them. */
  width: number;
  height: number;
  pixelType: string;
  layout: string;
  counterDepth: number;
  timestamp: string | null;
  shutterSeconds: number | null;
}

/** Parses one frame header (the bytes from "MQ1," to its stated length). */
export function parseMibHeader(file: string, bytes: Buffer): MibHeader {
  const start = bytes.toString('latin1', 0, Math.min(bytes.length, 64)).split(',');
  if (start[0] !== 'MQ1') throw new MicroscopyFileError(file, 'not a Merlin MIB file (the frame header does not start with "MQ1,")');
  const headerBytes = /^\d+$/.test(start[2] ?? '') ? Number(start[2]) : NaN;
  if (!Number.isInteger(headerBytes) || headerBytes < 64 || headerBytes > 65536) {
    throw new MicroscopyFileError(
      file,
      start[2] === undefined
        ? 'MIB header length field (the third comma-separated field) is missing'
        : `MIB header length field "${start[2]}" is not a plausible byte count`,
    );
  }
  if (bytes.length < headerBytes) throw new MicroscopyFileError(file, `the file is shorter (${bytes.length} bytes) than its first frame header (${headerBytes} bytes)`);
  const text = bytes.toString('latin1', 0, headerBytes).replace(/\0[\s\S]*$/, '');
  const parts = text.split(',').map((p) => p.trim());
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const int = (i: number, name: string): number => {
    const v = /^\d+$/.test(parts[i] ?? '') ? Number(parts[i]) : NaN;
    if (!Number.isInteger(v)) throw new MicroscopyFileError(file, `MIB header field ${i} (${name}) "${parts[i] ?? ''}" is not a whole number`);
    return v;
  };
  const width = int(4, 'width');
  const height = int(5, 'height');
  if (width < 1 || height < 1) throw new MicroscopyFileError(file, `MIB header gives an empty frame ${width}×${height}`);
  const pixelType = parts[6] ?? '';
  if (!/^(U08|U16|U32|U64|R64)$/.test(pixelType)) {
    throw new MicroscopyFileError(file, `unknown MIB pixel type "${pixelType}" (expected U08, U16, U32, U64 or R64)`);
  }
  const last = parts[parts.length - 1] ?? '';
  const depth = /^\d+$/.test(last) ? Number(last) : NaN;
  let counterDepth: number;
  if ([1, 6, 12, 24].includes(depth)) {
    counterDepth = depth;
  } else if (pixelType === 'R64') {
    throw new MicroscopyFileError(file, `raw MIB data but the header's counter depth "${parts[parts.length - 1] ?? ''}" is not 1, 6, 12 or 24`);
  } else {
    counterDepth = pixelType === 'U16' ? 12 : pixelType === 'U32' ? 24 : pixelType === 'U64' ? 24 : 6;
  }
  const shutter = Number(parts[10]);
  return {
    sequence: int(1, 'sequence number'),
    headerBytes,
    chips: int(3, 'number of chips'),
    width,
    height,
    pixelType,
    layout: (parts[7] ?? '').replace(/G$/, ''),
    counterDepth,
    timestamp: parts[9] ?? null,
    shutterSeconds: Number.isFinite(shutter) ? shutter : null,
  };
}

/** Frame geometry: stored data bytes per frame and the decoded frame shape. */
interface Geometry {
  dataBytes: number;
  rows: number;
  cols: number;
  quad: boolean;
}

function geometry(file: string, h: MibHeader): Geometry {
  if (h.pixelType !== 'R64') {
    const bytesPer = { U08: 1, U16: 2, U32: 4, U64: 8 }[h.pixelType as 'U08']!;
    return { dataBytes: h.width * h.height * bytesPer, rows: h.height, cols: h.width, quad: false };
  }
  const quad = h.chips === 4 && h.layout === '2x2';
  if (h.chips > 1 && !quad) {
    throw new MicroscopyFileError(file, `raw (R64) MIB data with ${h.chips} chips in layout ${h.layout} is not supported (only 1x1 and 2x2)`);
  }
  const pixels = h.width * h.height;
  if (h.counterDepth === 24) {
    if (quad) throw new MicroscopyFileError(file, 'raw (R64) 24-bit quad MIB data is not supported; save processed (U32) data');
    // Two 12-bit frames one after the other; the header states the doubled width.
    if (h.width % 2 !== 0) throw new MicroscopyFileError(file, `raw 24-bit MIB frame width ${h.width} is odd (it should be twice the detector width)`);
    return { dataBytes: pixels * 2, rows: h.height, cols: h.width / 2, quad: false };
  }
  const dataBytes = h.counterDepth === 1 ? pixels / 8 : h.counterDepth === 6 ? pixels : pixels * 2;
  if (quad) {
    // The header states the raw readout shape: rows of the four chips side by side (width = 4 × height).
    if (h.width !== 4 * h.height || h.height % 64 !== 0) {
      throw new MicroscopyFileError(file, `raw quad MIB frame of ${h.width}×${h.height} pixels: expected a width of 4 × the height`);
    }
    return { dataBytes, rows: 2 * h.height, cols: 2 * h.height, quad: true };
  }
  if (h.width % 64 !== 0) throw new MicroscopyFileError(file, `raw MIB frame width ${h.width} is not a multiple of 64`);
  return { dataBytes, rows: h.height, cols: h.width, quad: false };
}

/** Raw-mode value of pixel `i` of a run of raw pixels starting at byte `at` (the chip's reversed groups undone). */
function decodeRawRun(depth: number, raw: Buffer, at: number, count: number, out: Float64Array): void {
  if (depth === 1) {
    // 64-bit words, most significant byte first, each byte read least significant bit first.
    for (let stripe = 0; stripe < count / 64; stripe++) {
      for (let b = 0; b < 8; b++) {
        const byte = raw[at + (stripe + 1) * 8 - (b + 1)]!;
        for (let bit = 0; bit < 8; bit++) out[64 * stripe + 8 * b + bit] = (byte >> bit) & 1;
      }
    }
  } else if (depth === 6) {
    for (let i = 0; i < count; i++) out[(((i >> 3) + 1) << 3) - (i & 7) - 1] = raw[at + i]!;
  } else {
    for (let i = 0; i < count; i++) out[(((i >> 2) + 1) << 2) - (i & 3) - 1] = (raw[at + 2 * i]! << 8) | raw[at + 2 * i + 1]!;
  }
}

/** Decodes one frame's data bytes into `target` (rows × cols, before the vertical flip). */
function decodeFrame(h: MibHeader, g: Geometry, data: Buffer, target: Float32Array): void {
  const n = g.rows * g.cols;
  switch (h.pixelType) {
    case 'U08':
      for (let i = 0; i < n; i++) target[i] = data[i]!;
      return;
    case 'U16':
      for (let i = 0; i < n; i++) target[i] = data.readUInt16BE(2 * i);
      return;
    case 'U32':
      for (let i = 0; i < n; i++) target[i] = data.readUInt32BE(4 * i);
      return;
    case 'U64':
      for (let i = 0; i < n; i++) target[i] = Number(data.readBigUInt64BE(8 * i));
      return;
    default:
      break;
  }
  const depth = h.counterDepth;
  if (!g.quad) {
    const run = new Float64Array(n);
    if (depth === 24) {
      const low = new Float64Array(n);
      decodeRawRun(12, data, 0, n, run);
      decodeRawRun(12, data, n * 2, n, low);
      for (let i = 0; i < n; i++) target[i] = run[i]! * 4096 + low[i]!;
    } else {
      decodeRawRun(depth, data, 0, n, run);
      for (let i = 0; i < n; i++) target[i] = run[i]!;
    }
    return;
  }
  // Quad: raw row y holds [chip 4 | chip 3 | chip 2 | chip 1] rows; chips 1, 2 are the top quadrants (row y),
  // chips 3, 4 the bottom ones, rotated by 180° (row 2h − 1 − y, reversed).
  const half = g.cols / 2;
  const chunkBytes = (half * (depth === 1 ? 1 : depth === 6 ? 8 : 16)) / 8;
  const run = new Float64Array(half);
  for (let y = 0; y < half; y++) {
    const rowAt = y * 4 * chunkBytes;
    for (let chunk = 0; chunk < 4; chunk++) {
      decodeRawRun(depth, data, rowAt + chunk * chunkBytes, half, run);
      if (chunk >= 2) {
        const base = y * g.cols + (chunk === 3 ? 0 : half);
        for (let x = 0; x < half; x++) target[base + x] = run[x]!;
      } else {
        const base = (g.rows - 1 - y) * g.cols + (chunk === 1 ? 0 : half);
        for (let x = 0; x < half; x++) target[base + half - 1 - x] = run[x]!;
      }
    }
  }
}

/** The .hdr acquisition header: "Key:\tvalue" lines between "HDR," and "End". */
export function readMibHdr(file: string): Record<string, string> | null {
  const base = file.replace(/\.mib$/i, '');
  const candidates = [`${base}.hdr`, `${base}.HDR`];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) return null;
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(found, 'latin1').split(/\r?\n/)) {
    if (line.startsWith('HDR') || line.startsWith('End')) continue;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    out[line.slice(0, tab).replace(/:$/, '').trim()] = line.slice(tab + 1).trim();
  }
  return out;
}

function depthDtype(h: MibHeader): StoredDtype {
  return ({ 1: 'uint1', 6: 'uint6', 12: 'uint12', 24: 'uint24' } as const)[h.counterDepth as 1] ?? 'uint32';
}

export function openMib(file: string, options: OpenOptions = {}): FrameSource {
  const abs = path.resolve(file);
  const { fd } = openForReading(abs);
  try {
    return buildSource(abs, fd, options);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

function buildSource(file: string, fd: number, options: OpenOptions): FrameSource {
  const size = fs.fstatSync(fd).size;
  const head = Buffer.alloc(Math.min(size, 4096));
  fs.readSync(fd, head, 0, head.length, 0);
  const h = parseMibHeader(file, head);
  const g = geometry(file, h);
  const stride = h.headerBytes + g.dataBytes;
  const frameCount = Math.floor(size / stride);
  const rest = size - frameCount * stride;
  if (rest !== 0) {
    throw new MicroscopyFileError(
      file,
      `the file size ${size} is not a whole number of frames of ${stride} bytes (${h.headerBytes}-byte header + ${g.dataBytes} bytes of ` +
        `${h.pixelType} ${g.rows}×${g.cols} data): ${frameCount} complete frame(s) and ${rest} bytes more — the last frame is ` +
        'truncated, or the header sizes are wrong',
    );
  }
  const notes: string[] = ['MIB files carry no pixel calibration: the detector axes are uncalibrated.'];
  const metadata: MicroscopyInfo['metadata'] = {
    'MIB.pixelType': h.pixelType,
    'MIB.counterDepth': h.counterDepth,
    'MIB.headerBytes': h.headerBytes,
    'MIB.chips': h.chips,
    'MIB.sensorLayout': h.layout,
    'MIB.firstSequenceNumber': h.sequence,
    'MIB.timestamp': h.timestamp,
    'MIB.shutterTimeS': h.shutterSeconds,
    'MIB.rowsFlipped': true,
  };
  const hdr = readMibHdr(file);
  if (hdr) for (const [k, v] of Object.entries(hdr)) metadata[`MIB.hdr.${k}`] = v;

  let scanShape: number[];
  if (options.scanShape) {
    scanShape = checkScanShape(file, frameCount, options.scanShape);
  } else {
    scanShape = guessScanShape(frameCount, hdr, notes);
  }
  const names = scanShape.length === 2 ? ['y', 'x'] : ['frame'];
  const info: MicroscopyInfo = {
    file,
    format: 'mib',
    dtype: depthDtype(h),
    frameShape: [g.rows, g.cols],
    frameCount,
    scanShape,
    scanAxes: scanShape.map((n, k) => plainAxis(names[k] ?? `scan${k}`, n)),
    detectorAxes: [plainAxis('rows', g.rows), plainAxis('cols', g.cols)],
    beamEnergyKeV: null,
    cameraLengthMm: null,
    metadata,
    notes,
  };

  let closed = false;
  const buf = Buffer.alloc(stride);
  const scratch = new Float32Array(g.rows * g.cols);
  return {
    info,
    readFrame(index: number, out?: Float32Array): Float32Array {
      if (closed) throw new MicroscopyFileError(file, 'read after close');
      if (!Number.isInteger(index) || index < 0 || index >= frameCount) {
        throw new MicroscopyFileError(file, `frame ${index} out of range (0–${frameCount - 1})`);
      }
      const n = g.rows * g.cols;
      const target = out ?? new Float32Array(n);
      if (target.length !== n) throw new MicroscopyFileError(file, `output buffer holds ${target.length} values, frame needs ${n}`);
      const at = index * stride;
      let done = 0;
      while (done < stride) {
        const got = fs.readSync(fd, buf, done, stride - done, at + done);
        if (got === 0) throw new MicroscopyFileError(file, `frame ${index}: the file ends at byte ${at + done}, inside the frame (truncated)`);
        done += got;
      }
      if (buf.toString('latin1', 0, 4) !== 'MQ1,') {
        throw new MicroscopyFileError(file, `frame ${index}: no "MQ1," header at byte ${at} — frames of different sizes, or a corrupt file`);
      }
      const fieldLength = Number(buf.toString('latin1', 0, 32).split(',')[2]);
      if (fieldLength !== h.headerBytes) {
        throw new MicroscopyFileError(file, `frame ${index}: header length ${fieldLength} differs from the first frame's ${h.headerBytes}`);
      }
      decodeFrame(h, g, buf.subarray(h.headerBytes), scratch);
      // Vertical flip (rosettasciio: np.flip(data, axis=-2)).
      for (let r = 0; r < g.rows; r++) target.set(scratch.subarray((g.rows - 1 - r) * g.cols, (g.rows - r) * g.cols), r * g.cols);
      return target;
    },
    close(): void {
      if (!closed) {
        closed = true;
        fs.closeSync(fd);
      }
    },
  };
}

function guessScanShape(frameCount: number, hdr: Record<string, string> | null, notes: string[]): number[] {
  if (frameCount === 1) return [];
  if (hdr) {
    const scanX = Number(hdr.ScanX);
    const scanY = Number(hdr.ScanY);
    if (Number.isInteger(scanX) && Number.isInteger(scanY) && scanX > 0 && scanY > 0) {
      if (scanX * scanY === frameCount) {
        notes.push(`Scan shape ${scanY}×${scanX} from the .hdr (ScanY × ScanX).`);
        return [scanY, scanX];
      }
      notes.push(`The .hdr scan ${scanY}×${scanX} does not match the ${frameCount} frames of the .mib.`);
    }
    const total = Number(hdr['Frames in Acquisition (Number)']);
    const perTrigger = Number(hdr['Frames per Trigger (Number)']);
    if (Number.isInteger(total) && total !== frameCount) notes.push(`The .hdr says ${total} frames in the acquisition but the .mib holds ${frameCount}.`);
    if (Number.isInteger(perTrigger) && perTrigger > 1 && frameCount % perTrigger === 0 && total === frameCount) {
      notes.push(`Scan shape ${frameCount / perTrigger}×${perTrigger} from the .hdr (frames per trigger = scan line length).`);
      return [frameCount / perTrigger, perTrigger];
    }
  }
  const side = Math.round(Math.sqrt(frameCount));
  if (side * side === frameCount) {
    notes.push(`Scan shape ${side}×${side} GUESSED from the frame count (a perfect square); give the scan shape if that is wrong.`);
    return [side, side];
  }
  notes.push(`Scan shape unknown (no .hdr line length, ${frameCount} frames is not a perfect square): read as a stack; give the scan shape.`);
  return [frameCount];
}
