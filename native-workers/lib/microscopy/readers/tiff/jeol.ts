/** JEOL SightX's XML ImageDescription (<TemReporter>): imaging mode, magnification or camera length, high tension. */

/** Relativistic electron wavelength (m) at `volts` (CODATA 2018 constants, as scipy.constants). */
export function electronWavelength(volts: number): number {
  const h = 6.62607015e-34;
  const me = 9.1093837015e-31;
  const e = 1.602176634e-19;
  const c = 299792458;
  return h / Math.sqrt(2 * me * e * volts * (1 + (e * volts) / (2 * me * c * c)));
}

export interface JeolSightX {
  fields: Record<string, string>;
  /** Detector metres → axis units: 1/magnification·1e9 (nm) in TEM MAG, 1/(L·λ·1e9) (1/nm) in TEM DIFF. */
  perMetre: number | null;
  units: string | null;
  beamEnergyKeV: number | null;
  cameraLengthMm: number | null;
}

/** JEOL SightX's XML ImageDescription (<TemReporter>): mode, magnification / camera length, high tension. */
export function jeolSightX(xml: string): JeolSightX {
  const get = (tag: string): string | null => {
    const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`).exec(xml);
    return m ? m[1]!.trim() : null;
  };
  const fields: Record<string, string> = {};
  for (const tag of ['EosMode', 'ModeString', 'SelectorValue', 'SelectorUnitString', 'SelectorString', 'AccelerationVoltage', 'Instruments']) {
    const v = get(tag);
    if (v !== null) fields[tag] = v;
  }
  const volts = Number(fields.AccelerationVoltage);
  const selector = Number(fields.SelectorValue);
  const out: JeolSightX = {
    fields,
    perMetre: null,
    units: null,
    beamEnergyKeV: Number.isFinite(volts) && volts > 0 ? volts / 1000 : null,
    cameraLengthMm: null,
  };
  if (fields.EosMode === 'eosTEM' && fields.ModeString === 'MAG' && selector > 0) {
    out.perMetre = 1e9 / selector;
    out.units = 'nm';
  } else if (fields.EosMode === 'eosTEM' && fields.ModeString === 'DIFF' && selector > 0 && out.beamEnergyKeV !== null) {
    const unit = fields.SelectorUnitString;
    const metres = unit === 'mm' ? selector / 1000 : unit === 'cm' ? selector / 100 : selector;
    out.cameraLengthMm = metres * 1000;
    out.perMetre = 1 / (metres * electronWavelength(volts) * 1e9);
    out.units = '1/nm';
  }
  return out;
}
