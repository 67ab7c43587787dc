/**
 * Profiles of d and 1−Q6 along an axis (papers/000 Fig. 2c–d): the sliding-window mean with the 5–95 % band, over
 * the grain / ACTR / complexion-interior regions when the core finds them.
 */
import * as Plot from '@observablehq/plot';
import { useCallback } from 'react';
import type { Response } from '../../../main/shared/ipc-contract';
import { exportTitle, fileStem, type AnalysisContext } from './analysis-context';
import { FigureState } from './figure-state';
import { PlotFigure } from './plot-figure';
import { toCsv } from './plot-export';
import { plotPanel } from './plot-panel';
import { BAND_BLUE, PANEL_HEIGHT, PLOT_MUTED, SERIES_BLUE } from './plot-style';
import { regionLegend, regionMarks } from './region-marks';
import { composeFigure, type LegendEntry } from './svg-compose';
import { useAnalysis } from './use-analysis';

type Profile = Response<'analysis.profile'>;
type Regions = Response<'analysis.regions'>;

/** 1 − Q6 of a perfect FCC crystal (DESIGN.md), a reference line in the 1−Q6 panel. */
const FCC_ONE_MINUS_Q6 = 0.425;

export function ProfileFigure({ ctx }: { ctx: AnalysisContext }) {
  const base = { labelSetId: ctx.labelSet.id, axis: ctx.axis, windowA: ctx.windowA, stepA: ctx.stepA };
  const d = useAnalysis('analysis.profile', { ...base, property: 'd' });
  const q = useAnalysis('analysis.profile', { ...base, property: 'one_minus_q6' });
  const regions = useAnalysis('analysis.regions', { labelSetId: ctx.labelSet.id, axis: ctx.axis, centerElement: ctx.centerElement });
  const title = `d and 1−Q6 along ${ctx.axis}`;

  const dData = d.data;
  const qData = q.data;
  const regionData = regions.data;
  const axisRange = ctx.axisRangeA;
  const axis = ctx.axis;
  const render = useCallback(
    (width: number) => {
      if (!dData || !qData) throw new Error('no data');
      const domain = profileDomain(dData, axisRange);
      const intervals = regionData?.intervals ?? [];
      const legend: LegendEntry[] = [
        { label: 'mean', colour: SERIES_BLUE, kind: 'line' },
        { label: '5–95 % of atoms', colour: BAND_BLUE, kind: 'box', opacity: 0.5 },
        ...regionLegend(intervals),
        { label: `ideal FCC (1−Q6 = ${FCC_ONE_MINUS_Q6})`, colour: PLOT_MUTED, kind: 'dashed' },
      ];
      return composeFigure(
        [
          { svg: profilePanel(dData, 'd', domain, intervals, width, null, true) },
          { svg: profilePanel(qData, '1 − Q6', domain, intervals, width, `${axis} (Å)`, false, FCC_ONE_MINUS_Q6) },
        ],
        { width, legend },
      );
    },
    [dData, qData, regionData, axisRange, axis],
  );

  const csv = useCallback(() => {
    if (!dData || !qData) return '';
    const header = ['position_A', 'region', 'd_mean', 'd_p5', 'd_p95', 'one_minus_q6_mean', 'one_minus_q6_p5', 'one_minus_q6_p95', 'atoms_in_window'];
    const rows = dData.positionA.map((x, i) => [
      x,
      regionAt(regionData, x),
      dData.mean[i],
      dData.p5[i],
      dData.p95[i],
      qData.mean[i],
      qData.p5[i],
      qData.p95[i],
      dData.count[i],
    ]);
    return toCsv(header, rows);
  }, [dData, qData, regionData]);

  const failed = [d, q].find((x) => x.status === 'error');
  if (failed) return <FigureState testId="plot-profile" title={title} state="error" error={failed.error} onRetry={failed.retry} />;
  if (!dData || !qData) return <FigureState testId="plot-profile" title={title} state="loading" />;
  return (
    <PlotFigure
      testId="plot-profile"
      title={title}
      exportTitle={exportTitle(ctx, `d and 1−Q6 along ${ctx.axis} (${ctx.windowA} Å window)`)}
      fileStem={fileStem(ctx, `profile-${ctx.axis}`)}
      render={render}
      csv={csv}
      caption={
        <>
          Sliding window {ctx.windowA} Å, step {ctx.stepA} Å: mean over the atoms in each window and the 5th–95th percentile band.{' '}
          {regions.status === 'ready' && <RegionNotes regions={regions.data} />}
          {regions.status === 'error' && (
            <span className="text-failed">
              Regions not shown: {regions.error}{' '}
              <button type="button" className="link-button" onClick={regions.retry}>
                try again
              </button>
            </span>
          )}
          {regions.status === 'loading' && <span className="muted">Finding regions…</span>}
        </>
      }
    />
  );
}

export function RegionNotes({ regions }: { regions: Regions }) {
  if (regions.intervals.length === 0) return <span>No grain / ACTR / complexion-interior regions found along {regions.axis}.</span>;
  return (
    <span>
      Regions found along {regions.axis} with their mean d: {regions.regionMeans.map((r) => `${r.label} ${r.dMean === null ? '—' : r.dMean.toFixed(3)}`).join(', ')}
      {regions.notes.length > 0 ? `; ${regions.notes.join('; ')}` : ''}.
    </span>
  );
}

function profileDomain(profile: Profile, axisRange: [number, number] | null): [number, number] {
  if (axisRange) return axisRange;
  const xs = profile.positionA;
  return [Math.min(...xs), Math.max(...xs)];
}

function profilePanel(
  profile: Profile,
  label: string,
  domain: [number, number],
  intervals: Regions['intervals'],
  width: number,
  xLabel: string | null,
  regionLabels: boolean,
  reference?: number,
): SVGSVGElement {
  const rows = profile.positionA.map((x, i) => ({ x, mean: profile.mean[i], p5: profile.p5[i], p95: profile.p95[i] }));
  const high = Math.max(...profile.p95.map((v) => v ?? -Infinity));
  const low = Math.min(...profile.p5.map((v) => v ?? Infinity));
  const isD = label === 'd';
  return plotPanel({
    width,
    height: PANEL_HEIGHT,
    marginTop: regionLabels && intervals.length > 0 ? 22 : 12,
    marginBottom: xLabel ? 44 : 24,
    x: { domain, label: xLabel },
    y: {
      label,
      domain: isD ? [0, Math.max(1, high)] : [Math.min(low, reference ?? low), Math.max(high, reference ?? high)],
      nice: true,
    },
    marks: [
      ...regionMarks(intervals, domain, regionLabels),
      Plot.areaY(rows, { x: 'x', y1: 'p5', y2: 'p95', fill: BAND_BLUE, fillOpacity: 0.5, curve: 'linear' }),
      reference !== undefined ? Plot.ruleY([reference], { stroke: PLOT_MUTED, strokeDasharray: '5,3' }) : null,
      Plot.lineY(rows, { x: 'x', y: 'mean', stroke: SERIES_BLUE, strokeWidth: 1.8 }),
      Plot.frame({ stroke: '#c5cbd4' }),
    ],
  });
}

function regionAt(regions: Regions | null, x: number): string {
  if (!regions) return '';
  for (const r of regions.intervals) {
    const inside = r.wraps || r.endA < r.startA ? x >= r.startA || x <= r.endA : x >= r.startA && x <= r.endA;
    if (inside) return r.label;
  }
  return '';
}
