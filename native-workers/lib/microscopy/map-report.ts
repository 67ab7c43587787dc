/**
 * A short, self-contained HTML report (report.html) of a completed map folder (mapping.ts MAP_FILES): what was mapped
 * with which model and recipe, how many frames were mapped or flagged, the statistics of d, and for a scan the d map
 * and the virtual bright-field image (PNG data: URLs), for a folder map the statistics and box plot of every group
 * (papers/000 Fig. 10b style). No scripts and no external resources: it opens anywhere and prints to one page.
 *
 * Quantiles follow NumPy's default (linear interpolation between order statistics, `np.quantile(x, q)`); std is the
 * population standard deviation (ddof = 0), as `np.std` and map.json's summary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { interpolateGreys, interpolateViridis } from 'd3-scale-chromatic';
import { PNG } from 'pngjs';
import type { MicroscopyInfo } from '../../../main/shared/microscopy';
import { writeFileAtomic } from '../datasets/atomic-files';
import { readNpy } from '../npy';
import { FRAME_FLAGS } from './frame-processing';
import { MAP_FILES } from './map-files';
import type { MapPlan, MapSummary } from './mapping';

export const REPORT_FILE = 'report.html';

/** Grey of flagged (NaN) pixels in the d map. */
export const FLAGGED_GREY: [number, number, number] = [0xbb, 0xbb, 0xbb];

export interface DStatistics {
  count: number;
  mean: number;
  std: number;
  median: number;
  q1: number;
  q3: number;
  p5: number;
  p95: number;
  min: number;
  max: number;
}

/** NumPy's default quantile (method 'linear'): sorted[(n − 1)q], interpolated between neighbours. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile of no values');
  const position = (n - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  return a + ((sorted[hi] as number) - a) * (position - lo);
}

function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

/** Statistics of the finite values of `d` (NaN = flagged frame); null when none is finite. */
export function mapStatistics(d: ArrayLike<number>): DStatistics | null {
  const sorted = finiteSorted(d);
  const n = sorted.length;
  if (n === 0) return null;
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of sorted) ss += (v - mean) ** 2;
  return {
    count: n,
    mean,
    std: Math.sqrt(ss / n),
    median: quantileSorted(sorted, 0.5),
    q1: quantileSorted(sorted, 0.25),
    q3: quantileSorted(sorted, 0.75),
    p5: quantileSorted(sorted, 0.05),
    p95: quantileSorted(sorted, 0.95),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
  };
}

/** A box of a box plot: Q1–Q3, the median, whiskers at the furthest values within 1.5 IQR, the rest outliers. */
export interface BoxPlotStats {
  q1: number;
  median: number;
  q3: number;
  whiskerLow: number;
  whiskerHigh: number;
  outliers: number[];
}

export function boxPlotStats(values: ArrayLike<number>): BoxPlotStats | null {
  const sorted = finiteSorted(values);
  if (sorted.length === 0) return null;
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const lowFence = q1 - 1.5 * (q3 - q1);
  const highFence = q3 + 1.5 * (q3 - q1);
  const inside = sorted.filter((v) => v >= lowFence && v <= highFence);
  return {
    q1,
    median: quantileSorted(sorted, 0.5),
    q3,
    whiskerLow: inside[0] as number,
    whiskerHigh: inside[inside.length - 1] as number,
    outliers: Array.from(sorted.filter((v) => v < lowFence || v > highFence)),
  };
}

export interface GroupStatistics {
  group: string;
  /** Frames in the group (mapped or flagged). */
  frames: number;
  stats: DStatistics | null;
  box: BoxPlotStats | null;
}

/** Per-group statistics of `d` (NaN = flagged), groups in order of first appearance. */
export function groupStatistics(groups: readonly string[], d: ArrayLike<number>): GroupStatistics[] {
  if (groups.length !== d.length) throw new Error(`${groups.length} group names for ${d.length} values`);
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g) ?? [];
    list.push(d[i] as number);
    members.set(g, list);
  });
  return [...members].map(([group, values]) => ({ group, frames: values.length, stats: mapStatistics(values), box: boxPlotStats(values) }));
}

export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

/** `bins` equal bins from the finite minimum to maximum, the last one closed (as np.histogram); null without data. */
export function histogram(values: ArrayLike<number>, bins = 30): Histogram | null {
  const sorted = finiteSorted(values);
  if (sorted.length === 0) return null;
  let min = sorted[0] as number;
  let max = sorted[sorted.length - 1] as number;
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  const counts = new Array<number>(bins).fill(0);
  for (const v of sorted) {
    const k = Math.min(bins - 1, Math.floor(((v - min) / (max - min)) * bins));
    counts[k] = (counts[k] as number) + 1;
  }
  return { min, max, counts };
}

const LENGTH_TO_NM: Record<string, number> = { m: 1e9, mm: 1e6, um: 1e3, micron: 1e3, microns: 1e3, nm: 1, a: 0.1, ang: 0.1, angstrom: 0.1, angstroms: 0.1, pm: 1e-3 };
const NOT_A_UNIT = new Set(['', 'px', 'pixel', 'pixels', '<undefined>', '<auto>', 'undefined', 'none']);

export interface ScaleBar {
  /** The bar's length in `units`. */
  length: number;
  units: string;
  label: string;
  /** The bar's length as a fraction of the image width. */
  fraction: number;
}

/** The largest 1, 2 or 5 × 10ⁿ not above `x`. */
function niceBelow(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  const m = x / power;
  const step = m >= 5 ? 5 : m >= 2 ? 2 : 1;
  return Number((step * power).toPrecision(1));
}

/**
 * A real-space scale bar for an image `columns` scan steps wide: a round length (1, 2 or 5 × 10ⁿ) of at most a
 * quarter of the width, in Å, nm or µm when `units` is a length NumPy/HyperSpy files use (else in `units` as given).
 * Null when the step or its unit is unknown.
 */
export function scaleBar(step: number | null, units: string | null, columns: number): ScaleBar | null {
  if (step === null || !(step > 0) || !Number.isFinite(step) || units === null || columns <= 0) return null;
  const key = units.trim().replace(/[Åå]/g, 'a').replace(/[µμ]/g, 'u').toLowerCase();
  if (NOT_A_UNIT.has(key)) return null;
  const toNm = LENGTH_TO_NM[key];
  if (toNm === undefined) {
    const width = step * columns;
    const length = niceBelow(width / 4);
    return { length, units: units.trim(), label: `${length} ${units.trim()}`, fraction: length / width };
  }
  const widthNm = step * columns * toNm;
  const target = widthNm / 4;
  const [unit, perUnit] = target >= 1000 ? ['µm', 1000] : target < 1 ? ['Å', 0.1] : ['nm', 1];
  const length = niceBelow(target / perUnit);
  return { length, units: unit, label: `${length} ${unit}`, fraction: (length * perUnit) / widthNm };
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** '#rrggbb' or 'rgb(r, g, b)' (what d3-scale-chromatic returns) → [r, g, b]. */
export function parseColour(colour: string): [number, number, number] {
  const hex = /^#([0-9a-f]{6})$/i.exec(colour.trim());
  if (hex) {
    const v = parseInt(hex[1] as string, 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  const rgb = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(colour.trim());
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`unexpected colour "${colour}"`);
}

export interface ImageOptions {
  /** t ∈ [0, 1] → CSS colour. */
  colour: (t: number) => string;
  /** Nearest-neighbour upscaling factor (integer ≥ 1). */
  factor: number;
  /** Colour of non-finite values. */
  missing?: [number, number, number];
}

/** A rows × cols image of `values` (row-major), min–max of the finite values → colour(0)–colour(1), as a PNG. */
export function colourImagePng(values: ArrayLike<number>, rows: number, cols: number, options: ImageOptions): { png: Buffer; width: number; height: number; min: number | null; max: number | null } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < rows * cols; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const lut = Array.from({ length: 256 }, (_, k) => parseColour(options.colour(k / 255)));
  const missing = options.missing ?? FLAGGED_GREY;
  const f = Math.max(1, Math.floor(options.factor));
  const width = cols * f;
  const height = rows * f;
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[Math.floor(y / f) * cols + Math.floor(x / f)] as number;
      const t = !Number.isFinite(v) ? -1 : max > min ? (v - min) / (max - min) : 0.5;
      const rgb = t < 0 ? missing : (lut[Math.round(t * 255)] as [number, number, number]);
      const o = 4 * (y * width + x);
      png.data[o] = rgb[0];
      png.data[o + 1] = rgb[1];
      png.data[o + 2] = rgb[2];
      png.data[o + 3] = 255;
    }
  }
  return { png: PNG.sync.write(png), width, height, min: min <= max ? min : null, max: min <= max ? max : null };
}

/** What the report reads from map.json (mapping.ts finalize); fields of older or partial files may be missing. */
interface MapManifest {
  format?: string;
  createdAt?: string;
  plan: MapPlan;
  input?: Partial<MicroscopyInfo>;
  summary?: Partial<MapSummary>;
}

export interface MapReportOptions {
  title?: string;
  /** The model's name in the project (the file name is always shown). */
  modelName?: string;
  now?: Date;
}

const fmtD = (v: number): string => v.toFixed(4);
const fmtNum = (v: number, digits = 4): string => String(Number(v.toPrecision(digits)));
const fmtDate = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function readManifest(dir: string): MapManifest {
  const file = path.join(dir, MAP_FILES.manifest);
  if (!fs.existsSync(file)) throw new Error(`${dir} holds no ${MAP_FILES.manifest}: the map is not complete`);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as MapManifest;
  if (manifest.format !== 'ssro-map' || typeof manifest.plan !== 'object' || manifest.plan === null) throw new Error(`${file} is not an SSRO map manifest`);
  return manifest;
}

/** Group of every frame (by frames.csv's index column), or null when frames.csv has no group column (a scan). */
function readGroups(dir: string, n: number): string[] | null {
  const file = path.join(dir, MAP_FILES.frames);
  if (!fs.existsSync(file)) return null;
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  if (rows.length === 0 || !('group' in (rows[0] as object))) return null;
  const groups = new Array<string>(n).fill('');
  rows.forEach((r, k) => {
    const index = r.index !== undefined && r.index !== '' ? Number(r.index) : k;
    if (Number.isInteger(index) && index >= 0 && index < n) groups[index] = r.group ?? '';
  });
  return groups;
}

function recipeLines(plan: MapPlan): [string, string][] {
  const r = plan.recipe;
  const lines: [string, string][] = [];
  const calibration = `${r.calibration.invAPerPixel !== null ? `${fmtNum(r.calibration.invAPerPixel)} Å⁻¹/px` : 'not resolved'} (${r.calibration.method})`;
  lines.push(['Calibration', `${escapeHtml(calibration)}${plan.calibrationDetail ? `<br><span class="small">${escapeHtml(plan.calibrationDetail)}</span>` : ''}`]);
  const steps: string[] = [];
  if (r.dark) steps.push(`dark reference ${path.basename(r.dark)} subtracted`);
  if (r.mask) steps.push(`mask ${path.basename(r.mask)}`);
  steps.push(r.hotPixels.enabled ? `hot pixels replaced (> ${fmtNum(r.hotPixels.threshold)} robust σ from the 3×3 median)` : 'hot pixels kept');
  const centre =
    r.centre.perFrame
      ? `beam centre (${r.centre.method}) found on every frame`
      : `beam centre (${r.centre.method}) fixed${plan.scanCentre ? ` at (${fmtNum(plan.scanCentre.row)}, ${fmtNum(plan.scanCentre.col)}) px` : ''}, found on the mean of ${plan.meanFrameCount} frames`;
  steps.push(centre);
  steps.push(
    r.denoise.method === 'none'
      ? 'TV denoising off'
      : `TV denoising on (Chambolle; weight ${fmtNum(r.denoise.weight)}${r.denoise.scale === 'range' ? ' of the frame’s range' : ' counts'}, ε ${fmtNum(r.denoise.eps)}, ≤ ${r.denoise.maxIterations} iterations)`,
  );
  steps.push(`resampled to ${r.model.side}×${r.model.side} (k ≤ ${fmtNum(r.model.kmaxInvA)} Å⁻¹, Δk ${fmtNum(r.model.deltaKInvA)} Å⁻¹/px), ${r.model.transform}`);
  lines.push(['Preprocessing', escapeHtml(steps.join('; '))]);
  return lines;
}

function metadataTable(manifest: MapManifest, modelName: string | undefined): string {
  const { plan } = manifest;
  const input = plan.input;
  const rows: [string, string][] = [];
  const scan = input.scanShape.length >= 2 ? `, scan ${input.scanShape.join(' × ')}` : '';
  rows.push([
    'Input',
    `<strong>${escapeHtml(path.basename(input.file))}</strong> (${escapeHtml(input.format)}; ${input.frameCount} frame${input.frameCount === 1 ? '' : 's'}${escapeHtml(scan)}, frames ${input.frameShape[0]} × ${input.frameShape[1]} px)` +
      `${input.datasetPath ? `, dataset ${escapeHtml(input.datasetPath)}` : ''}<br><span class="small">${escapeHtml(input.file)}</span>`,
  ]);
  const m = plan.model;
  rows.push([
    'Model',
    `${modelName ? `<strong>${escapeHtml(modelName)}</strong> · ` : ''}${escapeHtml(path.basename(m.file))} (${escapeHtml(m.architecture)}, output ${escapeHtml(m.target === 'd' ? 'd' : '1 − d')}, sha256 <code>${escapeHtml(m.sha256.slice(0, 12))}</code>)`,
  ]);
  rows.push(...recipeLines(plan));
  const energy = plan.recipe.calibration.beamEnergyKeV ?? manifest.input?.beamEnergyKeV ?? null;
  const camera = plan.recipe.calibration.cameraLengthMm ?? manifest.input?.cameraLengthMm ?? null;
  const scope = [energy !== null ? `${fmtNum(energy)} keV` : null, camera !== null ? `camera length ${fmtNum(camera)} mm` : null].filter((s): s is string => s !== null);
  if (scope.length > 0) rows.push(['Microscope', escapeHtml(scope.join(', '))]);
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function statsTable(stats: DStatistics): string {
  const rows: [string, string][] = [
    ['Mean ± std', `${fmtD(stats.mean)} ± ${fmtD(stats.std)}`],
    ['Median', fmtD(stats.median)],
    ['Quartiles (Q1–Q3)', `${fmtD(stats.q1)} – ${fmtD(stats.q3)}`],
    ['5–95 %', `${fmtD(stats.p5)} – ${fmtD(stats.p95)}`],
    ['Min – max', `${fmtD(stats.min)} – ${fmtD(stats.max)}`],
  ];
  return `<table class="kv stats">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function resultsSection(d: Float32Array, flags: Uint8Array | null, stats: DStatistics | null, summary: Partial<MapSummary> | undefined): string {
  const n = d.length;
  const counts = new Map<string, number>();
  let flagged = 0;
  for (let i = 0; i < n; i++) {
    const code = flags ? (flags[i] as number) : Number.isFinite(d[i] as number) ? 0 : -1;
    if (code === 0) continue;
    const name = code < 0 ? 'unknown' : (FRAME_FLAGS[code] ?? `code ${code}`);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    flagged++;
  }
  const mapped = stats?.count ?? 0;
  const parts = [`<p><strong>${mapped}</strong> of ${n} frames mapped (${n > 0 ? fmtNum((100 * mapped) / n, 3) : '0'} %)`];
  parts.push(
    flagged > 0
      ? `; <strong>${flagged}</strong> flagged: ${[...counts].map(([k, c]) => `${escapeHtml(k)} ${c}`).join(', ')}.`
      : '; none flagged.',
  );
  if (summary?.seconds?.total !== undefined) parts.push(` Mapped in ${fmtNum(summary.seconds.total, 3)} s${summary.preprocessThreads ? ` (${summary.preprocessThreads} preprocessing threads)` : ''}.`);
  parts.push('</p>');
  parts.push(stats ? statsTable(stats) : '<p class="warn">No frames mapped: every frame was flagged, so d has no statistics.</p>');
  return parts.join('');
}

const dataUrl = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;

function colourBar(colour: (t: number) => string, min: number, max: number, width: number, id: string, format: (v: number) => string): string {
  const stops = Array.from({ length: 11 }, (_, k) => `<stop offset="${k * 10}%" stop-color="${colour(k / 10)}"/>`).join('');
  return (
    `<svg class="colourbar" width="${width}" height="30" viewBox="0 0 ${width} 30" xmlns="http://www.w3.org/2000/svg">` +
    `<defs><linearGradient id="${id}">${stops}</linearGradient></defs>` +
    `<rect x="0" y="0" width="${width}" height="12" fill="url(#${id})" stroke="#444" stroke-width="0.5"/>` +
    `<text x="0" y="26" font-size="11">${format(min)}</text><text x="${width}" y="26" font-size="11" text-anchor="end">${format(max)}</text></svg>`
  );
}

function scaleBarSvg(bar: ScaleBar, width: number): string {
  const w = bar.fraction * width;
  return (
    `<svg class="scalebar" width="${width}" height="26" viewBox="0 0 ${width} 26" xmlns="http://www.w3.org/2000/svg">` +
    `<rect x="0" y="2" width="${w.toFixed(1)}" height="5" fill="#000"/><text x="0" y="21" font-size="11">${escapeHtml(bar.label)}</text></svg>`
  );
}

function scanFigures(plan: MapPlan, input: Partial<MicroscopyInfo> | undefined, d: Float32Array, vbf: Float32Array | null, flaggedCount: number): string[] {
  const shape = plan.input.scanShape;
  const cols = shape[shape.length - 1] as number;
  const rows = d.length / cols;
  const factor = Math.max(1, Math.min(Math.ceil(256 / cols), Math.max(1, Math.floor(2048 / rows))));
  const dImage = colourImagePng(d, rows, cols, { colour: interpolateViridis, factor, missing: FLAGGED_GREY });
  const axes = input?.scanAxes ?? [];
  const xAxis = axes[axes.length - 1];
  const bar = xAxis ? scaleBar(xAxis.scale, xAxis.units, cols) : null;
  const shown = Math.min(dImage.width, 320);
  const scale = bar ? scaleBarSvg(bar, shown) : '<p class="small">Scan step not recorded: no scale bar.</p>';
  const figures: string[] = [];
  figures.push(
    `<figure><img class="map" src="${dataUrl(dImage.png)}" width="${shown}" alt="d map">` +
      (dImage.min !== null && dImage.max !== null ? colourBar(interpolateViridis, dImage.min, dImage.max, shown, 'viridis', fmtD) : '') +
      scale +
      `<figcaption>d map, ${rows} × ${cols} scan positions (viridis, min–max)${flaggedCount > 0 ? `; ${flaggedCount} flagged frame${flaggedCount === 1 ? '' : 's'} in grey` : ''}.</figcaption></figure>`,
  );
  if (vbf) {
    const brighter = (t: number): string => interpolateGreys(1 - t);
    const vImage = colourImagePng(vbf, rows, cols, { colour: brighter, factor, missing: FLAGGED_GREY });
    figures.push(
      `<figure><img class="map" src="${dataUrl(vImage.png)}" width="${shown}" alt="virtual bright field">` +
        (vImage.min !== null && vImage.max !== null ? colourBar(brighter, vImage.min, vImage.max, shown, 'greys', (v) => fmtNum(v)) : '') +
        scale +
        `<figcaption>Virtual bright field (k ≤ ${fmtNum(plan.virtualDetectors.brightFieldMaxInvA)} Å⁻¹), same scan.</figcaption></figure>`,
    );
  }
  return figures;
}

function histogramSvg(h: Histogram): string {
  const width = 320;
  const height = 150;
  const left = 34;
  const bottom = 22;
  const plotW = width - left - 8;
  const plotH = height - bottom - 8;
  const top = Math.max(...h.counts, 1);
  const bw = plotW / h.counts.length;
  const bars = h.counts
    .map((c, k) => {
      const bh = (c / top) * plotH;
      return `<rect class="bar" data-count="${c}" x="${(left + k * bw).toFixed(2)}" y="${(8 + plotH - bh).toFixed(2)}" width="${Math.max(0, bw - 1).toFixed(2)}" height="${bh.toFixed(2)}" fill="#3b528b"/>`;
    })
    .join('');
  return (
    `<svg class="histogram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">${bars}` +
    `<line x1="${left}" y1="${8 + plotH}" x2="${left + plotW}" y2="${8 + plotH}" stroke="#000"/><line x1="${left}" y1="8" x2="${left}" y2="${8 + plotH}" stroke="#000"/>` +
    `<text x="${left - 4}" y="16" font-size="10" text-anchor="end">${top}</text><text x="${left - 4}" y="${8 + plotH}" font-size="10" text-anchor="end">0</text>` +
    `<text x="${left}" y="${height - 6}" font-size="10">${fmtD(h.min)}</text><text x="${left + plotW}" y="${height - 6}" font-size="10" text-anchor="end">${fmtD(h.max)}</text>` +
    `<text x="${left + plotW / 2}" y="${height - 6}" font-size="10" text-anchor="middle">d</text></svg>`
  );
}

/** About `count` round ticks (1, 2 or 5 × 10ⁿ apart) covering [min, max]. */
function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  const step = (m > 5 ? 10 : m > 2 ? 5 : m > 1 ? 2 : 1) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function boxPlotSvg(groups: GroupStatistics[]): string {
  const slot = 64;
  const left = 44;
  const top = 8;
  const plotH = 150;
  const width = Math.max(240, left + slot * groups.length + 10);
  const height = top + plotH + 34;
  const values = groups.flatMap((g) => (g.box ? [g.box.whiskerLow, g.box.whiskerHigh, ...g.box.outliers] : []));
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) {
    lo -= 0.05;
    hi += 0.05;
  }
  const pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const y = (v: number): string => (top + plotH - ((v - lo) / (hi - lo)) * plotH).toFixed(2);
  const parts: string[] = [];
  for (const t of niceTicks(lo, hi)) {
    parts.push(`<line x1="${left - 4}" y1="${y(t)}" x2="${left}" y2="${y(t)}" stroke="#000"/><text x="${left - 6}" y="${y(t)}" dy="3" font-size="10" text-anchor="end">${fmtNum(t)}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#000"/><line x1="${left}" y1="${top + plotH}" x2="${width - 10}" y2="${top + plotH}" stroke="#000"/>`);
  parts.push(`<text x="10" y="${top + plotH / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 10 ${top + plotH / 2})">d</text>`);
  groups.forEach((g, k) => {
    const cx = left + slot * (k + 0.5);
    const half = 14;
    const name = g.group === '' ? '(no group)' : g.group;
    const short = name.length > 12 ? `${name.slice(0, 11)}…` : name;
    parts.push(`<text x="${cx}" y="${top + plotH + 14}" font-size="10" text-anchor="middle"><title>${escapeHtml(name)}</title>${escapeHtml(short)}</text>`);
    parts.push(`<text x="${cx}" y="${top + plotH + 27}" font-size="9" text-anchor="middle" fill="#555">n = ${g.stats?.count ?? 0}</text>`);
    const b = g.box;
    if (!b) return;
    parts.push(
      `<line x1="${cx}" y1="${y(b.whiskerLow)}" x2="${cx}" y2="${y(b.q1)}" stroke="#000"/><line x1="${cx}" y1="${y(b.q3)}" x2="${cx}" y2="${y(b.whiskerHigh)}" stroke="#000"/>` +
        `<line x1="${cx - half / 2}" y1="${y(b.whiskerLow)}" x2="${cx + half / 2}" y2="${y(b.whiskerLow)}" stroke="#000"/><line x1="${cx - half / 2}" y1="${y(b.whiskerHigh)}" x2="${cx + half / 2}" y2="${y(b.whiskerHigh)}" stroke="#000"/>` +
        `<rect class="box" x="${cx - half}" y="${y(b.q3)}" width="${2 * half}" height="${Math.max(0, Number(y(b.q1)) - Number(y(b.q3))).toFixed(2)}" fill="#a6cee3" stroke="#000"/>` +
        `<line class="median" x1="${cx - half}" y1="${y(b.median)}" x2="${cx + half}" y2="${y(b.median)}" stroke="#e6550d" stroke-width="2"/>` +
        b.outliers.map((o) => `<circle class="outlier" cx="${cx}" cy="${y(o)}" r="2.5" fill="none" stroke="#000"/>`).join(''),
    );
  });
  return `<svg class="boxplot" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function groupTable(groups: GroupStatistics[]): string {
  const rows = groups
    .map((g) => {
      const s = g.stats;
      const cells = s ? [fmtD(s.mean), fmtD(s.std), fmtD(s.median), fmtD(s.q1), fmtD(s.q3)] : ['—', '—', '—', '—', '—'];
      return `<tr><td>${escapeHtml(g.group === '' ? '(no group)' : g.group)}</td><td class="num">${s?.count ?? 0}${s?.count !== g.frames ? ` of ${g.frames}` : ''}</td>${cells.map((c) => `<td class="num">${c}</td>`).join('')}</tr>`;
    })
    .join('');
  return (
    `<h2>Groups</h2><table class="groups"><thead><tr><th>Group</th><th>n</th><th>Mean</th><th>Std</th><th>Median</th><th>Q1</th><th>Q3</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

const CSS = `
@page { size: A4; margin: 12mm; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Helvetica Neue", Arial, sans-serif; font-size: 10.5pt; color: #111; max-width: 190mm; margin: 1em auto; line-height: 1.35; }
h1 { font-size: 16pt; margin: 0 0 2px; } h2 { font-size: 12pt; margin: 12px 0 4px; border-bottom: 1px solid #ccc; }
.sub, .small, figcaption { color: #555; font-size: 9pt; }
table { border-collapse: collapse; } th, td { padding: 1px 6px; vertical-align: top; text-align: left; }
table.kv th { white-space: nowrap; font-weight: 600; } table.groups th { border-bottom: 1px solid #999; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.figures { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
figure { margin: 4px 0; break-inside: avoid; max-width: 100%; } figcaption { max-width: 330px; } img.map { image-rendering: pixelated; display: block; }
svg { display: block; font-family: inherit; } .warn { color: #a00; font-weight: 600; } code { font-size: 9pt; }
footer { margin-top: 12px; border-top: 1px solid #ccc; color: #555; font-size: 8.5pt; }
`;

/** The report's HTML for the completed map in `dir` (reads map.json, d.npy, flags.npy, vbf.npy and frames.csv). */
export function renderMapReport(dir: string, options: MapReportOptions = {}): string {
  const manifest = readManifest(dir);
  const { plan } = manifest;
  const dFile = readNpy(path.join(dir, MAP_FILES.d));
  if (!(dFile.data instanceof Float32Array)) throw new Error(`${dir}/${MAP_FILES.d} is not float32`);
  const d = dFile.data;
  const flagsPath = path.join(dir, MAP_FILES.flags);
  const flagsData = fs.existsSync(flagsPath) ? readNpy(flagsPath).data : null;
  const flags = flagsData instanceof Uint8Array && flagsData.length === d.length ? flagsData : null;
  const vbfPath = path.join(dir, MAP_FILES.vbf);
  const vbfData = fs.existsSync(vbfPath) ? readNpy(vbfPath).data : null;
  const vbf = vbfData instanceof Float32Array && vbfData.length === d.length ? vbfData : null;
  const stats = mapStatistics(d);
  const flaggedCount = d.length - (stats?.count ?? 0);
  const groups = readGroups(dir, d.length);
  const now = options.now ?? new Date();
  const title = options.title ?? `SSRO map of ${path.basename(plan.input.file)}`;
  const created = manifest.createdAt ? new Date(manifest.createdAt) : null;

  const body: string[] = [];
  body.push(
    `<header><h1>${escapeHtml(title)}</h1><p class="sub">Report made ${escapeHtml(fmtDate(now))}` +
      `${created && !Number.isNaN(created.getTime()) ? `; map made ${escapeHtml(fmtDate(created))}` : ''}.</p></header>`,
  );
  body.push(`<h2>Input, model and preprocessing</h2>${metadataTable(manifest, options.modelName)}`);
  body.push(`<h2>Results</h2>${resultsSection(d, flags, stats, manifest.summary)}`);
  const scan = plan.input.scanShape.length >= 2 && groups === null;
  const figures: string[] = [];
  if (scan && stats) figures.push(...scanFigures(plan, manifest.input, d, vbf, flaggedCount));
  if (groups !== null) {
    const perGroup = groupStatistics(groups, d);
    body.push(groupTable(perGroup));
    if (stats) figures.push(`<figure>${boxPlotSvg(perGroup)}<figcaption>d per group: box Q1–Q3, median line, whiskers to the furthest value within 1.5 IQR, outliers as circles.</figcaption></figure>`);
  }
  const h = histogram(d, 30);
  if (h) figures.push(`<figure>${histogramSvg(h)}<figcaption>Histogram of d over the ${stats?.count ?? 0} mapped frames (30 bins, min to max).</figcaption></figure>`);
  if (figures.length > 0) body.push(`<div class="figures">${figures.join('')}</div>`);

  const listed = [MAP_FILES.d, MAP_FILES.dTiff, MAP_FILES.dCsv, MAP_FILES.frames, MAP_FILES.manifest, MAP_FILES.flags, MAP_FILES.vbf, MAP_FILES.vadf, MAP_FILES.centres].filter((f) => fs.existsSync(path.join(dir, f)));
  body.push(
    `<footer><p>Files in this folder: ${listed.map((f) => `<code>${escapeHtml(f)}</code>`).join(', ')} (d.npy/d.tif/d.csv: d with NaN or empty = flagged; frames.csv: every frame; map.json: everything above).` +
      ` Made by SSRO Studio.</p></footer>`,
  );
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}

/** Writes report.html into the completed map folder `dir` (atomically) and returns its path. */
export function writeMapReport(dir: string, options: MapReportOptions = {}): string {
  const file = path.join(dir, REPORT_FILE);
  writeFileAtomic(file, renderMapReport(dir, options));
  return file;
}
