/**
 * Box plots of d (or 1−Q6) per Voronoi class, per CNA type and per region (papers/000 Fig. 4) drawn from the
 * statistics the core computed (quartiles, 1.5·IQR whiskers, outliers, mean), with the d value that best separates
 * Voronoi-ordered from Voronoi-disordered atoms.
 */
import * as Plot from '@observablehq/plot';
import { useCallback, useState } from 'react';
import type { Response } from '../../../main/shared/ipc-contract';
import { categoryColour, categoryLabel } from '../labels/label-properties';
import { exportTitle, fileStem, type AnalysisContext } from './analysis-context';
import { FigureState } from './figure-state';
import { PlotFigure } from './plot-figure';
import { toCsv } from './plot-export';
import { plotPanel } from './plot-panel';
import { PANEL_HEIGHT, PLOT_TEXT, regionStyle, THRESHOLD_COLOUR } from './plot-style';
import { composeFigure, textWidth, type LegendEntry, type Panel } from './svg-compose';
import { useAnalysis, type Query } from './use-analysis';
import { SegmentedControl } from '../components/segmented-control';

type Distribution = Response<'analysis.distributions'>;
type Threshold = Extract<Response<'analysis.threshold'>, { found: true }>;
type ThresholdAnswer = Response<'analysis.threshold'>;
type Property = 'd' | 'one_minus_q6';
type GroupBy = 'vor_class' | 'cna' | 'region';

const GROUPINGS: ReadonlyArray<{ groupBy: GroupBy; heading: string }> = [
  { groupBy: 'vor_class', heading: 'by Voronoi class' },
  { groupBy: 'cna', heading: 'by CNA type' },
  { groupBy: 'region', heading: 'by region' },
];

const REGION_KIND_OF_GROUP: Readonly<Record<string, string>> = { grain: 'grain', ACTR: 'actr', 'complexion interior': 'interior' };
const BOX_STROKE = '#3a4250';

export function DistributionFigure({ ctx }: { ctx: AnalysisContext }) {
  const [property, setProperty] = useState<Property>('d');
  const request = (groupBy: GroupBy) => ({ labelSetId: ctx.labelSet.id, property, groupBy, axis: ctx.axis });
  const byVoronoi = useAnalysis('analysis.distributions', request('vor_class'));
  const byCna = useAnalysis('analysis.distributions', request('cna'));
  const byRegion = useAnalysis('analysis.distributions', request('region'));
  const threshold = useAnalysis('analysis.threshold', { labelSetId: ctx.labelSet.id });
  const symbol = property === 'd' ? 'd' : '1 − Q6';
  const title = `Distributions of ${symbol}`;
  const queries: Record<GroupBy, Query<Distribution>> = { vor_class: byVoronoi, cna: byCna, region: byRegion };

  const v = byVoronoi.data;
  const c = byCna.data;
  const r = byRegion.data;
  // The threshold is a d value: only drawn on d.
  const t = property === 'd' && threshold.data?.found ? threshold.data : null;
  const axis = ctx.axis;
  const render = useCallback(
    (width: number) => {
      const available = [
        { data: v, ...GROUPINGS[0]! },
        { data: c, ...GROUPINGS[1]! },
        { data: r, ...GROUPINGS[2]!, heading: `by region along ${axis}` },
      ].filter((g): g is { data: Distribution; groupBy: GroupBy; heading: string } => g.data !== null);
      if (available.length === 0) throw new Error('no data');
      const domain = sharedDomain(available.map((g) => g.data), t);
      // Width in proportion to the number of boxes (plus room for the axis), so every box is about as wide.
      const weights = available.map((g) => g.data.groups.filter((s) => s.n > 0).length + 1.6);
      const total = weights.reduce((a, b) => a + b, 0);
      const panels: Panel[] = available.map((g, k) => ({
        heading: g.heading,
        svg: boxPanel(g.data, g.groupBy, Math.floor((width * (weights[k] ?? 1)) / total), domain, k === 0 ? symbol : null, t, k === 0),
      }));
      const legend: LegendEntry[] = [
        { label: '25–75 % (box), median', colour: '#cfd6e0', kind: 'box' },
        { label: 'mean', colour: 'white', kind: 'dot' },
        { label: 'outliers (beyond 1.5 × IQR)', colour: '#3a4250', kind: 'dot', opacity: 0.4 },
      ];
      if (t) legend.push({ label: `ordered/disordered threshold d = ${t.threshold.toFixed(3)}`, colour: THRESHOLD_COLOUR, kind: 'dashed' });
      return composeFigure(panels, { width, legend, layout: 'row' });
    },
    [v, c, r, t, symbol, axis],
  );

  const csv = useCallback(() => {
    const header = ['group_by', 'group', 'n', 'mean', 'q1', 'median', 'q3', 'whisker_low', 'whisker_high', 'outlier_count'];
    const rows = [v, c, r]
      .filter((g): g is Distribution => g !== null)
      .flatMap((g) => g.groups.map((s) => [g.groupBy, s.group, s.n, s.mean, s.q1, s.median, s.q3, s.whiskerLow, s.whiskerHigh, s.outlierCount]));
    return toCsv(header, rows);
  }, [v, c, r]);

  const loading = [byVoronoi, byCna, byRegion].some((q) => q.status === 'loading');
  const allFailed = [byVoronoi, byCna, byRegion].every((q) => q.status === 'error');
  if (allFailed) return <FigureState testId="plot-distributions" title={title} state="error" error={byVoronoi.error} onRetry={byVoronoi.retry} />;
  if (loading) return <FigureState testId="plot-distributions" title={title} state="loading" />;
  const failures = GROUPINGS.filter((g) => queries[g.groupBy].status === 'error');
  return (
    <PlotFigure
      testId="plot-distributions"
      title={title}
      exportTitle={exportTitle(ctx, `Distributions of ${symbol} per Voronoi class, CNA type and region`)}
      fileStem={fileStem(ctx, `distributions-${property === 'd' ? 'd' : 'one-minus-q6'}`)}
      render={render}
      csv={csv}
      controls={
        <SegmentedControl
          small
          label="Property"
          value={property}
          onChange={setProperty}
          options={[
            { value: 'd', label: 'd' },
            { value: 'one_minus_q6', label: '1−Q6' },
          ]}
        />
      }
      caption={
        <>
          Boxes: quartiles and median; whiskers: the furthest values within 1.5 × IQR; n = atoms per group.{' '}
          <ThresholdNote threshold={threshold} property={property} />
          {failures.map((g) => (
            <span key={g.groupBy} className="text-failed">
              {' '}
              {g.heading} not shown: {queries[g.groupBy].error}
            </span>
          ))}
        </>
      }
    />
  );
}

function ThresholdNote({ threshold, property }: { threshold: Query<ThresholdAnswer>; property: Property }) {
  if (property !== 'd') return null;
  if (threshold.status === 'loading') return <span className="muted">Finding the ordered/disordered threshold…</span>;
  if (threshold.status === 'error') {
    return <span className="text-warn">No ordered/disordered threshold: {threshold.error}.</span>;
  }
  const t = threshold.data;
  if (!t.found) return <span className="muted" data-testid="threshold-note">No ordered/disordered threshold: {t.reason}.</span>;
  return (
    <span data-testid="threshold-note">
      Threshold d = <strong>{t.threshold.toFixed(3)}</strong> separates Voronoi-ordered ({t.orderedCount}) from Voronoi-disordered (
      {t.disorderedCount}) atoms with balanced accuracy {(100 * t.balancedAccuracy).toFixed(1)} % (accuracy {(100 * t.accuracy).toFixed(1)} %).
    </span>
  );
}

function sharedDomain(distributions: Distribution[], threshold: Threshold | null): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const d of distributions) {
    for (const g of d.groups) {
      if (g.n === 0) continue;
      for (const v of [g.whiskerLow, g.whiskerHigh, g.q1, g.q3, ...g.outliers]) {
        if (v === null || !Number.isFinite(v)) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (threshold) {
    lo = Math.min(lo, threshold.threshold);
    hi = Math.max(hi, threshold.threshold);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = (hi - lo) * 0.04 || 0.05;
  return [Math.min(0, lo - pad), hi + pad];
}

function groupColour(groupBy: GroupBy, name: string, index: number): string {
  if (groupBy === 'region') return regionStyle(REGION_KIND_OF_GROUP[name] ?? name).fill;
  return categoryColour(groupBy, name, index);
}

function boxPanel(
  data: Distribution,
  groupBy: GroupBy,
  width: number,
  domain: [number, number],
  yLabel: string | null,
  threshold: Threshold | null,
  labelThreshold: boolean,
): SVGSVGElement {
  const groups = data.groups
    .map((g, i) => ({ ...g, colour: groupColour(groupBy, g.group, i), tick: `${categoryLabel(g.group)}\nn\u2009=\u2009${g.n.toLocaleString('en-US')}` }))
    .filter((g) => g.n > 0);
  const outliers = groups.flatMap((g) => g.outliers.map((value) => ({ tick: g.tick, value })));
  const marginLeft = yLabel ? 58 : 40;
  // Tick labels that would run into each other are turned.
  const slot = (width - marginLeft - 16) / Math.max(groups.length, 1);
  const widest = Math.max(0, ...groups.flatMap((g) => g.tick.split('\n').map((line) => textWidth(line))));
  const turn = widest > slot - 6;
  return plotPanel({
    width,
    height: PANEL_HEIGHT + (turn ? 62 : 30),
    marginLeft,
    marginBottom: turn ? 76 : 44,
    x: {
      domain: groups.map((g) => g.tick),
      label: null,
      padding: 0.35,
      tickSize: 0,
      ...(turn ? { tickRotate: -30 } : {}),
    },
    y: { domain, label: yLabel, nice: false },
    marks: [
      threshold ? Plot.ruleY([threshold.threshold], { stroke: THRESHOLD_COLOUR, strokeDasharray: '5,3', strokeWidth: 1.4 }) : null,
      threshold && labelThreshold
        ? Plot.text([threshold.threshold], {
            y: (t: number) => t,
            text: (t: number) => `d = ${t.toFixed(3)}`,
            frameAnchor: 'left',
            textAnchor: 'start',
            dx: 4,
            dy: -7,
            fill: THRESHOLD_COLOUR,
            fontWeight: 600,
          })
        : null,
      Plot.ruleX(groups, { x: 'tick', y1: 'whiskerLow', y2: 'q1', stroke: BOX_STROKE }),
      Plot.ruleX(groups, { x: 'tick', y1: 'q3', y2: 'whiskerHigh', stroke: BOX_STROKE }),
      Plot.tickY(groups, { x: 'tick', y: 'whiskerLow', stroke: BOX_STROKE, insetLeft: 12, insetRight: 12 }),
      Plot.tickY(groups, { x: 'tick', y: 'whiskerHigh', stroke: BOX_STROKE, insetLeft: 12, insetRight: 12 }),
      Plot.dot(outliers, { x: 'tick', y: 'value', r: 1.8, fill: BOX_STROKE, fillOpacity: 0.35, stroke: 'none' }),
      Plot.barY(groups, { x: 'tick', y1: 'q1', y2: 'q3', fill: 'colour', stroke: BOX_STROKE, strokeWidth: 1 }),
      Plot.tickY(groups, { x: 'tick', y: 'median', stroke: PLOT_TEXT, strokeWidth: 2.2 }),
      Plot.dot(groups, { x: 'tick', y: 'mean', r: 3.6, fill: 'white', stroke: PLOT_TEXT, strokeWidth: 1.2 }),
      Plot.frame({ stroke: '#c5cbd4' }),
    ],
  });
}
