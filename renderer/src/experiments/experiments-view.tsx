/**
 * The Experiments view (issue 6): open experimental NBED / 4D-STEM data (a path, the dialog, or a drop anywhere on
 * the view), see what the file says and its frames, preview the preprocessing on any frame, start a map with a
 * model, and look at the maps of the project: the d map with its colour bar beside the virtual bright field.
 */
import { useCallback, useEffect, useState } from 'react';
import type { JobSummary } from '../../../main/shared/domain';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage } from '../format';
import { useModels } from '../models/use-models';
import { useDatasets } from '../nbed/use-datasets';
import { useApi } from '../state/api-context';
import { resolveDrop, takeDrop } from './drop-input';
import { InputPage } from './input-page';
import { MapForm, type MapDraft } from './map-form';
import { MapPage } from './map-page';
import { OpenPanel, type OpenedInput, type OpenRequest } from './open-panel';
import { useMaps } from './use-maps';

export function ExperimentsView({ jobs, onCancelled }: { jobs: JobSummary[]; onCancelled: (job: JobSummary) => void }) {
  const api = useApi();
  const { models } = useModels(jobs);
  const { datasets } = useDatasets(jobs);
  const { maps, error, refresh } = useMaps(jobs);
  const [opened, setOpened] = useState<OpenedInput | null>(null);
  const [draft, setDraft] = useState<MapDraft | null>(null);
  // The main area shows the opened input or a map; the first map until something is opened.
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [showInput, setShowInput] = useState(false);
  const [request, setRequest] = useState<OpenRequest | null>(null);
  const [dragging, setDragging] = useState(false);
  const [dropError, setDropError] = useState<string | null>(null);
  useEffect(() => {
    if (selectedId === null && maps[0]) setSelectedId(maps[0].id);
  }, [maps, selectedId]);
  const selected = maps.find((m) => m.id === selectedId) ?? null;
  const onOpened = useCallback((input: OpenedInput) => {
    setOpened(input);
    setShowInput(true);
  }, []);

  function onDrop(event: React.DragEvent) {
    event.preventDefault();
    setDragging(false);
    const taken = takeDrop(event.dataTransfer);
    if (!taken) return;
    setDropError(null);
    resolveDrop(api, taken).then(
      (where) => setRequest((r) => ({ path: where.path, serial: (r?.serial ?? 0) + 1 })),
      (e: unknown) => setDropError(errorMessage(e)),
    );
  }

  return (
    <div
      className={`models-view experiments-view${dragging ? ' experiments-view--dragging' : ''}`}
      data-testid="experiments-view"
      onDragOver={(e) => {
        if (!Array.from(e.dataTransfer.types).includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <div className="models-view__side">
        <OpenPanel opened={opened} onOpened={onOpened} request={request} dropError={dropError} />
        {opened && (
          <MapForm
            input={opened}
            models={models}
            datasets={datasets}
            onDraft={setDraft}
            onStarted={(id) =>
              void refresh().then(() => {
                setSelectedId(id);
                setShowInput(false);
              })
            }
          />
        )}
        <header className="datasets-view__header models-view__subheader">
          <h2>Maps</h2>
          {opened && !showInput && (
            <button type="button" className="button button--small button--ghost" onClick={() => setShowInput(true)} data-testid="show-input">
              Back to the opened data
            </button>
          )}
        </header>
        {error && <ErrorBanner title="Cannot list the maps" message={error} />}
        <ul className="model-list" data-testid="map-list">
          {maps.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                className={`model-item${m.id === selectedId && !showInput ? ' selected' : ''}`}
                onClick={() => {
                  setSelectedId(m.id);
                  setShowInput(false);
                }}
                aria-pressed={m.id === selectedId && !showInput}
                data-testid="map-item"
              >
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
      <div className="models-view__main">
        {showInput && opened ? (
          <InputPage input={opened} draft={draft} />
        ) : selected ? (
          <MapPage key={selected.id} map={selected} jobs={jobs} onCancelled={onCancelled} />
        ) : (
          <p className="muted">Open a scan or a folder of patterns (or drop it here) to map it.</p>
        )}
      </div>
    </div>
  );
}
