/** Per-sample metadata of a dataset as the browser uses it: regions named, filters applied. */
import type { Response } from '../../../main/shared/ipc-contract';

export type DatasetSamples = Response<'datasets.samples'>;
export type RegionFilter = 'all' | 'grain' | 'actr' | 'interior';

/** The core's region codes: 0 grain, 1 ACTR, 2 complexion interior. */
export const REGION_NAMES: Readonly<Record<number, { id: Exclude<RegionFilter, 'all'>; label: string }>> = {
  0: { id: 'grain', label: 'grain' },
  1: { id: 'actr', label: 'ACTR' },
  2: { id: 'interior', label: 'interior' },
};

export function regionLabel(code: number | null | undefined): string {
  return code === null || code === undefined ? '—' : (REGION_NAMES[code]?.label ?? `region ${code}`);
}

/** Indices of the samples that are done and pass the region filter. */
export function visibleSamples(samples: DatasetSamples, filter: RegionFilter): number[] {
  const out: number[] = [];
  for (let i = 0; i < samples.count; i++) {
    if (!samples.done[i]) continue;
    if (filter !== 'all') {
      const code = samples.region[i];
      if (code === null || code === undefined || REGION_NAMES[code]?.id !== filter) continue;
    }
    out.push(i);
  }
  return out;
}
