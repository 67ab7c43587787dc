/** The open project's structures: loaded on open, re-read on `structures.changed` and after the event channel returns. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { StructureSummary } from '../../../main/shared/domain';
import { connectionStatus } from '../api/transport-status';
import { useApi } from './api-context';
import { useReportError } from './errors';
import { useStore } from './use-store';

export interface StructuresState {
  structures: StructureSummary[];
  loading: boolean;
  refresh: () => Promise<StructureSummary[]>;
}

export function useStructures(projectPath: string | null): StructuresState {
  const api = useApi();
  const report = useReportError();
  const generation = useStore(connectionStatus).generation;
  const [structures, setStructures] = useState<StructureSummary[]>([]);
  const [loading, setLoading] = useState(false);
  const request = useRef(0);

  const refresh = useCallback(async () => {
    if (!projectPath) {
      setStructures([]);
      return [];
    }
    const mine = ++request.current;
    setLoading(true);
    try {
      const list = await api.invoke('structures.list', {});
      // A slower, older answer must not overwrite a newer one.
      if (mine === request.current) setStructures(list);
      return list;
    } catch (error) {
      report('Loading the structures list', error);
      return [];
    } finally {
      if (mine === request.current) setLoading(false);
    }
  }, [api, projectPath, report]);

  useEffect(() => {
    void refresh();
  }, [refresh, generation]);

  useEffect(() => api.on('structures.changed', () => void refresh()), [api, refresh]);

  return { structures, loading, refresh };
}
