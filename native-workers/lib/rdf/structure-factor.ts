/**
 * Faber–Ziman structure factors: partial S_ab(q) from histogrammed g_ab(r) by an exact per-bin sine transform
 * (optionally Lorch-windowed), and the total S(q) weighted by electron, X-ray or neutron scattering factors.
 *
 * Formulas implemented (ρ = N/V, c_a = N_a/N, sinc(x) = sin x / x):
 *   S_ab(q) = 1 + 4πρ Σ_k M(r_k) (g̃_ab,k − u) W_k(q),   W_k(q) = ∫_{r_k−Δr/2}^{r_k+Δr/2} r² sinc(qr) dr
 *                                                                = [F(q r_hi) − F(q r_lo)] / q³,  F(x) = sin x − x cos x,
 *   i.e. the Faber–Ziman integral 1 + 4πρ ∫₀^rmax r² (g_ab(r) − 1) sinc(qr) dr evaluated exactly for a g that is
 *   constant within each bin. g̃_ab is g_ab normalised by the full partial density c_b ρ (Faber–Ziman), which differs
 *   from LAMMPS's g_aa (normalised by (N_a − 1)/V) by the factor (N_a − 1)/N_a: g̃_ab = g_ab · normFactor_ab / N_b.
 *   u = 1 subtracts the uniform background (periodic systems); u = 0 keeps it, which makes S(q) equal to the Debye
 *   sum of a finite cluster. M(r) = sin(πr/R)/(πr/R) with R = rmax is the Lorch window (off by default: it damps
 *   truncation ripples but broadens peaks), M = 1 otherwise.
 *   S(q) = Σ_ab c_a c_b f_a(q) f_b(q) S_ab(q) / ⟨f(q)⟩²,   ⟨f⟩ = Σ_a c_a f_a(q)
 *   (equivalently S − 1 = Σ_ab c_a c_b f_a f_b (S_ab − 1)/⟨f⟩², since Σ_ab c_a c_b f_a f_b = ⟨f⟩²).
 *   With a centre mask the centre side uses the centres' composition: c_a → C_a/C and ⟨f⟩² → ⟨f⟩_centres ⟨f⟩_all.
 */
import type { PairDistribution } from './pair-distribution';
import type { ScatteringFactors } from './scattering-factors';
import { LimitExceeded, MAX_SQ_POINTS } from '../../../main/shared/limits';

export interface StructureFactorOptions {
  /** Multiply g(r) − u by the Lorch window sin(πr/R)/(πr/R), R = rmax (default false). */
  lorch?: boolean;
  /** Subtract the uniform density (u = 1; default true). Use false for a cluster in vacuum (Debye-sum equivalent). */
  uniformBackground?: boolean;
}

/** W_k(q) for every q (rows) and bin (columns), with the Lorch factor folded in. */
function transformKernel(binCount: number, binWidthA: number, qInvA: ArrayLike<number>, lorch: boolean): Float64Array {
  const kernel = new Float64Array(qInvA.length * binCount);
  const rmaxA = binCount * binWidthA;
  const window = new Float64Array(binCount);
  for (let k = 0; k < binCount; k++) {
    const x = (Math.PI * (k + 0.5) * binWidthA) / rmaxA;
    window[k] = lorch ? Math.sin(x) / x : 1;
  }
  for (let iq = 0; iq < qInvA.length; iq++) {
    const q = qInvA[iq] as number;
    if (!(q >= 0) || !Number.isFinite(q)) throw new Error(`q must be finite and ≥ 0 Å⁻¹ (got ${q})`);
    let previous = q === 0 ? 0 : sinMinusXCos(0);
    for (let k = 0; k < binCount; k++) {
      const lo = k * binWidthA;
      const hi = (k + 1) * binWidthA;
      let w: number;
      if (q === 0) {
        w = (hi * hi * hi - lo * lo * lo) / 3;
      } else {
        const next = sinMinusXCos(q * hi);
        w = (next - previous) / (q * q * q);
        previous = next;
      }
      kernel[iq * binCount + k] = w * (window[k] as number);
    }
  }
  return kernel;
}

/** F(x) = sin x − x cos x, by its Taylor series where the direct form would cancel (x < 0.1). */
function sinMinusXCos(x: number): number {
  if (x < 0.1) {
    const x2 = x * x;
    return x * x2 * (1 / 3 - x2 * (1 / 30 - x2 * (1 / 840 - x2 * (1 / 45360 - x2 / 3991680))));
  }
  return Math.sin(x) - x * Math.cos(x);
}

/**
 * S(q) = 1 + 4πρ Σ_k M(r_k) (g_k − u) W_k(q) of one histogram g (bin k covers [kΔr, (k+1)Δr)); `densityPerA3` is
 * the ρ of the formula (the total number density for a Faber–Ziman partial). Works for any g(r): total, partial,
 * experimental or a modelling target.
 */
export function structureFactorFromG(
  g: ArrayLike<number>,
  binWidthA: number,
  densityPerA3: number,
  qInvA: ArrayLike<number>,
  options: StructureFactorOptions = {},
): Float64Array {
  if (!(binWidthA > 0)) throw new Error(`binWidthA must be positive (got ${binWidthA})`);
  const kernel = transformKernel(g.length, binWidthA, qInvA, options.lorch ?? false);
  return applyKernel(kernel, g, 1, densityPerA3, qInvA.length, options.uniformBackground ?? true);
}

function applyKernel(
  kernel: Float64Array,
  g: ArrayLike<number>,
  gScale: number,
  densityPerA3: number,
  qCount: number,
  uniformBackground: boolean,
): Float64Array {
  const binCount = g.length;
  const u = uniformBackground ? 1 : 0;
  const out = new Float64Array(qCount);
  for (let iq = 0; iq < qCount; iq++) {
    let sum = 0;
    for (let k = 0; k < binCount; k++) sum += ((g[k] as number) * gScale - u) * (kernel[iq * binCount + k] as number);
    out[iq] = 1 + 4 * Math.PI * densityPerA3 * sum;
  }
  return out;
}

export interface PartialStructureFactors {
  qInvA: Float64Array;
  speciesCount: number;
  /** S_ab(q) for every ordered pair, index a · speciesCount + b (S_ab = S_ba for a whole system). */
  partials: Float64Array[];
  /** Composition of the centres (c_a of the formula's first index). */
  centreConcentrations: Float64Array;
  /** Composition of the whole system (c_b). */
  concentrations: Float64Array;
  /** ρ = N / V in Å⁻³. */
  densityPerA3: number;
  options: Required<StructureFactorOptions>;
}

/**
 * Faber–Ziman partials of a pair distribution. The default background is uniform (u = 1) for a periodic cell, none
 * (u = 0, Debye-equivalent) for a cell that is periodic in no direction — pass `periodic` to say which (a
 * PairDistribution does not remember its cell).
 */
export function partialStructureFactors(
  pd: PairDistribution,
  qInvA: ArrayLike<number>,
  options: StructureFactorOptions & { periodic?: boolean } = {},
): PartialStructureFactors {
  const s = pd.speciesCounts.length;
  const lorch = options.lorch ?? false;
  const uniformBackground = options.uniformBackground ?? options.periodic ?? true;
  const kernel = transformKernel(pd.binCount, pd.binWidthA, qInvA, lorch);
  const n = pd.atomCount;
  const densityPerA3 = n / pd.volumeA3;
  let centres = 0;
  for (let a = 0; a < s; a++) centres += pd.centreCounts[a] as number;
  const concentrations = Float64Array.from(pd.speciesCounts, (x) => x / n);
  const centreConcentrations = Float64Array.from(pd.centreCounts, (x) => (centres > 0 ? x / centres : 0));
  const partials: Float64Array[] = [];
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) {
      const curve = pd.partials[a * s + b];
      const nb = pd.speciesCounts[b] as number;
      if (!curve || nb === 0 || curve.centreCount === 0) {
        partials.push(new Float64Array(qInvA.length).fill(Number.NaN));
        continue;
      }
      // Renormalise from LAMMPS's neighbour count (N_b − δ_ab) to Faber–Ziman's c_b ρ = N_b / V.
      partials.push(applyKernel(kernel, curve.g, curve.normFactor / nb, densityPerA3, qInvA.length, uniformBackground));
    }
  }
  return {
    qInvA: Float64Array.from(qInvA),
    speciesCount: s,
    partials,
    centreConcentrations,
    concentrations,
    densityPerA3,
    options: { lorch, uniformBackground },
  };
}

export interface TotalStructureFactor {
  qInvA: Float64Array;
  /** Faber–Ziman total S(q). */
  s: Float64Array;
  /** ⟨f(q)⟩ over the whole system's composition. */
  meanF: Float64Array;
  radiation: ScatteringFactors['radiation'];
  source: string;
}

/**
 * Faber–Ziman total S(q) = Σ_ab c_a c_b f_a f_b S_ab / ⟨f⟩² from the partials, `elements[a]` naming species a.
 * Species absent from the system (c = 0) do not contribute.
 */
export function totalStructureFactor(
  partials: PartialStructureFactors,
  elements: readonly string[],
  factors: ScatteringFactors,
): TotalStructureFactor {
  const s = partials.speciesCount;
  if (elements.length < s) throw new Error(`need an element symbol for each of the ${s} species (got ${elements.length})`);
  const qCount = partials.qInvA.length;
  const out = new Float64Array(qCount);
  const meanF = new Float64Array(qCount);
  const f = new Float64Array(s);
  for (let iq = 0; iq < qCount; iq++) {
    const q = partials.qInvA[iq] as number;
    let fAll = 0;
    let fCentres = 0;
    for (let a = 0; a < s; a++) {
      const present = (partials.concentrations[a] as number) > 0 || (partials.centreConcentrations[a] as number) > 0;
      f[a] = present ? factors.at(elements[a] as string, q) : 0;
      fAll += (partials.concentrations[a] as number) * (f[a] as number);
      fCentres += (partials.centreConcentrations[a] as number) * (f[a] as number);
    }
    let sum = 0;
    for (let a = 0; a < s; a++) {
      const ca = partials.centreConcentrations[a] as number;
      if (ca === 0) continue;
      for (let b = 0; b < s; b++) {
        const cb = partials.concentrations[b] as number;
        if (cb === 0) continue;
        sum += ca * cb * (f[a] as number) * (f[b] as number) * ((partials.partials[a * s + b] as Float64Array)[iq] as number);
      }
    }
    out[iq] = sum / (fCentres * fAll);
    meanF[iq] = fAll;
  }
  return { qInvA: Float64Array.from(partials.qInvA), s: out, meanF, radiation: factors.radiation, source: factors.source };
}

/** Evenly spaced q values qminInvA, qminInvA + stepInvA, … ≤ qmaxInvA. */
export function qGrid(qminInvA: number, qmaxInvA: number, stepInvA: number): Float64Array {
  if (!(stepInvA > 0) || !(qmaxInvA >= qminInvA)) throw new Error('need stepInvA > 0 and qmaxInvA ≥ qminInvA');
  const count = Math.floor((qmaxInvA - qminInvA) / stepInvA + 1e-9) + 1;
  if (!(count <= MAX_SQ_POINTS)) throw new LimitExceeded(`q points at a ${stepInvA} Å⁻¹ step`, count, MAX_SQ_POINTS, 'use a larger q step');
  return Float64Array.from({ length: count }, (_, i) => qminInvA + i * stepInvA);
}
