/** The relativistic electron wavelength λ(E) and the Ewald-sphere height of a node above the flat pattern plane. */

/** CODATA 2018 exact / recommended values (SI). */
const PLANCK_J_S = 6.62607015e-34;
const ELECTRON_MASS_KG = 9.1093837015e-31;
const ELEMENTARY_CHARGE_C = 1.602176634e-19;
const SPEED_OF_LIGHT_M_S = 299792458;

/**
 * λ = h / sqrt(2 m₀ e E (1 + e E / (2 m₀ c²))) in Å for an accelerating voltage of `beamEnergyKeV` kV
 * (200 keV → 0.025079 Å, 300 keV → 0.019687 Å).
 */
export function electronWavelengthA(beamEnergyKeV: number): number {
  if (!Number.isFinite(beamEnergyKeV) || beamEnergyKeV <= 0) throw new Error(`the beam energy must be a positive number of keV, got ${beamEnergyKeV}`);
  const energyJ = beamEnergyKeV * 1e3 * ELEMENTARY_CHARGE_C;
  const restEnergyJ = ELECTRON_MASS_KG * SPEED_OF_LIGHT_M_S * SPEED_OF_LIGHT_M_S;
  const momentum = Math.sqrt(2 * ELECTRON_MASS_KG * energyJ * (1 + energyJ / (2 * restEnergyJ)));
  return (PLANCK_J_S / momentum) * 1e10;
}

/**
 * K_w of the Ewald sphere through the origin with its centre at +w/λ (LAMMPS `compute saed`: radius 1/λ, centre at
 * Zone·(1/λ)), above the in-plane point |K⊥|: K_w = 1/λ − sqrt(1/λ² − |K⊥|²), written as
 * |K⊥|² / (1/λ + sqrt(1/λ² − |K⊥|²)) because the difference of two nearly equal numbers would lose most digits at
 * high energy (K_w ≈ λ|K⊥|²/2 ≪ 1/λ).
 */
export function ewaldHeightInvA(kPerpSquaredInvA2: number, wavelengthA: number): number {
  const radius = 1 / wavelengthA;
  return kPerpSquaredInvA2 / (radius + Math.sqrt(radius * radius - kPerpSquaredInvA2));
}
