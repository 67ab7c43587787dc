/**
 * The curves of a training run, stacked on one epoch axis: training and validation loss (log scale), the learning
 * rate as ReduceLROnPlateau steps it, and a small trace of the per-batch loss that moves within an epoch.
 */
import * as Plot from '@observablehq/plot';
import { useCallback } from 'react';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { PLOT_MUTED, SERIES_BLUE, SERIES_COLOURS } from '../analysis/plot-style';
import { composeFigure, type LegendEntry, type Panel } from '../analysis/svg-compose';
import { column, type SeriesTable } from './use-training-series';

export interface TrainingCurvesProps {
  training: SeriesTable;
  batches: SeriesTable;
  /** The run's planned epochs: the x axis spans them, so one sees how far it got. */
  epochs: number | null;
  /** The best epoch so far, when known (history.json), marked on the loss panel. */
  bestEpoch: number | null;
  exportTitle: string;
  fileStem: string;
}

const TRAIN_COLOUR = SERIES_BLUE;
const VALIDATION_COLOUR = SERIES_COLOURS[1] ?? '#f28e2c';
const BATCH_COLOUR = '#8a93a3';
const MARGIN_LEFT = 64;
const MARGIN_RIGHT = 16;
const AXIS_HEIGHT = 34;
/** Dots on the epoch curves only while they are few enough to tell apart. */
const MAX_DOTTED_EPOCHS = 60;
/** Batch rows beyond this are thinned for the trace (it is a glance at the noise, not a record). */
const MAX_BATCH_POINTS = 3000;

interface Point {
  x: number;
  y: number;
}

const positive = (p: Point) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.y > 0;

/** A log-scale domain around the values, at least a factor of 10 wide so a flat curve is not all grid lines. */
function logDomain(values: number[]): [number, number] {
  const good = values.filter((v) => Number.isFinite(v) && v > 0);
  if (good.length === 0) return [0.01, 1];
  let lo = Math.min(...good);
  let hi = Math.max(...good);
  const span = Math.log10(hi / lo);
  if (span < 1) {
    const pad = (1 - span) / 2;
    lo /= 10 ** pad;
    hi *= 10 ** pad;
  }
  return [lo, hi];
}

export function TrainingCurves({ training, batches, epochs, bestEpoch, exportTitle, fileStem }: TrainingCurvesProps) {
  const render = useCallback(
    (width: number) => {
      const epoch = column(training, 'epoch');
      const trainLoss = column(training, 'trainLoss');
      const valLoss = column(training, 'valLoss');
      const lr = column(training, 'lr');
      const train = training.rows.map((r) => ({ x: epoch(r), y: trainLoss(r) })).filter(positive);
      const validation = training.rows.map((r) => ({ x: epoch(r), y: valLoss(r) })).filter(positive);
      const rates = training.rows.map((r) => ({ x: epoch(r), y: lr(r) })).filter(positive);

      const bEpoch = column(batches, 'epoch');
      const bBatch = column(batches, 'batch');
      const bCount = column(batches, 'batches');
      const bLoss = column(batches, 'loss');
      const stride = Math.ceil(batches.rows.length / MAX_BATCH_POINTS);
      const trace = batches.rows
        .filter((_, k) => stride <= 1 || k % stride === 0 || k === batches.rows.length - 1)
        .map((r) => ({ x: bEpoch(r) - 1 + bBatch(r) / Math.max(bCount(r), 1), y: bLoss(r) }))
        .filter(positive);

      const lastX = Math.max(1, ...train.map((p) => p.x), ...trace.map((p) => p.x));
      const domain: [number, number] = [0, Math.max(lastX, epochs ?? 0)];
      const dots = train.length <= MAX_DOTTED_EPOCHS;
      // Inset: the last epoch's dot sits on the right edge of the domain and must not be cut by the frame.
      const xAxis = (bottom: boolean): Plot.ScaleOptions =>
        bottom
          ? { domain, inset: 6, label: 'epoch', tickFormat: (d: number) => (Number.isInteger(d) ? String(d) : '') }
          : { domain, inset: 6, label: null, tickFormat: () => '', tickSize: 3 };
      const frame = Plot.frame({ stroke: '#c5cbd4' });

      const lossMarks: Plot.Markish[] = [
        bestEpoch !== null ? Plot.ruleX([bestEpoch], { stroke: PLOT_MUTED, strokeDasharray: '3,3' }) : null,
        Plot.line(train, { x: 'x', y: 'y', stroke: TRAIN_COLOUR, strokeWidth: 1.8 }),
        Plot.line(validation, { x: 'x', y: 'y', stroke: VALIDATION_COLOUR, strokeWidth: 1.8 }),
        dots ? Plot.dot(train, { x: 'x', y: 'y', fill: TRAIN_COLOUR, r: 2.5 }) : null,
        dots ? Plot.dot(validation, { x: 'x', y: 'y', fill: VALIDATION_COLOUR, r: 2.5 }) : null,
        frame,
      ];
      const panels: Panel[] = [
        {
          heading: 'Loss (L1, target units)',
          svg: plotPanel({
            width,
            height: 170,
            marginLeft: MARGIN_LEFT,
            marginRight: MARGIN_RIGHT,
            marginTop: 8,
            marginBottom: 6,
            x: xAxis(false),
            y: { type: 'log', domain: logDomain([...train, ...validation].map((p) => p.y)), label: null, ticks: 4, tickFormat: '~g' },
            marks: lossMarks,
          }),
        },
        {
          heading: 'Learning rate',
          svg: plotPanel({
            width,
            height: 86,
            marginLeft: MARGIN_LEFT,
            marginRight: MARGIN_RIGHT,
            marginTop: 8,
            marginBottom: 6,
            x: xAxis(false),
            y: { type: 'log', domain: logDomain(rates.map((p) => p.y)), label: null, ticks: 2, tickFormat: '.0e' },
            // An epoch trains at its rate until the scheduler halves it: a step that holds to the next epoch.
            marks: [Plot.line(rates, { x: 'x', y: 'y', stroke: PLOT_MUTED, strokeWidth: 1.6, curve: 'step-after' }), dots ? Plot.dot(rates, { x: 'x', y: 'y', fill: PLOT_MUTED, r: 2 }) : null, frame],
          }),
        },
        {
          heading: 'Batch loss',
          svg: plotPanel({
            width,
            height: 96 + AXIS_HEIGHT,
            marginLeft: MARGIN_LEFT,
            marginRight: MARGIN_RIGHT,
            marginTop: 8,
            marginBottom: AXIS_HEIGHT + 6,
            x: xAxis(true),
            y: { type: 'log', domain: logDomain(trace.map((p) => p.y)), label: null, ticks: 3, tickFormat: '~g' },
            marks: [Plot.line(trace, { x: 'x', y: 'y', stroke: BATCH_COLOUR, strokeWidth: 1 }), Plot.dot(trace.slice(-1), { x: 'x', y: 'y', fill: BATCH_COLOUR, r: 2.5 }), frame],
          }),
        },
      ];
      const legend: LegendEntry[] = [
        { label: 'training loss', colour: TRAIN_COLOUR, kind: 'line' },
        { label: 'validation loss', colour: VALIDATION_COLOUR, kind: 'line' },
        { label: 'learning rate', colour: PLOT_MUTED, kind: 'line' },
        { label: 'batch loss', colour: BATCH_COLOUR, kind: 'line' },
        ...(bestEpoch !== null ? [{ label: `best epoch (${bestEpoch})`, colour: PLOT_MUTED, kind: 'dashed' as const }] : []),
      ];
      return composeFigure(panels, { width, legend });
    },
    [training, batches, epochs, bestEpoch],
  );

  const csv = useCallback(() => toCsv(training.columns, training.rows), [training]);

  return <PlotFigure testId="training-curves" title="Training curves" exportTitle={exportTitle} fileStem={fileStem} render={render} csv={csv} />;
}
