/**
 * A project list (datasets, models …) read through one channel, newest first, re-read when the core announces a
 * change and whenever `jobKey` changes (a summary of the jobs that move the list), with stale answers dropped.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventName } from '../../../main/shared/ipc-contract';
import { errorMessage } from '../format';
import { useApi } from './api-context';

export interface ProjectListState<T> {
  items: T[];
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
}

export function useProjectList<T extends { id: number }>(load: () => Promise<T[]>, changeEvent: EventName, jobKey: string): ProjectListState<T> {
  const api = useApi();
  const [items, setItems] = useState<T[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);
  const loader = useRef(load);
  loader.current = load;

  const refresh = useCallback(async () => {
    const mine = ++request.current;
    try {
      const list = await loader.current();
      if (mine !== request.current) return;
      setItems([...list].sort((a, b) => b.id - a.id));
      setError(null);
    } catch (e) {
      if (mine === request.current) setError(errorMessage(e));
    } finally {
      if (mine === request.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => api.on(changeEvent, () => void refresh()), [api, changeEvent, refresh]);
  useEffect(() => {
    if (jobKey) void refresh();
  }, [jobKey, refresh]);

  return { items, loading, error, refresh };
}
