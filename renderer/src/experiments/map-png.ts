/**
 * The d map as a figure for a paper or a logbook: the map pixel for pixel (scaled without smoothing), its colour bar
 * with end values, and a scale bar from the scan's real-space calibration when the file gives one (else the pixel
 * count is written instead). Drawn on a canvas, returned as a PNG blob.
 */
import type { AxisCalibration } from '../../../main/shared/microscopy';

export interface MapPngInput {
  values: (number | null)[];
  rows: number;
  cols: number;
  range: [number, number];
  colour: (t: number) => string;
  /** The scan's column axis (real space), for the scale bar. */
  axis: AxisCalibration | null;
  title: string;
}

/** A round length (1, 2 or 5 × 10^k) near a fifth of `span`. */
export function niceLength(span: number): number {
  const target = span / 5;
  const p = 10 ** Math.floor(Math.log10(target));
  return [1, 2, 5, 10].map((m) => m * p).reduce((best, v) => (Math.abs(v - target) < Math.abs(best - target) ? v : best), p);
}

export function mapPng(input: MapPngInput): Promise<Blob> {
  const { values, rows, cols, range, colour, axis, title } = input;
  const scale = Math.max(2, Math.floor(600 / Math.max(rows, cols)));
  const width = cols * scale;
  const height = rows * scale;
  const pad = 16;
  const canvas = document.createElement('canvas');
  canvas.width = width + 2 * pad;
  canvas.height = height + 2 * pad + 84;
  const g = canvas.getContext('2d');
  if (!g) return Promise.reject(new Error('this browser cannot draw on a canvas'));
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#1d2430';
  g.font = '13px system-ui, sans-serif';
  g.fillText(title, pad, pad + 2);
  const top = pad + 10;
  const span = range[1] > range[0] ? range[1] - range[0] : 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      g.fillStyle = v == null || !Number.isFinite(v) ? '#9aa3ad' : colour(Math.min(1, Math.max(0, (v - range[0]) / span)));
      g.fillRect(pad + c * scale, top + r * scale, scale, scale);
    }
  }
  // Scale bar, bottom left of the map.
  const barY = top + height + 22;
  g.fillStyle = '#1d2430';
  if (axis && axis.scale !== null && axis.units) {
    const length = niceLength(cols * axis.scale);
    const px = (length / axis.scale) * scale;
    g.fillRect(pad, barY - 4, px, 4);
    g.fillText(`${length} ${axis.units}`, pad, barY + 14);
  } else {
    g.fillText(`${cols} × ${rows} scan positions (no real-space calibration in the file)`, pad, barY + 8);
  }
  // Colour bar on its own line below.
  const cbY = barY + 34;
  const cbW = Math.min(260, width);
  const cbX = pad;
  for (let i = 0; i < cbW; i++) {
    g.fillStyle = colour(i / (cbW - 1));
    g.fillRect(cbX + i, cbY - 10, 1, 12);
  }
  g.fillStyle = '#1d2430';
  g.fillText(range[0].toFixed(3), cbX, cbY + 16);
  const hiText = `${range[1].toFixed(3)}  d`;
  g.fillText(hiText, cbX + cbW - g.measureText(hiText).width, cbY + 16);
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the PNG could not be made'))), 'image/png'));
}
