/**
 * The opened data before mapping (issue 6): thumbnails of frames spread over the scan (or the folder's patterns with
 * their groups); a click puts that frame through the map form's recipe step by step — calibration, bad pixels and
 * scan centre resolved on the mean frame as the map job will — so the user sees what the model will see.
 */
import { interpolateInferno } from 'd3-scale-chromatic';
import { useEffect, useState } from 'react';
import type { Response } from '../../../main/shared/ipc-contract';
import { errorMessage, formatCount } from '../format';
import { useApi } from '../state/api-context';
import { PreviewSteps } from './frame-preview';
import { MapCanvas } from './map-canvas';
import type { MapDraft } from './map-form';
import type { OpenedInput } from './open-panel';

type Thumbnails = Response<'experiments.thumbnails'>;
type Preview = Response<'experiments.preview'>;

const THUMBNAIL_COUNT = 24;

/**
 * Under a thumbnail (the whole label is its tooltip): "frame 7 (row 0, column 7)" → "#7 · 0, 7"; a folder's
 * "group/file.png" → the file, with its group on a second line.
 */
function shortLabel(label: string): { main: string; group: string | null } {
  const scan = /^frame (\d+) \(row (\d+), column (\d+)\)$/.exec(label);
  if (scan) return { main: `#${scan[1]} · ${scan[2]}, ${scan[3]}`, group: null };
  const slash = label.lastIndexOf('/');
  return slash > 0 ? { main: label.slice(slash + 1), group: label.slice(0, slash) } : { main: label, group: null };
}

function location(input: OpenedInput): { path: string; scanShape?: number[]; datasetPath?: string; scanStepNm?: number } {
  return {
    path: input.path,
    ...(input.scanShape ? { scanShape: input.scanShape } : {}),
    ...(input.datasetPath ? { datasetPath: input.datasetPath } : {}),
    ...(input.scanStepNm !== null ? { scanStepNm: input.scanStepNm } : {}),
  };
}

export function InputPage({ input, draft }: { input: OpenedInput; draft: MapDraft | null }) {
  const api = useApi();
  const [thumbnails, setThumbnails] = useState<Thumbnails | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [index, setIndex] = useState<number | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    setThumbnails(null);
    setError(null);
    setIndex(null);
    api.invoke('experiments.thumbnails', { ...location(input), count: THUMBNAIL_COUNT, size: 64 }).then(
      (t) => {
        if (!live) return;
        setThumbnails(t);
        setIndex(t.thumbnails[0]?.index ?? null);
      },
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, input]);

  useEffect(() => {
    if (index === null || draft === null) {
      setPreview(null);
      return;
    }
    let live = true;
    setBusy(true);
    setPreviewError(null);
    // A short pause so typing a calibration value does not start a preview per keystroke.
    const timer = window.setTimeout(() => {
      api.invoke('experiments.preview', { ...location(input), ...draft, index }).then(
        (p) => live && setPreview(p),
        (e: unknown) => live && setPreviewError(errorMessage(e)),
      ).finally(() => live && setBusy(false));
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, input, draft, index]);

  const frames = thumbnails?.frameCount ?? input.info.frameCount;
  return (
    <div className="model-page" data-testid="input-page">
      <header className="sim-card model-page__header">
        <div className="model-page__title">
          <h2>{input.path.split(/[\\/]/).pop()}</h2>
        </div>
        <p className="model-page__subtitle muted">
          {input.info.format} · {formatCount(frames)} frames of {input.info.frameShape.join(' × ')} px · {input.path}
        </p>
      </header>
      <section className="sim-card model-card" aria-label="Frames">
        <header className="model-card__header">
          <h3>Frames</h3>
          <span className="muted">{frames > THUMBNAIL_COUNT ? `${THUMBNAIL_COUNT} spread over ${formatCount(frames)}` : 'all'} · log scale · click one to preview it</span>
        </header>
        {error && <p className="text-failed">{error}</p>}
        {!thumbnails && !error && <p className="muted">Reading frames…</p>}
        {thumbnails && (
          <ul className="thumbnail-grid" data-testid="thumbnails">
            {thumbnails.thumbnails.map((t) => (
              <li key={t.index}>
                <button type="button" className={`thumbnail${t.index === index ? ' selected' : ''}`} onClick={() => setIndex(t.index)} aria-pressed={t.index === index} title={t.label} data-testid="thumbnail">
                  <MapCanvas values={t.pixels} rows={t.rows} cols={t.cols} colour={interpolateInferno} range={[0, 255]} testId={`thumbnail-${t.index}`} label={t.label} size={72} />
                  <span className="thumbnail__label">{shortLabel(t.label).main}</span>
                  {shortLabel(t.label).group !== null && <span className="thumbnail__label muted">{shortLabel(t.label).group}</span>}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {index !== null && (
        <section className="sim-card model-card" aria-label="Preview">
          <header className="model-card__header">
            <h3>Frame {index} through the recipe</h3>
            <span className="muted">{busy ? 'preprocessing…' : 'the map form’s settings, resolved on the mean frame'}</span>
          </header>
          {draft === null && <p className="muted">Choose a model and how the pixel size is known in the map form to preview the preprocessing.</p>}
          {previewError && <p className="text-failed">{previewError}</p>}
          {draft !== null && preview && preview.index === index && (
            <div data-testid="input-preview">
              <p className="muted" data-testid="input-preview-facts">
                {preview.invAPerPixel !== null ? `${preview.invAPerPixel.toPrecision(4)} Å⁻¹/px` : 'not calibrated'} · {preview.calibration}
                {preview.meanFrameCount > 0 && ` · mean of ${preview.meanFrameCount} frames`} · {preview.badPixels} bad pixels · {preview.quality}
                {preview.centre ? ` · beam centre (${preview.centre.row.toFixed(1)}, ${preview.centre.col.toFixed(1)}) px` : ''}
                {preview.denoiseIterations > 0 && ` · TV ${preview.denoiseIterations} iterations`}
              </p>
              <PreviewSteps steps={preview.steps} />
            </div>
          )}
        </section>
      )}
    </div>
  );
}
