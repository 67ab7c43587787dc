/**
 * MRC / MRC2014 image stacks (CCP-EM MRC2014 specification, https://www.ccpem.ac.uk/mrc_format/mrc2014.php).
 *
 * A 1024-byte header of 4-byte words, then an extended header of NSYMBT bytes, then NZ sections of NY rows × NX
 * columns (x fastest). Words used (byte offsets): 0 NX, 4 NY, 8 NZ, 12 MODE, 28 MX, 32 MY, 36 MZ, 40/44/48 CELLA
 * (Å), 64/68/72 MAPC/MAPR/MAPS, 88 ISPG, 92 NSYMBT, 104 EXTTYP, 108 NVERSION, 196/200/204 ORIGIN (Å), 208 'MAP ',
 * 212 MACHST (44 44 / 44 41 little-endian, 11 11 big-endian), 220 NLABL, 224 ten 80-character labels.
 * Modes read: 0 int8 (MRC2014; IMOD's unsigned bytes when its flag says so), 1 int16, 2 float32, 6 uint16,
 * 12 float16. Pixel size = CELLA/M per axis, in Å. A 4D-STEM scan written as MRC is NZ frames: the scan shape is not
 * in the header, so it is [NZ] unless the user gives it.
 * Extended header: FEI's old 128-byte-per-section records (NSYMBT = 131072, as HyperSpy reads them) carry the pixel
 * size in metres at byte 44 of each record; other extended headers are skipped.
 */
import * as path from 'node:path';
import { MicroscopyFileError, checkScanShape, plainAxis, type AxisCalibration, type FrameSource, type MicroscopyInfo, type OpenOptions } from '../frame-source';
import { PLAIN_DTYPE_BYTES, rawFrameSource, readBytesAt, withOpenFile, type PlainDtype } from './raw-frames';

const HEADER_BYTES = 1024;
const FEI_EXTENDED_BYTES = 131072;
const IMOD_STAMP = 1146047817;
const MRC_EXTENSIONS = new Set(['.mrc', '.mrcs', '.ali', '.st', '.rec', '.map']);

const MODES: Record<number, PlainDtype> = { 0: 'int8', 1: 'int16', 2: 'float32', 6: 'uint16', 12: 'float16' };
const REFUSED_MODES: Record<number, string> = {
  3: 'complex int16 (Fourier transform)',
  4: 'complex float32 (Fourier transform)',
  101: '4-bit packed integers',
};

/** Byte order from the machine stamp, or from which order gives a plausible header when the stamp is missing. */
function byteOrder(header: Buffer): { littleEndian: boolean; fromStamp: boolean } | null {
  const stamp0 = header[212];
  const stamp1 = header[213];
  if (stamp0 === 0x44 && (stamp1 === 0x44 || stamp1 === 0x41)) return { littleEndian: true, fromStamp: true };
  if (stamp0 === 0x11 && stamp1 === 0x11) return { littleEndian: false, fromStamp: true };
  for (const littleEndian of [true, false]) {
    const word = (at: number): number => (littleEndian ? header.readInt32LE(at) : header.readInt32BE(at));
    const plausible = [0, 4, 8].every((at) => word(at) > 0 && word(at) < 1 << 24) && word(12) >= 0 && word(12) <= 101;
    if (plausible) return { littleEndian, fromStamp: false };
  }
  return null;
}

export function sniffMrc(head: Buffer, file: string): boolean {
  if (head.length < HEADER_BYTES) return false;
  const hasMapWord = head.toString('latin1', 208, 212) === 'MAP ';
  const order = byteOrder(head);
  if (order === null) return false;
  return hasMapWord || MRC_EXTENSIONS.has(path.extname(file).toLowerCase());
}

export function openMrc(file: string, options: OpenOptions = {}): FrameSource {
  const absolute = path.resolve(file);
  return withOpenFile(absolute, (fd, size) => {
    if (size < HEADER_BYTES) throw new MicroscopyFileError(absolute, `truncated: ${size} bytes, an MRC header alone has ${HEADER_BYTES}`);
    const header = readBytesAt(fd, 0, HEADER_BYTES);
    const order = byteOrder(header);
    if (order === null) throw new MicroscopyFileError(absolute, 'not an MRC file: NX, NY, NZ and MODE are not plausible in either byte order');
    const le = order.littleEndian;
    const i32 = (at: number): number => (le ? header.readInt32LE(at) : header.readInt32BE(at));
    const f32 = (at: number): number => (le ? header.readFloatLE(at) : header.readFloatBE(at));
    const notes: string[] = [];
    if (!order.fromStamp) notes.push(`No MRC2014 machine stamp: byte order guessed from the header (${le ? 'little' : 'big'}-endian).`);

    const nx = i32(0);
    const ny = i32(4);
    const nz = i32(8);
    const mode = i32(12);
    if (nx < 1 || ny < 1 || nz < 1) throw new MicroscopyFileError(absolute, `MRC header gives an empty volume (NX ${nx}, NY ${ny}, NZ ${nz})`);
    let dtype = MODES[mode];
    if (dtype === undefined) {
      const what = REFUSED_MODES[mode];
      throw new MicroscopyFileError(absolute, what !== undefined ? `MRC mode ${mode} (${what}) is not supported: not diffraction intensities` : `unknown MRC mode ${mode}`);
    }
    const imodStamp = i32(152);
    const imodFlags = i32(156);
    if (mode === 0) {
      if (imodStamp === IMOD_STAMP && (imodFlags & 1) === 0) {
        dtype = 'uint8';
        notes.push('MRC mode 0 read as unsigned bytes (IMOD header flag), not MRC2014 signed bytes.');
      } else {
        notes.push('MRC mode 0 read as signed bytes (MRC2014); files from older software may mean unsigned bytes.');
      }
    }
    const mapc = i32(64);
    const mapr = i32(68);
    const maps = i32(72);
    if (!(mapc === 1 && mapr === 2 && maps === 3) && !(mapc === 0 && mapr === 0 && maps === 0)) {
      notes.push(`MRC axis order MAPC/MAPR/MAPS = ${mapc}/${mapr}/${maps} (not 1/2/3): frames are read as stored (columns × rows × sections).`);
    }
    const nsymbt = i32(92);
    if (nsymbt < 0) throw new MicroscopyFileError(absolute, `MRC header has a negative extended-header size (NSYMBT ${nsymbt})`);
    const dataOffset = HEADER_BYTES + nsymbt;
    const bytesPerPixel = PLAIN_DTYPE_BYTES[dtype];
    const frameBytes = nx * ny * bytesPerPixel;
    const needed = dataOffset + nz * frameBytes;
    if (needed > size) {
      const complete = Math.max(0, Math.floor((size - dataOffset) / frameBytes));
      throw new MicroscopyFileError(
        absolute,
        `truncated: the header promises ${nz} sections of ${ny}×${nx} ${dtype} after ${dataOffset} header bytes (${needed} bytes) but the file has ${size} bytes (${complete} complete sections)`,
      );
    }
    if (needed < size) notes.push(`${size - needed} bytes after the last section are ignored.`);

    const mx = i32(28);
    const my = i32(32);
    const mz = i32(36);
    const cella = [f32(40), f32(44), f32(48)];
    const origin = [f32(196), f32(200), f32(204)];
    const exttyp = header.toString('latin1', 104, 108);
    const ispg = i32(88);

    // Pixel size: CELLA / M (Å), or FEI's per-section pixel size (m) in the old 128-byte extended header.
    const axisScale = (cell: number, intervals: number): number | null => (intervals > 0 && cell > 0 && Number.isFinite(cell) ? cell / intervals : null);
    let scales: [number | null, number | null, number | null] = [axisScale(cella[0] as number, mx), axisScale(cella[1] as number, my), axisScale(cella[2] as number, mz)];
    let units: string | null = 'Å';
    let offsets = origin.map((o) => (Number.isFinite(o) ? o : 0));
    if (nsymbt === FEI_EXTENDED_BYTES && !/^(FEI1|FEI2|SERI|AGAR|CCP4|MRCO)$/.test(exttyp)) {
      const record = readBytesAt(fd, HEADER_BYTES, 128);
      const pixelSize = le ? record.readFloatLE(44) : record.readFloatBE(44);
      if (pixelSize > 0 && Number.isFinite(pixelSize)) {
        scales = [pixelSize * 1e9, pixelSize * 1e9, null];
        units = 'nm';
        offsets = [0, 0, 0];
        notes.push('Pixel size from the FEI extended header (metres, shown in nm).');
      }
    } else if (nsymbt > 0) {
      notes.push(`Extended header of ${nsymbt} bytes${exttyp.trim() !== '' && /^[\x20-\x7e]{4}$/.test(exttyp) ? ` (type ${exttyp})` : ''} skipped.`);
    }
    if (scales[0] === null || scales[1] === null) notes.push('The MRC header gives no pixel size (CELLA or MX/MY is zero): calibrate the frames before mapping.');
    else if (units === 'Å') notes.push('MRC pixel sizes are real-space lengths (Å) by definition; a diffraction pattern needs its reciprocal calibration from elsewhere.');

    const axis = (name: string, n: number, k: 0 | 1 | 2): AxisCalibration => {
      const scale = scales[k];
      return { name, size: n, scale, offset: scale === null ? 0 : (offsets[k] as number), units: scale === null ? null : units };
    };
    let scanShape = nz > 1 ? [nz] : [];
    let scanAxes: AxisCalibration[] = nz > 1 ? [axis('z', nz, 2)] : [];
    if (options.scanShape !== undefined) {
      const given = checkScanShape(absolute, nz, options.scanShape);
      if (given.join('×') !== scanShape.join('×')) {
        scanShape = [...given];
        scanAxes = given.map((n, k) => plainAxis(given.length === 2 ? (k === 0 ? 'scan y' : 'scan x') : `scan ${k}`, n));
      }
    } else if (nz > 1) {
      notes.push(`MRC files do not record a scan shape: ${nz} sections read as a stack (give the scan shape for a 4D-STEM scan).`);
    }

    const labelCount = Math.max(0, Math.min(10, i32(220)));
    const labels: string[] = [];
    for (let i = 0; i < labelCount; i++) labels.push(header.toString('latin1', 224 + 80 * i, 304 + 80 * i).replace(/[\0\s]+$/, ''));
    const metadata: Record<string, string | number | boolean | null> = {
      'std_header.NX': nx,
      'std_header.NY': ny,
      'std_header.NZ': nz,
      'std_header.MODE': mode,
      'std_header.MX': mx,
      'std_header.MY': my,
      'std_header.MZ': mz,
      'std_header.CELLA (Å)': `(${cella.join(', ')})`,
      'std_header.ORIGIN (Å)': `(${origin.join(', ')})`,
      'std_header.ISPG': ispg,
      'std_header.NSYMBT': nsymbt,
      'std_header.NVERSION': i32(108),
      'std_header.MACHST': `${header.subarray(212, 216).toString('hex')}`,
    };
    if (/^[\x20-\x7e]{4}$/.test(exttyp)) metadata['std_header.EXTTYP'] = exttyp;
    labels.forEach((label, i) => {
      metadata[`std_header.LABEL${i}`] = label;
    });

    const info: MicroscopyInfo = {
      file: absolute,
      format: 'mrc',
      dtype,
      frameShape: [ny, nx],
      frameCount: nz,
      scanShape,
      scanAxes,
      detectorAxes: [axis('y', ny, 1), axis('x', nx, 0)],
      beamEnergyKeV: null,
      cameraLengthMm: null,
      metadata,
      notes,
    };
    return rawFrameSource(info, fd, { firstFrameOffset: dataOffset, frameStride: frameBytes, dtype, littleEndian: le });
  });
}
