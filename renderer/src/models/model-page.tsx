/**
 * One model: its state and, while it trains or after it stopped, its run; its metrics per split and region, the
 * preprocessing and provenance it carries, the parity plot (Fig. 6) and strip profiles (Fig. 8) of the validation
 * split or of a chosen prediction, its predictions with "Predict", and the curves of the run that made it.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { DatasetSummary, JobSummary } from '../../../main/shared/domain';
import type { FitMetrics, ModelSummary } from '../../../main/shared/models';
import { FigureState } from '../analysis/figure-state';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage, formatCount } from '../format';
import { useApi } from '../state/api-context';
import { isActiveJob } from '../state/use-jobs';
import { MetricsTable } from './metrics-table';
import { ModelFacts, modelSplitText } from './model-facts';
import { architectureLabel, MODEL_STATE_LABELS, MODEL_STATE_PILLS, modelMetricsRows, predictionMetricsRows, TARGET_LABELS } from './model-format';
import { ParityFigure, type ParityPairs } from './parity-figure';
import { PredictPanel } from './predict-panel';
import { StripProfileFigure } from './strip-profile-figure';
import { TrainingCurves } from './training-curves';
import { TrainingRunPanel } from './training-run-panel';
import { useModelDetails, usePrediction, type ModelDetails } from './use-model-details';
import { useTrainingSeries } from './use-training-series';

export interface ModelPageProps {
  model: ModelSummary;
  datasets: DatasetSummary[];
  jobs: JobSummary[];
  onCancelled: (job: JobSummary) => void;
  onDeleted: () => void;
}

/** What the parity plot shows: the validation pairs of the training run, or a stored prediction. */
type Source = { kind: 'validation' } | { kind: 'prediction'; id: number } | null;

function defaultSource(details: ModelDetails): Source {
  if (details.validation && details.validation.trueD.length > 0) return { kind: 'validation' };
  const labelled = details.predictions.filter((p) => p.metrics !== null).sort((a, b) => b.id - a.id)[0];
  return labelled ? { kind: 'prediction', id: labelled.id } : null;
}

export function ModelPage({ model, datasets, jobs, onCancelled, onDeleted }: ModelPageProps) {
  const api = useApi();
  const details = useModelDetails(model.id, `${model.state}:${model.updatedAt}:${model.jobId ?? ''}`);
  const data = details.data?.model.id === model.id ? details.data : null;
  const [source, setSource] = useState<Source>(null);
  const [sourceChosen, setSourceChosen] = useState(false);
  const [deleteArmed, setDeleteArmed] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  /** Predict jobs started on this page: their prediction is shown once stored. */
  const awaited = useRef(new Set<number>());

  useEffect(() => {
    if (data && !sourceChosen) setSource(defaultSource(data));
  }, [data, sourceChosen]);

  useEffect(() => {
    for (const job of jobs) {
      if (!awaited.current.has(job.id) || isActiveJob(job)) continue;
      const made = job.outputs.find((o) => o.kind === 'prediction');
      // Wait for the list to hold it, so the selection names a prediction the page can show.
      if (job.state === 'succeeded' && typeof made?.id === 'number') {
        if (!data?.predictions.some((p) => p.id === made.id)) continue;
        setSource({ kind: 'prediction', id: made.id });
        setSourceChosen(true);
      }
      awaited.current.delete(job.id);
    }
  }, [jobs, data]);

  const prediction = usePrediction(source?.kind === 'prediction' ? source.id : null);
  const trainJob = model.jobId !== null ? (jobs.find((j) => j.id === model.jobId) ?? null) : null;
  const showRun = model.source === 'trained' && model.jobId !== null && (model.state === 'training' || model.state === 'incomplete');
  const history = useTrainingSeries(model.source === 'trained' && model.state === 'trained' ? model.jobId : null, true);

  async function remove() {
    setDeleteError(null);
    try {
      await api.invoke('models.delete', { id: model.id });
      onDeleted();
    } catch (e) {
      setDeleteError(errorMessage(e));
      setDeleteArmed(false);
    }
  }

  const modelRows = useMemo(() => modelMetricsRows(model.metrics), [model.metrics]);
  const dataset = datasets.find((d) => d.id === model.datasetId) ?? null;
  const labelled = (data?.predictions ?? []).filter((p) => p.metrics !== null);
  const sourceValue = source === null ? '' : source.kind === 'validation' ? 'validation' : String(source.id);

  return (
    <div className="model-page" data-testid="model-page" data-model-id={model.id} data-model-state={model.state}>
      <header className="sim-card model-page__header">
        <div className="model-page__title">
          <h2 data-testid="model-name">{model.name}</h2>
          <span className={`state-pill state-pill--${MODEL_STATE_PILLS[model.state]}`} data-testid="model-state">
            {MODEL_STATE_LABELS[model.state]}
          </span>
        </div>
        <p className="model-page__subtitle muted">
          {architectureLabel(model.architecture)} · predicts {TARGET_LABELS[model.target]}
          {model.source === 'trained' ? ` · trained on ${dataset ? dataset.name : model.datasetId !== null ? `dataset #${model.datasetId}` : 'a deleted dataset'}` : ' · imported'}
          {` · model #${model.id}`}
        </p>
        <div className="model-page__actions">
          {deleteArmed ? (
            <>
              <span className="text-failed">Delete the model and its files?</span>
              <button type="button" className="button button--small button--danger" onClick={() => void remove()} data-testid="model-delete-confirm">
                Delete
              </button>
              <button type="button" className="button button--small button--ghost" onClick={() => setDeleteArmed(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" className="button button--small button--ghost" onClick={() => setDeleteArmed(true)} disabled={model.state === 'training'} title={model.state === 'training' ? 'Stop the training first' : 'Delete this model'} data-testid="model-delete">
              Delete…
            </button>
          )}
        </div>
        {deleteError && <ErrorBanner title="Cannot delete" message={deleteError} onDismiss={() => setDeleteError(null)} />}
      </header>

      {showRun && model.jobId !== null && (
        <TrainingRunPanel key={model.jobId} jobId={model.jobId} job={trainJob} model={model} onCancelled={onCancelled} onResumed={() => undefined} bestEpoch={data?.history?.bestEpoch ?? null} />
      )}
      {details.error && <ErrorBanner title="Cannot read the model" message={details.error} />}

      <div className="model-page__grid">
        <section className="sim-card model-card" aria-label="Metrics" data-testid="model-metrics">
          <header className="model-card__header">
            <h3>Metrics of the best epoch</h3>
            <span className="muted">d units</span>
          </header>
          {modelRows.length > 0 ? (
            <MetricsTable
              rows={modelRows}
              testId="model-metrics-table"
              note={model.source === 'trained' ? `Validation: ${modelSplitText(model, null)}; the model never learned from the validation patterns.` : 'As recorded in the imported model.'}
            />
          ) : (
            <p className="muted model-card__empty">
              {model.state === 'training'
                ? 'Measured when the run ends.'
                : model.state === 'incomplete'
                  ? 'The run stopped before its best model was exported; resume it to get metrics.'
                  : 'No metrics recorded with this model: predict a labelled dataset to measure it.'}
            </p>
          )}
        </section>
        <ModelFacts model={model} details={data} datasets={datasets} />
      </div>

      {(data?.validation || labelled.length > 0) && (
        <section className="model-evaluation" aria-label="Evaluation" data-testid="model-evaluation">
          <div className="model-evaluation__source">
            <label htmlFor="evaluation-source">Evaluated on</label>
            <select
              id="evaluation-source"
              className="input input--small"
              value={sourceValue}
              onChange={(e) => {
                setSourceChosen(true);
                setSource(e.target.value === 'validation' ? { kind: 'validation' } : e.target.value === '' ? null : { kind: 'prediction', id: Number(e.target.value) });
              }}
              data-testid="evaluation-source"
            >
              {data?.validation && <option value="validation">validation split of the training run ({formatCount(data.validation.metrics.count)} patterns)</option>}
              {labelled.map((p) => (
                <option key={p.id} value={p.id}>
                  prediction #{p.id}: {p.name}
                </option>
              ))}
            </select>
          </div>
          {source?.kind === 'validation' && data?.validation && (
            <ParityFigure
              pairs={{ trueD: data.validation.trueD, predictedD: data.validation.predictedD, split: null }}
              density={data.validation.density}
              metrics={data.validation.metrics}
              exportTitle={`Parity of ${model.name}: validation split`}
              fileStem={`model-${model.id}-validation-parity`}
              caption={`The best epoch on the ${formatCount(data.validation.metrics.count)} validation patterns of the training run${data.validation.sampled ? ` (${formatCount(data.validation.trueD.length)} drawn at random)` : ''}; contours: ${data.validation.density ? `the core’s Gaussian KDE of every validation pair (Scott’s rule, factor ${data.validation.density.bandwidth.factor.toFixed(3)})` : 'd3’s Gaussian density estimate of these pairs'}.`}
            />
          )}
          {source?.kind === 'prediction' && <PredictionEvaluation prediction={prediction} modelName={model.name} />}
        </section>
      )}

      {data && (
        <PredictPanel
          model={model}
          predictions={data.predictions}
          datasets={datasets}
          jobs={jobs}
          selectedId={source?.kind === 'prediction' ? source.id : null}
          onSelect={(id) => {
            setSourceChosen(true);
            setSource({ kind: 'prediction', id });
          }}
          onStarted={(jobId) => awaited.current.add(jobId)}
        />
      )}

      {model.state === 'trained' && model.source === 'trained' && (history.training.rows.length > 0 || history.batches.rows.length > 0) && (
        <section className="sim-card model-card model-history" aria-label="Training history">
          <TrainingCurves
            training={history.training}
            batches={history.batches}
            epochs={null}
            bestEpoch={data?.history?.bestEpoch ?? null}
            exportTitle={`Training of ${model.name}`}
            fileStem={`model-${model.id}-training`}
          />
        </section>
      )}
    </div>
  );
}

function PredictionEvaluation({ prediction, modelName }: { prediction: ReturnType<typeof usePrediction>; modelName: string }) {
  const details = prediction.data;
  const evaluation = details?.evaluation ?? null;
  const pairs = useMemo<ParityPairs | null>(
    () => (evaluation ? { trueD: evaluation.parity.trueD, predictedD: evaluation.parity.predictedD, split: evaluation.metrics.trainedOnThisDataset ? evaluation.parity.split : null } : null),
    [evaluation],
  );
  const rows = useMemo(() => (evaluation ? predictionMetricsRows(evaluation.metrics) : []), [evaluation]);
  if (prediction.error) return <FigureState testId="parity-figure" title="Parity (Fig. 6)" state="error" error={prediction.error} onRetry={prediction.retry} />;
  if (!details) return <FigureState testId="parity-figure" title="Parity (Fig. 6)" state="loading" />;
  if (!evaluation || !pairs) return <p className="muted">This prediction’s input has no labels: nothing to compare with.</p>;
  const p = details.prediction;
  const overall: FitMetrics = evaluation.metrics.overall;
  const density = evaluation.density;
  return (
    <>
      <ParityFigure
        pairs={pairs}
        density={density}
        metrics={overall}
        exportTitle={`Parity of ${modelName}: ${p.name}`}
        fileStem={`prediction-${p.id}-parity`}
        caption={`${formatCount(evaluation.parity.total)} patterns${evaluation.parity.sampled ? ` (${formatCount(pairs.trueD.length)} drawn at random)` : ''}; contours: the core’s Gaussian KDE${density ? ` (Scott’s rule, factor ${density.bandwidth.factor.toFixed(3)})` : ''}.${
          evaluation.metrics.trainedOnThisDataset ? ' The model learned from the training split of this dataset.' : ''
        }`}
      />
      <section className="sim-card model-card" aria-label="Prediction metrics" data-testid="prediction-metrics">
        <header className="model-card__header">
          <h3>Metrics of prediction #{p.id}</h3>
          <span className="muted">d units</span>
        </header>
        <MetricsTable rows={rows} testId="prediction-metrics-table" />
      </section>
      {evaluation.profiles.length > 0 && <StripProfileFigure profiles={evaluation.profiles} exportTitle={`${modelName}: ${p.name}`} fileStem={`prediction-${p.id}-profile`} />}
    </>
  );
}
