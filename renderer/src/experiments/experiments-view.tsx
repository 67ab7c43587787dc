/**
 * The Experiments view (issue 6): open experimental NBED / 4D-STEM data, see what the file says, start a map with a
 * model, and look at the maps of the project: the d map with its colour bar beside the virtual bright field.
 */
import { useEffect, useState } from 'react';
import type { JobSummary } from '../../../main/shared/domain';
import { ErrorBanner } from '../components/error-banner';
import { useModels } from '../models/use-models';
import { MapForm } from './map-form';
import { MapPage } from './map-page';
import { OpenPanel, type OpenedInput } from './open-panel';
import { useMaps } from './use-maps';

export function ExperimentsView({ jobs, onCancelled }: { jobs: JobSummary[]; onCancelled: (job: JobSummary) => void }) {
  const { models } = useModels(jobs);
  const { maps, error, refresh } = useMaps(jobs);
  const [opened, setOpened] = useState<OpenedInput | null>(null);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  useEffect(() => {
    if (selectedId === null && maps[0]) setSelectedId(maps[0].id);
  }, [maps, selectedId]);
  const selected = maps.find((m) => m.id === selectedId) ?? null;

  return (
    <div className="models-view experiments-view" data-testid="experiments-view">
      <div className="models-view__side">
        <OpenPanel opened={opened} onOpened={setOpened} />
        {opened && <MapForm input={opened} models={models} onStarted={(id) => void refresh().then(() => setSelectedId(id))} />}
        <header className="datasets-view__header models-view__subheader">
          <h2>Maps</h2>
        </header>
        {error && <ErrorBanner title="Cannot list the maps" message={error} />}
        <ul className="model-list" data-testid="map-list">
          {maps.map((m) => (
            <li key={m.id}>
              <button type="button" className={`model-item${m.id === selectedId ? ' selected' : ''}`} onClick={() => setSelectedId(m.id)} aria-pressed={m.id === selectedId} data-testid="map-item">
                <span className="model-item__name" title={m.input}>
                  {m.name}
                </span>
                <span className={`state-pill state-pill--${m.state === 'complete' ? 'succeeded' : m.state === 'mapping' ? 'running' : 'failed'}`}>{m.state}</span>
                <span className="model-item__meta muted">{(m.info.scanShape as number[] | undefined)?.join(' × ') ?? ''} frames</span>
              </button>
            </li>
          ))}
          {maps.length === 0 && <li className="empty">No maps yet. Open a file and map it with a model.</li>}
        </ul>
      </div>
      <div className="models-view__main">{selected ? <MapPage key={selected.id} map={selected} jobs={jobs} onCancelled={onCancelled} /> : <p className="muted">Open a scan or a folder of patterns to map it.</p>}</div>
    </div>
  );
}
