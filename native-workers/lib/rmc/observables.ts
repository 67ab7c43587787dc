/**
 * What an RMC model predicts for a measured curve, written as a linear map of its pair histograms:
 *
 *   y(x_k) = base_k + Σ_p Σ_bin K_p[bin][k] · h_p[bin]
 *
 * with h_p the count of unordered pairs of species pair p in each r bin. Every quantity fitted here (total and
 * partial structure factors, F(q), S(q) − 1, total and partial pair distributions, the PDF G(r) with its Qmax
 * termination and Qdamp envelope) has that form, so a move that changes a few dozen histogram entries changes y by
 * the matching rows of K: this is what makes an RMC move O(neighbours · points) instead of a full recomputation.
 * K is stored row by bin (all points a bin touches together), dense for q-space curves and sparse for r-space ones.
 * The formulas are written out in docs/rmc.md.
 */
import { pairCount, pairIndex } from './configuration';

/** A linear map from pair histograms to curve values, rows by (pair, bin). */
export interface LinearObservable {
  /** Points of the curve (q in Å⁻¹ or r in Å). */
  x: Float64Array;
  /** The part of y that no pair changes. */
  base: Float64Array;
  binCount: number;
  /** For each key = pair · binCount + bin: its entries are start[key] … start[key + 1] − 1. */
  start: Int32Array;
  /** Point index of each entry (unused when `dense`: entry e of a row is point e). */
  index: Int32Array;
  value: Float64Array;
  /** Every row holds every point, in order (q-space curves). */
  dense: boolean;
}

export interface HistogramGeometry {
  /** Bin width Δr, Å; bin k covers [kΔr, (k+1)Δr). */
  binWidthA: number;
  binCount: number;
  speciesCount: number;
  /** Atoms per species. */
  speciesCounts: ArrayLike<number>;
  volumeA3: number;
}

/** Shell volumes 4π/3 (r_hi³ − r_lo³) of each bin. */
function shellVolumes(geometry: HistogramGeometry): Float64Array {
  const out = new Float64Array(geometry.binCount);
  for (let k = 0; k < geometry.binCount; k++) {
    const lo = k * geometry.binWidthA;
    const hi = lo + geometry.binWidthA;
    out[k] = ((4 * Math.PI) / 3) * (hi * hi * hi - lo * lo * lo);
  }
  return out;
}

/** What both kinds of map need: pair count, atoms, density, shell volumes and r_max of the histograms. */
function totals(geometry: HistogramGeometry): { pairs: number; n: number; rho: number; shells: Float64Array; rmax: number } {
  let n = 0;
  for (let a = 0; a < geometry.speciesCount; a++) n += geometry.speciesCounts[a] as number;
  return { pairs: pairCount(geometry.speciesCount), n, rho: n / geometry.volumeA3, shells: shellVolumes(geometry), rmax: geometry.binCount * geometry.binWidthA };
}

/** F(x) = sin x − x cos x, by its series where the direct form cancels (x < 0.1). */
function sinMinusXCos(x: number): number {
  if (x < 0.1) {
    const x2 = x * x;
    return x * x2 * (1 / 3 - x2 * (1 / 30 - x2 * (1 / 840 - x2 * (1 / 45360 - x2 / 3991680))));
  }
  return Math.sin(x) - x * Math.cos(x);
}

/** W_k(q) = ∫_bin r² sinc(qr) dr, exact for g constant in a bin. */
function binSineIntegral(q: number, lo: number, hi: number): number {
  if (q === 0) return (hi * hi * hi - lo * lo * lo) / 3;
  return (sinMinusXCos(q * hi) - sinMinusXCos(q * lo)) / (q * q * q);
}

export type QQuantity = 'S(q)' | 'F(q)' | 'i(q)';

export interface QSpaceOptions {
  quantity: QQuantity;
  q: Float64Array;
  /**
   * Scattering weight of each species at each q: weights[a][k] (X-ray f_a(q), neutron b_a, electron f_a(q)). For a
   * partial S_ab(q) give `pair` instead.
   */
  weights?: Float64Array[];
  /** Fit the Faber–Ziman partial S_ab of this species pair instead of the total. */
  pair?: [number, number];
  /** Multiply g(r) − 1 by the Lorch window sin(πr/R)/(πr/R), R = r_max, against truncation ripples. */
  lorch?: boolean;
}

/**
 * Faber–Ziman S(q) (total, weighted, or one partial) as a linear map of the histograms. For a pair (a, b), a ≠ b,
 * the ordered counts a→b and b→a both equal h; for a = b the ordered count is 2h. Substituting the histogram
 * normalisation g̃_ab = n_ab / (N_a c_b ρ V_shell) into S − 1 = Σ_ab c_a c_b f_a f_b/⟨f⟩² · 4πρ ∫ r² (g̃_ab − 1) sinc(qr) dr
 * gives, per unordered pair count, the Debye-like coefficient 2 f_a f_b / (⟨f⟩² N) · 4π W_k(q) / V_shell,k, and a
 * constant −4πρ Σ_k W_k(q) from the uniform background.
 */
export function qSpaceObservable(geometry: HistogramGeometry, options: QSpaceOptions): LinearObservable {
  const { binCount, binWidthA, speciesCount, speciesCounts } = geometry;
  const { q } = options;
  const nq = q.length;
  const { pairs, n, rho, shells, rmax } = totals(geometry);
  const window = new Float64Array(binCount);
  for (let k = 0; k < binCount; k++) {
    const x = (Math.PI * (k + 0.5) * binWidthA) / rmax;
    window[k] = options.lorch ? Math.sin(x) / x : 1;
  }
  // W[k][iq] · window[k] · 4π / V_shell[k], the sinc of each bin at each q.
  const sinc = new Float64Array(binCount * nq);
  const background = new Float64Array(nq);
  for (let k = 0; k < binCount; k++) {
    const lo = k * binWidthA;
    const hi = lo + binWidthA;
    for (let iq = 0; iq < nq; iq++) {
      const w = binSineIntegral(q[iq] as number, lo, hi) * (window[k] as number);
      sinc[k * nq + iq] = (4 * Math.PI * w) / (shells[k] as number);
      background[iq] = (background[iq] as number) + 4 * Math.PI * rho * w;
    }
  }
  // Per unordered pair p: its coefficient at each q (before the sinc).
  const pairFactor = new Float64Array(pairs * nq);
  if (options.pair) {
    const [a, b] = options.pair;
    const na = speciesCounts[a] as number;
    const nb = speciesCounts[b] as number;
    if (!(na > 0) || !(nb > 0)) throw new Error(`the partial (${a}, ${b}) needs atoms of both species`);
    // Ordered count a→b per unordered count: 1 (a ≠ b) or 2 (a = b); normalised by N_a c_b = N_a N_b / N.
    const factor = ((a === b ? 2 : 1) * n) / (na * nb);
    const p = pairIndex(a, b, speciesCount);
    for (let iq = 0; iq < nq; iq++) pairFactor[p * nq + iq] = factor;
  } else {
    const weights = options.weights;
    if (!weights || weights.length < speciesCount) throw new Error('a total S(q) needs a scattering weight per species');
    for (let iq = 0; iq < nq; iq++) {
      let mean = 0;
      for (let a = 0; a < speciesCount; a++) mean += ((speciesCounts[a] as number) / n) * ((weights[a] as Float64Array)[iq] as number);
      if (mean === 0) throw new Error(`the mean scattering weight is 0 at q = ${q[iq]} Å⁻¹`);
      for (let a = 0; a < speciesCount; a++) {
        for (let b = a; b < speciesCount; b++) {
          const fa = (weights[a] as Float64Array)[iq] as number;
          const fb = (weights[b] as Float64Array)[iq] as number;
          pairFactor[pairIndex(a, b, speciesCount) * nq + iq] = (2 * fa * fb) / (mean * mean * n);
        }
      }
    }
  }
  const scaleByQ = options.quantity === 'F(q)';
  const offset = options.quantity === 'S(q)' ? 1 : 0;
  const base = new Float64Array(nq);
  for (let iq = 0; iq < nq; iq++) base[iq] = (offset - (background[iq] as number)) * (scaleByQ ? (q[iq] as number) : 1);
  const start = new Int32Array(pairs * binCount + 1);
  const value = new Float64Array(pairs * binCount * nq);
  for (let p = 0; p < pairs; p++) {
    for (let k = 0; k < binCount; k++) {
      const key = p * binCount + k;
      start[key + 1] = (key + 1) * nq;
      for (let iq = 0; iq < nq; iq++) {
        const v = (pairFactor[p * nq + iq] as number) * (sinc[k * nq + iq] as number);
        value[key * nq + iq] = scaleByQ ? v * (q[iq] as number) : v;
      }
    }
  }
  return { x: Float64Array.from(q), base, binCount, start, index: new Int32Array(0), value, dense: true };
}

export type RQuantity = 'g(r)' | 'G(r)';

export interface RSpaceOptions {
  quantity: RQuantity;
  r: Float64Array;
  /** Scattering weight per species (q-independent: X-ray Z or f(0), neutron b). Not used for a partial. */
  weights?: Float64Array;
  pair?: [number, number];
  /** Termination of the measured G(r) at Qmax (Å⁻¹): the model's G is convolved with the same sinc. */
  qmaxInvA?: number;
  /** Instrument resolution: G multiplied by exp(−(Qdamp r)²/2). */
  qdampInvA?: number;
}

/**
 * The model's g(r) in each bin is n_ab / (N_a (N_b − δ_ab)/V · V_shell) per ordered pair, as LAMMPS `compute rdf`
 * normalises partials; a total is Σ_ab c_a c_b w_a w_b g_ab / ⟨w⟩². At a measured r it is interpolated linearly
 * between bin centres (a point below the first centre takes the first bin). G(r) = 4πρ r (g − 1); with a Qmax the
 * model's G is convolved with the termination kernel (1/π)[sin Qmax(r − r')/(r − r') − sin Qmax(r + r')/(r + r')],
 * integrated over each bin with 4-point Gauss–Legendre (G taken as 4πρ r' (g_bin − 1) inside the bin, and 0 beyond r_max).
 */
export function rSpaceObservable(geometry: HistogramGeometry, options: RSpaceOptions): LinearObservable {
  const { binCount, binWidthA, speciesCount, speciesCounts, volumeA3 } = geometry;
  const { r } = options;
  const nr = r.length;
  const { pairs, n, rho, shells, rmax } = totals(geometry);
  for (let i = 0; i < nr; i++) {
    const ri = r[i] as number;
    if (!(ri >= 0) || ri > rmax) throw new Error(`r = ${ri} Å is outside the model's range 0 … ${rmax} Å (r_max)`);
  }
  // g per unordered count for each pair and bin: pairG[p] · 1/V_shell[k].
  const pairG = new Float64Array(pairs);
  if (options.pair) {
    const [a, b] = options.pair;
    const na = speciesCounts[a] as number;
    const nb = speciesCounts[b] as number;
    const neighbours = a === b ? nb - 1 : nb;
    if (!(na > 0) || !(neighbours > 0)) throw new Error(`the partial (${a}, ${b}) needs atoms of both species (two of a species for a like pair)`);
    pairG[pairIndex(a, b, speciesCount)] = ((a === b ? 2 : 1) * volumeA3) / (na * neighbours);
  } else {
    const w = options.weights;
    if (!w || w.length < speciesCount) throw new Error('a total g(r) needs a scattering weight per species');
    let mean = 0;
    for (let a = 0; a < speciesCount; a++) mean += ((speciesCounts[a] as number) / n) * (w[a] as number);
    if (mean === 0) throw new Error('the mean scattering weight is 0');
    for (let a = 0; a < speciesCount; a++) {
      for (let b = a; b < speciesCount; b++) {
        const na = speciesCounts[a] as number;
        const nb = speciesCounts[b] as number;
        if (na === 0 || nb === 0 || (a === b && na < 2)) continue;
        // c_a c_b w_a w_b / ⟨w⟩² · g_ab, summed over both orders of a ≠ b (g_ab = g_ba for a whole system).
        const neighbours = a === b ? nb - 1 : nb;
        const gPerCount = ((a === b ? 2 : 1) * volumeA3) / (na * neighbours);
        const weight = ((na / n) * (nb / n) * (w[a] as number) * (w[b] as number)) / (mean * mean);
        pairG[pairIndex(a, b, speciesCount)] = (a === b ? 1 : 2) * weight * gPerCount;
      }
    }
  }
  // The g(r) of a whole uniform system → 1; the constant part: 1 for a total or a partial.
  // Matrix M[i][k]: how bin k's g enters point i (interpolation, or termination quadrature for G).
  const entries: { k: number; i: number; v: number }[] = [];
  const base = new Float64Array(nr);
  const damp = (ri: number): number => (options.qdampInvA ? Math.exp(-0.5 * (options.qdampInvA * ri) ** 2) : 1);
  if (options.quantity === 'G(r)' && options.qmaxInvA !== undefined) {
    const qmax = options.qmaxInvA;
    if (!(qmax > 0)) throw new Error(`Qmax must be positive (got ${qmax} Å⁻¹)`);
    const gl = [
      [-0.8611363115940526, 0.3478548451374538],
      [-0.3399810435848563, 0.6521451548625461],
      [0.3399810435848563, 0.6521451548625461],
      [0.8611363115940526, 0.3478548451374538],
    ] as const;
    const kernel = (u: number): number => (Math.abs(u) < 1e-9 ? qmax : Math.sin(qmax * u) / u);
    for (let i = 0; i < nr; i++) {
      const ri = r[i] as number;
      const d = damp(ri);
      let constant = 0;
      for (let k = 0; k < binCount; k++) {
        const lo = k * binWidthA;
        let integral = 0; // ∫_bin 4πρ r' [K(ri − r') − K(ri + r')] dr' / π
        for (const [t, w] of gl) {
          const rp = lo + 0.5 * binWidthA * (1 + t);
          integral += 0.5 * binWidthA * w * 4 * Math.PI * rho * rp * (kernel(ri - rp) - kernel(ri + rp));
        }
        integral /= Math.PI;
        // G_bin = 4πρ r' (g_bin − 1): the g part enters per count, the −1 part is constant.
        entries.push({ k, i, v: integral * d });
        constant -= integral * d;
      }
      base[i] = constant;
    }
  } else {
    for (let i = 0; i < nr; i++) {
      const ri = r[i] as number;
      const f = ri / binWidthA - 0.5;
      let k0 = Math.floor(f);
      let t = f - k0;
      if (k0 < 0) {
        k0 = 0;
        t = 0;
      }
      if (k0 >= binCount - 1) {
        k0 = binCount - 1;
        t = 0;
      }
      const scale = options.quantity === 'G(r)' ? 4 * Math.PI * rho * ri * damp(ri) : 1;
      entries.push({ k: k0, i, v: (1 - t) * scale });
      if (t > 0) entries.push({ k: k0 + 1, i, v: t * scale });
      base[i] = options.quantity === 'G(r)' ? -scale : 0;
    }
  }
  // Rows by (pair, bin): value = M[i][k] · pairG[p] / V_shell[k].
  const byBin: { i: number; v: number }[][] = Array.from({ length: binCount }, () => []);
  for (const e of entries) if (e.v !== 0) (byBin[e.k] as { i: number; v: number }[]).push({ i: e.i, v: e.v });
  const start = new Int32Array(pairs * binCount + 1);
  let total = 0;
  for (let p = 0; p < pairs; p++) {
    for (let k = 0; k < binCount; k++) {
      total += (pairG[p] as number) === 0 ? 0 : (byBin[k] as unknown[]).length;
      start[p * binCount + k + 1] = total;
    }
  }
  const index = new Int32Array(total);
  const value = new Float64Array(total);
  let at = 0;
  for (let p = 0; p < pairs; p++) {
    const gp = pairG[p] as number;
    if (gp === 0) continue;
    for (let k = 0; k < binCount; k++) {
      for (const e of byBin[k] as { i: number; v: number }[]) {
        index[at] = e.i;
        value[at] = (e.v * gp) / (shells[k] as number);
        at++;
      }
    }
  }
  return { x: Float64Array.from(r), base, binCount, start, index, value, dense: false };
}

/** y = base + K·h for histograms h[p · binCount + bin] (full evaluation; the engine updates y incrementally). */
export function evaluateObservable(obs: LinearObservable, histograms: Float64Array): Float64Array {
  const y = Float64Array.from(obs.base);
  const keys = obs.start.length - 1;
  const nx = obs.x.length;
  for (let key = 0; key < keys; key++) {
    const h = histograms[key] as number;
    if (h === 0) continue;
    addRow(obs, key, h, y, nx);
  }
  return y;
}

/** y += d · row(key). */
export function addRow(obs: LinearObservable, key: number, d: number, y: Float64Array, nx: number): void {
  const from = obs.start[key] as number;
  const to = obs.start[key + 1] as number;
  const value = obs.value;
  if (obs.dense) {
    for (let e = 0; e < nx; e++) y[e] = (y[e] as number) + d * (value[from + e] as number);
  } else {
    const index = obs.index;
    for (let e = from; e < to; e++) {
      const i = index[e] as number;
      y[i] = (y[i] as number) + d * (value[e] as number);
    }
  }
}
