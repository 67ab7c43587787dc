/**
 * EMPAD (Electron Microscope Pixel Array Detector, Thermo Fisher / Cornell) acquisitions: an .xml description plus
 * a .raw file of little-endian float32 frames of 130 rows × 128 columns, the last two rows being per-frame
 * metadata that is dropped (→ 128 × 128 frames). Layout and calibration as HyperSpy's empad plugin
 * (hyperspy/io_plugins/empad.py) reads them:
 * - scan: <pix_x>/<pix_y>, else scan_parameters/scan_resolution_x/_y (mode "acquire"); a series has
 *   scan_parameters/series_count. HyperSpy reshapes the raw data as (scan_x, scan_y, 130, 128), so scan_x is the
 *   slowest axis in the file: scanShape = [scan_x, scan_y].
 * - real-space step: optics.get_full_scan_field_of_view [fx, fy] (metres) divided by (scan_x, scan_y), as HyperSpy.
 *   The 1.2.0 layout instead has iom_measurements/full_scan_field_of_view (x, y, scale_factor): HyperSpy 1.7.3 does
 *   not read it (its scan axes stay uncalibrated); RosettaSciIO's later reader and other EMPAD readers do: the
 *   microscope's full field is x / scale_factor (x = y, the field of the longer scan side), the acquired scan covers
 *   scan_size (scan_parameters mode "acquire", a fraction of it, 1 when absent) of that, so the step is
 *   x / scale_factor × scan_size / max(scan_x, scan_y) on both axes. We read it so (said in the notes); unequal x
 *   and y, or a missing or non-positive value, leave the axes uncalibrated.
 * - detector: calibrated_pixelsize × 1e9 in 1/nm, offset −64 pixels (the detector centre).
 * - beam energy: source.get_voltage or high_voltage (V); camera length: optics.get_cameralength or
 *   nominal_camera_length (m).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkScanShape, MicroscopyFileError, plainAxis, type AxisCalibration, type FrameSource, type MicroscopyInfo, type OpenOptions } from '../frame-source';

const RAW_ROWS = 130;
const ROWS = 128;
const COLS = 128;
const FRAME_BYTES = RAW_ROWS * COLS * 4;

/** An EMPAD .xml: its root element and the raw_file reference (or a .raw whose .xml is beside it). */
export function sniffEmpad(head: Buffer, file: string): boolean {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.xml') {
    const text = head.toString('latin1');
    return /<root[\s>]/.test(text) && text.includes('<raw_file');
  }
  return false;
}

/** Text of the first <tag>…</tag> (no nesting inside), or null. */
function element(xml: string, tag: string): string | null {
  const escaped = tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`<${escaped}(?:\\s[^>]*)?>([^<]*)</${escaped}>`).exec(xml);
  return m ? decodeEntities(m[1]!.trim()) : null;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Body of the block <tag …attrs…>…</tag> whose opening tag matches `attrs` (e.g. mode="acquire"), else the last. */
function block(xml: string, tag: string, prefer?: RegExp): string | null {
  const re = new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  let last: string | null = null;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    if (prefer && prefer.test(m[1] ?? '')) return m[2]!;
    last = m[2]!;
  }
  return last;
}

function number(s: string | null): number | null {
  if (s === null) return null;
  const v = Number(s);
  return s.trim() !== '' && Number.isFinite(v) ? v : null;
}

interface EmpadXml {
  rawFile: string;
  /** [slow, fast] for a scan, or [count] for a series. */
  shape: number[];
  series: boolean;
  scanAxes: AxisCalibration[];
  detectorScale: number | null;
  beamEnergyKeV: number | null;
  cameraLengthMm: number | null;
  metadata: Record<string, string | number | boolean | null>;
  notes: string[];
}

function parseXml(file: string, xml: string): EmpadXml {
  const raw = /<raw_file\s+filename="([^"]*)"/.exec(xml);
  if (!raw || !raw[1]) throw new MicroscopyFileError(file, 'no <raw_file filename="…"/> element: not an EMPAD description');
  // The EMPAD software names the .raw beside the .xml; a path would let a description point the reader at any file.
  if (/[/\\]/.test(raw[1]) || raw[1] === '.' || raw[1] === '..') {
    throw new MicroscopyFileError(file, `raw_file "${raw[1]}" is not a file name: the .raw must be in the same folder as the .xml`);
  }
  const notes: string[] = [];
  const metadata: Record<string, string | number | boolean | null> = { 'EMPAD.rawFile': raw[1] };
  const iso = /<timestamp[^>]*isoformat="([^"]*)"/.exec(xml);
  if (iso?.[1]) metadata['EMPAD.timestamp'] = iso[1];
  const version = element(xml, 'software_version');
  if (version) metadata['EMPAD.softwareVersion'] = version;
  for (const key of ['exposure_time', 'post_exposure_time']) {
    const v = number(element(xml, key));
    if (v !== null) metadata[`EMPAD.${key}`] = v;
  }

  const seriesCount = number(element(block(xml, 'scan_parameters') ?? '', 'series_count'));
  let shape: number[];
  let series = false;
  let scanAxes: AxisCalibration[];
  const iom = block(xml, 'iom_measurements') ?? '';
  if (seriesCount !== null) {
    series = true;
    shape = [seriesCount];
    scanAxes = [plainAxis('series', seriesCount)];
  } else {
    let sx = number(element(xml, 'pix_x'));
    let sy = number(element(xml, 'pix_y'));
    if (sx === null || sy === null) {
      const acquire = block(xml, 'scan_parameters', /mode="acquire"/) ?? '';
      sx = number(element(acquire, 'scan_resolution_x'));
      sy = number(element(acquire, 'scan_resolution_y'));
    }
    if (sx === null || sy === null || !Number.isInteger(sx) || !Number.isInteger(sy) || sx < 1 || sy < 1) {
      throw new MicroscopyFileError(file, 'the XML gives neither pix_x/pix_y, scan_resolution_x/_y nor series_count: scan shape unknown');
    }
    shape = [sx, sy];
    scanAxes = [plainAxis('scan_x', sx), plainAxis('scan_y', sy)];
    if (sx !== sy) {
      notes.push(`Non-square scan ${sx}×${sy}: read with HyperSpy's axis order (pix_x slowest); if the map looks sheared, give the scan shape ${sy}×${sx}.`);
    }
    const fovText = element(iom, 'optics.get_full_scan_field_of_view');
    const fov = fovText ? fovText.replace(/[[\]]/g, '').split(',').map(Number) : null;
    if (fov && fov.length === 2 && fov.every((v) => Number.isFinite(v) && v > 0)) {
      // Metres per step → nm.
      scanAxes[0]!.scale = (fov[0]! / sx) * 1e9;
      scanAxes[1]!.scale = (fov[1]! / sy) * 1e9;
      scanAxes[0]!.units = 'nm';
      scanAxes[1]!.units = 'nm';
      metadata['EMPAD.fullScanFieldOfViewM'] = fovText;
    } else {
      const fovBlock = block(iom, 'full_scan_field_of_view');
      const step = fovBlock ? empad12ScanStepNm(fovBlock, xml, sx, sy) : null;
      if (fovBlock) metadata['EMPAD.fullScanFieldOfView'] = fovBlock.replace(/\s+/g, '');
      if (step !== null) {
        for (const axis of scanAxes) {
          axis.scale = step.nm;
          axis.units = 'nm';
        }
        notes.push(`Scan step ${step.nm.toPrecision(6)} nm from the 1.2 full_scan_field_of_view (${step.detail}); HyperSpy 1.7.3 leaves these axes uncalibrated.`);
      } else if (fovBlock) {
        notes.push('The XML gives no usable scan field of view (its 1.2 full_scan_field_of_view, kept in the metadata, has unequal or missing x, y or scale_factor): the scan axes are uncalibrated.');
      } else {
        notes.push('The XML gives no usable scan field of view: the scan axes are uncalibrated.');
      }
    }
  }

  const pixelSize = number(element(iom, 'calibrated_pixelsize'));
  const detectorScale = pixelSize !== null && pixelSize > 0 ? pixelSize * 1e9 : null;
  if (detectorScale === null) notes.push('The XML gives no calibrated_pixelsize: the detector axes are uncalibrated.');
  const angle = number(element(iom, 'calibrated_diffraction_angle'));
  if (angle !== null) metadata['EMPAD.calibratedDiffractionAngleRad'] = angle;
  const volts = number(element(iom, 'source.get_voltage')) ?? number(element(iom, 'high_voltage'));
  const cameraM = number(element(iom, 'optics.get_cameralength')) ?? number(element(iom, 'nominal_camera_length'));
  return {
    rawFile: raw[1],
    shape,
    series,
    scanAxes,
    detectorScale,
    beamEnergyKeV: volts !== null && volts > 0 ? volts / 1000 : null,
    cameraLengthMm: cameraM !== null && cameraM > 0 ? cameraM * 1000 : null,
    metadata,
    notes,
  };
}

/** Finds the .xml describing a .raw (the one in the same folder whose raw_file names it). */
function xmlForRaw(rawPath: string): string {
  const dir = path.dirname(rawPath);
  const name = path.basename(rawPath);
  for (const entry of fs.readdirSync(dir)) {
    if (!entry.toLowerCase().endsWith('.xml')) continue;
    const text = fs.readFileSync(path.join(dir, entry), 'latin1');
    if (text.includes(`filename="${name}"`)) return path.join(dir, entry);
  }
  throw new MicroscopyFileError(rawPath, 'no EMPAD .xml in this folder names this .raw file: open the .xml');
}

/** The 1.2 layout's scan step (see the module comment), or null when its numbers do not establish one. */
export function empad12ScanStepNm(fovBlock: string, xml: string, sx: number, sy: number): { nm: number; detail: string } | null {
  const x = number(element(fovBlock, 'x'));
  const y = number(element(fovBlock, 'y'));
  const factor = number(element(fovBlock, 'scale_factor'));
  if (x === null || y === null || factor === null || !(x > 0) || !(factor > 0) || Math.abs(x - y) > 1e-12 * x) return null;
  const acquire = block(xml, 'scan_parameters', /mode="acquire"/) ?? '';
  const size = number(element(acquire, 'scan_size')) ?? 1;
  if (!(size > 0)) return null;
  const nm = ((x / factor) * size * 1e9) / Math.max(sx, sy);
  return { nm, detail: `x ${x} m / scale_factor ${factor} × scan_size ${size} / ${Math.max(sx, sy)} positions` };
}

/** Opens an EMPAD acquisition from its .xml (or its .raw, when the .xml is beside it). */
export function openEmpad(file: string, options: OpenOptions = {}): FrameSource {
  let xmlPath = path.resolve(file);
  if (path.extname(xmlPath).toLowerCase() === '.raw') xmlPath = xmlForRaw(xmlPath);
  let xml: string;
  try {
    xml = fs.readFileSync(xmlPath, 'utf8');
  } catch (err) {
    throw new MicroscopyFileError(xmlPath, `cannot read: ${(err as Error).message}`);
  }
  const desc = parseXml(xmlPath, xml);
  const rawPath = path.resolve(path.dirname(xmlPath), desc.rawFile);
  let fd: number;
  try {
    fd = fs.openSync(rawPath, 'r');
  } catch (err) {
    throw new MicroscopyFileError(xmlPath, `its raw file ${rawPath} cannot be opened: ${(err as Error).message}`);
  }
  try {
    const frameCount = desc.shape.reduce((a, b) => a * b, 1);
    const size = fs.fstatSync(fd).size;
    const expected = frameCount * FRAME_BYTES;
    if (size !== expected) {
      const whole = Math.floor(size / FRAME_BYTES);
      throw new MicroscopyFileError(
        rawPath,
        `holds ${size} bytes but ${xmlPath} describes ${desc.shape.join('×')} frames of 130×128 float32 = ${expected} bytes ` +
          `(${whole} whole frame(s)${size % FRAME_BYTES ? ` + ${size % FRAME_BYTES} bytes` : ''}): ${size < expected ? 'truncated' : 'wrong XML or raw file'}`,
      );
    }
    const scanShape = options.scanShape ? checkScanShape(xmlPath, frameCount, options.scanShape) : frameCount === 1 ? [] : desc.shape;
    const scanAxes = options.scanShape
      ? scanShape.length === desc.shape.length && scanShape.every((n, k) => n === desc.shape[k])
        ? desc.scanAxes
        : scanShape.map((n, k) => plainAxis(scanShape.length === 2 ? (k === 0 ? 'y' : 'x') : `scan${k}`, n))
      : frameCount === 1
        ? []
        : desc.scanAxes;
    const detector = (name: string): AxisCalibration =>
      desc.detectorScale === null
        ? plainAxis(name, ROWS)
        : { name, size: ROWS, scale: desc.detectorScale, offset: -64 * desc.detectorScale, units: '1/nm' };
    const info: MicroscopyInfo = {
      file: xmlPath,
      format: 'empad',
      dtype: 'float32',
      frameShape: [ROWS, COLS],
      frameCount,
      scanShape,
      scanAxes,
      detectorAxes: [detector('rows'), detector('cols')],
      beamEnergyKeV: desc.beamEnergyKeV,
      cameraLengthMm: desc.cameraLengthMm,
      metadata: { ...desc.metadata, 'EMPAD.rawPath': rawPath },
      notes: ['The two metadata rows of every 130×128 EMPAD frame are dropped (128×128 frames).', ...desc.notes],
    };
    let closed = false;
    const buf = Buffer.alloc(ROWS * COLS * 4);
    return {
      info,
      readFrame(index: number, out?: Float32Array): Float32Array {
        if (closed) throw new MicroscopyFileError(rawPath, 'read after close');
        if (!Number.isInteger(index) || index < 0 || index >= frameCount) {
          throw new MicroscopyFileError(rawPath, `frame ${index} out of range (0–${frameCount - 1})`);
        }
        const target = out ?? new Float32Array(ROWS * COLS);
        if (target.length !== ROWS * COLS) throw new MicroscopyFileError(rawPath, `output buffer holds ${target.length} values, frame needs ${ROWS * COLS}`);
        const at = index * FRAME_BYTES;
        let done = 0;
        while (done < buf.length) {
          const got = fs.readSync(fd, buf, done, buf.length - done, at + done);
          if (got === 0) throw new MicroscopyFileError(rawPath, `frame ${index}: the file ends at byte ${at + done} (truncated)`);
          done += got;
        }
        for (let i = 0; i < ROWS * COLS; i++) target[i] = buf.readFloatLE(4 * i);
        return target;
      },
      close(): void {
        if (!closed) {
          closed = true;
          fs.closeSync(fd);
        }
      },
    };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
