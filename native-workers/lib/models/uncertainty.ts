/**
 * Per-frame uncertainty and out-of-distribution checks from what a model records (main/shared/model-uncertainty.ts):
 * σ(d) from a deep ensemble's spread (Lakshminarayanan, Pritzel & Blundell, "Simple and scalable predictive
 * uncertainty estimation using deep ensembles", NeurIPS 2017), scaled by a factor calibrated on validation data, and
 * a squared Mahalanobis distance of the frame's ring statistics to those of the (augmented) training inputs.
 * The feature definition is shared with native-workers/train/python/ssro_torch/export.py; tests compare the two.
 */
import type { ModelInputSpec } from '../../../main/shared/model-transform';
import type { EnsembleInfo, OodInfo } from '../../../main/shared/model-uncertainty';

/** d and σ(d) of `count` frames from the members' outputs (count × members, target units, row-major). */
export function ensembleD(outputs: Float32Array, count: number, members: number, target: 'd' | 'one_minus_d', ensemble: EnsembleInfo | null): { d: Float32Array; sigma: Float32Array | null } {
  if (outputs.length !== count * members) throw new Error(`${outputs.length} outputs for ${count} frames × ${members} members`);
  const d = new Float32Array(count);
  const sigma = members > 1 && ensemble ? new Float32Array(count) : null;
  for (let f = 0; f < count; f++) {
    let sum = 0;
    for (let m = 0; m < members; m++) sum += outputs[f * members + m] as number;
    const mean = sum / members;
    d[f] = target === 'd' ? mean : 1 - mean;
    if (sigma && ensemble) {
      // The spread of 1 − d equals the spread of d.
      let s2 = 0;
      for (let m = 0; m < members; m++) s2 += ((outputs[f * members + m] as number) - mean) ** 2;
      sigma[f] = ensemble.sigmaScale * Math.sqrt(s2 / members);
    }
  }
  return { d, sigma };
}

/** Ring index per node for ring-stats-v1 (−1 outside beamMask ≤ |K| < kmax), cached per grid. */
const ringCache = new Map<string, Int16Array>();

function ringsOf(spec: { side: number; kmaxInvA: number; deltaKInvA: number; beamMaskInvA: number }, bins: number): Int16Array {
  const key = `${spec.side}/${spec.kmaxInvA}/${spec.deltaKInvA}/${spec.beamMaskInvA}/${bins}`;
  const cached = ringCache.get(key);
  if (cached) return cached;
  const { side, kmaxInvA: kmax, deltaKInvA: dk, beamMaskInvA: kb } = spec;
  const n = (side - 1) / 2;
  const rings = new Int16Array(side * side).fill(-1);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const rho = (col - n) ** 2 + (row - n) ** 2;
      const k2 = dk * dk * rho;
      if (k2 < kb * kb || k2 >= kmax * kmax) continue;
      const k = dk * Math.sqrt(rho);
      rings[row * side + col] = Math.min(bins - 1, Math.floor(((k - kb) / (kmax - kb)) * bins));
    }
  }
  ringCache.set(key, rings);
  return rings;
}

/** ring-stats-v1 features of one model input: the mean of y in each ring, then its population std. */
export function ringFeatures(input: Float32Array, spec: ModelInputSpec, bins: number): Float64Array {
  if (spec.transform !== 'annulus-log' || spec.kmaxInvA === null || spec.deltaKInvA === null) throw new Error('ring statistics are defined for annulus-log inputs');
  const rings = ringsOf({ side: spec.side, kmaxInvA: spec.kmaxInvA, deltaKInvA: spec.deltaKInvA, beamMaskInvA: spec.beamMaskInvA }, bins);
  const count = new Float64Array(bins);
  const sum = new Float64Array(bins);
  const sum2 = new Float64Array(bins);
  for (let k = 0; k < rings.length; k++) {
    const b = rings[k] as number;
    if (b < 0) continue;
    const y = input[k] as number;
    count[b]! += 1;
    sum[b]! += y;
    sum2[b]! += y * y;
  }
  const features = new Float64Array(2 * bins);
  for (let b = 0; b < bins; b++) {
    const c = count[b] as number;
    const mean = c > 0 ? (sum[b] as number) / c : 0;
    features[b] = mean;
    features[bins + b] = c > 0 ? Math.sqrt(Math.max((sum2[b] as number) / c - mean * mean, 0)) : 0;
  }
  return features;
}

/** Squared Mahalanobis distance of a model input's features to the training inputs'. */
export function oodDistance(input: Float32Array, spec: ModelInputSpec, ood: OodInfo): number {
  const f = ringFeatures(input, spec, ood.bins);
  const dim = f.length;
  const diff = new Float64Array(dim);
  for (let a = 0; a < dim; a++) diff[a] = (f[a] as number) - (ood.mean[a] as number);
  let d2 = 0;
  for (let a = 0; a < dim; a++) {
    let row = 0;
    for (let b = 0; b < dim; b++) row += (ood.precision[a * dim + b] as number) * (diff[b] as number);
    d2 += (diff[a] as number) * row;
  }
  return d2;
}

/** The thresholds a model records for flagging frames (null where it records none). */
export interface OodThresholds {
  sigmaThreshold: number | null;
  distanceThreshold: number | null;
}

export function oodThresholds(ensemble: EnsembleInfo | null | undefined, ood: OodInfo | null | undefined): OodThresholds {
  return { sigmaThreshold: ensemble?.sigmaThreshold ?? null, distanceThreshold: ood?.threshold ?? null };
}

/** Why a mapped frame is out of distribution, or null when it is not (σ or D² null or NaN: not tested). */
export function outOfDistributionReason(sigma: number | null, distance2: number | null, thresholds: OodThresholds): string | null {
  const reasons: string[] = [];
  if (distance2 !== null && Number.isFinite(distance2) && thresholds.distanceThreshold !== null && distance2 > thresholds.distanceThreshold) {
    reasons.push(`unlike the training patterns (feature distance D² ${distance2.toPrecision(3)} > ${thresholds.distanceThreshold.toPrecision(3)})`);
  }
  if (sigma !== null && Number.isFinite(sigma) && thresholds.sigmaThreshold !== null && sigma > thresholds.sigmaThreshold) {
    reasons.push(`the ensemble members disagree (σ ${sigma.toPrecision(2)} > ${thresholds.sigmaThreshold.toPrecision(2)})`);
  }
  return reasons.length > 0 ? reasons.join('; ') : null;
}

/** Spearman's rank correlation (average ranks for ties) of two equally long series. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rank = (x: ArrayLike<number>): Float64Array => {
    const order = Array.from({ length: x.length }, (_, i) => i).sort((i, j) => (x[i] as number) - (x[j] as number));
    const r = new Float64Array(x.length);
    for (let start = 0; start < order.length; ) {
      let end = start + 1;
      while (end < order.length && x[order[end] as number] === x[order[start] as number]) end++;
      const average = (start + end - 1) / 2;
      for (let k = start; k < end; k++) r[order[k] as number] = average;
      start = end;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = ra.length;
  const mean = (n - 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += ((ra[i] as number) - mean) * ((rb[i] as number) - mean);
    saa += ((ra[i] as number) - mean) ** 2;
    sbb += ((rb[i] as number) - mean) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

/** How well σ describes the errors on labelled patterns: rank correlation and the coverage of ±σ and ±2σ. */
export function sigmaCalibration(d: ArrayLike<number>, sigma: ArrayLike<number>, truth: ArrayLike<number>): { count: number; spearman: number; coverage1: number; coverage2: number; meanSigma: number; rmse: number } {
  const errors: number[] = [];
  const sigmas: number[] = [];
  for (let i = 0; i < d.length; i++) {
    const e = Math.abs((d[i] as number) - (truth[i] as number));
    const s = sigma[i] as number;
    if (!Number.isFinite(e) || !Number.isFinite(s)) continue;
    errors.push(e);
    sigmas.push(s);
  }
  const n = errors.length;
  const within = (k: number): number => errors.filter((e, i) => e <= k * (sigmas[i] as number)).length / n;
  return {
    count: n,
    spearman: spearman(sigmas, errors),
    coverage1: within(1),
    coverage2: within(2),
    meanSigma: sigmas.reduce((a, b) => a + b, 0) / n,
    rmse: Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / n),
  };
}
