/**
 * The project's NBED datasets, re-read when the core says one changed (`datasets.changed`) and while a diffract job
 * moves, so the done/total counts follow a build.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DatasetSummary, JobSummary } from '../../../main/shared/domain';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';

export interface DatasetsState {
  datasets: DatasetSummary[];
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
}

export function useDatasets(jobs: JobSummary[]): DatasetsState {
  const api = useApi();
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++request.current;
    try {
      const list = await api.invoke('datasets.list', {});
      if (mine !== request.current) return;
      setDatasets([...list].sort((a, b) => b.id - a.id));
      setError(null);
    } catch (e) {
      if (mine === request.current) setError(errorMessage(e));
    } finally {
      if (mine === request.current) setLoading(false);
    }
  }, [api]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => api.on('datasets.changed', () => void refresh()), [api, refresh]);

  // Progress of diffract jobs, rounded to a few steps so a fast job does not re-read the list on every tick.
  const diffractKey = jobs
    .filter((j) => j.kind === 'diffract')
    .map((j) => `${j.id}:${j.state}:${Math.floor((j.progress ?? 0) * 20)}`)
    .join(',');
  useEffect(() => {
    if (diffractKey) void refresh();
  }, [diffractKey, refresh]);

  return { datasets, loading, error, refresh };
}
