/**
 * The dataset folder a `diffract` job fills: patterns, labels and per-pattern metadata written record by record at
 * fixed positions, so a build interrupted at any moment (kill, crash, power loss) resumes where it stopped and ends
 * bit for bit equal to an uninterrupted build.
 *
 * Folder layout (N = sampleCount, S = side; every .npy is little-endian, C order, opens in NumPy):
 *   dataset.json   the manifest (spec + format, meta column names, createdAt); written last at creation, atomically
 *   patterns.npy   (N, S, S) float32: record i = pattern i, row = j (along v), column = i (along u)
 *   labels.npy     (N,) float64: mean d of the probe's atoms
 *   meta.npy       (N, C) float64: one row per pattern, columns META_COLUMNS (indices into the manifest's lists)
 *   done.npy       (N,) uint8: 1 = record i is complete and durable
 * Every file is created at its final size (sparse zeros) before dataset.json exists; a folder without dataset.json
 * is an unfinished creation and is simply created again.
 *
 * Durability rule: records are written with positioned writes and marked done in memory; every `flushEvery`
 * records (and on flush/close) the data files are fsynced *before* the done marks are written and fsynced. So
 * done.npy never claims a record whose bytes might be missing, and a record written after the last flush is
 * simply written again on resume (patterns are deterministic, so the bytes are the same).
 * One writer per folder at a time (the job manager runs one job per dataset).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { patternSide, type PatternGridParams, type ProbeShape, type ZoneAxis } from '../../../main/shared/diffraction';
import { REGION_KINDS } from '../analysis/regions';
import { canonicalJson, fsyncDirectory, writeFileAtomic } from './atomic-files';
import { bytesOf, createNpyFile, NpyRecords } from './npy-records';
import type { ProbeLabels } from './probe-labels';
import type { ScanDescriptor } from './scan-positions';

export const DATASET_MANIFEST = 'dataset.json';
export const PATTERNS_FILE = 'patterns.npy';
export const LABELS_FILE = 'labels.npy';
export const META_FILE = 'meta.npy';
export const DONE_FILE = 'done.npy';
export const PATTERN_STORE_FORMAT = 'ssro-pattern-store';
export const PATTERN_STORE_VERSION = 1;

/**
 * Columns of meta.npy. structure/scan/zone/probe index the manifest's lists; scan_position is the row-major index
 * within that scan; region is the majority region code (−1 when unknown); frac_* are the region fractions (NaN when
 * unknown).
 */
export const META_COLUMNS: readonly string[] = [
  'structure',
  'scan',
  'scan_position',
  'centre_x_A',
  'centre_y_A',
  'centre_z_A',
  'zone',
  'probe',
  'atoms',
  'd_mean',
  'region',
  ...REGION_KINDS.map((kind) => `frac_${kind}`),
];
const C = META_COLUMNS.length;

export type PatternKind = 'raw-intensity' | 'model-input';

/** What a dataset is; equal specs (as canonical JSON) are required to resume a folder. */
export interface PatternStoreSpec {
  sampleCount: number;
  /** patternSide(grid). */
  side: number;
  grid: PatternGridParams;
  /** 'raw-intensity' = I(K) as computed; 'model-input' = already log-transformed and normalised. */
  patternKind: PatternKind;
  /** Source structures; meta column `structure` indexes this list. */
  structures: { id: number; name: string; labelSetId?: number }[];
  zones: ZoneAxis[];
  probes: ProbeShape[];
  /** Scan descriptors; meta column `scan` indexes this list (optional). */
  scans?: ScanDescriptor[];
  /** Anything else that defines the dataset (JSON), e.g. the job's parameters. */
  recipe?: unknown;
}

export interface DatasetManifest extends PatternStoreSpec {
  format: typeof PATTERN_STORE_FORMAT;
  version: number;
  metaColumns: string[];
  createdAt: string;
}

export interface PatternRecord {
  /** side² intensities, row-major (row = j along v). Stored as float32. */
  pattern: ArrayLike<number>;
  labels: Pick<ProbeLabels, 'meanD' | 'atomCount' | 'region' | 'regionFractions'>;
  /** Probe centre, Å. */
  centreA: ArrayLike<number>;
  /** Index into spec.structures. */
  structure: number;
  /** Index into spec.scans (default 0) and the position within that scan (default 0). */
  scan?: number;
  scanPosition?: number;
  /** Indices into spec.zones and spec.probes (default 0). */
  zone?: number;
  probe?: number;
}

export interface PatternStoreOptions {
  /** Make done marks durable every this many records (default 64). Smaller = less rework after a crash, more fsyncs. */
  flushEvery?: number;
}

function specOf(value: PatternStoreSpec): PatternStoreSpec {
  const spec: PatternStoreSpec = {
    sampleCount: value.sampleCount,
    side: value.side,
    grid: value.grid,
    patternKind: value.patternKind,
    structures: value.structures,
    zones: value.zones,
    probes: value.probes,
  };
  if (value.scans !== undefined) spec.scans = value.scans;
  if (value.recipe !== undefined) spec.recipe = value.recipe;
  return spec;
}

function validateSpec(spec: PatternStoreSpec): void {
  if (!Number.isInteger(spec.sampleCount) || spec.sampleCount < 1) throw new Error(`sampleCount must be a positive integer (got ${spec.sampleCount})`);
  if (spec.side !== patternSide(spec.grid)) throw new Error(`side ${spec.side} does not match the k-grid (kmax ${spec.grid.kmaxInvA}, Δk ${spec.grid.deltaKInvA} → ${patternSide(spec.grid)})`);
  if (spec.patternKind !== 'raw-intensity' && spec.patternKind !== 'model-input') throw new Error(`unknown patternKind ${String(spec.patternKind)}`);
  if (spec.structures.length === 0) throw new Error('a dataset needs at least one structure');
  if (spec.zones.length === 0) throw new Error('a dataset needs at least one zone axis');
  if (spec.probes.length === 0) throw new Error('a dataset needs at least one probe shape');
}

function shapes(spec: PatternStoreSpec): Record<string, { dtype: '<f4' | '<f8' | '<u1'; shape: number[] }> {
  const n = spec.sampleCount;
  return {
    [PATTERNS_FILE]: { dtype: '<f4', shape: [n, spec.side, spec.side] },
    [LABELS_FILE]: { dtype: '<f8', shape: [n] },
    [META_FILE]: { dtype: '<f8', shape: [n, C] },
    [DONE_FILE]: { dtype: '<u1', shape: [n] },
  };
}

/** Reads and checks a store's manifest. */
export function readDatasetManifest(dir: string): DatasetManifest {
  const file = path.join(dir, DATASET_MANIFEST);
  if (!fs.existsSync(file)) throw new Error(`${dir}: not a dataset folder (no ${DATASET_MANIFEST})`);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as DatasetManifest;
  if (manifest.format !== PATTERN_STORE_FORMAT) throw new Error(`${file}: not a pattern store manifest`);
  if (manifest.version !== PATTERN_STORE_VERSION) throw new Error(`${file}: format version ${manifest.version}, this app reads ${PATTERN_STORE_VERSION}`);
  if (canonicalJson(manifest.metaColumns) !== canonicalJson(META_COLUMNS)) throw new Error(`${file}: unexpected metadata columns`);
  return manifest;
}

/** Differences between two specs, by top-level key (for the "folder belongs to another dataset" message). */
function specDifferences(stored: PatternStoreSpec, wanted: PatternStoreSpec): string[] {
  const a = specOf(stored) as unknown as Record<string, unknown>;
  const b = specOf(wanted) as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]));
}

function checkDoneMap(done: Uint8Array, file: string): number {
  let count = 0;
  for (let i = 0; i < done.length; i++) {
    const v = done[i] as number;
    if (v > 1) throw new Error(`${file}: record ${i} has done mark ${v} (expected 0 or 1); the folder is damaged`);
    count += v;
  }
  return count;
}

/** A dataset folder open for writing: create it, or resume it when it already holds the same spec. */
export class PatternStore {
  private readonly done: Uint8Array;
  private doneTotal: number;
  private pendingFirst = Infinity;
  private pendingLast = -1;
  private sinceFlush = 0;
  private closed = false;
  private readonly patternScratch: Float32Array;
  private readonly metaRow = new Float64Array(C);
  private readonly labelValue = new Float64Array(1);
  private readonly flushEvery: number;

  private constructor(
    readonly dir: string,
    readonly manifest: DatasetManifest,
    /** True when the folder existed: records marked done there were kept. */
    readonly resumed: boolean,
    private readonly patterns: NpyRecords,
    private readonly labels: NpyRecords,
    private readonly meta: NpyRecords,
    private readonly doneFile: NpyRecords,
    options: PatternStoreOptions,
  ) {
    this.flushEvery = options.flushEvery ?? 64;
    if (!Number.isInteger(this.flushEvery) || this.flushEvery < 1) throw new Error(`flushEvery must be a positive integer (got ${this.flushEvery})`);
    this.done = doneFile.readRange(0, manifest.sampleCount);
    this.doneTotal = checkDoneMap(this.done, doneFile.file);
    this.patternScratch = new Float32Array(manifest.side * manifest.side);
  }

  /**
   * Opens `dir` for writing. A folder with a manifest is resumed when its spec equals `spec` (else refused, naming
   * the differing keys) and its files have the expected headers and sizes; otherwise the folder is created.
   */
  static open(dir: string, spec: PatternStoreSpec, options: PatternStoreOptions = {}): PatternStore {
    validateSpec(spec);
    const wanted = specOf(spec);
    fs.mkdirSync(dir, { recursive: true });
    const files = shapes(wanted);
    let manifest: DatasetManifest;
    let resumed = false;
    if (fs.existsSync(path.join(dir, DATASET_MANIFEST))) {
      manifest = readDatasetManifest(dir);
      const differences = specDifferences(manifest, wanted);
      if (differences.length > 0) throw new Error(`${dir} holds a different dataset (differs in: ${differences.join(', ')}); choose another folder or delete it`);
      resumed = true;
    } else {
      for (const [name, { dtype, shape }] of Object.entries(files)) createNpyFile(path.join(dir, name), dtype, shape);
      fsyncDirectory(dir);
      manifest = { format: PATTERN_STORE_FORMAT, version: PATTERN_STORE_VERSION, ...wanted, metaColumns: [...META_COLUMNS], createdAt: new Date().toISOString() };
      writeFileAtomic(path.join(dir, DATASET_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    }
    const opened: NpyRecords[] = [];
    try {
      for (const name of [PATTERNS_FILE, LABELS_FILE, META_FILE, DONE_FILE]) {
        const expect = files[name] as { dtype: '<f4' | '<f8' | '<u1'; shape: number[] };
        opened.push(NpyRecords.open(path.join(dir, name), 'write', expect));
      }
      const [patterns, labels, meta, doneFile] = opened as [NpyRecords, NpyRecords, NpyRecords, NpyRecords];
      return new PatternStore(dir, manifest, resumed, patterns, labels, meta, doneFile, options);
    } catch (error) {
      for (const file of opened) file.close();
      throw error;
    }
  }

  get sampleCount(): number {
    return this.manifest.sampleCount;
  }

  /** Records written (in this session, durable or not) or found done on disk. */
  get doneCount(): number {
    return this.doneTotal;
  }

  isDone(index: number): boolean {
    return this.done[index] === 1;
  }

  isComplete(): boolean {
    return this.doneTotal === this.manifest.sampleCount;
  }

  /** The first index not yet written (sampleCount when every record is done). */
  firstMissing(): number {
    const i = this.done.indexOf(0);
    return i < 0 ? this.manifest.sampleCount : i;
  }

  /** Indices still to write, ascending (computed as it goes, so writing while iterating is fine). */
  *missingIndices(): Generator<number> {
    for (let i = 0; i < this.done.length; i++) if (this.done[i] === 0) yield i;
  }

  /** Writes record `index` (rewriting a done record is allowed and harmless: the bytes are the same). */
  write(index: number, record: PatternRecord): void {
    if (this.closed) throw new Error(`${this.dir}: the pattern store is closed`);
    const m = this.manifest;
    if (!Number.isInteger(index) || index < 0 || index >= m.sampleCount) throw new Error(`record ${index} is outside 0 … ${m.sampleCount - 1}`);
    const side2 = m.side * m.side;
    if (record.pattern.length !== side2) throw new Error(`record ${index}: a pattern has ${side2} values (${m.side}²), got ${record.pattern.length}`);
    const scratch = this.patternScratch;
    for (let k = 0; k < side2; k++) {
      const v = record.pattern[k] as number;
      if (!Number.isFinite(v)) throw new Error(`record ${index}: pattern value ${k} is not finite (${v})`);
      scratch[k] = v;
    }
    const { labels } = record;
    if (!Number.isFinite(labels.meanD)) throw new Error(`record ${index}: mean d is not finite (${labels.meanD})`);
    if (record.centreA.length !== 3) throw new Error(`record ${index}: centreA needs x, y, z`);
    const index0 = (value: number | undefined, list: { length: number } | undefined, what: string): number => {
      const v = value ?? 0;
      if (!Number.isInteger(v) || v < 0 || (list !== undefined && v >= list.length)) throw new Error(`record ${index}: ${what} ${v} is outside the dataset's list`);
      return v;
    };
    const row = this.metaRow;
    row[0] = index0(record.structure, m.structures, 'structure');
    row[1] = index0(record.scan, m.scans, 'scan');
    const scan = m.scans?.[row[1]];
    row[2] = index0(record.scanPosition, scan ? { length: scan.count } : undefined, 'scan position');
    row[3] = record.centreA[0] as number;
    row[4] = record.centreA[1] as number;
    row[5] = record.centreA[2] as number;
    row[6] = index0(record.zone, m.zones, 'zone');
    row[7] = index0(record.probe, m.probes, 'probe');
    row[8] = labels.atomCount;
    row[9] = labels.meanD;
    row[10] = labels.region ?? -1;
    for (let r = 0; r < REGION_KINDS.length; r++) row[11 + r] = labels.region === null ? Number.NaN : (labels.regionFractions[r] ?? Number.NaN);
    this.labelValue[0] = labels.meanD;

    this.patterns.writeBytes(index, bytesOf(scratch));
    this.labels.writeBytes(index, bytesOf(this.labelValue));
    this.meta.writeBytes(index, bytesOf(row));
    if (this.done[index] === 0) {
      this.done[index] = 1;
      this.doneTotal++;
      this.pendingFirst = Math.min(this.pendingFirst, index);
      this.pendingLast = Math.max(this.pendingLast, index);
    }
    this.sinceFlush++;
    if (this.sinceFlush >= this.flushEvery) this.flush();
  }

  /** Makes every record written so far durable, then its done mark (in that order; see the file comment). */
  flush(): void {
    if (this.closed) return;
    this.sinceFlush = 0;
    if (this.pendingLast < 0) return;
    this.patterns.sync();
    this.labels.sync();
    this.meta.sync();
    const first = this.pendingFirst;
    this.doneFile.writeRange(first, this.done.subarray(first, this.pendingLast + 1));
    this.doneFile.sync();
    this.pendingFirst = Infinity;
    this.pendingLast = -1;
  }

  /** Flushes and closes the files. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      for (const file of [this.patterns, this.labels, this.meta, this.doneFile]) file.close();
    }
  }
}

/** Opens (creates or resumes) a pattern store; see PatternStore.open. */
export function openPatternStore(dir: string, spec: PatternStoreSpec, options: PatternStoreOptions = {}): PatternStore {
  return PatternStore.open(dir, spec, options);
}

/** Read-only access to a dataset folder: random access to one pattern, and the small side arrays. */
export class PatternReader {
  private constructor(
    readonly dir: string,
    readonly manifest: DatasetManifest,
    private readonly patterns: NpyRecords,
    private readonly files: { labels: NpyRecords; meta: NpyRecords; done: NpyRecords },
  ) {}

  static open(dir: string): PatternReader {
    const manifest = readDatasetManifest(dir);
    const files = shapes(manifest);
    const opened: NpyRecords[] = [];
    try {
      for (const name of [PATTERNS_FILE, LABELS_FILE, META_FILE, DONE_FILE]) {
        opened.push(NpyRecords.open(path.join(dir, name), 'read', files[name]));
      }
    } catch (error) {
      for (const file of opened) file.close();
      throw error;
    }
    const [patterns, labels, meta, done] = opened as [NpyRecords, NpyRecords, NpyRecords, NpyRecords];
    return new PatternReader(dir, manifest, patterns, { labels, meta, done });
  }

  get sampleCount(): number {
    return this.manifest.sampleCount;
  }

  get side(): number {
    return this.manifest.side;
  }

  /** Pattern `index` (side² float32, row-major), read with one positioned read; into `target` when given. */
  readPattern(index: number, target: Float32Array = new Float32Array(this.manifest.side * this.manifest.side)): Float32Array {
    this.patterns.readBytes(index, bytesOf(target));
    return target;
  }

  /** Mean d per pattern (N float64). */
  readLabels(): Float64Array {
    return new Float64Array(this.files.labels.readRange(0, this.manifest.sampleCount).buffer);
  }

  /** meta.npy as N × META_COLUMNS.length float64, row-major. */
  readMeta(): Float64Array {
    return new Float64Array(this.files.meta.readRange(0, this.manifest.sampleCount).buffer);
  }

  /** 1 where record i is done. */
  readDoneMap(): Uint8Array {
    return this.files.done.readRange(0, this.manifest.sampleCount);
  }

  close(): void {
    this.patterns.close();
    this.files.labels.close();
    this.files.meta.close();
    this.files.done.close();
  }
}

/** One pattern by index, without reading the rest of the file. */
export function readPattern(dir: string, index: number): Float32Array {
  const reader = PatternReader.open(dir);
  try {
    return reader.readPattern(index);
  } finally {
    reader.close();
  }
}

/** How far a dataset folder's build got (reads only the manifest and done.npy). */
export function datasetProgress(dir: string): { sampleCount: number; doneCount: number; complete: boolean; firstMissing: number } {
  const manifest = readDatasetManifest(dir);
  const done = NpyRecords.open(path.join(dir, DONE_FILE), 'read', shapes(manifest)[DONE_FILE]);
  try {
    const map = done.readRange(0, manifest.sampleCount);
    const doneCount = checkDoneMap(map, done.file);
    const missing = map.indexOf(0);
    return { sampleCount: manifest.sampleCount, doneCount, complete: doneCount === manifest.sampleCount, firstMissing: missing < 0 ? manifest.sampleCount : missing };
  } finally {
    done.close();
  }
}
