/**
 * Calibration, as HyperSpy's tiff plugin (hyperspy/io_plugins/tiff.py) reads it, the file's statement only:
 * - DigitalMicrograph-saved TIFFs: private tags 65003/65004/65005 (x/y/z units, Latin-1), 65006/65007/65008
 *   (origins), 65009/65010/65011 (scales); x is the column axis, z the stack axis.
 * - ImageJ: ImageDescription "ImageJ=…\nunit=…\nspacing=…"; pixel size = 1 / XResolution (YResolution for rows).
 * - JEOL SightX: the XML ImageDescription's magnification (TEM MAG, nm) or camera length and high tension (TEM DIFF,
 *   1/nm) with the camera's pixel pitch in XResolution/YResolution; also beam energy and camera length.
 * - Plain XResolution/YResolution (dots per inch/cm) are kept in the metadata only: most programs store a
 *   display resolution there, and HyperSpy ignores them too by default.
 */
import { plainAxis, type AxisCalibration } from '../../frame-source';
import type { TiffFile } from './ifd';
import type { ImageJInfo } from './imagej';
import { jeolSightX } from './jeol';
import type { Page } from './page';
import { COMPRESSION_NAMES, DM_TAG, TAG } from './tags';

/** ImageJ and DM spell units their own way: 'micron', '\u00B5m', 'A', 'angstrom', 'pixel'. */
export function normaliseUnit(unit: string | null): string | null {
  if (unit === null) return null;
  const u = unit
    .replace(/\\u00B5/gi, 'µ')
    .replace(/\\u00C5/gi, 'Å')
    .trim();
  if (u === '' || /^pixels?$/i.test(u)) return null;
  if (u === 'micron' || u === 'microns' || u === 'um' || u === 'μm') return 'µm';
  if (u === 'A' || u === 'angstrom' || u === 'Angstrom') return 'Å';
  return u;
}

/** Everything the file says about axes and the instrument; units null / scale null when it says nothing. */
export interface TiffCalibration {
  rows: AxisCalibration;
  cols: AxisCalibration;
  stack: AxisCalibration | null;
  beamEnergyKeV: number | null;
  cameraLengthMm: number | null;
  notes: string[];
  metadata: Record<string, string | number | boolean | null>;
}

export function calibrate(tiff: TiffFile, page: Page, frameCount: number, description: string, imagej: ImageJInfo | null): TiffCalibration {
  const rows = plainAxis('rows', page.height);
  const cols = plainAxis('cols', page.width);
  const stack = frameCount > 1 ? plainAxis('frame', frameCount) : null;
  const notes: string[] = [];
  const metadata: Record<string, string | number | boolean | null> = {};
  const e = page.entries;
  const num = (tag: number): number | null => {
    const entry = e.get(tag);
    if (!entry) return null;
    const v = tiff.numbers(entry, `tag ${tag}`)[0];
    return v !== undefined && Number.isFinite(v) ? v : null;
  };
  const str = (tag: number): string | null => {
    const entry = e.get(tag);
    return entry ? tiff.text(entry, `tag ${tag}`).trim() : null;
  };
  for (const [name, tag] of [
    ['Software', TAG.Software],
    ['DateTime', TAG.DateTime],
    ['Make', TAG.Make],
    ['Model', TAG.Model],
  ] as const) {
    const v = str(tag);
    if (v) metadata[`TIFF.${name}`] = v.slice(0, 500);
  }
  if (description) metadata['TIFF.ImageDescription'] = description.slice(0, 2000);
  metadata['TIFF.Compression'] = COMPRESSION_NAMES[page.compression] ?? page.compression;
  metadata['TIFF.Photometric'] = page.photometric;

  // Digital Micrograph private tags.
  const dmTags = Object.values(DM_TAG).filter((t) => e.has(t));
  let calibrated = false;
  if (dmTags.length > 0) {
    const apply = (axis: AxisCalibration | null, unitTag: number, originTag: number, scaleTag: number, label: string): void => {
      const unit = str(unitTag);
      const origin = num(originTag);
      const scale = num(scaleTag);
      if (unit !== null) metadata[`DM.${label}.units`] = unit;
      if (origin !== null) metadata[`DM.${label}.origin`] = origin;
      if (scale !== null) metadata[`DM.${label}.scale`] = scale;
      if (!axis) return;
      if (scale !== null) {
        axis.scale = scale;
        calibrated = true;
      }
      if (origin !== null) axis.offset = origin;
      if (unit !== null) axis.units = normaliseUnit(unit);
    };
    apply(cols, DM_TAG.xUnits, DM_TAG.xOrigin, DM_TAG.xScale, 'x');
    apply(rows, DM_TAG.yUnits, DM_TAG.yOrigin, DM_TAG.yScale, 'y');
    apply(stack, DM_TAG.zUnits, DM_TAG.zOrigin, DM_TAG.zScale, 'z');
    const iu = str(DM_TAG.intensityUnits);
    const io = num(DM_TAG.intensityOffset);
    const is = num(DM_TAG.intensityScale);
    if (iu) metadata['DM.intensity.units'] = iu;
    if (io !== null) metadata['DM.intensity.offset'] = io;
    if (is !== null) metadata['DM.intensity.scale'] = is;
  }

  const resolution = (tag: number): number | null => {
    const entry = e.get(tag);
    if (!entry) return null;
    const r = tiff.rational(entry, `tag ${tag}`);
    if (!r || r[0] === 0) return null;
    return r[1] / r[0]; // units per pixel, as HyperSpy's _get_scales_from_x_y_resolution
  };

  if (imagej) {
    for (const [k, v] of Object.entries(imagej.raw)) metadata[`ImageJ.${k}`] = v;
    const unit = normaliseUnit(imagej.unit);
    if (imagej.unit !== null) {
      const sx = resolution(TAG.XResolution);
      const sy = resolution(TAG.YResolution);
      if (sx !== null && sy !== null && unit !== null) {
        cols.scale = sx;
        rows.scale = sy;
        cols.offset = 0;
        rows.offset = 0;
        cols.units = unit;
        rows.units = unit;
        calibrated = true;
      }
    }
    if (stack) {
      if (imagej.spacing !== null && imagej.slices > 1) {
        stack.scale = imagej.spacing;
        stack.units = unit;
      } else if (imagej.finterval !== null && imagej.frames > 1) {
        stack.scale = imagej.finterval;
        stack.units = 's';
      } else if (imagej.spacing !== null) {
        stack.scale = imagej.spacing;
        stack.units = unit;
      }
    }
  }
  const jeol = str(TAG.Make) === 'JEOL Ltd.' && description.includes('<TemReporter') ? jeolSightX(description) : null;
  if (jeol) {
    for (const [k, v] of Object.entries(jeol.fields)) metadata[`JEOL.${k}`] = v;
    const sx = resolution(TAG.XResolution);
    const sy = resolution(TAG.YResolution);
    const unitEntry = e.get(TAG.ResolutionUnit);
    const metresPerUnit = unitEntry && tiff.numbers(unitEntry, 'ResolutionUnit')[0] === 2 ? 0.0254 : 0.01;
    if (!calibrated && jeol.perMetre !== null && sx !== null && sy !== null) {
      // The resolution tags hold the camera's pixel pitch (e.g. 93 dpi); SightX's XML the magnification or
      // camera length: HyperSpy's _axes_jeol_sightx.
      cols.scale = sx * metresPerUnit * jeol.perMetre;
      rows.scale = sy * metresPerUnit * jeol.perMetre;
      cols.units = jeol.units;
      rows.units = jeol.units;
      calibrated = true;
    }
  }
  // Plain XResolution/YResolution are a print or display resolution (72 dpi and the like) in most files: kept as
  // metadata, never used as a pixel size (HyperSpy ignores them too unless force_read_resolution is asked for).
  const unitEntry = e.get(TAG.ResolutionUnit);
  const resUnit = unitEntry ? tiff.numbers(unitEntry, 'ResolutionUnit')[0] : undefined;
  const rx = resolution(TAG.XResolution);
  const ry = resolution(TAG.YResolution);
  if (rx !== null && ry !== null) {
    const per = resUnit === 2 ? 'inch' : resUnit === 3 ? 'cm' : 'unit';
    metadata['TIFF.XResolution'] = 1 / rx;
    metadata['TIFF.YResolution'] = 1 / ry;
    metadata['TIFF.ResolutionUnit'] = per;
    if (!calibrated && !imagej && (resUnit === 2 || resUnit === 3)) {
      notes.push(`The TIFF resolution tags say ${(1 / rx).toPrecision(6)} pixels per ${per}: a print/display resolution, not used as a pixel size.`);
    }
  }
  if (!calibrated) notes.push('The file gives no pixel calibration: the detector axes are uncalibrated.');
  return { rows, cols, stack, beamEnergyKeV: jeol?.beamEnergyKeV ?? null, cameraLengthMm: jeol?.cameraLengthMm ?? null, notes, metadata };
}
