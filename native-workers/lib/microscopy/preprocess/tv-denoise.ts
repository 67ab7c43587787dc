/**
 * Total-variation denoising by Chambolle's projection algorithm (A. Chambolle, J. Math. Imag. Vision 20 (2004)
 * 89–97), written to give what scikit-image gives: `skimage.restoration.denoise_tv_chambolle(image, weight, eps,
 * max_num_iter)` for a 2D grey image, i.e. its `_denoise_tv_chambolle_nd` (scikit-image 0.19, Debian
 * python3-skimage) step for step — the same dual variable p, the same forward differences, the same cost E and the
 * same stopping rule |E_(n−1) − E_n| < eps·E_0 — so that the paper's setting (papers/000 Fig. 10: weight 0.1,
 * ε = 2e-4, at most 200 iterations) means the same thing here.
 *
 * Precision: the computation runs in float64, as scikit-image does for float64 and integer images (integers go
 * through img_as_float first: see `imgAsFloat`). scikit-image keeps float32 images in float32; our float64 result
 * differs from that by float32 rounding only (tests/integration/tv-denoise-vs-skimage.test.ts measures it).
 *
 * Allocation: every iteration works in place in a workspace (p along rows and columns, two estimates, the input in
 * float64); pass one workspace to denoise many frames of one size without allocating.
 */
import type { StoredDtype } from '../frame-source';

export interface TvDenoiseOptions {
  /** Denoising weight λ, in the units of the image values (scikit-image's `weight`; paper 0.1). */
  weight?: number;
  /** Stop when the cost changes by less than eps·E_0 between iterations (scikit-image's `eps`; paper 2e-4). */
  eps?: number;
  /** At most this many iterations (scikit-image's `max_num_iter`; paper 200). */
  maxIterations?: number;
}

export const TV_DEFAULTS = { weight: 0.1, eps: 2e-4, maxIterations: 200 } as const;

/** Reusable buffers for one image size (rows·cols values each). */
export interface TvWorkspace {
  readonly size: number;
  /** Dual variable, component along rows (axis 0). */
  readonly p0: Float64Array;
  /** Dual variable, component along columns (axis 1). */
  readonly p1: Float64Array;
  /** The current estimate (scikit-image's `out`). */
  readonly estimate: Float64Array;
  /** The estimate of the previous iteration (what scikit-image returns when it stops). */
  readonly previous: Float64Array;
  /** The input image in float64. */
  readonly source: Float64Array;
}

export function createTvWorkspace(size: number): TvWorkspace {
  if (!Number.isInteger(size) || size < 1) throw new Error(`a TV workspace needs a positive pixel count, got ${size}`);
  const buffer = (): Float64Array => new Float64Array(size);
  return { size, p0: buffer(), p1: buffer(), estimate: buffer(), previous: buffer(), source: buffer() };
}

export interface TvDenoiseResult<T extends Float32Array | Float64Array> {
  image: T;
  /**
   * Passes of the main loop: the index of the iteration that met the stopping rule plus one, or maxIterations when
   * it never did (scikit-image's loop counter `i` at exit, counting the breaking pass).
   */
  iterations: number;
  /** The cost E of the returned estimate (scikit-image's E: (Σ d² + weight·Σ|∇out|) / size). */
  energy: number;
}

function checkOptions(options: TvDenoiseOptions): Required<TvDenoiseOptions> {
  const weight = options.weight ?? TV_DEFAULTS.weight;
  const eps = options.eps ?? TV_DEFAULTS.eps;
  const maxIterations = options.maxIterations ?? TV_DEFAULTS.maxIterations;
  if (!Number.isFinite(weight) || weight <= 0) throw new Error(`the TV weight must be a positive number, got ${weight}`);
  if (!Number.isFinite(eps) || eps < 0) throw new Error(`the TV stopping tolerance eps must be ≥ 0, got ${eps}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new Error(`the TV iteration limit must be a positive integer, got ${maxIterations}`);
  return { weight, eps, maxIterations };
}

/**
 * Denoises a rows × cols row-major image. Writes into `out` when given (Float32Array or Float64Array; it may be the
 * input itself), else returns a new Float64Array. Non-finite values are refused (they would spread everywhere).
 */
export function denoiseTvChambolle(
  image: ArrayLike<number>,
  rows: number,
  cols: number,
  options?: TvDenoiseOptions & { workspace?: TvWorkspace },
): TvDenoiseResult<Float64Array>;
export function denoiseTvChambolle<T extends Float32Array | Float64Array>(
  image: ArrayLike<number>,
  rows: number,
  cols: number,
  options: TvDenoiseOptions & { workspace?: TvWorkspace; out: T },
): TvDenoiseResult<T>;
export function denoiseTvChambolle(
  image: ArrayLike<number>,
  rows: number,
  cols: number,
  options: TvDenoiseOptions & { workspace?: TvWorkspace; out?: Float32Array | Float64Array } = {},
): TvDenoiseResult<Float32Array | Float64Array> {
  const { weight, eps, maxIterations } = checkOptions(options);
  const size = rows * cols;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new Error(`the image shape must be positive integers, got ${rows} × ${cols}`);
  if (image.length !== size) throw new Error(`the image holds ${image.length} values, but ${rows} × ${cols} = ${size}`);
  const workspace = options.workspace ?? createTvWorkspace(size);
  if (workspace.size !== size) throw new Error(`the TV workspace is for ${workspace.size} pixels, the image has ${size}`);
  const out = options.out ?? new Float64Array(size);
  if (out.length !== size) throw new Error(`the output holds ${out.length} values, the image ${size}`);

  const { p0, p1, estimate, previous, source } = workspace;
  for (let k = 0; k < size; k++) {
    const value = image[k] as number;
    if (!Number.isFinite(value)) throw new Error(`the image has a non-finite value ${value} at pixel ${k} (row ${Math.floor(k / cols)}, column ${k % cols})`);
    source[k] = value;
    estimate[k] = value;
  }
  p0.fill(0);
  p1.fill(0);

  // tau = 1/(2·ndim) for a 2D image; scikit-image scales the gradient norm by tau/weight, then adds 1.
  const tau = 1 / (2 * 2);
  const normScale = tau / weight;
  let energyInit = 0;
  let energyPrevious = 0;
  let energy = 0;
  // Σ d² of the current estimate (0 for the first, which is the image itself).
  let dSquared = 0;
  let i = 0;
  while (i < maxIterations) {
    // One pass does scikit-image's iteration i and the first half of iteration i + 1, pixel by pixel in row-major
    // order (same operations, same order, so the same roundings):
    //   g = forward differences of out_i (0 on the last row / column); p ← (p − tau·g) / (1 + (tau/weight)·|g|);
    //   then d = −div p as scikit-image builds it: d = −(p0 + p1); d[1:, :] += p0[:−1, :]; d[:, 1:] += p1[:, :−1];
    //   out_(i+1) = image + d.
    // Pixel k's new d needs p at k, k − 1 and k − cols, all updated by then; its old value out_i[k] is needed only by
    // the gradients at k − 1 and k − cols, already done. out_i is kept in `previous`: it is what an exit returns.
    let normSum = 0;
    let dSquaredNext = 0;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      const below = r < rows - 1;
      for (let c = 0; c < cols; c++) {
        const k = base + c;
        const here = estimate[k]!;
        const g0 = below ? estimate[k + cols]! - here : 0;
        const g1 = c < cols - 1 ? estimate[k + 1]! - here : 0;
        const norm = Math.sqrt(g0 * g0 + g1 * g1);
        normSum += norm;
        const denominator = norm * normScale + 1;
        const q0 = (p0[k]! - tau * g0) / denominator;
        const q1 = (p1[k]! - tau * g1) / denominator;
        p0[k] = q0;
        p1[k] = q1;
        previous[k] = here;
        let d = -(q0 + q1);
        if (r > 0) d += p0[k - cols]!;
        if (c > 0) d += p1[k - 1]!;
        estimate[k] = source[k]! + d;
        dSquaredNext += d * d;
      }
    }
    energy = (dSquared + weight * normSum) / size;
    dSquared = dSquaredNext;
    if (i === 0) {
      energyInit = energy;
      energyPrevious = energy;
    } else if (Math.abs(energyPrevious - energy) < eps * energyInit) {
      i += 1;
      break;
    } else {
      energyPrevious = energy;
    }
    i += 1;
  }
  for (let k = 0; k < size; k++) out[k] = previous[k]!;
  return { image: out, iterations: i, energy };
}

/** The largest value of an integer dtype as NumPy stores it (packed formats widen to the next NumPy container). */
const INTEGER_MAX: Partial<Record<StoredDtype, { max: number; signed: boolean }>> = {
  uint1: { max: 255, signed: false },
  uint6: { max: 255, signed: false },
  uint8: { max: 255, signed: false },
  int8: { max: 127, signed: true },
  uint12: { max: 65535, signed: false },
  uint16: { max: 65535, signed: false },
  int16: { max: 32767, signed: true },
  uint24: { max: 4294967295, signed: false },
  uint32: { max: 4294967295, signed: false },
  int32: { max: 2147483647, signed: true },
  uint64: { max: 18446744073709551615, signed: false },
  int64: { max: 9223372036854775807, signed: true },
};

/**
 * scikit-image's `img_as_float` for values stored as `dtype` (denoise_tv_chambolle applies it to every non-float
 * image): unsigned x → x·(1/max); signed x → max(x·(1/max), −1); bool → 0/1; floats unchanged. The product is
 * computed in float64 (skimage/util/dtype.py `_convert` picks the output type float64 as the computation type).
 * Packed detector dtypes (uint1, uint6, uint12, uint24) are scaled by the maximum of the NumPy container they are
 * read into (uint8/16/32), as HyperSpy hands them to scikit-image.
 */
export function imgAsFloat(values: ArrayLike<number>, dtype: StoredDtype, out?: Float64Array): Float64Array {
  const result = out ?? new Float64Array(values.length);
  if (result.length !== values.length) throw new Error(`the output holds ${result.length} values, the input ${values.length}`);
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'bool') {
    for (let k = 0; k < values.length; k++) result[k] = values[k] as number;
    return result;
  }
  const spec = INTEGER_MAX[dtype];
  if (spec === undefined) throw new Error(`scikit-image has no float conversion for ${dtype} images`);
  const factor = 1 / spec.max;
  for (let k = 0; k < values.length; k++) {
    const y = (values[k] as number) * factor;
    result[k] = spec.signed && y < -1 ? -1 : y;
  }
  return result;
}
