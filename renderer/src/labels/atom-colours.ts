/**
 * Per-atom RGB arrays (0…1 floats, NGL's buffer layout) from label values: continuous values through a perceptual
 * colormap lookup table, class codes through fixed class colours. Pure functions, fast at 10⁶ atoms.
 */
import { interpolateCividis, interpolateViridis } from 'd3-scale-chromatic';
import type { PerAtomValues } from '../../../main/shared/binary-codecs';
import type { LabelProperty } from '../../../main/shared/labels';
import { categoryColour, categoryLabel, FLAGGED_CODE, FLAGGED_COLOUR, MISSING_COLOUR } from './label-properties';

export type ColormapName = 'viridis' | 'cividis';

const INTERPOLATORS: Record<ColormapName, (t: number) => string> = {
  viridis: interpolateViridis,
  cividis: interpolateCividis,
};

const LUT_SIZE = 256;
const luts = new Map<ColormapName, Float32Array>();

/** The colormap sampled at 256 points as RGB floats (one lookup per atom instead of a string parse). */
export function colormapLut(name: ColormapName): Float32Array {
  let lut = luts.get(name);
  if (lut) return lut;
  lut = new Float32Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const [r, g, b] = cssToRgb(INTERPOLATORS[name](i / (LUT_SIZE - 1)));
    lut[3 * i] = r;
    lut[3 * i + 1] = g;
    lut[3 * i + 2] = b;
  }
  luts.set(name, lut);
  return lut;
}

/** CSS colour of the colormap at t ∈ [0, 1]. */
export function colormapCss(name: ColormapName, t: number): string {
  return INTERPOLATORS[name](Math.min(1, Math.max(0, t)));
}

/** A CSS linear-gradient of the colormap, left = low. */
export function colormapGradient(name: ColormapName, stops = 16): string {
  const parts: string[] = [];
  for (let i = 0; i <= stops; i++) parts.push(`${colormapCss(name, i / stops)} ${((100 * i) / stops).toFixed(1)}%`);
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/** Values below min take the low end, above max the high end; NaN (no value) is grey. */
export function continuousColours(values: Float32Array, min: number, max: number, colormap: ColormapName): Float32Array {
  const lut = colormapLut(colormap);
  const out = new Float32Array(values.length * 3);
  const span = max > min ? max - min : 1;
  const scale = (LUT_SIZE - 1) / span;
  const [mr, mg, mb] = cssToRgb(MISSING_COLOUR);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      out[3 * i] = mr;
      out[3 * i + 1] = mg;
      out[3 * i + 2] = mb;
      continue;
    }
    let k = Math.round((v - min) * scale);
    if (k < 0) k = 0;
    else if (k > LUT_SIZE - 1) k = LUT_SIZE - 1;
    out[3 * i] = lut[3 * k] as number;
    out[3 * i + 1] = lut[3 * k + 1] as number;
    out[3 * i + 2] = lut[3 * k + 2] as number;
  }
  return out;
}

export interface CategoryEntry {
  /** The stored code (255 = flagged). */
  code: number;
  name: string;
  label: string;
  colour: string;
  count: number;
}

/** The classes of a categorical property with their colours and atom counts (flagged last, only when present). */
export function categoryEntries(property: LabelProperty, data: PerAtomValues): CategoryEntry[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < data.values.length; i++) {
    const code = data.values[i] as number;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  const entries: CategoryEntry[] = data.categories.map((name, code) => ({
    code,
    name,
    label: categoryLabel(name),
    colour: categoryColour(property, name, code),
    count: counts.get(code) ?? 0,
  }));
  const flagged = counts.get(FLAGGED_CODE) ?? 0;
  if (flagged > 0) entries.push({ code: FLAGGED_CODE, name: 'flagged', label: 'flagged', colour: FLAGGED_COLOUR, count: flagged });
  return entries;
}

export function categoricalColours(values: Float32Array, entries: readonly CategoryEntry[]): Float32Array {
  const table = new Float32Array(256 * 3);
  const [mr, mg, mb] = cssToRgb(MISSING_COLOUR);
  for (let c = 0; c < 256; c++) table.set([mr, mg, mb], 3 * c);
  for (const e of entries) if (e.code >= 0 && e.code < 256) table.set(cssToRgb(e.colour), 3 * e.code);
  const out = new Float32Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const code = (values[i] as number) & 255;
    out[3 * i] = table[3 * code] as number;
    out[3 * i + 1] = table[3 * code + 1] as number;
    out[3 * i + 2] = table[3 * code + 2] as number;
  }
  return out;
}

/** [min, max] over the finite values, or null when there are none. */
export function finiteRange(values: Float32Array): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
}

/** '#66ff66', 'rgb(68, 1, 84)' → [r, g, b] in 0…1. */
export function cssToRgb(css: string): [number, number, number] {
  const hex = /^#([0-9a-f]{6})$/i.exec(css);
  if (hex) {
    const n = parseInt(hex[1] ?? '0', 16);
    return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
  }
  const rgb = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/i.exec(css);
  if (rgb) return [Number(rgb[1]) / 255, Number(rgb[2]) / 255, Number(rgb[3]) / 255];
  return [0.5, 0.5, 0.5];
}
