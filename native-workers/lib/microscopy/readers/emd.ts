/**
 * EMD files (HDF5) as frames: the Berkeley EMD 0.x / 1.0 layout (ncempy, py4DSTEM, emdfile, Prismatic, HyperSpy) and
 * Thermo Fisher (FEI) Velox EMD. Built on the h5wasm helpers of ./hdf5.
 *
 * Berkeley EMD (https://emdatasets.com/format): a data group is marked by the attribute emd_group_type = 1 (EMD 0.x)
 * or 'array' (EMD 1.0, written by emdfile / py4DSTEM ≥ 0.13); it holds the N-dimensional dataset 'data' (Prismatic
 * and old py4DSTEM: 'datacube', 'realslice', 'diffractionslice') and one calibration vector per axis, dim1 … dimN
 * (emdfile: dim0 … dimN-1), either the full coordinate vector or [offset, offset + step], with attributes name and
 * units (EMD 0.x writes units in brackets with '_' between prefix and unit: '[n_m]', '[n_m^-1]').
 *
 * py4DSTEM (≥ 0.13, through emdfile) keeps the true calibration elsewhere: a Calibration metadata group
 * (…/metadatabundle/calibration: Q_pixel_size, Q_pixel_units 'A^-1' / 'mrad' / 'pixels', R_pixel_size, R_pixel_units,
 * qx0_mean, qy0_mean) from which it recomputes a datacube's dims on loading; a DataCube's axes are taken from it.
 *
 * Axis order, frames and frame index. dim k calibrates storage axis k (ncempy, the spec authors' reader, reads it so;
 * py4DSTEM and emdfile write NumPy C-order arrays). The last two storage axes are the frame (rows, cols) and the
 * leading axes the scan, slowest first: a py4DSTEM / Prismatic datacube (Rx, Ry, Qx, Qy) gives scanShape [Rx, Ry],
 * frame index = rx·Ry + ry, frames of Qx rows × Qy columns — py4DSTEM's datacube[rx, ry] and HyperSpy's data[rx, ry].
 * Two writers store axes in reverse: HyperSpy's EMD writer (it saves data.T; its groups carry the signal attributes
 * 'signal_type' / 'record_by') and Prismatic's slices other than 'datacube' (HyperSpy reads these transposed). Those
 * are read with the axes reversed, as hs.load does, so frames match HyperSpy's signal.
 *
 * Velox (HyperSpy's FeiEMDReader; ncempy's emdVelox): the root dataset 'Version' holds JSON with format 'Velox';
 * images are /Data/Image/<id>/Data with shape (rows, cols, frames) and /Data/Image/<id>/Metadata, a uint8 array
 * (bytes, frames) whose first column is a NUL-padded JSON document: BinaryResult.PixelSize / Offset / PixelUnitX
 * (SI units as stored: m or 1/m), Optics.AccelerationVoltage (V), Optics.CameraLength (m), Scan.FrameTime (s).
 */
import {
  MicroscopyFileError,
  plainAxis,
  type AxisCalibration,
  type FrameSource,
  type MicroscopyInfo,
  type OpenOptions,
} from '../frame-source';
import {
  allPaths,
  applyScanShape,
  attributeNames,
  chooseDataset,
  childNames,
  cOrderLayout,
  createHdf5FrameSource,
  datasetMetadata,
  Hdf5DatasetChoiceError,
  normalisePath,
  numericDataset,
  numericType,
  objectType,
  openHdf5File,
  plainDatasetSource,
  readAttribute,
  readAttributes,
  readNumbers,
  readStrings,
  reversedLayout,
  sniffHdf5,
  type AttrValue,
  type DatasetRef,
  type FrameLayout,
  type Hdf5DatasetEntry,
  type Hdf5File,
} from './hdf5';

type Metadata = Record<string, string | number | boolean | null>;

const METADATA_LIMIT = 400;

/** An HDF5 file named .emd (Velox or Berkeley EMD is decided on opening; py4DSTEM also writes EMD as .h5). */
export function sniffEmd(head: Buffer, file: string): boolean {
  return sniffHdf5(head, file) && /\.emd$/i.test(file);
}

function put(metadata: Metadata, key: string, value: AttrValue | undefined): void {
  if (value === undefined || Object.keys(metadata).length >= METADATA_LIMIT) return;
  metadata[key] = Array.isArray(value) ? JSON.stringify(value.slice(0, 16)) : value;
}

function putAll(metadata: Metadata, prefix: string, attrs: Record<string, AttrValue>): void {
  for (const [key, value] of Object.entries(attrs)) put(metadata, `${prefix}${key}`, value);
}

function finitePositive(value: number | null): number | null {
  return value !== null && Number.isFinite(value) && value > 0 ? value : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Velox

interface VeloxImage {
  group: string;
  data: DatasetRef;
  detector: string | null;
}

function veloxVersion(h: Hdf5File): { format: string; version: string } | null {
  if (objectType(h, '/Version') !== 'dataset') return null;
  const text = readStrings(h, '/Version')[0];
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as { format?: unknown; version?: unknown };
    const format = String(parsed.format ?? '');
    return ['Velox', 'DevelopersKit'].includes(format) ? { format, version: String(parsed.version ?? '') } : null;
  } catch {
    return null;
  }
}

/** The JSON metadata of a Velox image: the first column of the uint8 (bytes, frames) Metadata dataset. */
function veloxMetadata(h: Hdf5File, group: string): Record<string, unknown> | null {
  const p = `${group}/Metadata`;
  if (objectType(h, p) !== 'dataset') return null;
  const shape = datasetMetadata(h, p).shape ?? [];
  if (shape.length === 0 || shape[0]! < 2) return null;
  const count = shape.map((n, i) => (i === 0 ? n : 1));
  const bytes = Uint8Array.from(readNumbers(h, p, count, shape.map(() => 0)));
  const end = bytes.indexOf(0);
  const text = Buffer.from(end >= 0 ? bytes.subarray(0, end) : bytes).toString('utf8');
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function child(obj: unknown, ...keys: string[]): unknown {
  let at = obj;
  for (const key of keys) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim().length > 0) {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function veloxImages(h: Hdf5File): VeloxImage[] {
  if (objectType(h, '/Data/Image') !== 'group') return [];
  const out: VeloxImage[] = [];
  for (const id of childNames(h, '/Data/Image')) {
    const group = `/Data/Image/${id}`;
    const p = `${group}/Data`;
    if (objectType(h, p) !== 'dataset') continue;
    const meta = datasetMetadata(h, p);
    const shape = meta.shape ?? [];
    const type = numericType(h, meta);
    if (typeof type === 'string' || shape.length !== 3 || shape.some((n) => n < 1)) continue;
    out.push({ group, data: { path: p, shape, type }, detector: null });
  }
  return out;
}

function flattenJson(value: unknown, prefix: string, into: Metadata): void {
  if (Object.keys(into).length >= METADATA_LIMIT) return;
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') into[prefix] = value;
    return;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) flattenJson(v, prefix ? `${prefix}.${key}` : key, into);
}

function veloxSource(h: Hdf5File, image: VeloxImage, version: { format: string; version: string }, options: OpenOptions, notes: string[]): FrameSource {
  const [rows, cols, frames] = image.data.shape as [number, number, number];
  const md = veloxMetadata(h, image.group);
  const metadata: Metadata = { 'Velox.format': version.format, 'Velox.version': version.version, 'Velox.image': image.group };
  if (!md) notes.push(`No readable JSON metadata in ${image.group}/Metadata: no calibration, beam energy or camera length.`);
  const binary = child(md, 'BinaryResult');
  const units = (axis: 'X' | 'Y'): string | null => str(child(binary, `PixelUnit${axis}`)) ?? str(child(binary, 'PixelUnitX'));
  const axis = (name: string, size: number, scale: unknown, offset: unknown, unit: string | null): AxisCalibration => {
    const s = num(scale);
    return s === null ? plainAxis(name, size) : { name, size, scale: s, offset: num(offset) ?? 0, units: unit };
  };
  const detectorAxes: [AxisCalibration, AxisCalibration] = [
    axis('y', rows, child(binary, 'PixelSize', 'height'), child(binary, 'Offset', 'y'), units('Y')),
    axis('x', cols, child(binary, 'PixelSize', 'width'), child(binary, 'Offset', 'x'), units('X')),
  ];
  if (md && detectorAxes[0].scale === null) notes.push('The Velox metadata gives no BinaryResult.PixelSize: the frame is uncalibrated.');
  const detectorIndex = str(child(binary, 'DetectorIndex'));
  const detector = detectorIndex === null ? undefined : child(md, 'Detectors', `Detector-${detectorIndex}`);
  let scanShape: number[] = [];
  let scanAxes: AxisCalibration[] = [];
  if (frames > 1) {
    // As HyperSpy: the frame time, else the detector's exposure time (a camera stack has no scan frame time).
    const frameTime = num(child(md, 'Scan', 'FrameTime')) ?? num(child(detector, 'ExposureTime'));
    scanShape = [frames];
    scanAxes = [frameTime === null ? plainAxis('frame', frames) : { name: 'time', size: frames, scale: frameTime, offset: 0, units: 's' }];
  }
  const scan = applyScanShape(h.file, scanShape, scanAxes, frames, options, notes);
  if (md) {
    for (const key of ['BinaryResult', 'Optics', 'Acquisition', 'Scan', 'Stage', 'Instrument', 'EnergyFilter', 'Core']) flattenJson(child(md, key), key, metadata);
    if (detector !== undefined) flattenJson(detector, `Detectors.Detector-${detectorIndex}`, metadata);
  }
  const voltage = num(child(md, 'Optics', 'AccelerationVoltage'));
  const cameraLength = num(child(md, 'Optics', 'CameraLength'));
  const info: MicroscopyInfo = {
    file: h.file,
    format: 'emd-velox',
    dtype: image.data.type.dtype,
    frameShape: [rows, cols],
    frameCount: frames,
    scanShape: scan.scanShape,
    scanAxes: scan.scanAxes,
    detectorAxes,
    beamEnergyKeV: finitePositive(voltage === null ? null : voltage / 1000),
    cameraLengthMm: finitePositive(cameraLength === null ? null : cameraLength * 1000),
    metadata,
    notes,
  };
  // Data is (rows, cols, frames): frame f is Data[:, :, f].
  return createHdf5FrameSource(h, image.data, { scanAxes: [2], rowAxis: 0, colAxis: 1 }, info);
}

function veloxEntry(h: Hdf5File, image: VeloxImage): Hdf5DatasetEntry {
  const detector = str(child(veloxMetadata(h, image.group), 'BinaryResult', 'Detector'));
  return { path: image.data.path, shape: image.data.shape, dtype: image.data.type.dtype, ...(detector ? { label: detector } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// Berkeley EMD 0.x / 1.0

interface EmdArray {
  group: string;
  data: DatasetRef;
  /** emdfile (EMD 1.0 'array' groups) numbers its dims from 0, EMD 0.x from 1. */
  firstDim: 0 | 1;
  layout: FrameLayout;
  /** Why the axes are read reversed, when they are. */
  reversedBecause: string | null;
}

const DATA_NAMES = ['data', 'datacube', 'counted_datacube', 'diffractionslice', 'realslice'];

function isEmdGroup(value: AttrValue): 'v0' | 'v1' | null {
  if (value === 1) return 'v0';
  if (value === 'array') return 'v1';
  return null;
}

function emdArrays(h: Hdf5File): EmdArray[] {
  const prismatic = childNames(h, '/').includes('4DSTEM_simulation');
  const out: EmdArray[] = [];
  for (const group of allPaths(h)) {
    if (objectType(h, group) !== 'group') continue;
    const kind = isEmdGroup(readAttribute(h, group, 'emd_group_type'));
    if (!kind) continue;
    const names = childNames(h, group);
    const name = DATA_NAMES.find((n) => names.includes(n)) ?? names.find((n) => DATA_NAMES.some((d) => n.startsWith(d)));
    if (!name) continue;
    const p = `${group}/${name}`;
    if (objectType(h, p) !== 'dataset') continue;
    const meta = datasetMetadata(h, p);
    const type = numericType(h, meta);
    const shape = meta.shape ?? [];
    if (typeof type === 'string' || shape.length < 2 || shape.some((n) => n < 1)) continue;
    const attrs = attributeNames(h, group);
    let reversedBecause: string | null = null;
    if (attrs.includes('signal_type') || attrs.includes('record_by')) reversedBecause = 'written by HyperSpy, which stores its arrays transposed';
    else if (prismatic && name !== 'datacube') reversedBecause = `a Prismatic ${name}, read transposed as HyperSpy does`;
    out.push({
      group,
      data: { path: p, shape, type },
      firstDim: kind === 'v1' || (names.includes('dim0') && !names.includes(`dim${shape.length}`)) ? 0 : 1,
      layout: reversedBecause ? reversedLayout(shape.length) : cOrderLayout(shape.length),
      reversedBecause,
    });
  }
  return out;
}

/**
 * EMD units as a plain string: '[n_m]' → 'nm', '[n_m^-1]' → '1/nm', 'A^-1' → '1/Å'. Null when absent or when they
 * only say pixels (emdfile's default for an uncalibrated axis).
 */
export function emdUnits(raw: AttrValue): string | null {
  if (typeof raw !== 'string') return null;
  let units = raw.trim();
  const bracketed = [...units.matchAll(/\[(.*?)\]/g)].map((m) => m[1]!.replace(/_/g, ''));
  if (units.includes('[')) units = bracketed.filter((u) => u.length > 0).join('·');
  if (units.length === 0) return null;
  if (/^(pixels?|px|pix|unknown|none)$/i.test(units)) return null;
  const inverse = /^(.+?)\^-1$/.exec(units);
  if (inverse) units = `1/${inverse[1]}`;
  return units.replace(/^(1\/)?(A|angstroms?|Angstroms?)$/, (_m, inv: string | undefined) => `${inv ?? ''}Å`);
}

/** One axis from its dim vector: offset = first value, scale = mean step (as HyperSpy and ncempy read it). */
function emdAxis(h: Hdf5File, group: string, dimName: string, size: number, notes: string[]): AxisCalibration {
  const p = `${group}/${dimName}`;
  if (objectType(h, p) !== 'dataset') {
    notes.push(`${dimName} is missing from ${group}: axis uncalibrated.`);
    return plainAxis(dimName, size);
  }
  const nameAttr = readAttribute(h, p, 'name');
  const name = typeof nameAttr === 'string' && nameAttr.length > 0 ? nameAttr : dimName;
  const meta = datasetMetadata(h, p);
  const length = (meta.shape ?? []).reduce((a, b) => a * b, 1);
  if (typeof numericType(h, meta) === 'string' || (meta.shape ?? []).length === 0 || length < 2 || length > 1_000_000) {
    if (size > 1) notes.push(`${dimName} (${name}) holds no coordinate vector: axis uncalibrated.`);
    return plainAxis(name, size);
  }
  const values = readNumbers(h, p);
  const offset = values[0]!;
  const scale = length === size ? (values[length - 1]! - offset) / (size - 1) : values[1]! - offset;
  if (length !== size && length !== 2) notes.push(`${dimName} (${name}) has ${length} values for an axis of ${size}: step taken from the first two.`);
  if (length === size && size > 2) {
    const worst = values.reduce((m, v, i) => Math.max(m, Math.abs(v - (offset + i * scale))), 0);
    if (worst > 1e-6 * Math.abs(scale) * size) notes.push(`${dimName} (${name}) is not uniformly spaced: reported with its mean step.`);
  }
  const units = emdUnits(readAttribute(h, p, 'units'));
  if (units === null) {
    if (size > 1) notes.push(`${dimName} (${name}) has no physical units (pixels or none): axis uncalibrated.`);
    return plainAxis(name, size);
  }
  return { name, size, scale, offset, units };
}

/** '300 kV', '300kV', '300000 V' → keV; null without a unit (never guessed). */
function energyKeV(value: AttrValue): number | null {
  if (typeof value !== 'string') return null;
  const m = /^\s*([-+\d.eE]+)\s*(MV|kV|V|MeV|keV|eV)\s*$/.exec(value);
  if (!m) return null;
  const factor: Record<string, number> = { MV: 1000, kV: 1, V: 1e-3, MeV: 1000, keV: 1, eV: 1e-3 };
  return finitePositive(Number(m[1]) * factor[m[2]!]!);
}

function lengthMm(value: AttrValue): number | null {
  if (typeof value !== 'string') return null;
  const m = /^\s*([-+\d.eE]+)\s*(mm|cm|m)\s*$/.exec(value);
  if (!m) return null;
  const factor: Record<string, number> = { mm: 1, cm: 10, m: 1000 };
  return finitePositive(Number(m[1]) * factor[m[2]!]!);
}

/** emdfile Metadata groups (…/metadatabundle/<name>/<key> scalar datasets) of a group and its ancestors. */
function emdfileMetadata(h: Hdf5File, group: string, metadata: Metadata): void {
  const parts = group.split('/').filter((s) => s.length > 0);
  for (let depth = parts.length; depth >= 0; depth--) {
    const bundle = normalisePath(`/${parts.slice(0, depth).join('/')}/metadatabundle`);
    if (objectType(h, bundle) !== 'group') continue;
    for (const mdName of childNames(h, bundle)) {
      const mdGroup = `${bundle}/${mdName}`;
      if (objectType(h, mdGroup) !== 'group') continue;
      for (const key of childNames(h, mdGroup)) {
        const p = `${mdGroup}/${key}`;
        if (objectType(h, p) !== 'dataset') continue;
        const meta = datasetMetadata(h, p);
        const n = (meta.shape ?? []).reduce((a, b) => a * b, 1);
        if (n > 16) continue;
        const type = numericType(h, meta);
        try {
          const value = typeof type === 'string' ? readStrings(h, p) : Array.from(readNumbers(h, p));
          put(metadata, `${mdName}.${key}`, value.length === 1 ? value[0]! : (value as number[] | string[]));
        } catch {
          // unreadable entries are left out
        }
      }
    }
  }
}

/** py4DSTEM's Calibration (pixel sizes, units, mean origin) as stored by emdfile; null where absent or not a number / string. */
interface Py4dstemCalibration {
  path: string;
  qPixelSize: number | null;
  qPixelUnits: string | null;
  rPixelSize: number | null;
  rPixelUnits: string | null;
  qx0Mean: number | null;
  qy0Mean: number | null;
}

/**
 * py4DSTEM (≥ 0.13) keeps its calibration as an emdfile Metadata group, python_class 'Calibration' (named
 * 'calibration'), in the metadatabundle of the data tree's root — the array's nearest ancestor that has one. Each
 * entry is a dataset: a scalar number (attribute type 'number'), a byte string ('string'), or "_None" ('None').
 */
function py4dstemCalibration(h: Hdf5File, group: string): Py4dstemCalibration | null {
  const parts = group.split('/').filter((s) => s.length > 0);
  for (let depth = parts.length; depth >= 0; depth--) {
    const bundle = normalisePath(`/${parts.slice(0, depth).join('/')}/metadatabundle`);
    if (objectType(h, bundle) !== 'group') continue;
    const name = childNames(h, bundle).find((n) => {
      const p = `${bundle}/${n}`;
      return objectType(h, p) === 'group' && (readAttribute(h, p, 'python_class') === 'Calibration' || n === 'calibration');
    });
    if (name === undefined) continue;
    const p = `${bundle}/${name}`;
    const scalar = (key: string): number | null => {
      const d = `${p}/${key}`;
      if (objectType(h, d) !== 'dataset') return null;
      const meta = datasetMetadata(h, d);
      if (typeof numericType(h, meta) === 'string' || (meta.shape ?? []).reduce((a, b) => a * b, 1) !== 1) return null;
      const value = readNumbers(h, d)[0]!;
      return Number.isFinite(value) ? value : null;
    };
    const textValue = (key: string): string | null => {
      const d = `${p}/${key}`;
      if (objectType(h, d) !== 'dataset' || readAttribute(h, d, 'type') === 'None') return null;
      const value = readStrings(h, d)[0];
      return value !== undefined && value.trim().length > 0 ? value.trim() : null;
    };
    return {
      path: p,
      qPixelSize: scalar('Q_pixel_size'),
      qPixelUnits: textValue('Q_pixel_units'),
      rPixelSize: scalar('R_pixel_size'),
      rPixelUnits: textValue('R_pixel_units'),
      qx0Mean: scalar('qx0_mean'),
      qy0Mean: scalar('qy0_mean'),
    };
  }
  return null;
}

/**
 * A py4DSTEM datacube's axes from its Calibration, which py4DSTEM itself reads them from (on loading it recomputes
 * the dim vectors from it, so the dims may be stale): Qx, Qy (frame rows, columns) get Q_pixel_size in Q_pixel_units
 * ('A^-1' or 'mrad'; 'pixels' means uncalibrated) with the origin (qx0_mean, qy0_mean, in pixels) at 0; Rx, Ry (the
 * scan) get R_pixel_size in R_pixel_units.
 */
function applyPy4dstemCalibration(h: Hdf5File, array: EmdArray, calibrations: AxisCalibration[], notes: string[]): void {
  const pythonClass = readAttribute(h, array.group, 'python_class');
  const rank = array.data.shape.length;
  if (array.reversedBecause !== null || !(pythonClass === 'DataCube' || (pythonClass === null && rank === 4))) return;
  const calibration = py4dstemCalibration(h, array.group);
  if (calibration === null) return;
  const { layout } = array;
  const describe = (a: AxisCalibration): string => (a.scale === null ? 'uncalibrated' : `${a.scale} ${a.units ?? ''}`.trim());
  const qUnits = emdUnits(calibration.qPixelUnits);
  const q = finitePositive(calibration.qPixelSize);
  if (qUnits !== null && q !== null) {
    const origins = [calibration.qx0Mean, calibration.qy0Mean];
    [layout.rowAxis, layout.colAxis].forEach((axis, k) => {
      const before = calibrations[axis]!;
      const origin = origins[k] ?? null;
      const after: AxisCalibration = { name: before.name, size: before.size, scale: q, offset: origin === null ? 0 : -origin * q, units: qUnits };
      if (before.scale !== null && (Math.abs(before.scale - q) > 1e-9 * q || before.units !== qUnits)) {
        notes.push(`${before.name}: the dim vector says ${describe(before)}, py4DSTEM's calibration ${q} ${qUnits}; the calibration is used, as py4DSTEM does.`);
      }
      calibrations[axis] = after;
    });
    notes.push(`Diffraction axes from py4DSTEM's calibration (${calibration.path}): ${q} ${qUnits} per pixel${origins.every((o) => o !== null) ? `, origin at (${origins.join(', ')}) px` : ''}.`);
  } else if (calibration.qPixelUnits !== null) {
    notes.push(`py4DSTEM's calibration (${calibration.path}) gives the diffraction pixel size in ${calibration.qPixelUnits}: the frame is uncalibrated.`);
  }
  const rUnits = emdUnits(calibration.rPixelUnits);
  const r = finitePositive(calibration.rPixelSize);
  if (rUnits !== null && r !== null) {
    for (const axis of layout.scanAxes) {
      const before = calibrations[axis]!;
      calibrations[axis] = { name: before.name, size: before.size, scale: r, offset: 0, units: rUnits };
    }
  }
}

function emdSource(h: Hdf5File, array: EmdArray, options: OpenOptions, notes: string[]): FrameSource {
  const { shape } = array.data;
  const rank = shape.length;
  const calibrations = shape.map((size, axis) => emdAxis(h, array.group, `dim${axis + array.firstDim}`, size, notes));
  applyPy4dstemCalibration(h, array, calibrations, notes);
  if (array.reversedBecause) notes.push(`Axes read in reverse storage order: ${array.reversedBecause}.`);
  const { layout } = array;
  const frameCount = layout.scanAxes.reduce((p, a) => p * shape[a]!, 1);
  const scan = applyScanShape(
    h.file,
    layout.scanAxes.map((a) => shape[a]!),
    layout.scanAxes.map((a) => calibrations[a]!),
    frameCount,
    options,
    notes,
  );

  const metadata: Metadata = { 'EMD.group': array.group, 'EMD.dataset': array.data.path };
  const root = readAttributes(h, '/');
  if (root.version_major !== undefined) put(metadata, 'EMD.version', `${root.version_major}.${root.version_minor ?? 0}`);
  putAll(metadata, '@', root);
  putAll(metadata, 'group@', readAttributes(h, array.group));
  let beamEnergyKeV: number | null = null;
  let cameraLengthMm: number | null = null;
  // EMD 0.2's recommended metadata groups (ncempy, HyperSpy).
  for (const name of ['microscope', 'sample', 'user', 'comments']) {
    if (objectType(h, `/${name}`) !== 'group') continue;
    const attrs = readAttributes(h, `/${name}`);
    putAll(metadata, `${name}.`, attrs);
    if (name !== 'microscope') continue;
    for (const [key, value] of Object.entries(attrs)) {
      const k = key.toLowerCase();
      if (/^(voltage|high_tension|accelerating_voltage|acceleration_voltage|beam_energy|energy|e0)$/.test(k)) {
        beamEnergyKeV ??= energyKeV(value);
        if (energyKeV(value) === null && value !== '') notes.push(`microscope.${key} = ${String(value)} has no unit: beam energy not set.`);
      }
      if (/^camera_?length$/.test(k)) cameraLengthMm ??= lengthMm(value);
    }
  }
  // Prismatic simulation parameters: E is the beam energy in keV (Prismatic's -E option).
  const prismaticParameters = '/4DSTEM_simulation/metadata/metadata_0/original/simulation_parameters';
  if (objectType(h, prismaticParameters) === 'group') {
    const parameters = readAttributes(h, prismaticParameters);
    putAll(metadata, 'simulation_parameters.', parameters);
    if (typeof parameters.E === 'number') beamEnergyKeV ??= finitePositive(parameters.E);
  }
  emdfileMetadata(h, array.group, metadata);

  const info: MicroscopyInfo = {
    file: h.file,
    format: 'emd-1.0',
    dtype: array.data.type.dtype,
    frameShape: [shape[layout.rowAxis]!, shape[layout.colAxis]!],
    frameCount,
    scanShape: scan.scanShape,
    scanAxes: scan.scanAxes,
    detectorAxes: [calibrations[layout.rowAxis]!, calibrations[layout.colAxis]!],
    beamEnergyKeV,
    cameraLengthMm,
    metadata,
    notes,
  };
  if (rank > 4) notes.push(`${rank}-dimensional data: the ${rank - 2} leading axes are all read as the scan.`);
  return createHdf5FrameSource(h, array.data, layout, info);
}

function emdEntry(array: EmdArray): Hdf5DatasetEntry {
  return { path: array.data.path, shape: array.data.shape, dtype: array.data.type.dtype };
}

// ---------------------------------------------------------------------------------------------------------------
// Choosing and opening

function matches(datasetPath: string, group: string, data: string): boolean {
  const p = normalisePath(datasetPath);
  return p === normalisePath(group) || p === normalisePath(data);
}

/**
 * The array to read: the one datasetPath names; else the only one; else the only one of the highest rank (a py4DSTEM
 * file's datacube beside its 2D virtual images), said in a note; else an error listing them.
 */
function chooseEmdArray(h: Hdf5File, arrays: EmdArray[], notes: string[]): EmdArray {
  if (arrays.length === 1) return arrays[0]!;
  const top = Math.max(...arrays.map((a) => a.data.shape.length));
  const highest = arrays.filter((a) => a.data.shape.length === top);
  if (highest.length === 1) {
    const others = arrays.filter((a) => a !== highest[0]).map((a) => `${a.data.path} (${a.data.shape.join('×')})`);
    notes.push(`Read the only ${top}-dimensional EMD array, ${highest[0]!.data.path}; also in the file: ${others.join(', ')}.`);
    return highest[0]!;
  }
  throw new Hdf5DatasetChoiceError(h.file, highest.map(emdEntry), 'EMD arrays');
}

type Mode = 'emd' | 'auto';

function openOpened(h: Hdf5File, options: OpenOptions, mode: Mode): FrameSource {
  const notes: string[] = [];
  const wanted = options.datasetPath;
  const version = veloxVersion(h);
  if (version) {
    const images = veloxImages(h);
    const chosen = wanted ? images.find((i) => matches(wanted, i.group, i.data.path)) : images.length === 1 ? images[0] : undefined;
    if (chosen) return veloxSource(h, chosen, version, options, notes);
    if (!wanted && images.length > 1) throw new Hdf5DatasetChoiceError(h.file, images.map((i) => veloxEntry(h, i)), 'Velox images');
    // Without a path, a Velox file's other datasets (metadata bytes, spectrum streams) are never frames.
    if (!wanted) throw new MicroscopyFileError(h.file, 'this Velox file holds no numeric image (spectra only, or complex FFT / DPC images)');
    if (mode === 'emd') {
      const listed = images.map((i) => veloxEntry(h, i)).map((e) => `${e.path} (${e.shape.join('×')} ${e.dtype})`);
      throw new MicroscopyFileError(h.file, `${normalisePath(wanted)} is not a Velox image; images: ${listed.join(', ') || 'none'}`);
    }
  } else {
    const arrays = emdArrays(h);
    if (arrays.length > 0) {
      const chosen = wanted ? arrays.find((a) => matches(wanted, a.group, a.data.path)) : chooseEmdArray(h, arrays, notes);
      if (chosen) return emdSource(h, chosen, options, notes);
      if (mode === 'emd') {
        throw new MicroscopyFileError(h.file, `${normalisePath(wanted!)} is not an EMD array; arrays: ${arrays.map((a) => a.data.path).join(', ')}`);
      }
    } else if (mode === 'emd') {
      throw new MicroscopyFileError(h.file, 'not an EMD file: no Velox Version record and no EMD data group (emd_group_type 1 or "array")');
    }
  }
  // A plain dataset: a path outside the EMD structure, or an HDF5 file without one.
  if (wanted) return plainDatasetSource(h, numericDataset(h, wanted), options, [`${normalisePath(wanted)} read as a plain HDF5 dataset.`]);
  return plainDatasetSource(h, chooseDataset(h, undefined), options);
}

async function openWith(file: string, options: OpenOptions, mode: Mode): Promise<FrameSource> {
  const h = await openHdf5File(file);
  try {
    return openOpened(h, options, mode);
  } catch (error) {
    h.close();
    throw error;
  }
}

/** Opens a Velox or Berkeley EMD file (options.datasetPath: an image / array group or its dataset). */
export function openEmd(file: string, options: OpenOptions = {}): Promise<FrameSource> {
  return openWith(file, options, 'emd');
}

/**
 * Opens any HDF5 file: Velox, then Berkeley EMD (whatever the extension: py4DSTEM writes .h5), then a plain dataset
 * (options.datasetPath, or the only numeric dataset of ≥ 2 dimensions). The entry point for HDF5-signature files.
 */
export function openHdf5Auto(file: string, options: OpenOptions = {}): Promise<FrameSource> {
  return openWith(file, options, 'auto');
}

/** Which reader a file needs, without reading any frame. */
export async function detectHdf5Format(file: string): Promise<'emd-velox' | 'emd-1.0' | 'hdf5'> {
  const h = await openHdf5File(file);
  try {
    if (veloxVersion(h)) return 'emd-velox';
    return emdArrays(h).length > 0 ? 'emd-1.0' : 'hdf5';
  } finally {
    h.close();
  }
}
