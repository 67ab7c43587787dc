/**
 * Starts a probe-size sweep: a complete dataset with several cylinder probes (built with comma lists of radii and
 * heights), the architectures to compare, and the epochs per cell; the request is checked by the shared schema.
 */
import { useMemo, useState } from 'react';
import type { DatasetSummary } from '../../../main/shared/domain';
import { MODEL_ARCHITECTURES, type ModelArchitecture } from '../../../main/shared/models';
import { splitKindLabel } from '../../../main/shared/splits';
import { sweepRequestSchema } from '../../../main/shared/sweeps';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage, formatCount } from '../format';
import { architectureLabel } from '../models/model-format';
import { describeIssue } from '../simulate/simulate-form';
import { useApi } from '../state/api-context';

/** The cylinder probes a dataset's recipe lists (none when it was not built with cylinders). */
export function cylinderProbes(dataset: DatasetSummary): { radiusA: number; heightA: number }[] {
  const probes = (dataset.recipe as { probes?: unknown } | null)?.probes;
  if (!Array.isArray(probes)) return [];
  return probes.flatMap((p: unknown) => {
    const probe = p as { kind?: unknown; radiusA?: unknown; heightA?: unknown };
    return probe.kind === 'cylinder' && typeof probe.radiusA === 'number' && typeof probe.heightA === 'number' ? [{ radiusA: probe.radiusA, heightA: probe.heightA }] : [];
  });
}

export interface SweepFormProps {
  datasets: DatasetSummary[];
  onStarted: (sweepId: number) => void;
  onOpenDatasets: () => void;
}

export function SweepForm({ datasets, onStarted, onOpenDatasets }: SweepFormProps) {
  const api = useApi();
  const usable = useMemo(() => datasets.filter((d) => d.state === 'complete' && cylinderProbes(d).length >= 2), [datasets]);
  const [datasetId, setDatasetId] = useState<string>('');
  const [models, setModels] = useState<ModelArchitecture[]>(['basecnn', 'resnet18']);
  const [epochs, setEpochs] = useState('30');
  /** Leave-structure-out needs structure ids: the CLI offers it (ssro sweep --split structure --holdout-structure ID). */
  const [split, setSplit] = useState<'blocked' | 'random'>('blocked');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = usable.find((d) => String(d.id) === datasetId) ?? usable[0] ?? null;
  const probes = chosen ? cylinderProbes(chosen) : [];
  const parsed = sweepRequestSchema.safeParse({ datasetId: chosen?.id ?? 0, models, epochs: Number(epochs), split });
  const problem = chosen === null || parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${describeIssue(i)}`).join('; ');

  async function start() {
    if (!parsed.success) return;
    setBusy(true);
    setError(null);
    try {
      const { sweepId } = await api.invoke('sweeps.run', parsed.data);
      onStarted(sweepId);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="sim-card model-card" aria-label="New sweep" data-testid="sweep-form">
      <header className="model-card__header">
        <h3>Probe-size sweep (Fig. 7)</h3>
        <span className="muted">one training per model and probe</span>
      </header>
      {usable.length === 0 ? (
        <p className="muted">
          No complete dataset has several cylinder probes. Build one with comma lists of radii and heights (e.g. radius 3, 5, 7 Å × height 10, 20, 30 Å).{' '}
          <button type="button" className="button button--small button--ghost" onClick={onOpenDatasets}>
            Open datasets
          </button>
        </p>
      ) : (
        <div className="sweep-form">
          <label htmlFor="sweep-dataset">Dataset</label>
          <select id="sweep-dataset" className="input" value={chosen ? String(chosen.id) : ''} onChange={(e) => setDatasetId(e.target.value)} data-testid="sweep-dataset">
            {usable.map((d) => (
              <option key={d.id} value={d.id}>
                #{d.id} {d.name} ({formatCount(d.sampleCount)} patterns, {cylinderProbes(d).length} probes)
              </option>
            ))}
          </select>
          <span className="muted">
            probes: {probes.map((p) => `r ${p.radiusA} h ${p.heightA}`).join(' · ')} → {formatCount(probes.length * models.length)} trainings
          </span>
          <span>Models</span>
          <div className="button-row">
            {MODEL_ARCHITECTURES.map((a) => (
              <label key={a} className="checkbox">
                <input
                  type="checkbox"
                  checked={models.includes(a)}
                  onChange={(e) => setModels(e.target.checked ? MODEL_ARCHITECTURES.filter((m) => m === a || models.includes(m)) : models.filter((m) => m !== a))}
                  data-testid={`sweep-model-${a}`}
                />{' '}
                {architectureLabel(a)}
              </label>
            ))}
          </div>
          <label htmlFor="sweep-epochs">Epochs per cell</label>
          <input id="sweep-epochs" className="input input--small" value={epochs} onChange={(e) => setEpochs(e.target.value)} inputMode="numeric" data-testid="sweep-epochs" />
          <label htmlFor="sweep-split">Validation split</label>
          <select id="sweep-split" className="input" value={split} onChange={(e) => setSplit(e.target.value === 'random' ? 'random' : 'blocked')} data-testid="sweep-split">
            <option value="blocked">{splitKindLabel('blocked')} (each probe size its own, automatic axis)</option>
            <option value="random">{splitKindLabel('random')}</option>
          </select>
          {problem && <p className="text-failed" data-testid="sweep-form-error">{problem}</p>}
          <div className="button-row">
            <button type="button" className="button button--primary" disabled={busy || !parsed.success} onClick={() => void start()} data-testid="sweep-start">
              Start sweep
            </button>
          </div>
        </div>
      )}
      {error && <ErrorBanner title="Cannot start the sweep" message={error} onDismiss={() => setError(null)} />}
    </section>
  );
}
