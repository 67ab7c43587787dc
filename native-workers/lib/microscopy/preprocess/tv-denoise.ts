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
 *
 * Speed: a workspace from createTvWorkspace lives in the memory of a small WebAssembly SIMD kernel that does the
 * inner rows two pixels at a time, bit-identical to the scalar code (see the kernel's comment); a 256 × 256 frame at
 * the paper's setting takes ≈ 2.5× less time than a plain per-pixel loop (bench/tv-denoise.ts measures it, with
 * scikit-image in the same run). Without WebAssembly SIMD, or with a workspace of plain arrays, the same passes run
 * in JavaScript.
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
  /** The two estimates (scikit-image's `out`): each pass reads one and writes the next into the other. */
  readonly estimate: Float64Array;
  readonly previous: Float64Array;
  /** The input image in float64. */
  readonly source: Float64Array;
}

// ---------------------------------------------------------------------------------------------------------------
// WebAssembly SIMD kernel for the inner rows (rows with a row above and below). Pixels go two at a time through
// f64x2 lanes — the same IEEE float64 operations per pixel as rowsInner (f64x2 add, sub, mul, div, sqrt, neg round
// each lane exactly as the scalar ones), the two sums still accumulated one pixel after the other in row-major order
// and the left neighbour's new p1 taken lane by lane — so the results are bit-identical; what it gains is that each
// division and square root serves two pixels. The module (≈ 1 kB) is assembled here from its opcodes, at first use;
// without WebAssembly SIMD the workspace holds plain arrays and rowsInner runs instead.

/** The part of the WebAssembly API used here (this project's Node typings do not declare it). */
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

/** One pass over rows 1 … rows − 2; byte offsets into the memory; writes Σ|g| and Σ d² (continued) to bytes 0–15. */
type InnerRowsKernel = (
  rows: number,
  cols: number,
  p0: number,
  p1: number,
  current: number,
  next: number,
  source: number,
  tau: number,
  normScale: number,
  normSum: number,
  dSquared: number,
) => void;

interface TvKernel {
  readonly memory: ArrayBuffer;
  readonly offsets: { readonly p0: number; readonly p1: number; readonly estimate: number; readonly previous: number; readonly source: number };
  /** Bytes 0–15 of the memory: the sums the kernel returns. */
  readonly sums: Float64Array;
  readonly innerRows: InnerRowsKernel;
}

const kernels = new WeakMap<TvWorkspace, TvKernel>();
let kernelModule: object | null | undefined;

function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

function f64Bytes(value: number): number[] {
  return Array.from(new Uint8Array(Float64Array.of(value).buffer));
}

/** The kernel module's bytes: imports memory e.m, exports f (InnerRowsKernel). */
function kernelBytes(): Uint8Array {
  // Parameters, then locals (indices).
  const [ROWS, COLS, P0, P1, CUR, NEXT, SRC, TAU, NS, NSUM, DSQ] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const [K, PAIR_END, LAST_ROW, STRIDE, ROW] = [11, 12, 13, 14, 15] as const;
  const [HERE, G0, G1, NORM, DEN, Q0, Q1, D, LEFT] = [16, 17, 18, 19, 20, 21, 22, 23, 24] as const;
  const [VH, VG0, VG1, VN, VDEN, VQ0, VQ1, VPREV, VTAU, VNS, VONE, VD] = [25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36] as const;
  const get = (i: number): number[] => [0x20, i];
  const set = (i: number): number[] => [0x21, i];
  const tee = (i: number): number[] => [0x22, i];
  const i32 = (v: number): number[] => [0x41, v]; // small non-negative constants only (< 64)
  const I32_ADD = 0x6a;
  const I32_SUB = 0x6b;
  const I32_MUL = 0x6c;
  const I32_SHL = 0x74;
  const I32_LT_U = 0x49;
  const I32_GT_U = 0x4b;
  const I32_GE_U = 0x4f;
  const F64_ADD = 0xa0;
  const F64_SUB = 0xa1;
  const F64_MUL = 0xa2;
  const F64_DIV = 0xa3;
  const F64_NEG = 0x9a;
  const F64_SQRT = 0x9f;
  const f64 = (v: number): number[] => [0x44, ...f64Bytes(v)];
  const f64Load = (offset: number): number[] => [0x2b, 3, ...unsignedLeb(offset)];
  const F64_STORE = [0x39, 3, 0];
  const simd = (op: number): number[] => [0xfd, ...unsignedLeb(op)];
  const vLoad = (offset: number): number[] => [...simd(0), 3, ...unsignedLeb(offset)];
  const V_STORE = [...simd(11), 3, 0];
  const V_SPLAT = simd(20);
  const lane = (i: number): number[] => [...simd(33), i];
  const [V_NEG, V_SQRT, V_ADD, V_SUB, V_MUL, V_DIV] = [simd(237), simd(239), simd(240), simd(241), simd(242), simd(243)];
  // (a, b) → (a[1], b[0]): the left neighbours of a pair.
  const V_LEFT = [...simd(13), 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
  const BLOCK = [0x02, 0x40];
  const LOOP = [0x03, 0x40];
  const IF = [0x04, 0x40];
  const END = [0x0b];
  const brIf = (depth: number): number[] => [0x0d, depth];
  const br = (depth: number): number[] => [0x0c, depth];
  const at = (base: number): number[] => [...get(base), ...get(K), I32_ADD];
  const advance = (bytes: number): number[] => [...get(K), ...i32(bytes), I32_ADD, ...set(K)];

  /** One pixel, scalar: rowsInner's statements in order (it has a row above and below). */
  const pixel = (left: boolean, right: boolean): number[] => [
    ...at(CUR), ...f64Load(0), ...set(HERE),
    ...at(CUR), ...get(STRIDE), I32_ADD, ...f64Load(0), ...get(HERE), F64_SUB, ...set(G0),
    ...(right ? [...at(CUR), ...f64Load(8), ...get(HERE), F64_SUB] : f64(0)), ...set(G1),
    ...get(G0), ...get(G0), F64_MUL, ...get(G1), ...get(G1), F64_MUL, F64_ADD, F64_SQRT, ...set(NORM),
    ...get(NSUM), ...get(NORM), F64_ADD, ...set(NSUM),
    ...get(NORM), ...get(NS), F64_MUL, ...f64(1), F64_ADD, ...set(DEN),
    ...at(P0), ...at(P0), ...f64Load(0), ...get(TAU), ...get(G0), F64_MUL, F64_SUB, ...get(DEN), F64_DIV, ...tee(Q0), ...F64_STORE,
    ...at(P1), ...at(P1), ...f64Load(0), ...get(TAU), ...get(G1), F64_MUL, F64_SUB, ...get(DEN), F64_DIV, ...tee(Q1), ...F64_STORE,
    ...get(Q0), ...get(Q1), F64_ADD, F64_NEG,
    ...at(P0), ...get(STRIDE), I32_SUB, ...f64Load(0), F64_ADD,
    ...(left ? [...get(LEFT), F64_ADD] : []), ...set(D),
    ...at(NEXT), ...at(SRC), ...f64Load(0), ...get(D), F64_ADD, ...F64_STORE,
    ...get(DSQ), ...get(D), ...get(D), F64_MUL, F64_ADD, ...set(DSQ),
    ...get(Q1), ...set(LEFT),
  ];
  /** Two inner pixels in f64x2 lanes; the sums take lane 0, then lane 1. */
  const pair = [
    ...at(CUR), ...vLoad(0), ...set(VH),
    ...at(CUR), ...get(STRIDE), I32_ADD, ...vLoad(0), ...get(VH), ...V_SUB, ...set(VG0),
    ...at(CUR), ...vLoad(8), ...get(VH), ...V_SUB, ...set(VG1),
    ...get(VG0), ...get(VG0), ...V_MUL, ...get(VG1), ...get(VG1), ...V_MUL, ...V_ADD, ...V_SQRT, ...set(VN),
    ...get(NSUM), ...get(VN), ...lane(0), F64_ADD, ...get(VN), ...lane(1), F64_ADD, ...set(NSUM),
    ...get(VN), ...get(VNS), ...V_MUL, ...get(VONE), ...V_ADD, ...set(VDEN),
    ...at(P0), ...at(P0), ...vLoad(0), ...get(VTAU), ...get(VG0), ...V_MUL, ...V_SUB, ...get(VDEN), ...V_DIV, ...tee(VQ0), ...V_STORE,
    ...at(P1), ...at(P1), ...vLoad(0), ...get(VTAU), ...get(VG1), ...V_MUL, ...V_SUB, ...get(VDEN), ...V_DIV, ...tee(VQ1), ...V_STORE,
    ...get(VQ0), ...get(VQ1), ...V_ADD, ...V_NEG,
    ...at(P0), ...get(STRIDE), I32_SUB, ...vLoad(0), ...V_ADD,
    ...get(VPREV), ...get(VQ1), ...V_LEFT, ...V_ADD, ...set(VD),
    ...at(NEXT), ...at(SRC), ...vLoad(0), ...get(VD), ...V_ADD, ...V_STORE,
    ...get(VD), ...get(VD), ...V_MUL, ...set(VH),
    ...get(DSQ), ...get(VH), ...lane(0), F64_ADD, ...get(VH), ...lane(1), F64_ADD, ...set(DSQ),
    ...get(VQ1), ...set(VPREV),
  ];
  const body = [
    ...get(COLS), ...i32(3), I32_SHL, ...tee(STRIDE), ...set(ROW),
    ...get(ROWS), ...i32(1), I32_SUB, ...get(STRIDE), I32_MUL, ...set(LAST_ROW),
    ...get(TAU), ...V_SPLAT, ...set(VTAU),
    ...get(NS), ...V_SPLAT, ...set(VNS),
    ...f64(1), ...V_SPLAT, ...set(VONE),
    ...BLOCK, ...LOOP,
    ...get(ROW), ...get(LAST_ROW), I32_GE_U, ...brIf(1),
    ...get(ROW), ...set(K),
    ...pixel(false, true),
    ...get(LEFT), ...V_SPLAT, ...set(VPREV),
    ...advance(8),
    ...get(ROW), ...get(STRIDE), I32_ADD, ...i32(8), I32_SUB, ...set(PAIR_END),
    ...BLOCK, ...LOOP,
    ...get(K), ...i32(16), I32_ADD, ...get(PAIR_END), I32_GT_U, ...brIf(1),
    ...pair,
    ...advance(16),
    ...br(0), ...END, ...END,
    ...get(VPREV), ...lane(1), ...set(LEFT),
    ...get(K), ...get(PAIR_END), I32_LT_U, ...IF,
    ...pixel(true, true),
    ...advance(8),
    ...END,
    ...pixel(true, false),
    ...get(ROW), ...get(STRIDE), I32_ADD, ...set(ROW),
    ...br(0), ...END, ...END,
    ...i32(0), ...get(NSUM), ...F64_STORE,
    ...i32(8), ...get(DSQ), ...F64_STORE,
    ...END,
  ];
  const I32 = 0x7f;
  const F64 = 0x7c;
  const V128 = 0x7b;
  const locals = [3, 5, I32, 9, F64, 12, V128];
  const code = [...locals, ...body];
  const section = (id: number, content: number[]): number[] => [id, ...unsignedLeb(content.length), ...content];
  const params = [I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, F64];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, params.length, ...params, 0]),
    ...section(2, [1, 1, 0x65, 1, 0x6d, 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, 1, 0x66, 0x00, 0]),
    ...section(10, [1, ...unsignedLeb(code.length), ...code]),
  ]);
}

/** A kernel with its own memory for `size` pixels, or null when WebAssembly SIMD is not there (or the size too big). */
function createKernel(size: number): TvKernel | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  if (kernelModule === undefined) {
    const bytes = kernelBytes();
    kernelModule = wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  if (kernelModule === null) return null;
  const header = 64;
  const bytes = header + 5 * size * 8;
  if (bytes > 2 ** 31) return null;
  try {
    const memory = new wasm.Memory({ initial: Math.ceil(bytes / 65536) });
    const instance = new wasm.Instance(kernelModule, { e: { m: memory } });
    const innerRows = instance.exports.f as InnerRowsKernel;
    const at = (index: number): number => header + index * size * 8;
    return {
      memory: memory.buffer,
      offsets: { p0: at(0), p1: at(1), estimate: at(2), previous: at(3), source: at(4) },
      sums: new Float64Array(memory.buffer, 0, 2),
      innerRows,
    };
  } catch {
    return null;
  }
}

export function createTvWorkspace(size: number): TvWorkspace {
  if (!Number.isInteger(size) || size < 1) throw new Error(`a TV workspace needs a positive pixel count, got ${size}`);
  const kernel = createKernel(size);
  if (kernel !== null) {
    const view = (offset: number): Float64Array => new Float64Array(kernel.memory, offset, size);
    const workspace: TvWorkspace = {
      size,
      p0: view(kernel.offsets.p0),
      p1: view(kernel.offsets.p1),
      estimate: view(kernel.offsets.estimate),
      previous: view(kernel.offsets.previous),
      source: view(kernel.offsets.source),
    };
    kernels.set(workspace, kernel);
    return workspace;
  }
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

  const { p0, p1, source } = workspace;
  for (let k = 0; k < size; k++) {
    const value = image[k] as number;
    if (!Number.isFinite(value)) throw new Error(`the image has a non-finite value ${value} at pixel ${k} (row ${Math.floor(k / cols)}, column ${k % cols})`);
    source[k] = value;
    workspace.estimate[k] = value;
  }
  p0.fill(0);
  p1.fill(0);

  // tau = 1/(2·ndim) for a 2D image; scikit-image scales the gradient norm by tau/weight, then adds 1.
  const tau = 1 / (2 * 2);
  const normScale = tau / weight;
  // Rows with a row above and below (and at least two columns) take a path without per-pixel boundary tests: the
  // WebAssembly SIMD kernel when the workspace lives in its memory, else rowsInner. The first and last rows (and
  // images too small for that) take rowsGeneric. Same arithmetic everywhere.
  const kernel = rows >= 3 && cols >= 2 ? (kernels.get(workspace) ?? null) : null;
  const split = rows >= 3 && cols >= 2;
  const sums = kernel?.sums ?? new Float64Array(2);
  // The two estimates alternate: each pass reads out_i from `current` and writes out_(i+1) into `next`.
  let current = workspace.estimate;
  let next = workspace.previous;
  let currentOffset = kernel?.offsets.estimate ?? 0;
  let nextOffset = kernel?.offsets.previous ?? 0;
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
    // Pixel k's new d needs p at k, k − 1 and k − cols, all updated by then. out_i stays whole in `current`;
    // out_(i+1) goes to `next`. The sums (sums[0] = Σ|g|, sums[1] = Σ d²) run over the pixels in row-major order,
    // as NumPy's do.
    sums[0] = 0;
    sums[1] = 0;
    if (!split) {
      rowsGeneric(0, rows, rows, cols, p0, p1, current, next, source, tau, normScale, sums);
    } else {
      rowsGeneric(0, 1, rows, cols, p0, p1, current, next, source, tau, normScale, sums);
      if (kernel !== null) {
        const { offsets } = kernel;
        kernel.innerRows(rows, cols, offsets.p0, offsets.p1, currentOffset, nextOffset, offsets.source, tau, normScale, sums[0]!, sums[1]!);
      } else {
        rowsInner(1, rows - 1, cols, p0, p1, current, next, source, tau, normScale, sums);
      }
      rowsGeneric(rows - 1, rows, rows, cols, p0, p1, current, next, source, tau, normScale, sums);
    }
    // out_(i+1) becomes the estimate to read; `next` keeps out_i (what an exit returns) until the next pass.
    const swap = current;
    current = next;
    next = swap;
    const swapOffset = currentOffset;
    currentOffset = nextOffset;
    nextOffset = swapOffset;
    energy = (dSquared + weight * sums[0]!) / size;
    dSquared = sums[1]!;
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
  for (let k = 0; k < size; k++) out[k] = next[k]!;
  return { image: out, iterations: i, energy };
}

/** Rows [from, to) of one pass, any row and column, the boundary tested per pixel; adds to sums in row-major order. */
function rowsGeneric(
  from: number,
  to: number,
  rows: number,
  cols: number,
  p0: Float64Array,
  p1: Float64Array,
  current: Float64Array,
  next: Float64Array,
  source: Float64Array,
  tau: number,
  normScale: number,
  sums: Float64Array,
): void {
  let normSum = sums[0]!;
  let dSquared = sums[1]!;
  for (let r = from; r < to; r++) {
    const base = r * cols;
    const below = r < rows - 1;
    for (let c = 0; c < cols; c++) {
      const k = base + c;
      const here = current[k]!;
      const g0 = below ? current[k + cols]! - here : 0;
      const g1 = c < cols - 1 ? current[k + 1]! - here : 0;
      const norm = Math.sqrt(g0 * g0 + g1 * g1);
      normSum += norm;
      const denominator = norm * normScale + 1;
      const q0 = (p0[k]! - tau * g0) / denominator;
      const q1 = (p1[k]! - tau * g1) / denominator;
      p0[k] = q0;
      p1[k] = q1;
      let d = -(q0 + q1);
      if (r > 0) d += p0[k - cols]!;
      if (c > 0) d += p1[k - 1]!;
      next[k] = source[k]! + d;
      dSquared += d * d;
    }
  }
  sums[0] = normSum;
  sums[1] = dSquared;
}

/**
 * Rows [from, to) of one pass, each with a row above and below, cols ≥ 2: rowsGeneric's arithmetic without its
 * per-pixel tests (first column, inner columns, last column), p1 of the left neighbour carried in a local.
 */
function rowsInner(
  from: number,
  to: number,
  cols: number,
  p0: Float64Array,
  p1: Float64Array,
  current: Float64Array,
  next: Float64Array,
  source: Float64Array,
  tau: number,
  normScale: number,
  sums: Float64Array,
): void {
  let normSum = sums[0]!;
  let dSquared = sums[1]!;
  for (let r = from; r < to; r++) {
    const base = r * cols;
    // First column: no p1 on the left.
    let k = base;
    let here = current[k]!;
    let right = current[k + 1]!;
    let g0 = current[k + cols]! - here;
    let g1 = right - here;
    let norm = Math.sqrt(g0 * g0 + g1 * g1);
    normSum += norm;
    let denominator = norm * normScale + 1;
    let q0 = (p0[k]! - tau * g0) / denominator;
    let q1 = (p1[k]! - tau * g1) / denominator;
    p0[k] = q0;
    p1[k] = q1;
    let d = -(q0 + q1);
    d += p0[k - cols]!;
    next[k] = source[k]! + d;
    dSquared += d * d;
    // Inner columns.
    const last = base + cols - 1;
    for (k = base + 1; k < last; k++) {
      here = right;
      right = current[k + 1]!;
      g0 = current[k + cols]! - here;
      g1 = right - here;
      norm = Math.sqrt(g0 * g0 + g1 * g1);
      normSum += norm;
      denominator = norm * normScale + 1;
      const left = q1;
      q0 = (p0[k]! - tau * g0) / denominator;
      q1 = (p1[k]! - tau * g1) / denominator;
      p0[k] = q0;
      p1[k] = q1;
      d = -(q0 + q1);
      d += p0[k - cols]!;
      d += left;
      next[k] = source[k]! + d;
      dSquared += d * d;
    }
    // Last column: no difference along the row.
    here = right;
    g0 = current[k + cols]! - here;
    g1 = 0;
    norm = Math.sqrt(g0 * g0 + g1 * g1);
    normSum += norm;
    denominator = norm * normScale + 1;
    const left = q1;
    q0 = (p0[k]! - tau * g0) / denominator;
    q1 = (p1[k]! - tau * g1) / denominator;
    p0[k] = q0;
    p1[k] = q1;
    d = -(q0 + q1);
    d += p0[k - cols]!;
    d += left;
    next[k] = source[k]! + d;
    dSquared += d * d;
  }
  sums[0] = normSum;
  sums[1] = dSquared;
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
