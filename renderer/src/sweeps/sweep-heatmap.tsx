/**
 * The RMSE heatmaps of papers/000 Fig. 7: one panel per architecture, probe radius across and height up, each cell
 * coloured by its validation RMSE on one shared scale (so the panels compare) and labelled with the value; cells not
 * trained yet are outlined and say so.
 */
import { sweepSplitText } from './sweep-split-text';
import * as Plot from '@observablehq/plot';
import { useCallback } from 'react';
import type { SweepSummary } from '../../../main/shared/sweeps';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { composeFigure } from '../analysis/svg-compose';
import { architectureLabel, formatError } from '../models/model-format';

const PANEL_MAX = 420;

interface CellDatum {
  r: string;
  h: string;
  rmse: number | null;
  label: string;
}

export function SweepHeatmap({ sweep }: { sweep: SweepSummary }) {
  const render = useCallback(
    (width: number) => {
      const radii = [...new Set(sweep.cells.map((c) => c.radiusA))].sort((a, b) => a - b).map(String);
      const heights = [...new Set(sweep.cells.map((c) => c.heightA))].sort((a, b) => a - b).map(String);
      const values = sweep.cells.map((c) => c.validation?.rmse).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      const domain: [number, number] = values.length > 0 ? [Math.min(...values), Math.max(...values)] : [0, 1];
      if (domain[0] === domain[1]) domain[1] = domain[0] + 1e-6;
      const row = sweep.params.models.length > 1 && width >= 2 * 300;
      const panelWidth = Math.min(PANEL_MAX, row ? Math.floor(width / sweep.params.models.length) : width);
      const panels = sweep.params.models.map((architecture) => {
        const data: CellDatum[] = sweep.cells
          .filter((c) => c.architecture === architecture)
          .map((c) => {
            const rmse = c.state === 'done' ? (c.validation?.rmse ?? null) : null;
            return { r: String(c.radiusA), h: String(c.heightA), rmse, label: rmse !== null ? formatError(rmse) : c.state === 'failed' ? 'failed' : '…' };
          });
        const svg = plotPanel({
          width: panelWidth,
          height: Math.max(160, Math.min(panelWidth, 60 + 46 * heights.length)),
          marginLeft: 56,
          marginBottom: 42,
          x: { domain: radii, label: 'probe radius (Å)', padding: 0.04 },
          y: { domain: [...heights].reverse(), label: 'probe height (Å)', padding: 0.04 },
          color: { type: 'linear', scheme: 'viridis', domain, reverse: true },
          marks: [
            Plot.cell(data, { x: 'r', y: 'h', fill: (d: CellDatum) => d.rmse ?? undefined, stroke: '#c5cbd4', inset: 0.5 }),
            Plot.text(data, {
              x: 'r',
              y: 'h',
              text: 'label',
              // Reversed viridis: low RMSE is light yellow (dark text), high RMSE dark purple (white text).
              fill: (d: CellDatum) => (d.rmse === null ? '#5a6475' : (d.rmse - domain[0]) / (domain[1] - domain[0]) > 0.45 ? '#ffffff' : '#1d2430'),
              fontWeight: 600,
            }),
          ],
        });
        return { svg, heading: `${architectureLabel(architecture)}: validation RMSE of d` };
      });
      return composeFigure(panels, {
        width: row ? panelWidth * panels.length : panelWidth,
        layout: row ? 'row' : 'column',
        legend: [
          { label: `RMSE ${formatError(domain[0])} (best)`, colour: '#fde725', kind: 'box' },
          { label: `RMSE ${formatError(domain[1])} (worst)`, colour: '#440154', kind: 'box' },
        ],
      });
    },
    [sweep],
  );
  const csv = useCallback(
    () =>
      toCsv(
        ['architecture', 'radius_A', 'height_A', 'state', 'train_patterns', 'validation_patterns', 'val_mae', 'val_rmse', 'val_r2', 'best_epoch', 'seconds'],
        sweep.cells.map((c) => [c.architecture, c.radiusA, c.heightA, c.state, c.trainCount, c.validationCount, c.validation?.mae ?? '', c.validation?.rmse ?? '', c.validation?.r2 ?? '', c.bestEpoch ?? '', c.seconds ?? '']),
      ),
    [sweep],
  );
  return (
    <PlotFigure
      testId="sweep-heatmap"
      title="Probe-size sweep (Fig. 7)"
      exportTitle={`Probe-size sweep: ${sweep.name}`}
      fileStem={`sweep-${sweep.id}-rmse`}
      render={render}
      csv={csv}
      caption={`Each cell: the best epoch’s RMSE on that probe’s validation patterns (${sweepSplitText(sweep.params)}), ${sweep.params.epochs} epochs per cell.`}
    />
  );
}
