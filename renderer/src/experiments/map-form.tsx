/**
 * Starting a map of the opened data: the model (its k-grid and transform come with it), how the pixel size is known
 * (the file's calibration, a value, or a ring of known k — never assumed), TV denoising as papers/000 did, and the
 * beam-centre method. The recipe is stored with the map.
 */
import { useMemo, useState } from 'react';
import type { ModelSummary } from '../../../main/shared/models';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage } from '../format';
import { architectureLabel } from '../models/model-format';
import { useApi } from '../state/api-context';
import type { OpenedInput } from './open-panel';

type CalibrationChoice = 'metadata' | 'manual' | 'ring';

function hasReciprocalCalibration(input: OpenedInput): boolean {
  return input.info.detectorAxes.every((a) => a.scale !== null && a.units !== null && /(1\/|\^-1|mrad|rad)/i.test(a.units));
}

export function MapForm({ input, models, onStarted }: { input: OpenedInput; models: ModelSummary[]; onStarted: (mapId: number) => void }) {
  const api = useApi();
  const usable = useMemo(() => models.filter((m) => (m.state === 'trained' || m.state === 'imported') && m.preprocessing?.kmaxInvA != null), [models]);
  const [modelId, setModelId] = useState<string>('');
  const fileCalibrated = hasReciprocalCalibration(input);
  const [calibration, setCalibration] = useState<CalibrationChoice>(fileCalibrated ? 'metadata' : 'manual');
  const [value, setValue] = useState('');
  const [denoise, setDenoise] = useState(true);
  const [centre, setCentre] = useState<'com' | 'xcorr'>('com');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const model = usable.find((m) => String(m.id) === modelId) ?? usable[0] ?? null;
  const number = Number(value);
  const needsValue = calibration !== 'metadata';
  const valid = model !== null && (!needsValue || (Number.isFinite(number) && number > 0));

  async function start() {
    if (!model) return;
    setBusy(true);
    setError(null);
    try {
      const recipe = {
        calibration: calibration === 'metadata' ? { method: 'metadata' } : calibration === 'manual' ? { method: 'manual', invAPerPixel: number } : { method: 'ring', ringKInvA: number },
        denoise: { method: denoise ? 'tv-chambolle' : 'none' },
        centre: { method: centre },
      };
      const { mapId } = await api.invoke('maps.run', {
        modelId: model.id,
        input: input.path,
        recipe,
        ...(input.scanShape ? { scanShape: input.scanShape } : {}),
        ...(input.datasetPath ? { datasetPath: input.datasetPath } : {}),
      });
      onStarted(mapId);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="sim-card model-card" aria-label="Map" data-testid="map-form">
      <header className="model-card__header">
        <h3>Map d</h3>
        <span className="muted">preprocessing recorded with the map</span>
      </header>
      {usable.length === 0 ? (
        <p className="muted">No trained or imported model with a k-grid in this project: train or import one in the Models tab.</p>
      ) : (
        <div className="sweep-form">
          <label htmlFor="map-model">Model</label>
          <select id="map-model" className="input" value={model ? String(model.id) : ''} onChange={(e) => setModelId(e.target.value)} data-testid="map-model">
            {usable.map((m) => (
              <option key={m.id} value={m.id}>
                #{m.id} {m.name} ({architectureLabel(m.architecture)}, Δk {m.preprocessing?.deltaKInvA} Å⁻¹)
              </option>
            ))}
          </select>
          <span>Pixel size</span>
          <div className="button-row" role="radiogroup" aria-label="Pixel size">
            {(['metadata', 'manual', 'ring'] as const).map((c) => (
              <label key={c} className="checkbox">
                <input type="radio" name="map-calibration" checked={calibration === c} disabled={c === 'metadata' && !fileCalibrated} onChange={() => setCalibration(c)} data-testid={`map-calibration-${c}`} />{' '}
                {c === 'metadata' ? 'from the file' : c === 'manual' ? 'Å⁻¹ per pixel' : 'ring of known k'}
              </label>
            ))}
          </div>
          {needsValue && (
            <>
              <label htmlFor="map-calibration-value">{calibration === 'manual' ? 'Å⁻¹ per pixel' : 'ring k (Å⁻¹)'}</label>
              <input id="map-calibration-value" className="input input--small" value={value} onChange={(e) => setValue(e.target.value)} inputMode="decimal" data-testid="map-calibration-value" />
            </>
          )}
          {!fileCalibrated && <span className="muted">The file gives no reciprocal-space calibration: give the pixel size or a ring.</span>}
          <span>Preprocessing</span>
          <div className="button-row">
            <label className="checkbox">
              <input type="checkbox" checked={denoise} onChange={(e) => setDenoise(e.target.checked)} data-testid="map-denoise" /> TV denoising (Chambolle, weight 0.1, ε 2e-4, ≤ 200 iterations)
            </label>
            <select className="input input--small" value={centre} onChange={(e) => setCentre(e.target.value as 'com' | 'xcorr')} aria-label="Beam centre">
              <option value="com">centre of mass</option>
              <option value="xcorr">cross-correlation</option>
            </select>
          </div>
          <div className="button-row">
            <button type="button" className="button button--primary" disabled={busy || !valid} onClick={() => void start()} data-testid="map-start">
              Map {input.info.frameCount} frames
            </button>
          </div>
        </div>
      )}
      {error && <ErrorBanner title="Cannot start the map" message={error} onDismiss={() => setError(null)} />}
    </section>
  );
}
