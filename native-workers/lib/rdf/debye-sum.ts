/**
 * Direct Debye-equation scattering of a small finite cluster (all pairs, no histogram, no periodicity): the
 * independent reference that the histogram route to S(q) is checked against. O(N² · Q).
 */
import type { ScatteringFactors } from './scattering-factors';

export interface DebyeScattering {
  qInvA: Float64Array;
  /** I(q)/N = (1/N) Σ_i Σ_j f_i f_j sinc(q r_ij) (orientation-averaged coherent intensity per atom). */
  intensityPerAtom: Float64Array;
  /** Faber–Ziman S(q) = [I/N − (⟨f²⟩ − ⟨f⟩²)] / ⟨f⟩². */
  s: Float64Array;
}

/**
 * Debye sum over all atom pairs of `positions` (interleaved x y z, Å; no periodic images) with species indices into
 * `elements`, weighted by `factors` (pass a constant-f table, e.g. neutron lengths of one element, for a plain S(q)).
 */
export function debyeScattering(
  positions: Float64Array,
  speciesIndex: ArrayLike<number>,
  elements: readonly string[],
  factors: ScatteringFactors,
  qInvA: ArrayLike<number>,
): DebyeScattering {
  const n = positions.length / 3;
  if (speciesIndex.length !== n) throw new Error(`speciesIndex has ${speciesIndex.length} entries for ${n} atoms`);
  if (n === 0) throw new Error('no atoms');
  const s = elements.length;
  const counts = new Float64Array(s);
  for (let i = 0; i < n; i++) counts[speciesIndex[i] as number] = (counts[speciesIndex[i] as number] as number) + 1;
  // Pair distances grouped by species pair, so the q loop only multiplies per-pair sums by f_a f_b.
  const distances: number[][] = Array.from({ length: s * s }, () => []);
  for (let i = 0; i < n; i++) {
    const a = speciesIndex[i] as number;
    for (let j = i + 1; j < n; j++) {
      const b = speciesIndex[j] as number;
      const dx = (positions[3 * i] as number) - (positions[3 * j] as number);
      const dy = (positions[3 * i + 1] as number) - (positions[3 * j + 1] as number);
      const dz = (positions[3 * i + 2] as number) - (positions[3 * j + 2] as number);
      (distances[Math.min(a, b) * s + Math.max(a, b)] as number[]).push(Math.sqrt(dx * dx + dy * dy + dz * dz));
    }
  }
  const qCount = qInvA.length;
  const intensityPerAtom = new Float64Array(qCount);
  const out = new Float64Array(qCount);
  for (let iq = 0; iq < qCount; iq++) {
    const q = qInvA[iq] as number;
    const f = elements.map((el, a) => ((counts[a] as number) > 0 ? factors.at(el, q) : 0));
    let meanF = 0;
    let meanF2 = 0;
    for (let a = 0; a < s; a++) {
      meanF += ((counts[a] as number) / n) * (f[a] as number);
      meanF2 += ((counts[a] as number) / n) * (f[a] as number) ** 2;
    }
    let cross = 0;
    for (let a = 0; a < s; a++) {
      for (let b = a; b < s; b++) {
        let sum = 0;
        for (const r of distances[a * s + b] as number[]) sum += q * r === 0 ? 1 : Math.sin(q * r) / (q * r);
        cross += 2 * (f[a] as number) * (f[b] as number) * sum;
      }
    }
    intensityPerAtom[iq] = meanF2 + cross / n;
    out[iq] = ((intensityPerAtom[iq] as number) - (meanF2 - meanF * meanF)) / (meanF * meanF);
  }
  return { qInvA: Float64Array.from(qInvA), intensityPerAtom, s: out };
}
