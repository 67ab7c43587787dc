/**
 * A radix-2 complex FFT (iterative Cooley–Tukey, decimation in time) and the 2D transform built from it, for the
 * cross-correlation centre finder. Hand-written because no FFT package is installed (neither fft.js nor ndarray-fft
 * is in node_modules, and package.json is not ours to change); tests/unit/microscopy/preprocess.test.ts checks it
 * against a direct DFT. Sizes are powers of two; callers zero-pad.
 *
 * Convention (NumPy's): forward X_k = Σ_n x_n e^(−2πi kn/N); inverse x_n = (1/N) Σ_k X_k e^(+2πi kn/N).
 */

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  if (!(n >= 1)) throw new Error(`nextPowerOfTwo needs a positive number, got ${n}`);
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Precomputed bit reversal and twiddles for one length; transforms in place, allocation-free. */
export class FftPlan {
  readonly size: number;
  private readonly reversed: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly sinInverse: Float64Array;

  constructor(size: number) {
    if (!isPowerOfTwo(size)) throw new Error(`the FFT length must be a power of two, got ${size}`);
    this.size = size;
    this.reversed = new Uint32Array(size);
    let bits = 0;
    while (1 << bits < size) bits += 1;
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
      this.reversed[i] = r;
    }
    // Twiddles e^(−2πi k/N) for k < N/2, computed directly (no recurrence, so no drift).
    const half = Math.max(1, size >> 1);
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    this.sinInverse = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / size);
      this.sinInverse[k] = Math.sin((2 * Math.PI * k) / size);
    }
  }

  /** In-place transform of (re, im) starting at `offset` (size values each). */
  transform(re: Float64Array, im: Float64Array, inverse = false, offset = 0): void {
    const n = this.size;
    const reversed = this.reversed;
    for (let i = 0; i < n; i++) {
      const j = reversed[i]!;
      if (j <= i) continue;
      const a = offset + i;
      const b = offset + j;
      const tr = re[a]!;
      re[a] = re[b]!;
      re[b] = tr;
      const ti = im[a]!;
      im[a] = im[b]!;
      im[b] = ti;
    }
    const cos = this.cos;
    const sin = inverse ? this.sinInverse : this.sin;
    for (let length = 2; length <= n; length <<= 1) {
      const halfLength = length >> 1;
      const step = n / length;
      for (let k = 0; k < halfLength; k++) {
        const wr = cos[k * step]!;
        const wi = sin[k * step]!;
        for (let a = offset + k; a < offset + n; a += length) {
          const b = a + halfLength;
          const br = re[b]!;
          const bi = im[b]!;
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          const ar = re[a]!;
          const ai = im[a]!;
          re[b] = ar - xr;
          im[b] = ai - xi;
          re[a] = ar + xr;
          im[a] = ai + xi;
        }
      }
    }
    if (inverse) {
      const scale = 1 / n;
      for (let i = offset; i < offset + n; i++) {
        re[i] = re[i]! * scale;
        im[i] = im[i]! * scale;
      }
    }
  }

  /**
   * In-place transform of `width` interleaved sequences: element t of sequence s sits at offset + t·width + s
   * (width = 1: one contiguous sequence; width = cols: every column of a row-major array at once, each butterfly
   * running along whole rows, which keeps memory access sequential).
   */
  transformStrided(re: Float64Array, im: Float64Array, inverse: boolean, offset: number, width: number): void {
    const n = this.size;
    const reversed = this.reversed;
    for (let i = 0; i < n; i++) {
      const j = reversed[i]!;
      if (j <= i) continue;
      const a0 = offset + i * width;
      const b0 = offset + j * width;
      for (let s = 0; s < width; s++) {
        const a = a0 + s;
        const b = b0 + s;
        const tr = re[a]!;
        re[a] = re[b]!;
        re[b] = tr;
        const ti = im[a]!;
        im[a] = im[b]!;
        im[b] = ti;
      }
    }
    const cos = this.cos;
    const sin = inverse ? this.sinInverse : this.sin;
    for (let length = 2; length <= n; length <<= 1) {
      const halfLength = length >> 1;
      const step = n / length;
      for (let k = 0; k < halfLength; k++) {
        const wr = cos[k * step]!;
        const wi = sin[k * step]!;
        for (let start = k; start < n; start += length) {
          const a0 = offset + start * width;
          const b0 = a0 + halfLength * width;
          for (let s = 0; s < width; s++) {
            const a = a0 + s;
            const b = b0 + s;
            const br = re[b]!;
            const bi = im[b]!;
            const xr = br * wr - bi * wi;
            const xi = br * wi + bi * wr;
            const ar = re[a]!;
            const ai = im[a]!;
            re[b] = ar - xr;
            im[b] = ai - xi;
            re[a] = ar + xr;
            im[a] = ai + xi;
          }
        }
      }
    }
    if (inverse) {
      const scale = 1 / n;
      const end = offset + n * width;
      for (let i = offset; i < end; i++) {
        re[i] = re[i]! * scale;
        im[i] = im[i]! * scale;
      }
    }
  }
}

/**
 * In-place 2D transform of a rows × cols row-major complex array (both powers of two). `nonZeroRows` lets a forward
 * transform skip the row pass over trailing rows that are all zero (zero padding), which stay zero.
 */
export class Fft2dPlan {
  readonly rows: number;
  readonly cols: number;
  private readonly rowPlan: FftPlan;
  private readonly colPlan: FftPlan;

  constructor(rows: number, cols: number) {
    this.rows = rows;
    this.cols = cols;
    this.rowPlan = new FftPlan(cols);
    this.colPlan = rows === cols ? this.rowPlan : new FftPlan(rows);
  }

  transform(re: Float64Array, im: Float64Array, inverse = false, nonZeroRows = this.rows): void {
    const { rows, cols } = this;
    if (re.length !== rows * cols || im.length !== rows * cols) throw new Error(`the 2D FFT arrays must hold ${rows} × ${cols} values`);
    const rowCount = inverse ? rows : Math.min(rows, nonZeroRows);
    for (let r = 0; r < rowCount; r++) this.rowPlan.transform(re, im, inverse, r * cols);
    this.colPlan.transformStrided(re, im, inverse, 0, cols);
  }
}
