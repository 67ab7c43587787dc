/**
 * Maps that hold on real detectors: synthetic 4D-STEM scans of a structure the bundled model never saw, computed on a
 * detector grid unlike the model's (tests/support/detector-scan.ts), mapped through the app's own path
 * (openMicroscopy → planMap → runMap with the recipe's defaults and the model's recorded transform):
 * - the same scan × 10 and × 0.01 gives the same map (|Δd| ≤ 1e-3 per frame);
 * - the direct-beam disc's radius (2 → 6 px) and its saturation change the map by ≤ 0.02 on average;
 * - at ≥ 100 counts per halo pixel, with every detector nuisance on, the map's RMSE is ≤ 1.25 × the RMSE of the same
 *   model on the clean model-grid patterns of the same probes;
 * - σ ranks the errors on the held-out structure (Spearman ρ ≥ 0.3);
 * - vacuum, pure-noise and a strongly crystalline pattern far from the training set are flagged with reasons.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orientedCrystal } from '../../native-workers/lib/builders/oriented-crystal';
import { modelInputFor } from '../../native-workers/lib/diffraction/model-input';
import { loadInferenceModel, predictFrames, type InferenceModel } from '../../native-workers/lib/models/onnx-inference';
import { spearman } from '../../native-workers/lib/models/uncertainty';
import { writeLammpsData } from '../../native-workers/lib/structure-io/writers';
import { makeDetectorScan, type DetectorScan, type DetectorScanOptions } from '../support/detector-scan';
import { mapDetectorScan, type MappedScan } from '../support/detector-map';
import { tempDir } from '../support/temp';

const MODEL = path.resolve('resources/models/ssro-ensemble.onnx');
const ready = fs.existsSync(MODEL);
/** A 10 × 10 raster across the held-out complexion (grain → boundary → interior → boundary → grain along x). */
const SCAN = { rows: 10, cols: 10 };
/**
 * A detector finer than the model's k-grid (0.0131 vs 0.015 Å⁻¹, not a simple fraction of it) reaching ±1.04 Å⁻¹:
 * a direct-beam disc of 2–6 px is then 0.026–0.079 Å⁻¹, inside the model's beam mask (0.1 Å⁻¹), as for a nanobeam.
 */
const DETECTOR = { side: 160, invAPerPixel: 0.0131 };

let model: InferenceModel;
let work: string;

beforeAll(async () => {
  if (!ready) return;
  model = await loadInferenceModel(MODEL, { threads: 2 });
  work = tempDir('ssro-robust-');
});

afterAll(async () => {
  await model?.release();
});

let counter = 0;

async function mapScan(scan: DetectorScan): Promise<MappedScan> {
  return mapDetectorScan(model, scan, path.join(work, `scan-${counter++}`));
}

function scan(options: DetectorScanOptions): DetectorScan {
  return makeDetectorScan({ scan: SCAN, ...options, detector: { ...DETECTOR, ...options.detector } });
}

function rmse(values: ArrayLike<number>, truth: Float64Array): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    se += (v - (truth[i] as number)) ** 2;
    n += 1;
  }
  return Math.sqrt(se / n);
}

async function cleanD(s: DetectorScan): Promise<{ d: Float32Array; sigma: Float32Array | null }> {
  const spec = model.metadata.preprocessing;
  const pixels = spec.side * spec.side;
  const patterns = s.cleanModelPatterns as Float64Array;
  const count = s.truthD.length;
  const inputs = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) modelInputFor(patterns.subarray(i * pixels, (i + 1) * pixels), spec, { out: inputs.subarray(i * pixels, (i + 1) * pixels) });
  return predictFrames(model, inputs, count);
}

/** Every nuisance of a real detector at once, at a given dose. */
function realistic(haloCounts: number): DetectorScanOptions {
  return {
    detector: { dtype: 'uint16' },
    dose: { haloCounts },
    beam: { offsetPx: [0.7, -1.2], driftPx: [1.5, 1.0] },
    directBeam: { radiusPx: 4, height: 3000, saturateAt: 'dtype-max' },
    backgroundCounts: 0.05 * haloCounts,
    defects: { hot: 2, dead: 1 },
    seed: 5,
  };
}

describe.skipIf(!ready)('maps that hold on real detectors', () => {
  it('gives the same map for the scan × 10 and × 0.01', async () => {
    const base: DetectorScanOptions = { dose: { haloCounts: 300 }, directBeam: { radiusPx: 4, height: 1000 }, beam: { driftPx: [1, 1.5] }, seed: 2 };
    const reference = await mapScan(scan(base));
    for (const factor of [10, 0.01]) {
      const scaled = await mapScan(scan({ ...base, intensityFactor: factor }));
      expect(scaled.flags).toEqual(reference.flags);
      let worst = 0;
      for (let i = 0; i < reference.d.length; i++) worst = Math.max(worst, Math.abs((scaled.d[i] as number) - (reference.d[i] as number)));
      expect(worst).toBeLessThanOrEqual(1e-3);
    }
  }, 600_000);

  it('is not moved by the direct beam: radius 2 → 6 px, saturated or not', async () => {
    const base: DetectorScanOptions = { dose: { haloCounts: 300 }, seed: 3, detector: { dtype: 'uint16' } };
    const small = await mapScan(scan({ ...base, directBeam: { radiusPx: 2, height: 1000 } }));
    const large = await mapScan(scan({ ...base, directBeam: { radiusPx: 6, height: 1000 } }));
    const saturated = await mapScan(scan({ ...base, directBeam: { radiusPx: 6, height: 1e5, saturateAt: 'dtype-max' } }));
    const meanChange = (a: MappedScan, b: MappedScan): number => {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < a.d.length; i++) {
        if (!Number.isFinite(a.d[i] as number) || !Number.isFinite(b.d[i] as number)) continue;
        sum += Math.abs((a.d[i] as number) - (b.d[i] as number));
        n += 1;
      }
      expect(n).toBe(a.d.length);
      return sum / n;
    };
    expect(meanChange(small, large)).toBeLessThanOrEqual(0.02);
    expect(meanChange(large, saturated)).toBeLessThanOrEqual(0.02);
  }, 600_000);

  it('at ≥ 100 counts per halo pixel maps within 1.25 × the clean-pattern RMSE, and σ ranks the errors', async () => {
    const clean = await cleanD(scan({ seed: 5 }));
    const reference = scan({ seed: 5 });
    const cleanRmse = rmse(clean.d, reference.truthD);
    for (const dose of [100, 1000]) {
      const s = scan(realistic(dose));
      const mapped = await mapScan(s);
      expect(mapped.flags.filter((f) => f !== 'ok' && f !== 'out-of-distribution')).toEqual([]);
      console.log(`robustness: dose ${dose}: map RMSE ${rmse(mapped.d, s.truthD).toFixed(4)}, clean ${cleanRmse.toFixed(4)}`);
      expect(rmse(mapped.d, s.truthD)).toBeLessThanOrEqual(1.25 * cleanRmse);
    }
    // σ on the held-out structure's clean patterns ranks the errors.
    const sigma = clean.sigma as Float32Array;
    const errors = Array.from(clean.d, (d, i) => Math.abs(d - (reference.truthD[i] as number)));
    console.log(`robustness: Spearman ρ(σ, |error|) on ${errors.length} clean held-out patterns ${spearman(sigma, errors).toFixed(3)}`);
    expect(spearman(sigma, errors)).toBeGreaterThanOrEqual(0.3);
  }, 900_000);

  it('flags vacuum, pure noise and a crystal far from the training set, with reasons', async () => {
    // Vacuum: the beam and nothing else. Pure noise: a flat Poisson floor of 5 counts per pixel around the beam.
    const base = scan({ dose: { haloCounts: 300 }, directBeam: { radiusPx: 4, height: 1000 }, seed: 4 });
    const frames = base.frames as Float32Array;
    const pixels = base.detectorShape[0] * base.detectorShape[1];
    const beamPx = 4;
    const [rows, cols] = base.detectorShape;
    const [cr, cc] = [base.beamCentres[0] as number, base.beamCentres[1] as number];
    let state = 12345;
    const random = (): number => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state / 2 ** 32;
    };
    for (const frame of [0, 1]) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const beam = Math.hypot(r - cr, c - cc) <= beamPx ? 3e5 : 0;
          let noise = 0;
          if (frame === 1) {
            // Poisson(5) by inversion.
            let p = Math.exp(-5);
            let cdf = p;
            const u = random();
            while (u > cdf && noise < 60) {
              noise += 1;
              p *= 5 / noise;
              cdf += p;
            }
          }
          frames[frame * pixels + r * cols + c] = beam + noise;
        }
      }
    }
    const mapped = await mapScan(base);
    console.log(`robustness: noise frame σ ${mapped.sigma[1]}, D² ${mapped.ood[1]}, ${mapped.reasons[1]}; held-out frames D² ${Array.from(mapped.ood.slice(2, 12)).map((v) => v.toFixed(1)).join(' ')}`);
    expect(mapped.flags[0]).toBe('vacuum');
    expect(Number.isNaN(mapped.d[0])).toBe(true);
    expect(mapped.reasons[0]).toMatch(/vacuum or no specimen/);
    expect(mapped.flags[1]).toBe('out-of-distribution');
    expect(mapped.reasons[1]).toMatch(/unlike the training patterns|members disagree/);

    // A tungsten BCC crystal on [001]: strong Bragg spots where no Cu–Zr pattern has any.
    const crystalFile = path.join(work, 'w-bcc.data');
    const { structure } = orientedCrystal({ lattice: 'bcc', latticeA: 3.165, repeats: [10, 10, 10], element: 'W' });
    writeLammpsData(structure, crystalFile);
    const crystal = await mapScan(makeDetectorScan({ structureFile: crystalFile, scan: { rows: 2, cols: 2 }, detector: DETECTOR, dose: { haloCounts: 300 }, directBeam: { radiusPx: 4, height: 1000 }, seed: 6 }));
    console.log(`robustness: W crystal d ${Array.from(crystal.d).join(', ')}; σ ${Array.from(crystal.sigma).join(', ')}; D² ${Array.from(crystal.ood).join(', ')}; ${crystal.reasons.join(' | ')}`);
    expect(crystal.flags).toEqual(['out-of-distribution', 'out-of-distribution', 'out-of-distribution', 'out-of-distribution']);
    for (const reason of crystal.reasons) expect(reason).toMatch(/unlike the training patterns|members disagree/);
  }, 600_000);
});
