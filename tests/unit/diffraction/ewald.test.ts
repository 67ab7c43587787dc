/**
 * Ewald-sphere curvature: the relativistic wavelength, the engine against the direct sum on the sphere, the flat
 * pattern as the limit E → ∞, and the refusal of energies whose sphere cannot reach kmax.
 */
import { describe, expect, it } from 'vitest';
import type { ZoneAxis } from '../../../main/shared/diffraction';
import { KinematicPatternEngine, ProbeSelector, electronWavelengthA, ewaldHeightInvA, kinematicPattern, patternGrid } from '../../../native-workers/lib/diffraction';
import { demoGlass, directPattern, glassSpecies, maxNodeRelativeDifference, maxRelativeDifference, pengFactors } from './reference';

const factors = pengFactors();
const ELEMENTS = ['Cu', 'Zr'];

function glassProbe(zone: ZoneAxis): { relative: Float64Array; species: Uint8Array } {
  const glass = demoGlass();
  const all = glassSpecies(glass);
  const probe = new ProbeSelector(glass, { kind: 'cylinder', radiusA: 5, heightA: 20 }, zone).select([12.5, 17.5, 15]);
  return { relative: probe.relative, species: Uint8Array.from(probe.indices, (i) => all[i] as number) };
}

describe('Ewald-sphere curvature', () => {
  it('uses the relativistic electron wavelength (100, 200, 300 keV → 3.7014, 2.5079, 1.9687 pm)', () => {
    expect(electronWavelengthA(100)).toBeCloseTo(0.037014, 6);
    expect(electronWavelengthA(200)).toBeCloseTo(0.025079, 6);
    expect(electronWavelengthA(300)).toBeCloseTo(0.019687, 6);
    // K_w = 1/λ − sqrt(1/λ² − K⊥²) ≈ λK⊥²/2: 0.0125 Å⁻¹ at K⊥ = 1 Å⁻¹, 200 keV.
    const lambda = electronWavelengthA(200);
    expect(ewaldHeightInvA(1, lambda)).toBeCloseTo(1 / lambda - Math.sqrt(1 / lambda ** 2 - 1), 12);
    expect(ewaldHeightInvA(1, lambda)).toBeCloseTo(0.0125416, 7);
    expect(() => electronWavelengthA(0)).toThrow(/positive number of keV/);
  });

  it.each([
    { zone: 'z' as ZoneAxis, keV: 200 },
    { zone: [2, -1, 1] as ZoneAxis, keV: 200 },
    { zone: 'x' as ZoneAxis, keV: 5 },
  ])('matches the direct sum on the sphere (zone $zone, $keV keV) to 1e-9', ({ zone, keV }) => {
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.02 }, zone);
    const { relative, species } = glassProbe(zone);
    const curved = kinematicPattern(relative, species, ELEMENTS, grid, factors, { beamEnergyKeV: keV });
    const direct = directPattern(relative, species, ELEMENTS, grid, electronWavelengthA(keV));
    expect(maxRelativeDifference(curved, direct)).toBeLessThan(1e-9);
    expect(maxNodeRelativeDifference(curved, direct, 1e-6)).toBeLessThan(1e-9);
  });

  it('tends to the flat pattern as E → ∞ (difference ∝ λ)', () => {
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.015 }, 'z');
    const { relative, species } = glassProbe('z');
    const flat = kinematicPattern(relative, species, ELEMENTS, grid, factors);
    const differences = [2e2, 2e3, 2e4, 2e6, 2e9].map((keV) =>
      maxNodeRelativeDifference(new KinematicPatternEngine(grid, factors, ELEMENTS, { beamEnergyKeV: keV }).pattern(relative, species), flat, 1e-4),
    );
    // Node by node (down to 1e-4 of the brightest): at 200 keV a 20 Å thick probe differs from the flat plane by
    // order 1 at the rim (K_w·h ≈ 0.25 there); far above, the difference falls as λ ≈ hc/E.
    expect(differences[0]).toBeGreaterThan(0.5);
    for (let k = 1; k < differences.length; k++) expect(differences[k]).toBeLessThan(differences[k - 1] as number);
    expect(differences[3]).toBeLessThan(1e-3);
    expect(differences[4]).toBeLessThan(1e-6);
  });

  it('refuses a beam whose Ewald sphere is smaller than kmax', () => {
    const grid = patternGrid({ kmaxInvA: 1, deltaKInvA: 0.05 }, 'z');
    expect(() => new KinematicPatternEngine(grid, factors, ELEMENTS, { beamEnergyKeV: 1e-4 })).toThrow(/too low: the Ewald sphere radius 1\/λ = .* does not reach kmax = 1/);
    expect(() => new KinematicPatternEngine(grid, factors, ELEMENTS, { beamEnergyKeV: -200 })).toThrow(/positive number of keV/);
  });
});
