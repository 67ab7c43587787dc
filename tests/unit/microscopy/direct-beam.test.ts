/**
 * protectDirectBeam (mapping.ts): of the outliers a neighbour-median test finds on the mean frame, a group (a beam or
 * a spot) is signal and a lone pixel is a defect, except a lone pixel at the beam centre (a one-pixel beam).
 */
import { describe, expect, it } from 'vitest';
import { protectDirectBeam } from '../../../native-workers/lib/microscopy/mapping';

function mask(rows: number, cols: number, pixels: [number, number][]): Uint8Array {
  const m = new Uint8Array(rows * cols);
  for (const [r, c] of pixels) m[r * cols + c] = 1;
  return m;
}

function set(m: Uint8Array, cols: number): string[] {
  return Array.from(m, (v, k) => (v ? `${Math.floor(k / cols)},${k % cols}` : '')).filter(Boolean);
}

describe('direct beam versus hot pixels', () => {
  it('keeps a 2 × 2 beam and a two-pixel spot, repairs lone pixels, even next to the beam', () => {
    const bad = mask(16, 16, [[7, 7], [7, 8], [8, 7], [8, 8], [7, 10], [2, 3], [2, 4], [12, 12], [0, 15]]);
    protectDirectBeam(bad, 16, 16, { row: 7.5, col: 7.5 });
    expect(set(bad, 16)).toEqual(['0,15', '7,10', '12,12']);
  });

  it('keeps a one-pixel beam at the centre, not a lone pixel 2 px away', () => {
    const bad = mask(9, 9, [[4, 4], [4, 6]]);
    protectDirectBeam(bad, 9, 9, { row: 4.1, col: 3.9 });
    expect(set(bad, 9)).toEqual(['4,6']);
  });

  it('repairs a hot pixel next to a pixel found dark, but keeps a bright pair', () => {
    // A 7 × 7 frame of 10 with a hot pixel (1e6) at (3, 3) whose upper neighbour (2, 3) reads low (2): both are
    // outliers, but of opposite kinds. A bright pair at (5, 5)–(5, 6) is a spot.
    const frame = new Float32Array(49).fill(10);
    frame[3 * 7 + 3] = 1e6;
    frame[2 * 7 + 3] = 2;
    frame[5 * 7 + 5] = 500;
    frame[5 * 7 + 6] = 400;
    const bad = mask(7, 7, [[3, 3], [2, 3], [5, 5], [5, 6]]);
    protectDirectBeam(bad, 7, 7, { row: 0, col: 0 }, frame);
    expect(set(bad, 7)).toEqual(['2,3', '3,3']);
  });
});
