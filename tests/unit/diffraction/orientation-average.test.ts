/**
 * The orientation average of the engine's patterns equals the Debye scattering equation on the same atoms:
 * ⟨I(K)⟩ over all directions of K = (1/N) Σ_i Σ_j f_i f_j sin(q r_ij)/(q r_ij) with q = 2π|K| (rdf/debye-sum.ts).
 * The average is a spherical quadrature (Gauss–Legendre in cos θ × uniform φ), exact for the band-limited |F|², so
 * the agreement is to rounding, not to Monte Carlo noise.
 */
import { describe, expect, it } from 'vitest';
import type { ProbeShape } from '../../../main/shared/diffraction';
import type { Vec3 } from '../../../main/shared/domain';
import { KinematicPatternEngine, ProbeSelector, patternGrid } from '../../../native-workers/lib/diffraction';
import { debyeScattering } from '../../../native-workers/lib/rdf/debye-sum';
import { demoGlass, glassSpecies, pengFactors } from './reference';

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_L). */
function gaussLegendre(order: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let k = 1; k <= order; k++) {
    let t = Math.cos((Math.PI * (k - 0.25)) / (order + 0.5));
    let derivative = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = t;
      for (let l = 2; l <= order; l++) [p0, p1] = [p1, ((2 * l - 1) * t * p1 - (l - 1) * p0) / l];
      derivative = (order * (t * p1 - p0)) / (t * t - 1);
      const step = p1 / derivative;
      t -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    x.push(t);
    w.push(2 / ((1 - t * t) * derivative * derivative));
  }
  return { x, w };
}

/** A rotation taking the unit vector `n` to x̂ (rows: n and two vectors completing a right-handed frame). */
function rotationTakingToX(n: Vec3): [Vec3, Vec3, Vec3] {
  const helper: Vec3 = Math.abs(n[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const b = [n[1] * helper[2] - n[2] * helper[1], n[2] * helper[0] - n[0] * helper[2], n[0] * helper[1] - n[1] * helper[0]];
  const bl = Math.hypot(b[0]!, b[1]!, b[2]!);
  const e2: Vec3 = [b[0]! / bl, b[1]! / bl, b[2]! / bl];
  const e3: Vec3 = [n[1] * e2[2] - n[2] * e2[1], n[2] * e2[0] - n[0] * e2[2], n[0] * e2[1] - n[1] * e2[0]];
  return [n, e2, e3];
}

function compare(shape: ProbeShape, order: number): number {
  const glass = demoGlass();
  const all = glassSpecies(glass);
  const probe = new ProbeSelector(glass, shape, 'z').select([16, 15, 17]);
  const species = Uint8Array.from(probe.indices, (i) => all[i] as number);
  const count = species.length;
  const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.05 }, 'z');
  const engine = new KinematicPatternEngine(grid, pengFactors(), ['Cu', 'Zr']);
  const { n, side } = grid;
  // Nodes (i, 0), i = 1 … 19, lie along u = x̂ at |K| = iΔk: rotate the atoms so that x̂ samples direction n_q.
  const average = new Float64Array(n);
  const gl = gaussLegendre(order);
  const phiCount = 2 * order;
  const rotated = new Float64Array(3 * count);
  const image = new Float64Array(side * side);
  gl.x.forEach((cosTheta, a) => {
    const sinTheta = Math.sqrt(1 - cosTheta * cosTheta);
    for (let b = 0; b < phiCount; b++) {
      const phi = (2 * Math.PI * (b + 0.5)) / phiCount;
      const [r0, r1, r2] = rotationTakingToX([sinTheta * Math.cos(phi), sinTheta * Math.sin(phi), cosTheta]);
      for (let m = 0; m < count; m++) {
        const p = [probe.relative[3 * m]!, probe.relative[3 * m + 1]!, probe.relative[3 * m + 2]!];
        rotated[3 * m] = r0[0] * p[0]! + r0[1] * p[1]! + r0[2] * p[2]!;
        rotated[3 * m + 1] = r1[0] * p[0]! + r1[1] * p[1]! + r1[2] * p[2]!;
        rotated[3 * m + 2] = r2[0] * p[0]! + r2[1] * p[1]! + r2[2] * p[2]!;
      }
      engine.pattern(rotated, species, image);
      const weight = (gl.w[a] as number) / (2 * phiCount);
      for (let i = 1; i < n; i++) average[i] = average[i]! + weight * image[n * side + n + i]!;
    }
  });
  const q = Array.from({ length: n - 1 }, (_, k) => 2 * Math.PI * grid.deltaKInvA * (k + 1));
  const debye = debyeScattering(probe.relative, species, ['Cu', 'Zr'], pengFactors(), q);
  let worst = 0;
  for (let k = 0; k < q.length; k++) {
    worst = Math.max(worst, Math.abs(average[k + 1]! - debye.intensityPerAtom[k]!) / debye.intensityPerAtom[k]!);
  }
  return worst;
}

describe('orientation-averaged NBED intensity', () => {
  it('equals the Debye equation for a one-layer cluster (13 atoms) to 1e-9', () => {
    expect(compare({ kind: 'cluster' }, 32)).toBeLessThan(1e-9);
  });

  it('equals the Debye equation for a 4 Å × 8 Å cylinder to 1e-9', () => {
    expect(compare({ kind: 'cylinder', radiusA: 4, heightA: 8 }, 56)).toBeLessThan(1e-9);
  });
});
