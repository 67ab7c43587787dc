/**
 * A faster solver for the problem denoiseTvChambolle (tv-denoise.ts) approximates: the ROF minimiser
 *
 *   u* = argmin_u ½‖u − f‖² + λ·Σ_pixels |∇u|,   ∇ = forward differences along rows and columns, 0 on the last row
 *                                                  / column (Neumann boundary), |·| the Euclidean norm (isotropic TV)
 *
 * — scikit-image's discretisation (its `_denoise_tv_chambolle_nd` converges to this u*, the fixed point of its
 * iteration p ← (p − τ∇u)/(1 + τ|∇u|/λ), u = f − ∇ᵀp).
 *
 * Method: FISTA on the dual (A. Beck, M. Teboulle, "Fast gradient-based algorithms for constrained total variation
 * image denoising and deblurring problems", IEEE Trans. Image Process. 18 (2009) 2419–2434):
 *   min_{|p_i| ≤ λ} ½‖f − ∇ᵀp‖²,  u = f − ∇ᵀp,  step 1/8 (‖∇‖² ≤ 8),
 * with the gradient restart of B. O'Donoghue, E. Candès, "Adaptive restart for accelerated gradient schemes",
 * Found. Comput. Math. 15 (2015) 715–732, and started coarse to fine: the dual of the problem on the 2 × 2-averaged
 * image (weight λ/2, the TV of a piecewise-constant image halving with the pixel count per side) is solved first and
 * interpolated to the fine grid. First-order methods remove fine-scale error quickly and the large flat regions of a
 * TV solution (whose levels depend on the whole region) slowly; the coarse levels deal with the latter at a quarter
 * of the cost per level.
 *
 * Stopping rule: the primal–dual gap G(p) = Σ_i (λ|∇u|_i − ⟨∇u_i, p_i⟩) of a feasible p with u = f − ∇ᵀp bounds the
 * distance to the exact minimiser: ‖u − u*‖₂² ≤ G (½‖u − u*‖² from the 1-strong convexity of the primal, and the
 * same again from the dual's quadratic: see the derivation at gapBound). The solver stops once
 * √(G / size) ≤ tolerance · range (range = max f − min f): the root-mean-square distance to u* is then certified to
 * be at most tolerance·range. The largest pixel distance is not certified by it (‖·‖_∞ ≤ ‖·‖₂ only), but on
 * diffraction frames it stays well below the RMS bound times √size: tests/unit/microscopy/tv-fast.test.ts measures
 * it against u* computed to 1e-9.
 *
 * The image is solved as (f − min)/range with weight λ/range and mapped back, so the result is equivariant under
 * f → a·f + b, λ → a·λ up to rounding, and the tolerance means the same for every frame.
 *
 * Written by hand (no library): the per-frame cost of a map is dominated by this loop, and fused passes over typed
 * arrays are what makes it cheap.
 */

export interface TvFastOptions {
  /** λ, in the units of the image values (scikit-image's `weight`). */
  weight?: number;
  /** Stop when the certified RMS distance to u* is ≤ tolerance × (max − min) of the image. */
  tolerance?: number;
  /** At most this many iterations on the finest grid (coarse grids: at most this many each). */
  maxIterations?: number;
}

export const TV_FAST_DEFAULTS = { weight: 0.1, tolerance: 1e-4, maxIterations: 1000 } as const;

/** Coarse levels stop at this side (pixels); a level is coarsened only while both sides are even. */
const MIN_SIDE = 16;
/** At most this many iterations on each coarse level (they only give the finest a start). */
const COARSE_ITERATIONS = 300;
/** The gap is evaluated every this many iterations (it costs one extra pass). */
const CHECK_EVERY = 10;

interface Level {
  rows: number;
  cols: number;
  size: number;
  /** The (normalised, restricted) image. */
  f: Float64Array;
  u: Float64Array;
  /** Dual iterate p_k (feasible), extrapolated point q, new iterate n. */
  p0: Float64Array;
  p1: Float64Array;
  q0: Float64Array;
  q1: Float64Array;
  n0: Float64Array;
  n1: Float64Array;
}

/** Buffers for one image size, all levels (reuse across frames of one size). */
export interface TvFastWorkspace {
  readonly rows: number;
  readonly cols: number;
  readonly levels: readonly Level[];
}

export function createTvFastWorkspace(rows: number, cols: number): TvFastWorkspace {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new Error(`the image shape must be positive integers, got ${rows} × ${cols}`);
  const levels: Level[] = [];
  let r = rows;
  let c = cols;
  for (;;) {
    const size = r * c;
    const buffer = (): Float64Array => new Float64Array(size);
    levels.push({ rows: r, cols: c, size, f: buffer(), u: buffer(), p0: buffer(), p1: buffer(), q0: buffer(), q1: buffer(), n0: buffer(), n1: buffer() });
    if (r % 2 !== 0 || c % 2 !== 0 || r / 2 < MIN_SIDE || c / 2 < MIN_SIDE) break;
    r /= 2;
    c /= 2;
  }
  return { rows, cols, levels };
}

export interface TvFastResult<T extends Float32Array | Float64Array> {
  image: T;
  /** Iterations on the finest grid. */
  iterations: number;
  /** Certified bound on the RMS distance to u* (image units): √(gap / size). */
  rmsBound: number;
  /** Whether the tolerance was met (false: maxIterations ran out first). */
  converged: boolean;
}

/**
 * u = f − ∇ᵀp for one level. ∇ᵀ is minus the backward-difference divergence: (∇ᵀp)_k = p0[k − cols] − p0[k] +
 * p1[k − 1] − p1[k], absent terms 0 (p is 0 on the last row / column, where ∇ is 0).
 */
function primalOf(level: Level, p0: Float64Array, p1: Float64Array): void {
  const { rows, cols, f, u } = level;
  for (let c = 0; c < cols; c++) u[c] = f[c]! - (c > 0 ? p1[c - 1]! : 0) + p1[c]! + p0[c]!;
  for (let r = 1; r < rows; r++) {
    const base = r * cols;
    u[base] = f[base]! - p0[base - cols]! + p0[base]! + p1[base]!;
    for (let k = base + 1; k < base + cols; k++) u[k] = f[k]! - p0[k - cols]! + p0[k]! - p1[k - 1]! + p1[k]!;
  }
}

/**
 * The primal–dual gap of a feasible p (|p_i| ≤ λ) with u = f − ∇ᵀp already in level.u:
 *   P(u) − D(p) = ½‖u − f‖² + λ·TV(u) − ½‖f‖² + ½‖f − ∇ᵀp‖² = Σ_i (λ|∇u|_i − ⟨(∇u)_i, p_i⟩) ≥ ‖u − u*‖².
 * (P(u) − P(u*) ≥ ½‖u − u*‖² by 1-strong convexity; D(p*) − D(p) ≥ ½‖∇ᵀp − ∇ᵀp*‖² = ½‖u − u*‖² by the
 * optimality of p* for the dual's quadratic over its convex set.)
 */
function gapOf(level: Level, p0: Float64Array, p1: Float64Array, weight: number): number {
  const { rows, cols, u } = level;
  let gap = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const below = r < rows - 1;
    for (let c = 0; c < cols; c++) {
      const k = base + c;
      const here = u[k]!;
      const g0 = below ? u[k + cols]! - here : 0;
      const g1 = c < cols - 1 ? u[k + 1]! - here : 0;
      gap += weight * Math.sqrt(g0 * g0 + g1 * g1) - g0 * p0[k]! - g1 * p1[k]!;
    }
  }
  return Math.max(0, gap);
}

/**
 * FISTA with gradient restart on one level from the feasible dual start in p0/p1; stops when the gap is ≤ maxGap
 * or after maxIterations. Leaves the last feasible iterate in p0/p1 and its primal in u; returns [iterations, gap].
 */
function solveLevel(level: Level, weight: number, maxGap: number, maxIterations: number): [number, number] {
  const { rows, cols, size, u, p0, p1, q0, q1, n0, n1 } = level;
  q0.set(p0);
  q1.set(p1);
  let t = 1;
  let iterations = 0;
  let gap = Infinity;
  const weight2 = weight * weight;
  const lastRow = (rows - 1) * cols;
  for (;;) {
    primalOf(level, q0, q1);
    // n = Proj_{|·| ≤ λ}(q + ∇u/8); the restart test ⟨q − n, n − p⟩ > 0 (O'Donoghue–Candès) in the same pass.
    let restart = 0;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      const below = base < lastRow;
      for (let c = 0; c < cols; c++) {
        const k = base + c;
        const here = u[k]!;
        const a0 = q0[k]! + (below ? (u[k + cols]! - here) * 0.125 : 0);
        const a1 = q1[k]! + (c < cols - 1 ? (u[k + 1]! - here) * 0.125 : 0);
        const m2 = a0 * a0 + a1 * a1;
        let b0 = a0;
        let b1 = a1;
        if (m2 > weight2) {
          const s = weight / Math.sqrt(m2);
          b0 *= s;
          b1 *= s;
        }
        n0[k] = b0;
        n1[k] = b1;
        restart += (q0[k]! - b0) * (b0 - p0[k]!) + (q1[k]! - b1) * (b1 - p1[k]!);
      }
    }
    iterations++;
    let beta: number;
    if (restart > 0) {
      t = 1;
      beta = 0;
    } else {
      const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      beta = (t - 1) / tNext;
      t = tNext;
    }
    for (let k = 0; k < size; k++) {
      const b0 = n0[k]!;
      const b1 = n1[k]!;
      q0[k] = b0 + beta * (b0 - p0[k]!);
      q1[k] = b1 + beta * (b1 - p1[k]!);
      p0[k] = b0;
      p1[k] = b1;
    }
    if (iterations % CHECK_EVERY === 0 || iterations >= maxIterations) {
      primalOf(level, p0, p1);
      gap = gapOf(level, p0, p1, weight);
      if (gap <= maxGap || iterations >= maxIterations) return [iterations, gap];
    }
  }
}

/** 2 × 2 block means of `fine` into `coarse`. */
function restrict(fine: Level, coarse: Level): void {
  const { cols } = fine;
  for (let r = 0; r < coarse.rows; r++) {
    for (let c = 0; c < coarse.cols; c++) {
      const k = 2 * r * cols + 2 * c;
      coarse.f[r * coarse.cols + c] = 0.25 * (fine.f[k]! + fine.f[k + 1]! + fine.f[k + cols]! + fine.f[k + cols + 1]!);
    }
  }
}

/**
 * The coarse dual to the fine grid, so that the fine ∇ᵀp equals the coarse one on each of its four pixels: p0 (across
 * rows) doubled on the fine edges that are coarse edges and the mean of the two neighbouring coarse edges doubled in
 * between, copied along the row; p1 likewise along columns; then projected onto |p| ≤ λ. (Coarse |p| ≤ λ/2.)
 */
function prolong(coarse: Level, fine: Level, weight: number): void {
  const { rows, cols } = fine;
  const cc = coarse.cols;
  const cp0 = coarse.p0;
  const cp1 = coarse.p1;
  for (let r = 0; r < rows; r++) {
    const R = r >> 1;
    for (let c = 0; c < cols; c++) {
      const C = c >> 1;
      const k = r * cols + c;
      let a0: number;
      if (r === rows - 1) a0 = 0;
      else if (r % 2 === 1) a0 = 2 * cp0[R * cc + C]!;
      else a0 = cp0[R * cc + C]! + (R > 0 ? cp0[(R - 1) * cc + C]! : 0);
      let a1: number;
      if (c === cols - 1) a1 = 0;
      else if (c % 2 === 1) a1 = 2 * cp1[R * cc + C]!;
      else a1 = cp1[R * cc + C]! + (C > 0 ? cp1[R * cc + C - 1]! : 0);
      const m = Math.sqrt(a0 * a0 + a1 * a1);
      const s = m > weight ? weight / m : 1;
      fine.p0[k] = a0 * s;
      fine.p1[k] = a1 * s;
    }
  }
}

function checkOptions(options: TvFastOptions): Required<TvFastOptions> {
  const weight = options.weight ?? TV_FAST_DEFAULTS.weight;
  const tolerance = options.tolerance ?? TV_FAST_DEFAULTS.tolerance;
  const maxIterations = options.maxIterations ?? TV_FAST_DEFAULTS.maxIterations;
  if (!Number.isFinite(weight) || weight <= 0) throw new Error(`the TV weight must be a positive number, got ${weight}`);
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new Error(`the TV tolerance must be ≥ 0, got ${tolerance}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new Error(`the TV iteration limit must be a positive integer, got ${maxIterations}`);
  return { weight, tolerance, maxIterations };
}

/**
 * Denoises a rows × cols row-major image (ROF, scikit-image's discretisation; see the module comment). Writes into
 * `out` when given (it may be the input itself), else returns a new Float64Array. Non-finite values are refused.
 */
export function denoiseTvFast(
  image: ArrayLike<number>,
  rows: number,
  cols: number,
  options?: TvFastOptions & { workspace?: TvFastWorkspace },
): TvFastResult<Float64Array>;
export function denoiseTvFast<T extends Float32Array | Float64Array>(
  image: ArrayLike<number>,
  rows: number,
  cols: number,
  options: TvFastOptions & { workspace?: TvFastWorkspace; out: T },
): TvFastResult<T>;
export function denoiseTvFast(
  image: ArrayLike<number>,
  rows: number,
  cols: number,
  options: TvFastOptions & { workspace?: TvFastWorkspace; out?: Float32Array | Float64Array } = {},
): TvFastResult<Float32Array | Float64Array> {
  const { weight, tolerance, maxIterations } = checkOptions(options);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new Error(`the image shape must be positive integers, got ${rows} × ${cols}`);
  const size = rows * cols;
  if (image.length !== size) throw new Error(`the image holds ${image.length} values, but ${rows} × ${cols} = ${size}`);
  const workspace = options.workspace ?? createTvFastWorkspace(rows, cols);
  if (workspace.rows !== rows || workspace.cols !== cols) throw new Error(`the TV workspace is for ${workspace.rows} × ${workspace.cols}, the image is ${rows} × ${cols}`);
  const out = options.out ?? new Float64Array(size);
  if (out.length !== size) throw new Error(`the output holds ${out.length} values, the image ${size}`);

  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < size; k++) {
    const value = image[k] as number;
    if (!Number.isFinite(value)) throw new Error(`the image has a non-finite value ${value} at pixel ${k} (row ${Math.floor(k / cols)}, column ${k % cols})`);
    if (value < lo) lo = value;
    if (value > hi) hi = value;
  }
  const range = hi - lo;
  // A constant image is its own minimiser (TV 0, data term 0).
  if (!(range > 0)) {
    for (let k = 0; k < size; k++) out[k] = image[k] as number;
    return { image: out, iterations: 0, rmsBound: 0, converged: true };
  }
  const { levels } = workspace;
  const finest = levels[0]!;
  for (let k = 0; k < size; k++) finest.f[k] = ((image[k] as number) - lo) / range;
  for (let l = 1; l < levels.length; l++) restrict(levels[l - 1]!, levels[l]!);

  // Normalised problem: weight λ/range, image in [0, 1]; each coarser level halves the weight. Every level aims at
  // the same RMS tolerance (its gap bound scales with its pixel count).
  const unitWeight = weight / range;
  const tolerance2 = tolerance * tolerance;
  const coarsest = levels.length - 1;
  levels[coarsest]!.p0.fill(0);
  levels[coarsest]!.p1.fill(0);
  let iterations = 0;
  let gap = Infinity;
  for (let l = coarsest; l >= 0; l--) {
    const level = levels[l]!;
    const levelWeight = unitWeight / 2 ** l;
    if (l < coarsest) prolong(levels[l + 1]!, level, levelWeight);
    // Coarse levels only give the finest a start: a capped effort there (their iterations cost 1/4, 1/16, … each).
    const cap = l === 0 ? maxIterations : Math.min(maxIterations, COARSE_ITERATIONS);
    [iterations, gap] = solveLevel(level, levelWeight, tolerance2 * level.size, cap);
  }
  // finest.u holds u(p) of the last feasible iterate (solveLevel ends on a gap evaluation).
  for (let k = 0; k < size; k++) out[k] = lo + range * finest.u[k]!;
  const rmsBound = range * Math.sqrt(gap / size);
  return { image: out, iterations, rmsBound, converged: gap <= tolerance2 * size };
}
