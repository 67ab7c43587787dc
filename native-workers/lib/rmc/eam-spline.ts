/**
 * The piecewise cubics through an EAM table, built the way LAMMPS's `pair_style eam` family builds them, so that an
 * energy evaluated here equals LAMMPS's to rounding. The scheme (for samples f_1 … f_n on a uniform grid of step δ):
 *
 * - slopes per grid step s_k: one-sided first differences at the two ends, central second-order differences at the
 *   second and second-to-last knot, and the fourth-order five-point difference
 *   s_k = (f_{k−2} − f_{k+2} + 8 (f_{k+1} − f_{k−1})) / 12 everywhere inside;
 * - on interval k (between knots k and k+1) the cubic Hermite polynomial in the fractional offset p ∈ [0, 1] through
 *   f_k, f_{k+1} with slopes s_k, s_{k+1}: f_k + s_k p + c2 p² + c3 p³, c2 = 3Δ − 2s_k − s_{k+1},
 *   c3 = s_k + s_{k+1} − 2Δ, Δ = f_{k+1} − f_k; the last knot gets a straight line of slope s_n;
 * - derivatives with respect to the tabulated variable follow as (3c3 p² + 2c2 p + s_k) / δ.
 *
 * Lookups never leave the table: a distance beyond the last knot evaluates the last interval at p = 1 (the last
 * tabulated value), and an embedding density beyond the last knot adds the end slope times the excess, which is how
 * LAMMPS keeps close approaches energy-conserving. Both lookups live with the energy model (`eam.ts`), which inlines
 * them in its inner loops.
 */

/** Coefficients stored per knot, in this order: the derivative (3c3/δ, 2c2/δ, s/δ) then the value (c3, c2, s, f). */
export const SPLINE_STRIDE = 7;

/**
 * The per-knot cubic coefficients of samples f_1 … f_n (`samples[k − 1]` = f_k) on a grid of step `step`: knot k's
 * seven numbers start at (k − 1) · SPLINE_STRIDE. Needs n ≥ 5 so that every slope formula has its neighbours.
 */
export function splineCoefficients(samples: Float64Array, step: number): Float64Array {
  const n = samples.length;
  if (n < 5) throw new RangeError(`an EAM table needs at least 5 samples to be splined (got ${n})`);
  if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`an EAM table needs a positive grid step (got ${step})`);
  const f = (k: number): number => samples[k - 1] as number;

  // Slopes in units of "per grid step", 1-based like the formulas above.
  const slope = new Float64Array(n + 1);
  slope[1] = f(2) - f(1);
  slope[2] = 0.5 * (f(3) - f(1));
  slope[n - 1] = 0.5 * (f(n) - f(n - 2));
  slope[n] = f(n) - f(n - 1);
  for (let k = 3; k <= n - 2; k++) {
    slope[k] = (f(k - 2) - f(k + 2) + 8.0 * (f(k + 1) - f(k - 1))) / 12.0;
  }

  const out = new Float64Array(SPLINE_STRIDE * n);
  for (let k = 1; k <= n; k++) {
    const o = (k - 1) * SPLINE_STRIDE;
    const sk = slope[k] as number;
    let c2 = 0;
    let c3 = 0;
    if (k < n) {
      // Hermite conditions at p = 1: value f_{k+1} and slope s_{k+1}.
      const rise = f(k + 1) - f(k);
      const sNext = slope[k + 1] as number;
      c2 = 3.0 * rise - 2.0 * sk - sNext;
      c3 = sk + sNext - 2.0 * rise;
    }
    out[o] = (3.0 * c3) / step;
    out[o + 1] = (2.0 * c2) / step;
    out[o + 2] = sk / step;
    out[o + 3] = c3;
    out[o + 4] = c2;
    out[o + 5] = sk;
    out[o + 6] = f(k);
  }
  return out;
}
