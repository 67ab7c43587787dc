/**
 * NanoMegas ASTAR blockfiles (.blo): a precession-diffraction scan of uint8 patterns.
 *
 * Layout, as HyperSpy's io_plugins/blockfile.py reads and writes it (all little-endian, packed):
 *   0   ID 'IMGBLO' (6 bytes)      6   MAGIC u16 (0x0102)      8   Data_offset_1 u32 (virtual bright field)
 *   12  Data_offset_2 u32 (patterns)  16 UNKNOWN1 u32           20  DP_SZ u16 (pattern side, pixels)
 *   22  DP_rotation u16            24  NX u16   26 NY u16 (scan) 28  Scan_rotation u16 (1/100 degree)
 *   30  SX f64   38 SY f64 (scan step, nm)                      46  Beam_energy u32 (V)
 *   50  SDP u16 (pattern pixels per cm × 100)                   52  Camera_length u32 (mm × 10)
 *   56  Acquisition_time f64 (serial date: days since 1899-12-30)  64…240 centering and distortion f64s
 *   240 … Data_offset_1: a free-text note (Latin-1, NUL padded); Data_offset_1: NX·NY uint8 virtual bright field;
 *   Data_offset_2: NY·NX records in scan order (x fastest), each AA 55 + u32 serial + DP_SZ² uint8 pixels.
 */
import * as path from 'node:path';
import { MicroscopyFileError, checkScanShape, plainAxis, type AxisCalibration, type FrameSource, type MicroscopyInfo, type OpenOptions } from '../frame-source';
import { rawFrameSource, readBytesAt, withOpenFile } from './raw-frames';

const HEADER_BYTES = 240;
const RECORD_HEADER_BYTES = 6;
const MAGIC = 0x0102;

export function sniffBlo(head: Buffer, _file: string): boolean {
  return head.length >= 6 && head.toString('latin1', 0, 6) === 'IMGBLO';
}

/** Serial date (days since 1899-12-30, fractional) → ISO 8601 UTC, or null when out of range. */
function serialDateToIso(days: number): string | null {
  if (!Number.isFinite(days) || days <= 0 || days > 2_958_465) return null;
  return new Date(Date.UTC(1899, 11, 30) + Math.round(days * 86_400_000)).toISOString();
}

function recordProblem(header: Uint8Array): string | null {
  if (header[0] === 0xaa && header[1] === 0x55) return null;
  return `record does not start with the AA 55 marker (found ${(header[0] ?? 0).toString(16).padStart(2, '0')} ${(header[1] ?? 0).toString(16).padStart(2, '0')}): wrong header sizes or corrupt file`;
}

export function openBlo(file: string, options: OpenOptions = {}): FrameSource {
  const absolute = path.resolve(file);
  return withOpenFile(absolute, (fd, size) => {
    if (size < HEADER_BYTES) throw new MicroscopyFileError(absolute, `truncated: ${size} bytes, a blockfile header alone has ${HEADER_BYTES}`);
    const header = readBytesAt(fd, 0, HEADER_BYTES);
    if (header.toString('latin1', 0, 6) !== 'IMGBLO') throw new MicroscopyFileError(absolute, 'not a blockfile (no IMGBLO signature)');
    const notes: string[] = [];
    const magic = header.readUInt16LE(6);
    if (magic !== MAGIC) notes.push(`Unrecognised blockfile header signature 0x${magic.toString(16)} (expected 0x0102); read as the usual layout.`);
    const offset1 = header.readUInt32LE(8);
    const offset2 = header.readUInt32LE(12);
    const side = header.readUInt16LE(20);
    const nx = header.readUInt16LE(24);
    const ny = header.readUInt16LE(26);
    const scanRotation = header.readUInt16LE(28);
    const sx = header.readDoubleLE(30);
    const sy = header.readDoubleLE(38);
    const beamEnergyV = header.readUInt32LE(46);
    const sdp = header.readUInt16LE(50);
    const cameraLength = header.readUInt32LE(52);
    const acquisition = header.readDoubleLE(56);

    if (side === 0 || nx === 0 || ny === 0) {
      throw new MicroscopyFileError(absolute, `blockfile header gives an empty scan or pattern (NX ${nx}, NY ${ny}, DP_SZ ${side})`);
    }
    if (offset1 < HEADER_BYTES || offset1 > offset2) {
      throw new MicroscopyFileError(absolute, `blockfile header data offsets are inconsistent (Data_offset_1 ${offset1}, Data_offset_2 ${offset2})`);
    }
    const frameCount = nx * ny;
    const recordBytes = RECORD_HEADER_BYTES + side * side;
    const needed = offset2 + frameCount * recordBytes;
    if (needed > size) {
      const complete = Math.max(0, Math.floor((size - offset2) / recordBytes));
      throw new MicroscopyFileError(
        absolute,
        `truncated: the header promises ${ny}×${nx} patterns of ${side}×${side} (${needed} bytes) but the file has ${size} bytes (${complete} complete patterns)`,
      );
    }
    if (needed < size) notes.push(`${size - needed} bytes after the last pattern are ignored.`);
    // Check the first and last records now so that a wrong header fails at open, not in the middle of a map.
    for (const index of frameCount > 1 ? [0, frameCount - 1] : [0]) {
      const problem = recordProblem(readBytesAt(fd, offset2 + index * recordBytes, RECORD_HEADER_BYTES));
      if (problem !== null) throw new MicroscopyFileError(absolute, `pattern ${index}: ${problem}`);
    }

    const note = readBytesAt(fd, HEADER_BYTES, offset1 - HEADER_BYTES).toString('latin1').replace(/\0+$/g, '').replace(/\0/g, '');
    // HyperSpy squeezes size-1 scan axes: a 1 × N scan is a line [N], a 1 × 1 scan a single pattern.
    let scanShape: number[] = [];
    let scanAxes: AxisCalibration[] = [];
    if (ny > 1) {
      scanShape.push(ny);
      scanAxes.push({ name: 'y', size: ny, scale: sy > 0 ? sy : null, offset: 0, units: sy > 0 ? 'nm' : null });
    }
    if (nx > 1) {
      scanShape.push(nx);
      scanAxes.push({ name: 'x', size: nx, scale: sx > 0 ? sx : null, offset: 0, units: sx > 0 ? 'nm' : null });
    }
    if (options.scanShape !== undefined) {
      const given = checkScanShape(absolute, frameCount, options.scanShape);
      if (given.join('×') !== scanShape.join('×')) {
        notes.push(`Scan shape ${given.join('×')} given by the user (the header says ${ny}×${nx}); scan calibration dropped.`);
        scanShape = [...given];
        scanAxes = given.map((n, k) => plainAxis(given.length === 2 ? (k === 0 ? 'y' : 'x') : `scan ${k}`, n));
      }
    }
    // SDP is pixels per cm × 100 on the pattern (HyperSpy: scale = 100 / SDP cm per pixel).
    const detectorScale = sdp > 0 ? 100 / sdp : null;
    if (detectorScale === null) notes.push('The blockfile gives no pattern calibration (SDP = 0): calibrate it before mapping.');
    const detectorAxis = (name: string): AxisCalibration => ({ name, size: side, scale: detectorScale, offset: 0, units: detectorScale === null ? null : 'cm' });

    const info: MicroscopyInfo = {
      file: absolute,
      format: 'blo',
      dtype: 'uint8',
      frameShape: [side, side],
      frameCount,
      scanShape,
      scanAxes,
      detectorAxes: [detectorAxis('dy'), detectorAxis('dx')],
      beamEnergyKeV: beamEnergyV > 0 ? beamEnergyV / 1000 : null,
      // The header field is in units of 0.1 mm (HyperSpy 1.7 multiplies it by 1e-4 and so reports metres).
      cameraLengthMm: cameraLength > 0 ? cameraLength / 10 : null,
      metadata: {
        'blockfile_header.MAGIC': magic,
        'blockfile_header.DP_SZ': side,
        'blockfile_header.DP_rotation': header.readUInt16LE(22),
        'blockfile_header.NX': nx,
        'blockfile_header.NY': ny,
        'blockfile_header.Scan_rotation (degrees)': scanRotation / 100,
        'blockfile_header.SX (nm)': sx,
        'blockfile_header.SY (nm)': sy,
        'blockfile_header.Beam_energy (V)': beamEnergyV,
        'blockfile_header.SDP': sdp,
        'blockfile_header.Camera_length (0.1 mm)': cameraLength,
        'blockfile_header.Acquisition_time': serialDateToIso(acquisition),
        'blockfile_header.Note': note,
      },
      notes,
    };
    return rawFrameSource(info, fd, {
      firstFrameOffset: offset2,
      frameStride: recordBytes,
      dtype: 'uint8',
      littleEndian: true,
      recordHeaderBytes: RECORD_HEADER_BYTES,
      checkRecordHeader: (h) => recordProblem(h),
    });
  });
}
