/**
 * The split flags `ssro train`, `ssro sweep` and `ssro dataset export` share, and the per-structure tables the
 * commands print.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { StructureMetrics } from '../shared/models';
import { SPLIT_AXIS_CHOICES, SPLIT_KINDS, splitKindLabel, type SplitRequest } from '../shared/splits';
import { parseNumber } from './parse-options';

export interface SplitOptions {
  split?: string;
  splitAxis?: string;
  splitGuard?: number;
  validationFraction?: number;
  holdoutStructure?: number[];
}

/** Names of the split options as commander keys (for "--resume ignores …" messages). */
export const SPLIT_OPTION_KEYS = ['split', 'splitAxis', 'splitGuard', 'validationFraction', 'holdoutStructure'] as const;

/** Structure ids: several after one flag, comma-separated, or the flag repeated. */
function parseStructureId(value: string, previous: number[] | undefined): number[] {
  const ids = value.split(',').filter((t) => t.trim() !== '').map((t) => Number(t.trim()));
  if (ids.length === 0 || ids.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new InvalidArgumentError('a structure id is a whole number ≥ 1 (see ssro structures)');
  return [...(previous ?? []), ...ids];
}

/** Adds --split, --split-axis, --split-guard, --validation-fraction and --holdout-structure. */
export function addSplitOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--split <kind>',
        `how probes split into training and validation: blocked (default: a validation slab per structure, probes sharing atoms with it excluded), structure (leave-structure-out, with --holdout-structure) or random (${splitKindLabel('random').replace(/^random \(|\)$/g, '')})`,
      ).choices([...SPLIT_KINDS]),
    )
    .addOption(new Option('--split-axis <axis>', 'axis of the blocked slabs (default auto: perpendicular to every zone and to the region axis)').choices([...SPLIT_AXIS_CHOICES]))
    .option('--split-guard <A>', 'extra distance (Å) between training and validation probes beyond their extents (default 0)', parseNumber)
    .option('--validation-fraction <f>', 'validation share: of each structure\'s length along the axis (blocked) or of the probes (random); default 0.2', parseNumber)
    .option('--holdout-structure <ids...>', 'structure ids whose probes validate (--split structure)', parseStructureId);
}

/** The split fields the user gave, for a request schema (which fills in the defaults). */
export function splitRequestFields(opts: SplitOptions): Partial<SplitRequest> {
  return {
    ...(opts.split !== undefined ? { split: opts.split as SplitRequest['split'] } : {}),
    ...(opts.splitAxis !== undefined ? { splitAxis: opts.splitAxis as SplitRequest['splitAxis'] } : {}),
    ...(opts.splitGuard !== undefined ? { splitGuardA: opts.splitGuard } : {}),
    ...(opts.validationFraction !== undefined ? { validationFraction: opts.validationFraction } : {}),
    ...(opts.holdoutStructure !== undefined ? { holdoutStructures: opts.holdoutStructure } : {}),
  };
}

function fmt(value: number | null | undefined, digits = 4): string {
  return typeof value === 'number' ? value.toFixed(digits) : 'n/a';
}

/**
 * Validation (or training) RMSE per structure and region as text rows: structure, count, MAE, RMSE, R², then one
 * RMSE column per region kind present.
 */
export function structureTable(metrics: StructureMetrics, side: 'train' | 'validation' = 'validation'): string[] {
  const rows = Object.entries(metrics[side]).sort(([a], [b]) => Number(a) - Number(b));
  if (rows.length === 0) return [];
  const regions = [...new Set(rows.flatMap(([, m]) => Object.keys(m.regions)))];
  const header = ['structure', 'n', 'MAE', 'RMSE', 'R²', ...regions.map((r) => `RMSE ${r}`)];
  const body = rows.map(([, m]) => [m.name, String(m.count), fmt(m.mae), fmt(m.rmse), fmt(m.r2, 3), ...regions.map((r) => (m.regions[r] ? `${fmt(m.regions[r]?.rmse)} (${m.regions[r]?.count})` : '—'))]);
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((row) => (row[k] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k] ?? 0) : c.padStart(widths[k] ?? 0))).join('  ');
  return [line(header), ...body.map(line)];
}
