/**
 * What a run of the form's parameters will cost before it starts: atoms (exact, from the built start structure),
 * the stages with their MD steps, atom-steps and a stated-rate time estimate, the builder's notes and the input script.
 */
import { simulationCost, simulationStages, type SimulationParams } from '../../../main/shared/simulation';
import { ErrorBanner } from '../components/error-banner';
import { formatCount } from '../format';
import { formatEstimate, formatScientific } from './simulate-format';
import type { PlanState } from './use-simulation-plan';

/** simulationCost's rate: Debian's lmp on the project's 2-core test machine with CuZr_mm (see simulation.ts). */
const ATOM_STEPS_PER_SECOND = 2e5;

export interface CostPanelProps {
  params: SimulationParams | null;
  plan: PlanState;
}

export function CostPanel({ params, plan }: CostPanelProps) {
  if (!params) {
    return (
      <section className="sim-card sim-cost" aria-label="Estimated cost" data-testid="sim-cost">
        <h3>Estimate</h3>
        <p className="muted">Fix the marked fields to see the atoms, stages and run time.</p>
      </section>
    );
  }
  const key = JSON.stringify(params);
  const current = plan.planKey === key;
  const exact = current && plan.plan !== null && plan.error === null ? plan.plan : null;
  const local = simulationCost(params, ATOM_STEPS_PER_SECOND);
  const stages = exact?.stages ?? simulationStages(params);
  const atoms = exact?.atoms ?? local.atoms;
  const atomSteps = exact?.atomSteps ?? local.atomSteps;
  const seconds = exact?.estimatedSeconds ?? local.seconds;
  const mcAttempts = stages.reduce((sum, s) => sum + s.extraForceEvaluations, 0);
  const totalSteps = stages.reduce((sum, s) => sum + s.steps, 0);
  const long = seconds > 86_400;

  return (
    <section className="sim-card sim-cost" aria-label="Estimated cost" data-testid="sim-cost" aria-busy={plan.pending}>
      <header className="sim-cost__header">
        <h3>Estimate</h3>
        {plan.pending && <span className="spinner spinner--small" aria-label="Building the start structure" />}
      </header>
      <dl className="sim-cost__summary">
        <div>
          <dt>Atoms</dt>
          <dd data-testid="sim-cost-atoms" data-atoms={atoms} data-exact={exact !== null}>
            {exact ? formatCount(atoms) : `≈ ${formatCount(atoms)}`}
          </dd>
        </div>
        <div>
          <dt>MD steps</dt>
          <dd>{formatCount(totalSteps)}</dd>
        </div>
        <div>
          <dt title="(MD steps + MC swap attempts) × atoms">Atom-steps</dt>
          <dd data-testid="sim-cost-atom-steps">{formatScientific(atomSteps)}</dd>
        </div>
        <div>
          <dt>Run time</dt>
          <dd className={long ? 'text-warn' : undefined} data-testid="sim-cost-time">
            {formatEstimate(seconds)}
          </dd>
        </div>
      </dl>
      <p className="sim-cost__rate muted">
        An estimate at {formatScientific(ATOM_STEPS_PER_SECOND)} atom-steps/s (Debian&apos;s <code>lmp</code> on two cores with
        CuZr_mm); the real rate depends on the machine, the potential&apos;s cut-off and how LAMMPS was built. Minimisation is
        not counted.
      </p>
      <table className="sim-stages" data-testid="sim-stages">
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">MD steps</th>
            {mcAttempts > 0 && <th scope="col">MC attempts</th>}
          </tr>
        </thead>
        <tbody>
          {stages.map((stage, i) => (
            <tr key={i}>
              <td>{stage.name}</td>
              <td>{formatCount(stage.steps)}</td>
              {mcAttempts > 0 && <td>{stage.extraForceEvaluations > 0 ? formatCount(stage.extraForceEvaluations) : '—'}</td>}
            </tr>
          ))}
          {params.minimize && (
            <tr className="muted">
              <td>minimise energy (CG, box relax)</td>
              <td>short, not counted</td>
              {mcAttempts > 0 && <td />}
            </tr>
          )}
        </tbody>
      </table>
      {exact && exact.notes.length > 0 && (
        <ul className="notes sim-cost__notes" data-testid="sim-plan-notes">
          {exact.notes.map((note, i) => (
            <li key={i}>{note}</li>
          ))}
        </ul>
      )}
      {current && plan.error && <ErrorBanner title="These parameters cannot run" message={plan.error} />}
      <details className="sim-disclosure" data-testid="sim-script-disclosure">
        <summary data-testid="sim-script-toggle">Show input script</summary>
        {exact ? (
          <pre className="sim-script" data-testid="sim-script">
            {exact.script}
          </pre>
        ) : (
          <p className="muted">{plan.pending ? 'Writing the script…' : 'No script for these parameters.'}</p>
        )}
      </details>
    </section>
  );
}
