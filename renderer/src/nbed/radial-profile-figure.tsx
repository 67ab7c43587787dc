/** The radial profile ⟨I⟩(|K|) of the live pattern (log y: the halo and the tail share one plot). */
import * as Plot from '@observablehq/plot';
import { useCallback } from 'react';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { SERIES_BLUE } from '../analysis/plot-style';

export interface RadialProfileFigureProps {
  kInvA: number[];
  mean: number[];
  exportTitle: string;
  fileStem: string;
}

export function RadialProfileFigure({ kInvA, mean, exportTitle, fileStem }: RadialProfileFigureProps) {
  const render = useCallback(
    (width: number) => {
      // A log axis cannot show zeros (nodes outside kmax, or an exactly dark ring).
      const points = kInvA.map((k, i) => ({ k, i: mean[i] ?? 0 })).filter((p) => p.i > 0 && Number.isFinite(p.i));
      if (points.length === 0) throw new Error('the profile has no positive intensity');
      return plotPanel({
        width,
        height: 200,
        x: { label: '|K| (Å⁻¹)', domain: [0, Math.max(...kInvA)] },
        y: { label: '⟨I⟩ (log)', type: 'log', ticks: 4, tickFormat: '~s' },
        marks: [Plot.line(points, { x: 'k', y: 'i', stroke: SERIES_BLUE, strokeWidth: 1.6 })],
      });
    },
    [kInvA, mean],
  );
  const csv = useCallback(() => toCsv(['k_inv_A', 'mean_I'], kInvA.map((k, i) => [k, mean[i] ?? 0])), [kInvA, mean]);
  return <PlotFigure testId="pattern-radial" title="Radial profile" exportTitle={exportTitle} fileStem={fileStem} render={render} csv={csv} />;
}
