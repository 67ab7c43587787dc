/**
 * The project's jobs, kept live from `job.updated` events. A slow poll runs only while some job is unfinished, as a
 * safety net for events lost while the event channel was down.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { FINAL_JOB_STATES, type JobSummary } from '../../../main/shared/domain';
import { connectionStatus } from '../api/transport-status';
import { useApi } from './api-context';
import { useReportError } from './errors';
import { useStore } from './use-store';

const POLL_MS = 5000;
const LIST_LIMIT = 200;

export function isActiveJob(job: JobSummary): boolean {
  return !FINAL_JOB_STATES.includes(job.state);
}

export interface JobsState {
  jobs: JobSummary[];
  /** Inserts or replaces a job, e.g. from the answer of jobs.cancel. */
  upsert: (job: JobSummary) => void;
  refresh: () => Promise<void>;
}

export function useJobs(projectPath: string | null, onUpdate?: (job: JobSummary) => void): JobsState {
  const api = useApi();
  const report = useReportError();
  const generation = useStore(connectionStatus).generation;
  const [byId, setById] = useState<ReadonlyMap<number, JobSummary>>(new Map());
  const onUpdateRef = useRef(onUpdate);
  onUpdateRef.current = onUpdate;

  const upsert = useCallback((job: JobSummary) => {
    setById((map) => {
      const next = new Map(map);
      next.set(job.id, job);
      return next;
    });
  }, []);

  const refresh = useCallback(async () => {
    if (!projectPath) {
      setById(new Map());
      return;
    }
    try {
      const list = await api.invoke('jobs.list', { limit: LIST_LIMIT });
      setById(new Map(list.map((j) => [j.id, j])));
      for (const job of list) onUpdateRef.current?.(job);
    } catch (error) {
      report('Loading the jobs list', error);
    }
  }, [api, projectPath, report]);

  useEffect(() => {
    void refresh();
  }, [refresh, generation]);

  useEffect(
    () =>
      api.on('job.updated', (job) => {
        upsert(job);
        onUpdateRef.current?.(job);
      }),
    [api, upsert],
  );

  const jobs = useMemo(() => [...byId.values()].sort((a, b) => b.id - a.id), [byId]);
  const anyActive = jobs.some(isActiveJob);
  useEffect(() => {
    if (!anyActive) return;
    const timer = window.setInterval(() => void refresh(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [anyActive, refresh]);

  return { jobs, upsert, refresh };
}
