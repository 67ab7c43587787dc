/** The project's maps, re-read on `maps.changed` and when a map job changes state; one map's arrays once complete. */
import { useEffect, useState } from 'react';
import type { JobSummary } from '../../../main/shared/domain';
import type { MapRecord } from '../../../main/shared/maps';
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

export interface MapArrays {
  shape: number[];
  d: (number | null)[];
  flags: number[];
  vbf: number[];
  vadf: number[];
  groups: string[] | null;
  files: string[] | null;
}

export function useMapArrays(map: MapRecord | null): { arrays: MapArrays | null; error: string | null } {
  const api = useApi();
  const [arrays, setArrays] = useState<MapArrays | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = map?.state === 'complete' ? map.id : null;
  useEffect(() => {
    setArrays(null);
    setError(null);
    if (id === null) return;
    let live = true;
    api.invoke('maps.arrays', { id }).then(
      (a) => live && setArrays(a),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, id]);
  return { arrays, error };
}
