/**
 * Preprocessing of experimental frames on synthetic data with known answers: FFT against a direct DFT, beam centres
 * of off-grid Gaussian discs with amorphous rings and Poisson noise, radial profiles, calibrations (metadata, ring,
 * halo), resampling onto the model's k-grid (ring radius, orientation, anti-aliasing, outside fraction), defects and
 * frame quality, the recipe schema and the whole preprocessFrame chain.
 */
import { describe, expect, it } from 'vitest';
import { patternSide } from '../../../main/shared/diffraction';
import { KinematicPatternEngine, ProbeSelector, patternGrid } from '../../../native-workers/lib/diffraction';
import { electronWavelengthA } from '../../../native-workers/lib/diffraction/electron-wavelength';
import { plainAxis, type AxisCalibration } from '../../../native-workers/lib/microscopy/frame-source';
import { radialProfile } from '../../../native-workers/lib/microscopy/preprocess/azimuthal-average';
import {
  CalibrationError,
  calibrationFromHalo,
  calibrationFromMetadata,
  calibrationFromRing,
  classifyUnit,
  firstMaximum,
  haloMaximum,
  manualCalibration,
  referenceProfileFromPattern,
} from '../../../native-workers/lib/microscopy/preprocess/calibration';
import { CentreFindingError, centreOfMass, parabolicOffset, xcorrCentre } from '../../../native-workers/lib/microscopy/preprocess/centre';
import { combineMasks, fillMaskedPixels, findBadPixels, frameQuality, meanFrame, subtractDark } from '../../../native-workers/lib/microscopy/preprocess/defects';
import { Fft2dPlan, FftPlan, nextPowerOfTwo } from '../../../native-workers/lib/microscopy/preprocess/fft';
import {
  createPreprocessWorkspace,
  findCentre,
  preprocessFrame,
  preprocessRecipeSchema,
  recipeModelFromPreprocessing,
  resolveCalibration,
  type PreprocessRecipeInput,
} from '../../../native-workers/lib/microscopy/preprocess/recipe';
import { resampleToModelGrid } from '../../../native-workers/lib/microscopy/preprocess/resample';
import { mulberry32, poissonDraw, syntheticPattern, type SyntheticPatternOptions } from '../../../native-workers/lib/microscopy/preprocess/synthetic-pattern';
import { denoiseTvChambolle } from '../../../native-workers/lib/microscopy/preprocess/tv-denoise';
import { demoGlass, glassSpecies, pengFactors } from '../diffraction/reference';

const MODEL = { kmaxInvA: 1.0, deltaKInvA: 0.015, side: 133, transform: 'log1-minmax' as const };

/** A 4D-STEM-like NBED frame: direct beam, amorphous halo (with centrosymmetric speckle), background, Poisson noise. */
function nbedFrame(rows: number, cols: number, centre: { row: number; col: number }, seed: number, extra: Partial<SyntheticPatternOptions> = {}): Float32Array {
  return syntheticPattern({
    rows,
    cols,
    centre,
    disc: { amplitude: 2000, sigmaPx: 3 },
    rings: [
      { radiusPx: 38, widthPx: 5, amplitude: 80 },
      { radiusPx: 70, widthPx: 7, amplitude: 30 },
    ],
    speckle: 0.6,
    background: 4,
    poissonSeed: seed,
    ...extra,
  });
}

function axis(name: string, size: number, scale: number | null, units: string | null): AxisCalibration {
  return { name, size, scale, offset: 0, units };
}

describe('FFT', () => {
  function dft(re: Float64Array, im: Float64Array, inverse: boolean): [Float64Array, Float64Array] {
    const n = re.length;
    const outRe = new Float64Array(n);
    const outIm = new Float64Array(n);
    const sign = inverse ? 1 : -1;
    for (let k = 0; k < n; k++) {
      for (let t = 0; t < n; t++) {
        const angle = (sign * 2 * Math.PI * k * t) / n;
        outRe[k] = outRe[k]! + re[t]! * Math.cos(angle) - im[t]! * Math.sin(angle);
        outIm[k] = outIm[k]! + re[t]! * Math.sin(angle) + im[t]! * Math.cos(angle);
      }
      if (inverse) {
        outRe[k] = outRe[k]! / n;
        outIm[k] = outIm[k]! / n;
      }
    }
    return [outRe, outIm];
  }

  it('matches a direct DFT (forward and inverse) for lengths 1 … 256', () => {
    const random = mulberry32(5);
    for (const n of [1, 2, 4, 8, 32, 256]) {
      const re = Float64Array.from({ length: n }, () => random() - 0.5);
      const im = Float64Array.from({ length: n }, () => random() - 0.5);
      for (const inverse of [false, true]) {
        const [expRe, expIm] = dft(re, im, inverse);
        const gotRe = Float64Array.from(re);
        const gotIm = Float64Array.from(im);
        new FftPlan(n).transform(gotRe, gotIm, inverse);
        for (let k = 0; k < n; k++) {
          expect(Math.abs(gotRe[k]! - expRe[k]!)).toBeLessThan(1e-12 * n);
          expect(Math.abs(gotIm[k]! - expIm[k]!)).toBeLessThan(1e-12 * n);
        }
      }
    }
    expect(() => new FftPlan(12)).toThrow(/power of two/);
    expect(nextPowerOfTwo(257)).toBe(512);
  });

  it('2D: matches the direct 2D DFT and round-trips', () => {
    const rows = 8;
    const cols = 16;
    const random = mulberry32(9);
    const re = Float64Array.from({ length: rows * cols }, () => random());
    const im = new Float64Array(rows * cols);
    const gotRe = Float64Array.from(re);
    const gotIm = Float64Array.from(im);
    new Fft2dPlan(rows, cols).transform(gotRe, gotIm);
    for (const [u, v] of [
      [0, 0],
      [1, 3],
      [7, 15],
      [4, 8],
    ] as const) {
      let sr = 0;
      let si = 0;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const angle = -2 * Math.PI * ((u * r) / rows + (v * c) / cols);
          sr += re[r * cols + c]! * Math.cos(angle);
          si += re[r * cols + c]! * Math.sin(angle);
        }
      }
      expect(gotRe[u * cols + v]).toBeCloseTo(sr, 10);
      expect(gotIm[u * cols + v]).toBeCloseTo(si, 10);
    }
    new Fft2dPlan(rows, cols).transform(gotRe, gotIm, true);
    for (let k = 0; k < rows * cols; k++) expect(gotRe[k]).toBeCloseTo(re[k]!, 12);
  });
});

describe('beam centre', () => {
  it('centre of mass of a clean Gaussian disc: < 0.1 px at off-grid centres', () => {
    for (const centre of [
      { row: 61.37, col: 70.82 },
      { row: 40.5, col: 90.13 },
      { row: 70.91, col: 50.44 },
    ]) {
      const frame = syntheticPattern({ rows: 128, cols: 144, centre, disc: { amplitude: 1000, sigmaPx: 4 } });
      const found = centreOfMass(frame, 128, 144);
      expect(Math.hypot(found.row - centre.row, found.col - centre.col)).toBeLessThan(0.1);
    }
  });

  it('centre of mass, thresholded and iterated within a radius, on a noisy NBED frame: < 0.1 px', () => {
    const errors: number[] = [];
    for (const [seed, centre] of [
      [1, { row: 120.3, col: 135.7 }],
      [2, { row: 131.62, col: 122.18 }],
      [3, { row: 127.5, col: 128.25 }],
    ] as const) {
      const frame = nbedFrame(256, 256, centre, seed);
      const plain = centreOfMass(frame, 256, 256);
      const found = centreOfMass(frame, 256, 256, { relativeThreshold: 0.05, radiusPx: 12 });
      errors.push(Math.hypot(found.row - centre.row, found.col - centre.col));
      // The plain centre of mass is pulled towards the frame's middle by the background and the halo.
      expect(found.iterations).toBeGreaterThan(1);
      expect(Math.hypot(plain.row - centre.row, plain.col - centre.col)).toBeGreaterThan(errors.at(-1)!);
    }
    expect(Math.max(...errors)).toBeLessThan(0.1);
  });

  it('centre of mass ignores masked pixels (a hot pixel far from the beam)', () => {
    const centre = { row: 50.3, col: 60.6 };
    const frame = syntheticPattern({ rows: 100, cols: 120, centre, disc: { amplitude: 100, sigmaPx: 3 } });
    frame[5 * 120 + 5] = 1e6;
    const mask = new Uint8Array(frame.length);
    mask[5 * 120 + 5] = 1;
    expect(centreOfMass(frame, 100, 120).row).toBeLessThan(20);
    const found = centreOfMass(frame, 100, 120, { mask });
    expect(Math.hypot(found.row - centre.row, found.col - centre.col)).toBeLessThan(0.01);
    expect(() => centreOfMass(new Float32Array(100 * 120), 100, 120)).toThrow(CentreFindingError);
  });

  it('cross-correlation with the 180°-rotated frame: < 0.25 px on noisy NBED frames with speckle', () => {
    const errors: number[] = [];
    for (const [seed, centre] of [
      [4, { row: 120.3, col: 135.7 }],
      [5, { row: 131.62, col: 122.18 }],
      [6, { row: 127.5, col: 128.25 }],
      [7, { row: 110.85, col: 141.4 }],
    ] as const) {
      const frame = nbedFrame(256, 256, centre, seed);
      const found = xcorrCentre(frame, 256, 256);
      errors.push(Math.hypot(found.row - centre.row, found.col - centre.col));
    }
    expect(Math.max(...errors)).toBeLessThan(0.25);
  });

  it('cross-correlation works without a direct beam (a halo-only pattern, e.g. behind a beam stop) and with a detector gap masked', () => {
    const centre = { row: 62.7, col: 67.35 };
    const frame = syntheticPattern({
      rows: 128,
      cols: 128,
      centre,
      rings: [{ radiusPx: 30, widthPx: 4, amplitude: 200 }],
      speckle: 0.7,
      background: 2,
      poissonSeed: 21,
    });
    const mask = new Uint8Array(frame.length);
    for (let r = 0; r < 128; r++) for (let c = 80; c < 83; c++) mask[r * 128 + c] = 1;
    for (let r = 0; r < 128; r++) for (let c = 80; c < 83; c++) frame[r * 128 + c] = 0;
    const found = xcorrCentre(frame, 128, 128, { mask });
    expect(Math.hypot(found.row - centre.row, found.col - centre.col)).toBeLessThan(0.25);
  });

  it('cross-correlation on a large frame bins it first (512 → 128: < 0.5 px)', () => {
    const centre = { row: 250.4, col: 266.9 };
    const frame = syntheticPattern({
      rows: 512,
      cols: 512,
      centre,
      disc: { amplitude: 3000, sigmaPx: 8 },
      rings: [{ radiusPx: 120, widthPx: 14, amplitude: 60 }],
      speckle: 0.5,
      background: 3,
      poissonSeed: 8,
    });
    const found = xcorrCentre(frame, 512, 512, { maxSide: 128 });
    expect(Math.hypot(found.row - centre.row, found.col - centre.col)).toBeLessThan(0.5);
  });

  it('parabolic offsets are exact for parabolas and bounded', () => {
    // y = −(x − 0.3)²: samples at −1, 0, 1.
    expect(parabolicOffset(-(1.3 ** 2), -(0.3 ** 2), -(0.7 ** 2))).toBeCloseTo(0.3, 12);
    expect(parabolicOffset(1, 1, 1)).toBe(0);
    expect(Math.abs(parabolicOffset(0, 1, 5))).toBeLessThanOrEqual(0.5);
  });
});

describe('azimuthal average', () => {
  it('is flat for a flat frame and finds a ring at its radius (binned and bilinear agree)', () => {
    const flat = new Float32Array(64 * 64).fill(3);
    const flatProfile = radialProfile(flat, 64, 64, { row: 31.5, col: 31.5 }, { maxRadiusPx: 30 });
    expect([...flatProfile.mean].every((v) => Math.abs(v - 3) < 1e-12)).toBe(true);
    const centre = { row: 60.3, col: 63.8 };
    const ring = syntheticPattern({ rows: 128, cols: 128, centre, rings: [{ radiusPx: 33.4, widthPx: 3, amplitude: 10 }] });
    for (const method of ['binned', 'bilinear'] as const) {
      const profile = radialProfile(ring, 128, 128, centre, { method, maxRadiusPx: 55 });
      const peak = firstMaximum(profile.radius, profile.mean);
      expect(peak).not.toBeNull();
      expect(Math.abs(peak!.position - 33.4), method).toBeLessThan(0.15);
    }
  });

  it('leaves masked pixels out and reports empty bins as NaN', () => {
    const frame = new Float32Array(32 * 32).fill(1);
    const mask = new Uint8Array(32 * 32);
    frame[16 * 32 + 20] = 1000;
    mask[16 * 32 + 20] = 1;
    const profile = radialProfile(frame, 32, 32, { row: 16, col: 16 }, { mask, maxRadiusPx: 10 });
    expect(profile.mean[4]).toBe(1);
    const unmasked = radialProfile(frame, 32, 32, { row: 16, col: 16 }, { maxRadiusPx: 10 });
    expect(unmasked.count[4]! - profile.count[4]!).toBe(1);
    const fine = radialProfile(frame, 32, 32, { row: 16, col: 16 }, { binWidthPx: 0.25, maxRadiusPx: 2 });
    expect(fine.count[1]).toBe(0);
    expect(fine.mean[1]).toBeNaN();
  });
});

describe('calibration', () => {
  it('from metadata: 1/nm, 1/Å, mrad with the beam energy, and the detector geometry', () => {
    const invNm = calibrationFromMetadata({ detectorAxes: [axis('y', 87, 0.17443, '1/nm'), axis('x', 87, 0.17443, '1/nm')], beamEnergyKeV: 200, cameraLengthMm: 320 });
    expect(invNm.invAPerPixel).toBeCloseTo(0.017443, 12);
    expect(invNm.method).toBe('metadata');
    expect(invNm.detail).toMatch(/1\/nm/);
    for (const units of ['1/Å', '1/A', 'Å^-1', 'A-1', 'Å⁻¹']) {
      expect(calibrationFromMetadata({ detectorAxes: [axis('y', 4, 0.02, units), axis('x', 4, -0.02, units)], beamEnergyKeV: null, cameraLengthMm: null }).invAPerPixel, units).toBeCloseTo(0.02, 12);
    }
    const mrad = calibrationFromMetadata({ detectorAxes: [axis('y', 4, 0.1, 'mrad'), axis('x', 4, 0.1, 'mrad')], beamEnergyKeV: 200, cameraLengthMm: null });
    expect(mrad.invAPerPixel).toBeCloseTo(1e-4 / electronWavelengthA(200), 12);
    expect(mrad.invAPerPixel).toBeCloseTo(0.0039874, 6);
    const geometry = calibrationFromMetadata({ detectorAxes: [plainAxis('y', 256), plainAxis('x', 256)], beamEnergyKeV: 300, cameraLengthMm: 100, detectorPixelSizeUm: 55 });
    expect(geometry.invAPerPixel).toBeCloseTo(5.5e-4 / electronWavelengthA(300), 12);
    expect(geometry.detail).toMatch(/55 µm.*100 mm/);
    const physical = calibrationFromMetadata({ detectorAxes: [axis('y', 128, 150, 'µm'), axis('x', 128, 150, 'um')], beamEnergyKeV: 300, cameraLengthMm: 200 });
    expect(physical.invAPerPixel).toBeCloseTo(7.5e-4 / electronWavelengthA(300), 12);
  });

  it('from metadata: says what is missing, refuses non-square pixels, real-space axes and unknown units', () => {
    expect(() => calibrationFromMetadata({ detectorAxes: [axis('y', 4, 0.1, 'mrad'), axis('x', 4, 0.1, 'mrad')], beamEnergyKeV: null, cameraLengthMm: 100 })).toThrow(
      /needs the beam energy/,
    );
    const plain = [plainAxis('y', 256), plainAxis('x', 256)] as const;
    expect(() => calibrationFromMetadata({ detectorAxes: plain, beamEnergyKeV: 300, cameraLengthMm: null })).toThrow(
      /no reciprocal-space calibration.*camera length \(mm\), the detector's physical pixel size \(µm\)/,
    );
    expect(() => calibrationFromMetadata({ detectorAxes: plain, beamEnergyKeV: null, cameraLengthMm: 100, detectorPixelSizeUm: 55 })).toThrow(/enter the beam energy \(keV\)/);
    expect(() => calibrationFromMetadata({ detectorAxes: [axis('y', 4, 0.1, '1/nm'), axis('x', 4, 0.12, '1/nm')], beamEnergyKeV: null, cameraLengthMm: null })).toThrow(/not square/);
    expect(() => calibrationFromMetadata({ detectorAxes: [axis('y', 4, 0.2, 'nm'), axis('x', 4, 0.2, 'nm')], beamEnergyKeV: 200, cameraLengthMm: 100 })).toThrow(/real-space image/);
    expect(() => calibrationFromMetadata({ detectorAxes: [axis('y', 4, 0.2, 'furlong'), axis('x', 4, 0.2, 'furlong')], beamEnergyKeV: 200, cameraLengthMm: 100 })).toThrow(CalibrationError);
    expect(classifyUnit('<undefined>')).toEqual({ kind: 'none' });
    expect(classifyUnit('nm^-1')).toEqual({ kind: 'reciprocal', toInvA: 0.1 });
    expect(() => manualCalibration(0)).toThrow(/positive/);
    expect(manualCalibration(0.0075)).toMatchObject({ invAPerPixel: 0.0075, method: 'manual' });
  });

  it('from a known ring: the ring radius in pixels gives k / r (< 0.3 %)', () => {
    // A gold-like ring at k = 0.4247 Å⁻¹ with 0.0081 Å⁻¹/px → r = 52.43 px, beside a weaker one and a direct beam.
    const truth = 0.0081;
    const centre = { row: 127.4, col: 129.15 };
    const frame = syntheticPattern({
      rows: 256,
      cols: 256,
      centre,
      disc: { amplitude: 5000, sigmaPx: 3 },
      rings: [
        { radiusPx: 0.4247 / truth, widthPx: 1.5, amplitude: 300 },
        { radiusPx: 0.4904 / truth, widthPx: 1.5, amplitude: 150 },
      ],
      background: 5,
      poissonSeed: 3,
    });
    const found = calibrationFromRing(frame, 256, 256, centre, { ringKInvA: 0.4247 });
    expect(found.method).toBe('ring');
    expect(Math.abs(found.invAPerPixel / truth - 1)).toBeLessThan(0.003);
    expect(found.detail).toMatch(/k = 0\.4247 Å⁻¹ found at r = 52\.\d+ px/);
    // The weaker ring, by its search range.
    const second = calibrationFromRing(frame, 256, 256, centre, { ringKInvA: 0.4904, searchPx: [56, 70] });
    expect(Math.abs(second.invAPerPixel / truth - 1)).toBeLessThan(0.003);
    expect(() => calibrationFromRing(frame, 256, 256, centre, { ringKInvA: -1 })).toThrow(/positive/);
  });

  it('from the amorphous halo against a reference profile on the model grid (< 1 %, correlation > 0.9)', () => {
    // The reference: the same kind of pattern simulated on the model's grid (Δk = 0.015, halo at k = 0.39 Å⁻¹).
    const n = (MODEL.side - 1) / 2;
    const reference = syntheticPattern({
      rows: MODEL.side,
      cols: MODEL.side,
      centre: { row: n, col: n },
      disc: { amplitude: 5000, sigmaPx: 2 },
      rings: [
        { radiusPx: 0.39 / MODEL.deltaKInvA, widthPx: 0.06 / MODEL.deltaKInvA, amplitude: 100 },
        { radiusPx: 0.7 / MODEL.deltaKInvA, widthPx: 0.08 / MODEL.deltaKInvA, amplitude: 35 },
      ],
    });
    const profile = referenceProfileFromPattern(reference, MODEL.side, MODEL.deltaKInvA);
    // The experiment: 0.0072 Å⁻¹/px, noisy, off-centre.
    const truth = 0.0072;
    const centre = { row: 125.6, col: 131.2 };
    const frame = syntheticPattern({
      rows: 256,
      cols: 256,
      centre,
      disc: { amplitude: 8000, sigmaPx: 4 },
      rings: [
        { radiusPx: 0.39 / truth, widthPx: 0.06 / truth, amplitude: 60 },
        { radiusPx: 0.7 / truth, widthPx: 0.08 / truth, amplitude: 21 },
      ],
      speckle: 0.5,
      background: 3,
      poissonSeed: 12,
    });
    const found = calibrationFromHalo(frame, 256, 256, centre, profile);
    expect(found.method).toBe('halo');
    expect(Math.abs(found.invAPerPixel / truth - 1)).toBeLessThan(0.01);
    expect(found.referencePeakInvA).toBeCloseTo(0.39, 2);
    expect(found.correlation).toBeGreaterThan(0.9);
    expect(found.detail).toMatch(/first halo maximum at r = .* Å⁻¹\/px; profile correlation 0\.9\d\d/);
    expect(() => calibrationFromHalo(frame, 256, 256, centre, { kInvA: [0, 1], intensity: [1, 2] })).toThrow(/at least 5 samples/);
  });

  it('from the amorphous halo of kinematic patterns of the demo Cu–Zr glass (model grid vs a finer "detector"): < 1.5 %', () => {
    // Mean patterns of 30 cylinder probes (r 5 Å, h 20 Å): the reference on the model grid (Δk = 0.015), the
    // "experiment" from 30 other probe positions on a 0.009 Å⁻¹/px grid, with Poisson noise. Both profiles carry the
    // cylinder's side lobes near the forward beam, brighter per pixel than the halo: haloMaximum must skip them.
    const glass = demoGlass();
    const species = glassSpecies(glass);
    const factors = pengFactors();
    const meanPattern = (deltaKInvA: number, offset: number): { values: Float64Array; side: number } => {
      const grid = patternGrid({ kmaxInvA: 1, deltaKInvA }, 'z');
      const engine = new KinematicPatternEngine(grid, factors, ['Cu', 'Zr']);
      const selector = new ProbeSelector(glass, { kind: 'cylinder', radiusA: 5, heightA: 20 }, 'z');
      const values = new Float64Array(grid.side * grid.side);
      for (let p = 0; p < 30; p++) {
        const probe = selector.select([8 + ((p * 7.3 + offset) % 20), 9 + ((p * 5.1 + offset) % 18), 15]);
        const image = engine.pattern(probe.relative, Uint8Array.from(probe.indices, (i) => species[i]!));
        for (let k = 0; k < values.length; k++) values[k] = values[k]! + image[k]! / 30;
      }
      return { values, side: grid.side };
    };
    const reference = referenceProfileFromPattern(meanPattern(MODEL.deltaKInvA, 0).values, MODEL.side, MODEL.deltaKInvA);
    const lobe = firstMaximum(reference.kInvA, reference.intensity)!;
    const halo = haloMaximum(reference.kInvA, reference.intensity)!;
    expect(lobe.position).toBeLessThan(0.25);
    expect(halo.position).toBeGreaterThan(0.38);
    expect(halo.position).toBeLessThan(0.46);
    const truth = 0.009;
    const experiment = meanPattern(truth, 3.3);
    const random = mulberry32(4);
    const counts = Float32Array.from(experiment.values, (v) => poissonDraw(v * 0.5, random));
    const n = (experiment.side - 1) / 2;
    const found = calibrationFromHalo(counts, experiment.side, experiment.side, { row: n, col: n }, reference);
    expect(Math.abs(found.invAPerPixel / truth - 1)).toBeLessThan(0.015);
    expect(found.correlation).toBeGreaterThan(0.95);
  });
});

describe('resampling onto the model grid', () => {
  function ringRadiusOnGrid(image: Float32Array): number {
    const n = (MODEL.side - 1) / 2;
    const profile = radialProfile(image, MODEL.side, MODEL.side, { row: n, col: n }, { maxRadiusPx: n - 1 });
    return firstMaximum(profile.radius, profile.mean)!.position;
  }

  it('puts a ring of known k at k/Δk pixels, downsampling (area) and upsampling (bilinear)', () => {
    const kRing = 0.45;
    for (const [calibration, expectedMode] of [
      [0.0075, 'area'],
      [0.03, 'bilinear'],
      [0.015, 'bilinear'],
    ] as const) {
      const centre = { row: 127.3, col: 129.6 };
      const frame = syntheticPattern({
        rows: 256,
        cols: 256,
        centre,
        disc: { amplitude: 500, sigmaPx: 0.03 / calibration },
        rings: [{ radiusPx: kRing / calibration, widthPx: 0.03 / calibration, amplitude: 50 }],
      });
      const result = resampleToModelGrid(frame, 256, 256, centre, calibration, MODEL);
      expect(result.side).toBe(133);
      expect(result.mode).toBe(expectedMode);
      expect(result.modelPixelInDetectorPx).toBeCloseTo(MODEL.deltaKInvA / calibration, 12);
      expect(Math.abs(ringRadiusOnGrid(result.image) - kRing / MODEL.deltaKInvA), String(calibration)).toBeLessThan(0.1);
      // Nodes at |K| ≥ kmax are 0.
      expect(result.image[0]).toBe(0);
      expect(result.image[66 * 133 + 132]).toBe(0);
    }
  });

  it("follows DESIGN.md's orientation: row = j along v (detector rows), column = i along u (detector columns)", () => {
    const centre = { row: 100, col: 100 };
    const calibration = 0.0075; // f = 2 detector pixels per model pixel
    const frame = new Float32Array(200 * 200);
    // A 2 × 2 block exactly covering model node (i, j) = (10, −20): detector rows 59.5–61.5, columns 119.5–121.5.
    for (const [r, c] of [
      [60, 120],
      [60, 121],
      [61, 120],
      [61, 121],
    ] as const) {
      frame[r * 200 + c] = 100;
    }
    const result = resampleToModelGrid(frame, 200, 200, { row: centre.row + 0.5, col: centre.col + 0.5 }, calibration, MODEL);
    const n = 66;
    let best = 0;
    for (let k = 1; k < result.image.length; k++) if (result.image[k]! > result.image[best]!) best = k;
    expect([Math.floor(best / 133) - n, (best % 133) - n]).toEqual([-20, 10]);
    expect(result.image[best]).toBeCloseTo(100, 4);
  });

  it('area-averages when downsampling (a 2-px checkerboard becomes flat, not an alias) and keeps a flat frame exact', () => {
    const frame = new Float32Array(600 * 600);
    for (let r = 0; r < 600; r++) for (let c = 0; c < 600; c++) frame[r * 600 + c] = (r + c) % 2;
    const result = resampleToModelGrid(frame, 600, 600, { row: 299.5, col: 299.5 }, 0.015 / 4, MODEL);
    let worst = 0;
    for (let j = -66; j <= 66; j++) {
      for (let i = -66; i <= 66; i++) {
        if (i * i + j * j >= 66.66 ** 2) continue;
        worst = Math.max(worst, Math.abs(result.image[(j + 66) * 133 + (i + 66)]! - 0.5));
      }
    }
    expect(worst).toBeLessThan(1e-6);
    const flat = new Float32Array(300 * 300).fill(7);
    const flatResult = resampleToModelGrid(flat, 300, 300, { row: 151.3, col: 148.8 }, 0.015 / 2.3, MODEL);
    for (let k = 0; k < flatResult.image.length; k++) {
      const v = flatResult.image[k]!;
      expect(v === 0 || Math.abs(v - 7) < 1e-5).toBe(true);
    }
  });

  it('counts nodes outside the detector in outsideFraction and leaves them 0', () => {
    const rows = 120;
    const cols = 160;
    const centre = { row: 50.2, col: 90.7 };
    const calibration = 0.012;
    const frame = new Float32Array(rows * cols).fill(1);
    const result = resampleToModelGrid(frame, rows, cols, centre, calibration, MODEL);
    const f = MODEL.deltaKInvA / calibration;
    let inside = 0;
    let outside = 0;
    for (let j = -66; j <= 66; j++) {
      for (let i = -66; i <= 66; i++) {
        if ((i * i + j * j) * MODEL.deltaKInvA ** 2 >= MODEL.kmaxInvA ** 2) continue;
        inside += 1;
        const x = centre.col + i * f;
        const y = centre.row + j * f;
        const off = x < -0.5 || x > cols - 0.5 || y < -0.5 || y > rows - 0.5;
        if (off) outside += 1;
        expect(result.image[(j + 66) * 133 + (i + 66)]).toBe(off ? 0 : 1);
      }
    }
    expect(outside).toBeGreaterThan(0);
    expect(result.outsideFraction).toBeCloseTo(outside / inside, 12);
  });

  it('leaves masked pixels out of the average and counts nodes with no unmasked source', () => {
    const frame = new Float32Array(100 * 100).fill(2);
    const mask = new Uint8Array(100 * 100);
    for (let r = 40; r < 60; r++) for (let c = 40; c < 60; c++) {
      mask[r * 100 + c] = 1;
      frame[r * 100 + c] = 1000;
    }
    const result = resampleToModelGrid(frame, 100, 100, { row: 49.5, col: 49.5 }, 0.015 / 1.5, MODEL, { mask });
    expect(Math.max(...result.image)).toBeCloseTo(2, 5);
    expect(result.maskedFraction).toBeGreaterThan(0);
    expect(() => resampleToModelGrid(frame, 100, 100, { row: 50, col: 50 }, 0, MODEL)).toThrow(/positive/);
  });
});

describe('defects and frame quality', () => {
  it('subtracts a dark frame and averages frames', () => {
    expect([...subtractDark(Float32Array.of(5, 3), Float32Array.of(1, 4))]).toEqual([4, -1]);
    expect(() => subtractDark(Float32Array.of(5, 3), Float32Array.of(1))).toThrow(/different detectors/);
    expect([...meanFrame([Float32Array.of(1, 2), Float32Array.of(3, 6)])]).toEqual([2, 4]);
  });

  it('finds injected hot and dead pixels in a mean frame, but not the top of a sharp direct beam', () => {
    const rows = 128;
    const cols = 128;
    const frames = Array.from({ length: 20 }, (_, s) => nbedFrame(rows, cols, { row: 63.4, col: 64.2 }, 100 + s, { disc: { amplitude: 3000, sigmaPx: 1.2 } }));
    const mean = meanFrame(frames);
    const hot = [5 * cols + 7, 100 * cols + 30, 64 * cols + 90];
    const dead = [20 * cols + 100, 90 * cols + 90];
    for (const k of hot) mean[k] = mean[k]! * 20 + 500;
    for (const k of dead) mean[k] = 0;
    const found = findBadPixels(mean, rows, cols, { threshold: 8 });
    const flagged = [...found.mask.keys()].filter((k) => found.mask[k]);
    expect(flagged.sort((a, b) => a - b)).toEqual([...hot, ...dead].sort((a, b) => a - b));
    expect(found.hot).toBe(3);
    expect(found.dead).toBe(2);
  });

  it('replaces masked pixels by the median of their unmasked neighbours, growing the window when needed', () => {
    const frame = Float32Array.from({ length: 25 }, (_, k) => k);
    const mask = new Uint8Array(25);
    mask[12] = 1; // neighbours 6 7 8 11 13 16 17 18 → median (11 + 13)/2
    const one = fillMaskedPixels(frame, 5, 5, mask);
    expect(one.image[12]).toBe(12);
    expect(one.filled).toBe(1);
    expect(one.unfilledMask).toBeNull();
    // A 7 × 7 block in 11 × 11 with maxRadius 2: the centre pixel has no unmasked pixel within 2 → unfilled.
    const big = new Float32Array(121).fill(4);
    const blockMask = new Uint8Array(121);
    for (let r = 2; r < 9; r++) for (let c = 2; c < 9; c++) blockMask[r * 11 + c] = 1;
    const filled = fillMaskedPixels(big, 11, 11, blockMask, { maxRadius: 2 });
    expect(filled.unfilled).toBe(9);
    expect(filled.filled).toBe(40);
    expect(filled.unfilledMask![5 * 11 + 5]).toBe(1);
    expect(filled.image[5 * 11 + 5]).toBe(0);
    expect(filled.image[2 * 11 + 2]).toBe(4);
    expect(combineMasks(null, undefined)).toBeNull();
    expect([...combineMasks(Uint8Array.of(1, 0, 0), Uint8Array.of(0, 0, 1))!]).toEqual([1, 0, 1]);
  });

  it('flags non-finite, empty and saturated frames', () => {
    const ok = Float32Array.of(1, 2, 3, 4);
    expect(frameQuality(ok).flag).toBe('ok');
    const nan = Float32Array.of(1, NaN, 3, Infinity);
    expect(frameQuality(nan)).toMatchObject({ flag: 'non-finite', nonFiniteCount: 2 });
    expect(frameQuality(nan).detail).toMatch(/2 of 4 pixels are NaN or infinite \(the first at index 1\)/);
    expect(frameQuality(new Float32Array(4)).flag).toBe('empty');
    expect(frameQuality(Float32Array.of(5, 5, 5)).detail).toMatch(/every pixel has the value 5/);
    expect(frameQuality(Float32Array.of(-1, -2, 1)).flag).toBe('empty');
    const counts = new Float32Array(10000).fill(100);
    counts[0] = 3;
    for (let k = 1; k <= 100; k++) counts[k] = 65535;
    expect(frameQuality(counts, { dtype: 'uint16' })).toMatchObject({ flag: 'saturated', saturatedCount: 100, saturatedFraction: 0.01 });
    expect(frameQuality(counts, { dtype: 'uint16', maxSaturatedFraction: 0.05 }).flag).toBe('ok');
    expect(frameQuality(counts, { dtype: 'uint16', maxSaturatedFraction: 0.05 }).detail).toMatch(/100 pixels \(1\.00 %\) at the saturation level 65535/);
    expect(frameQuality(counts, { dtype: 'float32' }).flag).toBe('ok');
    expect(frameQuality(counts, { dtype: 'float32', saturationValue: 100 }).flag).toBe('saturated');
    expect(frameQuality(Float32Array.of(4095, 1, 2), { dtype: 'uint12', maxSaturatedFraction: 0.1 }).flag).toBe('saturated');
  });

  it('lets a saturated direct beam through (one compact patch), not scattered saturation, a streak or a flooded detector', () => {
    const rows = 144;
    const cols = 144;
    const frame = (saturate: (r: number, c: number) => boolean): Float32Array => {
      const f = new Float32Array(rows * cols).fill(40);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (saturate(r, c)) f[r * cols + c] = 255;
      return f;
    };
    // A disc of radius 4 (49 pixels, 0.24 %, as in NanoMegas BLO files): the beam.
    const beam = frame((r, c) => (r - 70) ** 2 + (c - 73) ** 2 <= 16);
    expect(frameQuality(beam, { dtype: 'uint8', shape: [rows, cols] })).toMatchObject({ flag: 'ok', saturatedCount: 49 });
    expect(frameQuality(beam, { dtype: 'uint8', shape: [rows, cols] }).detail).toMatch(/the direct beam is saturated \(49 pixels at 255, one compact patch\)/);
    // Without the shape the rule cannot be applied: the plain fraction decides.
    expect(frameQuality(beam, { dtype: 'uint8' }).flag).toBe('saturated');
    // The beam plus a stuck pixel (as in three frames of HyperSpy's test1.blo): still the beam; plus a saturated
    // 2 × 2 spot on the halo: not.
    expect(frameQuality(frame((r, c) => (r - 70) ** 2 + (c - 73) ** 2 <= 16 || (r === 20 && c === 100)), { dtype: 'uint8', shape: [rows, cols] }).flag).toBe('ok');
    expect(frameQuality(frame((r, c) => (r - 70) ** 2 + (c - 73) ** 2 <= 16 || (r >= 20 && r < 22 && c >= 100 && c < 102)), { dtype: 'uint8', shape: [rows, cols] }).flag).toBe('saturated');
    // Many scattered saturated pixels: not a beam.
    expect(frameQuality(frame((r, c) => (r - 70) ** 2 + (c - 73) ** 2 <= 16 || (r % 20 === 0 && c % 20 === 0)), { dtype: 'uint8', shape: [rows, cols] }).flag).toBe('saturated');
    // A diagonal streak of 60 pixels: connected but not compact.
    expect(frameQuality(frame((r, c) => r === c && r < 60), { dtype: 'uint8', shape: [rows, cols] }).flag).toBe('saturated');
    // Half the detector: compact, but no beam is that large.
    expect(frameQuality(frame((r) => r < 72), { dtype: 'uint8', shape: [rows, cols] }).flag).toBe('saturated');
  });
});

describe('TV denoising scale', () => {
  it('is invariant under I → aI + b with λ → aλ (what the recipe\'s "range" scale relies on)', () => {
    const frame = nbedFrame(64, 64, { row: 31.2, col: 32.7 }, 9, {
      rings: [{ radiusPx: 20, widthPx: 3, amplitude: 80 }],
    });
    const unit = Float64Array.from(frame, (v) => v / 2000);
    const reference = denoiseTvChambolle(unit, 64, 64, { weight: 0.1 });
    const scaled = denoiseTvChambolle(Float64Array.from(frame, (v) => v + 37), 64, 64, { weight: 0.1 * 2000 });
    expect(scaled.iterations).toBe(reference.iterations);
    for (let k = 0; k < unit.length; k++) expect(Math.abs((scaled.image[k]! - 37) / 2000 - reference.image[k]!)).toBeLessThan(1e-9);
    expect(() => denoiseTvChambolle(Float32Array.of(1, NaN), 1, 2)).toThrow(/non-finite value NaN at pixel 1/);
    expect(() => denoiseTvChambolle(Float32Array.of(1, 2), 1, 2, { weight: 0 })).toThrow(/weight/);
  });
});

describe('preprocessing recipe', () => {
  const minimal: PreprocessRecipeInput = { calibration: { method: 'manual', invAPerPixel: 0.0075 }, model: MODEL };

  it("fills the paper's defaults and refuses incomplete recipes", () => {
    const recipe = preprocessRecipeSchema.parse(minimal);
    expect(recipe.denoise).toEqual({ method: 'tv-chambolle', weight: 0.1, eps: 2e-4, maxIterations: 200, scale: 'halo' });
    expect(recipe.hotPixels).toEqual({ enabled: true, threshold: 8 });
    expect(recipe.centre).toMatchObject({ method: 'com', perFrame: true, radiusPx: null });
    expect(recipe.dark).toBeNull();
    expect(recipe.mask).toBeNull();
    expect(recipe.quality).toEqual({ saturationValue: null, maxSaturatedFraction: 0.001 });
    // It survives a JSON round trip (stored with every result).
    expect(preprocessRecipeSchema.parse(JSON.parse(JSON.stringify(recipe)))).toEqual(recipe);
    const bad = (input: unknown): string => {
      const parsed = preprocessRecipeSchema.safeParse(input);
      expect(parsed.success).toBe(false);
      return JSON.stringify(parsed.error?.issues);
    };
    expect(bad({ ...minimal, centre: { method: 'fixed', row: 3 } })).toMatch(/a fixed centre needs row and col/);
    expect(bad({ ...minimal, calibration: { method: 'manual' } })).toMatch(/a manual calibration needs invAPerPixel/);
    expect(bad({ ...minimal, calibration: { method: 'ring' } })).toMatch(/ringKInvA/);
    expect(bad({ ...minimal, model: { ...MODEL, side: 131 } })).toMatch(/2·floor\(kmax\/Δk\) \+ 1/);
    expect(bad({ ...minimal, denoise: { method: 'tv-chambolle', wieght: 0.2 } })).toMatch(/wieght/);
    expect(patternSide(MODEL)).toBe(133);
  });

  it("takes the model grid from a model's recorded preprocessing", () => {
    const model = recipeModelFromPreprocessing({ transform: 'log1-minmax', side: 133, kmaxInvA: 1, deltaKInvA: 0.015, logClip: 1, normalisation: 'minmax' });
    expect(model).toEqual(MODEL);
    expect(() => recipeModelFromPreprocessing({ transform: 'log1-minmax', side: 133, kmaxInvA: null, deltaKInvA: null, logClip: 1, normalisation: 'minmax' })).toThrow(/no k-grid/);
  });

  it('runs defects → centre → denoise → resample → model transform on a noisy 4D-STEM frame', () => {
    const rows = 256;
    const cols = 256;
    const centre = { row: 124.7, col: 131.35 };
    const truth = 0.0075;
    const frame = nbedFrame(rows, cols, centre, 31, {
      rings: [{ radiusPx: 0.4 / truth, widthPx: 0.05 / truth, amplitude: 80 }],
    });
    const hot = 30 * cols + 40;
    frame[hot] = 60000;
    const recipe = preprocessRecipeSchema.parse({ ...minimal, centre: { method: 'com', radiusPx: 12, relativeThreshold: 0.05 }, calibration: { method: 'manual', invAPerPixel: truth } });
    const result = preprocessFrame(frame, [rows, cols], recipe, { dtype: 'uint16', keepSteps: true });
    expect(result.quality.flag).toBe('ok');
    expect(result.steps.map((s) => s.name)).toEqual(['raw', 'defects-corrected', 'denoised', 'resampled', 'model-input']);
    expect(result.filledPixels).toBeGreaterThanOrEqual(1);
    expect(result.steps[1]!.image[hot]).toBeLessThan(100);
    expect(Math.hypot(result.centre!.row - centre.row, result.centre!.col - centre.col)).toBeLessThan(0.1);
    expect(result.denoiseIterations).toBeGreaterThan(1);
    expect(result.denoiseIterations).toBeLessThanOrEqual(200);
    expect(result.modelInput).toHaveLength(133 * 133);
    expect(Math.min(...result.modelInput)).toBe(0);
    expect(Math.max(...result.modelInput)).toBeCloseTo(1, 6);
    // The halo at k = 0.4 Å⁻¹ sits at 0.4/0.015 = 26.7 model pixels.
    const profile = radialProfile(result.modelInput, 133, 133, { row: 66, col: 66 }, { maxRadiusPx: 60 });
    expect(Math.abs(firstMaximum(profile.radius, profile.mean)!.position - 0.4 / 0.015)).toBeLessThan(0.5);
    // 256 px × 0.0075 Å⁻¹/px covers ±0.96 Å⁻¹: the outer nodes of the kmax = 1 disc are off the detector.
    expect(result.outsideFraction).toBeGreaterThan(0);
    expect(result.outsideFraction).toBeLessThan(0.2);
    // A reused workspace gives the same answer.
    const ws = createPreprocessWorkspace(rows, cols, 133);
    const again = preprocessFrame(frame, [rows, cols], recipe, { dtype: 'uint16', workspace: ws });
    expect(again.modelInput).toEqual(result.modelInput);
    expect(again.steps).toEqual([]);
  });

  it('flags bad frames instead of processing them, and refuses to run without a calibration or a scan centre', () => {
    const recipe = preprocessRecipeSchema.parse(minimal);
    const frame = nbedFrame(64, 64, { row: 32, col: 32 }, 2);
    frame[100] = NaN;
    const flagged = preprocessFrame(frame, [64, 64], recipe);
    expect(flagged.quality.flag).toBe('non-finite');
    expect(flagged.centre).toBeNull();
    expect([...flagged.modelInput].every((v) => v === 0)).toBe(true);
    expect(preprocessFrame(new Float32Array(64 * 64), [64, 64], recipe).quality.flag).toBe('empty');
    const uncalibrated = preprocessRecipeSchema.parse({ ...minimal, calibration: { method: 'metadata' } });
    expect(() => preprocessFrame(nbedFrame(64, 64, { row: 32, col: 32 }, 2), [64, 64], uncalibrated)).toThrow(/metadata calibration has not been resolved/);
    const once = preprocessRecipeSchema.parse({ ...minimal, centre: { method: 'xcorr', perFrame: false } });
    expect(() => preprocessFrame(nbedFrame(64, 64, { row: 32, col: 32 }, 2), [64, 64], once)).toThrow(/context\.centre/);
    expect(preprocessFrame(nbedFrame(64, 64, { row: 32, col: 32 }, 2), [64, 64], once, { centre: { row: 32, col: 32 } }).centre).toEqual({ row: 32, col: 32 });
    expect(() => preprocessFrame(new Float32Array(10), [64, 64], recipe)).toThrow(/shape 64 × 64 needs 4096/);
  });

  it('resolves calibrations and centres as the recipe says', () => {
    const info = { detectorAxes: [axis('y', 87, 0.17443, '1/nm'), axis('x', 87, 0.17443, '1/nm')] as [AxisCalibration, AxisCalibration], beamEnergyKeV: 200, cameraLengthMm: 320 };
    const metadata = resolveCalibration(preprocessRecipeSchema.parse({ ...minimal, calibration: { method: 'metadata' } }).calibration, { info });
    expect(metadata.invAPerPixel).toBeCloseTo(0.017443, 10);
    const geometry = resolveCalibration(
      preprocessRecipeSchema.parse({ ...minimal, calibration: { method: 'metadata', detectorPixelSizeUm: 55, cameraLengthMm: 100, beamEnergyKeV: 300 } }).calibration,
      { info: { detectorAxes: [plainAxis('y', 4), plainAxis('x', 4)], beamEnergyKeV: null, cameraLengthMm: null } },
    );
    expect(geometry.invAPerPixel).toBeCloseTo(5.5e-4 / electronWavelengthA(300), 12);
    expect(() => resolveCalibration(preprocessRecipeSchema.parse({ ...minimal, calibration: { method: 'ring', ringKInvA: 0.4 } }).calibration, {})).toThrow(/needs a frame/);
    const centre = { row: 40.3, col: 47.8 };
    const frame = syntheticPattern({ rows: 96, cols: 96, centre, disc: { amplitude: 100, sigmaPx: 3 } });
    for (const method of ['com', 'xcorr'] as const) {
      const found = findCentre(frame, 96, 96, preprocessRecipeSchema.parse({ ...minimal, centre: { method } }).centre);
      expect(Math.hypot(found.row - centre.row, found.col - centre.col), method).toBeLessThan(0.1);
    }
    expect(findCentre(frame, 96, 96, preprocessRecipeSchema.parse({ ...minimal, centre: { method: 'fixed', row: 1, col: 2 } }).centre)).toEqual({ row: 1, col: 2 });
  });
});
