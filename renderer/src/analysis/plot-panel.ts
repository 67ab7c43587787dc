/**
 * Observable Plot with the app's defaults, returning a bare <svg>: readable font sizes, centred axis labels without
 * arrows, a light grid, and without Plot's <style> element, which the page's CSP would refuse (its one rule lives in
 * styles.css and is added back to exported files).
 */
import * as Plot from '@observablehq/plot';
import type { Cell } from '../../../main/shared/domain';
import { PLOT_INLINE_STYLE } from './plot-style';

export function plotPanel(options: Plot.PlotOptions): SVGSVGElement {
  const node = Plot.plot({
    marginLeft: 58,
    marginRight: 16,
    marginTop: 14,
    marginBottom: 40,
    style: PLOT_INLINE_STYLE,
    ...options,
    x: { labelArrow: 'none', labelAnchor: 'center', labelOffset: 34, ...options.x },
    y: { labelArrow: 'none', labelAnchor: 'center', labelOffset: 46, grid: true, ...options.y },
  });
  if (!(node instanceof SVGSVGElement)) throw new Error('Observable Plot returned a figure, not an SVG (no legends or titles here)');
  node.querySelector(':scope > style')?.remove();
  return node;
}

export type Axis = 'x' | 'y' | 'z';
const AXIS_INDEX: Record<Axis, 0 | 1 | 2> = { x: 0, y: 1, z: 2 };

/**
 * The coordinate range [start, end] (Å) of the axis as the core's profiles use it: the cell's extent when two cell
 * edges are perpendicular to the axis (a slab along it), else null (the profile's own grid range is used then).
 */
export function cellAxisRange(cell: Cell, axis: Axis): [number, number] | null {
  const d = AXIS_INDEX[axis];
  const edges = [cell.a, cell.b, cell.c];
  const along = edges.map((v) => v[d] ?? 0);
  const perpendicular = edges.map((v, k) => Math.abs(along[k] ?? 0) <= 1e-9 * Math.max(Math.hypot(...v), 1e-300));
  if (perpendicular.filter(Boolean).length !== 2) return null;
  const extent = along[perpendicular.indexOf(false)] ?? 0;
  const start = (cell.origin[d] ?? 0) + Math.min(0, extent);
  return [start, start + Math.abs(extent)];
}

/** The longest cell edge's axis: a first guess for a grain-boundary normal. */
export function longestAxis(cell: Cell): Axis {
  const lengths = [cell.a, cell.b, cell.c].map((v) => Math.hypot(...v));
  const i = lengths.indexOf(Math.max(...lengths));
  return (['x', 'y', 'z'] as const)[i] ?? 'x';
}
