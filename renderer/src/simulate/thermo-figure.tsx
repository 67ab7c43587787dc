/**
 * The live thermo plot of a simulate job: small stacked panels against the MD step sharing one x axis, temperature,
 * potential energy per atom, volume (and the dopant fraction of a complexion run), with the planned stages marked.
 * The x axis spans the steps so far (the detail of a long run's start) or the whole planned run (how far it got).
 */
import * as Plot from '@observablehq/plot';
import { useCallback, useState } from 'react';
import type { SimulationStage } from '../../../main/shared/simulation';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { PLOT_FONT_SIZE_PX, PLOT_MUTED, SERIES_BLUE } from '../analysis/plot-style';
import { composeFigure, type Panel } from '../analysis/svg-compose';
import { SegmentedControl } from '../components/segmented-control';

export interface ThermoFigureProps {
  columns: string[];
  rows: number[][];
  /** Atoms in the run, to give the potential energy per atom; null shows the total. */
  atoms: number | null;
  /** The planned stages in order, to mark where each starts; null when unknown. */
  stages: SimulationStage[] | null;
  showDopant: boolean;
  exportTitle: string;
  fileStem: string;
}

interface Series {
  column: string;
  heading: string;
  scale?: number;
}

const PANEL_HEIGHT = 104;
const AXIS_HEIGHT = 34;
const MARGIN_LEFT = 64;
const MARGIN_RIGHT = 16;
/** More points than pixels only slow the redraw of a live plot: longer tables are thinned to about this many. */
const MAX_POINTS = 4000;

type Span = 'so-far' | 'whole';
const SPAN_OPTIONS = [
  { value: 'so-far', label: 'so far', title: 'x axis: the steps run so far', testId: 'sim-thermo-span-so-far' },
  { value: 'whole', label: 'whole run', title: 'x axis: every planned MD step', testId: 'sim-thermo-span-whole' },
] as const;

export function ThermoFigure({ columns, rows, atoms, stages, showDopant, exportTitle, fileStem }: ThermoFigureProps) {
  const [span, setSpan] = useState<Span>('so-far');
  const render = useCallback(
    (width: number) => {
      const stepAt = columns.indexOf('step');
      if (stepAt < 0 || rows.length === 0) throw new Error('no thermo rows yet');
      const series: Series[] = [
        { column: 'temperatureK', heading: 'Temperature (K)' },
        atoms && atoms > 0
          ? { column: 'potentialEnergyEv', heading: 'Potential energy (eV/atom)', scale: 1 / atoms }
          : { column: 'potentialEnergyEv', heading: 'Potential energy (eV, total)' },
        { column: 'volumeA3', heading: 'Volume (Å³)' },
        ...(showDopant ? [{ column: 'dopantFraction', heading: 'Dopant fraction' }] : []),
      ].filter((s) => columns.includes(s.column));

      const first = rows[0]?.[stepAt] ?? 0;
      const last = rows[rows.length - 1]?.[stepAt] ?? first;
      const starts: { step: number; name: string }[] = [];
      let planned = 0;
      for (const stage of stages ?? []) {
        starts.push({ step: planned, name: stage.name });
        planned += stage.steps;
      }
      const domain: [number, number] = span === 'whole' ? [Math.min(first, 0), Math.max(last, planned, first + 1)] : [first, Math.max(last, first + 1)];
      const innerWidth = width - MARGIN_LEFT - MARGIN_RIGHT;
      const px = (step: number) => ((step - domain[0]) / (domain[1] - domain[0])) * innerWidth;
      // Plot does not clip to the frame: only stages that start inside the axis are marked.
      const shown = starts.filter((start, k) => start.step <= domain[1] && (starts[k + 1]?.step ?? Infinity) > domain[0]);
      const labelled = shown.map((start) => ({ ...start, step: Math.max(start.step, domain[0]) }));
      const boundaries = shown.filter((start) => start.step > domain[0]);

      const stride = Math.ceil(rows.length / MAX_POINTS);
      const plotted = stride <= 1 ? rows : rows.filter((_, k) => k % stride === 0 || k === rows.length - 1);
      const panels: Panel[] = series.map((s, i) => {
        const at = columns.indexOf(s.column);
        const data = plotted.map((r) => ({ step: r[stepAt] ?? 0, value: (r[at] ?? Number.NaN) * (s.scale ?? 1) }));
        const bottom = i === series.length - 1;
        const marks: Plot.Markish[] = [
          Plot.ruleX(boundaries, { x: 'step', stroke: PLOT_MUTED, strokeOpacity: 0.55, strokeDasharray: '3,3' }),
          Plot.line(data, { x: 'step', y: 'value', stroke: SERIES_BLUE, strokeWidth: 1.5 }),
          Plot.dot(data.slice(-1), { x: 'step', y: 'value', fill: SERIES_BLUE, r: 2.5 }),
        ];
        if (i === 0) {
          // Stage names in the top panel, each cut to the room before the next stage starts.
          labelled.forEach((start, k) => {
            const room = px(Math.min(labelled[k + 1]?.step ?? domain[1], domain[1])) - px(start.step) - 6;
            if (room < 40) return;
            marks.push(
              Plot.text([start], {
                x: 'step',
                text: 'name',
                frameAnchor: 'top',
                textAnchor: 'start',
                dx: 4,
                dy: 2,
                fill: PLOT_MUTED,
                fontSize: PLOT_FONT_SIZE_PX - 1,
                lineWidth: room / (PLOT_FONT_SIZE_PX - 1),
                textOverflow: 'ellipsis',
              }),
            );
          });
        }
        return {
          heading: s.heading,
          svg: plotPanel({
            width,
            height: PANEL_HEIGHT + (bottom ? AXIS_HEIGHT : 0),
            marginLeft: MARGIN_LEFT,
            marginRight: MARGIN_RIGHT,
            marginTop: i === 0 ? 18 : 6,
            marginBottom: bottom ? AXIS_HEIGHT + 6 : 6,
            x: bottom ? { domain, label: 'MD step', tickFormat: '~s' } : { domain, label: null, tickFormat: () => '', tickSize: 3 },
            y: { label: null, ticks: 3, nice: true, zero: false },
            marks,
          }),
        };
      });
      return composeFigure(panels, { width });
    },
    [columns, rows, atoms, stages, showDopant, span],
  );

  const csv = useCallback(() => {
    const perAtom = atoms && atoms > 0 ? atoms : null;
    const at = columns.indexOf('potentialEnergyEv');
    const header = perAtom && at >= 0 ? [...columns, 'potentialEnergyEvPerAtom'] : columns;
    return toCsv(
      header,
      rows.map((r) => (perAtom && at >= 0 ? [...r, (r[at] ?? Number.NaN) / perAtom] : r)),
    );
  }, [columns, rows, atoms]);

  return (
    <PlotFigure
      testId="sim-thermo"
      title="Thermo"
      exportTitle={exportTitle}
      fileStem={fileStem}
      render={render}
      csv={csv}
      controls={<SegmentedControl label="x axis" options={SPAN_OPTIONS} value={span} onChange={setSpan} small />}
    />
  );
}
