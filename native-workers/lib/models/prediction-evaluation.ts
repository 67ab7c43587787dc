/**
 * How well predicted d matches a labelled dataset: MAE, RMSE and R² overall, per split (the dataset's own seeded
 * 80/20 split) and per region (grain / ACTR / interior); the (true, predicted) pairs and their kernel density for the
 * parity plot (Fig. 6); and predicted against true d along the dataset's scans for the strip profiles (Fig. 8).
 */
import type { FitMetrics, PredictionEvaluation, StripProfile } from '../../../main/shared/models';
import { REGION_KINDS } from '../analysis/regions';
import { META_COLUMNS, type DatasetManifest } from '../datasets/pattern-store';
import { seededPermutation } from '../datasets/random-split';
import type { LineScanDescriptor } from '../datasets/scan-positions';
import { fitMetrics } from './fit-metrics';
import { kernelDensity2d } from './kernel-density';

/** Parity pairs kept in evaluation.json; more are subsampled (the density uses every pair). */
export const MAX_STORED_PAIRS = 20_000;

export interface EvaluationInput {
  /** Dataset indices that were predicted, and the predicted d of each. */
  indices: ArrayLike<number>;
  predictedD: ArrayLike<number>;
  /** Mean d of every dataset pattern (labels.npy). */
  labels: Float64Array;
  /** meta.npy, N × META_COLUMNS.length. */
  meta: Float64Array;
  manifest: DatasetManifest;
  /** Per dataset pattern: 0 train, 1 validation. */
  split: Uint8Array;
  splitSeed: number;
  trainedOnThisDataset: boolean;
  maxPairs?: number;
  densityGridSize?: number;
}

function regionName(code: number): string {
  return REGION_KINDS[code] ?? `region_${code}`;
}

function metricsByRegion(trueD: Float64Array, predictedD: Float64Array, region: Int32Array, keep: (k: number) => boolean): Record<string, FitMetrics> {
  const codes = [...new Set(Array.from(region).filter((c, k) => c >= 0 && keep(k)))].sort((a, b) => a - b);
  const out: Record<string, FitMetrics> = {};
  for (const code of codes) out[regionName(code)] = fitMetrics(trueD, predictedD, (k) => region[k] === code && keep(k));
  return out;
}

interface RecipeScan {
  scan?: { kind?: string; stepA?: number };
  regionAxis?: 'x' | 'y' | 'z' | null;
}

/** How positions along a profile are measured for one scan of the dataset, or null when it has no natural axis. */
function profileAxis(manifest: DatasetManifest, scanIndex: number): { axis: StripProfile['axis']; line: { stepA: number; cols: number } | null } | null {
  const descriptor = manifest.scans?.[scanIndex];
  if (descriptor?.kind === 'line') {
    const line = descriptor as LineScanDescriptor;
    return { axis: 'strip', line: { stepA: line.stepA, cols: line.cols } };
  }
  const recipe = (manifest.recipe ?? {}) as RecipeScan;
  // diffract jobs record the recipe: a line scan is one strip per block, positions step by stepA from its start.
  if (recipe.scan?.kind === 'line' && typeof recipe.scan.stepA === 'number') return { axis: 'strip', line: { stepA: recipe.scan.stepA, cols: Number.POSITIVE_INFINITY } };
  if (recipe.regionAxis === 'x' || recipe.regionAxis === 'y' || recipe.regionAxis === 'z') return { axis: recipe.regionAxis, line: null };
  return null;
}

interface ProfilePoint {
  position: number;
  trueSum: number;
  predictedSum: number;
  regions: Map<number, number>;
  count: number;
}

/**
 * One profile per (structure, zone, probe, strip row): a line scan gives its positions along the strip; a grid scan
 * of a dataset labelled along a region axis gives the centre coordinate on that axis, averaging the scan rows that
 * share it (the profile across a boundary).
 */
function stripProfiles(input: EvaluationInput, trueD: Float64Array, predictedD: Float64Array, rows: Int32Array): StripProfile[] {
  const c = META_COLUMNS.length;
  const col = (name: string): number => META_COLUMNS.indexOf(name);
  const at = (i: number, name: string): number => input.meta[i * c + col(name)] as number;
  const groups = new Map<string, { key: Omit<StripProfile, 'positionA' | 'trueD' | 'predictedD' | 'region' | 'count'>; points: Map<number, ProfilePoint> }>();
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k] as number;
    const axisInfo = profileAxis(input.manifest, at(i, 'scan'));
    if (axisInfo === null) continue;
    const scanPosition = at(i, 'scan_position');
    let row = 0;
    let position: number;
    if (axisInfo.line !== null) {
      const cols = axisInfo.line.cols;
      row = Number.isFinite(cols) ? Math.floor(scanPosition / cols) : 0;
      position = (Number.isFinite(cols) ? scanPosition % cols : scanPosition) * axisInfo.line.stepA;
    } else {
      position = at(i, `centre_${axisInfo.axis}_A`);
    }
    const structure = at(i, 'structure');
    const zone = at(i, 'zone');
    const probe = at(i, 'probe');
    const id = `${structure}/${zone}/${probe}/${row}/${axisInfo.axis}`;
    let group = groups.get(id);
    if (!group) {
      const source = input.manifest.structures[structure];
      group = { key: { structureId: source?.id ?? null, structure: source?.name ?? `structure ${structure}`, zone, probe, axis: axisInfo.axis, row }, points: new Map() };
      groups.set(id, group);
    }
    // Grid centres on one column share a coordinate up to rounding: key them at 1e-6 Å.
    const bin = Math.round(position * 1e6);
    let point = group.points.get(bin);
    if (!point) {
      point = { position, trueSum: 0, predictedSum: 0, regions: new Map(), count: 0 };
      group.points.set(bin, point);
    }
    point.trueSum += trueD[k] as number;
    point.predictedSum += predictedD[k] as number;
    point.count++;
    const region = at(i, 'region');
    if (region >= 0) point.regions.set(region, (point.regions.get(region) ?? 0) + 1);
  }
  const profiles: StripProfile[] = [];
  for (const { key, points } of groups.values()) {
    if (points.size < 2) continue;
    const sorted = [...points.values()].sort((a, b) => a.position - b.position);
    profiles.push({
      ...key,
      positionA: sorted.map((p) => p.position),
      trueD: sorted.map((p) => p.trueSum / p.count),
      predictedD: sorted.map((p) => p.predictedSum / p.count),
      region: sorted.map((p) => {
        let best: number | null = null;
        let most = 0;
        for (const [code, n] of p.regions) if (n > most) [best, most] = [code, n];
        return best;
      }),
      count: sorted.map((p) => p.count),
    });
  }
  return profiles.sort((a, b) => a.structure.localeCompare(b.structure) || a.zone - b.zone || a.probe - b.probe || a.row - b.row);
}

/** The full evaluation of predictions on a labelled dataset (see the file comment). */
export function evaluatePredictions(input: EvaluationInput): PredictionEvaluation {
  const n = input.indices.length;
  if (input.predictedD.length !== n) throw new Error(`${n} indices but ${input.predictedD.length} predictions`);
  const c = META_COLUMNS.length;
  const regionColumn = META_COLUMNS.indexOf('region');
  const rows = Int32Array.from(input.indices);
  const trueD = new Float64Array(n);
  const predictedD = Float64Array.from(input.predictedD);
  const split = new Int32Array(n);
  const region = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = rows[k] as number;
    trueD[k] = input.labels[i] as number;
    split[k] = input.split[i] as number;
    const code = input.meta[i * c + regionColumn] as number;
    region[k] = Number.isFinite(code) ? code : -1;
  }
  const inSplit = (s: number) => (k: number) => split[k] === s;
  const metrics = {
    overall: fitMetrics(trueD, predictedD),
    splits: { train: fitMetrics(trueD, predictedD, inSplit(0)), validation: fitMetrics(trueD, predictedD, inSplit(1)) },
    regions: metricsByRegion(trueD, predictedD, region, () => true),
    regionsBySplit: {
      train: metricsByRegion(trueD, predictedD, region, inSplit(0)),
      validation: metricsByRegion(trueD, predictedD, region, inSplit(1)),
    },
    splitSeed: input.splitSeed,
    trainedOnThisDataset: input.trainedOnThisDataset,
  };

  const maxPairs = input.maxPairs ?? MAX_STORED_PAIRS;
  let keep: number[];
  if (n <= maxPairs) keep = Array.from({ length: n }, (_, k) => k);
  else keep = Array.from(seededPermutation(n, 1).subarray(0, maxPairs)).sort((a, b) => a - b);
  const parity = {
    index: keep.map((k) => rows[k] as number),
    trueD: keep.map((k) => trueD[k] as number),
    predictedD: keep.map((k) => predictedD[k] as number),
    split: keep.map((k) => split[k] as number),
    sampled: keep.length < n,
    total: n,
  };
  const density = n >= 2 ? kernelDensity2d(trueD, predictedD, { gridSize: input.densityGridSize ?? 64 }) : null;
  return { metrics, parity, density, profiles: stripProfiles(input, trueD, predictedD, rows) };
}
