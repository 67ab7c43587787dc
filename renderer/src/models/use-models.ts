/**
 * The project's models, re-read when the core says one changed (`models.changed`) and when a train job changes state,
 * so a run's model moves from 'training' to 'trained' or 'incomplete' in the list without a reload.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobSummary } from '../../../main/shared/domain';
import type { ModelSummary } from '../../../main/shared/models';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';

export interface ModelsState {
  models: ModelSummary[];
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
}

export function useModels(jobs: JobSummary[]): ModelsState {
  const api = useApi();
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++request.current;
    try {
      const list = await api.invoke('models.list', {});
      if (mine !== request.current) return;
      setModels([...list].sort((a, b) => b.id - a.id));
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
  useEffect(() => api.on('models.changed', () => void refresh()), [api, refresh]);

  // States of train jobs only: their progress ticks must not re-read the list.
  const trainKey = jobs
    .filter((j) => j.kind === 'train')
    .map((j) => `${j.id}:${j.state}`)
    .join(',');
  useEffect(() => {
    if (trainKey) void refresh();
  }, [trainKey, refresh]);

  return { models, loading, error, refresh };
}
