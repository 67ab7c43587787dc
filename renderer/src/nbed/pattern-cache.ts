/**
 * Stored patterns of datasets, fetched once (`datasets.pattern`) and kept as model-input values for the thumbnails
 * and the large view. Bounded: the oldest entries go first when a large dataset is scrolled through.
 */
import type { SsroApi } from '../../../main/shared/ipc-contract';
import { modelInput } from './model-input';

export interface CachedPattern {
  side: number;
  kmaxInvA: number;
  deltaKInvA: number;
  /** Model-input values in [0, 1]. */
  values: Float32Array;
}

const MAX_ENTRIES = 600;
const cache = new Map<string, Promise<CachedPattern>>();

export function loadPattern(api: SsroApi, datasetId: number, index: number): Promise<CachedPattern> {
  const key = `${datasetId}:${index}`;
  const hit = cache.get(key);
  if (hit) {
    // Most recently used last.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const pending = api.invoke('datasets.pattern', { datasetId, index }).then(({ header, values }) => ({
    side: header.side,
    kmaxInvA: header.kmaxInvA,
    deltaKInvA: header.deltaKInvA,
    values: modelInput(values),
  }));
  // A failed fetch is not cached: scrolling back retries it.
  pending.catch(() => cache.delete(key));
  cache.set(key, pending);
  while (cache.size > MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return pending;
}
