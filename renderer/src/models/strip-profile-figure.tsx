/**
 * Predicted against true d along a strip of a scan (papers/000 Fig. 8), over the grain / ACTR / complexion-interior
 * regions the dataset recorded per pattern, shaded as the Analysis tab shades its profiles.
 */
import * as Plot from '@observablehq/plot';
import { useCallback, useMemo, useState } from 'react';
import type { Response } from '../../../main/shared/ipc-contract';
import type { StripProfile } from '../../../main/shared/models';
import { PlotFigure } from '../analysis/plot-figure';
import { toCsv } from '../analysis/plot-export';
import { plotPanel } from '../analysis/plot-panel';
import { PANEL_HEIGHT, SERIES_BLUE, TOTAL_COLOUR } from '../analysis/plot-style';
import { regionLegend, regionMarks } from '../analysis/region-marks';
import { composeFigure, type LegendEntry } from '../analysis/svg-compose';
import { REGION_KEYS, REGION_NAMES } from './model-format';

type Interval = Response<'analysis.regions'>['intervals'][number];

export interface StripProfileFigureProps {
  profiles: StripProfile[];
  exportTitle: string;
  fileStem: string;
}

/** Runs of equal region code as intervals reaching halfway to the neighbouring points. */
export function regionIntervals(profile: StripProfile): Interval[] {
  const xs = profile.positionA;
  const n = xs.length;
  if (n === 0) return [];
  const half = (i: number) => ((xs[i + 1] ?? xs[i] ?? 0) - (xs[i] ?? 0)) / 2;
  const edge = (i: number) => (i <= 0 ? (xs[0] ?? 0) - half(0) : i >= n ? (xs[n - 1] ?? 0) + half(n - 2) : ((xs[i - 1] ?? 0) + (xs[i] ?? 0)) / 2);
  const intervals: Interval[] = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && profile.region[i] === profile.region[start]) continue;
    const code = profile.region[start];
    const kind = code === null || code === undefined ? null : REGION_KEYS[code];
    if (kind) {
      const startA = edge(start);
      const endA = edge(i);
      intervals.push({ label: REGION_NAMES[kind] ?? kind, kind, startA, endA, lengthA: endA - startA, wraps: false });
    }
    start = i;
  }
  return intervals;
}

function profileName(p: StripProfile, many: boolean): string {
  const where = p.axis === 'strip' ? `strip row ${p.row + 1}` : `along ${p.axis}`;
  return many ? `${p.structure} · zone ${p.zone + 1} · probe ${p.probe + 1} · ${where}` : `${p.structure} · ${where}`;
}

export function StripProfileFigure({ profiles, exportTitle, fileStem }: StripProfileFigureProps) {
  const [chosen, setChosen] = useState(0);
  const profile = profiles[Math.min(chosen, profiles.length - 1)] ?? null;
  const intervals = useMemo(() => (profile ? regionIntervals(profile) : []), [profile]);

  const render = useCallback(
    (width: number) => {
      if (!profile || profile.positionA.length === 0) throw new Error('no profile');
      const rows = profile.positionA.map((x, i) => ({ x, trueD: profile.trueD[i], predictedD: profile.predictedD[i] }));
      const xs = profile.positionA;
      const domain: [number, number] = intervals.length > 0 ? [intervals[0]?.startA ?? 0, intervals[intervals.length - 1]?.endA ?? 1] : [Math.min(...xs), Math.max(...xs)];
      const values = [...profile.trueD, ...profile.predictedD].filter(Number.isFinite);
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      const pad = Math.max((hi - lo) * 0.1, 0.02);
      const dots = rows.length <= 200;
      const legend: LegendEntry[] = [
        { label: 'true d', colour: TOTAL_COLOUR, kind: 'line' },
        { label: 'predicted d', colour: SERIES_BLUE, kind: 'line' },
        ...regionLegend(intervals),
      ];
      const panel = plotPanel({
        width,
        height: PANEL_HEIGHT + 20,
        marginTop: intervals.length > 0 ? 22 : 12,
        marginBottom: 44,
        // Three-decimal ticks need more room than plotPanel's default before the axis label.
        marginLeft: 68,
        x: { domain, label: profile.axis === 'strip' ? 'distance along the strip (Å)' : `${profile.axis} (Å)` },
        y: { domain: [Math.max(lo - pad, -0.05), hi + pad], label: 'd', nice: true, labelOffset: 56 },
        marks: [
          ...regionMarks(intervals, domain, true),
          Plot.line(rows, { x: 'x', y: 'trueD', stroke: TOTAL_COLOUR, strokeWidth: 1.6 }),
          Plot.line(rows, { x: 'x', y: 'predictedD', stroke: SERIES_BLUE, strokeWidth: 1.6 }),
          dots ? Plot.dot(rows, { x: 'x', y: 'trueD', fill: TOTAL_COLOUR, r: 2 }) : null,
          dots ? Plot.dot(rows, { x: 'x', y: 'predictedD', fill: SERIES_BLUE, r: 2.2, symbol: 'diamond' }) : null,
          Plot.frame({ stroke: '#c5cbd4' }),
        ],
      });
      return composeFigure([{ svg: panel }], { width, legend });
    },
    [profile, intervals],
  );

  const csv = useCallback(() => {
    if (!profile) return '';
    return toCsv(
      ['position_A', 'true_d', 'predicted_d', 'region', 'patterns'],
      profile.positionA.map((x, i) => {
        const code = profile.region[i];
        return [x, profile.trueD[i], profile.predictedD[i], code === null || code === undefined ? '' : (REGION_KEYS[code] ?? String(code)), profile.count[i]];
      }),
    );
  }, [profile]);

  if (!profile) return null;
  const averaged = profile.count.some((c) => c > 1);
  return (
    <PlotFigure
      testId="strip-profile-figure"
      title="Predicted and true d along the scan (Fig. 8)"
      exportTitle={`${exportTitle}: ${profileName(profile, true)}`}
      fileStem={`${fileStem}-${profile.axis}-${profile.row}`}
      render={render}
      csv={csv}
      controls={
        profiles.length > 1 ? (
          <select className="input input--small" value={chosen} onChange={(e) => setChosen(Number(e.target.value))} aria-label="Profile" data-testid="strip-profile-select">
            {profiles.map((p, i) => (
              <option key={i} value={i}>
                {profileName(p, true)}
              </option>
            ))}
          </select>
        ) : undefined
      }
      caption={
        <>
          {profileName(profile, profiles.length > 1)}: {profile.positionA.length} points
          {averaged ? `, each the mean over the scan rows sharing that ${profile.axis} (up to ${Math.max(...profile.count)} patterns)` : ', one pattern each'}.
          {intervals.length === 0 ? ' The dataset records no grain / ACTR / interior regions for these patterns.' : ' Shading: the region of each pattern as the dataset recorded it.'}
        </>
      }
    />
  );
}
