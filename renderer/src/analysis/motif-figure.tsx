/**
 * Density profiles of the most frequent non-FCC Voronoi motifs centred on one element (papers/000 Fig. 3): how
 * ⟨0,10,2,0⟩-like (ACTR) and ⟨0,2,10,0⟩-like (complexion interior) polyhedra appear along the boundary normal.
 */
import * as Plot from '@observablehq/plot';
import { useCallback, useState } from 'react';
import type { Response } from '../../../main/shared/ipc-contract';
import { formatVoronoiIndex } from '../labels/label-properties';
import { exportTitle, fileStem, type AnalysisContext } from './analysis-context';
import { FigureState } from './figure-state';
import { PlotFigure } from './plot-figure';
import { toCsv } from './plot-export';
import { plotPanel } from './plot-panel';
import { PANEL_HEIGHT, SERIES_COLOURS } from './plot-style';
import { regionLegend, regionMarks } from './region-marks';
import { composeFigure, type LegendEntry } from './svg-compose';
import { useAnalysis } from './use-analysis';
import { SegmentedControl } from '../components/segmented-control';

type Motifs = Response<'analysis.motifs'>;
type Measure = 'density' | 'fraction';
const TOP_MOTIFS = 8;

export function MotifFigure({ ctx }: { ctx: AnalysisContext }) {
  const [measure, setMeasure] = useState<Measure>('density');
  const motifs = useAnalysis('analysis.motifs', {
    labelSetId: ctx.labelSet.id,
    centerElement: ctx.centerElement,
    axis: ctx.axis,
    top: TOP_MOTIFS,
    windowA: ctx.windowA,
    stepA: ctx.stepA,
  });
  const regions = useAnalysis('analysis.regions', { labelSetId: ctx.labelSet.id, axis: ctx.axis, centerElement: ctx.centerElement });
  const title = `Voronoi motifs centred on ${ctx.centerElement} along ${ctx.axis}`;

  const data = motifs.data;
  const intervals = regions.data?.intervals ?? null;
  const axisRange = ctx.axisRangeA;
  const axis = ctx.axis;
  const centre = ctx.centerElement;
  const render = useCallback(
    (width: number) => {
      if (!data) throw new Error('no data');
      const domain: [number, number] = axisRange ?? [Math.min(...data.positionA), Math.max(...data.positionA)];
      const legend: LegendEntry[] = data.motifs.map((m, k) => ({
        label: `${formatVoronoiIndex(m.index)} ${(100 * m.fractionOfCentres).toFixed(1)} %`,
        colour: SERIES_COLOURS[k % SERIES_COLOURS.length] ?? '#333',
        kind: 'line',
      }));
      legend.push(...regionLegend(intervals ?? []));
      const lines = data.motifs.map((m, k) => {
        const series = measure === 'density' ? m.densityPerA3 : m.fractionInWindow;
        const rows = data.positionA.map((x, i) => {
          const v = series[i];
          return { x, y: v === null || v === undefined ? null : measure === 'density' ? v * 1000 : 100 * v };
        });
        return Plot.lineY(rows, { x: 'x', y: 'y', stroke: SERIES_COLOURS[k % SERIES_COLOURS.length], strokeWidth: 1.6 });
      });
      const panel = plotPanel({
        width,
        height: PANEL_HEIGHT + 40,
        marginTop: intervals && intervals.length > 0 ? 22 : 12,
        x: { domain, label: `${axis} (Å)` },
        y: {
          label: measure === 'density' ? 'motif density (nm⁻³)' : `share of ${centre} centres in window (%)`,
          nice: true,
          zero: true,
        },
        marks: [
          ...regionMarks(intervals ?? [], domain, true),
          ...lines,
          data.motifs.length === 0 ? Plot.text(['no non-FCC motifs centred on ' + centre], { frameAnchor: 'middle', fill: '#5a6475' }) : null,
          Plot.frame({ stroke: '#c5cbd4' }),
        ],
      });
      return composeFigure([{ svg: panel }], { width, legend });
    },
    [data, intervals, axisRange, axis, centre, measure],
  );

  const csv = useCallback(() => (data ? motifCsv(data) : ''), [data]);

  if (motifs.status === 'error') return <FigureState testId="plot-motifs" title={title} state="error" error={motifs.error} onRetry={motifs.retry} />;
  if (!data) return <FigureState testId="plot-motifs" title={title} state="loading" />;
  return (
    <PlotFigure
      testId="plot-motifs"
      title={title}
      exportTitle={exportTitle(ctx, `Top ${TOP_MOTIFS} non-FCC Voronoi motifs centred on ${ctx.centerElement} along ${ctx.axis}`)}
      fileStem={fileStem(ctx, `motifs-${ctx.centerElement}-${ctx.axis}`)}
      render={render}
      csv={csv}
      controls={
        <SegmentedControl
          small
          label="Motif measure"
          value={measure}
          onChange={setMeasure}
          options={[
            { value: 'density', label: 'density', title: 'Motifs per volume in each window (nm⁻³ = 10⁻³ Å⁻³)' },
            { value: 'fraction', label: 'share', title: `Share of the ${ctx.centerElement} atoms in each window that centre this motif` },
          ]}
        />
      }
      caption={
        <>
          The {data.motifs.length} most frequent non-FCC motifs ⟨n3,n4,n5,n6⟩ centred on {ctx.centerElement}; the legend gives
          each one's share of all {ctx.centerElement} centres, together {(100 * data.coveredFraction).toFixed(1)} %. Window {ctx.windowA} Å.
          {regions.status === 'error' && <span className="text-failed"> Regions not shown: {regions.error}</span>}
        </>
      }
    />
  );
}

function motifCsv(data: Motifs): string {
  const keys = data.motifs.map((m) => m.index.join('_'));
  const header = [
    'position_A',
    `${data.centerElement}_centres_in_window`,
    ...keys.map((k) => `density_${k}_per_A3`),
    ...keys.map((k) => `share_${k}_of_centres`),
  ];
  const rows = data.positionA.map((x, i) => [
    x,
    data.centreCount[i],
    ...data.motifs.map((m) => m.densityPerA3[i]),
    ...data.motifs.map((m) => m.fractionInWindow[i]),
  ]);
  return toCsv(header, rows);
}
