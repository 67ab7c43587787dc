/**
 * The pixel size of a diffraction frame in Å⁻¹ (DESIGN.md "Experimental patterns": a pattern means something to the
 * model only when its pixel size matches Δk; take it from the metadata or the amorphous halo, and say which):
 *
 * - metadata: detector axes in 1/nm (÷ 10), 1/Å (as is), 1/m; or in an angle (mrad, rad, µrad) with the beam
 *   energy: k = θ/λ with the relativistic wavelength; or uncalibrated / in a physical length (µm, mm) with the
 *   camera length and the detector's physical pixel size: θ = pixel / L, k = θ/λ (small angle, as the K plane of the
 *   simulator);
 * - ring: the user names a ring's k, its radius in pixels is the sub-pixel peak of the azimuthal average;
 * - halo: the first halo maximum of the azimuthal average of the experimental frame (or a mean of many) is scaled
 *   onto the first halo maximum of a reference simulated profile (k, I) — both found by haloMaximum, which skips
 *   the direct beam and a simulation's probe-shape side lobes; the fit quality is the correlation of the two
 *   profiles around the halo once scaled;
 * - manual: the user's number.
 *
 * Every function returns {invAPerPixel, method, detail} and never guesses: what is missing is named in a
 * CalibrationError.
 */
import { electronWavelengthA } from '../../diffraction/electron-wavelength';
import type { AxisCalibration } from '../frame-source';
import { radialProfile, type RadialProfile } from './azimuthal-average';
import { parabolicOffset, type BeamCentre } from './centre';

export type CalibrationMethod = 'metadata' | 'ring' | 'halo' | 'manual';

export interface Calibration {
  invAPerPixel: number;
  method: CalibrationMethod;
  /** How the number was obtained, in words a user can check (units, values used, fit quality). */
  detail: string;
}

export class CalibrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalibrationError';
  }
}

/** Two axes whose scales differ by more than this (relative) are refused: resampling assumes square pixels. */
const MAX_ANISOTROPY = 0.01;

type UnitKind = { kind: 'reciprocal'; toInvA: number } | { kind: 'angle'; toRad: number } | { kind: 'length'; toUm: number } | { kind: 'none' };

/** Reads a unit string as files write it ('1/nm', 'nm^-1', '1/Å', 'A^-1', 'mrad', 'µm', '<undefined>', 'px' …). */
export function classifyUnit(units: string | null): UnitKind {
  if (units === null) return { kind: 'none' };
  const u = units
    .trim()
    .replace(/[Åå]/g, 'a')
    .replace(/⁻¹/g, '^-1')
    .replace(/[µμ]/g, 'u')
    .replace(/\s+/g, '')
    .toLowerCase();
  if (u === '' || u === 'px' || u === 'pixel' || u === 'pixels' || u === '<undefined>' || u === '<auto>' || u === 'undefined' || u === 'none') return { kind: 'none' };
  const reciprocal = /^(?:1\/(.+)|(.+?)\^?-1)$/.exec(u);
  if (reciprocal) {
    const base = reciprocal[1] ?? reciprocal[2] ?? '';
    if (base === 'nm' || base === 'nanometer' || base === 'nanometers') return { kind: 'reciprocal', toInvA: 0.1 };
    if (base === 'a' || base === 'ang' || base === 'angstrom' || base === 'angstroms') return { kind: 'reciprocal', toInvA: 1 };
    if (base === 'pm') return { kind: 'reciprocal', toInvA: 100 };
    if (base === 'm') return { kind: 'reciprocal', toInvA: 1e-10 };
  }
  if (u === 'mrad') return { kind: 'angle', toRad: 1e-3 };
  if (u === 'urad') return { kind: 'angle', toRad: 1e-6 };
  if (u === 'rad') return { kind: 'angle', toRad: 1 };
  if (u === 'deg' || u === 'degree' || u === 'degrees' || u === '°') return { kind: 'angle', toRad: Math.PI / 180 };
  if (u === 'um' || u === 'micron' || u === 'microns') return { kind: 'length', toUm: 1 };
  if (u === 'mm') return { kind: 'length', toUm: 1e3 };
  if (u === 'nm') return { kind: 'length', toUm: 1e-3 };
  if (u === 'a' || u === 'angstrom' || u === 'pm') return { kind: 'length', toUm: u === 'pm' ? 1e-6 : 1e-4 };
  if (u === 'm') return { kind: 'length', toUm: 1e6 };
  throw new CalibrationError(`the detector axis unit "${units}" is not one the calibration understands (1/nm, 1/Å, mrad, rad, µm, mm)`);
}

export interface MetadataCalibrationInput {
  /** [rows axis, cols axis] as the reader reports them. */
  detectorAxes: readonly [AxisCalibration, AxisCalibration];
  beamEnergyKeV: number | null;
  cameraLengthMm: number | null;
  /** Physical size of one detector pixel (µm), needed with the camera length when the axes carry no calibration. */
  detectorPixelSizeUm?: number | null;
}

function fmt(value: number, digits = 6): string {
  return Number(value.toPrecision(digits)).toString();
}

/** One scale for both axes (|scale|: a flipped axis has the same pixel size); refuses non-square pixels. */
function commonScale(axes: readonly [AxisCalibration, AxisCalibration]): { scale: number; note: string } {
  const [a, b] = axes;
  if (a.scale === null || b.scale === null) throw new CalibrationError('one detector axis has a scale and the other none');
  const sa = Math.abs(a.scale);
  const sb = Math.abs(b.scale);
  if (!(sa > 0) || !(sb > 0) || !Number.isFinite(sa) || !Number.isFinite(sb)) throw new CalibrationError(`the detector axis scales ${a.scale} and ${b.scale} are not usable (zero or not finite)`);
  const relative = Math.abs(sa - sb) / Math.max(sa, sb);
  if (relative > MAX_ANISOTROPY) {
    throw new CalibrationError(
      `the detector pixels are not square: ${a.name} ${fmt(sa)} vs ${b.name} ${fmt(sb)} ${a.units ?? ''} per pixel (${fmt(relative * 100, 3)} % apart); give a calibration`,
    );
  }
  const note = relative > 0 ? ` (axes ${fmt(sa)} and ${fmt(sb)}, mean used)` : '';
  return { scale: (sa + sb) / 2, note };
}

function needEnergy(beamEnergyKeV: number | null, what: string): number {
  if (beamEnergyKeV === null || !(beamEnergyKeV > 0)) throw new CalibrationError(`${what} needs the beam energy, which the file does not give: enter it (keV)`);
  return beamEnergyKeV;
}

/** Calibration (a): from the file's detector axes, beam energy and camera length. */
export function calibrationFromMetadata(input: MetadataCalibrationInput): Calibration {
  const [rowsAxis, colsAxis] = input.detectorAxes;
  const kinds = [classifyUnit(rowsAxis.units), classifyUnit(colsAxis.units)];
  const [kind, other] = kinds as [UnitKind, UnitKind];
  if (kind.kind !== other.kind) throw new CalibrationError(`the detector axes have different kinds of unit: "${rowsAxis.units}" and "${colsAxis.units}"`);
  const calibrated = rowsAxis.scale !== null && colsAxis.scale !== null;

  if (kind.kind === 'reciprocal' && calibrated) {
    const { scale, note } = commonScale(input.detectorAxes);
    const value = scale * kind.toInvA;
    return { invAPerPixel: value, method: 'metadata', detail: `${fmt(scale)} ${rowsAxis.units} per pixel from the file = ${fmt(value)} Å⁻¹/px${note}` };
  }
  if (kind.kind === 'angle' && calibrated) {
    const { scale, note } = commonScale(input.detectorAxes);
    const energy = needEnergy(input.beamEnergyKeV, `a detector calibrated in ${rowsAxis.units}`);
    const lambda = electronWavelengthA(energy);
    const theta = scale * kind.toRad;
    const value = theta / lambda;
    return {
      invAPerPixel: value,
      method: 'metadata',
      detail: `${fmt(scale)} ${rowsAxis.units} per pixel from the file, ${fmt(energy)} keV (λ = ${fmt(lambda)} Å): k = θ/λ = ${fmt(value)} Å⁻¹/px${note}`,
    };
  }
  // Uncalibrated axes, or a physical pixel size in µm/mm: angle per pixel = pixel size / camera length.
  let pixelUm = input.detectorPixelSizeUm ?? null;
  let pixelSource = 'given';
  if (kind.kind === 'length' && calibrated) {
    const { scale } = commonScale(input.detectorAxes);
    pixelUm = scale * kind.toUm;
    pixelSource = `from the file (${fmt(scale)} ${rowsAxis.units})`;
    // Detector pixels are 5–200 µm; a sub-µm "pixel" is a real-space image scale (nm, Å), not a detector.
    if (pixelUm < 0.5) {
      throw new CalibrationError(`the detector axes are in ${rowsAxis.units} (${fmt(scale)} per pixel): that is a real-space image, not a diffraction pattern (or the file's calibration is wrong); give a calibration`);
    }
  }
  const missing: string[] = [];
  if (input.cameraLengthMm === null || !(input.cameraLengthMm > 0)) missing.push('the camera length (mm)');
  if (pixelUm === null || !(pixelUm > 0)) missing.push("the detector's physical pixel size (µm)");
  if (input.beamEnergyKeV === null || !(input.beamEnergyKeV > 0)) missing.push('the beam energy (keV)');
  if (missing.length > 0) {
    const why = calibrated ? `the detector axes are in ${rowsAxis.units}` : 'the file gives no reciprocal-space calibration';
    throw new CalibrationError(`${why}; to compute one from the geometry, enter ${missing.join(', ')} — or calibrate from a ring, the amorphous halo, or a known Å⁻¹/px`);
  }
  const lambda = electronWavelengthA(input.beamEnergyKeV as number);
  const theta = ((pixelUm as number) * 1e-6) / ((input.cameraLengthMm as number) * 1e-3);
  const value = theta / lambda;
  return {
    invAPerPixel: value,
    method: 'metadata',
    detail:
      `pixel ${fmt(pixelUm as number)} µm (${pixelSource}) at camera length ${fmt(input.cameraLengthMm as number)} mm = ${fmt(theta * 1e3)} mrad per pixel, ` +
      `${fmt(input.beamEnergyKeV as number)} keV (λ = ${fmt(lambda)} Å): k = θ/λ = ${fmt(value)} Å⁻¹/px`,
  };
}

/** Calibration (d): the user's own number. */
export function manualCalibration(invAPerPixel: number): Calibration {
  if (!Number.isFinite(invAPerPixel) || invAPerPixel <= 0) throw new CalibrationError(`the pixel size must be a positive number of Å⁻¹ per pixel, got ${invAPerPixel}`);
  return { invAPerPixel, method: 'manual', detail: `${fmt(invAPerPixel)} Å⁻¹/px entered by the user` };
}

export interface ProfilePeak {
  /** Index of the sample at the maximum. */
  index: number;
  /** Sub-pixel position on the x axis (parabola through the three samples around the maximum). */
  position: number;
  value: number;
}

/** Three-point moving average that skips NaN (empty bins). */
function smooth(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - 1); j <= Math.min(values.length - 1, i + 1); j++) {
      const v = values[j] as number;
      if (Number.isNaN(v)) continue;
      sum += v;
      n += 1;
    }
    out[i] = n > 0 ? sum / n : NaN;
  }
  return out;
}

function refine(x: ArrayLike<number>, y: Float64Array, index: number): ProfilePeak {
  const value = y[index]!;
  if (index <= 0 || index >= y.length - 1 || Number.isNaN(y[index - 1]!) || Number.isNaN(y[index + 1]!)) return { index, position: x[index] as number, value };
  const offset = parabolicOffset(y[index - 1]!, value, y[index + 1]!);
  const spacing = offset >= 0 ? (x[index + 1] as number) - (x[index] as number) : (x[index] as number) - (x[index - 1] as number);
  return { index, position: (x[index] as number) + offset * spacing, value };
}

/** The largest sample of a profile with x in [lo, hi], refined to sub-sample precision; null when none. */
export function profileMaximum(x: ArrayLike<number>, y: ArrayLike<number>, lo: number, hi: number): ProfilePeak | null {
  const smoothed = smooth(y);
  let best = -1;
  for (let i = 0; i < smoothed.length; i++) {
    const xi = x[i] as number;
    if (xi < lo || xi > hi || Number.isNaN(smoothed[i]!)) continue;
    if (best < 0 || smoothed[i]! > smoothed[best]!) best = i;
  }
  return best < 0 ? null : refine(x, smoothed, best);
}

/**
 * The first maximum after the profile's first minimum (past the direct beam's fall-off): the first local maximum
 * that rises above the minimum before it by at least `prominence` (fraction of the range beyond the first minimum)
 * and is the largest sample within ±`halfWindow` samples. Null when the profile never rises again.
 */
export function firstMaximum(x: ArrayLike<number>, y: ArrayLike<number>, options: { from?: number; prominence?: number; halfWindow?: number } = {}): ProfilePeak | null {
  const smoothed = smooth(y);
  const n = smoothed.length;
  let i = 0;
  while (i < n && ((x[i] as number) < (options.from ?? -Infinity) || Number.isNaN(smoothed[i]!))) i++;
  // Walk down to the first minimum.
  while (i + 1 < n && !(smoothed[i + 1]! > smoothed[i]!)) i++;
  const start = i;
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = start; j < n; j++) {
    const v = smoothed[j]!;
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return null;
  const needed = (options.prominence ?? 0.1) * (hi - lo);
  const halfWindow = options.halfWindow ?? 3;
  let runningMin = smoothed[start]!;
  for (let j = start + 1; j < n; j++) {
    const v = smoothed[j]!;
    if (Number.isNaN(v)) continue;
    if (v < runningMin) runningMin = v;
    if (v - runningMin < needed) continue;
    let isPeak = true;
    for (let k = Math.max(start, j - halfWindow); k <= Math.min(n - 1, j + halfWindow); k++) if (smoothed[k]! > v) isPeak = false;
    if (isPeak) return refine(x, smoothed, j);
  }
  return null;
}

/**
 * The first amorphous halo of a radial profile: past the first minimum (the end of the direct beam), the first
 * local maximum whose ring carries at least half the intensity of the strongest one. A maximum's intensity is
 * Σ (I − base)·x·Δx over its basin (between the minima on either side, base = the higher of the two): the scattered
 * intensity in that annulus of the plane above the surrounding level. This skips noise wiggles and a simulated
 * pattern's probe-shape side lobes (the transform of a sharp-edged cylinder next to the forward beam: bright per
 * pixel but narrow and at small radius), and still picks the first halo before a second, weaker-per-ring one.
 * Null when the profile never rises again.
 */
export function haloMaximum(x: ArrayLike<number>, y: ArrayLike<number>, options: { from?: number; fraction?: number } = {}): ProfilePeak | null {
  const smoothed = smooth(y);
  const n = smoothed.length;
  let i = 0;
  while (i < n && ((x[i] as number) < (options.from ?? -Infinity) || Number.isNaN(smoothed[i]!))) i++;
  while (i + 1 < n && !(smoothed[i + 1]! > smoothed[i]!)) i++;
  const start = i;
  const candidates: { index: number; score: number }[] = [];
  for (let j = start + 1; j < n - 1; j++) {
    const v = smoothed[j]!;
    // Local maxima of the profile (on a plateau, its first sample).
    if (!(v > smoothed[j - 1]!) || !(v >= smoothed[j + 1]!)) continue;
    let a = j;
    while (a > start && smoothed[a - 1]! <= smoothed[a]!) a--;
    let b = j;
    while (b < n - 1 && smoothed[b + 1]! <= smoothed[b]!) b++;
    const base = Math.max(smoothed[a]!, smoothed[b]!);
    let score = 0;
    for (let t = a; t <= b; t++) {
      const excess = smoothed[t]! - base;
      if (!(excess > 0)) continue;
      const dx = ((x[Math.min(t + 1, n - 1)] as number) - (x[Math.max(t - 1, 0)] as number)) / 2;
      score += excess * (x[t] as number) * dx;
    }
    candidates.push({ index: j, score });
  }
  const strongest = candidates.reduce((m, c) => Math.max(m, c.score), 0);
  if (!(strongest > 0)) return null;
  const chosen = candidates.find((c) => c.score >= (options.fraction ?? 0.5) * strongest)!;
  return refine(x, smoothed, chosen.index);
}

function profileOf(frame: ArrayLike<number>, rows: number, cols: number, centre: BeamCentre, mask: Uint8Array | null | undefined, binWidthPx: number | undefined): RadialProfile {
  return radialProfile(frame, rows, cols, centre, { method: 'binned', binWidthPx: binWidthPx ?? 1, mask: mask ?? null });
}

export interface RingCalibrationOptions {
  /** The ring's scattering vector k = 1/d in Å⁻¹ (e.g. Au 111: 1/2.3545 Å = 0.4247 Å⁻¹). */
  ringKInvA: number;
  /** Radius range (px) to search; default: from the profile's first minimum (past the direct beam) outwards. */
  searchPx?: [number, number];
  mask?: Uint8Array | null;
  binWidthPx?: number;
}

export interface RingCalibration extends Calibration {
  ringRadiusPx: number;
  profile: RadialProfile;
}

/** Calibration (b): the brightest ring in the search range is the user's ring. */
export function calibrationFromRing(frame: ArrayLike<number>, rows: number, cols: number, centre: BeamCentre, options: RingCalibrationOptions): RingCalibration {
  const k = options.ringKInvA;
  if (!Number.isFinite(k) || k <= 0) throw new CalibrationError(`the ring's k must be a positive number of Å⁻¹, got ${k}`);
  const profile = profileOf(frame, rows, cols, centre, options.mask, options.binWidthPx);
  let lo: number;
  let hi: number;
  if (options.searchPx) {
    [lo, hi] = options.searchPx;
    if (!(hi > lo && lo >= 0)) throw new CalibrationError(`the ring search range [${lo}, ${hi}] px is empty`);
  } else {
    // Skip the direct beam: start at the profile's first minimum.
    const smoothed = smooth(profile.mean);
    let i = 0;
    while (i + 1 < smoothed.length && !(smoothed[i + 1]! > smoothed[i]!)) i++;
    lo = profile.radius[i]!;
    hi = Infinity;
  }
  const peak = profileMaximum(profile.radius, profile.mean, lo, hi);
  if (!peak || !(peak.position > 0)) throw new CalibrationError(`no ring found in the azimuthal average between ${fmt(lo, 4)} and ${fmt(hi, 4)} px`);
  const value = k / peak.position;
  return {
    invAPerPixel: value,
    method: 'ring',
    ringRadiusPx: peak.position,
    profile,
    detail: `ring of k = ${fmt(k)} Å⁻¹ found at r = ${fmt(peak.position, 5)} px about (${fmt(centre.row, 5)}, ${fmt(centre.col, 5)}): ${fmt(value)} Å⁻¹/px`,
  };
}

/** A reference radial profile I(k), k increasing (e.g. the azimuthal average of a simulated pattern). */
export interface ReferenceProfile {
  kInvA: ArrayLike<number>;
  intensity: ArrayLike<number>;
}

/** The azimuthal average of a simulated side × side pattern on the model grid (centre at (n, n), Δk per pixel). */
export function referenceProfileFromPattern(pattern: ArrayLike<number>, side: number, deltaKInvA: number): ReferenceProfile {
  const n = (side - 1) / 2;
  const profile = radialProfile(pattern, side, side, { row: n, col: n }, { method: 'binned', binWidthPx: 1, maxRadiusPx: n });
  const kInvA: number[] = [];
  const intensity: number[] = [];
  for (let b = 0; b < profile.mean.length; b++) {
    if (profile.count[b]! === 0) continue;
    kInvA.push(profile.radius[b]! * deltaKInvA);
    intensity.push(profile.mean[b]!);
  }
  return { kInvA, intensity };
}

export interface HaloCalibrationOptions {
  mask?: Uint8Array | null;
  /** Radius range (px) holding the experimental halo; default: haloMaximum of the profile. */
  searchPx?: [number, number];
  /** k range (Å⁻¹) holding the reference's first halo maximum; default: haloMaximum of the reference. */
  referenceSearchInvA?: [number, number];
  binWidthPx?: number;
}

export interface HaloCalibration extends Calibration {
  haloRadiusPx: number;
  referencePeakInvA: number;
  /**
   * Pearson correlation of the experimental and reference profiles on k ∈ [0.5, 1.5]·k_peak after scaling (1 =
   * the same shape; below ~0.8 the halo match is doubtful).
   */
  correlation: number;
  profile: RadialProfile;
}

/** Linear interpolation of (x, y) at t (x increasing); NaN outside. */
function interpolate(x: ArrayLike<number>, y: ArrayLike<number>, t: number): number {
  const n = x.length;
  if (n === 0 || t < (x[0] as number) || t > (x[n - 1] as number)) return NaN;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((x[mid] as number) <= t) lo = mid;
    else hi = mid;
  }
  const x0 = x[lo] as number;
  const x1 = x[hi] as number;
  if (x1 === x0) return y[lo] as number;
  const f = (t - x0) / (x1 - x0);
  return (1 - f) * (y[lo] as number) + f * (y[hi] as number);
}

/** Calibration (c): the halo maximum of the frame's azimuthal average onto the reference's (haloMaximum). */
export function calibrationFromHalo(
  frame: ArrayLike<number>,
  rows: number,
  cols: number,
  centre: BeamCentre,
  reference: ReferenceProfile,
  options: HaloCalibrationOptions = {},
): HaloCalibration {
  if (reference.kInvA.length !== reference.intensity.length || reference.kInvA.length < 5) {
    throw new CalibrationError(`the reference profile needs matching k and I arrays of at least 5 samples (got ${reference.kInvA.length} and ${reference.intensity.length})`);
  }
  for (let i = 1; i < reference.kInvA.length; i++) {
    if (!((reference.kInvA[i] as number) > (reference.kInvA[i - 1] as number))) throw new CalibrationError('the reference k values must increase');
  }
  const referencePeak = options.referenceSearchInvA
    ? profileMaximum(reference.kInvA, reference.intensity, options.referenceSearchInvA[0], options.referenceSearchInvA[1])
    : haloMaximum(reference.kInvA, reference.intensity);
  if (!referencePeak || !(referencePeak.position > 0)) throw new CalibrationError('the reference profile has no halo maximum (it never rises after its first minimum)');
  const profile = profileOf(frame, rows, cols, centre, options.mask, options.binWidthPx);
  const peak = options.searchPx ? profileMaximum(profile.radius, profile.mean, options.searchPx[0], options.searchPx[1]) : haloMaximum(profile.radius, profile.mean);
  if (!peak || !(peak.position > 0)) {
    throw new CalibrationError('no amorphous halo found in the azimuthal average (no maximum past the direct beam); give the radius range of the halo or another calibration');
  }
  const value = referencePeak.position / peak.position;

  // Fit quality: correlation of the two profiles on k ∈ [0.5, 1.5]·k_peak, the experimental one read at k = r·value.
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < profile.radius.length; i++) {
    const k = profile.radius[i]! * value;
    if (k < 0.5 * referencePeak.position || k > 1.5 * referencePeak.position || profile.count[i]! === 0) continue;
    const ref = interpolate(reference.kInvA, reference.intensity, k);
    if (Number.isNaN(ref)) continue;
    a.push(profile.mean[i]!);
    b.push(ref);
  }
  const correlation = pearson(a, b);
  return {
    invAPerPixel: value,
    method: 'halo',
    haloRadiusPx: peak.position,
    referencePeakInvA: referencePeak.position,
    correlation,
    profile,
    detail:
      `first halo maximum at r = ${fmt(peak.position, 5)} px about (${fmt(centre.row, 5)}, ${fmt(centre.col, 5)}), reference at k = ${fmt(referencePeak.position, 5)} Å⁻¹: ` +
      `${fmt(value)} Å⁻¹/px; profile correlation ${Number.isNaN(correlation) ? 'n/a' : correlation.toFixed(3)} over ${a.length} bins (k = 0.5–1.5 × the peak)`,
  };
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  if (n < 3) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}
