/**
 * The Models view: the project's models on the left with "Train a model" and "Import…", and on the right either the
 * training page or the selected model's page.
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

export interface ModelsViewProps {
  jobs: JobSummary[];
  /** The answer of jobs.cancel, so the jobs list shows it at once. */
  onCancelled: (job: JobSummary) => void;
  onOpenDatasets: () => void;
}

type Page = { kind: 'train' } | { kind: 'model'; id: number } | null;

export function ModelsView({ jobs, onCancelled, onOpenDatasets }: ModelsViewProps) {
  const { models, loading, error, refresh } = useModels(jobs);
  const { datasets } = useDatasets(jobs);
  const [page, setPage] = useState<Page>(null);
  const [importOpen, setImportOpen] = useState(false);
  const mainRef = useRef<HTMLDivElement>(null);

  // Another page starts at its top: the two share one scrolling column.
  const pageKey = page === null ? '' : page.kind === 'train' ? 'train' : `model-${page.id}`;
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
      </div>
      <div className="models-view__main" ref={mainRef}>
        {/* The training page stays mounted: its form and the run it follows survive visits to model pages. */}
        <div hidden={page?.kind !== 'train'} className="models-view__page">
          <TrainingPage jobs={jobs} models={models} datasets={datasets} onCancelled={onCancelled} onOpenModel={(id) => setPage({ kind: 'model', id })} onOpenDatasets={onOpenDatasets} />
        </div>
        {selected && <ModelPage key={selected.id} model={selected} datasets={datasets} jobs={jobs} onCancelled={onCancelled} onDeleted={() => void refresh()} />}
        {page?.kind === 'model' && !selected && <p className="muted">{loading ? 'Loading the models…' : 'This model no longer exists.'}</p>}
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
