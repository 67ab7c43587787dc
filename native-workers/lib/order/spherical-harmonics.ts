/**
 * Complex spherical harmonics Y_lm of a bond direction (standard orthonormal normalisation, Condon–Shortley phase,
 * as LAMMPS and the papers use): a general recurrence for any l, m and fast Cartesian closed forms for l = 4 and 6.
 */

/**
 * Y_lm for m ≥ 0 of a unit vector (x, y, z) is K_lm · (dᵐP_l/dzᵐ)(z) · (x + iy)ᵐ with
 * K_lm = (−1)ᵐ √((2l + 1)/(4π) · (l − m)!/(l + m)!), because sinᵐθ · e^{imφ} = (x + iy)ᵐ on the unit sphere. No
 * trigonometry, no square root of 1 − z², and no special case at the poles; Y_l,−m = (−1)ᵐ conj(Y_lm).
 */
function normalisation(l: number, m: number): number {
  let ratio = 1; // (l − m)! / (l + m)!
  for (let f = l - m + 1; f <= l + m; f++) ratio /= f;
  return (m % 2 === 0 ? 1 : -1) * Math.sqrt(((2 * l + 1) / (4 * Math.PI)) * ratio);
}

// l = 4: P4 = (35z⁴ − 30z² + 3)/8 and its derivatives, times K_4m.
const K40 = normalisation(4, 0) / 8;
const K41 = normalisation(4, 1) / 2;
const K42 = normalisation(4, 2) / 2;
const K43 = normalisation(4, 3) * 105;
const K44 = normalisation(4, 4) * 105;
// l = 6: P6 = (231z⁶ − 315z⁴ + 105z² − 5)/16 and its derivatives, times K_6m.
const K60 = normalisation(6, 0) / 16;
const K61 = normalisation(6, 1) / 8;
const K62 = normalisation(6, 2) / 8;
const K63 = normalisation(6, 3) / 2;
const K64 = normalisation(6, 4) / 2;
const K65 = normalisation(6, 5) * 10395;
const K66 = normalisation(6, 6) * 10395;

/**
 * Layout of the packed l = 4 and l = 6 harmonics (m ≥ 0 only; m < 0 follows by symmetry, and Im Y_l0 = 0):
 * [Re Y40, Re Y41, Im Y41, …, Re Y44, Im Y44, Re Y60, Re Y61, Im Y61, …, Re Y66, Im Y66].
 */
export const Y4_OFFSET = 0;
export const Y6_OFFSET = 9;
export const Y4Y6_LENGTH = 22;

/** Index of Re Y_lm (m ≥ 0) in a packed block of degree l; Im Y_lm (m ≥ 1) is the next entry. */
export function packedIndex(m: number): number {
  return m === 0 ? 0 : 2 * m - 1;
}

/**
 * Writes Σ_b Y_4m(r̂_b) and Σ_b Y_6m(r̂_b) (m = 0 … l) over the bond vectors b = 0 … count − 1 (any length, not
 * zero) into `sums` in the packed layout. This is the hot path of the bond-order parameters: the sums live in local
 * variables, a few dozen multiplications per bond and no trigonometry.
 */
export function sumY4Y6(dx: Float64Array, dy: Float64Array, dz: Float64Array, count: number, sums: Float64Array): void {
  let a40 = 0;
  let a41r = 0;
  let a41i = 0;
  let a42r = 0;
  let a42i = 0;
  let a43r = 0;
  let a43i = 0;
  let a44r = 0;
  let a44i = 0;
  let a60 = 0;
  let a61r = 0;
  let a61i = 0;
  let a62r = 0;
  let a62i = 0;
  let a63r = 0;
  let a63i = 0;
  let a64r = 0;
  let a64i = 0;
  let a65r = 0;
  let a65i = 0;
  let a66r = 0;
  let a66i = 0;
  for (let b = 0; b < count; b++) {
    const vx = dx[b] as number;
    const vy = dy[b] as number;
    const vz = dz[b] as number;
    const inverseLength = 1 / Math.sqrt(vx * vx + vy * vy + vz * vz);
    const x = vx * inverseLength;
    const y = vy * inverseLength;
    const z = vz * inverseLength;
    const z2 = z * z;
    // (x + iy)^m
    const r2 = x * x - y * y;
    const i2 = 2 * x * y;
    const r3 = r2 * x - i2 * y;
    const i3 = r2 * y + i2 * x;
    const r4 = r2 * r2 - i2 * i2;
    const i4 = 2 * r2 * i2;
    const r5 = r4 * x - i4 * y;
    const i5 = r4 * y + i4 * x;
    const r6 = r3 * r3 - i3 * i3;
    const i6 = 2 * r3 * i3;

    const p41 = K41 * z * (35 * z2 - 15);
    const p42 = K42 * (105 * z2 - 15);
    const p43 = K43 * z;
    a40 += K40 * ((35 * z2 - 30) * z2 + 3);
    a41r += p41 * x;
    a41i += p41 * y;
    a42r += p42 * r2;
    a42i += p42 * i2;
    a43r += p43 * r3;
    a43i += p43 * i3;
    a44r += K44 * r4;
    a44i += K44 * i4;

    const p61 = K61 * z * ((693 * z2 - 630) * z2 + 105);
    const p62 = K62 * ((3465 * z2 - 1890) * z2 + 105);
    const p63 = K63 * z * (3465 * z2 - 945);
    const p64 = K64 * (10395 * z2 - 945);
    const p65 = K65 * z;
    a60 += K60 * (((231 * z2 - 315) * z2 + 105) * z2 - 5);
    a61r += p61 * x;
    a61i += p61 * y;
    a62r += p62 * r2;
    a62i += p62 * i2;
    a63r += p63 * r3;
    a63i += p63 * i3;
    a64r += p64 * r4;
    a64i += p64 * i4;
    a65r += p65 * r5;
    a65i += p65 * i5;
    a66r += K66 * r6;
    a66i += K66 * i6;
  }
  sums[0] = a40;
  sums[1] = a41r;
  sums[2] = a41i;
  sums[3] = a42r;
  sums[4] = a42i;
  sums[5] = a43r;
  sums[6] = a43i;
  sums[7] = a44r;
  sums[8] = a44i;
  sums[9] = a60;
  sums[10] = a61r;
  sums[11] = a61i;
  sums[12] = a62r;
  sums[13] = a62i;
  sums[14] = a63r;
  sums[15] = a63i;
  sums[16] = a64r;
  sums[17] = a64i;
  sums[18] = a65r;
  sums[19] = a65i;
  sums[20] = a66r;
  sums[21] = a66i;
}

/**
 * Y_lm(r̂) for any l ≥ 0, |m| ≤ l, of the direction of (x, y, z) (need not be unit length, must not be zero), by
 * the stable upward recurrence in l of the associated Legendre functions. Writes [Re, Im] into `out`. The reference
 * the closed forms are tested against; too slow for per-bond use.
 */
export function sphericalHarmonic(l: number, m: number, x: number, y: number, z: number, out: Float64Array | number[]): void {
  if (!Number.isInteger(l) || !Number.isInteger(m) || l < 0 || Math.abs(m) > l) {
    throw new RangeError(`spherical harmonic needs integers l ≥ 0 and |m| ≤ l, got l = ${l}, m = ${m}`);
  }
  const r = Math.hypot(x, y, z);
  if (!(r > 0) || !Number.isFinite(r)) throw new RangeError('spherical harmonic of a zero or non-finite vector');
  const mAbs = Math.abs(m);
  const cosTheta = z / r;
  const rho = Math.hypot(x, y);
  const sinTheta = rho / r;
  // P_m^m = (−1)^m (2m − 1)!! sin^m θ, then P_{l}^m from P_{l−1}^m and P_{l−2}^m.
  let pmm = 1;
  for (let i = 1; i <= mAbs; i++) pmm *= -(2 * i - 1) * sinTheta;
  let plm = pmm;
  if (l > mAbs) {
    let previous = pmm;
    let current = (2 * mAbs + 1) * cosTheta * pmm;
    for (let ll = mAbs + 2; ll <= l; ll++) {
      const next = ((2 * ll - 1) * cosTheta * current - (ll + mAbs - 1) * previous) / (ll - mAbs);
      previous = current;
      current = next;
    }
    plm = current;
  }
  let ratio = 1; // (l − |m|)! / (l + |m|)!
  for (let f = l - mAbs + 1; f <= l + mAbs; f++) ratio /= f;
  const magnitude = Math.sqrt(((2 * l + 1) / (4 * Math.PI)) * ratio) * plm;
  // e^{i|m|φ}; at the poles P_l^m = 0 for m ≠ 0, so any phase will do.
  const cosPhi = rho > 0 ? x / rho : 1;
  const sinPhi = rho > 0 ? y / rho : 0;
  let er = 1;
  let ei = 0;
  for (let i = 0; i < mAbs; i++) {
    const t = er * cosPhi - ei * sinPhi;
    ei = er * sinPhi + ei * cosPhi;
    er = t;
  }
  let re = magnitude * er;
  let im = magnitude * ei;
  if (m < 0) {
    // Y_l,−m = (−1)^m conj(Y_lm)
    const sign = mAbs % 2 === 0 ? 1 : -1;
    re = sign * re;
    im = -sign * im;
  }
  out[0] = re;
  out[1] = im;
}
