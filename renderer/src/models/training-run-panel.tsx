/**
 * One train job as it runs: state, progress with the worker's epoch/batch/ETA message, Stop, the latest epoch's
 * numbers and the live curves; when it ends, the way on (the model page), or Resume for a run that stopped early.
 */
import { useState } from 'react';
import type { JobState, JobSummary } from '../../../main/shared/domain';
import type { ModelSummary } from '../../../main/shared/models';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage, formatDurationMs } from '../format';
import { useApi } from '../state/api-context';
import { isActiveJob } from '../state/use-jobs';
import { architectureLabel, formatError, formatR2, formatSmall } from './model-format';
import { TrainingCurves } from './training-curves';
import { column, useTrainingSeries } from './use-training-series';
import { useNow } from '../state/use-now';

const STATE_LABELS: Record<JobState, string> = {
  queued: 'Queued',
  running: 'Training',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Stopped',
  interrupted: 'Interrupted',
};

/** What a train job's parameters say about its run (TrainJobParams), read defensively. */
export function trainJobInfo(job: JobSummary | null): { modelId: number | null; epochs: number | null; architecture: string | null } {
  const params = (job?.kind === 'train' && typeof job.params === 'object' && job.params !== null ? job.params : {}) as {
    modelId?: unknown;
    config?: { epochs?: unknown; model?: unknown };
  };
  return {
    modelId: typeof params.modelId === 'number' ? params.modelId : null,
    epochs: typeof params.config?.epochs === 'number' ? params.config.epochs : null,
    architecture: typeof params.config?.model === 'string' ? params.config.model : null,
  };
}

export interface TrainingRunPanelProps {
  jobId: number;
  /** The job as last seen (null until its first update arrives). */
  job: JobSummary | null;
  /** The model the run trains (null until the list has it). */
  model: ModelSummary | null;
  onCancelled: (job: JobSummary) => void;
  /** A resume started a new job for the same model. */
  onResumed: (jobId: number) => void;
  /** Shown as "Open the model page" once the run made a model; absent on the model page itself. */
  onOpenModel?: (modelId: number) => void;
  /** The best epoch when known (history.json of a finished run). */
  bestEpoch?: number | null;
}

export function TrainingRunPanel({ jobId, job, model, onCancelled, onResumed, onOpenModel, bestEpoch = null }: TrainingRunPanelProps) {
  const api = useApi();
  const [busy, setBusy] = useState<'stop' | 'resume' | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const active = job ? isActiveJob(job) : true;
  const series = useTrainingSeries(jobId, !active);
  const info = trainJobInfo(job);
  const modelId = info.modelId ?? model?.id ?? null;
  const now = useNow(active ? 1000 : null);

  async function stop() {
    setBusy('stop');
    setActionError(null);
    try {
      onCancelled(await api.invoke('jobs.cancel', { id: jobId }));
    } catch (error) {
      setActionError(errorMessage(error));
    } finally {
      setBusy(null);
    }
  }

  async function resume() {
    if (modelId === null) return;
    setBusy('resume');
    setActionError(null);
    try {
      onResumed((await api.invoke('training.resume', { modelId })).jobId);
    } catch (error) {
      setActionError(errorMessage(error));
    } finally {
      setBusy(null);
    }
  }

  const state = job?.state ?? 'queued';
  const percent = job?.progress === null || job?.progress === undefined ? null : Math.round(job.progress * 1000) / 10;
  const latest = series.training.rows[series.training.rows.length - 1] ?? null;
  const at = (name: string) => (latest ? column(series.training, name)(latest) : Number.NaN);
  const lastBatch = series.batches.rows[series.batches.rows.length - 1] ?? null;
  const imagesPerSecond = lastBatch ? column(series.batches, 'imagesPerSecond')(lastBatch) : Number.NaN;
  // Only the model's current job may resume it: an older stopped job of a model trained since must not offer it.
  const resumable = !active && model !== null && model.state === 'incomplete' && model.jobId === jobId;
  const hasRows = series.training.rows.length > 0 || series.batches.rows.length > 0;
  const title = model?.name ?? (info.architecture ? `${architectureLabel(info.architecture)} run` : 'Training run');

  return (
    <section className={`sim-card sim-run train-run job--${state}`} aria-label={`Training run #${jobId}`} data-testid="training-run" data-job-id={jobId} data-job-state={state}>
      <header className="sim-run__header">
        <h3>
          {title} <span className="muted">· job #{jobId}</span>
        </h3>
        <span className={`state-pill state-pill--${state}`} data-testid="training-run-state">
          {job ? STATE_LABELS[state] : 'Starting…'}
        </span>
        <span className="sim-run__duration muted">{job ? duration(job, now) : ''}</span>
        {active && (
          <button type="button" className="button button--small button--danger" onClick={() => void stop()} disabled={busy !== null || !job} title="Stop after the current batch; the epochs done are kept and can be resumed" data-testid="training-stop">
            {busy === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
        )}
        {resumable && (
          <button type="button" className="button button--small button--primary" onClick={() => void resume()} disabled={busy !== null} title="Continue from the last saved epoch" data-testid="training-resume">
            {busy === 'resume' ? 'Resuming…' : 'Resume'}
          </button>
        )}
      </header>
      <div className="sim-run__progress">
        <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent ?? undefined} aria-label="Progress">
          <div
            className={`progress__bar${percent === null && active ? ' progress__bar--indeterminate' : ''}`}
            style={{ width: `${percent ?? (state === 'succeeded' ? 100 : 0)}%` }}
          />
        </div>
        <span className="progress__label">{percent === null ? (state === 'succeeded' ? '100 %' : '—') : `${percent.toFixed(percent < 10 ? 1 : 0)} %`}</span>
        <span className="sim-run__message" title={job?.message ?? undefined} data-testid="training-run-message">
          {job?.message ?? 'waiting for the job to start'}
        </span>
      </div>
      {actionError && <ErrorBanner title="The run did not respond" message={actionError} onDismiss={() => setActionError(null)} />}

      {state === 'succeeded' && (
        <div className="sim-run__done">
          <span>
            Trained <strong>{model?.name ?? (modelId !== null ? `model #${modelId}` : 'a model')}</strong>
            {latest ? ` · ${formatCountEpochs(series.training.rows.length)} · validation RMSE ${formatError(at('valRmse'))}` : ''}
          </span>
          {onOpenModel && modelId !== null && (
            <button type="button" className="button button--primary button--small" onClick={() => onOpenModel(modelId)} data-testid="training-open-model">
              Open the model page
            </button>
          )}
        </div>
      )}
      {state === 'failed' && job?.error && <ErrorBanner title="Training failed" message={job.error} />}
      {(state === 'cancelled' || state === 'interrupted') && (
        <p className="sim-run__note muted" data-testid="training-stopped-note">
          {sentence(job?.error ?? (state === 'cancelled' ? 'Stopped' : 'Interrupted: the app stopped while this run trained'))}
          {resumable ? ' Resume continues from the last saved epoch.' : ''}
        </p>
      )}

      {latest && (
        <dl className="sim-run__latest" data-testid="training-latest">
          <Reading label="epoch" value={`${at('epoch')}${info.epochs !== null ? ` / ${info.epochs}` : ''}`} />
          <Reading label="train loss" value={formatSmall(at('trainLoss'))} />
          <Reading label="val loss" value={formatSmall(at('valLoss'))} />
          <Reading label="val MAE" value={formatError(at('valMae'))} />
          <Reading label="val RMSE" value={formatError(at('valRmse'))} />
          <Reading label="R²" value={formatR2(at('valR2'))} />
          <Reading label="lr" value={formatSmall(at('lr'))} />
          {Number.isFinite(imagesPerSecond) && <Reading label="images/s" value={imagesPerSecond.toFixed(0)} />}
        </dl>
      )}
      {series.error && <ErrorBanner title="Cannot read the training tables" message={series.error} />}
      {hasRows ? (
        <TrainingCurves
          training={series.training}
          batches={series.batches}
          epochs={info.epochs}
          bestEpoch={bestEpoch}
          exportTitle={`Training of ${title} (job #${jobId})`}
          fileStem={`training-${jobId}`}
        />
      ) : (
        <p className="sim-run__empty muted" data-testid="training-curves-empty">
          {series.loading ? 'Reading the training tables…' : active ? 'The curves appear with the first batches (PyTorch takes a few seconds to start).' : 'This run recorded no epochs.'}
        </p>
      )}
      {job && job.logTail.length > 0 && (
        <details className="sim-disclosure" open={state === 'failed'} data-testid="training-log">
          <summary>Log (last {job.logTail.length} lines)</summary>
          <pre className="job__log sim-run__log">{job.logTail.join('\n')}</pre>
        </details>
      )}
    </section>
  );
}

/** The core's messages end without a full stop; another sentence follows here. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text : `${text.trim()}.`;
}

function formatCountEpochs(n: number): string {
  return `${n} ${n === 1 ? 'epoch' : 'epochs'}`;
}

function Reading({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function duration(job: JobSummary, now: number): string {
  const start = job.startedAt ? Date.parse(job.startedAt) : null;
  if (start === null || Number.isNaN(start)) return job.state === 'queued' ? 'waiting for a worker slot' : '';
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  return formatDurationMs(end - start);
}

