/**
 * The project's datasets: name, state, done/total, a resume button for an interrupted build and export of a complete
 * one to a folder the user types (a path on the machine that runs the core).
 */
import { useState } from 'react';
import type { DatasetSummary } from '../../../main/shared/domain';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage, formatDateTime } from '../format';
import { useApi } from '../state/api-context';

export interface DatasetListProps {
  datasets: DatasetSummary[];
  selectedId: number | null;
  onSelect: (id: number) => void;
  /** Ids of datasets whose diffract job is queued or running (no resume then). */
  running: ReadonlySet<number>;
}

export function DatasetList({ datasets, selectedId, onSelect, running }: DatasetListProps) {
  return (
    <ul className="dataset-list" data-testid="dataset-list">
      {datasets.map((d) => (
        <DatasetItem key={d.id} dataset={d} selected={d.id === selectedId} onSelect={() => onSelect(d.id)} running={running.has(d.id)} />
      ))}
      {datasets.length === 0 && <li className="empty">No datasets yet. Build one from labelled structures.</li>}
    </ul>
  );
}

interface DatasetItemProps {
  dataset: DatasetSummary;
  selected: boolean;
  onSelect: () => void;
  running: boolean;
}

function DatasetItem({ dataset, selected, onSelect, running }: DatasetItemProps) {
  const api = useApi();
  const [dir, setDir] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const percent = dataset.sampleCount > 0 ? Math.round((100 * dataset.doneCount) / dataset.sampleCount) : 0;

  async function resume() {
    setError(null);
    try {
      const { jobId } = await api.invoke('datasets.resume', { datasetId: dataset.id });
      setMessage(`Resumed as job #${jobId}.`);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  async function exportTo() {
    setError(null);
    setMessage(null);
    setBusy(true);
    try {
      const result = await api.invoke('datasets.export', { datasetId: dataset.id, dir: dir.trim() });
      setMessage(`Exported ${result.files.length} files to ${result.dir}.`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className={`dataset-item${selected ? ' selected' : ''}`} data-testid="dataset-item" data-dataset-id={dataset.id} data-dataset-state={dataset.state}>
      <button type="button" className="dataset-item__head" onClick={onSelect} aria-pressed={selected}>
        <span className="dataset-item__name">{dataset.name}</span>
        <span className={`state-pill state-pill--${dataset.state === "complete" ? "succeeded" : "running"}`}>{dataset.state}</span>
        <span className="dataset-item__count" data-testid="dataset-done">
          {dataset.doneCount} / {dataset.sampleCount} patterns
        </span>
        <span className="muted dataset-item__date">{formatDateTime(dataset.createdAt)}</span>
      </button>
      {dataset.state === 'building' && (
        <div className="dataset-item__progress">
          <span className="progress">
            <span className="progress__bar" style={{ width: `${percent}%` }} />
          </span>
          <button type="button" className="button button--small" onClick={() => void resume()} disabled={running} title={running ? 'Its job is still running' : 'Continue the build where it stopped'} data-testid="dataset-resume">
            Resume
          </button>
        </div>
      )}
      {selected && dataset.state === 'complete' && (
        <form
          className="dataset-item__export"
          onSubmit={(e) => {
            e.preventDefault();
            void exportTo();
          }}
        >
          <input
            className="input input--mono"
            placeholder="/folder/for/the/dataset (on the core's machine)"
            value={dir}
            onChange={(e) => setDir(e.target.value)}
            data-testid="dataset-export-input"
            spellCheck={false}
          />
          <button type="submit" className="button button--small" disabled={busy || dir.trim() === ''} data-testid="dataset-export-submit">
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </form>
      )}
      {message && (
        <div className="field__help" data-testid="dataset-export-result">
          {message}
        </div>
      )}
      {error && <ErrorBanner title="Dataset action failed" message={error} onDismiss={() => setError(null)} />}
    </li>
  );
}
