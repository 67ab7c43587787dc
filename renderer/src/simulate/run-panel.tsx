/**
 * One simulate job as it runs: state, progress and LAMMPS's stage message, Cancel, the latest thermo values and the
 * live thermo plot; when it ends, "Open in viewer" for the structure it made, or LAMMPS's error and the log tail.
 */
import { useMemo, useState } from 'react';
import type { JobState, JobSummary, StructureSummary } from '../../../main/shared/domain';
import { estimatedAtoms, simulationStages } from '../../../main/shared/simulation';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage, formatCount, formatDurationMs } from '../format';
import { useApi } from '../state/api-context';
import { isActiveJob } from '../state/use-jobs';
import { PROTOCOL_LABELS } from './protocol-fields';
import { simulationOf } from './simulation-summary';
import { ThermoFigure } from './thermo-figure';
import { useSimulationPlan } from './use-simulation-plan';
import { useThermo } from './use-thermo';
import { useNow } from '../state/use-now';

const STATE_LABELS: Record<JobState, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

export interface RunPanelProps {
  jobId: number;
  /** The job as last seen (null until its first update arrives). */
  job: JobSummary | null;
  structures: StructureSummary[];
  onOpenStructure: (structureId: number) => void;
  onCancelled: (job: JobSummary) => void;
}

export function RunPanel({ jobId, job, structures, onOpenStructure, onCancelled }: RunPanelProps) {
  const api = useApi();
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const active = job ? isActiveJob(job) : true;
  // Keyed by the parameters' text: a job's summary is replaced on every progress update, its parameters are not.
  const paramsKey = job?.kind === 'simulate' ? JSON.stringify(job.params) : null;
  const params = useMemo(() => (paramsKey === null ? null : simulationOf(JSON.parse(paramsKey) as unknown)), [paramsKey]);
  const stages = useMemo(() => (params ? simulationStages(params) : null), [params]);
  const thermo = useThermo(jobId, !active);
  const made = job?.outputs.find((o) => o.kind === 'structure');
  const madeId = made && typeof made.id === 'number' ? made.id : null;
  const structure = structures.find((s) => s.id === madeId) ?? null;
  // Exact atoms: the structure it made, else the plan of the job's own parameters (the form may have changed since).
  const plan = useSimulationPlan(structure ? null : params);
  const atoms = structure?.atomCount ?? plan.plan?.atoms ?? (params ? estimatedAtoms(params) : null);
  const now = useNow(active ? 1000 : null);

  async function cancel() {
    setCancelling(true);
    setCancelError(null);
    try {
      onCancelled(await api.invoke('jobs.cancel', { id: jobId }));
    } catch (error) {
      setCancelError(errorMessage(error));
    } finally {
      setCancelling(false);
    }
  }

  const state = job?.state ?? 'queued';
  const percent = job?.progress === null || job?.progress === undefined ? null : Math.round(job.progress * 1000) / 10;
  const protocol = params ? PROTOCOL_LABELS[params.protocol].label : 'Simulation';
  const latest = thermo.rows[thermo.rows.length - 1] ?? null;
  const value = (column: string) => {
    const at = thermo.columns.indexOf(column);
    return at >= 0 && latest ? (latest[at] ?? null) : null;
  };

  return (
    <section className={`sim-card sim-run job--${state}`} aria-label={`Simulation run #${jobId}`} data-testid="sim-run-panel" data-job-id={jobId} data-job-state={state}>
      <header className="sim-run__header">
        <h3>
          {protocol} run <span className="muted">#{jobId}</span>
        </h3>
        <span className={`state-pill state-pill--${state}`} data-testid="sim-run-state">
          {job ? STATE_LABELS[state] : 'Starting…'}
        </span>
        <span className="sim-run__duration muted">{job ? duration(job, now) : ''}</span>
        {active && (
          <button type="button" className="button button--small button--danger" onClick={() => void cancel()} disabled={cancelling || !job} data-testid="sim-cancel">
            {cancelling ? 'Cancelling…' : 'Cancel'}
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
        <span className="sim-run__message" title={job?.message ?? undefined} data-testid="sim-run-message">
          {job?.message ?? 'waiting for the job to start'}
        </span>
      </div>
      {cancelError && <ErrorBanner title="Cannot cancel" message={cancelError} onDismiss={() => setCancelError(null)} />}

      {state === 'succeeded' && (
        <div className="sim-run__done">
          <span>
            Made <strong>{structure?.name ?? (madeId !== null ? `structure #${madeId}` : 'a structure')}</strong>
            {structure ? ` · ${formatCount(structure.atomCount)} atoms` : ''}
          </span>
          {madeId !== null && (
            <button type="button" className="button button--primary button--small" onClick={() => onOpenStructure(madeId)} data-testid="sim-open-viewer">
              Open in viewer
            </button>
          )}
        </div>
      )}
      {state === 'failed' && job?.error && <ErrorBanner title="The simulation failed" message={job.error} />}
      {(state === 'cancelled' || state === 'interrupted') && (
        <p className="sim-run__note muted">
          {state === 'cancelled' ? 'Cancelled: LAMMPS was stopped and nothing was imported.' : 'Interrupted: the app stopped while this job ran; nothing was imported.'}
        </p>
      )}

      {latest && (
        <dl className="sim-run__latest" data-testid="sim-thermo-latest">
          <div>
            <dt>step</dt>
            <dd>{formatCount(value('step') ?? 0)}</dd>
          </div>
          <Reading label="T" value={value('temperatureK')} unit="K" digits={0} />
          <Reading label="PE" value={atoms ? (value('potentialEnergyEv') ?? Number.NaN) / atoms : value('potentialEnergyEv')} unit={atoms ? 'eV/atom' : 'eV'} digits={4} />
          <Reading label="V" value={value('volumeA3')} unit="Å³" digits={0} />
          <Reading label="P" value={value('pressureBar')} unit="bar" digits={0} />
          {params?.protocol !== 'glass' && <Reading label="x(dopant)" value={value('dopantFraction')} unit="" digits={4} />}
        </dl>
      )}
      {thermo.error && <ErrorBanner title="Cannot read the thermo table" message={thermo.error} />}
      {thermo.rows.length > 0 ? (
        <ThermoFigure
          columns={thermo.columns}
          rows={thermo.rows}
          atoms={atoms}
          stages={stages}
          showDopant={params?.protocol === 'complexion'}
          exportTitle={`Thermo of ${protocol.toLowerCase()} run #${jobId}`}
          fileStem={`simulation-${jobId}-thermo`}
        />
      ) : (
        <p className="sim-run__empty muted" data-testid="sim-thermo-empty">
          {thermo.loading
            ? 'Reading the thermo table…'
            : active
              ? `The thermo plot appears with LAMMPS's first output (every ${formatCount(params?.thermoEvery ?? 0)} steps).`
              : 'This run wrote no thermo rows.'}
        </p>
      )}
      {job && job.logTail.length > 0 && (
        <details className="sim-disclosure" open={state === 'failed'} data-testid="sim-run-log">
          <summary>Log (last {job.logTail.length} lines)</summary>
          <pre className="job__log sim-run__log">{job.logTail.join('\n')}</pre>
        </details>
      )}
    </section>
  );
}

function Reading({ label, value, unit, digits }: { label: string; value: number | null; unit: string; digits: number }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        {value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits)}
        {unit && <span className="muted"> {unit}</span>}
      </dd>
    </div>
  );
}

function duration(job: JobSummary, now: number): string {
  const start = job.startedAt ? Date.parse(job.startedAt) : null;
  if (start === null || Number.isNaN(start)) return job.state === 'queued' ? 'waiting for a worker slot' : '';
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  return formatDurationMs(end - start);
}

