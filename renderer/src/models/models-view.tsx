/**
 * The Models view: the project's models and probe-size sweeps on the left with "Train a model", "Import…" and
 * "New sweep", and on the right the training page, the selected model's page, the sweep form or a sweep's page.
 */
import { useEffect, useRef, useState } from 'react';
import type { JobSummary } from '../../../main/shared/domain';
import { ErrorBanner } from '../components/error-banner';
import { useDatasets } from '../nbed/use-datasets';
import { ImportModelDialog } from './import-model-dialog';
import { ModelList } from './model-list';
import { ModelPage } from './model-page';
import { TrainingPage } from './training-page';
import { useModels } from './use-models';
import { SweepForm } from '../sweeps/sweep-form';
import { SweepList } from '../sweeps/sweep-list';
import { SweepPage } from '../sweeps/sweep-page';
import { useSweeps } from '../sweeps/use-sweeps';

export interface ModelsViewProps {
  jobs: JobSummary[];
  /** The answer of jobs.cancel, so the jobs list shows it at once. */
  onCancelled: (job: JobSummary) => void;
  onOpenDatasets: () => void;
}

type Page = { kind: 'train' } | { kind: 'model'; id: number } | { kind: 'new-sweep' } | { kind: 'sweep'; id: number } | null;

function pageKeyOf(page: Page): string {
  if (page === null) return '';
  return page.kind === 'model' || page.kind === 'sweep' ? `${page.kind}-${page.id}` : page.kind;
}

export function ModelsView({ jobs, onCancelled, onOpenDatasets }: ModelsViewProps) {
  const { models, loading, error, refresh } = useModels(jobs);
  const { datasets } = useDatasets(jobs);
  const sweepList = useSweeps(jobs);
  const [page, setPage] = useState<Page>(null);
  const [importOpen, setImportOpen] = useState(false);
  const mainRef = useRef<HTMLDivElement>(null);

  // Another page starts at its top: the two share one scrolling column.
  const pageKey = pageKeyOf(page);
  useEffect(() => {
    mainRef.current?.scrollTo({ top: 0 });
  }, [pageKey]);

  // First view: the newest model, or the training page when there is none; a deleted model's page closes.
  useEffect(() => {
    if (loading) return;
    if (page === null) setPage(models[0] ? { kind: 'model', id: models[0].id } : { kind: 'train' });
    else if (page.kind === 'model' && !models.some((m) => m.id === page.id)) setPage(models[0] ? { kind: 'model', id: models[0].id } : { kind: 'train' });
  }, [loading, models, page]);

  const selected = page?.kind === 'model' ? (models.find((m) => m.id === page.id) ?? null) : null;
  const selectedSweep = page?.kind === 'sweep' ? (sweepList.sweeps.find((s) => s.id === page.id) ?? null) : null;

  return (
    <div className="models-view" data-testid="models-view">
      <div className="models-view__side">
        <header className="datasets-view__header">
          <h2>Models</h2>
          <div className="button-row">
            <button type="button" className="button button--small" onClick={() => setImportOpen(true)} data-testid="models-import-open">
              Import…
            </button>
            <button
              type="button"
              className={`button button--small${page?.kind === 'train' ? '' : ' button--primary'}`}
              onClick={() => setPage({ kind: 'train' })}
              aria-pressed={page?.kind === 'train'}
              data-testid="models-train-open"
            >
              Train a model
            </button>
          </div>
        </header>
        {error && <ErrorBanner title="Cannot list the models" message={error} />}
        <ModelList models={models} datasets={datasets} selectedId={selected?.id ?? null} onSelect={(id) => setPage({ kind: 'model', id })} />
        <header className="datasets-view__header models-view__subheader">
          <h2>Sweeps</h2>
          <button
            type="button"
            className="button button--small"
            onClick={() => setPage({ kind: 'new-sweep' })}
            aria-pressed={page?.kind === 'new-sweep'}
            data-testid="sweeps-new-open"
          >
            New sweep
          </button>
        </header>
        {sweepList.error && <ErrorBanner title="Cannot list the sweeps" message={sweepList.error} />}
        <SweepList sweeps={sweepList.sweeps} selectedId={selectedSweep?.id ?? null} onSelect={(id) => setPage({ kind: 'sweep', id })} />
      </div>
      <div className="models-view__main" ref={mainRef}>
        {/* The training page stays mounted: its form and the run it follows survive visits to model pages. */}
        <div hidden={page?.kind !== 'train'} className="models-view__page">
          <TrainingPage jobs={jobs} models={models} datasets={datasets} onCancelled={onCancelled} onOpenModel={(id) => setPage({ kind: 'model', id })} onOpenDatasets={onOpenDatasets} />
        </div>
        {selected && <ModelPage key={selected.id} model={selected} datasets={datasets} jobs={jobs} onCancelled={onCancelled} onDeleted={() => void refresh()} />}
        {page?.kind === 'model' && !selected && <p className="muted">{loading ? 'Loading the models…' : 'This model no longer exists.'}</p>}
        {page?.kind === 'new-sweep' && (
          <SweepForm
            datasets={datasets}
            onOpenDatasets={onOpenDatasets}
            onStarted={(id) => void sweepList.refresh().then(() => setPage({ kind: 'sweep', id }))}
          />
        )}
        {selectedSweep && (
          <SweepPage
            key={selectedSweep.id}
            summary={selectedSweep}
            datasets={datasets}
            jobs={jobs}
            onCancelled={onCancelled}
            onDeleted={() => void sweepList.refresh().then(() => setPage(null))}
          />
        )}
        {page?.kind === 'sweep' && !selectedSweep && <p className="muted">{sweepList.loading ? 'Loading the sweeps…' : 'This sweep no longer exists.'}</p>}
      </div>
      {importOpen && (
        <ImportModelDialog
          onClose={() => setImportOpen(false)}
          onImported={(model) => {
            setImportOpen(false);
            void refresh().then(() => setPage({ kind: 'model', id: model.id }));
          }}
        />
      )}
    </div>
  );
}
