/**
 * The dataset builder: sources (labelled structures), scan, zones, probe sweep, k-grid, regions and split seed, with
 * the live sample count and the probe centres over the cell face (from `datasets.scanPreview`); Build starts a
 * diffract job.
 */
import * as Plot from '@observablehq/plot';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { LabelSetSummary, StructureSummary, Vec3 } from '../../../main/shared/domain';
import { patternSide } from '../../../main/shared/diffraction';
import type { Response } from '../../../main/shared/ipc-contract';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { SERIES_BLUE } from '../analysis/plot-style';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage, formatBytes, formatCount } from '../format';
import { useApi } from '../state/api-context';
import { buildRecipe, defaultRecipeForm, type RecipeForm } from './dataset-recipe-form';
import { kAxisNames, zoneBasis } from './probe-settings';

type ScanPreview = Response<'datasets.scanPreview'>;

export interface DatasetBuilderProps {
  structures: StructureSummary[];
  onBuilt: (datasetId: number, jobId: number) => void;
}

function dot(a: Vec3, b: readonly number[]): number {
  return a[0] * (b[0] ?? 0) + a[1] * (b[1] ?? 0) + a[2] * (b[2] ?? 0);
}

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/** " · every 5th row, 5th column of 413,449" when the preview thinned a large scan; nothing otherwise. */
function thinnedNote(scan: { rowStride: number; colStride: number; count: number } | undefined): string {
  if (!scan || (scan.rowStride === 1 && scan.colStride === 1)) return '';
  const parts = [scan.rowStride > 1 ? `${ordinal(scan.rowStride)} row` : '', scan.colStride > 1 ? `${ordinal(scan.colStride)} column` : ''].filter(Boolean);
  return ` · every ${parts.join(', ')} of ${formatCount(scan.count)} shown`;
}

export function DatasetBuilder({ structures, onBuilt }: DatasetBuilderProps) {
  const api = useApi();
  const [form, setForm] = useState<RecipeForm>(defaultRecipeForm);
  const [labelSets, setLabelSets] = useState<LabelSetSummary[]>([]);
  const [preview, setPreview] = useState<ScanPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const set = <K extends keyof RecipeForm>(key: K, value: RecipeForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const loadLabelSets = useCallback(() => {
    api.invoke('labels.list', {}).then(
      (list) => setLabelSets([...list].sort((a, b) => b.id - a.id)),
      (e: unknown) => setPreviewError(errorMessage(e)),
    );
  }, [api]);
  useEffect(loadLabelSets, [loadLabelSets]);
  useEffect(() => api.on('labels.changed', loadLabelSets), [api, loadLabelSets]);

  const labelled = structures.filter((s) => labelSets.some((l) => l.structureId === s.id));
  // First visit: the newest labelled structure is the source.
  useEffect(() => {
    if (Object.keys(form.sources).length > 0) return;
    const first = labelled[0];
    const set0 = first ? labelSets.find((l) => l.structureId === first.id) : undefined;
    if (first && set0) setForm((f) => ({ ...f, sources: { [first.id]: set0.id } }));
  }, [labelled, labelSets, form.sources]);

  const parsed = useMemo(() => buildRecipe(form), [form]);
  const key = parsed.recipe ? JSON.stringify(parsed.recipe) : null;
  useEffect(() => {
    if (!key) {
      setPreview(null);
      return;
    }
    let cancelled = false;
    const timer = window.setTimeout(() => {
      api.invoke('datasets.scanPreview', JSON.parse(key) as NonNullable<typeof parsed.recipe>).then(
        (p) => {
          if (cancelled) return;
          setPreview(p);
          setPreviewError(null);
        },
        (e: unknown) => {
          if (cancelled) return;
          // A refused recipe has no sample count or scan: keep no stale one beside the reason.
          setPreview(null);
          setPreviewError(errorMessage(e));
        },
      );
    }, 400);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [api, key]);

  const recipe = parsed.recipe;
  const side = recipe ? patternSide({ kmaxInvA: recipe.kmaxInvA ?? 1, deltaKInvA: recipe.deltaKInvA ?? 0.015 }) : 0;
  const bytes = preview ? preview.sampleCount * side * side * 4 : 0;

  // The centres of the first scan (first structure and zone; thinned on large scans), in the zone's (u, v) plane.
  const block = preview?.scans[0];
  const blockStructure = structures.find((s) => s.id === block?.structureId);
  const blockZone = block && recipe ? (recipe.zones ?? ['z'])[block.zone] ?? 'z' : 'z';
  const scatter = useMemo(() => {
    if (!block || !blockStructure) return null;
    const { u, v } = zoneBasis(blockZone);
    const points: { u: number; v: number }[] = [];
    for (let i = 0; i + 2 < block.centres.length; i += 3) {
      const c = block.centres.slice(i, i + 3);
      points.push({ u: dot(u, c), v: dot(v, c) });
    }
    const { origin, a, b, c } = blockStructure.cell;
    const corners: { u: number; v: number }[] = [];
    for (const i of [0, 1]) for (const j of [0, 1]) for (const k of [0, 1]) {
      const p = [0, 1, 2].map((d) => (origin[d] ?? 0) + i * (a[d] ?? 0) + j * (b[d] ?? 0) + k * (c[d] ?? 0));
      corners.push({ u: dot(u, p), v: dot(v, p) });
    }
    const us = corners.map((p) => p.u);
    const vs = corners.map((p) => p.v);
    return { points, face: { u1: Math.min(...us), u2: Math.max(...us), v1: Math.min(...vs), v2: Math.max(...vs) } };
  }, [block, blockStructure, blockZone]);
  const names = kAxisNames(blockZone);
  const renderScatter = useCallback(
    (width: number) => {
      if (!scatter) throw new Error('no scan preview');
      const { face } = scatter;
      const aspect = (face.v2 - face.v1) / Math.max(face.u2 - face.u1, 1e-9);
      const w = Math.min(width, 420);
      return plotPanel({
        width: w,
        height: Math.max(160, Math.min(420, (w - 74) * aspect + 54)),
        x: { label: `${names.u.slice(1)} (Å)`, domain: [face.u1, face.u2] },
        y: { label: `${names.v.slice(1)} (Å)`, domain: [face.v1, face.v2] },
        marks: [
          Plot.rect([face], { x1: 'u1', x2: 'u2', y1: 'v1', y2: 'v2', fill: '#eef1f5', stroke: '#8a93a3' }),
          // Dots shrink on dense scans so a fine grid still reads as points, not a filled face.
          Plot.dot(scatter.points, { x: 'u', y: 'v', r: Math.max(0.5, Math.min(1.8, (0.3 * (w - 74)) / Math.sqrt(Math.max(1, scatter.points.length)))), fill: SERIES_BLUE }),
        ],
      });
    },
    [scatter, names.u, names.v],
  );
  const scatterCsv = useCallback(() => toCsv(['u_A', 'v_A'], (scatter?.points ?? []).map((p) => [p.u, p.v])), [scatter]);

  async function submit() {
    if (!recipe) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const { datasetId, jobId } = await api.invoke('datasets.build', recipe);
      onBuilt(datasetId, jobId);
    } catch (e) {
      setSubmitError(errorMessage(e));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <form
      className="dataset-builder form"
      data-testid="dataset-build-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label className="field">
        <span className="field__label">Name</span>
        <input className="input" value={form.name} onChange={(e) => set('name', e.target.value)} data-testid="dataset-name-input" />
      </label>
      <fieldset className="field">
        <legend className="field__label">Sources (labelled structures)</legend>
        {labelled.length === 0 && <span className="field__help">No structure has order labels yet: compute them first (right-hand panel).</span>}
        {labelled.map((s) => {
          const sets = labelSets.filter((l) => l.structureId === s.id);
          const chosen = form.sources[s.id];
          return (
            <div key={s.id} className="dataset-builder__source">
              <label>
                <input
                  type="checkbox"
                  checked={chosen !== undefined}
                  onChange={(e) => {
                    const next = { ...form.sources };
                    if (e.target.checked && sets[0]) next[s.id] = sets[0].id;
                    else delete next[s.id];
                    set('sources', next);
                  }}
                  data-testid="dataset-source-checkbox"
                />{' '}
                {s.name}
              </label>
              <select
                className="input input--small"
                value={chosen ?? sets[0]?.id}
                disabled={chosen === undefined}
                onChange={(e) => set('sources', { ...form.sources, [s.id]: Number(e.target.value) })}
                aria-label={`Label set of ${s.name}`}
              >
                {sets.map((l) => (
                  <option key={l.id} value={l.id}>
                    label set #{l.id}
                  </option>
                ))}
              </select>
            </div>
          );
        })}
      </fieldset>
      <fieldset className="field">
        <legend className="field__label">Scan</legend>
        <div className="dataset-builder__row">
          <label>
            <input type="radio" name="scan-kind" checked={form.scanKind === 'grid'} onChange={() => set('scanKind', 'grid')} /> grid over the face
          </label>
          <label>
            <input type="radio" name="scan-kind" checked={form.scanKind === 'line'} onChange={() => set('scanKind', 'line')} data-testid="dataset-scan-line" /> line
          </label>
          <label className="input-with-unit" title="Distance between probe centres (paper: 2.5 Å, overlapping probes)">
            step
            <input className="input input--narrow" value={form.stepA} onChange={(e) => set('stepA', e.target.value)} data-testid="dataset-step-input" /> Å
          </label>
        </div>
        {form.scanKind === 'line' && (
          <div className="dataset-builder__row">
            <label className="input-with-unit">
              start
              <input className="input input--mono" value={form.lineStart} onChange={(e) => set('lineStart', e.target.value)} />
            </label>
            <label className="input-with-unit">
              direction
              <input className="input input--mono" value={form.lineDirection} onChange={(e) => set('lineDirection', e.target.value)} />
            </label>
            <label className="input-with-unit">
              length
              <input className="input input--narrow" value={form.lineLengthA} onChange={(e) => set('lineLengthA', e.target.value)} /> Å
            </label>
          </div>
        )}
      </fieldset>
      <fieldset className="field">
        <legend className="field__label">Zone axes</legend>
        <div className="dataset-builder__row">
          {(['x', 'y', 'z'] as const).map((a) => (
            <label key={a}>
              <input type="checkbox" checked={form.zones[a]} onChange={(e) => set('zones', { ...form.zones, [a]: e.target.checked })} data-testid={`dataset-zone-${a}`} /> {a}
            </label>
          ))}
          <label className="input-with-unit" title="Further directions, e.g. 1,1,0; 1,1,1">
            directions
            <input className="input input--mono" placeholder="1,1,0; 1,1,1" value={form.zoneDirections} onChange={(e) => set('zoneDirections', e.target.value)} />
          </label>
        </div>
      </fieldset>
      <fieldset className="field">
        <legend className="field__label">Probes</legend>
        <div className="dataset-builder__row">
          <label>
            <input type="checkbox" checked={form.cylinders} onChange={(e) => set('cylinders', e.target.checked)} /> cylinders
          </label>
          <label className="input-with-unit" title="Radii in Å, comma-separated; every radius × every height">
            r
            <input className="input input--narrow" value={form.radiiA} onChange={(e) => set('radiiA', e.target.value)} disabled={!form.cylinders} data-testid="dataset-radii-input" /> Å
          </label>
          <label className="input-with-unit">
            h
            <input className="input input--narrow" value={form.heightsA} onChange={(e) => set('heightsA', e.target.value)} disabled={!form.cylinders} data-testid="dataset-heights-input" /> Å
          </label>
        </div>
        <div className="dataset-builder__row">
          <label>
            <input type="checkbox" checked={form.ellipsoid} onChange={(e) => set('ellipsoid', e.target.checked)} /> ellipsoid
          </label>
          <label className="input-with-unit">
            a, b, c
            <input className="input input--mono input--narrow" value={form.semiAxesA} onChange={(e) => set('semiAxesA', e.target.value)} disabled={!form.ellipsoid} /> Å
          </label>
          <label>
            <input type="checkbox" checked={form.cluster} onChange={(e) => set('cluster', e.target.checked)} /> one-layer cluster
          </label>
        </div>
      </fieldset>
      <fieldset className="field">
        <legend className="field__label">Pattern and labels</legend>
        <div className="dataset-builder__row">
          <label className="input-with-unit">
            kmax
            <input className="input input--tiny" value={form.kmaxInvA} onChange={(e) => set('kmaxInvA', e.target.value)} /> Å⁻¹
          </label>
          <label className="input-with-unit">
            Δk
            <input className="input input--tiny" value={form.deltaKInvA} onChange={(e) => set('deltaKInvA', e.target.value)} /> Å⁻¹
          </label>
          <label className="input-with-unit" title="Empty = flat plane (no Ewald curvature)">
            beam
            <input className="input input--tiny" placeholder="flat" value={form.beamEnergyKeV} onChange={(e) => set('beamEnergyKeV', e.target.value)} /> keV
          </label>
        </div>
        <div className="dataset-builder__row">
          <label className="input-with-unit" title="Axis along which grain / ACTR / complexion-interior regions label the samples">
            region axis
            <select className="input input--small" value={form.regionAxis} onChange={(e) => set('regionAxis', e.target.value as RecipeForm['regionAxis'])}>
              <option value="">none</option>
              <option value="x">x</option>
              <option value="y">y</option>
              <option value="z">z</option>
            </select>
          </label>
          <label className="input-with-unit" title="Seed of the 80/20 train/validation split">
            split seed
            <input className="input input--tiny" value={form.splitSeed} onChange={(e) => set('splitSeed', e.target.value)} />
          </label>
        </div>
      </fieldset>
      {parsed.error && <div className="field__error">{parsed.error}.</div>}
      {previewError && <ErrorBanner title="Cannot preview the scan" message={previewError} />}
      <div className="dataset-builder__summary">
        <span data-testid="dataset-sample-count" data-count={preview?.sampleCount ?? ''}>
          {preview ? `${formatCount(preview.sampleCount)} patterns` : '—'}
        </span>
        {preview && (
          <span className="muted" title="Raw float32 patterns as stored; the export adds the labels and metadata">
            {' '}
            · {side} × {side} each · ≈ {formatBytes(bytes)}
          </span>
        )}
      </div>
      {scatter && (
        <PlotFigure
          testId="dataset-scan-preview"
          title={`Probe centres · ${blockStructure?.name ?? ''} · zone ${typeof blockZone === 'string' ? blockZone : blockZone.join(',')}${thinnedNote(block)}`}
          exportTitle="Probe centres of the scan"
          fileStem="scan-centres"
          render={renderScatter}
          csv={scatterCsv}
        />
      )}
      {submitError && <ErrorBanner title="Cannot start the build" message={submitError} onDismiss={() => setSubmitError(null)} />}
      <button type="submit" className="button button--primary" disabled={!recipe || submitting} data-testid="dataset-build-submit">
        {submitting ? 'Starting…' : 'Build dataset'}
      </button>
    </form>
  );
}
