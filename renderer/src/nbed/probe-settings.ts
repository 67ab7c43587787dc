/**
 * The probe form of the Diffraction tab as the user typed it, and its translation into a `diffraction.preview`
 * request (or the reason it cannot be one). Strings are kept as typed so a half-typed number is not lost.
 */
import { DEFAULT_DELTA_K_INV_A, DEFAULT_KMAX_INV_A, zoneBasis, type ProbeShape, type ZoneAxis, type ZoneBasis } from '../../../main/shared/diffraction';
import type { Vec3 } from '../../../main/shared/domain';
import type { Request } from '../../../main/shared/ipc-contract';

export type ProbeKind = ProbeShape['kind'];
export type ZoneChoice = 'x' | 'y' | 'z' | 'custom';

export interface ProbeForm {
  centre: string;
  kind: ProbeKind;
  radiusA: string;
  heightA: string;
  /** Ellipsoid semi-axes along u, v and the zone axis, "a, b, c". */
  semiAxesA: string;
  zone: ZoneChoice;
  /** A typed zone direction "ux, uy, uz" (used when zone = custom). */
  zoneDirection: string;
  kmaxInvA: string;
  deltaKInvA: string;
  /** Empty = flat plane (no Ewald curvature). */
  beamEnergyKeV: string;
}

/** Paper defaults (papers/000 §2.3): cylinder r = 5 Å, h = 20 Å, zone z, kmax 1 Å⁻¹, Δk 0.015 Å⁻¹. */
export function defaultProbeForm(centre: Vec3): ProbeForm {
  return {
    centre: centre.map((c) => c.toFixed(2)).join(', '),
    kind: 'cylinder',
    radiusA: '5',
    heightA: '20',
    semiAxesA: '5, 5, 10',
    zone: 'z',
    zoneDirection: '1, 1, 0',
    kmaxInvA: String(DEFAULT_KMAX_INV_A),
    deltaKInvA: String(DEFAULT_DELTA_K_INV_A),
    beamEnergyKeV: '',
  };
}

/** "1, 2.5 3" → [1, 2.5, 3]; commas, spaces or both separate. */
export function parseNumberList(text: string): number[] | null {
  const parts = text.split(/[\s,;]+/).filter((p) => p.length > 0);
  const values = parts.map(Number);
  return values.every((v) => Number.isFinite(v)) ? values : null;
}

export function parseVec3(text: string): Vec3 | null {
  const v = parseNumberList(text);
  return v && v.length === 3 ? [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0] : null;
}

function positive(text: string, name: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

export function formZone(form: ProbeForm): ZoneAxis {
  if (form.zone !== 'custom') return form.zone;
  const d = parseVec3(form.zoneDirection);
  if (!d || Math.hypot(...d) === 0) throw new Error('the zone direction must be three numbers, not all zero (e.g. 1, 1, 0)');
  return d;
}

export function formProbe(form: ProbeForm): ProbeShape {
  if (form.kind === 'cylinder') return { kind: 'cylinder', radiusA: positive(form.radiusA, 'the radius'), heightA: positive(form.heightA, 'the height') };
  if (form.kind === 'ellipsoid') {
    const s = parseVec3(form.semiAxesA);
    if (!s || s.some((v) => v <= 0)) throw new Error('the ellipsoid needs three positive semi-axes in Å (along u, v, zone)');
    return { kind: 'ellipsoid', semiAxesA: s };
  }
  return { kind: 'cluster' };
}

export type PreviewRequest = Request<'diffraction.preview'>;

/** The request the form stands for, or why it is not one yet. */
export function previewRequest(
  form: ProbeForm,
  structureId: number,
  labelSetId: number | null,
): { request: PreviewRequest; error: null } | { request: null; error: string } {
  try {
    const center = parseVec3(form.centre);
    if (!center) throw new Error('the centre must be three numbers x, y, z in Å');
    const energy = form.beamEnergyKeV.trim() === '' ? null : positive(form.beamEnergyKeV, 'the beam energy');
    const request: PreviewRequest = {
      structureId,
      center,
      probe: formProbe(form),
      zone: formZone(form),
      kmaxInvA: positive(form.kmaxInvA, 'kmax'),
      deltaKInvA: positive(form.deltaKInvA, 'Δk'),
      beamEnergyKeV: energy,
    };
    if (labelSetId !== null) request.labelSetId = labelSetId;
    return { request, error: null };
  } catch (error) {
    return { request: null, error: error instanceof Error ? error.message : String(error) };
  }
}

export { zoneBasis, type ZoneBasis };

/** Axis names of the pattern's k-axes: kx, ky, kz for Cartesian zones, ku, kv otherwise. */
export function kAxisNames(zone: ZoneAxis): { u: string; v: string } {
  if (zone === 'z') return { u: 'kx', v: 'ky' };
  if (zone === 'x') return { u: 'ky', v: 'kz' };
  if (zone === 'y') return { u: 'kz', v: 'kx' };
  return { u: 'ku', v: 'kv' };
}

/** What the 3D viewer draws for the probe: its shape at the centre, oriented along the zone. */
export interface ProbeOverlay {
  centre: Vec3;
  probe: ProbeShape;
  basis: ZoneBasis;
}
