/**
 * The misfit of a model curve y to a measured curve e with uncertainties σ:
 *
 *   χ² = Σ_k (s·y_k + b − e_k)² / σ_k²
 *
 * with the scale s and offset b chosen to minimise χ² at every evaluation (closed-form weighted least squares), so
 * that an unknown normalisation or a flat background in the measurement does not bias the structure. Either can be
 * fixed (s = 1, b = 0). The relative form of Liu, Zhang, Ding and Ma ("On the reliability of using reverse Monte
 * Carlo simulations to construct the atomic structure model of metallic glasses"), Σ ((y − e)/e)²/σ², divides by the
 * target and diverges where F(q), G(r) or χ(k) cross zero; it is offered as an option only.
 */

import type { FitMode, MisfitForm } from '../../../main/shared/rmc';

export interface FitResult {
  chi2: number;
  scale: number;
  offset: number;
}

/**
 * Weighted sums of the measured curve that do not change during a run, precomputed once: Σw, Σw·e, Σw·e².
 * `w` is 1/σ² (or 1/(σ e)² for the relative form).
 */
export interface FitTarget {
  e: Float64Array;
  w: Float64Array;
  mode: FitMode;
  sumW: number;
  sumWE: number;
  sumWEE: number;
}

export function fitTarget(e: Float64Array, sigma: Float64Array, mode: FitMode, form: MisfitForm = 'absolute'): FitTarget {
  if (e.length !== sigma.length) throw new Error(`the curve has ${e.length} points and ${sigma.length} uncertainties`);
  const w = new Float64Array(e.length);
  let sumW = 0;
  let sumWE = 0;
  let sumWEE = 0;
  for (let k = 0; k < e.length; k++) {
    const s = sigma[k] as number;
    if (!(s > 0)) throw new Error(`uncertainty ${k} is ${s}; every σ must be positive`);
    const ek = e[k] as number;
    if (form === 'relative' && ek === 0) {
      throw new Error(`the relative misfit divides by the measured value, which is 0 at point ${k}; use the absolute form`);
    }
    const wk = form === 'relative' ? 1 / (s * s * ek * ek) : 1 / (s * s);
    w[k] = wk;
    sumW += wk;
    sumWE += wk * ek;
    sumWEE += wk * ek * ek;
  }
  return { e, w, mode, sumW, sumWE, sumWEE };
}

/**
 * χ² of y (optionally y + dy, so that a trial move needs no copy) against the target, with s and b refitted.
 * A model curve with no variation (Σw(y − ȳ)² = 0) keeps s = 1.
 */
export function fitMisfit(target: FitTarget, y: Float64Array, dy: Float64Array | null): FitResult {
  const { e, w } = target;
  let sy = 0;
  let syy = 0;
  let sye = 0;
  const n = e.length;
  if (dy) {
    for (let k = 0; k < n; k++) {
      const wk = w[k] as number;
      const yk = (y[k] as number) + (dy[k] as number);
      const wy = wk * yk;
      sy += wy;
      syy += wy * yk;
      sye += wy * (e[k] as number);
    }
  } else {
    for (let k = 0; k < n; k++) {
      const wk = w[k] as number;
      const yk = y[k] as number;
      const wy = wk * yk;
      sy += wy;
      syy += wy * yk;
      sye += wy * (e[k] as number);
    }
  }
  return solve(target, sy, syy, sye);
}

function solve(target: FitTarget, sy: number, syy: number, sye: number): FitResult {
  const { sumW, sumWE, sumWEE, mode } = target;
  let scale = 1;
  let offset = 0;
  if (mode === 'scale+offset') {
    const det = sumW * syy - sy * sy;
    if (det > 1e-300 * Math.max(1, sumW * syy)) {
      scale = (sumW * sye - sy * sumWE) / det;
    }
    offset = (sumWE - scale * sy) / sumW;
  } else if (mode === 'scale') {
    if (syy > 0) scale = sye / syy;
  }
  // Σw(s y + b − e)² expanded in the weighted sums; clamped at 0 against rounding.
  const chi2 = scale * scale * syy + 2 * scale * offset * sy + offset * offset * sumW - 2 * scale * sye - 2 * offset * sumWE + sumWEE;
  return { chi2: chi2 > 0 ? chi2 : 0, scale, offset };
}

/** χ² recomputed term by term (no expansion), for tests and for the final report. */
export function misfitDirect(target: FitTarget, y: Float64Array, scale: number, offset: number): number {
  let chi2 = 0;
  for (let k = 0; k < y.length; k++) {
    const r = scale * (y[k] as number) + offset - (target.e[k] as number);
    chi2 += (target.w[k] as number) * r * r;
  }
  return chi2;
}

/** R² = 1 − Σ(s y + b − e)² / Σ(e − ē)² (unweighted), the goodness of fit the paper reports. */
export function rSquared(e: Float64Array, y: Float64Array, scale: number, offset: number): number {
  let mean = 0;
  for (let k = 0; k < e.length; k++) mean += e[k] as number;
  mean /= e.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let k = 0; k < e.length; k++) {
    const r = scale * (y[k] as number) + offset - (e[k] as number);
    ssRes += r * r;
    ssTot += ((e[k] as number) - mean) ** 2;
  }
  return ssTot > 0 ? 1 - ssRes / ssTot : Number.NaN;
}
