/**
 * HyperSpy's own HDF5 files (.hspy; .hdf5 from HyperSpy < 1.2) as frames. Built on the h5wasm helpers of ./hdf5.
 *
 * Layout (HyperSpy's io_plugins/_hierarchical.py, file format versions 1.0 … 3.x): the root attributes
 * file_format = 'HyperSpy' and file_format_version (absent in 1.0 files, which are known by their /Experiments group).
 * Each signal is a group /Experiments/<title> holding
 * - data: the array in NumPy C order, navigation axes first (slowest first) then signal axes;
 * - axis-0 … axis-(N-1): one group per array axis, in array order, with attributes name, size, scale, offset, units
 *   and (format ≥ 2.0) navigate; HyperSpy ≥ 1.7 adds _type ('UniformDataAxis', or 'DataAxis' with the coordinate
 *   vector in the attribute axis for a non-uniform axis);
 * - metadata (format < 1.2: mapped_parameters): nested groups whose attributes are the values, e.g.
 *   Acquisition_instrument/TEM beam_energy (keV) and camera_length (mm), Signal record_by / signal_type, General
 *   title; HyperSpy writes None as the string '_None_'.
 *
 * Which axes are the signal, as hs.load decides: when every axis says navigate, the axes with navigate false; else
 * Signal.record_by ('image' → the last two axes, 'spectrum' → the last); else every axis is signal. A frame is the two
 * signal axes (first in array order = rows); the navigation axes, in array order, are the scan (slowest first) — so
 * frame index = row-major index over the navigation shape, and frame i is hs.load(file).inav[…] at that index.
 *
 * The same layout in a zarr store is HyperSpy's .zspy (./zspy): the rules here work on a HyperSpyTree, which both
 * containers provide.
 *
 * Calibration is reported as the file has it: signal axes → detectorAxes (1/nm, 1/Å, mrad … which the 'metadata'
 * calibration turns into Å⁻¹/px), navigation axes → scanAxes. An axis without units (HyperSpy's default scale 1 and
 * offset 0) is reported uncalibrated.
 */
import { MicroscopyFileError, type AxisCalibration, type FrameSource, type MicroscopyInfo, type OpenOptions, type StoredDtype } from '../frame-source';
import { openHdf5Auto } from './emd';
import {
  allPaths,
  applyScanShape,
  childNames,
  createHdf5FrameSource,
  datasetMetadata,
  Hdf5DatasetChoiceError,
  normalisePath,
  numericDataset,
  numericType,
  objectType,
  openHdf5File,
  plainDatasetSource,
  readAttributes,
  readNumbers,
  type AttrValue,
  type DatasetRef,
  type FrameLayout,
  type Hdf5DatasetEntry,
  type Hdf5File,
} from './hdf5';

type Metadata = Record<string, string | number | boolean | null>;

const METADATA_LIMIT = 400;

/** What the HyperSpy rules need from a container (HDF5 or zarr): groups, their attributes, the data arrays. */
export interface HyperSpyTree {
  /** Absolute path of the file or store. */
  readonly file: string;
  isGroup(p: string): boolean;
  /** Names of the direct children (groups and arrays) of a group. */
  children(p: string): string[];
  /** Every group below `p` (absolute paths), not `p` itself. */
  subgroups(p: string): string[];
  /** The attributes of a group ({} when it has none or is absent). */
  attributes(p: string): Record<string, AttrValue>;
  /** The array at `p`: its shape and element type (a StoredDtype, or a description of an unsupported type). */
  array(p: string): { shape: number[]; dtype: StoredDtype | string } | null;
  /** The values of a small numeric array (a non-uniform axis' coordinates), or null when absent or not readable. */
  numbers(p: string): number[] | null;
}

/** One HyperSpy signal: its group and data. */
export interface HspySignal {
  group: string;
  dataPath: string;
  shape: number[];
  dtype: StoredDtype | string;
}

interface HspyAxis {
  calibration: AxisCalibration;
  /** navigate as the file says it; null when the attribute is absent (format < 2.0). */
  navigate: boolean | null;
}

/** HyperSpy's text for "no value": None written as '_None_', traits' Undefined as '<undefined>'. */
function text(value: AttrValue | undefined): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim();
  return t.length === 0 || t === '_None_' || t === '<undefined>' || t === '<auto>' ? null : t;
}

function finite(value: AttrValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function finitePositive(value: AttrValue | undefined): number | null {
  const n = finite(value);
  return n !== null && n > 0 ? n : null;
}

/** h5py writes NumPy booleans as an HDF5 enum (FALSE = 0, TRUE = 1), which h5wasm hands back as the number. */
function flag(value: AttrValue | undefined): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  if (value === 'True' || value === 'False') return value === 'True';
  return null;
}

/** The root attribute file_format_version as [major, minor]; 1.0 when absent (HyperSpy's own rule). */
function formatVersion(tree: HyperSpyTree): [number, number] {
  const raw = tree.attributes('/').file_format_version;
  const textValue = typeof raw === 'number' ? raw.toFixed(2) : typeof raw === 'string' ? raw : '1.0';
  const m = /^\s*(\d+)(?:\.(\d+))?/.exec(textValue);
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : [1, 0];
}

function versionBelow(version: [number, number], major: number, minor: number): boolean {
  return version[0] < major || (version[0] === major && version[1] < minor);
}

/** The signals of a HyperSpy file: the groups under /Experiments that hold an array named data. */
export function hspySignals(tree: HyperSpyTree): HspySignal[] {
  if (!tree.isGroup('/Experiments')) return [];
  const out: HspySignal[] = [];
  for (const name of tree.children('/Experiments')) {
    const group = `/Experiments/${name}`;
    const dataPath = `${group}/data`;
    const array = tree.isGroup(group) ? tree.array(dataPath) : null;
    if (array) out.push({ group, dataPath, shape: array.shape, dtype: array.dtype });
  }
  return out;
}

/** One axis-i group as an axis calibration (units absent → uncalibrated, as HyperSpy's default scale 1 means). */
function readAxis(tree: HyperSpyTree, signal: HspySignal, index: number, notes: string[]): HspyAxis {
  const size = signal.shape[index]!;
  const p = `${signal.group}/axis-${index}`;
  if (!tree.isGroup(p)) {
    throw new MicroscopyFileError(tree.file, `${signal.group} has no axis-${index} group for its ${signal.shape.length}-dimensional data: not a valid HyperSpy signal`);
  }
  const attrs = tree.attributes(p);
  const name = text(attrs.name) ?? `axis ${index}`;
  const navigate = flag(attrs.navigate);
  const storedSize = finite(attrs.size);
  if (storedSize !== null && storedSize !== size) notes.push(`axis-${index} (${name}) says size ${storedSize}, the data has ${size}: the data's size is used.`);
  const units = text(attrs.units);
  let scale = finite(attrs.scale);
  let offset = finite(attrs.offset) ?? 0;
  // A non-uniform DataAxis keeps its coordinates in an array 'axis' inside the group (an attribute in some writers).
  const vector = Array.isArray(attrs.axis) ? attrs.axis : scale === null ? tree.numbers(`${p}/axis`) : null;
  if (scale === null && Array.isArray(vector) && vector.length >= 2 && vector.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    // A non-uniform DataAxis: reported with its mean step, as the frame is resampled on a uniform grid anyway.
    const values = vector as number[];
    offset = values[0]!;
    scale = (values[values.length - 1]! - offset) / (values.length - 1);
    notes.push(`axis-${index} (${name}) is a non-uniform axis: reported with its mean step ${scale}.`);
  }
  if (scale === null) {
    if (size > 1) notes.push(`axis-${index} (${name}) has no scale HyperSpy's reader would use (${text(attrs._type) ?? 'no _type'}): axis uncalibrated.`);
    return { calibration: { name, size, scale: null, offset: 0, units: null }, navigate };
  }
  if (units === null) {
    if (size > 1 && (scale !== 1 || offset !== 0)) notes.push(`axis-${index} (${name}) has scale ${scale} and offset ${offset} but no units: axis uncalibrated.`);
    return { calibration: { name, size, scale: null, offset: 0, units: null }, navigate };
  }
  return { calibration: { name, size, scale, offset, units }, navigate };
}

/** The signal axes, as hs.load decides them (see the module comment); indices in array order. */
function signalAxes(axes: HspyAxis[], recordBy: string | null): { indices: number[]; rule: string } {
  const rank = axes.length;
  if (axes.every((a) => a.navigate !== null)) {
    return { indices: axes.flatMap((a, i) => (a.navigate ? [] : [i])), rule: 'the axes with navigate = False' };
  }
  if (recordBy === 'image' && rank >= 2) return { indices: [rank - 2, rank - 1], rule: "Signal.record_by = 'image'" };
  if (recordBy === 'spectrum') return { indices: [rank - 1], rule: "Signal.record_by = 'spectrum'" };
  return { indices: axes.map((_, i) => i), rule: 'no navigate attributes and no record_by: every axis is signal' };
}

/** Attributes of `group` and every group below it, as 'Sub.Group.key' → value, up to the metadata limit. */
function flattenGroup(tree: HyperSpyTree, group: string, prefix: string, into: Metadata): void {
  if (!tree.isGroup(group)) return;
  const base = normalisePath(group);
  for (const g of [base, ...tree.subgroups(base)]) {
    const relative = g.slice(base.length).split('/').filter((s) => s.length > 0).join('.');
    for (const [key, value] of Object.entries(tree.attributes(g))) {
      if (Object.keys(into).length >= METADATA_LIMIT) return;
      const shown = Array.isArray(value) ? JSON.stringify(value.slice(0, 16)) : value === '_None_' ? null : value;
      into[`${prefix}${relative ? `${relative}.` : ''}${key}`] = shown;
    }
  }
}

/** A value from the metadata tree: the first of the candidate groups (relative to the metadata group) that has it. */
function metadataValue(tree: HyperSpyTree, metadataGroup: string, groups: string[], key: string): AttrValue {
  for (const g of groups) {
    const p = normalisePath(`${metadataGroup}/${g}`);
    if (!tree.isGroup(p)) continue;
    const value = tree.attributes(p)[key];
    if (value !== undefined && value !== null) return value;
  }
  return null;
}

/** What a HyperSpy signal reads as: the frame layout over its data and the info, less the container's dtype. */
export interface HspyDescription {
  layout: FrameLayout;
  info: Omit<MicroscopyInfo, 'dtype'>;
}

/**
 * Applies HyperSpy's rules to one signal: which axes are the frame and which the scan, their calibrations, beam
 * energy, camera length and metadata. Refuses a signal that has no two signal axes; the caller checks the data's
 * element type (after this, so that a spectrum is refused as one rather than as too few dimensions).
 */
export function describeHspySignal(tree: HyperSpyTree, signal: HspySignal, options: OpenOptions, notes: string[]): HspyDescription {
  const version = formatVersion(tree);
  const { shape } = signal;
  const rank = shape.length;
  const axes = shape.map((_, i) => readAxis(tree, signal, i, notes));
  // Format < 1.2 named the metadata tree mapped_parameters and kept TEM and record_by at its top level.
  const old = versionBelow(version, 1, 2);
  const metadataGroup = `${signal.group}/${old ? 'mapped_parameters' : 'metadata'}`;
  const recordBy = text(metadataValue(tree, metadataGroup, ['Signal', ''], 'record_by'));
  const { indices: signalIndices, rule } = signalAxes(axes, recordBy);
  const title = text(metadataValue(tree, metadataGroup, ['General', ''], 'title')) ?? signal.group.slice('/Experiments/'.length);

  let layout: FrameLayout;
  if (signalIndices.length === 2) {
    const navigation = axes.map((_, i) => i).filter((i) => !signalIndices.includes(i));
    layout = { scanAxes: navigation, rowAxis: signalIndices[0]!, colAxis: signalIndices[1]! };
  } else if (signalIndices.length > 2) {
    // A 3D/4D signal without navigation (old files, or a stack HyperSpy was never told about): read as a plain
    // HDF5 array is, the last two axes the frame and the others the scan.
    layout = { scanAxes: Array.from({ length: rank - 2 }, (_, i) => i), rowAxis: rank - 2, colAxis: rank - 1 };
    notes.push(`HyperSpy reads this as a ${signalIndices.length}-dimensional signal (${rule}); its last two axes are read as the frame and the others as the scan.`);
  } else {
    const kind = signalIndices.length === 1 ? 'a 1-dimensional signal (spectra)' : 'no signal axis';
    throw new MicroscopyFileError(
      tree.file,
      `the HyperSpy signal "${title}" (${signal.dataPath}, ${shape.join('×')}) has ${kind} (${rule}); diffraction frames need 2 signal axes — in HyperSpy, s.as_signal2D((x_axis, y_axis)).save(…) makes an image signal`,
    );
  }

  const frameCount = layout.scanAxes.reduce((p, a) => p * shape[a]!, 1);
  const scan = applyScanShape(
    tree.file,
    layout.scanAxes.map((a) => shape[a]!),
    layout.scanAxes.map((a) => axes[a]!.calibration),
    frameCount,
    options,
    notes,
  );
  const detectorAxes: [AxisCalibration, AxisCalibration] = [axes[layout.rowAxis]!.calibration, axes[layout.colAxis]!.calibration];
  if (detectorAxes.every((a) => a.scale === null)) notes.push('The signal axes carry no units: the frame is uncalibrated in the file.');

  // Beam energy (keV) and camera length (mm) where HyperSpy keeps them (format < 1.2: TEM at the top of the tree).
  const temGroups = ['Acquisition_instrument/TEM', 'TEM'];
  const beamEnergyKeV = finitePositive(metadataValue(tree, metadataGroup, temGroups, 'beam_energy'));
  const cameraLengthMm = finitePositive(metadataValue(tree, metadataGroup, temGroups, 'camera_length'));

  const metadata: Metadata = {
    'HyperSpy.file_format': text(tree.attributes('/').file_format) ?? 'HyperSpy',
    'HyperSpy.file_format_version': `${version[0]}.${version[1]}`,
    'HyperSpy.signal': signal.group,
    'HyperSpy.title': title,
    'HyperSpy.signal_axes': rule,
  };
  const signalType = text(metadataValue(tree, metadataGroup, ['Signal', ''], 'signal_type'));
  if (signalType !== null) metadata['HyperSpy.signal_type'] = signalType;
  const groupAttrs = tree.attributes(signal.group);
  const pkg = text(groupAttrs.package);
  if (pkg !== null) metadata['HyperSpy.package'] = `${pkg} ${text(groupAttrs.package_version) ?? ''}`.trim();
  flattenGroup(tree, metadataGroup, 'metadata.', metadata);
  flattenGroup(tree, `${signal.group}/${old ? 'original_parameters' : 'original_metadata'}`, 'original_metadata.', metadata);
  if (rank > 4) notes.push(`${rank}-dimensional data: the ${layout.scanAxes.length} navigation axes are all read as the scan.`);

  const info: Omit<MicroscopyInfo, 'dtype'> = {
    file: tree.file,
    format: 'hspy',
    frameShape: [shape[layout.rowAxis]!, shape[layout.colAxis]!],
    frameCount,
    scanShape: scan.scanShape,
    scanAxes: scan.scanAxes,
    detectorAxes,
    beamEnergyKeV,
    cameraLengthMm,
    metadata,
    notes,
  };
  return { layout, info };
}

export function hspyEntry(signal: HspySignal): Hdf5DatasetEntry {
  return { path: signal.dataPath, shape: signal.shape, dtype: signal.dtype, label: signal.group.slice('/Experiments/'.length) };
}

/**
 * The signal to read: the one datasetPath names (its group or its data); else the only one; else the only one of
 * the highest rank, said in a note; else an error listing them. Null when datasetPath names no signal.
 */
export function chooseHspySignal(tree: HyperSpyTree, datasetPath: string | undefined, notes: string[]): HspySignal | null {
  const signals = hspySignals(tree);
  if (signals.length === 0) throw new MicroscopyFileError(tree.file, 'a HyperSpy file without any signal (no /Experiments/<title>/data): models or analysis results only?');
  if (datasetPath !== undefined) {
    const p = normalisePath(datasetPath);
    return signals.find((s) => s.group === p || s.dataPath === p) ?? null;
  }
  if (signals.length === 1) return signals[0]!;
  const top = Math.max(...signals.map((s) => s.shape.length));
  const highest = signals.filter((s) => s.shape.length === top);
  if (highest.length === 1) {
    const others = signals.filter((s) => s !== highest[0]).map((s) => `${s.group} (${s.shape.join('×')})`);
    notes.push(`Read the only ${top}-dimensional HyperSpy signal, ${highest[0]!.group}; also in the file: ${others.join(', ')}.`);
    return highest[0]!;
  }
  throw new Hdf5DatasetChoiceError(tree.file, highest.map(hspyEntry), 'HyperSpy signals');
}

// ---------------------------------------------------------------------------------------------------------------
// HDF5 (.hspy)

function hdf5Tree(h: Hdf5File): HyperSpyTree {
  return {
    file: h.file,
    isGroup: (p) => objectType(h, p) === 'group',
    children: (p) => childNames(h, p),
    subgroups: (p) => allPaths(h, p).filter((q) => objectType(h, q) === 'group'),
    attributes: (p) => readAttributes(h, p),
    array: (p) => {
      if (objectType(h, p) !== 'dataset') return null;
      const meta = datasetMetadata(h, p);
      const type = numericType(h, meta);
      return { shape: meta.shape ?? [], dtype: typeof type === 'string' ? type : type.dtype };
    },
    numbers: (p) => {
      if (objectType(h, p) !== 'dataset') return null;
      const meta = datasetMetadata(h, p);
      const n = (meta.shape ?? []).reduce((a, b) => a * b, 1);
      if (typeof numericType(h, meta) === 'string' || n > 1_000_000) return null;
      try {
        return Array.from(readNumbers(h, p));
      } catch {
        return null;
      }
    },
  };
}

/**
 * A HyperSpy HDF5 file: the root says file_format = 'HyperSpy', or (format 1.0, which wrote no root attributes) an
 * /Experiments group holds a signal group with data and axis-0.
 */
export function isHyperSpyFile(h: Hdf5File): boolean {
  const tree = hdf5Tree(h);
  const format = text(tree.attributes('/').file_format);
  if (format !== null) return format.toLowerCase() === 'hyperspy';
  return hspySignals(tree).some((s) => tree.isGroup(`${s.group}/axis-0`));
}

function openOpened(h: Hdf5File, options: OpenOptions): FrameSource {
  const notes: string[] = [];
  const tree = hdf5Tree(h);
  const chosen = chooseHspySignal(tree, options.datasetPath, notes);
  if (!chosen) {
    // A path outside the signals: read as a plain dataset, as for any HDF5 file.
    const wanted = options.datasetPath!;
    return plainDatasetSource(h, numericDataset(h, wanted), options, [`${normalisePath(wanted)} is not a HyperSpy signal: read as a plain HDF5 dataset.`]);
  }
  const described = describeHspySignal(tree, chosen, options, notes);
  const ref: DatasetRef = numericDataset(h, chosen.dataPath);
  return createHdf5FrameSource(h, ref, described.layout, { ...described.info, dtype: ref.type.dtype });
}

/** Opens a HyperSpy .hspy file (options.datasetPath: a signal group /Experiments/<title> or its data). */
export async function openHspy(file: string, options: OpenOptions = {}): Promise<FrameSource> {
  const h = await openHdf5File(file);
  try {
    if (!isHyperSpyFile(h)) throw new MicroscopyFileError(h.file, 'not a HyperSpy file: no file_format = "HyperSpy" root attribute and no /Experiments signal');
    return openOpened(h, options);
  } catch (error) {
    h.close();
    throw error;
  }
}

/**
 * Opens any HDF5-signature file: a HyperSpy file (recognised by its content, whatever the extension: HyperSpy < 1.2
 * wrote .hdf5) with this reader, anything else with the EMD / plain HDF5 reader.
 */
export async function openHdf5Any(file: string, options: OpenOptions = {}): Promise<FrameSource> {
  const h = await openHdf5File(file);
  try {
    if (isHyperSpyFile(h)) return openOpened(h, options);
  } catch (error) {
    h.close();
    throw error;
  }
  h.close();
  return openHdf5Auto(file, options);
}
