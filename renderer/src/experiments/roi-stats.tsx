/**
 * Statistics of d inside a region of interest of the map (a rectangle dragged on it; the whole map without one):
 * patterns, flagged patterns, mean ± σ, median and quartiles, and the histogram of d.
 */
import * as Plot from '@observablehq/plot';
import { useCallback, useMemo } from 'react';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { SERIES_BLUE } from '../analysis/plot-style';
import { formatCount } from '../format';

/** Inclusive pixel rectangle: rows r0…r1, columns c0…c1. */
export interface Roi {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

export function roiIndices(roi: Roi | null, rows: number, cols: number): number[] {
  const out: number[] = [];
  const [r0, r1, c0, c1] = roi ? [roi.r0, roi.r1, roi.c0, roi.c1] : [0, rows - 1, 0, cols - 1];
  for (let r = Math.max(0, r0); r <= Math.min(rows - 1, r1); r++) for (let c = Math.max(0, c0); c <= Math.min(cols - 1, c1); c++) out.push(r * cols + c);
  return out;
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

export function RoiStats({ d, rows, cols, roi, mapId, mapName }: { d: (number | null)[]; rows: number; cols: number; roi: Roi | null; mapId: number; mapName: string }) {
  const indices = useMemo(() => roiIndices(roi, rows, cols), [roi, rows, cols]);
  const values = useMemo(() => indices.flatMap((i) => (d[i] == null ? [] : [d[i] as number])).sort((a, b) => a - b), [indices, d]);
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
  const std = mean !== null ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) : null;
  const render = useCallback(
    (width: number) =>
      plotPanel({
        width: Math.min(width, 520),
        height: 200,
        marginLeft: 48,
        marginBottom: 40,
        x: { label: 'd' },
        y: { label: 'patterns', grid: true },
        marks: [Plot.rectY(values, { ...Plot.binX({ y: 'count' }, { x: (v: number) => v, thresholds: 30 }), fill: SERIES_BLUE, fillOpacity: 0.75 }), Plot.ruleY([0])],
      }),
    [values],
  );
  const csv = useCallback(() => toCsv(['index', 'd'], indices.map((i) => [i, d[i] ?? null])), [indices, d]);
  const where = roi ? `rows ${roi.r0}–${roi.r1}, columns ${roi.c0}–${roi.c1}` : 'the whole map';
  return (
    <div data-testid="roi-stats">
      <p className="map-summary" data-testid="roi-summary">
        {where}: {formatCount(values.length)} patterns{indices.length > values.length ? ` (${formatCount(indices.length - values.length)} flagged left out)` : ''}
        {mean !== null && std !== null ? ` · d = ${mean.toFixed(4)} ± ${std.toFixed(4)} · median ${quantile(values, 0.5).toFixed(4)} (quartiles ${quantile(values, 0.25).toFixed(4)}–${quantile(values, 0.75).toFixed(4)})` : ''}
      </p>
      {values.length > 0 && (
        <PlotFigure testId="roi-histogram" title="Histogram of d" exportTitle={`d in ${where}: ${mapName}`} fileStem={`map-${mapId}-roi-histogram`} render={render} csv={csv} caption="Drag a rectangle on the d map to choose a region; “Whole map” clears it. Flagged patterns are left out." />
      )}
    </div>
  );
}
