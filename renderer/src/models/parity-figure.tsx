/**
 * The parity plot of papers/000 Fig. 6: predicted against true d as kernel-density contours (the core's Gaussian KDE
 * grid when it made one, else d3-contour's density estimate of the same pairs), the patterns as faint dots, the
 * y = x diagonal, and R², RMSE and MAE written above the frame.
 */
import * as Plot from '@observablehq/plot';
import { useCallback } from 'react';
import type { DensityGrid, FitMetrics } from '../../../main/shared/models';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { SERIES_BLUE, SERIES_COLOURS, THRESHOLD_COLOUR } from '../analysis/plot-style';
import { composeFigure, type LegendEntry } from '../analysis/svg-compose';
import { formatCount } from '../format';
import { formatError, formatR2 } from './model-format';

export interface ParityPairs {
  trueD: number[];
  predictedD: number[];
  /** Per pair: 0 training split, 1 validation split (null when not told). */
  split: number[] | null;
}

export interface ParityFigureProps {
  pairs: ParityPairs;
  /** The core's KDE on a grid (predictions of labelled inputs); null draws d3's estimate of the pairs. */
  density: DensityGrid | null;
  metrics: FitMetrics;
  exportTitle: string;
  fileStem: string;
  caption: string;
}

const MAX_SIZE = 500;
/** Room left of the frame for three-decimal ticks and the rotated axis label beside them. */
const MARGIN = { left: 68, right: 16, top: 12, bottom: 44 };
/** Density levels as fractions of the peak: the outermost encloses nearly every pattern, the innermost the core. */
const LEVELS = [0.03, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.92];
const VALIDATION_COLOUR = SERIES_COLOURS[1] ?? '#f28e2c';
const TRAIN_DOT = '#1d2430';
/** Probes the blocked split left out: light grey, behind both splits. */
const EXCLUDED_DOT = '#a9b1bd';

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** A square view over both axes, padded, so y = x is the diagonal of the frame. */
function parityDomain(pairs: ParityPairs): [number, number] {
  const [lo, hi] = extent([...pairs.trueD, ...pairs.predictedD]);
  const pad = Math.max((hi - lo) * 0.06, 0.02);
  return [lo - pad, hi + pad];
}

function densityMarks(grid: DensityGrid): Plot.Markish[] {
  const nx = grid.x.length;
  const ny = grid.y.length;
  if (nx < 2 || ny < 2 || grid.values.length !== nx * ny) throw new Error(`the density grid is ${nx} × ${ny} with ${grid.values.length} values`);
  const dx = ((grid.x[nx - 1] ?? 0) - (grid.x[0] ?? 0)) / (nx - 1);
  const dy = ((grid.y[ny - 1] ?? 0) - (grid.y[0] ?? 0)) / (ny - 1);
  const peak = Math.max(...grid.values);
  if (!(peak > 0)) return [];
  // Plot (d3-contour) puts sample k at the centre of cell k: the grid's nodes sit half a cell inside the bounds.
  const bounds = { x1: (grid.x[0] ?? 0) - dx / 2, x2: (grid.x[nx - 1] ?? 0) + dx / 2, y1: (grid.y[0] ?? 0) - dy / 2, y2: (grid.y[ny - 1] ?? 0) + dy / 2 };
  const thresholds = LEVELS.map((f) => f * peak);
  return [
    Plot.contour(grid.values, { ...bounds, width: nx, height: ny, interpolate: 'none', thresholds, fill: 'value', fillOpacity: 0.85, stroke: 'none', clip: true }),
    Plot.contour(grid.values, { ...bounds, width: nx, height: ny, interpolate: 'none', thresholds, stroke: SERIES_BLUE, strokeOpacity: 0.55, strokeWidth: 0.7, clip: true }),
  ];
}

export function ParityFigure({ pairs, density, metrics, exportTitle, fileStem, caption }: ParityFigureProps) {
  const render = useCallback(
    (width: number) => {
      const size = Math.min(width, MAX_SIZE);
      const domain = parityDomain(pairs);
      const points = pairs.trueD.map((t, i) => ({ t, p: pairs.predictedD[i] ?? Number.NaN, s: pairs.split?.[i] ?? null }));
      const twoSplits = pairs.split !== null && points.some((p) => p.s === 1) && points.some((p) => p.s === 0);
      const excluded = points.some((p) => p.s === 2);
      const faint = points.length > 2000 ? 0.18 : points.length > 300 ? 0.35 : 0.6;
      const contours = density
        ? densityMarks(density)
        : points.length >= 3
          ? [Plot.density(points, { x: 't', y: 'p', fill: 'density', fillOpacity: 0.85, thresholds: 8, bandwidth: 18, clip: true }), Plot.density(points, { x: 't', y: 'p', stroke: SERIES_BLUE, strokeOpacity: 0.55, strokeWidth: 0.7, thresholds: 8, bandwidth: 18, clip: true })]
          : [];
      // Above the frame, not in it: a parity plot has data wherever a corner label would go.
      const annotation = `R² = ${formatR2(metrics.r2)}   RMSE = ${formatError(metrics.rmse)}   MAE = ${formatError(metrics.mae)}   n = ${formatCount(metrics.count)}`;
      const inner = size - MARGIN.left - MARGIN.right;
      const panel = plotPanel({
        width: size,
        height: inner + MARGIN.top + MARGIN.bottom,
        marginLeft: MARGIN.left,
        marginRight: MARGIN.right,
        marginTop: MARGIN.top,
        marginBottom: MARGIN.bottom,
        x: { domain, label: 'true d', ticks: 6, grid: true },
        y: { domain, label: 'predicted d', ticks: 6, labelOffset: 56 },
        // The core's grid: shades relative to its peak; d3's estimate sets its own domain.
        color: density ? { type: 'linear', scheme: 'blues', domain: [0, Math.max(...density.values)], range: [0.08, 0.85] } : { type: 'linear', scheme: 'blues', range: [0.08, 0.85] },
        marks: [
          ...contours,
          // Constant fills per split: a fill channel would go through the density's colour scale.
          // Code 2: probes a blocked split excluded (they share atoms with validation probes): neither side.
          excluded ? Plot.dot(points.filter((d) => d.s === 2), { x: 't', y: 'p', r: 1.4, fill: EXCLUDED_DOT, fillOpacity: faint, clip: true }) : null,
          Plot.dot(twoSplits ? points.filter((d) => d.s === 0) : points.filter((d) => d.s !== 2), { x: 't', y: 'p', r: 1.6, fill: TRAIN_DOT, fillOpacity: faint, clip: true }),
          twoSplits ? Plot.dot(points.filter((d) => d.s === 1), { x: 't', y: 'p', r: 1.8, fill: VALIDATION_COLOUR, fillOpacity: Math.min(1, faint + 0.2), clip: true }) : null,
          Plot.line(
            [
              { t: domain[0], p: domain[0] },
              { t: domain[1], p: domain[1] },
            ],
            { x: 't', y: 'p', stroke: THRESHOLD_COLOUR, strokeWidth: 1.3, strokeDasharray: '6,4' },
          ),
          Plot.frame({ stroke: '#c5cbd4' }),
        ],
      });
      const legend: LegendEntry[] = [
        { label: density ? 'density (Gaussian KDE)' : 'density (d3 KDE)', colour: '#6aaed6', kind: 'box', opacity: 0.85 },
        ...(twoSplits
          ? [
              { label: 'training split', colour: TRAIN_DOT, kind: 'dot' as const },
              { label: 'validation split', colour: VALIDATION_COLOUR, kind: 'dot' as const },
            ]
          : [{ label: 'pattern', colour: TRAIN_DOT, kind: 'dot' as const }]),
        ...(excluded ? [{ label: 'excluded (guard band)', colour: EXCLUDED_DOT, kind: 'dot' as const }] : []),
        { label: 'y = x', colour: THRESHOLD_COLOUR, kind: 'dashed' },
      ];
      return composeFigure([{ svg: panel, heading: annotation }], { width: size, legend });
    },
    [pairs, density, metrics],
  );

  const csv = useCallback(
    () =>
      toCsv(
        ['true_d', 'predicted_d', ...(pairs.split ? ['split'] : [])],
        pairs.trueD.map((t, i) => [t, pairs.predictedD[i], ...(pairs.split ? [pairs.split[i] === 1 ? 'validation' : pairs.split[i] === 0 ? 'train' : pairs.split[i] === 2 ? 'excluded' : ''] : [])]),
      ),
    [pairs],
  );

  return <PlotFigure testId="parity-figure" title="Parity (Fig. 6)" exportTitle={exportTitle} fileStem={fileStem} render={render} csv={csv} caption={caption} />;
}
