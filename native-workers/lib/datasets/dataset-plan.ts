/**
 * The sample order of a dataset recipe, shared by the core (to count and validate before any work) and the
 * `diffract` worker (to compute): source-major, then zone, then probe shape, then scan position.
 */
import type { ProbeShape, ZoneAxis } from '../../../main/shared/diffraction';
import type { Cell, Vec3 } from '../../../main/shared/domain';
import type { DatasetRecipe } from '../../../main/shared/ipc-contract';
import { LimitExceeded, MAX_DATASET_SAMPLES } from '../../../main/shared/limits';
import { cellGridScan, lineScan, type ScanPositions } from './scan-positions';

export interface PlannedBlock {
  source: number;
  zone: number;
  probe: number;
  /** First sample index of this block. */
  offset: number;
  scan: ScanPositions;
}

export interface DatasetPlan {
  sampleCount: number;
  blocks: PlannedBlock[];
}

export function scanFor(recipe: DatasetRecipe, zone: ZoneAxis, cell: Cell): ScanPositions {
  const scan = recipe.scan;
  if (scan.kind === 'grid') return cellGridScan({ zone, cell, stepA: scan.stepA });
  return lineScan({ startA: scan.start as Vec3, directionA: scan.direction as Vec3, lengthA: scan.lengthA, stepA: scan.stepA, cell });
}

/**
 * Lays out every sample; `cells[s]` is source s's cell. Refused as soon as the running total passes
 * MAX_DATASET_SAMPLES, so at most one scan beyond the bound is ever allocated.
 */
export function planDataset(recipe: DatasetRecipe, cells: Cell[]): DatasetPlan {
  const blocks: PlannedBlock[] = [];
  let offset = 0;
  cells.forEach((cell, source) => {
    recipe.zones.forEach((zone, z) => {
      const scan = scanFor(recipe, zone as ZoneAxis, cell);
      recipe.probes.forEach((_shape: ProbeShape, p) => {
        blocks.push({ source, zone: z, probe: p, offset, scan });
        offset += scan.descriptor.count;
      });
      if (offset > MAX_DATASET_SAMPLES) {
        const perScan = scan.descriptor.count;
        throw new LimitExceeded(
          'patterns in one dataset (counted so far)',
          offset,
          MAX_DATASET_SAMPLES,
          `this scan alone has ${perScan.toLocaleString('en-US')} positions per zone and probe; use a larger step, fewer zones or fewer probe sizes`,
        );
      }
    });
  });
  return { sampleCount: offset, blocks };
}

/** The block and scan position of sample `index`. */
export function locateSample(plan: DatasetPlan, index: number): { block: PlannedBlock; position: number } {
  let lo = 0;
  let hi = plan.blocks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((plan.blocks[mid] as PlannedBlock).offset <= index) lo = mid;
    else hi = mid - 1;
  }
  const block = plan.blocks[lo] as PlannedBlock;
  return { block, position: index - block.offset };
}
