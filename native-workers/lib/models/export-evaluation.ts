/**
 * Labels of a dataset export folder (dataset-export.ts: targets.npy, split.csv, metadata.csv) and how predictions of
 * its patterns compare with them: MAE, RMSE and R² overall, per split and per region, the same PredictionMetrics a
 * project prediction stores — so a model can be judged on an exported (e.g. held-out) dataset outside any project.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { FitMetrics, PredictionMetrics } from '../../../main/shared/models';
import { REGION_KINDS } from '../analysis/regions';
import { EXPORT_FILES } from '../datasets/dataset-export';
import { META_COLUMNS, PatternReader } from '../datasets/pattern-store';
import { readNpy } from '../npy';
import { fitMetrics } from './fit-metrics';

export interface ExportLabels {
  /** Mean d of every exported pattern (targets.npy). */
  d: Float64Array;
  /** 'train' | 'validation' per pattern (split.csv). */
  split: string[];
  /** grain / actr / interior, or '' when the dataset was not labelled by region (metadata.csv). */
  region: string[];
  splitSeed: number | null;
}

function readCsv(file: string): Record<string, string>[] {
  try {
    return parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  } catch (error) {
    throw new Error(`${file}: not a readable CSV (${(error as Error).message})`);
  }
}

/** Reads the labels of an export folder, or null when it has no targets.npy (an export of unlabelled patterns). */
export function readExportLabels(dir: string): ExportLabels | null {
  const targetsFile = path.join(dir, EXPORT_FILES.targets);
  if (!fs.existsSync(targetsFile)) return null;
  const { data } = readNpy(targetsFile);
  const d = Float64Array.from(data as ArrayLike<number>);
  const n = d.length;
  const rowsOf = (name: string): Record<string, string>[] => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return [];
    const rows = readCsv(file);
    if (rows.length !== n) throw new Error(`${file}: ${rows.length} rows, but ${EXPORT_FILES.targets} has ${n} patterns`);
    return rows;
  };
  const splitRows = rowsOf(EXPORT_FILES.split);
  const metaRows = rowsOf(EXPORT_FILES.metadata);
  let splitSeed: number | null = null;
  try {
    const provenance = JSON.parse(fs.readFileSync(path.join(dir, EXPORT_FILES.provenance), 'utf8')) as { split?: { seed?: unknown } };
    if (typeof provenance.split?.seed === 'number') splitSeed = provenance.split.seed;
  } catch {
    // export.json is optional for labels; openExportSource already insisted it exists for the patterns.
  }
  return {
    d,
    split: splitRows.length ? splitRows.map((r) => r.split ?? '') : new Array<string>(n).fill(''),
    region: metaRows.length ? metaRows.map((r) => r.region ?? '') : new Array<string>(n).fill(''),
    splitSeed,
  };
}

/**
 * Labels of a project dataset folder (pattern-store.ts: labels.npy and meta.npy), so a model can be judged on a dataset
 * it never learned from — e.g. an unseen structure — with the model's own transform and input grid applied to the raw
 * patterns (an export is made for one transform and grid). Such a folder has no split: every pattern is unseen or not
 * as the caller knows, so split is '' throughout.
 */
export function readDatasetLabels(dir: string): ExportLabels {
  const reader = PatternReader.open(dir);
  try {
    const n = reader.manifest.sampleCount;
    const missing = reader.readDoneMap().indexOf(0);
    if (missing >= 0) throw new Error(`${dir}: the dataset is still building (pattern ${missing} is missing); resume the build before judging a model on it`);
    const d = Float64Array.from(reader.readLabels());
    const meta = reader.readMeta();
    const column = META_COLUMNS.indexOf('region');
    const region = Array.from({ length: n }, (_, i) => {
      const code = meta[i * META_COLUMNS.length + column] as number;
      return code >= 0 ? (REGION_KINDS[code] ?? '') : '';
    });
    return { d, split: new Array<string>(n).fill(''), region, splitSeed: null };
  } finally {
    reader.close();
  }
}

function byRegion(labels: ExportLabels, predictedD: ArrayLike<number>, keep: (i: number) => boolean): Record<string, FitMetrics> {
  const names = [...new Set(labels.region.filter((r, i) => r !== '' && keep(i)))].sort();
  const out: Record<string, FitMetrics> = {};
  for (const name of names) out[name] = fitMetrics(labels.d, predictedD, (i) => labels.region[i] === name && keep(i));
  return out;
}

/**
 * Metrics of `predictedD` (one per exported pattern, in order) against the export's labels. `trainedOnThisDataset`
 * says whether the model learned from the dataset the export came from (then 'validation' is its unseen part).
 */
export function evaluateExport(labels: ExportLabels, predictedD: ArrayLike<number>, trainedOnThisDataset: boolean): PredictionMetrics {
  if (predictedD.length !== labels.d.length) throw new Error(`${predictedD.length} predictions for ${labels.d.length} labelled patterns`);
  const all = (): boolean => true;
  const inSplit = (name: string) => (i: number) => labels.split[i] === name;
  return {
    overall: fitMetrics(labels.d, predictedD),
    splits: { train: fitMetrics(labels.d, predictedD, inSplit('train')), validation: fitMetrics(labels.d, predictedD, inSplit('validation')) },
    regions: byRegion(labels, predictedD, all),
    regionsBySplit: { train: byRegion(labels, predictedD, inSplit('train')), validation: byRegion(labels, predictedD, inSplit('validation')) },
    splitSeed: labels.splitSeed ?? -1,
    trainedOnThisDataset,
  };
}

/** One line per metrics group, e.g. "overall: n 1748, MAE 0.042, RMSE 0.063, R² 0.951". */
export function describeMetrics(metrics: PredictionMetrics): string[] {
  const f = (m: FitMetrics): string =>
    m.count === 0 ? 'n 0' : `n ${m.count}, MAE ${m.mae?.toFixed(4)}, RMSE ${m.rmse?.toFixed(4)}, R² ${m.r2 === null ? '—' : m.r2.toFixed(3)}`;
  const lines = [`overall: ${f(metrics.overall)}`];
  for (const [name, m] of Object.entries(metrics.regions)) lines.push(`${name}: ${f(m)}`);
  return lines;
}
