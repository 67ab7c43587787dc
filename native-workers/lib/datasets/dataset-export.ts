/**
 * Export of a complete dataset folder (pattern-store.ts) to the layout of the authors' public dataset, for training
 * outside the app:
 *   diffraction_patterns.npy   (N, S, S) float32: model inputs (the store's raw I(K) passed through `transform`,
 *                              e.g. MODEL_INPUT_TRANSFORM = log(max(I, 1)) then min–max to [0, 1])
 *   targets.npy                (N,) float32: mean d of each probe — d itself, the paper's label
 *   targets_one_minus_d.npy    (N,) float32: 1 − mean d, the target the authors' training code regresses
 *                              (DESIGN.md "Training"); use this one with their code, targets.npy with ours
 *   metadata.csv               one row per pattern: index, structure, scan, centre, zone, probe geometry, atoms,
 *                              d, region and region fractions
 *   split.csv                  index,split with split = train | validation | excluded: the split given (split-plan.ts:
 *                              blocked slabs, leave-structure-out), else the seeded random 80/20 split (random-split.ts)
 *   export.json                provenance: source manifest, transform, the split record (kind, axis, counts per
 *                              structure and region), target convention
 * Everything is written into a temporary sibling folder and renamed into place at the end, so `outDir` is either
 * absent or complete. Patterns are copied one record at a time; the stack is never in memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProbeShape, ZoneAxis } from '../../../main/shared/diffraction';
import { REGION_KINDS } from '../analysis/regions';
import { npyHeader } from '../npy';
import { fsyncDirectory } from './atomic-files';
import { bytesOf } from './npy-records';
import { META_COLUMNS, PatternReader, type DatasetManifest } from './pattern-store';
import { randomSplitPlan, type SplitPlan } from './blocked-split';
import { splitSummaryLine } from '../../../main/shared/splits';

export const EXPORT_FILES = {
  patterns: 'diffraction_patterns.npy',
  targets: 'targets.npy',
  targetsOneMinusD: 'targets_one_minus_d.npy',
  metadata: 'metadata.csv',
  split: 'split.csv',
  provenance: 'export.json',
} as const;

export const METADATA_CSV_COLUMNS = [
  'index',
  'structure_id',
  'structure',
  'scan',
  'scan_position',
  'centre_x_A',
  'centre_y_A',
  'centre_z_A',
  'zone',
  'probe_kind',
  'probe_radius_A',
  'probe_height_A',
  'probe_semi_u_A',
  'probe_semi_v_A',
  'probe_semi_w_A',
  'atoms',
  'd_mean',
  'region',
  ...REGION_KINDS.map((kind) => `frac_${kind}`),
] as const;

/** How raw patterns become model inputs; `name` is recorded (e.g. MODEL_INPUT_TRANSFORM). */
export interface PatternTransform {
  name: string;
  /** The full record (transform with its constants and grid), so a model can check it reads these inputs. */
  record?: Record<string, unknown>;
  /** Returns side² values for one pattern; may reuse its input. Must be deterministic. */
  apply: (raw: Float32Array) => Float32Array;
}

export interface ExportOptions {
  /** Required when the store holds raw intensities; refused when it already holds model inputs. */
  transform?: PatternTransform;
  /** The split to write (split-plan.ts); without it, the seeded random split with `seed` and `validationFraction`. */
  split?: SplitPlan;
  /** Split seed (default 42) and validation fraction (default 0.2) of the random split. */
  seed?: number;
  validationFraction?: number;
  /** Replace an existing `outDir` (default: refuse). */
  overwrite?: boolean;
  /** Called after each pattern with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportResult {
  outDir: string;
  sampleCount: number;
  side: number;
  trainCount: number;
  validationCount: number;
  excludedCount: number;
  /** "blocked along y, guard 0 Å: … train / … validation / … excluded". */
  splitSummary: string;
  files: string[];
}

/** split.csv's words for the split codes 0, 1 and −1. */
export const SPLIT_CSV_NAMES = { 0: 'train', 1: 'validation', [-1]: 'excluded' } as const;

/** Buffered sequential writes to one file (a few MB at a time, so a large export is a handful of syscalls). */
class SequentialWriter {
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(4 << 20);
  private used = 0;
  private open = true;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(bytes: Uint8Array): void {
    if (bytes.length > this.buffer.length - this.used) this.drain();
    if (bytes.length > this.buffer.length) {
      this.writeAll(bytes);
      return;
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  text(value: string): void {
    this.write(Buffer.from(value, 'utf8'));
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
  }

  private drain(): void {
    if (this.used === 0) return;
    this.writeAll(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** Writes what is buffered, fsyncs and closes. */
  close(): void {
    try {
      this.drain();
      fs.fsyncSync(this.fd);
    } finally {
      this.open = false;
      fs.closeSync(this.fd);
    }
  }

  /** Closes without caring about the content (error path). */
  abandon(): void {
    if (!this.open) return;
    this.open = false;
    fs.closeSync(this.fd);
  }
}

/** A CSV field: bare when safe, else quoted with doubled quotes. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function zoneText(zone: ZoneAxis): string {
  return typeof zone === 'string' ? zone : zone.join(' ');
}

/** Probe geometry as CSV cells: kind, radius, height, semi-axes u, v, w (empty where not applicable). */
function probeCells(probe: ProbeShape): (string | number | null)[] {
  if (probe.kind === 'cylinder') return ['cylinder', probe.radiusA, probe.heightA, null, null, null];
  if (probe.kind === 'ellipsoid') return ['ellipsoid', null, null, ...probe.semiAxesA];
  return ['cluster', null, null, null, null, null];
}

function float32Npy(writer: SequentialWriter, values: Float32Array): void {
  writer.write(npyHeader('<f4', [values.length]));
  writer.write(bytesOf(values));
}

/** The seeded random split of every pattern, with its record. */
function randomSplitFor(manifest: DatasetManifest, meta: Float64Array, seed: number, validationFraction: number): SplitPlan {
  const n = manifest.sampleCount;
  const C = META_COLUMNS.length;
  const cs = META_COLUMNS.indexOf('structure');
  const cr = META_COLUMNS.indexOf('region');
  const samples = {
    count: n,
    structure: Int32Array.from({ length: n }, (_, i) => meta[i * C + cs] as number),
    centreA: new Float64Array(3 * n),
    region: Int32Array.from({ length: n }, (_, i) => {
      const r = meta[i * C + cr] as number;
      return Number.isFinite(r) ? r : -1;
    }),
  };
  return randomSplitPlan(samples, manifest.structures, seed, validationFraction);
}

/** Exports the complete dataset in `storeDir` to `outDir`; see the file comment for the files. */
export function exportDataset(storeDir: string, outDir: string, options: ExportOptions = {}): ExportResult {
  const reader = PatternReader.open(storeDir);
  const writers: SequentialWriter[] = [];
  const parent = path.dirname(path.resolve(outDir));
  const base = path.basename(path.resolve(outDir));
  const temp = path.join(parent, `.${base}.export-${process.pid}-${Date.now()}`);
  try {
    const manifest: DatasetManifest = reader.manifest;
    const n = manifest.sampleCount;
    const side = manifest.side;
    const done = reader.readDoneMap();
    const missing = done.indexOf(0);
    if (missing >= 0) throw new Error(`${storeDir}: the dataset is still building (pattern ${missing} is missing); resume the build before exporting`);
    if (manifest.patternKind === 'raw-intensity' && !options.transform) throw new Error('the dataset holds raw intensities: give the transform to model inputs');
    if (manifest.patternKind === 'model-input' && options.transform) throw new Error('the dataset already holds model inputs; exporting with a transform would apply it twice');
    if (fs.existsSync(outDir) && !options.overwrite) throw new Error(`${outDir} already exists`);
    fs.mkdirSync(parent, { recursive: true });
    fs.mkdirSync(temp);

    const labels = reader.readLabels();
    const meta = reader.readMeta();
    const split = options.split ?? randomSplitFor(manifest, meta, options.seed ?? 42, options.validationFraction ?? 0.2);
    if (split.split.length !== n) throw new Error(`the split has ${split.split.length} entries, but the dataset has ${n} patterns`);

    // Patterns, streamed record by record.
    const patterns = new SequentialWriter(path.join(temp, EXPORT_FILES.patterns));
    writers.push(patterns);
    patterns.write(npyHeader('<f4', [n, side, side]));
    const raw = new Float32Array(side * side);
    for (let i = 0; i < n; i++) {
      reader.readPattern(i, raw);
      let out: Float32Array = raw;
      if (options.transform) {
        out = options.transform.apply(raw);
        if (!(out instanceof Float32Array) || out.length !== side * side) throw new Error(`transform ${options.transform.name} must return ${side * side} float32 values`);
      }
      patterns.write(bytesOf(out));
      options.onProgress?.(i + 1, n);
    }
    patterns.close();

    // Targets: d, and 1 − d computed in float64 before rounding to float32.
    const targets = new SequentialWriter(path.join(temp, EXPORT_FILES.targets));
    writers.push(targets);
    float32Npy(targets, Float32Array.from(labels));
    targets.close();
    const oneMinus = new SequentialWriter(path.join(temp, EXPORT_FILES.targetsOneMinusD));
    writers.push(oneMinus);
    float32Npy(oneMinus, Float32Array.from(labels, (d) => 1 - d));
    oneMinus.close();

    // metadata.csv from meta.npy (column positions looked up by name).
    const col = (name: string): number => META_COLUMNS.indexOf(name);
    const at = (i: number, name: string): number => meta[i * META_COLUMNS.length + col(name)] as number;
    const csv = new SequentialWriter(path.join(temp, EXPORT_FILES.metadata));
    writers.push(csv);
    csv.text(`${METADATA_CSV_COLUMNS.join(',')}\n`);
    for (let i = 0; i < n; i++) {
      const structure = manifest.structures[at(i, 'structure')];
      const zone = manifest.zones[at(i, 'zone')];
      const probe = manifest.probes[at(i, 'probe')];
      if (!structure || zone === undefined || !probe) throw new Error(`${storeDir}: pattern ${i} refers to a structure, zone or probe the manifest lacks`);
      const region = at(i, 'region');
      const cells: (string | number | null)[] = [
        i,
        structure.id,
        structure.name,
        at(i, 'scan'),
        at(i, 'scan_position'),
        at(i, 'centre_x_A'),
        at(i, 'centre_y_A'),
        at(i, 'centre_z_A'),
        zoneText(zone),
        ...probeCells(probe),
        at(i, 'atoms'),
        labels[i] as number,
        region >= 0 ? (REGION_KINDS[region] ?? null) : null,
        ...REGION_KINDS.map((kind) => at(i, `frac_${kind}`)),
      ];
      csv.text(`${cells.map(csvField).join(',')}\n`);
    }
    csv.close();

    const splitCsv = new SequentialWriter(path.join(temp, EXPORT_FILES.split));
    writers.push(splitCsv);
    splitCsv.text('index,split\n');
    for (let i = 0; i < n; i++) {
      const code = split.split[i] as number;
      if (code !== 0 && code !== 1 && code !== -1) throw new Error(`split code ${code} of pattern ${i} is not 0, 1 or −1`);
      splitCsv.text(`${i},${SPLIT_CSV_NAMES[code]}\n`);
    }
    splitCsv.close();

    const provenance = {
      source: path.resolve(storeDir),
      exportedAt: new Date().toISOString(),
      sampleCount: n,
      side,
      patterns: { file: EXPORT_FILES.patterns, dtype: 'float32', storedKind: manifest.patternKind, transform: options.transform?.name ?? null, preprocessing: options.transform?.record ?? null },
      targets: {
        [EXPORT_FILES.targets]: 'mean d_i of the atoms in each probe (float32)',
        [EXPORT_FILES.targetsOneMinusD]: '1 − mean d_i (float32), the target of the authors\' training code',
      },
      split: {
        file: EXPORT_FILES.split,
        summary: splitSummaryLine(split.info),
        ...(split.info.kind === 'random' ? { prng: 'mulberry32 + Fisher–Yates' } : {}),
        seed: split.info.seed,
        validationFraction: split.info.validationFraction,
        trainCount: split.info.counts.train,
        validationCount: split.info.counts.validation,
        excludedCount: split.info.counts.excluded,
        record: split.info,
      },
      manifest,
    };
    const provenanceWriter = new SequentialWriter(path.join(temp, EXPORT_FILES.provenance));
    writers.push(provenanceWriter);
    provenanceWriter.text(`${JSON.stringify(provenance, null, 2)}\n`);
    provenanceWriter.close();
    fsyncDirectory(temp);

    // Into place: an existing export (overwrite) is moved aside first, since rename cannot replace a full folder.
    let old: string | null = null;
    if (fs.existsSync(outDir)) {
      old = path.join(parent, `.${base}.old-${process.pid}-${Date.now()}`);
      fs.renameSync(outDir, old);
    }
    fs.renameSync(temp, outDir);
    fsyncDirectory(parent);
    if (old) fs.rmSync(old, { recursive: true, force: true });
    return {
      outDir,
      sampleCount: n,
      side,
      trainCount: split.info.counts.train,
      validationCount: split.info.counts.validation,
      excludedCount: split.info.counts.excluded,
      splitSummary: splitSummaryLine(split.info),
      files: Object.values(EXPORT_FILES),
    };
  } catch (error) {
    for (const writer of writers) writer.abandon();
    fs.rmSync(temp, { recursive: true, force: true });
    throw error;
  } finally {
    reader.close();
  }
}
