/**
 * One map: its job's progress (Stop, Resume), the summary (frames mapped and flagged, d mean ± σ, calibration), the
 * d map with its colour bar and range — out-of-distribution frames greyed — beside an ensemble model's σ(d) map and
 * the virtual bright-field image, and the pixel under the pointer (d ± σ).
 */
import { interpolateGreys, interpolateOrRd, interpolateViridis } from 'd3-scale-chromatic';
import { useMemo, useState, type CSSProperties } from 'react';
import type { JobSummary } from '../../../main/shared/domain';
import { MAP_EXPORT_NAMES, MAP_EXPORTS, type MapRecord } from '../../../main/shared/maps';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage, formatCount } from '../format';
import { useApi } from '../state/api-context';
import { isActiveJob } from '../state/use-jobs';
import { frameFlagName, formatD, frameValues, OUT_OF_DISTRIBUTION } from './frame-flags';
import { FramePreview } from './frame-preview';
import { GroupBoxPlot } from './group-box-plot';
import { canvasScale, ColourBar, MapCanvas } from './map-canvas';
import { mapPng } from './map-png';
import { downloadBlob } from '../analysis/plot-export';
import type { AxisCalibration } from '../../../main/shared/microscopy';
import { RoiStats, type Roi } from './roi-stats';
import { positionText, ScaleBar } from './scale-bar';
import { useElementWidth } from './use-element-width';
import { useMapArrays } from './use-maps';

const greys = (t: number): string => interpolateGreys(1 - t);

function extent(values: (number | null)[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** σ(d) from zero (no spread) to its largest value, so the bar reads as "how uncertain", not as a contrast stretch. */
function sigmaExtent(values: (number | null)[]): [number, number] {
  const hi = extent(values)[1];
  return [0, hi > 0 ? hi : 1];
}

/** A flag as the readout says it. */
const readoutFlag = (flag: string): string => (flag === OUT_OF_DISTRIBUTION ? 'out of distribution' : flag);

/** The legend's swatches, drawn like the canvas draws those pixels (styles.css has no rule for them). */
const SWATCH: CSSProperties = { display: 'inline-block', width: 12, height: 12, verticalAlign: 'middle', border: '1px solid #c5cbd4', background: '#9aa3ad' };
const GREYED_SWATCH: CSSProperties = { ...SWATCH, background: 'repeating-linear-gradient(135deg, #9aa3ad 0 3px, #3c424a 3px 4px)' };

/** The gap between figures (styles.css .map-views__pair). */
const FIGURE_GAP = 16;

/**
 * The d and σ maps' largest side: side by side in the width there is (never above the single map's 360 px, never so
 * small a pixel cannot be pointed at).
 */
function pairedMapSize(width: number): number {
  return width > 0 ? Math.min(360, Math.max(120, Math.floor((width - FIGURE_GAP) / 2))) : 360;
}

/** A flag with its count, as the summary says it. */
function flagWords(flag: string, count: number): string {
  if (flag === OUT_OF_DISTRIBUTION) return `${formatCount(count)} ${count === 1 ? 'frame' : 'frames'} out of distribution`;
  return `${formatCount(count)} ${flag}`;
}

export function MapPage({ map, jobs, onCancelled }: { map: MapRecord; jobs: JobSummary[]; onCancelled: (job: JobSummary) => void }) {
  const api = useApi();
  const job = map.jobId !== null ? (jobs.find((j) => j.id === map.jobId) ?? null) : null;
  const running = job !== null && isActiveJob(job);
  const { arrays, error } = useMapArrays(map, running);
  const [hover, setHover] = useState<number | null>(null);
  const [picked, setPicked] = useState<number | null>(null);
  const [roi, setRoi] = useState<Roi | null>(null);
  const [rangeText, setRangeText] = useState<[string, string] | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const auto = useMemo(() => (arrays ? extent(arrays.d) : ([0, 1] as [number, number])), [arrays]);
  const range: [number, number] = rangeText && Number.isFinite(Number(rangeText[0])) && Number.isFinite(Number(rangeText[1])) && Number(rangeText[1]) > Number(rangeText[0]) ? [Number(rangeText[0]), Number(rangeText[1])] : auto;
  const vbfRange = useMemo(() => (arrays ? extent(arrays.vbf) : ([0, 1] as [number, number])), [arrays]);
  const hasSigma = useMemo(() => arrays !== null && arrays.sigma.some((v) => v !== null), [arrays]);
  const sigmaRange = useMemo(() => (arrays ? sigmaExtent(arrays.sigma) : ([0, 1] as [number, number])), [arrays]);
  // Out-of-distribution frames keep their d but are drawn greyed: the model has not seen patterns like them.
  const greyed = useMemo(() => (arrays ? arrays.flags.map((f) => frameFlagName(f) === OUT_OF_DISTRIBUTION) : null), [arrays]);
  const oodCount = useMemo(() => greyed?.filter(Boolean).length ?? 0, [greyed]);
  const [pairWidth, pairRef] = useElementWidth();
  const rows = arrays ? (arrays.shape.length >= 2 ? (arrays.shape[0] as number) : 1) : 0;
  const cols = arrays ? (arrays.shape.length >= 2 ? (arrays.shape[1] as number) : (arrays.shape[0] as number)) : 0;
  const summary = map.summary as {
    mapped?: number;
    frameCount?: number;
    flagged?: Record<string, number>;
    d?: { mean: number | null; std: number | null };
    sigma?: { mean: number | null; max: number | null };
    calibration?: string;
  } | null;
  const shown = hover ?? picked;
  const axes = (map.info.scanAxes as AxisCalibration[] | undefined) ?? [];
  const rowAxis = axes.length >= 2 ? (axes[0] ?? null) : null;
  const colAxis = axes[axes.length - 1] ?? null;
  const isScan = arrays !== null && arrays.groups === null && rows > 1;
  // With σ, the d and σ maps share the row at a common size; the figures are held to the maps' width so that long
  // captions, the legend or the range controls wrap instead of widening them (which would stretch the canvas away
  // from its scale bar).
  const mapSize = hasSigma ? pairedMapSize(pairWidth) : 360;
  const mapWidthPx = cols * canvasScale(rows, cols, mapSize);
  const figureStyle: CSSProperties | undefined = hasSigma ? { width: mapWidthPx } : undefined;

  async function act(what: () => Promise<unknown>) {
    setActionError(null);
    try {
      await what();
    } catch (e) {
      setActionError(errorMessage(e));
    }
  }

  return (
    <div className="model-page" data-testid="map-page" data-map-id={map.id} data-map-state={map.state}>
      <header className="sim-card model-page__header">
        <div className="model-page__title">
          <h2>{map.name}</h2>
          <span className={`state-pill state-pill--${map.state === 'complete' ? 'succeeded' : map.state === 'mapping' ? 'running' : 'failed'}`} data-testid="map-state">
            {map.state}
          </span>
        </div>
        <p className="model-page__subtitle muted">
          {map.input} · map #{map.id}
        </p>
        <div className="model-page__actions">
          {running && job && <span className="muted">{job.message ?? 'starting'}</span>}
          {running && job && (
            <button type="button" className="button button--small" onClick={() => void act(async () => onCancelled(await api.invoke('jobs.cancel', { id: job.id })))}>
              Stop
            </button>
          )}
          {!running && map.state === 'incomplete' && (
            <button type="button" className="button button--small button--primary" onClick={() => void act(() => api.invoke('maps.resume', { mapId: map.id }))} data-testid="map-resume">
              Resume
            </button>
          )}
        </div>
        {!running && job?.error && <p className="text-failed">{job.error}</p>}
        {actionError && <ErrorBanner title="Cannot do that" message={actionError} onDismiss={() => setActionError(null)} />}
      </header>
      {summary && (
        <p className="map-summary" data-testid="map-summary">
          {formatCount(summary.mapped ?? 0)} of {formatCount(summary.frameCount ?? 0)} frames mapped
          {Object.entries(summary.flagged ?? {})
            .filter(([f, n]) => f !== 'ok' && n > 0)
            .map(([f, n]) => ` · ${flagWords(f, n)}`)
            .join('')}
          {summary.d?.mean != null && ` · d = ${summary.d.mean.toFixed(3)} ± ${(summary.d.std ?? 0).toFixed(3)}`}
          {summary.sigma?.mean != null && ` · mean σ(d) ${summary.sigma.mean.toFixed(3)}`}
          {summary.calibration && ` · ${summary.calibration}`}
        </p>
      )}
      {arrays?.partial && (
        <p className="map-summary muted" data-testid="map-partial">
          {formatCount(arrays.done)} of {formatCount(arrays.d.length)} frames mapped so far{oodCount > 0 ? ` (${flagWords(OUT_OF_DISTRIBUTION, oodCount)})` : ''}
          {running ? ' (updating as they finish)' : ''}; grey = not mapped yet
        </p>
      )}
      {error && <ErrorBanner title="Cannot read the map" message={error} />}
      {arrays && (
        <section className="sim-card model-card map-views" aria-label="Maps">
          <div className="map-views__pair" ref={pairRef}>
            <figure className="map-figure" style={figureStyle}>
              <figcaption>d (disorder parameter)</figcaption>
              <MapCanvas
                values={arrays.d}
                rows={rows}
                cols={cols}
                colour={interpolateViridis}
                range={range}
                testId="map-d"
                label="d map"
                size={mapSize}
                selected={picked}
                outline={roi}
                greyed={greyed}
                onHover={setHover}
                onPick={setPicked}
                onDrag={(a, b) =>
                  setRoi({
                    r0: Math.min(Math.floor(a / cols), Math.floor(b / cols)),
                    r1: Math.max(Math.floor(a / cols), Math.floor(b / cols)),
                    c0: Math.min(a % cols, b % cols),
                    c1: Math.max(a % cols, b % cols),
                  })
                }
              />
              {isScan && <ScaleBar cols={cols} rows={rows} colAxis={colAxis} rowAxis={rowAxis} widthPx={mapWidthPx} testId="map-scale-bar" />}
              <ColourBar colour={interpolateViridis} range={range} unit="" testId="map-colour-bar" compact={hasSigma} />
              {oodCount > 0 && (
                <p className="muted" data-testid="map-ood-legend" style={{ maxWidth: Math.max(mapWidthPx, 240) }}>
                  <span style={GREYED_SWATCH} aria-hidden="true" /> hatched grey: {flagWords(OUT_OF_DISTRIBUTION, oodCount)} — the model has not seen patterns like these;
                  click one for why · <span style={SWATCH} aria-hidden="true" /> plain grey: not mapped
                </p>
              )}
              <div className="button-row">
                <label className="muted">
                  range{' '}
                  <input className="input input--small" value={rangeText?.[0] ?? range[0].toFixed(3)} onChange={(e) => setRangeText([e.target.value, rangeText?.[1] ?? range[1].toFixed(3)])} aria-label="d minimum" data-testid="map-range-min" /> to{' '}
                  <input className="input input--small" value={rangeText?.[1] ?? range[1].toFixed(3)} onChange={(e) => setRangeText([rangeText?.[0] ?? range[0].toFixed(3), e.target.value])} aria-label="d maximum" data-testid="map-range-max" />
                </label>
                <button type="button" className="button button--small button--ghost" onClick={() => setRangeText(null)}>
                  Auto
                </button>
                <button
                  type="button"
                  className="button button--small"
                  onClick={() =>
                    void act(async () => {
                      const blob = await mapPng({ values: arrays.d, rows, cols, range, colour: interpolateViridis, axis: colAxis, title: `d map: ${map.name}` });
                      downloadBlob(blob, `map-${map.id}-d.png`);
                    })
                  }
                  data-testid="map-png"
                >
                  PNG
                </button>
              </div>
            </figure>
            {hasSigma && (
              <figure className="map-figure" data-testid="map-sigma-figure" style={figureStyle}>
                <figcaption>σ(d) (ensemble spread)</figcaption>
                <MapCanvas values={arrays.sigma} rows={rows} cols={cols} colour={interpolateOrRd} range={sigmaRange} testId="map-sigma" label="σ(d) map" size={mapSize} selected={picked} outline={roi} onHover={setHover} onPick={setPicked} />
                {isScan && <ScaleBar cols={cols} rows={rows} colAxis={colAxis} rowAxis={rowAxis} widthPx={mapWidthPx} testId="map-sigma-scale-bar" />}
                <ColourBar colour={interpolateOrRd} range={sigmaRange} unit="" label="σ(d)" testId="map-sigma-colour-bar" compact />
                <p className="muted" data-testid="map-sigma-note">
                  the uncertainty of each frame’s d{arrays.oodThresholds.sigma !== null ? `; above ${arrays.oodThresholds.sigma.toFixed(3)} the frame is out of distribution` : ''}
                </p>
              </figure>
            )}
            <figure className="map-figure">
              <figcaption>virtual bright field (direct beam, k &lt; 0.05 Å⁻¹)</figcaption>
              <MapCanvas values={arrays.vbf} rows={rows} cols={cols} colour={greys} range={vbfRange} testId="map-vbf" label="virtual bright-field image" selected={picked} onHover={setHover} onPick={setPicked} />
              {isScan && <ScaleBar cols={cols} rows={rows} colAxis={colAxis} rowAxis={rowAxis} widthPx={cols * canvasScale(rows, cols)} testId="map-vbf-scale-bar" />}
            </figure>
          </div>
          <p className="map-readout" data-testid="map-readout">
            {shown === null
              ? 'Point at a pixel to read it; click to mark it.'
              : `row ${Math.floor(shown / cols)}, column ${shown % cols}${isScan && positionText(Math.floor(shown / cols), shown % cols, rowAxis, colAxis) !== null ? ` at ${positionText(Math.floor(shown / cols), shown % cols, rowAxis, colAxis)}` : ''} (frame ${shown}${arrays.files ? `: ${arrays.groups?.[shown] ?? ''}/${arrays.files[shown] ?? ''}` : ''}): ${formatD(arrays.d[shown], arrays.sigma[shown])} · ${readoutFlag(frameFlagName(arrays.flags[shown]))} · VBF ${(arrays.vbf[shown] ?? 0).toPrecision(4)} · VADF ${(arrays.vadf[shown] ?? 0).toPrecision(4)}`}
          </p>
        </section>
      )}
      {map.state === 'complete' && (
        <section className="sim-card model-card" aria-label="Export">
          <header className="model-card__header">
            <h3>Export</h3>
            <span className="muted">the map’s own files (NaN / empty = flagged frame), and a one-page report</span>
          </header>
          <div className="button-row" data-testid="map-exports">
            {MAP_EXPORT_NAMES.map((name) => (
              <button
                key={name}
                type="button"
                className="button button--small"
                title={name}
                data-testid={`map-export-${name}`}
                onClick={() =>
                  void act(async () => {
                    const file = await api.invoke('maps.file', { id: map.id, name });
                    const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
                    downloadBlob(new Blob([bytes], { type: file.mime }), `map-${map.id}-${name}`);
                  })
                }
              >
                {MAP_EXPORTS[name].label}
              </button>
            ))}
          </div>
        </section>
      )}
      {arrays && (
        <section className="sim-card model-card" aria-label="Region statistics">
          <header className="model-card__header">
            <h3>Region of interest</h3>
            <button type="button" className="button button--small button--ghost" onClick={() => setRoi(null)} disabled={roi === null} data-testid="roi-clear">
              Whole map
            </button>
          </header>
          <RoiStats d={arrays.d} rows={rows} cols={cols} roi={roi} mapId={map.id} mapName={map.name} />
        </section>
      )}
      {arrays && picked !== null && (
        <section className="sim-card model-card" aria-label="Frame">
          <header className="model-card__header">
            <h3>The marked pixel’s frame</h3>
            <span className="muted">as recorded and after each step of the map’s recipe</span>
          </header>
          <FramePreview mapId={map.id} index={picked} frame={frameValues(arrays, picked)} />
        </section>
      )}
      {arrays?.groups && arrays.files && (
        <section className="sim-card model-card" aria-label="Groups">
          <GroupBoxPlot groups={arrays.groups} files={arrays.files} d={arrays.d} mapName={map.name} mapId={map.id} />
        </section>
      )}
    </div>
  );
}
