/**
 * Joins Observable Plot panels into one standalone SVG figure: an optional title, a legend drawn as SVG (so it
 * survives export, unlike Plot's HTML swatches), and the panels in a column or a row, each with an optional heading.
 */
import { PLOT_FONT, PLOT_FONT_SIZE_PX, PLOT_MUTED, PLOT_TEXT } from './plot-style';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface LegendEntry {
  label: string;
  colour: string;
  /** How the swatch looks: a line (series), a filled box (band, region, class) or a dashed line (threshold). */
  kind: 'line' | 'box' | 'dashed' | 'dot';
  /** Fill opacity for boxes (bands and region tints are translucent in the plot too). */
  opacity?: number;
}

export interface Panel {
  svg: SVGSVGElement;
  heading?: string;
}

export interface FigureOptions {
  title?: string;
  legend?: LegendEntry[];
  layout?: 'column' | 'row';
  /** Total width in px; the legend wraps inside it. */
  width: number;
}

const TITLE_HEIGHT = 22;
const LEGEND_ROW_HEIGHT = 20;
const HEADING_HEIGHT = 20;
const PAD = 8;

let measureContext: CanvasRenderingContext2D | null = null;

/** Width of a text in the plot font (canvas text metrics; a character estimate without a canvas). */
export function textWidth(text: string, sizePx = PLOT_FONT_SIZE_PX, weight = 'normal'): number {
  measureContext ??= document.createElement('canvas').getContext('2d');
  if (!measureContext) return text.length * sizePx * 0.6;
  measureContext.font = `${weight} ${sizePx}px ${PLOT_FONT}`;
  return measureContext.measureText(text).width;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function text(x: number, y: number, content: string, attrs: Record<string, string | number> = {}): SVGTextElement {
  const t = el('text', { x, y, 'font-family': PLOT_FONT, 'font-size': PLOT_FONT_SIZE_PX, fill: PLOT_TEXT, ...attrs });
  t.textContent = content;
  return t;
}

/** Lays out legend entries in rows that fit `width`; returns the group and its height. */
function legendGroup(entries: LegendEntry[], width: number): { group: SVGGElement; height: number } {
  const group = el('g', { 'aria-label': 'legend' });
  const swatch = 22;
  const gap = 16;
  let x = PAD;
  let row = 0;
  for (const entry of entries) {
    const w = swatch + 6 + textWidth(entry.label);
    if (x > PAD && x + w > width - PAD) {
      row++;
      x = PAD;
    }
    const cy = row * LEGEND_ROW_HEIGHT + LEGEND_ROW_HEIGHT / 2;
    if (entry.kind === 'box') {
      group.append(el('rect', { x, y: cy - 6, width: swatch, height: 12, fill: entry.colour, 'fill-opacity': entry.opacity ?? 1, stroke: 'rgba(0,0,0,0.25)', 'stroke-width': 0.5 }));
    } else if (entry.kind === 'dot') {
      group.append(el('circle', { cx: x + swatch / 2, cy, r: 4.5, fill: entry.colour, stroke: 'rgba(0,0,0,0.35)', 'stroke-width': 0.5 }));
    } else {
      group.append(
        el('line', {
          x1: x,
          x2: x + swatch,
          y1: cy,
          y2: cy,
          stroke: entry.colour,
          'stroke-width': entry.kind === 'dashed' ? 1.5 : 2.2,
          ...(entry.kind === 'dashed' ? { 'stroke-dasharray': '5,3' } : {}),
        }),
      );
    }
    group.append(text(x + swatch + 6, cy + 4, entry.label));
    x += w + gap;
  }
  return { group, height: entries.length === 0 ? 0 : (row + 1) * LEGEND_ROW_HEIGHT };
}

function size(svg: SVGSVGElement): { width: number; height: number } {
  return { width: Number(svg.getAttribute('width')) || 0, height: Number(svg.getAttribute('height')) || 0 };
}

/** The figure as one <svg> with a white background, ready to show and to export as it is. */
export function composeFigure(panels: Panel[], options: FigureOptions): SVGSVGElement {
  const layout = options.layout ?? 'column';
  const anyHeading = panels.some((p) => p.heading);
  const headingH = anyHeading ? HEADING_HEIGHT : 0;
  const titleH = options.title ? TITLE_HEIGHT : 0;
  const legend = legendGroup(options.legend ?? [], options.width);
  const legendH = legend.height > 0 ? legend.height + 4 : 0;
  const sizes = panels.map((p) => size(p.svg));
  const panelsW = layout === 'row' ? sizes.reduce((s, x) => s + x.width, 0) : Math.max(0, ...sizes.map((s) => s.width));
  const panelsH =
    layout === 'row'
      ? Math.max(0, ...sizes.map((s) => s.height)) + headingH
      : sizes.reduce((s, x) => s + x.height + headingH, 0);
  const width = Math.max(options.width, panelsW);
  const height = titleH + legendH + panelsH + 4;

  const root = el('svg', { xmlns: SVG_NS, width, height, viewBox: `0 0 ${width} ${height}`, 'font-family': PLOT_FONT, 'font-size': PLOT_FONT_SIZE_PX, class: 'ssro-figure' });
  root.append(el('rect', { x: 0, y: 0, width, height, fill: 'white' }));
  if (options.title) root.append(text(PAD, 15, options.title, { 'font-weight': 600, 'font-size': 13 }));
  if (legend.height > 0) {
    legend.group.setAttribute('transform', `translate(0, ${titleH})`);
    root.append(legend.group);
  }
  let x = 0;
  let y = titleH + legendH;
  panels.forEach((panel, i) => {
    const s = sizes[i] ?? { width: 0, height: 0 };
    if (panel.heading) root.append(text(x + PAD, y + 14, panel.heading, { 'font-weight': 600, fill: PLOT_MUTED }));
    panel.svg.setAttribute('x', String(x));
    panel.svg.setAttribute('y', String(y + headingH));
    root.append(panel.svg);
    if (layout === 'row') x += s.width;
    else y += s.height + headingH;
  });
  return root;
}

/** A copy of the figure with a title line on top (plot + structure + label set), for export. */
export function withTitle(figure: SVGSVGElement, title: string): SVGSVGElement {
  const { width, height } = size(figure);
  const root = el('svg', { xmlns: SVG_NS, width, height: height + TITLE_HEIGHT + 4, viewBox: `0 0 ${width} ${height + TITLE_HEIGHT + 4}` });
  root.append(el('rect', { x: 0, y: 0, width, height: height + TITLE_HEIGHT + 4, fill: 'white' }));
  root.append(text(PAD, 17, title, { 'font-weight': 600, 'font-size': 13 }));
  const copy = figure.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('x', '0');
  copy.setAttribute('y', String(TITLE_HEIGHT + 4));
  root.append(copy);
  return root;
}
