/**
 * Pair correlations of the labelled structure: g(r) total and partial with the first-shell minimum and coordination
 * number, and the Faber–Ziman S(q) with electron or X-ray weights.
 */
import * as Plot from '@observablehq/plot';
import { useCallback, useState } from 'react';
import type { Response } from '../../../main/shared/ipc-contract';
import { exportTitle, fileStem, type AnalysisContext } from './analysis-context';
import { FigureState } from './figure-state';
import { PlotFigure } from './plot-figure';
import { toCsv } from './plot-export';
import { plotPanel } from './plot-panel';
import { PANEL_HEIGHT, PLOT_MUTED, SERIES_COLOURS, THRESHOLD_COLOUR, TOTAL_COLOUR } from './plot-style';
import { composeFigure, type LegendEntry } from './svg-compose';
import { useAnalysis } from './use-analysis';
import { SegmentedControl } from '../components/segmented-control';

type Rdf = Response<'analysis.rdf'>;
type Sq = Response<'analysis.sq'>;

interface Series {
  name: string;
  colour: string;
  width: number;
  values: readonly (number | null)[];
}

function seriesMarks(x: readonly number[], series: Series[]): Plot.Markish[] {
  return series.map((s) =>
    Plot.lineY(
      x.map((xi, i) => ({ x: xi, y: s.values[i] ?? null })),
      { x: 'x', y: 'y', stroke: s.colour, strokeWidth: s.width },
    ),
  );
}

/**
 * Partials first (drawn under the total), then the total (thick, dark). g_ab = g_ba, so a pair listed both ways is
 * drawn once; a single-element structure's one partial is the total, so it is left out.
 */
function curves<T extends { pair: string }>(total: readonly (number | null)[], partials: readonly T[], values: (p: T) => readonly (number | null)[], showPartials: boolean): Series[] {
  const out: Series[] = [];
  const seen = new Set<string>();
  const distinct = partials.filter((p) => {
    const key = p.pair.split('-').sort().join('-');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (showPartials && distinct.length > 1) {
    distinct.forEach((p, k) => out.push({ name: p.pair, colour: SERIES_COLOURS[k % SERIES_COLOURS.length] ?? '#777', width: 1.3, values: values(p) }));
  }
  out.push({ name: 'total', colour: TOTAL_COLOUR, width: 2, values: total });
  return out;
}

/** Legend order: the total, then the partials as listed. */
function legendOrder(series: Series[]): Series[] {
  return [...series.filter((s) => s.name === 'total'), ...series.filter((s) => s.name !== 'total')];
}

function partialsToggle(show: boolean, onChange: (v: boolean) => void, disabled: boolean) {
  return (
    <label className="toolbar__check" title={disabled ? 'One element: the partial is the total' : 'Draw the partial curves of each element pair'}>
      <input type="checkbox" checked={show && !disabled} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      partials
    </label>
  );
}

export function RdfFigure({ ctx }: { ctx: AnalysisContext }) {
  const rdf = useAnalysis('analysis.rdf', { labelSetId: ctx.labelSet.id });
  const [showPartials, setShowPartials] = useState(true);
  const title = 'Pair distribution function g(r)';
  const data = rdf.data;

  const render = useCallback(
    (width: number) => {
      if (!data) throw new Error('no data');
      const series = curves(data.total.g, data.partials, (p) => p.g, showPartials);
      const shell = data.firstShell;
      const legend: LegendEntry[] = legendOrder(series).map((s) => ({ label: s.name === 'total' ? 'total g(r)' : `g ${s.name}`, colour: s.colour, kind: 'line' }));
      if (shell) legend.push({ label: `first-shell minimum r = ${shell.minimumA.toFixed(2)} Å, CN = ${shell.coordination.toFixed(2)}`, colour: THRESHOLD_COLOUR, kind: 'dashed' });
      const panel = plotPanel({
        width,
        height: PANEL_HEIGHT + 30,
        x: { label: 'r (Å)', domain: [0, Math.max(...data.rA)] },
        y: { label: 'g(r)', nice: true, zero: true },
        marks: [
          Plot.ruleY([1], { stroke: PLOT_MUTED, strokeOpacity: 0.5, strokeDasharray: '2,3' }),
          ...seriesMarks(data.rA, series),
          shell ? Plot.ruleX([shell.minimumA], { stroke: THRESHOLD_COLOUR, strokeDasharray: '5,3', strokeWidth: 1.4 }) : null,
          shell
            ? Plot.text([shell], {
                x: (s: NonNullable<Rdf['firstShell']>) => s.minimumA,
                text: (s: NonNullable<Rdf['firstShell']>) => `first minimum ${s.minimumA.toFixed(2)} Å\nCN ${s.coordination.toFixed(2)}`,
                frameAnchor: 'top',
                textAnchor: 'start',
                lineAnchor: 'top',
                dx: 5,
                dy: 6,
                fill: THRESHOLD_COLOUR,
                fontWeight: 600,
              })
            : null,
          Plot.frame({ stroke: '#c5cbd4' }),
        ],
      });
      return composeFigure([{ svg: panel }], { width, legend });
    },
    [data, showPartials],
  );

  const csv = useCallback(() => (data ? rdfCsv(data) : ''), [data]);

  if (rdf.status === 'error') return <FigureState testId="plot-rdf" title={title} state="error" error={rdf.error} onRetry={rdf.retry} />;
  if (!data) return <FigureState testId="plot-rdf" title={title} state="loading" />;
  const shell = data.firstShell;
  return (
    <PlotFigure
      testId="plot-rdf"
      title={title}
      exportTitle={exportTitle(ctx, 'Pair distribution function g(r)')}
      fileStem={fileStem(ctx, 'gr')}
      render={render}
      csv={csv}
      controls={partialsToggle(showPartials, setShowPartials, new Set(data.partials.map((p) => p.pair.split('-').sort().join('-'))).size < 2)}
      caption={
        shell ? (
          <>
            First shell: peak at {shell.peakA.toFixed(2)} Å, minimum at {shell.minimumA.toFixed(2)} Å; coordination number{' '}
            <strong>{shell.coordination.toFixed(2)}</strong> (running N(r) of the total g(r) at the minimum). The CSV has N(r) of
            every curve.
          </>
        ) : (
          'No clear first-shell minimum in the total g(r).'
        )
      }
    />
  );
}

function rdfCsv(data: Rdf): string {
  const header = ['r_A', 'g_total', 'N_total', ...data.partials.flatMap((p) => [`g_${p.pair}`, `N_${p.pair}`])];
  const rows = data.rA.map((r, i) => [r, data.total.g[i], data.total.coord[i], ...data.partials.flatMap((p) => [p.g[i], p.coord[i]])]);
  return toCsv(header, rows);
}

export function SqFigure({ ctx }: { ctx: AnalysisContext }) {
  const [radiation, setRadiation] = useState<'electron' | 'xray'>('electron');
  const [showPartials, setShowPartials] = useState(false);
  const sq = useAnalysis('analysis.sq', { labelSetId: ctx.labelSet.id, radiation });
  const title = 'Structure factor S(q)';
  const data = sq.data;

  const render = useCallback(
    (width: number) => {
      if (!data) throw new Error('no data');
      const series = curves(data.total, data.partials, (p) => p.s, showPartials);
      const legend: LegendEntry[] = legendOrder(series).map((s) => ({
        label: s.name === 'total' ? `total S(q), ${data.radiation === 'electron' ? 'electron' : 'X-ray'} weights` : `S ${s.name}`,
        colour: s.colour,
        kind: 'line',
      }));
      const panel = plotPanel({
        width,
        height: PANEL_HEIGHT + 30,
        x: { label: 'q (Å⁻¹)', domain: [0, Math.max(...data.qInvA)] },
        y: { label: 'S(q)', nice: true },
        marks: [
          Plot.ruleY([1], { stroke: PLOT_MUTED, strokeOpacity: 0.5, strokeDasharray: '2,3' }),
          ...seriesMarks(data.qInvA, series),
          Plot.frame({ stroke: '#c5cbd4' }),
        ],
      });
      return composeFigure([{ svg: panel }], { width, legend });
    },
    [data, showPartials],
  );

  const csv = useCallback(() => (data ? sqCsv(data) : ''), [data]);

  const controls = (
    <>
      <SegmentedControl
        small
        label="Radiation"
        value={radiation}
        onChange={setRadiation}
        options={[
          { value: 'electron', label: 'electron', testId: 'sq-radiation-electron' },
          { value: 'xray', label: 'X-ray', testId: 'sq-radiation-xray' },
        ]}
      />
      {data && partialsToggle(showPartials, setShowPartials, new Set(data.partials.map((p) => p.pair.split('-').sort().join('-'))).size < 2)}
    </>
  );
  if (sq.status === 'error') return <FigureState testId="plot-sq" title={title} state="error" error={sq.error} onRetry={sq.retry} />;
  if (!data) return <FigureState testId="plot-sq" title={title} state="loading" />;
  return (
    <PlotFigure
      testId="plot-sq"
      title={title}
      exportTitle={exportTitle(ctx, `Structure factor S(q), Faber–Ziman, ${radiation === 'electron' ? 'electron' : 'X-ray'} weights`)}
      fileStem={fileStem(ctx, `sq-${radiation}`)}
      render={render}
      csv={csv}
      controls={controls}
      caption={
        <span title={data.source}>
          Faber–Ziman S(q) from the partial g(r) ({data.radiation === 'electron' ? 'electron' : 'X-ray'} scattering factors:{' '}
          {shortSource(data.source)}).
        </span>
      }
    />
  );
}

function sqCsv(data: Sq): string {
  const header = ['q_invA', 'S_total', ...data.partials.map((p) => `S_${p.pair}`)];
  const rows = data.qInvA.map((q, i) => [q, data.total[i], ...data.partials.map((p) => p.s[i])]);
  return toCsv(header, rows);
}

/** The citation part of a scattering-factor source ("Peng, Ren, Dudarev & Whelan (1996) Acta Cryst. A52, 257-276"). */
function shortSource(source: string): string {
  const first = source.split(/[;,]\s*(?:as tabulated|5-Gaussian|f\(s\))/)[0] ?? source;
  return first.length > 110 ? `${first.slice(0, 107)}…` : first;
}
