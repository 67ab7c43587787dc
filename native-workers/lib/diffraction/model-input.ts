/**
 * Raw pattern → model input, for every transform a model can record (main/shared/model-transform.ts says what each
 * one is for). The same formulas are implemented for training in native-workers/train/python/ssro_torch/transforms.py;
 * tests compare the two.
 *
 * All arithmetic is in Float64 with one rounding to Float32. Non-finite and negative intensities are refused (they
 * cannot come from |F|²/N, so they mean a corrupted input); a preprocessed detector frame, which dips below 0 after a
 * dark subtraction, asks for negative values to be read as 0 instead.
 */
import { MODEL_INPUT_TRANSFORM } from '../../../main/shared/diffraction';
import type { ModelInputSpec } from '../../../main/shared/model-transform';

/** The v1 transform's name (older datasets' and exports' provenance records). */
export const MODEL_INPUT = MODEL_INPUT_TRANSFORM;

export interface ModelInputOptions {
  /** Written into when given (side² values). */
  out?: Float32Array;
  /** 1 = no data at this node (outside the detector): left out of every normalisation and set to 0 (annulus-log). */
  invalid?: Uint8Array | null;
  /** Read negative values as 0 (dark-subtracted detector frames) instead of refusing them. */
  clampNegative?: boolean;
}

function checkRaw(raw: ArrayLike<number>, clampNegative: boolean): void {
  for (let k = 0; k < raw.length; k++) {
    const value = raw[k] as number;
    if (!Number.isFinite(value) || (value < 0 && !clampNegative)) throw new Error(`the raw pattern has an invalid intensity ${value} at index ${k}`);
  }
}

/** The output buffer, checked against the pattern's size. */
function outputFor(count: number, out: Float32Array | undefined): Float32Array {
  const result = out ?? new Float32Array(count);
  if (result.length !== count) throw new Error(`the output holds ${result.length} values, the pattern ${count}`);
  return result;
}

/**
 * 'log1-minmax' (v1): L = log(max(I, 1)), then (L − min L) / (max L − min L) over the whole pattern, all zeros when
 * max L = min L. Values below 1 (the dark field between spots; negative ones) all map to log 1 = 0.
 */
export function log1MinMax(raw: ArrayLike<number>, out?: Float32Array, clampNegative = false): Float32Array {
  const count = raw.length;
  const result = outputFor(count, out);
  checkRaw(raw, clampNegative);
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < count; k++) {
    const level = Math.log(Math.max(raw[k] as number, 1));
    if (level < lo) lo = level;
    if (level > hi) hi = level;
  }
  if (!(hi > lo)) return result.fill(0);
  const range = hi - lo;
  for (let k = 0; k < count; k++) result[k] = (Math.log(Math.max(raw[k] as number, 1)) - lo) / range;
  return result;
}

/** 'log1-globalmax': log(max(I, 1)) / G with the recorded constant G, unclipped (as the authors' code). */
export function log1GlobalMax(raw: ArrayLike<number>, globalLogMax: number, out?: Float32Array, clampNegative = false): Float32Array {
  if (!(globalLogMax > 0) || !Number.isFinite(globalLogMax)) throw new Error(`globalLogMax must be a positive number (got ${globalLogMax})`);
  const count = raw.length;
  const result = outputFor(count, out);
  checkRaw(raw, clampNegative);
  for (let k = 0; k < count; k++) result[k] = Math.log(Math.max(raw[k] as number, 1)) / globalLogMax;
  return result;
}

/** Node (row, col) of a side × side grid: squared ring index i² + j² (the centre is (n, n)). */
function ringIndex(row: number, col: number, n: number): number {
  const i = col - n;
  const j = row - n;
  return i * i + j * j;
}

/**
 * 'annulus-log' (v2): A = nodes with beamMask ≤ |K| < kmax that hold data; m = mean of I over A;
 * y = log(1 + I/(c·m)) / log(1 + R/c) clipped to [0, 1] on A, 0 elsewhere; all zeros when A is empty or m ≤ 0.
 * y(k·I) = y(I) for every k > 0: m scales with I. |K| is compared squared (Δk²·(i² + j²)) so the masks are exact.
 */
export function annulusLog(
  raw: ArrayLike<number>,
  spec: { side: number; kmaxInvA: number; deltaKInvA: number; beamMaskInvA: number; floorRatio: number; ceilingRatio: number },
  options: ModelInputOptions = {},
): Float32Array {
  const { side, kmaxInvA, deltaKInvA, beamMaskInvA, floorRatio, ceilingRatio } = spec;
  const count = side * side;
  if (raw.length !== count) throw new Error(`the raw pattern holds ${raw.length} values, a ${side}×${side} pattern ${count}`);
  const invalid = options.invalid ?? null;
  if (invalid !== null && invalid.length !== count) throw new Error(`the validity mask holds ${invalid.length} values, the pattern ${count}`);
  const result = outputFor(count, options.out);
  checkRaw(raw, options.clampNegative ?? false);
  const n = (side - 1) / 2;
  const dk2 = deltaKInvA * deltaKInvA;
  const inner = beamMaskInvA * beamMaskInvA;
  const outer = kmaxInvA * kmaxInvA;
  const inside = (row: number, col: number): boolean => {
    const k2 = dk2 * ringIndex(row, col, n);
    return k2 >= inner && k2 < outer && (invalid === null || invalid[row * side + col] === 0);
  };
  let sum = 0;
  let nodes = 0;
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      if (!inside(row, col)) continue;
      sum += Math.max(raw[row * side + col] as number, 0);
      nodes += 1;
    }
  }
  const mean = nodes > 0 ? sum / nodes : 0;
  if (!(mean > 0)) return result.fill(0);
  const scale = floorRatio * mean;
  const top = Math.log1p(ceilingRatio / floorRatio);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const at = row * side + col;
      if (!inside(row, col)) {
        result[at] = 0;
        continue;
      }
      const y = Math.log1p(Math.max(raw[at] as number, 0) / scale) / top;
      result[at] = y > 1 ? 1 : y;
    }
  }
  return result;
}

/**
 * The model input of one raw pattern for a model's recorded transform and grid (side × side, row-major).
 * `invalid` marks nodes without data (experimental frames that do not reach kmax); only annulus-log can leave them
 * out of its normalisation, the v1 transforms read them as zeros as they always did.
 */
export function modelInputFor(raw: ArrayLike<number>, spec: ModelInputSpec, options: ModelInputOptions = {}): Float32Array {
  const count = spec.side * spec.side;
  if (raw.length !== count) throw new Error(`the raw pattern holds ${raw.length} values, the model's ${spec.side}×${spec.side} input ${count}`);
  switch (spec.transform) {
    case 'log1-minmax':
      return log1MinMax(raw, options.out, options.clampNegative ?? false);
    case 'log1-globalmax':
      return log1GlobalMax(raw, spec.globalLogMax, options.out, options.clampNegative ?? false);
    case 'annulus-log': {
      if (spec.kmaxInvA === null || spec.deltaKInvA === null) throw new Error('the annulus-log transform needs the k-grid (kmax and Δk)');
      return annulusLog(raw, { ...spec, kmaxInvA: spec.kmaxInvA, deltaKInvA: spec.deltaKInvA }, options);
    }
  }
}

/**
 * The v1 transform of a pattern of any layout (kept for the dataset export format and its callers, which record
 * MODEL_INPUT as the transform that made their files).
 */
export function modelInput(raw: ArrayLike<number>, out?: Float32Array): Float32Array {
  return log1MinMax(raw, out);
}
