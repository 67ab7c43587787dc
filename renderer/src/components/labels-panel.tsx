/**
 * Order labels of the selected structure: the form that starts a label job (Voronoi edge threshold, adaptive or
 * conventional CNA), the progress or failure of its jobs, and the label sets already computed with their summaries.
 */
import { useState, type FormEvent } from 'react';
import type { JobSummary, LabelSetSummary, StructureSummary } from '../../../main/shared/domain';
import { CNA_TYPES, VORONOI_CLASSES } from '../../../main/shared/labels';
import { errorMessage, formatCount, formatDateTime, formatDurationMs } from '../format';
import { categoryColour, categoryLabel, formatVoronoiIndex } from '../labels/label-properties';
import { useApi } from '../state/api-context';
import type { LabelSetsState } from '../state/use-label-sets';
import { isActiveJob } from '../state/use-jobs';
import { ErrorBanner } from './error-banner';

/** Conventional CNA for FCC Cu: between the 1st (2.56 Å) and 2nd (3.61 Å) shells, 0.854·a ≈ 3.09 Å. */
const DEFAULT_CNA_CUTOFF_A = 3.1;

export interface LabelsPanelProps {
  structure: StructureSummary;
  labels: LabelSetsState;
  jobs: JobSummary[];
}

export function LabelsPanel({ structure, labels, jobs }: LabelsPanelProps) {
  const structureJobs = jobs.filter(
    (j) => j.kind === 'label' && j.inputs.some((input) => input.kind === 'structure' && input.id === structure.id),
  );
  const running = structureJobs.filter(isActiveJob);
  const lastFinished = structureJobs.find((j) => !isActiveJob(j));
  return (
    <section className="panel labels-panel" aria-label="Order labels" data-testid="labels-panel">
      <LabelRunForm structure={structure} busy={running.length > 0} />
      {running.map((job) => (
        <div key={job.id} className="labels-job" data-testid="labels-job-running">
          <div className="labels-job__title">
            Labelling… <span className="muted">job #{job.id}</span>
          </div>
          <div
            className="progress"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={job.progress === null ? undefined : Math.round(job.progress * 100)}
          >
            <div
              className={`progress__bar${job.progress === null ? ' progress__bar--indeterminate' : ''}`}
              style={{ width: `${Math.round((job.progress ?? 0) * 100)}%` }}
            />
          </div>
          <div className="labels-job__message muted">{job.message ?? (job.state === 'queued' ? 'waiting for a free worker' : '')}</div>
        </div>
      ))}
      {lastFinished && lastFinished.state !== 'succeeded' && running.length === 0 && (
        <div className="labels-panel__notice">
          <ErrorBanner
            title={`Label job #${lastFinished.id} ${lastFinished.state}`}
            message={lastFinished.error ?? lastFinished.message ?? 'No reason was recorded; see the job log.'}
          />
        </div>
      )}
      <header className="labels-panel__list-header">
        <h3>
          Label sets <span className="count">{labels.labelSets.length}</span>
        </h3>
        {labels.loading && <span className="muted">loading…</span>}
      </header>
      {labels.error && (
        <div className="labels-panel__notice">
          <ErrorBanner title="Cannot list the label sets" message={labels.error} />
          <button type="button" className="button button--small" onClick={() => void labels.refresh()}>
            Try again
          </button>
        </div>
      )}
      <ul className="label-set-list" data-testid="label-set-list">
        {labels.labelSets.map((set) => (
          <li key={set.id}>
            <LabelSetItem set={set} selected={labels.selected?.id === set.id} onSelect={() => labels.select(set.id)} />
          </li>
        ))}
        {labels.labelSets.length === 0 && !labels.loading && !labels.error && (
          <li className="empty">
            No labels yet. Compute them to colour atoms by d, 1−Q6, CNA or Voronoi class and to open the analyses.
          </li>
        )}
      </ul>
    </section>
  );
}

function LabelRunForm({ structure, busy }: { structure: StructureSummary; busy: boolean }) {
  const api = useApi();
  const [edgeText, setEdgeText] = useState('0.6');
  const [cnaMode, setCnaMode] = useState<'adaptive' | 'cutoff'>('adaptive');
  const [cutoffText, setCutoffText] = useState(String(DEFAULT_CNA_CUTOFF_A));
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const edge = Number(edgeText);
  const edgeError = edgeText.trim() === '' || !Number.isFinite(edge) || edge < 0 || edge > 5 ? 'a length from 0 to 5 Å' : null;
  const cutoff = Number(cutoffText);
  const cutoffError =
    cnaMode === 'cutoff' && (cutoffText.trim() === '' || !Number.isFinite(cutoff) || cutoff <= 0 || cutoff > 20)
      ? 'a length above 0 and up to 20 Å'
      : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (edgeError || cutoffError) return;
    setSubmitting(true);
    setError(null);
    try {
      await api.invoke('labels.run', {
        structureId: structure.id,
        edgeThresholdA: edge,
        cna: cnaMode === 'adaptive' ? { mode: 'adaptive' } : { mode: 'cutoff', cutoffA: cutoff },
      });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <form className="labels-form" onSubmit={(e) => void submit(e)} aria-label="Compute order labels">
      <h3>Compute order labels</h3>
      <p className="field__help">
        Per atom: d and 1−Q6 (12 nearest neighbours), Voronoi index and class, CNA; plus g(r) of the structure.
      </p>
      <label className="labels-form__row" title="Voronoi face edges shorter than this do not count toward a face's order (paper: 0.6 Å; 0 reproduces voro++)">
        <span>Voronoi edge threshold</span>
        <span className="input-with-unit">
          <input
            className={`input input--narrow${edgeError ? ' input--invalid' : ''}`}
            inputMode="decimal"
            value={edgeText}
            onChange={(e) => setEdgeText(e.target.value)}
            aria-invalid={edgeError !== null}
            data-testid="labels-edge-threshold"
          />
          Å
        </span>
      </label>
      {edgeError && <span className="field__error">Edge threshold: {edgeError}.</span>}
      <fieldset className="labels-form__cna">
        <legend>Common-neighbour analysis</legend>
        <label title="Adaptive CNA: a local cutoff per atom (FCC, HCP, BCC, ICO, other)">
          <input type="radio" name="cna-mode" checked={cnaMode === 'adaptive'} onChange={() => setCnaMode('adaptive')} data-testid="labels-cna-adaptive" />
          adaptive
        </label>
        <label title="Conventional CNA with one cutoff radius R for every atom">
          <input type="radio" name="cna-mode" checked={cnaMode === 'cutoff'} onChange={() => setCnaMode('cutoff')} data-testid="labels-cna-cutoff" />
          conventional, cutoff R
        </label>
        <span className="input-with-unit">
          <input
            className={`input input--narrow${cutoffError ? ' input--invalid' : ''}`}
            inputMode="decimal"
            value={cutoffText}
            disabled={cnaMode !== 'cutoff'}
            onChange={(e) => setCutoffText(e.target.value)}
            aria-label="CNA cutoff radius in Å"
            aria-invalid={cutoffError !== null}
            data-testid="labels-cna-cutoff-input"
          />
          Å
        </span>
      </fieldset>
      {cutoffError && <span className="field__error">CNA cutoff: {cutoffError}.</span>}
      <button
        type="submit"
        className="button button--primary"
        disabled={submitting || edgeError !== null || cutoffError !== null}
        title={busy ? 'A label job for this structure is already running; another one will queue behind it' : undefined}
        data-testid="labels-run"
      >
        {submitting ? 'Starting…' : 'Compute order labels'}
      </button>
      {error && <ErrorBanner title="Cannot start the label job" message={error} onDismiss={() => setError(null)} />}
    </form>
  );
}

function LabelSetItem({ set, selected, onSelect }: { set: LabelSetSummary; selected: boolean; onSelect: () => void }) {
  const s = set.summary;
  const total = s.atomCount || 1;
  const voronoi = [...VORONOI_CLASSES].map((name, i) => ({
    name,
    count: s.voronoiClassCounts[name] ?? 0,
    colour: categoryColour('vor_class', name, i),
  }));
  const cna = [...CNA_TYPES]
    .map((name, i) => ({ name, count: s.cnaCounts[name] ?? 0, colour: categoryColour('cna', name, i) }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count);
  const seconds = Object.values(s.seconds).reduce((a, b) => a + b, 0);
  const pct = (n: number) => `${((100 * n) / total).toFixed(n > 0 && (100 * n) / total < 1 ? 1 : 0)} %`;
  return (
    <button
      type="button"
      className={`label-set${selected ? ' selected' : ''}`}
      aria-pressed={selected}
      onClick={onSelect}
      data-testid="label-set-item"
      data-label-set-id={set.id}
    >
      <span className="label-set__title">
        <strong>Label set #{set.id}</strong>
        <span className="muted">{formatDateTime(set.createdAt)}</span>
      </span>
      <span className="label-set__params muted">
        edge {set.params.edgeThresholdA} Å · CNA {set.params.cna.mode === 'adaptive' ? 'adaptive' : `cutoff ${set.params.cna.cutoffA} Å`}
        {seconds > 0 ? ` · ${formatDurationMs(seconds * 1000)}` : ''}
      </span>
      <span className="label-set__means">
        mean d <strong>{s.dMean.toFixed(3)}</strong> <span className="muted">(σ {s.dStd.toFixed(3)})</span> · mean 1−Q6{' '}
        <strong>{s.oneMinusQ6Mean.toFixed(3)}</strong>
      </span>
      <span className="fraction-bar" aria-hidden="true">
        {voronoi.map((v) => (
          <span key={v.name} style={{ width: `${(100 * v.count) / total}%`, background: v.colour }} />
        ))}
      </span>
      <span className="label-set__classes">
        Voronoi: {voronoi.map((v) => `${categoryLabel(v.name)} ${pct(v.count)}`).join(' · ')}
      </span>
      <span className="label-set__classes">CNA: {cna.map((c) => `${categoryLabel(c.name)} ${pct(c.count)}`).join(' · ') || '—'}</span>
      {selected && s.topMotifs.length > 0 && (
        <span className="label-set__classes muted">
          Top motifs: {s.topMotifs.slice(0, 4).map((m) => `${formatVoronoiIndex(m.index)} ${pct(m.count)}`).join(' · ')}
        </span>
      )}
      <span className={`label-set__flagged${s.flaggedAtoms > 0 ? ' text-warn' : ' muted'}`}>
        {s.flaggedAtoms > 0
          ? `${formatCount(s.flaggedAtoms)} atoms flagged (Voronoi cell not clean; their Voronoi values are not meaningful)`
          : 'no flagged atoms'}
      </span>
    </button>
  );
}
