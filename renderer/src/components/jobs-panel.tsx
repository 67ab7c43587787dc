/**
 * The bottom panel of jobs, live from `job.updated`: kind, state, progress, message, duration, error, a Cancel
 * button while the job can still be stopped, and the tail of its log on demand.
 */
import { useState } from 'react';
import type { JobState, JobSummary } from '../../../main/shared/domain';
import { formatDurationMs } from '../format';
import { useApi } from '../state/api-context';
import { useReportError } from '../state/errors';
import { isActiveJob } from '../state/use-jobs';
import { describeSimulation, jobSimulationParams } from '../simulate/simulation-summary';
import { useNow } from '../state/use-now';

const KIND_LABELS: Record<string, string> = {
  import: 'Import',
  selftest: 'Self-test',
  label: 'Order labels',
  diffract: 'NBED dataset',
  simulate: 'Simulation',
  train: 'Training',
  predict: 'Prediction',
};

const STATE_LABELS: Record<JobState, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

export interface JobsPanelProps {
  jobs: JobSummary[];
  onCancelled: (job: JobSummary) => void;
}

export function JobsPanel({ jobs, onCancelled }: JobsPanelProps) {
  const [collapsed, setCollapsed] = useState(false);
  const active = jobs.filter(isActiveJob).length;
  const failed = jobs.filter((j) => j.state === 'failed').length;
  const now = useNow(active > 0 ? 1000 : null);
  return (
    <section className={`jobs-panel${collapsed ? ' collapsed' : ''}`} aria-label="Jobs" data-testid="jobs-panel">
      <header className="panel__header jobs-panel__header">
        <button
          type="button"
          className="disclosure"
          aria-expanded={!collapsed}
          onClick={() => setCollapsed((c) => !c)}
        >
          <span className="disclosure__arrow" aria-hidden="true">
            ▾
          </span>
          <h2>Jobs</h2>
        </button>
        <span className="jobs-panel__summary">
          {active > 0 ? `${active} running or queued` : 'idle'}
          {failed > 0 && <span className="text-failed"> · {failed} failed</span>}
          {` · ${jobs.length} in total`}
        </span>
      </header>
      {!collapsed && (
        <div className="jobs-panel__body">
          {jobs.length === 0 ? (
            <p className="empty">No jobs yet. Imports and computations appear here with their progress.</p>
          ) : (
            <table className="jobs-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Job</th>
                  <th scope="col">State</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Message</th>
                  <th scope="col">Duration</th>
                  <th scope="col" aria-label="Actions" />
                </tr>
              </thead>
              {jobs.map((job) => (
                <JobRow key={job.id} job={job} now={now} onCancelled={onCancelled} />
              ))}
            </table>
          )}
        </div>
      )}
    </section>
  );
}

function JobRow({ job, now, onCancelled }: { job: JobSummary; now: number; onCancelled: (job: JobSummary) => void }) {
  const api = useApi();
  const report = useReportError();
  const [showLog, setShowLog] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const active = isActiveJob(job);
  const percent = job.progress === null ? null : Math.round(job.progress * 1000) / 10;

  async function cancel() {
    setCancelling(true);
    try {
      onCancelled(await api.invoke('jobs.cancel', { id: job.id }));
    } catch (error) {
      report(`Cancelling job #${job.id}`, error);
    } finally {
      setCancelling(false);
    }
  }

  return (
    <tbody className={`job job--${job.state}`} data-testid="job-row" data-job-id={job.id} data-job-state={job.state} data-job-kind={job.kind}>
      <tr>
        <td className="job__id">{job.id}</td>
        <td className="job__kind">
          <span className="job__kind-label">{KIND_LABELS[job.kind] ?? job.kind}</span>
          {describeParams(job) && <span className="job__subject">{describeParams(job)}</span>}
        </td>
        <td>
          <span className={`state-pill state-pill--${job.state}`} data-testid="job-state">
            {STATE_LABELS[job.state]}
          </span>
        </td>
        <td className="job__progress">
          <div
            className="progress"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent ?? undefined}
            data-testid="job-progress"
            data-progress={job.progress ?? undefined}
          >
            <div
              className={`progress__bar${percent === null && active ? ' progress__bar--indeterminate' : ''}`}
              style={{ width: `${percent ?? (job.state === 'succeeded' ? 100 : 0)}%` }}
            />
          </div>
          <span className="progress__label">{percent === null ? (job.state === 'succeeded' ? '100 %' : '—') : `${percent.toFixed(percent < 10 ? 1 : 0)} %`}</span>
        </td>
        <td className="job__message" title={job.message ?? undefined}>
          {job.message ?? ''}
        </td>
        <td className="job__duration" title={`created ${job.createdAt}`}>
          {duration(job, now)}
        </td>
        <td className="job__actions">
          {active && (
            <button
              type="button"
              className="button button--small button--danger"
              onClick={() => void cancel()}
              disabled={cancelling}
              data-testid="job-cancel"
            >
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          <button
            type="button"
            className="button button--small button--ghost"
            aria-expanded={showLog}
            onClick={() => setShowLog((s) => !s)}
            disabled={job.logTail.length === 0}
            title={job.logTail.length === 0 ? 'No log lines yet' : 'Show the last lines of the log'}
            data-testid="job-log-toggle"
          >
            Log {showLog ? '▴' : '▾'}
          </button>
        </td>
      </tr>
      {job.error && (
        <tr className="job__error-row">
          <td />
          <td colSpan={6} className="job__error" data-testid="job-error">
            {job.error}
          </td>
        </tr>
      )}
      {showLog && (
        <tr className="job__log-row">
          <td />
          <td colSpan={6}>
            <pre className="job__log" data-testid="job-log">
              {job.logTail.join('\n')}
            </pre>
          </td>
        </tr>
      )}
    </tbody>
  );
}

/** What the job works on, when its parameters say (e.g. the imported file's name). */
function describeParams(job: JobSummary): string | null {
  const p = job.params;
  if (typeof p !== 'object' || p === null) return null;
  const params = p as Record<string, unknown>;
  if (typeof params.displayName === 'string' && params.displayName) return params.displayName;
  if (typeof params.path === 'string') return params.path.split(/[\\/]/).pop() ?? params.path;
  if (job.kind === 'simulate') {
    const simulation = jobSimulationParams(job);
    return simulation ? `${simulation.name ? `${simulation.name} · ` : ''}${describeSimulation(simulation)}` : null;
  }
  if (job.kind === 'selftest' && typeof params.steps === 'number') return `${params.steps} steps`;
  if (job.kind === 'label' && typeof params.structureId === 'number') {
    const label = params.params as { edgeThresholdA?: unknown; cna?: { mode?: unknown; cutoffA?: unknown } } | undefined;
    const cna = label?.cna?.mode === 'cutoff' ? `CNA cutoff ${String(label.cna.cutoffA)} Å` : 'adaptive CNA';
    const edge = typeof label?.edgeThresholdA === 'number' ? ` · edge ${label.edgeThresholdA} Å` : '';
    return `structure #${params.structureId}${edge} · ${cna}`;
  }
  if (job.kind === 'train' && typeof params.modelId === 'number') {
    const config = params.config as { model?: unknown; epochs?: unknown; datasetId?: unknown } | undefined;
    const what = [
      `model #${params.modelId}`,
      typeof config?.model === 'string' ? config.model : null,
      typeof config?.epochs === 'number' ? `${config.epochs} epochs` : null,
      typeof config?.datasetId === 'number' ? `dataset #${config.datasetId}` : null,
    ];
    return what.filter((w): w is string => w !== null).join(' · ');
  }
  if (job.kind === 'predict' && typeof params.name === 'string') return params.name;
  if (job.kind === 'diffract' && typeof params.datasetId === 'number') {
    const recipe = params.recipe as { name?: unknown } | undefined;
    return `dataset #${params.datasetId}${typeof recipe?.name === 'string' ? ` · ${recipe.name}` : ''}`;
  }
  return null;
}

function duration(job: JobSummary, now: number): string {
  const start = job.startedAt ? Date.parse(job.startedAt) : null;
  const end = job.finishedAt ? Date.parse(job.finishedAt) : null;
  if (start === null || Number.isNaN(start)) {
    if (job.state === 'queued') return `waiting ${formatDurationMs(now - Date.parse(job.createdAt))}`;
    return '—';
  }
  return formatDurationMs((end ?? now) - start);
}

