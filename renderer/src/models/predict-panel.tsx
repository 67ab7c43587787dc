/**
 * A model's predictions: "Predict" on a project dataset (all patterns or one side of its split), a .npy stack of raw
 * patterns or a dataset export folder; the predict jobs still running; and the stored predictions to choose from.
 */
import { useEffect, useMemo, useState } from 'react';
import type { DatasetSummary, JobSummary } from '../../../main/shared/domain';
import type { ModelSummary, PredictionInput, PredictionSummary } from '../../../main/shared/models';
import { ErrorBanner } from '../components/error-banner';
import { SegmentedControl } from '../components/segmented-control';
import { errorMessage, formatCount, formatDateTime } from '../format';
import { useApi } from '../state/api-context';
import { isActiveJob } from '../state/use-jobs';
import { formatError } from './model-format';

type InputKind = PredictionInput['kind'];
type Split = 'all' | 'train' | 'validation';

const INPUT_OPTIONS = [
  { value: 'dataset', label: 'dataset', title: 'A dataset of this project (labelled: metrics, parity and profiles follow)', testId: 'predict-input-dataset' },
  { value: 'npy', label: '.npy stack', title: 'Raw intensities (N, S, S) as `ssro diffract --raw` writes them', testId: 'predict-input-npy' },
  { value: 'export', label: 'export folder', title: 'A dataset export folder (diffraction_patterns.npy …)', testId: 'predict-input-export' },
] as const;

const SPLIT_OPTIONS = [
  { value: 'all', label: 'all', title: 'Every pattern of the dataset' },
  { value: 'validation', label: 'validation', title: 'The 20 % of the dataset’s seeded split (unseen when the model trained on it)' },
  { value: 'train', label: 'training', title: 'The 80 % of the dataset’s seeded split' },
] as const;

export interface PredictPanelProps {
  model: ModelSummary;
  predictions: PredictionSummary[];
  datasets: DatasetSummary[];
  jobs: JobSummary[];
  selectedId: number | null;
  onSelect: (predictionId: number) => void;
  /** A predict job started here: its prediction is selected once it is stored. */
  onStarted: (jobId: number) => void;
}

/** The model a predict job runs (PredictJobParams.model.id), read defensively. */
function predictJobModel(job: JobSummary): number | null {
  const params = job.params as { model?: { id?: unknown } } | null;
  return typeof params?.model?.id === 'number' ? params.model.id : null;
}

function predictJobName(job: JobSummary): string {
  const params = job.params as { name?: unknown } | null;
  return typeof params?.name === 'string' ? params.name : `prediction job #${job.id}`;
}

export function PredictPanel({ model, predictions, datasets, jobs, selectedId, onSelect, onStarted }: PredictPanelProps) {
  const api = useApi();
  const complete = useMemo(() => datasets.filter((d) => d.state === 'complete'), [datasets]);
  const [kind, setKind] = useState<InputKind>('dataset');
  const [datasetId, setDatasetId] = useState<string>(() => String(model.datasetId ?? complete[0]?.id ?? ''));
  const [split, setSplit] = useState<Split>('all');
  const [path, setPath] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Jobs started from this panel: their failures are shown here (older ones are in the jobs panel). */
  const [started, setStarted] = useState<number[]>([]);
  const ready = model.state === 'trained' || model.state === 'imported';

  useEffect(() => {
    if (datasetId === '' && complete[0]) setDatasetId(String(complete[0].id));
  }, [complete, datasetId]);

  const input: PredictionInput | null =
    kind === 'dataset'
      ? datasetId === ''
        ? null
        : { kind: 'dataset', datasetId: Number(datasetId), split }
      : path.trim() === ''
        ? null
        : kind === 'npy'
          ? { kind: 'npy', path: path.trim() }
          : { kind: 'export', dir: path.trim() };

  async function predict() {
    if (!input) return;
    setSubmitting(true);
    setError(null);
    try {
      const { jobId } = await api.invoke('predictions.run', { modelId: model.id, input });
      setStarted((ids) => [...ids, jobId]);
      onStarted(jobId);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSubmitting(false);
    }
  }

  const running = jobs.filter((j) => j.kind === 'predict' && predictJobModel(j) === model.id && isActiveJob(j));
  const failed = jobs.filter((j) => started.includes(j.id) && j.state === 'failed');

  return (
    <section className="sim-card model-card predict-panel" aria-label="Predictions" data-testid="predict-panel">
      <header className="model-card__header">
        <h3>Predictions</h3>
        <span className="muted">{predictions.length === 0 ? 'none yet' : `${predictions.length} stored`}</span>
      </header>
      <div className="predict-panel__form">
        <SegmentedControl label="Input" options={INPUT_OPTIONS} value={kind} onChange={setKind} small />
        {kind === 'dataset' ? (
          <div className="predict-panel__row">
            <select className="input input--small predict-panel__dataset" value={datasetId} onChange={(e) => setDatasetId(e.target.value)} aria-label="Dataset to predict" data-testid="predict-dataset">
              {complete.length === 0 && <option value="">no complete dataset</option>}
              {complete.map((d) => (
                <option key={d.id} value={d.id}>
                  #{d.id} {d.name} · {formatCount(d.sampleCount)} patterns{d.id === model.datasetId ? ' (trained on)' : ''}
                </option>
              ))}
            </select>
            <SegmentedControl label="Patterns" options={SPLIT_OPTIONS} value={split} onChange={setSplit} small />
          </div>
        ) : (
          <input
            className="input input--mono"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder={kind === 'npy' ? '/path/on/the/core/patterns.npy' : '/path/on/the/core/export-folder'}
            spellCheck={false}
            aria-label={kind === 'npy' ? 'Path of the .npy stack' : 'Path of the export folder'}
            data-testid="predict-path"
          />
        )}
        <div className="predict-panel__row predict-panel__row--end">
          <span className="muted predict-panel__note">
            {ready ? 'onnxruntime on both cores, with the model’s own preprocessing' : 'Needs trained weights: finish or resume the training first.'}
          </span>
          <button type="button" className="button button--primary button--small" onClick={() => void predict()} disabled={!ready || !input || submitting} data-testid="predict-run">
            {submitting ? 'Starting…' : 'Predict'}
          </button>
        </div>
      </div>
      {error && <ErrorBanner title="Prediction refused" message={error} onDismiss={() => setError(null)} />}
      {failed.map((j) => (
        <ErrorBanner key={j.id} title={`Prediction job #${j.id} failed`} message={j.error ?? 'no reason given'} />
      ))}
      <ul className="prediction-list" data-testid="prediction-list">
        {running.map((j) => (
          <li key={`job-${j.id}`} className="prediction-item prediction-item--running" data-testid="prediction-running">
            <span className="prediction-item__name">{predictJobName(j)}</span>
            <span className="progress prediction-item__progress">
              <span className="progress__bar" style={{ width: `${Math.round((j.progress ?? 0) * 100)}%` }} />
            </span>
            <span className="muted prediction-item__meta">{j.message ?? j.state}</span>
          </li>
        ))}
        {predictions.map((p) => (
          <li key={p.id}>
            <button
              type="button"
              className={`prediction-item${p.id === selectedId ? ' selected' : ''}`}
              onClick={() => onSelect(p.id)}
              aria-pressed={p.id === selectedId}
              data-testid="prediction-item"
              data-prediction-id={p.id}
            >
              <span className="prediction-item__name">{p.name}</span>
              <span className="prediction-item__rmse">{p.metrics ? `RMSE ${formatError(p.metrics.overall.rmse)}` : 'no labels'}</span>
              <span className="muted prediction-item__meta">
                {formatCount(p.count)} patterns · {formatDateTime(p.createdAt)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
