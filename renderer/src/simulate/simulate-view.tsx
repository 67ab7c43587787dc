/**
 * The Simulate view: a LAMMPS protocol (glass, complexion, composite) and its parameters on the left, checked on
 * every change; its exact cost and input script, and the run it started (or one still running) on the right.
 */
import { useEffect, useMemo, useState } from 'react';
import type { JobSummary, StructureSummary } from '../../../main/shared/domain';
import { SIMULATION_PROTOCOLS, type SimulationProtocol } from '../../../main/shared/simulation';
import { ErrorBanner } from '../components/error-banner';
import { SegmentedControl } from '../components/segmented-control';
import { errorMessage, formatCount } from '../format';
import { useApi } from '../state/api-context';
import { isActiveJob } from '../state/use-jobs';
import { CostPanel } from './cost-panel';
import { PROTOCOL_FIELDS, PROTOCOL_LABELS } from './protocol-fields';
import { ProtocolForm } from './protocol-form';
import { RunPanel } from './run-panel';
import { checkDraft, defaultDraft, type SimulationDraft } from './simulate-form';
import { jobSimulationParams } from './simulation-summary';
import { formatEstimate } from './simulate-format';
import { useSimulationPlan } from './use-simulation-plan';

export interface SimulateViewProps {
  jobs: JobSummary[];
  structures: StructureSummary[];
  /** Selects a structure the run made and shows it in the 3D view. */
  onOpenStructure: (structureId: number) => void;
  /** The answer of jobs.cancel, so the jobs list shows it at once. */
  onCancelled: (job: JobSummary) => void;
}

const PROTOCOL_OPTIONS = SIMULATION_PROTOCOLS.map((p) => ({ value: p, label: PROTOCOL_LABELS[p].label, title: PROTOCOL_LABELS[p].title, testId: `sim-protocol-${p}` }));

function initialDrafts(): Record<SimulationProtocol, SimulationDraft> {
  return { glass: defaultDraft('glass'), complexion: defaultDraft('complexion'), composite: defaultDraft('composite'), crystal: defaultDraft('crystal') };
}

export function SimulateView({ jobs, structures, onOpenStructure, onCancelled }: SimulateViewProps) {
  const api = useApi();
  const [protocol, setProtocol] = useState<SimulationProtocol>('glass');
  const [drafts, setDrafts] = useState(initialDrafts);
  const [runJobId, setRunJobId] = useState<number | null>(null);
  /** Once a run was chosen (started here or picked), a new job elsewhere does not take the panel over. */
  const [picked, setPicked] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);

  const draft = drafts[protocol];
  const check = useMemo(() => checkDraft(draft), [draft]);
  const plan = useSimulationPlan(check.params);
  const planKey = check.params ? JSON.stringify(check.params) : null;
  const planRefused = plan.planKey === planKey && plan.error !== null;

  const runs = useMemo(() => jobs.filter((j) => j.kind === 'simulate'), [jobs]);
  // A run still going (started here before, in another window, or by the CLI) is shown when nothing else is.
  useEffect(() => {
    if (picked || runJobId !== null) return;
    const running = runs.find(isActiveJob);
    if (running) setRunJobId(running.id);
  }, [runs, runJobId, picked]);
  const runJob = runs.find((j) => j.id === runJobId) ?? null;

  async function run() {
    if (!check.params) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const { jobId } = await api.invoke('simulations.run', check.params);
      setRunJobId(jobId);
      setPicked(true);
    } catch (error) {
      setSubmitError(errorMessage(error));
    } finally {
      setSubmitting(false);
    }
  }

  const fieldKeys = new Set(PROTOCOL_FIELDS[protocol].map((f) => f.key));
  const errorCount = Object.keys(check.errors).length;
  const unplaced = Object.entries(check.errors).filter(([key]) => key === '' || (!fieldKeys.has(key) && !key.startsWith('nanocrystals')));
  const exact = plan.planKey === planKey && plan.plan !== null && plan.error === null ? plan.plan : null;

  return (
    <div className="simulate-view" data-testid="simulate-view">
      {/* Enter in a field must not start what may be a days-long run: only the button does. */}
      <form className="sim-card simulate-view__form" aria-label="Simulation parameters" onSubmit={(e) => e.preventDefault()}>
        <header className="simulate-view__header">
          <h2>Simulate a structure</h2>
          <SegmentedControl label="Protocol" options={PROTOCOL_OPTIONS} value={protocol} onChange={setProtocol} />
        </header>
        <p className="simulate-view__about muted">{PROTOCOL_LABELS[protocol].title}. LAMMPS runs as a job; the final structure joins the project.</p>
        <ProtocolForm draft={draft} errors={check.errors} onChange={(next) => setDrafts((all) => ({ ...all, [protocol]: next }))} />
        {unplaced.map(([key, message]) => (
          <p key={key} className="field__error">
            {message}
          </p>
        ))}
        {submitError && <ErrorBanner title="The run was refused" message={submitError} onDismiss={() => setSubmitError(null)} />}
        <footer className="simulate-view__actions">
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={() => setDrafts((all) => ({ ...all, [protocol]: defaultDraft(protocol) }))}
            title={`Reset the ${PROTOCOL_LABELS[protocol].label.toLowerCase()} form to the papers' defaults`}
            data-testid="sim-reset"
          >
            Reset
          </button>
          <span className="simulate-view__status" data-testid="sim-status">
            {errorCount > 0 ? (
              <span className="text-failed">
                {errorCount === 1 ? '1 field' : `${errorCount} fields`} to fix
              </span>
            ) : planRefused ? (
              <span className="text-failed">cannot run (see the estimate)</span>
            ) : exact ? (
              `${formatCount(exact.atoms)} atoms · ${formatEstimate(exact.estimatedSeconds)}`
            ) : (
              ''
            )}
          </span>
          <button
            type="button"
            className="button button--primary"
            onClick={() => void run()}
            disabled={!check.params || planRefused || submitting}
            data-testid="sim-run"
          >
            {submitting ? 'Starting…' : 'Run simulation'}
          </button>
        </footer>
      </form>
      <div className="simulate-view__side">
        {runs.length > 0 && (
          <div className="simulate-view__runs">
            <label htmlFor="sim-run-select">Run</label>
            <select
              id="sim-run-select"
              className="input input--small"
              value={runJobId ?? ''}
              onChange={(e) => {
                setPicked(true);
                setRunJobId(e.target.value === '' ? null : Number(e.target.value));
              }}
              data-testid="sim-run-select"
            >
              <option value="">none</option>
              {runs.map((j) => (
                <option key={j.id} value={j.id}>
                  #{j.id} {jobSimulationParams(j)?.protocol ?? 'simulation'} · {j.state}
                </option>
              ))}
            </select>
          </div>
        )}
        {/* The run being followed comes first: after Run it is what one watches; the estimate is one scroll away. */}
        {runJobId !== null && (
          <RunPanel key={runJobId} jobId={runJobId} job={runJob} structures={structures} onOpenStructure={onOpenStructure} onCancelled={onCancelled} />
        )}
        <CostPanel params={check.params} plan={plan} />
        {runJobId === null && runs.length === 0 && (
          <p className="sim-card simulate-view__hint muted">Run the simulation to follow its temperature, energy and volume here as LAMMPS prints them.</p>
        )}
      </div>
    </div>
  );
}
