/**
 * The linked view of a map (issue 6): the frame behind a clicked map pixel as recorded (log scale) and after each
 * preprocessing step of the map's recipe, ending with what the model saw; with the map's flag for the frame in words
 * (which out-of-distribution test failed, with its numbers; why a frame was not mapped).
 */
import { interpolateGreys, interpolateInferno } from 'd3-scale-chromatic';
import { useEffect, useState } from 'react';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { formatD, frameFlagText, type FrameValues } from './frame-flags';
import { MapCanvas } from './map-canvas';

interface Preview {
  index: number;
  quality: string;
  centre: { row: number; col: number } | null;
  steps: { name: string; rows: number; cols: number; image: number[] }[];
}

const STEP_NAMES: Readonly<Record<string, string>> = {
  raw: 'recorded (log)',
  'dark-subtracted': 'dark subtracted (log)',
  'defects-corrected': 'bad pixels filled (log)',
  denoised: 'TV denoised (log)',
  resampled: 'on the model’s k-grid (log)',
  'model-input': 'model input',
};
const greys = (t: number): string => interpolateGreys(1 - t);

function shown(step: Preview['steps'][number]): { values: number[]; range: [number, number] } {
  const values = step.name === 'model-input' ? step.image : step.image.map((v) => Math.log10(Math.max(v, 1)));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return { values, range: lo < hi ? [lo, hi] : [0, 1] };
}

/** The steps of one frame side by side (recorded … model input). */
export function PreviewSteps({ steps }: { steps: Preview['steps'] }) {
  return (
    <div className="map-views__pair">
      {steps.map((step) => {
        const { values, range } = shown(step);
        return (
          <figure key={step.name}>
            <figcaption>{STEP_NAMES[step.name] ?? step.name}</figcaption>
            <MapCanvas values={values} rows={step.rows} cols={step.cols} colour={step.name === 'model-input' ? greys : interpolateInferno} range={range} testId={`frame-step-${step.name}`} label={step.name} size={200} />
          </figure>
        );
      })}
    </div>
  );
}

/**
 * `frame`: what the map holds for the frame. Its flag is the one to show — the preview redoes the preprocessing only,
 * which knows nothing of the model, so an out-of-distribution frame previews as 'ok'.
 */
export function FramePreview({ mapId, index, frame = null }: { mapId: number; index: number; frame?: FrameValues | null }) {
  const api = useApi();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    api.invoke('maps.frame', { id: mapId, index }).then(
      (p) => live && setPreview(p),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, mapId, index]);
  if (error) return <p className="text-failed">{error}</p>;
  if (!preview || preview.index !== index) return <p className="muted">Reading frame {index}…</p>;
  const flag = frame !== null && frame.flag !== 'ok' ? frame.flag : preview.quality;
  const flagText = frame !== null ? frameFlagText(frame) : null;
  return (
    <div data-testid="frame-preview">
      <p className="muted">
        Frame {index}: {flag}
        {preview.centre ? ` · beam centre (${preview.centre.row.toFixed(2)}, ${preview.centre.col.toFixed(2)}) px` : ''}
        {frame !== null && frame.d !== null ? ` · ${formatD(frame.d, frame.sigma)}` : ''}
      </p>
      {flagText !== null && (
        <p className={frame?.flag === 'out-of-distribution' ? 'text-warn' : 'muted'} data-testid="frame-flag">
          {flagText}
        </p>
      )}
      <PreviewSteps steps={preview.steps} />
    </div>
  );
}
