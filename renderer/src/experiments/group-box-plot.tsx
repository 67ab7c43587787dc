/**
 * d per group of a folder map as box plots (papers/000 Fig. 10b: one box per subfolder of patterns), with every
 * pattern as a dot, and a table of the groups' counts, medians, means and flagged patterns.
 */
import * as Plot from '@observablehq/plot';
import { useCallback, useMemo } from 'react';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { SERIES_BLUE } from '../analysis/plot-style';
import { formatCount } from '../format';

export interface GroupBoxPlotProps {
  groups: string[];
  files: string[];
  d: (number | null)[];
  mapName: string;
  mapId: number;
}

interface GroupRow {
  group: string;
  count: number;
  flagged: number;
  median: number | null;
  mean: number | null;
}

function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[m] as number) : ((sorted[m - 1] as number) + (sorted[m] as number)) / 2;
}

export function GroupBoxPlot({ groups, files, d, mapName, mapId }: GroupBoxPlotProps) {
  const order = useMemo(() => [...new Set(groups)], [groups]);
  const points = useMemo(() => groups.flatMap((g, i) => (d[i] == null ? [] : [{ group: g, d: d[i] as number, file: files[i] ?? '' }])), [groups, files, d]);
  const rows = useMemo<GroupRow[]>(
    () =>
      order.map((g) => {
        const values = points.filter((p) => p.group === g).map((p) => p.d).sort((a, b) => a - b);
        const count = groups.filter((x) => x === g).length;
        return { group: g, count, flagged: count - values.length, median: median(values), mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null };
      }),
    [order, points, groups],
  );
  const render = useCallback(
    (width: number) =>
      plotPanel({
        width: Math.min(width, 120 + 90 * order.length),
        height: 300,
        marginLeft: 56,
        marginBottom: 48,
        x: { domain: order, label: 'group (subfolder)', tickRotate: order.some((g) => g.length > 10) ? -20 : 0 },
        y: { label: 'predicted d', grid: true },
        marks: [Plot.boxY(points, { x: 'group', y: 'd', fill: '#c9daf3', stroke: SERIES_BLUE }), Plot.dot(points, { x: 'group', y: 'd', r: 1.8, fill: '#1d2430', fillOpacity: 0.5 })],
      }),
    [order, points],
  );
  const csv = useCallback(() => toCsv(['group', 'file', 'd'], groups.map((g, i) => [g, files[i] ?? '', d[i] ?? null])), [groups, files, d]);
  return (
    <>
      <PlotFigure
        testId="map-groups"
        title="d per group (Fig. 10b)"
        exportTitle={`d per group: ${mapName}`}
        fileStem={`map-${mapId}-groups`}
        render={render}
        csv={csv}
        caption="Boxes: quartiles and median of the patterns of each subfolder; whiskers 1.5 × IQR; dots: every pattern. Flagged patterns are left out."
      />
      <table className="metrics-table" data-testid="map-groups-table">
        <thead>
          <tr>
            <th>group</th>
            <th>patterns</th>
            <th>flagged</th>
            <th>median d</th>
            <th>mean d</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.group}>
              <td>{r.group}</td>
              <td>{formatCount(r.count)}</td>
              <td>{formatCount(r.flagged)}</td>
              <td>{r.median === null ? '—' : r.median.toFixed(4)}</td>
              <td>{r.mean === null ? '—' : r.mean.toFixed(4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
