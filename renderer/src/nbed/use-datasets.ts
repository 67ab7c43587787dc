/**
 * The project's NBED datasets, re-read when the core says one changed (`datasets.changed`) and while a diffract job
 * moves, so the done/total counts follow a build.
 */
import type { DatasetSummary, JobSummary } from '../../../main/shared/domain';
import { useApi } from '../state/api-context';
import { useProjectList } from '../state/use-project-list';

export interface DatasetsState {
  datasets: DatasetSummary[];
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
}

export function useDatasets(jobs: JobSummary[]): DatasetsState {
  const api = useApi();
  // Progress of diffract jobs, rounded to a few steps so a fast job does not re-read the list on every tick.
  const diffractKey = jobs
    .filter((j) => j.kind === 'diffract')
    .map((j) => `${j.id}:${j.state}:${Math.floor((j.progress ?? 0) * 20)}`)
    .join(',');
  const { items, loading, error, refresh } = useProjectList(() => api.invoke('datasets.list', {}), 'datasets.changed', diffractKey);
  return { datasets: items, loading, error, refresh };
}
