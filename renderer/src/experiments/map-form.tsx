/**
 * Starting a map of the opened data: the model (its k-grid and transform come with it), how the pixel size is known
 * (the file's calibration, a value, a ring of known k, or the amorphous halo fitted to simulated patterns on the
 * model's grid — never assumed), TV denoising as papers/000 did, and the beam-centre method. The recipe is stored
 * with the map; while it is edited, it is handed up (`onDraft`) so any frame can be previewed with it.
 */
import { useEffect, useMemo, useState } from 'react';
import type { DatasetSummary } from '../../../main/shared/domain';
import type { ModelSummary } from '../../../main/shared/models';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage } from '../format';
import { architectureLabel } from '../models/model-format';
import { useApi } from '../state/api-context';
import type { OpenedInput } from './open-panel';

type CalibrationChoice = 'metadata' | 'manual' | 'ring' | 'halo';

/** What the form would map with: previewed on a frame before the map starts. */
export interface MapDraft {
  modelId: number;
  recipe: Record<string, unknown>;
  haloReferenceDatasetId?: number;
}

const CALIBRATION_LABELS: Record<CalibrationChoice, string> = {
  metadata: 'from the file',
  manual: 'Å⁻¹ per pixel',
  ring: 'ring of known k',
  halo: 'fit the halo',
};

/** Complete datasets on the model's k-grid (same side and Δk): what a halo fit can be made against. */
export function haloDatasets(datasets: DatasetSummary[], model: ModelSummary | null): DatasetSummary[] {
  const p = model?.preprocessing;
  if (!p || p.deltaKInvA === null || p.kmaxInvA === null) return [];
  return datasets.filter((d) => {
    const grid = d.recipe as { deltaKInvA?: number; kmaxInvA?: number } | null;
    return d.state === 'complete' && grid?.deltaKInvA !== undefined && grid.kmaxInvA !== undefined && Math.abs(grid.deltaKInvA - (p.deltaKInvA as number)) < 1e-9 && Math.abs(grid.kmaxInvA - (p.kmaxInvA as number)) < 1e-9;
  });
}

function hasReciprocalCalibration(input: OpenedInput): boolean {
  return input.info.detectorAxes.every((a) => a.scale !== null && a.units !== null && /(1\/|\^-1|mrad|rad)/i.test(a.units));
}

export function MapForm({ input, models, datasets, onStarted, onDraft }: { input: OpenedInput; models: ModelSummary[]; datasets: DatasetSummary[]; onStarted: (mapId: number) => void; onDraft: (draft: MapDraft | null) => void }) {
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
  const references = useMemo(() => haloDatasets(datasets, model), [datasets, model]);
  const [referenceId, setReferenceId] = useState<string>('');
  // The model's own training set first, when it is in the project.
  const reference = references.find((d) => String(d.id) === referenceId) ?? references.find((d) => d.id === model?.datasetId) ?? references[0] ?? null;
  const number = Number(value);
  const needsValue = calibration === 'manual' || calibration === 'ring';
  const valid = model !== null && (!needsValue || (Number.isFinite(number) && number > 0)) && (calibration !== 'halo' || reference !== null);
  const draft = useMemo((): MapDraft | null => {
    if (!valid || model === null) return null;
    const recipe = {
      calibration:
        calibration === 'metadata' ? { method: 'metadata' } : calibration === 'manual' ? { method: 'manual', invAPerPixel: number } : calibration === 'ring' ? { method: 'ring', ringKInvA: number } : { method: 'halo' },
      denoise: { method: denoise ? 'tv-chambolle' : 'none' },
      centre: { method: centre },
    };
    return { modelId: model.id, recipe, ...(calibration === 'halo' && reference ? { haloReferenceDatasetId: reference.id } : {}) };
  }, [valid, model, calibration, number, denoise, centre, reference]);
  useEffect(() => onDraft(draft), [draft, onDraft]);

  async function start() {
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      const { mapId } = await api.invoke('maps.run', {
        ...draft,
        input: input.path,
        ...(input.scanShape ? { scanShape: input.scanShape } : {}),
        ...(input.datasetPath ? { datasetPath: input.datasetPath } : {}),
        ...(input.scanStepNm !== null ? { scanStepNm: input.scanStepNm } : {}),
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
            {(['metadata', 'manual', 'ring', 'halo'] as const).map((c) => (
              <label key={c} className="checkbox">
                <input type="radio" name="map-calibration" checked={calibration === c} disabled={c === 'metadata' && !fileCalibrated} onChange={() => setCalibration(c)} data-testid={`map-calibration-${c}`} /> {CALIBRATION_LABELS[c]}
              </label>
            ))}
          </div>
          {calibration === 'halo' && (
            <>
              <label htmlFor="map-halo-reference">Simulated halo</label>
              {references.length === 0 ? (
                <span className="muted">No complete dataset on this model’s k-grid (Δk {model?.preprocessing?.deltaKInvA} Å⁻¹) in the project: build one in the NBED tab, or give the pixel size.</span>
              ) : (
                <select id="map-halo-reference" className="input" value={reference ? String(reference.id) : ''} onChange={(e) => setReferenceId(e.target.value)} data-testid="map-halo-reference">
                  {references.map((d) => (
                    <option key={d.id} value={d.id}>
                      #{d.id} {d.name} ({d.sampleCount} patterns{d.id === model?.datasetId ? ', the model’s training set' : ''})
                    </option>
                  ))}
                </select>
              )}
            </>
          )}
          {needsValue && (
            <>
              <label htmlFor="map-calibration-value">{calibration === 'manual' ? 'Å⁻¹ per pixel' : 'ring k (Å⁻¹)'}</label>
              <input id="map-calibration-value" className="input input--small" value={value} onChange={(e) => setValue(e.target.value)} inputMode="decimal" data-testid="map-calibration-value" />
            </>
          )}
          {!fileCalibrated && <span className="muted">The file gives no reciprocal-space calibration: give the pixel size, a ring, or fit the halo.</span>}
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
