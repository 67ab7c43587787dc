/** The project's models as a list: name, state, architecture and target, the dataset, and the validation RMSE. */
import type { DatasetSummary } from '../../../main/shared/domain';
import type { ModelSummary } from '../../../main/shared/models';
import { architectureLabel, formatError, MODEL_STATE_LABELS, MODEL_STATE_PILLS, TARGET_LABELS, validationMetrics } from './model-format';

export interface ModelListProps {
  models: ModelSummary[];
  datasets: DatasetSummary[];
  selectedId: number | null;
  onSelect: (id: number) => void;
}

export function ModelList({ models, datasets, selectedId, onSelect }: ModelListProps) {
  return (
    <ul className="model-list" data-testid="model-list">
      {models.map((m) => {
        const rmse = validationMetrics(m)?.rmse ?? null;
        const dataset = datasets.find((d) => d.id === m.datasetId);
        return (
          <li key={m.id}>
            <button
              type="button"
              className={`model-item${m.id === selectedId ? ' selected' : ''}`}
              onClick={() => onSelect(m.id)}
              aria-pressed={m.id === selectedId}
              data-testid="model-item"
              data-model-id={m.id}
              data-model-state={m.state}
            >
              <span className="model-item__name" title={m.name}>
                {m.name}
              </span>
              <span className={`state-pill state-pill--${MODEL_STATE_PILLS[m.state]}`}>{MODEL_STATE_LABELS[m.state]}</span>
              <span className="model-item__meta muted">
                {architectureLabel(m.architecture)} · {TARGET_LABELS[m.target]}
                {m.source === 'trained' ? ` · ${dataset ? dataset.name : m.datasetId !== null ? `dataset #${m.datasetId}` : 'dataset deleted'}` : ' · imported'}
              </span>
              <span className="model-item__rmse" title="Root-mean-square error of d on the validation split">
                {rmse !== null ? `RMSE ${formatError(rmse)}` : ''}
              </span>
            </button>
          </li>
        );
      })}
      {models.length === 0 && <li className="empty">No models yet. Train one on a dataset, or import one.</li>}
    </ul>
  );
}
