/**
 * The "Train a model" page: the training form, checked on every change, and the run it started (or one still
 * running, or any earlier run picked from the list) with its live curves.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { DatasetSummary, JobSummary } from '../../../main/shared/domain';
import type { ModelSummary } from '../../../main/shared/models';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { isActiveJob } from '../state/use-jobs';
import { architectureLabel } from './model-format';
import { checkTrainingDraft, defaultTrainingDraft, type TrainingDraft } from './training-draft';
import { TrainingForm } from './training-form';
import { TrainingRunPanel, trainJobInfo } from './training-run-panel';

export interface TrainingPageProps {
  jobs: JobSummary[];
  models: ModelSummary[];
  datasets: DatasetSummary[];
  onCancelled: (job: JobSummary) => void;
  onOpenModel: (modelId: number) => void;
  /** Opens the Datasets tab (when there is nothing to train on yet). */
  onOpenDatasets: () => void;
}

export function TrainingPage({ jobs, models, datasets, onCancelled, onOpenModel, onOpenDatasets }: TrainingPageProps) {
  const api = useApi();
  const complete = useMemo(() => datasets.filter((d) => d.state === 'complete'), [datasets]);
  const [draft, setDraft] = useState<TrainingDraft>(() => defaultTrainingDraft(complete[0]?.id ?? null));
  const [runJobId, setRunJobId] = useState<number | null>(null);
  /** Once a run was chosen (started here or picked), a new job elsewhere does not take the panel over. */
  const [picked, setPicked] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const sideRef = useRef<HTMLDivElement>(null);
  /** Set by Train: the run panel is brought into view once it is drawn (the button may be far down the form). */
  const [reveal, setReveal] = useState(false);
  useEffect(() => {
    if (!reveal || runJobId === null) return;
    sideRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    setReveal(false);
  }, [reveal, runJobId]);

  // The newest complete dataset once one exists, unless the user chose already.
  const firstComplete = complete[0]?.id ?? null;
  useEffect(() => {
    if (draft.datasetId === '' && firstComplete !== null) setDraft((d) => (d.datasetId === '' ? { ...d, datasetId: String(firstComplete) } : d));
  }, [firstComplete, draft.datasetId]);

  const check = useMemo(() => checkTrainingDraft(draft), [draft]);
  const runs = useMemo(() => jobs.filter((j) => j.kind === 'train'), [jobs]);
  useEffect(() => {
    if (picked || runJobId !== null) return;
    const running = runs.find(isActiveJob);
    if (running) setRunJobId(running.id);
  }, [runs, runJobId, picked]);
  const runJob = runs.find((j) => j.id === runJobId) ?? null;
  const runModelId = trainJobInfo(runJob).modelId;
  const runModel = models.find((m) => m.id === runModelId) ?? null;

  async function train() {
    if (!check.request) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const { jobId } = await api.invoke('training.run', check.request);
      setRunJobId(jobId);
      setPicked(true);
      setReveal(true);
    } catch (error) {
      setSubmitError(errorMessage(error));
    } finally {
      setSubmitting(false);
    }
  }

  const errorCount = Object.keys(check.errors).length;
  const unplaced = check.errors[''];
  const modelName = (job: JobSummary) => {
    const info = trainJobInfo(job);
    return models.find((m) => m.id === info.modelId)?.name ?? (info.architecture ? architectureLabel(info.architecture) : 'model');
  };

  return (
    <div className="train-page" data-testid="training-page">
      <form className="sim-card simulate-view__form train-page__form" aria-label="Training parameters" onSubmit={(e) => e.preventDefault()}>
        <header className="simulate-view__header">
          <h2>Train a model</h2>
        </header>
        <p className="simulate-view__about muted">
          Learns the mean disorder d̄ of each pattern (papers/000 §2.3): L1 loss, Adam, ReduceLROnPlateau, the paper’s augmentation. PyTorch runs as a job; the best epoch
          is exported to ONNX with its preprocessing.
        </p>
        {complete.length === 0 && (
          <div className="train-page__hint">
            No complete dataset to train on yet.{' '}
            <button type="button" className="link-button" onClick={onOpenDatasets} data-testid="train-open-datasets">
              Build one in Datasets
            </button>
          </div>
        )}
        <TrainingForm draft={draft} check={check} datasets={datasets} onChange={setDraft} />
        {unplaced && <p className="field__error">{unplaced}</p>}
        {submitError && <ErrorBanner title="Training was refused" message={submitError} onDismiss={() => setSubmitError(null)} />}
        <footer className="simulate-view__actions">
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={() => setDraft(defaultTrainingDraft(firstComplete))}
            title="Reset the form to the paper’s settings"
            data-testid="train-reset"
          >
            Reset
          </button>
          <span className="simulate-view__status" data-testid="train-status">
            {errorCount > 0 ? <span className="text-failed">{errorCount === 1 ? '1 field' : `${errorCount} fields`} to fix</span> : `${architectureLabel(draft.model)} · ${draft.epochs} epochs`}
          </span>
          <button type="button" className="button button--primary" onClick={() => void train()} disabled={!check.request || submitting} data-testid="train-run">
            {submitting ? 'Starting…' : 'Train'}
          </button>
        </footer>
      </form>
      <div className="train-page__side" ref={sideRef}>
        {runs.length > 0 && (
          <div className="simulate-view__runs">
            <label htmlFor="train-run-select">Run</label>
            <select
              id="train-run-select"
              className="input input--small"
              value={runJobId ?? ''}
              onChange={(e) => {
                setPicked(true);
                setRunJobId(e.target.value === '' ? null : Number(e.target.value));
              }}
              data-testid="train-run-select"
            >
              <option value="">none</option>
              {runs.map((j) => (
                <option key={j.id} value={j.id}>
                  #{j.id} {modelName(j)} · {j.state}
                </option>
              ))}
            </select>
          </div>
        )}
        {runJobId !== null ? (
          <TrainingRunPanel
            key={runJobId}
            jobId={runJobId}
            job={runJob}
            model={runModel}
            onCancelled={onCancelled}
            onResumed={(jobId) => {
              setPicked(true);
              setRunJobId(jobId);
            }}
            onOpenModel={onOpenModel}
          />
        ) : (
          <p className="sim-card simulate-view__hint train-page__idle muted">Start a run to follow its losses, learning rate and progress here, epoch by epoch.</p>
        )}
      </div>
    </div>
  );
}
