/** The project's maps, re-read on `maps.changed` and when a map job changes state; one map's arrays once complete. */
import { useEffect, useState } from 'react';
import type { JobSummary } from '../../../main/shared/domain';
import type { MapArrays, MapRecord } from '../../../main/shared/maps';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { useProjectList } from '../state/use-project-list';

export function useMaps(jobs: JobSummary[]): { maps: MapRecord[]; loading: boolean; error: string | null; refresh: () => Promise<void> } {
  const api = useApi();
  const key = jobs
    .filter((j) => j.kind === 'map')
    .map((j) => `${j.id}:${j.state}`)
    .join(',');
  const { items, loading, error, refresh } = useProjectList(() => api.invoke('maps.list', {}), 'maps.changed', key);
  return { maps: items, loading, error, refresh };
}

/** How often a map being made is re-read (its finished frames appear as they are mapped). */
const LIVE_REFRESH_MS = 2000;

export function useMapArrays(map: MapRecord | null, running: boolean): { arrays: MapArrays | null; error: string | null } {
  const api = useApi();
  const [arrays, setArrays] = useState<MapArrays | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = map?.id ?? null;
  const state = map?.state ?? null;
  useEffect(() => {
    setArrays(null);
    setError(null);
    if (id === null) return;
    let live = true;
    let timer: number | undefined;
    const load = (): void => {
      api.invoke('maps.arrays', { id }).then(
        (a) => {
          if (!live) return;
          setArrays(a);
          if (running && a.partial) timer = window.setTimeout(load, LIVE_REFRESH_MS);
        },
        (e: unknown) => live && setError(errorMessage(e)),
      );
    };
    load();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, id, state, running]);
  return { arrays, error };
}
