/**
 * The Diffraction tab: the probe form (shape, zone, k-grid, centre typed or picked in the 3D view) and the live
 * kinematic NBED pattern of that probe with its colour bar, k-axes, radial profile, atom count and mean d.
 */
import { useMemo, useState } from 'react';
import type { LabelSetSummary, StructureSummary } from '../../../main/shared/domain';
import { ErrorBanner } from '../components/error-banner';
import { formatDurationMs } from '../format';
import { modelInput } from './model-input';
import { PATTERN_COLORMAPS, type PatternColormap } from './pattern-colormap';
import { PatternColourBar, PatternImage } from './pattern-image';
import { kAxisNames, previewRequest, type ProbeForm, type ProbeKind, type ZoneChoice } from './probe-settings';
import { RadialProfileFigure } from './radial-profile-figure';
import { usePatternPreview } from './use-pattern-preview';

export interface DiffractionViewProps {
  structure: StructureSummary;
  labelSet: LabelSetSummary | null;
  form: ProbeForm;
  onForm: (form: ProbeForm) => void;
}

const PATTERN_SIZE_PX = 360;

export function DiffractionView({ structure, labelSet, form, onForm }: DiffractionViewProps) {
  const [colormap, setColormap] = useState<PatternColormap>('inferno');
  const parsed = useMemo(() => previewRequest(form, structure.id, labelSet?.id ?? null), [form, structure.id, labelSet?.id]);
  const preview = usePatternPreview(parsed.request);
  const set = <K extends keyof ProbeForm>(key: K, value: ProbeForm[K]) => onForm({ ...form, [key]: value });

  const data = preview.data;
  const shown = useMemo(() => {
    if (!data) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data.values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return { values: modelInput(data.values), rawRange: [lo, hi] as [number, number] };
  }, [data]);
  const zone = preview.dataRequest?.zone ?? 'z';
  const zoneLabel = typeof zone === 'string' ? zone : `[${zone.join(' ')}]`;
  const stem = `${structure.name}-nbed-${zoneLabel}`.replace(/[^\w.-]+/g, '_');

  return (
    <div className="diffraction-pane" role="tabpanel" aria-label="Diffraction">
      <form className="probe-form" onSubmit={(e) => e.preventDefault()} aria-label="Probe">
        <label className="probe-form__field probe-form__field--wide" title="Probe centre in Å; or click an atom in the 3D view">
          <span>Centre x, y, z (Å)</span>
          <input
            className={`input input--mono${parsed.error?.includes('centre') ? ' input--invalid' : ''}`}
            value={form.centre}
            onChange={(e) => set('centre', e.target.value)}
            data-testid="probe-center-input"
            spellCheck={false}
          />
        </label>
        <label className="probe-form__field">
          <span>Probe</span>
          <select className="input" value={form.kind} onChange={(e) => set('kind', e.target.value as ProbeKind)} data-testid="probe-kind-select">
            <option value="cylinder">Cylinder</option>
            <option value="ellipsoid">Ellipsoid</option>
            <option value="cluster">Cluster (atom + 12 neighbours)</option>
          </select>
        </label>
        {form.kind === 'cylinder' && (
          <>
            <label className="probe-form__field probe-form__field--short" title="Cylinder radius (paper: 5 Å)">
              <span>r (Å)</span>
              <input className="input" inputMode="decimal" value={form.radiusA} onChange={(e) => set('radiusA', e.target.value)} data-testid="probe-radius-input" />
            </label>
            <label className="probe-form__field probe-form__field--short" title="Cylinder height along the zone axis (paper: 20 Å)">
              <span>h (Å)</span>
              <input className="input" inputMode="decimal" value={form.heightA} onChange={(e) => set('heightA', e.target.value)} data-testid="probe-height-input" />
            </label>
          </>
        )}
        {form.kind === 'ellipsoid' && (
          <label className="probe-form__field" title="Semi-axes along u, v and the zone axis, in Å">
            <span>Semi-axes a, b, c (Å)</span>
            <input className="input input--mono" value={form.semiAxesA} onChange={(e) => set('semiAxesA', e.target.value)} data-testid="probe-semi-axes-input" />
          </label>
        )}
        <label className="probe-form__field probe-form__field--short" title="Zone axis = beam direction">
          <span>Zone</span>
          <select className="input" value={form.zone} onChange={(e) => set('zone', e.target.value as ZoneChoice)} data-testid="zone-select">
            <option value="z">z</option>
            <option value="x">x</option>
            <option value="y">y</option>
            <option value="custom">typed…</option>
          </select>
        </label>
        {form.zone === 'custom' && (
          <label className="probe-form__field probe-form__field--short">
            <span>Direction</span>
            <input className="input input--mono" value={form.zoneDirection} onChange={(e) => set('zoneDirection', e.target.value)} data-testid="zone-direction-input" />
          </label>
        )}
        <label className="probe-form__field probe-form__field--short" title="Largest |K| computed (paper: 1.0 Å⁻¹)">
          <span>kmax (Å⁻¹)</span>
          <input className="input" inputMode="decimal" value={form.kmaxInvA} onChange={(e) => set('kmaxInvA', e.target.value)} data-testid="probe-kmax-input" />
        </label>
        <label className="probe-form__field probe-form__field--short" title="Pixel size in reciprocal space (paper: 0.015 Å⁻¹ → 133 × 133)">
          <span>Δk (Å⁻¹)</span>
          <input className="input" inputMode="decimal" value={form.deltaKInvA} onChange={(e) => set('deltaKInvA', e.target.value)} data-testid="probe-dk-input" />
        </label>
        <label className="probe-form__field probe-form__field--short" title="Beam energy for Ewald-sphere curvature; empty = the flat plane of the paper">
          <span>Beam (keV)</span>
          <input
            className="input"
            inputMode="decimal"
            placeholder="flat"
            value={form.beamEnergyKeV}
            onChange={(e) => set('beamEnergyKeV', e.target.value)}
            data-testid="probe-energy-input"
          />
        </label>
        <label className="probe-form__field probe-form__field--short">
          <span>Colours</span>
          <select className="input" value={colormap} onChange={(e) => setColormap(e.target.value as PatternColormap)} data-testid="pattern-colormap-select">
            {PATTERN_COLORMAPS.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <p className="probe-form__hint muted">Click an atom in the 3D view to centre the probe on it.</p>
      {parsed.error && <div className="field__error" data-testid="probe-form-error">Probe: {parsed.error}.</div>}
      {preview.error && <ErrorBanner title="Cannot compute the pattern" message={preview.error} />}
      <div className="pattern-panel" data-loading={preview.loading} data-testid="pattern-panel">
        {data && shown ? (
          <>
            <div className="pattern-panel__figure">
              <PatternImage
                values={shown.values}
                side={data.header.side}
                kmaxInvA={data.header.kmaxInvA}
                deltaKInvA={data.header.deltaKInvA}
                colormap={colormap}
                sizePx={PATTERN_SIZE_PX}
                axisNames={kAxisNames(zone)}
                testId="pattern-canvas"
              />
              <PatternColourBar colormap={colormap} heightPx={PATTERN_SIZE_PX} rawRange={shown.rawRange} />
              {preview.loading && <div className="spinner pattern-panel__spinner" aria-label="Computing" />}
            </div>
            <dl className="pattern-info" data-testid="pattern-info" data-atoms={data.header.atoms}>
              <div>
                <dt>Atoms in probe</dt>
                <dd data-testid="pattern-atoms">{data.header.atoms}</dd>
              </div>
              <div>
                <dt title="Mean disorder parameter of the atoms in the probe: the model's target">mean d</dt>
                <dd>{data.header.dMean === null ? (labelSet ? '—' : 'no labels') : data.header.dMean.toFixed(3)}</dd>
              </div>
              <div>
                <dt>Zone</dt>
                <dd>{zoneLabel}</dd>
              </div>
              <div>
                <dt>Grid</dt>
                <dd>
                  {data.header.side} × {data.header.side}, Δk {data.header.deltaKInvA} Å⁻¹
                </dd>
              </div>
              <div>
                <dt>Computed in</dt>
                <dd>{formatDurationMs(data.header.seconds * 1000)}</dd>
              </div>
            </dl>
            <RadialProfileFigure
              kInvA={data.header.radial.kInvA}
              mean={data.header.radial.mean}
              exportTitle={`Radial profile of the NBED pattern · ${structure.name} · zone ${zoneLabel}`}
              fileStem={`${stem}-radial`}
            />
          </>
        ) : (
          <div className="pattern-panel__empty muted">{preview.loading ? 'Computing the pattern…' : 'Type a probe centre or click an atom.'}</div>
        )}
      </div>
    </div>
  );
}
