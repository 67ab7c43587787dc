/**
 * How models read in the UI: architecture, target and state names, metric numbers, and the metrics a model record
 * carries (metrics.json of a training run, or an imported model's metadata) read defensively into typed rows.
 */
import { fitMetricsSchema, type FitMetrics, type ModelState, type ModelSummary, type ModelTarget, type PredictionMetrics } from '../../../main/shared/models';

export const ARCHITECTURE_LABELS: Readonly<Record<string, string>> = {
  resnet18: 'ResNet-18',
  basecnn: 'base CNN',
};

export function architectureLabel(architecture: string): string {
  return ARCHITECTURE_LABELS[architecture] ?? architecture;
}

export const TARGET_LABELS: Readonly<Record<ModelTarget, string>> = {
  one_minus_d: '1 − d',
  d: 'd',
};

export const MODEL_STATE_LABELS: Readonly<Record<ModelState, string>> = {
  training: 'training',
  incomplete: 'incomplete',
  trained: 'trained',
  imported: 'imported',
};

/** The job-state pill colour that says the same as a model state. */
export const MODEL_STATE_PILLS: Readonly<Record<ModelState, string>> = {
  training: 'running',
  incomplete: 'interrupted',
  trained: 'succeeded',
  imported: 'queued',
};

/** Region codes of the core (0 grain, 1 ACTR, 2 complexion interior) and the metric keys it files them under. */
export const REGION_KEYS = ['grain', 'actr', 'interior'] as const;
export const REGION_NAMES: Readonly<Record<string, string>> = { grain: 'grain', actr: 'ACTR', interior: 'interior' };

/** An error in d: 4 significant digits is more than any model here earns, fewer hides differences between runs. */
export function formatError(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value < 0.001 ? value.toExponential(2) : value.toFixed(4);
}

export function formatR2(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  // A typographic minus: an untrained model's R² is often negative, and "-4.9" reads like a dash.
  return value.toFixed(3).replace('-', '−');
}

/** A learning rate or a loss in target units: 1e-3, 2.5e-4, 0.0213. */
export function formatSmall(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  // Three significant digits, exponent without padding: 0.001 → "1e-3", 0.00025 → "2.5e-4".
  return Math.abs(value) < 0.01 ? Number(value.toPrecision(3)).toExponential() : String(Number(value.toPrecision(4)));
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function asMetrics(value: unknown): FitMetrics | null {
  const parsed = fitMetricsSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** One row of a metrics table: a split, or a region within a split. */
export interface MetricsRow {
  key: string;
  label: string;
  /** Region rows are indented under their split. */
  region: boolean;
  metrics: FitMetrics;
}

function regionRows(split: string, regions: Record<string, unknown> | null): MetricsRow[] {
  if (!regions) return [];
  const rows: MetricsRow[] = [];
  const keys = [...REGION_KEYS.filter((k) => k in regions), ...Object.keys(regions).filter((k) => !(REGION_KEYS as readonly string[]).includes(k))];
  for (const key of keys) {
    const metrics = asMetrics(regions[key]);
    if (metrics && metrics.count > 0) rows.push({ key: `${split}-${key}`, label: REGION_NAMES[key] ?? key, region: true, metrics });
  }
  return rows;
}

/**
 * The rows of a model's own metrics (metrics.json: train, validation and per region of each), validation first:
 * that is the split the model never learned from. Empty when the record has none.
 */
export function modelMetricsRows(metrics: Record<string, unknown> | null): MetricsRow[] {
  if (!metrics) return [];
  const regions = asRecord(metrics.regions);
  const rows: MetricsRow[] = [];
  for (const [split, label] of [
    ['validation', 'validation split'],
    ['train', 'training split'],
  ] as const) {
    const m = asMetrics(metrics[split]);
    if (!m) continue;
    rows.push({ key: split, label, region: false, metrics: m });
    rows.push(...regionRows(split, asRecord(regions?.[split])));
  }
  return rows;
}

/**
 * The rows of a prediction's metrics: every pattern and its regions; then, when the model learned from this dataset,
 * the validation patterns it never saw and the training patterns it did (the dataset's own seeded split).
 */
export function predictionMetricsRows(m: PredictionMetrics): MetricsRow[] {
  const rows: MetricsRow[] = [{ key: 'overall', label: 'all patterns', region: false, metrics: m.overall }, ...regionRows('overall', m.regions)];
  if (m.trainedOnThisDataset) {
    if (m.splits.validation.count > 0) {
      rows.push({ key: 'validation', label: 'validation split (unseen)', region: false, metrics: m.splits.validation }, ...regionRows('validation', m.regionsBySplit.validation));
    }
    if (m.splits.train.count > 0) {
      rows.push({ key: 'train', label: 'training split (seen)', region: false, metrics: m.splits.train }, ...regionRows('train', m.regionsBySplit.train));
    }
  }
  return rows;
}

/** The validation metrics of a model record, for the list. */
export function validationMetrics(model: ModelSummary): FitMetrics | null {
  return model.metrics ? asMetrics(model.metrics.validation) : null;
}

/** A number field of an untyped record, or null. */
export function numberField(record: Record<string, unknown> | null | undefined, key: string): number | null {
  const value = record?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A text field of an untyped record, or null. */
export function textField(record: Record<string, unknown> | null | undefined, key: string): string | null {
  const value = record?.[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

export { asRecord };
