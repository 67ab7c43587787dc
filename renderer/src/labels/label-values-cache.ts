/**
 * Per-atom label arrays fetched once per (label set, property) and shared by the viewer's colouring and readout.
 * Label sets never change after they are written, so an entry stays valid until it is evicted; a failed fetch is
 * dropped so that trying again asks the core again.
 */
import type { PerAtomValues } from '../../../main/shared/binary-codecs';
import type { SsroApi } from '../../../main/shared/ipc-contract';
import type { LabelProperty } from '../../../main/shared/labels';

/** ~7 properties of two label sets; at 10⁶ atoms each entry is 4 MB. */
const MAX_ENTRIES = 16;

const entries = new Map<string, Promise<PerAtomValues>>();

export function loadLabelValues(api: SsroApi, labelSetId: number, property: LabelProperty): Promise<PerAtomValues> {
  const key = `${labelSetId}:${property}`;
  const cached = entries.get(key);
  if (cached) {
    // Most recently used goes to the end.
    entries.delete(key);
    entries.set(key, cached);
    return cached;
  }
  const pending = api.invoke('labels.values', { labelSetId, property }).then((data) => ({
    count: data.count,
    values: data.values,
    categories: data.categories,
  }));
  entries.set(key, pending);
  pending.catch(() => {
    if (entries.get(key) === pending) entries.delete(key);
  });
  while (entries.size > MAX_ENTRIES) {
    const oldest = entries.keys().next().value;
    if (oldest === undefined) break;
    entries.delete(oldest);
  }
  return pending;
}
