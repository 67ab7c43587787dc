/**
 * S(q): the per-bin sine transform against closed forms, the histogram route against a direct Debye sum (a finite
 * two-species cluster with electron, X-ray and neutron weights; a periodic box with explicit images), and the Bragg
 * peak positions of FCC.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../main/shared/domain';
import { debyeScattering } from '../../../native-workers/lib/rdf/debye-sum';
import { pairDistribution } from '../../../native-workers/lib/rdf/pair-distribution';
import { readScatteringFactors, type ScatteringFactors } from '../../../native-workers/lib/rdf/scattering-factors';
import { partialStructureFactors, qGrid, structureFactorFromG, totalStructureFactor } from '../../../native-workers/lib/rdf/structure-factor';
import { boundingBoxCell } from '../../../native-workers/lib/structure-io/cell-math';
import { fccCrystal, orthogonalCell, seededRandom } from './lattices';

const PENG = '/work/shared/data/electron-scattering-factors-peng1996.json';
const XRAY = path.resolve('resources/elements/xray-form-factors.json');

/** f = 1 for every element: S(q) is then the plain number–number structure factor. */
const UNIT_WEIGHTS: ScatteringFactors = { radiation: 'neutron', source: 'unit', unit: '1', has: () => true, at: () => 1 };

describe('structureFactorFromG', () => {
  it('is exactly 1 for g ≡ 1, with or without the Lorch window', () => {
    const g = new Float64Array(400).fill(1);
    for (const lorch of [false, true]) {
      for (const s of structureFactorFromG(g, 0.02, 0.06, [0, 1e-5, 0.3, 2.5, 11], { lorch })) expect(s).toBe(1);
    }
  });

  it('integrates r² sinc(qr) exactly per bin: g ≡ 0 gives the closed form of a sphere, also at tiny q', () => {
    const binWidthA = 0.05;
    const g = new Float64Array(200); // R = 10 Å
    const rho = 0.05;
    const R = 10;
    const qs = [0, 1e-6, 1e-3, 0.05, 0.7, 3.3, 12.1];
    const s = structureFactorFromG(g, binWidthA, rho, qs);
    qs.forEach((q, i) => {
      const x = q * R;
      // sin x − x cos x, by two Taylor terms where the direct form cancels.
      const f = x < 0.01 ? x ** 3 / 3 - x ** 5 / 30 : Math.sin(x) - x * Math.cos(x);
      const exact = q === 0 ? 1 - (4 * Math.PI * rho * R ** 3) / 3 : 1 - (4 * Math.PI * rho * f) / q ** 3;
      expect(Math.abs((s[i] as number) - exact)).toBeLessThan(1e-9 * Math.max(1, Math.abs(exact)));
    });
  });
});

/** A roughly spherical Cu–Zr cluster: FCC sites within `radiusA`, random substitution, small random displacements. */
function cluster(radiusA: number, seed: number): { positions: Float64Array; species: Uint8Array } {
  const random = seededRandom(seed);
  const { positions } = fccCrystal(3.7, 8, 8, 8, [-14.8, -14.8, -14.8]);
  const kept: number[] = [];
  const species: number[] = [];
  for (let i = 0; i < positions.length / 3; i++) {
    const x = (positions[3 * i] as number) + 0.4 * (random() - 0.5);
    const y = (positions[3 * i + 1] as number) + 0.4 * (random() - 0.5);
    const z = (positions[3 * i + 2] as number) + 0.4 * (random() - 0.5);
    if (x * x + y * y + z * z > radiusA * radiusA) continue;
    kept.push(x, y, z);
    species.push(random() < 0.36 ? 1 : 0);
  }
  return { positions: Float64Array.from(kept), species: Uint8Array.from(species) };
}

describe('S(q) of a finite cluster against the Debye equation', () => {
  const { positions, species } = cluster(8.5, 5);
  const n = species.length;
  const cell: Cell = boundingBoxCell(positions, 2);
  // rmax beyond the cluster diameter: every pair is in the histogram.
  const pd = pairDistribution(positions, species, cell, { rmaxA: 20, binWidthA: 0.001 });
  const q = qGrid(0.2, 12, 0.1);
  const partials = partialStructureFactors(pd, q, { periodic: false });
  const elements = ['Cu', 'Zr'];

  it(`has ${n} atoms of both species`, () => {
    expect(n).toBeGreaterThan(150);
    expect(pd.speciesCounts[1]).toBeGreaterThan(30);
    expect(partials.options.uniformBackground).toBe(false);
  });

  const weightings: Array<[string, () => ScatteringFactors]> = [
    ['unit weights', () => UNIT_WEIGHTS],
    ['electron (Peng 1996)', () => readScatteringFactors('electron', PENG)],
    ['X-ray (Waasmaier–Kirfel)', () => readScatteringFactors('xray', XRAY)],
    ['neutron (b_c)', () => readScatteringFactors('neutron', XRAY)],
  ];
  for (const [name, load] of weightings) {
    it(`matches the Debye sum bin-width-limited with ${name}`, () => {
      const factors = load();
      const ours = totalStructureFactor(partials, elements, factors);
      const debye = debyeScattering(positions, species, elements, factors, q);
      let worst = 0;
      for (let i = 0; i < q.length; i++) {
        const ref = debye.s[i] as number;
        worst = Math.max(worst, Math.abs((ours.s[i] as number) - ref) / Math.max(1, Math.abs(ref)));
      }
      // Binning moves each pair by up to Δr/2 = 0.0005 Å; the first-order errors of ~2·10⁴ pairs add up randomly
      // to ~(1/N)·√pairs·qΔr/√12·|sinc| ≈ 5·10⁻⁵ (measured: ~1·10⁻⁴ here, ~2.4·10⁻⁴ with Δr = 0.002 Å).
      expect(worst).toBeLessThan(1.5e-4);
      // And the check can fail: a 1 % density error is visible.
      const wrong = partialStructureFactors({ ...pd, volumeA3: pd.volumeA3 * 1.01 }, q, { periodic: false });
      const off = totalStructureFactor(wrong, elements, factors);
      expect(Math.max(...Array.from(off.s, (s, i) => Math.abs(s - (debye.s[i] as number))))).toBeGreaterThan(1e-3);
    });
  }
});

describe('S(q) of a periodic box against a Debye sum over explicit images', () => {
  it('agrees once the uniform background 4πρ∫r² sinc(qr) dr is removed from both', () => {
    const random = seededRandom(3);
    const { positions, cell } = fccCrystal(3.6, 2, 2, 2);
    for (let i = 0; i < positions.length; i++) positions[i] = (positions[i] as number) + 0.5 * (random() - 0.5);
    const n = positions.length / 3;
    const tri: Cell = { ...cell, b: [1.2, 7.2, 0], c: [-0.8, 0.6, 7.2] };
    const rmaxA = 15;
    const pd = pairDistribution(positions, new Uint8Array(n), tri, { rmaxA, binWidthA: 0.001 });
    const q = qGrid(0.5, 10, 0.25);
    const ours = totalStructureFactor(partialStructureFactors(pd, q), ['Cu'], UNIT_WEIGHTS).s;
    const rho = n / pd.volumeA3;
    const images = 3;
    for (let iq = 0; iq < q.length; iq++) {
      const qq = q[iq] as number;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          for (let p = -images; p <= images; p++) {
            for (let s = -images; s <= images; s++) {
              for (let t = -images; t <= images; t++) {
                if (i === j && p === 0 && s === 0 && t === 0) continue;
                const dx = (positions[3 * i] as number) - (positions[3 * j] as number) - (p * tri.a[0] + s * tri.b[0] + t * tri.c[0]);
                const dy = (positions[3 * i + 1] as number) - (positions[3 * j + 1] as number) - (p * tri.a[1] + s * tri.b[1] + t * tri.c[1]);
                const dz = (positions[3 * i + 2] as number) - (positions[3 * j + 2] as number) - (p * tri.a[2] + s * tri.b[2] + t * tri.c[2]);
                const r = Math.hypot(dx, dy, dz);
                if (r < rmaxA) sum += Math.sin(qq * r) / (qq * r);
              }
            }
          }
        }
      }
      const background = (4 * Math.PI * rho * (Math.sin(qq * rmaxA) - qq * rmaxA * Math.cos(qq * rmaxA))) / qq ** 3;
      const debye = 1 + sum / n - background;
      expect(Math.abs((ours[iq] as number) - debye)).toBeLessThan(1e-3 * Math.max(1, Math.abs(debye)));
    }
  });
});

describe('S(q) of perfect FCC', () => {
  it('peaks at the Bragg positions 2π√(h²+k²+l²)/a of the allowed reflections (111), (200), (220), (311)', () => {
    const a = 3.61;
    const { positions, cell } = fccCrystal(a, 4, 4, 4);
    const n = positions.length / 3;
    // rmax far beyond half the 14.4 Å box: the images sharpen the peaks.
    const pd = pairDistribution(positions, new Uint8Array(n), cell, { rmaxA: 40, binWidthA: 0.01 });
    const q = qGrid(1.5, 6.2, 0.005);
    const s = totalStructureFactor(partialStructureFactors(pd, q, { lorch: true }), ['Cu'], UNIT_WEIGHTS).s;
    const maxima: Array<[number, number]> = [];
    for (let i = 1; i < q.length - 1; i++) {
      if ((s[i] as number) > (s[i - 1] as number) && (s[i] as number) >= (s[i + 1] as number) && (s[i] as number) > 3) maxima.push([q[i] as number, s[i] as number]);
    }
    const bragg = [3, 4, 8, 11].map((m) => (2 * Math.PI * Math.sqrt(m)) / a);
    expect(maxima.map((m) => m[0])).toHaveLength(bragg.length);
    maxima.forEach(([qq], i) => expect(Math.abs(qq - (bragg[i] as number))).toBeLessThan(0.02));
    // Forbidden (100) and (110) positions stay flat.
    for (const m of [1, 2]) {
      const qq = (2 * Math.PI * Math.sqrt(m)) / a;
      const i = Math.round((qq - 1.5) / 0.005);
      if (i >= 0) expect(Math.abs(s[i] as number)).toBeLessThan(0.5);
    }
  });
});

describe('orthogonal helper', () => {
  it('builds the cell it says', () => {
    const c = orthogonalCell(1, 2, 3);
    expect([c.a[0], c.b[1], c.c[2]]).toEqual([1, 2, 3]);
  });
});
