/**
 * Grain / ACTR / complexion-interior intervals along the profile axis as tinted bands behind a plot's data, with
 * their labels (G-1, ACTR-1, CI-1 …) along the top. An interval that wraps the periodic cell edge is drawn in two parts.
 */
import * as Plot from '@observablehq/plot';
import type { Response } from '../../../main/shared/ipc-contract';
import type { LegendEntry } from './svg-compose';
import { regionStyle } from './plot-style';

type Interval = Response<'analysis.regions'>['intervals'][number];

interface Band {
  x1: number;
  x2: number;
  fill: string;
}

export function regionBands(intervals: readonly Interval[], domain: [number, number]): Band[] {
  const bands: Band[] = [];
  for (const r of intervals) {
    const fill = regionStyle(r.kind).fill;
    if (r.wraps || r.endA < r.startA) {
      bands.push({ x1: r.startA, x2: domain[1], fill }, { x1: domain[0], x2: r.endA, fill });
    } else {
      bands.push({ x1: r.startA, x2: r.endA, fill });
    }
  }
  return bands.filter((b) => b.x2 > b.x1);
}

/** The marks to put first in a plot: bands, then (when `labels`) the interval names at the top of the frame. */
export function regionMarks(intervals: readonly Interval[], domain: [number, number], labels: boolean): Plot.Markish[] {
  if (intervals.length === 0) return [];
  const bands = regionBands(intervals, domain);
  const marks: Plot.Markish[] = [Plot.rect(bands, { x1: 'x1', x2: 'x2', fill: 'fill', fillOpacity: 0.85 })];
  if (labels) {
    // Label each band where it is widest (a wrapped grain shows its name once).
    const widest = new Map<string, { x: number; width: number }>();
    intervals.forEach((r) => {
      const parts = r.wraps || r.endA < r.startA ? [[r.startA, domain[1]], [domain[0], r.endA]] : [[r.startA, r.endA]];
      for (const [a = 0, b = 0] of parts) {
        const width = b - a;
        const best = widest.get(r.label);
        if (!best || width > best.width) widest.set(r.label, { x: (a + b) / 2, width });
      }
    });
    const names = [...widest.entries()].filter(([, v]) => v.width > 0).map(([label, v]) => ({ label, x: v.x }));
    marks.push(Plot.text(names, { x: 'x', text: 'label', frameAnchor: 'top', dy: 9, fill: '#3a4250', fontWeight: 600 }));
  }
  return marks;
}

/** Legend swatches for the region kinds present. */
export function regionLegend(intervals: readonly Interval[]): LegendEntry[] {
  const kinds = [...new Set(intervals.map((r) => r.kind))];
  return kinds.map((kind) => ({ label: regionStyle(kind).label, colour: regionStyle(kind).fill, kind: 'box', opacity: 0.85 }));
}
