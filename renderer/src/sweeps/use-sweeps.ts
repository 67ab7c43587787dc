/**
 * The project's sweeps (re-read on `sweeps.changed` and when a sweep job changes state) and one sweep's cells, re-read
 * whenever its job reports a finished cell (`job.series` 'cells') or moves, so the heatmaps fill in live.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobSummary } from '../../../main/shared/domain';
import type { SweepSummary } from '../../../main/shared/sweeps';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { useProjectList } from '../state/use-project-list';

export function useSweeps(jobs: JobSummary[]): { sweeps: SweepSummary[]; loading: boolean; error: string | null; refresh: () => Promise<void> } {
  const api = useApi();
  const key = jobs
    .filter((j) => j.kind === 'sweep')
    .map((j) => `${j.id}:${j.state}`)
    .join(',');
  const { items, loading, error, refresh } = useProjectList(() => api.invoke('sweeps.list', {}), 'sweeps.changed', key);
  return { sweeps: items, loading, error, refresh };
}

export function useSweep(id: number, job: JobSummary | null): { sweep: SweepSummary | null; error: string | null } {
  const api = useApi();
  const [sweep, setSweep] = useState<SweepSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);
  const load = useCallback(async () => {
    const mine = ++request.current;
    try {
      const s = await api.invoke('sweeps.get', { id });
      if (mine === request.current) {
        setSweep(s);
        setError(null);
      }
    } catch (e) {
      if (mine === request.current) setError(errorMessage(e));
    }
  }, [api, id]);
  const jobKey = job ? `${job.id}:${job.state}` : '';
  useEffect(() => {
    void load();
  }, [load, jobKey]);
  useEffect(
    () =>
      api.on('job.series', (event) => {
        if (job !== null && event.jobId === job.id && event.key === 'cells') void load();
      }),
    [api, job, load],
  );
  useEffect(() => api.on('sweeps.changed', (event) => (event.sweepId === id ? void load() : undefined)), [api, id, load]);
  return { sweep, error };
}
