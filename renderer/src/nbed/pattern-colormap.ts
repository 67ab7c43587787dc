/**
 * Colormaps for diffraction patterns: perceptual inferno and magma (dark = weak, as on a detector), and grey.
 * Precomputed as 256-entry RGB tables so drawing a 133² pattern is a lookup per pixel.
 */
import { interpolateInferno, interpolateMagma } from 'd3-scale-chromatic';

export type PatternColormap = 'inferno' | 'magma' | 'grey';

export const PATTERN_COLORMAPS: ReadonlyArray<{ id: PatternColormap; label: string }> = [
  { id: 'inferno', label: 'Inferno' },
  { id: 'magma', label: 'Magma' },
  { id: 'grey', label: 'Grey' },
];

const tables = new Map<PatternColormap, Uint8ClampedArray>();

function parseCss(colour: string): [number, number, number] {
  const rgb = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(colour);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  const hex = /^#([0-9a-f]{6})$/i.exec(colour);
  if (hex) {
    const v = parseInt(hex[1] ?? '0', 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  return [255, 0, 255];
}

/** RGB triples for t = 0 … 1 in 256 steps. */
export function colormapTable(map: PatternColormap): Uint8ClampedArray {
  const cached = tables.get(map);
  if (cached) return cached;
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const [r, g, b] = map === 'grey' ? [i, i, i] : parseCss(map === 'inferno' ? interpolateInferno(t) : interpolateMagma(t));
    table[3 * i] = r;
    table[3 * i + 1] = g;
    table[3 * i + 2] = b;
  }
  tables.set(map, table);
  return table;
}

/**
 * Fills RGBA pixels of a side × side image from values in [0, 1] stored with row 0 = most negative v. Canvas row 0
 * is the top, so rows are flipped: +v points up on screen, as in the k-axes drawn around it.
 */
export function patternPixels(values: Float32Array, side: number, map: PatternColormap): ImageData {
  const table = colormapTable(map);
  const image = new ImageData(side, side);
  const px = image.data;
  for (let row = 0; row < side; row++) {
    const screenRow = side - 1 - row;
    for (let col = 0; col < side; col++) {
      const t = values[row * side + col] ?? 0;
      const k = Math.max(0, Math.min(255, Math.round(t * 255)));
      const o = 4 * (screenRow * side + col);
      px[o] = table[3 * k] ?? 0;
      px[o + 1] = table[3 * k + 1] ?? 0;
      px[o + 2] = table[3 * k + 2] ?? 0;
      px[o + 3] = 255;
    }
  }
  return image;
}
