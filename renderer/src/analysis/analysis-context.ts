/** What every analysis figure needs to know: the label set, the structure, the profile axis and window, the centre element. */
import type { LabelSetSummary, StructureSummary } from '../../../main/shared/domain';
import { fileSlug } from './plot-export';
import type { Axis } from './plot-panel';

export interface AnalysisContext {
  structure: StructureSummary;
  labelSet: LabelSetSummary;
  axis: Axis;
  windowA: number;
  stepA: number;
  centerElement: string;
  /** Coordinate range of the axis (Å): the cell's extent along it, or null when the cell is not a slab along it. */
  axisRangeA: [number, number] | null;
}

/** "cu-slab-labels3-profile-x" */
export function fileStem(ctx: AnalysisContext, plot: string): string {
  return `${fileSlug(ctx.structure.name)}-labels${ctx.labelSet.id}-${plot}`;
}

/** "d and 1−Q6 along x — Cu slab (label set #3)" */
export function exportTitle(ctx: AnalysisContext, plot: string): string {
  return `${plot} — ${ctx.structure.name} (label set #${ctx.labelSet.id})`;
}
