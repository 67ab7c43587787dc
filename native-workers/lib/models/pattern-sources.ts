/**
 * Patterns to predict on, read one at a time as model inputs: a project dataset folder (raw intensities), a .npy
 * stack of raw intensities ((N, S, S) or (S, S), float32 or float64, as `ssro diffract --raw` writes), or a dataset
 * export folder (diffraction_patterns.npy already holds model inputs; export.json says which transform made them).
 * Raw patterns get the model's own transform (model-input.ts), so simulated and experimental inputs are treated alike;
 * without a model's spec the v1 transform (log1-minmax) is used, which is what older exports hold.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PatternGridParams } from '../../../main/shared/diffraction';
import type { ModelPreprocessing } from '../../../main/shared/models';
import { EXPORT_FILES } from '../datasets/dataset-export';
import { bytesOf, NpyRecords } from '../datasets/npy-records';
import { PatternReader } from '../datasets/pattern-store';
import { MODEL_INPUT, modelInputFor } from '../diffraction/model-input';
import type { ModelInputSpec } from '../../../main/shared/model-transform';
import { readNpy } from '../npy';

export interface PatternSource {
  kind: 'dataset' | 'npy' | 'export';
  /** The file or folder, for messages and provenance. */
  location: string;
  count: number;
  side: number;
  /** What the stored values are: raw I(K) (the model's transform is applied) or model inputs already. */
  content: 'raw-intensity' | 'model-input';
  /** The k-grid the patterns were computed or recorded on; null when the file does not say (a bare .npy). */
  grid: PatternGridParams | null;
  /** Writes the model input of pattern `index` (side² float32 in [0, 1]) into `out`. */
  readModelInput(index: number, out: Float32Array): void;
  close(): void;
}

/** The v1 transform on a side × side grid (when no model's spec is given). */
function v1(side: number): ModelInputSpec {
  return { transform: 'log1-minmax', side, kmaxInvA: null, deltaKInvA: null };
}

/**
 * Whether a model reads every other k-node of raw patterns on `grid`: the model's grid has the same kmax and twice the
 * pixel size (the trainer's coarser input side, (S + 1)/2 nodes). Its nodes are then a subset of the pattern's, so
 * taking them is exact — the same nodes the model was trained on — and nothing is interpolated.
 */
function readsEveryOtherNode(side: number, grid: PatternGridParams | null, spec: ModelInputSpec | undefined): boolean {
  if (!spec || grid === null || spec.kmaxInvA === null || spec.deltaKInvA === null) return false;
  return spec.side === (side + 1) / 2 && close(spec.kmaxInvA, grid.kmaxInvA) && close(spec.deltaKInvA, 2 * grid.deltaKInvA);
}

/** Nodes 0, 2, 4, … of each row and column of a side × side pattern (side odd, so the centre node is kept). */
function everyOtherNode(raw: Float32Array, side: number, out: Float32Array): Float32Array {
  const coarse = (side + 1) / 2;
  for (let r = 0; r < coarse; r++) for (let c = 0; c < coarse; c++) out[r * coarse + c] = raw[2 * r * side + 2 * c] as number;
  return out;
}

/**
 * A project dataset folder (pattern-store.ts): raw intensities or model inputs, on the dataset's k-grid — or, for a
 * model trained on every other node of that grid, on the model's coarser grid.
 */
export function openDatasetSource(dir: string, spec?: ModelInputSpec): PatternSource {
  const reader = PatternReader.open(dir);
  const { manifest } = reader;
  const raw = new Float32Array(manifest.side * manifest.side);
  const content = manifest.patternKind;
  const coarse = content === 'raw-intensity' && readsEveryOtherNode(manifest.side, manifest.grid, spec);
  const side = coarse ? (manifest.side + 1) / 2 : manifest.side;
  const nodes = coarse ? new Float32Array(side * side) : raw;
  return {
    kind: 'dataset',
    location: dir,
    count: manifest.sampleCount,
    side,
    content,
    grid: coarse ? { kmaxInvA: manifest.grid.kmaxInvA, deltaKInvA: 2 * manifest.grid.deltaKInvA } : manifest.grid,
    readModelInput(index, out) {
      if (content === 'model-input') {
        reader.readPattern(index, out);
        return;
      }
      reader.readPattern(index, raw);
      if (coarse) everyOtherNode(raw, manifest.side, nodes);
      try {
        modelInputFor(nodes, spec ?? { ...v1(manifest.side), ...manifest.grid }, { out });
      } catch (error) {
        throw new Error(`${dir}: pattern ${index}: ${(error as Error).message}`);
      }
    },
    close: () => reader.close(),
  };
}

/** A .npy stack of raw intensities, read record by record (a stack of any size is never held whole). */
export function openNpyStackSource(file: string, spec?: ModelInputSpec): PatternSource {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  const records = NpyRecords.open(file, 'read');
  const { dtype, shape } = records.layout;
  try {
    if (dtype !== '<f4' && dtype !== '<f8') throw new Error(`${file}: dtype ${dtype}; a stack of raw intensities is float32 or float64`);
    if (!(shape.length === 3 || shape.length === 2) || shape.at(-1) !== shape.at(-2)) {
      throw new Error(`${file}: shape (${shape.join(', ')}); expected (N, S, S) or (S, S) square patterns`);
    }
  } catch (error) {
    records.close();
    throw error;
  }
  const side = shape.at(-1) as number;
  const single = shape.length === 2;
  const values = dtype === '<f4' ? new Float32Array(side * side) : new Float64Array(side * side);
  let whole: Float32Array | Float64Array | null = null;
  if (single) {
    records.close();
    whole = readNpy(file).data as Float32Array | Float64Array;
  }
  return {
    kind: 'npy',
    location: file,
    count: single ? 1 : (shape[0] as number),
    side,
    content: 'raw-intensity',
    grid: null,
    readModelInput(index, out) {
      let raw: Float32Array | Float64Array = values;
      if (whole !== null) raw = whole;
      else records.readBytes(index, bytesOf(values));
      try {
        modelInputFor(raw, spec ?? v1(side), { out });
      } catch (error) {
        throw new Error(`${file}: pattern ${index}: ${(error as Error).message}`);
      }
    },
    close: () => {
      if (!single) records.close();
    },
  };
}

interface ExportProvenance {
  sampleCount: number;
  side: number;
  patterns: { file: string; storedKind: string; transform: string | null; preprocessing?: Record<string, unknown> | null };
  manifest?: { grid?: PatternGridParams };
}

/** A dataset export folder (dataset-export.ts): model inputs made by the transform export.json names. */
export function openExportSource(dir: string, spec?: ModelInputSpec): PatternSource {
  const provenanceFile = path.join(dir, EXPORT_FILES.provenance);
  if (!fs.existsSync(provenanceFile)) throw new Error(`${dir}: not a dataset export (no ${EXPORT_FILES.provenance}); give an export folder or a .npy stack`);
  const provenance = JSON.parse(fs.readFileSync(provenanceFile, 'utf8')) as ExportProvenance;
  const transform = provenance.patterns?.transform ?? null;
  const storedKind = provenance.patterns?.storedKind;
  const wanted = spec?.transform ?? MODEL_INPUT;
  if (!(transform === wanted || (transform === null && storedKind === 'model-input' && wanted === MODEL_INPUT))) {
    throw new Error(
      `${provenanceFile}: the patterns were made with transform ${String(transform)} from ${String(storedKind)}; the model reads ${wanted} model inputs` +
        (wanted !== MODEL_INPUT ? ' — predict on the project dataset itself (raw intensities get the model\'s transform)' : ''),
    );
  }
  const recorded = provenance.patterns?.preprocessing ?? null;
  if (spec && recorded && spec.transform === 'annulus-log') {
    const differs = (['beamMaskInvA', 'floorRatio', 'ceilingRatio', 'kmaxInvA', 'deltaKInvA'] as const).filter((key) => recorded[key] !== spec[key]);
    if (differs.length > 0) throw new Error(`${provenanceFile}: the patterns were made with other annulus-log constants than the model's (${differs.join(', ')}); export the dataset again for this model`);
  }
  const file = path.join(dir, provenance.patterns.file ?? EXPORT_FILES.patterns);
  const side = provenance.side;
  const records = NpyRecords.open(file, 'read', { dtype: '<f4', shape: [provenance.sampleCount, side, side] });
  return {
    kind: 'export',
    location: dir,
    count: provenance.sampleCount,
    side,
    content: 'model-input',
    grid: provenance.manifest?.grid ?? null,
    readModelInput(index, out) {
      records.readBytes(index, bytesOf(out));
    },
    close: () => records.close(),
  };
}

/** Opens a file or folder: an export folder when it holds export.json, else a .npy stack. */
export function openPatternSource(location: string, spec?: ModelInputSpec): PatternSource {
  const stat = fs.statSync(location, { throwIfNoEntry: false });
  if (stat === undefined) throw new Error(`${location}: no such file or folder`);
  if (stat.isDirectory()) {
    if (fs.existsSync(path.join(location, 'dataset.json'))) return openDatasetSource(location, spec);
    return openExportSource(location, spec);
  }
  return openNpyStackSource(location, spec);
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Refuses patterns the model cannot read: another side, or another k-grid (a model only understands patterns with
 * its own pixel size Δk). Returns notes for the log (e.g. that a bare .npy is taken to be on the model's grid).
 */
export function checkSourceFitsModel(source: PatternSource, preprocessing: ModelPreprocessing): string[] {
  const notes: string[] = [];
  const grid = preprocessing.kmaxInvA !== null && preprocessing.deltaKInvA !== null ? ` (kmax ${preprocessing.kmaxInvA} Å⁻¹, Δk ${preprocessing.deltaKInvA} Å⁻¹)` : '';
  if (source.side !== preprocessing.side) {
    throw new Error(`${source.location}: patterns are ${source.side}×${source.side}, the model reads ${preprocessing.side}×${preprocessing.side}${grid}; resample the patterns to the model's k-grid`);
  }
  if (source.grid !== null && preprocessing.kmaxInvA !== null && preprocessing.deltaKInvA !== null) {
    if (!close(source.grid.kmaxInvA, preprocessing.kmaxInvA) || !close(source.grid.deltaKInvA, preprocessing.deltaKInvA)) {
      throw new Error(
        `${source.location}: the patterns are on kmax ${source.grid.kmaxInvA} Å⁻¹, Δk ${source.grid.deltaKInvA} Å⁻¹, the model was trained on${grid}; ` +
          'a model only reads patterns of its own pixel size',
      );
    }
  } else if (source.grid === null) {
    notes.push(`${source.location} records no k-grid: its pixel size is taken to be the model's${grid || ' (the model records none either)'}`);
  }
  return notes;
}
