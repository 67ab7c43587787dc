/** ImageJ's ImageDescription ("ImageJ=…\nimages=…\nunit=…\nspacing=…"): stack layout and calibration keys. */

export interface ImageJInfo {
  images: number;
  slices: number;
  frames: number;
  channels: number;
  unit: string | null;
  spacing: number | null;
  finterval: number | null;
  raw: Record<string, string>;
}

export function parseImageJ(description: string): ImageJInfo | null {
  if (!description.startsWith('ImageJ=')) return null;
  const raw: Record<string, string> = {};
  for (const line of description.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) raw[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  const int = (key: string): number => {
    const v = Number(raw[key]);
    return Number.isInteger(v) && v > 0 ? v : 1;
  };
  const num = (key: string): number | null => {
    const v = Number(raw[key]);
    return raw[key] !== undefined && Number.isFinite(v) ? v : null;
  };
  return {
    images: int('images'),
    slices: int('slices'),
    frames: int('frames'),
    channels: int('channels'),
    unit: raw.unit ?? null,
    spacing: num('spacing'),
    finterval: num('finterval'),
    raw,
  };
}
