/**
 * The Datasets view: the project's simulated NBED datasets on the left (with the builder one click away), the
 * selected dataset's histogram and patterns on the right.
 */
import { useEffect, useMemo, useState } from 'react';
import type { JobSummary, StructureSummary } from '../../../main/shared/domain';
import { ErrorBanner } from '../components/error-banner';
import { DatasetBrowser } from './dataset-browser';
import { DatasetBuilder } from './dataset-builder';
import { DatasetList } from './dataset-list';
import { useDatasets } from './use-datasets';

export interface DatasetsViewProps {
  structures: StructureSummary[];
  jobs: JobSummary[];
}

export function DatasetsView({ structures, jobs }: DatasetsViewProps) {
  const { datasets, error, refresh } = useDatasets(jobs);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [building, setBuilding] = useState(false);

  useEffect(() => {
    if (selectedId === null || !datasets.some((d) => d.id === selectedId)) setSelectedId(datasets[0]?.id ?? null);
  }, [datasets, selectedId]);

  const running = useMemo(() => {
    const ids = new Set<number>();
    for (const d of datasets) {
      const job = jobs.find((j) => j.id === d.jobId);
      if (job && (job.state === 'queued' || job.state === 'running')) ids.add(d.id);
    }
    return ids;
  }, [datasets, jobs]);
  const selected = datasets.find((d) => d.id === selectedId) ?? null;

  return (
    <div className="datasets-view">
      <div className="datasets-view__side">
        <header className="datasets-view__header">
          <h2>NBED datasets</h2>
          <button type="button" className={`button button--small${building ? '' : ' button--primary'}`} onClick={() => setBuilding((b) => !b)} data-testid="dataset-new">
            {building ? 'Close the builder' : 'New dataset…'}
          </button>
        </header>
        {error && <ErrorBanner title="Cannot list the datasets" message={error} />}
        {building ? (
          <DatasetBuilder
            structures={structures}
            onBuilt={(datasetId) => {
              setBuilding(false);
              setSelectedId(datasetId);
              void refresh();
            }}
          />
        ) : (
          <DatasetList datasets={datasets} selectedId={selectedId} onSelect={setSelectedId} running={running} />
        )}
      </div>
      <div className="datasets-view__main">
        {selected ? (
          <DatasetBrowser key={selected.id} dataset={selected} />
        ) : (
          <p className="muted">Select or build a dataset to see its label histogram and patterns.</p>
        )}
      </div>
    </div>
  );
}
