/**
 * The project's models, re-read when the core says one changed (`models.changed`) and when a train job changes state,
 * so a run's model moves from 'training' to 'trained' or 'incomplete' in the list without a reload.
 */
import type { JobSummary } from '../../../main/shared/domain';
import type { ModelSummary } from '../../../main/shared/models';
import { useApi } from '../state/api-context';
import { useProjectList } from '../state/use-project-list';

export interface ModelsState {
  models: ModelSummary[];
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
}

export function useModels(jobs: JobSummary[]): ModelsState {
  const api = useApi();
  // States of train jobs only: their progress ticks must not re-read the list.
  const trainKey = jobs
    .filter((j) => j.kind === 'train')
    .map((j) => `${j.id}:${j.state}`)
    .join(',');
  const { items, loading, error, refresh } = useProjectList(() => api.invoke('models.list', {}), 'models.changed', trainKey);
  return { models: items, loading, error, refresh };
}
