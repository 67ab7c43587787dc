/**
 * A calibrated frame onto the model's k-grid (DESIGN.md "Kinematic NBED pattern"): side = 2·floor(kmax/Δk) + 1,
 * node (i, j) with i, j ∈ [−n, n] at K = Δk·(i·u + j·v), image row = j + n (along v, row 0 = most negative v),
 * column = i + n (along u); nodes with |K| ≥ kmax are 0.
 *
 * The detector's column axis is taken as u and its row axis as v (rows growing downwards, as the file stores
 * them), so the model grid is the detector image re-gridded without rotation or mirror: node (i, j) reads the
 * detector at (row, col) = (centre.row + j·f, centre.col + i·f), f = Δk / (Å⁻¹ per detector pixel) = the model
 * pixel in detector pixels.
 *
 * - f ≤ 1 (the model pixel is not larger than the detector's): bilinear interpolation.
 * - f > 1: area average (box filter) of the detector over the model pixel's square [x ± f/2] × [y ± f/2], each
 *   detector pixel (a unit square about its centre) weighted by its overlap, so downsampling cannot alias. At f = 1
 *   the box average is exactly the bilinear interpolation, so the two regimes join continuously.
 *
 * Nodes whose centre falls outside the detector (|x − centre| beyond its pixel area) are 0 and counted in
 * `outsideFraction` (of the nodes inside kmax); masked pixels (1 = ignore) are left out of the weights, and a node
 * with no unmasked source is 0 and counted in `maskedFraction`.
 */
import type { PatternGridParams } from '../../../../main/shared/diffraction';
import { checkedPatternSide, insideKmax } from '../../diffraction/pattern-grid';
import type { BeamCentre } from './centre';

export interface ResampleOptions {
  mask?: Uint8Array | null;
  /** Output side² values (reused between frames). */
  out?: Float32Array;
}

export interface ResampleResult {
  image: Float32Array;
  side: number;
  /** Model pixel size in detector pixels (f = Δk / Å⁻¹ per px). */
  modelPixelInDetectorPx: number;
  mode: 'bilinear' | 'area';
  /** Nodes inside kmax whose centre lies outside the detector, over all nodes inside kmax. */
  outsideFraction: number;
  /** Nodes inside kmax (and on the detector) whose sources are all masked, over all nodes inside kmax. */
  maskedFraction: number;
}

/**
 * Overlap of the interval [a, b] with each unit pixel [p − 0.5, p + 0.5], p ∈ [0, count): fills starts[t],
 * the first pixel, and weights[t·stride …] for up to `stride` pixels.
 */
function boxWeights(centres: Float64Array, width: number, count: number, stride: number): { starts: Int32Array; lengths: Int32Array; weights: Float64Array } {
  const nodes = centres.length;
  const starts = new Int32Array(nodes);
  const lengths = new Int32Array(nodes);
  const weights = new Float64Array(nodes * stride);
  for (let t = 0; t < nodes; t++) {
    const a = Math.max(centres[t]! - width / 2, -0.5);
    const b = Math.min(centres[t]! + width / 2, count - 0.5);
    if (!(b > a)) continue;
    const first = Math.max(0, Math.round(a));
    const last = Math.min(count - 1, Math.round(b));
    let length = 0;
    for (let p = first; p <= last && length < stride; p++) {
      const overlap = Math.min(b, p + 0.5) - Math.max(a, p - 0.5);
      if (overlap <= 0) {
        if (length === 0) continue;
        break;
      }
      if (length === 0) starts[t] = p;
      weights[t * stride + length] = overlap;
      length += 1;
    }
    lengths[t] = length;
  }
  return { starts, lengths, weights };
}

export function resampleToModelGrid(
  frame: ArrayLike<number>,
  rows: number,
  cols: number,
  centre: BeamCentre,
  invAPerPixel: number,
  grid: PatternGridParams,
  options: ResampleOptions = {},
): ResampleResult {
  if (frame.length !== rows * cols) throw new Error(`the frame holds ${frame.length} values, but ${rows} × ${cols} = ${rows * cols}`);
  if (!Number.isFinite(invAPerPixel) || invAPerPixel <= 0) throw new Error(`the pixel size must be a positive number of Å⁻¹ per pixel, got ${invAPerPixel}`);
  if (!Number.isFinite(centre.row) || !Number.isFinite(centre.col)) throw new Error(`the centre (${centre.row}, ${centre.col}) is not finite`);
  const mask = options.mask ?? null;
  if (mask && mask.length !== rows * cols) throw new Error(`the mask holds ${mask.length} values, the frame ${rows * cols}`);
  const side = checkedPatternSide(grid);
  const n = (side - 1) / 2;
  const image = options.out ?? new Float32Array(side * side);
  if (image.length !== side * side) throw new Error(`the output holds ${image.length} values, the model grid ${side} × ${side}`);
  image.fill(0);

  const f = grid.deltaKInvA / invAPerPixel;
  const xs = new Float64Array(side);
  const ys = new Float64Array(side);
  for (let t = 0; t < side; t++) {
    xs[t] = centre.col + (t - n) * f;
    ys[t] = centre.row + (t - n) * f;
  }
  const onDetector = (value: number, count: number): boolean => value >= -0.5 && value <= count - 0.5;
  const mode: ResampleResult['mode'] = f > 1 ? 'area' : 'bilinear';
  const stride = Math.ceil(f) + 2;
  const colBoxes = mode === 'area' ? boxWeights(xs, f, cols, stride) : null;
  const rowBoxes = mode === 'area' ? boxWeights(ys, f, rows, stride) : null;

  let inside = 0;
  let outside = 0;
  let masked = 0;
  for (let row = 0; row < side; row++) {
    const j = row - n;
    const y = ys[row]!;
    for (let col = 0; col < side; col++) {
      const i = col - n;
      if (!insideKmax(i * i + j * j, grid)) continue;
      inside += 1;
      const x = xs[col]!;
      if (!onDetector(x, cols) || !onDetector(y, rows)) {
        outside += 1;
        continue;
      }
      let sum = 0;
      let weight = 0;
      if (colBoxes && rowBoxes) {
        const rStart = rowBoxes.starts[row]!;
        const rLength = rowBoxes.lengths[row]!;
        const cStart = colBoxes.starts[col]!;
        const cLength = colBoxes.lengths[col]!;
        for (let a = 0; a < rLength; a++) {
          const wy = rowBoxes.weights[row * stride + a]!;
          const base = (rStart + a) * cols + cStart;
          for (let b = 0; b < cLength; b++) {
            if (mask && mask[base + b]) continue;
            const w = wy * colBoxes.weights[col * stride + b]!;
            sum += w * (frame[base + b] as number);
            weight += w;
          }
        }
      } else {
        // Bilinear; the half-pixel margin at the edges repeats the edge pixel.
        const yc = Math.min(Math.max(y, 0), rows - 1);
        const xc = Math.min(Math.max(x, 0), cols - 1);
        const r0 = Math.min(Math.floor(yc), Math.max(rows - 2, 0));
        const c0 = Math.min(Math.floor(xc), Math.max(cols - 2, 0));
        const r1 = Math.min(r0 + 1, rows - 1);
        const c1 = Math.min(c0 + 1, cols - 1);
        const fy = yc - r0;
        const fx = xc - c0;
        const k00 = r0 * cols + c0;
        const k01 = r0 * cols + c1;
        const k10 = r1 * cols + c0;
        const k11 = r1 * cols + c1;
        const w00 = (1 - fy) * (1 - fx);
        const w01 = (1 - fy) * fx;
        const w10 = fy * (1 - fx);
        const w11 = fy * fx;
        if (w00 > 0 && !(mask && mask[k00])) {
          sum += w00 * (frame[k00] as number);
          weight += w00;
        }
        if (w01 > 0 && !(mask && mask[k01])) {
          sum += w01 * (frame[k01] as number);
          weight += w01;
        }
        if (w10 > 0 && !(mask && mask[k10])) {
          sum += w10 * (frame[k10] as number);
          weight += w10;
        }
        if (w11 > 0 && !(mask && mask[k11])) {
          sum += w11 * (frame[k11] as number);
          weight += w11;
        }
      }
      if (weight > 0) image[row * side + col] = sum / weight;
      else masked += 1;
    }
  }
  return {
    image,
    side,
    modelPixelInDetectorPx: f,
    mode,
    outsideFraction: inside > 0 ? outside / inside : 0,
    maskedFraction: inside > 0 ? masked / inside : 0,
  };
}
