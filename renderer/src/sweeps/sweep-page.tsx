/**
 * One probe-size sweep: its settings, the job's progress with Stop while it runs, Resume when it stopped early, the
 * RMSE heatmaps (Fig. 7) filling in cell by cell, and a table of every cell.
 */
import { useState } from 'react';
import type { DatasetSummary, JobSummary } from '../../../main/shared/domain';
import type { SweepSummary } from '../../../main/shared/sweeps';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage, formatCount } from '../format';
import { architectureLabel, formatError, formatR2 } from '../models/model-format';
import { useApi } from '../state/api-context';
import { isActiveJob } from '../state/use-jobs';
import { SweepHeatmap } from './sweep-heatmap';

import { useSweep } from './use-sweeps';
import { sweepSplitText } from './sweep-split-text';

export const SWEEP_STATE_LABELS: Readonly<Record<SweepSummary['state'], string>> = { running: 'running', incomplete: 'incomplete', complete: 'complete' };
export const SWEEP_STATE_PILLS: Readonly<Record<SweepSummary['state'], string>> = { running: 'running', incomplete: 'failed', complete: 'succeeded' };

export interface SweepPageProps {
  summary: SweepSummary;
  datasets: DatasetSummary[];
  jobs: JobSummary[];
  onCancelled: (job: JobSummary) => void;
  onDeleted: () => void;
}

export function SweepPage({ summary, datasets, jobs, onCancelled, onDeleted }: SweepPageProps) {
  const api = useApi();
  const job = summary.jobId !== null ? (jobs.find((j) => j.id === summary.jobId) ?? null) : null;
  const { sweep: loaded, error } = useSweep(summary.id, job);
  const sweep = loaded?.id === summary.id ? loaded : summary;
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const running = job !== null && isActiveJob(job);
  const dataset = datasets.find((d) => d.id === sweep.datasetId) ?? null;
  const done = sweep.cells.filter((c) => c.state === 'done').length;

  async function act(what: () => Promise<void>) {
    setBusy(true);
    setActionError(null);
    try {
      await what();
    } catch (e) {
      setActionError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="model-page" data-testid="sweep-page" data-sweep-id={sweep.id} data-sweep-state={sweep.state}>
      <header className="sim-card model-page__header">
        <div className="model-page__title">
          <h2 data-testid="sweep-name">{sweep.name}</h2>
          <span className={`state-pill state-pill--${SWEEP_STATE_PILLS[sweep.state]}`} data-testid="sweep-state">
            {SWEEP_STATE_LABELS[sweep.state]}
          </span>
        </div>
        <p className="model-page__subtitle muted">
          {sweep.params.models.map(architectureLabel).join(' and ')} · {sweep.params.epochs} epochs per cell · batch {sweep.params.batchSize} · lr {sweep.params.lr} · seed {sweep.params.seed}
          {` · on ${dataset ? dataset.name : sweep.datasetId !== null ? `dataset #${sweep.datasetId}` : 'a deleted dataset'}`} · sweep #{sweep.id}
        </p>
        <p className="model-page__subtitle muted" data-testid="sweep-split">
          validation split: {sweepSplitText(sweep.params)}
        </p>
        <div className="model-page__actions">
          <span className="muted" data-testid="sweep-progress-text">
            {formatCount(done)} of {formatCount(sweep.cells.length)} cells trained
            {running && job?.message ? ` · ${job.message}` : ''}
          </span>
          {running && job && (
            <button type="button" className="button button--small" disabled={busy} onClick={() => void act(async () => onCancelled(await api.invoke('jobs.cancel', { id: job.id })))} data-testid="sweep-stop">
              Stop
            </button>
          )}
          {!running && sweep.state === 'incomplete' && (
            <button type="button" className="button button--small button--primary" disabled={busy} onClick={() => void act(async () => void (await api.invoke('sweeps.resume', { sweepId: sweep.id })))} data-testid="sweep-resume">
              Resume
            </button>
          )}
          {!running && (
            <button
              type="button"
              className="button button--small button--ghost"
              disabled={busy}
              onClick={() =>
                void act(async () => {
                  await api.invoke('sweeps.delete', { id: sweep.id });
                  onDeleted();
                })
              }
              data-testid="sweep-delete"
            >
              Delete
            </button>
          )}
        </div>
        {running && job && (
          <div className="sim-run__progress">
            <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={job.progress === null ? undefined : Math.round(job.progress * 100)} aria-label="Sweep progress">
              <div className={`progress__bar${job.progress === null ? ' progress__bar--indeterminate' : ''}`} style={{ width: `${Math.round((job.progress ?? 0) * 1000) / 10}%` }} />
            </div>
            <span className="progress__label">{job.progress === null ? '—' : `${Math.round(job.progress * 100)} %`}</span>
          </div>
        )}
        {!running && job?.error && <p className="text-failed" data-testid="sweep-job-error">{job.error}</p>}
        {actionError && <ErrorBanner title="Cannot do that" message={actionError} onDismiss={() => setActionError(null)} />}
        {error && <ErrorBanner title="Cannot read the sweep" message={error} />}
      </header>

      <SweepHeatmap sweep={sweep} />

      <section className="sim-card model-card" aria-label="Cells">
        <header className="model-card__header">
          <h3>Cells</h3>
          <span className="muted">validation metrics of each cell’s best epoch, d units</span>
        </header>
        <div className="table-scroll">
        <table className="metrics-table" data-testid="sweep-cells">
          <thead>
            <tr>
              <th>model</th>
              <th>radius (Å)</th>
              <th>height (Å)</th>
              <th>patterns (train / val.)</th>
              <th>MAE</th>
              <th>RMSE</th>
              <th>R²</th>
              <th>best epoch</th>
              <th>time</th>
            </tr>
          </thead>
          <tbody>
            {sweep.cells.map((c) => (
              <tr key={c.key} data-cell-state={c.state} title={c.error ?? undefined}>
                <td>{architectureLabel(c.architecture)}</td>
                <td>{c.radiusA}</td>
                <td>{c.heightA}</td>
                <td>
                  {formatCount(c.trainCount)} / {formatCount(c.validationCount)}
                </td>
                <td>{c.state === 'done' ? formatError(c.validation?.mae) : c.state}</td>
                <td>{c.state === 'done' ? formatError(c.validation?.rmse) : ''}</td>
                <td>{c.state === 'done' ? formatR2(c.validation?.r2) : ''}</td>
                <td>{c.bestEpoch ?? ''}</td>
                <td>{c.seconds !== null ? `${Math.round(c.seconds)} s` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      </section>
    </div>
  );
}
