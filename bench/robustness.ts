/**
 * Robustness benchmark: how the bundled model's map of a detector-realistic scan degrades under each detector
 * nuisance alone and under counting noise, against the known truth map, side by side with the model on the clean
 * model-grid patterns of the same probes (its best case).
 *
 * Scans come from tests/support/detector-scan.ts: the held-out complexion (the bundled model never saw it), zone z,
 * a 12 × 12 raster across its grain / amorphous boundary, 96² frames of 0.0219 Å⁻¹ pixels (reaching ±1.04 Å⁻¹, past the
 * model's kmax) computed on the detector grid itself; truth = the dataset builder's probe label (mean per-atom d). Every scan is written as a NumPy 4D file
 * and mapped through the app's own path (openMicroscopy → planMap → runMap, the recipe's defaults, the model's own
 * recorded transform and grid, manual calibration = the nominal pixel size). The clean predictions go through the
 * app's transform dispatcher (modelInputFor with the model's recorded preprocessing) and the inference call runMap
 * uses (predictFrames).
 *
 * 'none' is noiseless, in the simulator's raw units (halo ≈ a few per pixel, as the training patterns); the scale
 * rows multiply it; the dose rows are uint16 Poisson counts with that mean per halo pixel.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeTransform, transformSpecOf } from '../main/shared/model-transform';
import { modelInputFor } from '../native-workers/lib/diffraction/model-input';
import { loadInferenceModel, predictFrames, type InferenceModel } from '../native-workers/lib/models/onnx-inference';
import { makeDetectorScan, type DetectorScan, type DetectorScanOptions } from '../tests/support/detector-scan';
import { mapDetectorScan } from '../tests/support/detector-map';

const MODELS = path.resolve(__dirname, '..', '..', 'resources', 'models');
const SCAN = 12;
const SIDE = 96;
const PIXEL = 0.0219;

export interface RobustnessRow {
  case: string;
  mapped: number;
  flagged: number;
  /** Flag name → frames, for the flags that occurred. */
  flags: Record<string, number>;
  rmse: number;
  bias: number;
  cleanRmse: number;
  seconds: number;
}

export interface RobustnessBenchResult {
  bench: 'robustness';
  model: string;
  transform: string;
  frames: number;
  labelSeconds: number;
  rows: RobustnessRow[];
  totalSeconds: number;
}

function bundledModel(): string {
  const onnx = fs.existsSync(MODELS) ? fs.readdirSync(MODELS).filter((f) => f.endsWith('.onnx')).sort() : [];
  if (onnx.length === 0) throw new Error(`no bundled model in ${MODELS} (resources/models/generate.sh makes it)`);
  return path.join(MODELS, onnx[0] as string);
}

/** RMSE and bias (mean of prediction − truth) over the frames with a finite prediction. */
function errors(predicted: ArrayLike<number>, truth: Float64Array): { rmse: number; bias: number; mapped: number } {
  let se = 0;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i] as number;
    if (!Number.isFinite(p)) continue;
    const e = p - (truth[i] as number);
    se += e * e;
    sum += e;
    n++;
  }
  return n === 0 ? { rmse: Number.NaN, bias: Number.NaN, mapped: 0 } : { rmse: Math.sqrt(se / n), bias: sum / n, mapped: n };
}

/** The model on the clean model-grid patterns, each made into the model's input by the app's dispatcher, as d. */
async function cleanPredictions(model: InferenceModel, scan: DetectorScan): Promise<Float64Array> {
  const spec = model.metadata.preprocessing;
  const side = spec.side;
  const patterns = scan.cleanModelPatterns;
  if (patterns === null || scan.modelSide !== side) throw new Error(`the clean patterns are ${scan.modelSide}², the model reads ${side}²`);
  const count = scan.truthD.length;
  const pixels = side * side;
  const inputs = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) modelInputFor(patterns.subarray(i * pixels, (i + 1) * pixels), spec, { out: inputs.subarray(i * pixels, (i + 1) * pixels) });
  // predictFrames, as runMap calls it: target (d or 1 − d) and an ensemble's members are resolved as for a map.
  const d = new Float64Array(count);
  for (let start = 0; start < count; start += 64) {
    const n = Math.min(64, count - start);
    d.set((await predictFrames(model, inputs.subarray(start * pixels, (start + n) * pixels), n)).d, start);
  }
  return d;
}

/** Maps the scan with the app's recipe defaults: d per frame (NaN where flagged) and the flag counts. */
async function mapScan(model: InferenceModel, scan: DetectorScan, dir: string): Promise<{ d: Float32Array; flagged: number; flags: Record<string, number> }> {
  const { d, summary } = await mapDetectorScan(model, scan, dir);
  const flags = Object.fromEntries(Object.entries(summary.flagged).filter(([name, n]) => name !== 'ok' && n > 0));
  return { d, flagged: summary.frameCount - summary.mapped, flags };
}

export async function runRobustnessBench(): Promise<RobustnessBenchResult> {
  const started = performance.now();
  const modelFile = bundledModel();
  const model = await loadInferenceModel(modelFile, { threads: 2 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssro-bench-robustness-'));
  try {
    const base: DetectorScanOptions = { scan: { rows: SCAN, cols: SCAN }, detector: { side: SIDE, invAPerPixel: PIXEL, dtype: 'float32' }, seed: 11 };
    const reference = makeDetectorScan(base);
    const clean = errors(await cleanPredictions(model, reference), reference.truthD);
    // The noiseless halo level, for a saturation level relative to it.
    let haloSum = 0;
    let haloN = 0;
    reference.haloMasks.forEach((inside, k) => {
      if (inside) {
        haloSum += reference.frames[k] as number;
        haloN++;
      }
    });
    const haloMean = haloSum / haloN;
    const cases: [string, DetectorScanOptions][] = [
      ['none', {}],
      ['scale ×10', { intensityFactor: 10 }],
      ['scale ×0.01', { intensityFactor: 0.01 }],
      ['beam disc r 2 px (50× halo)', { directBeam: { radiusPx: 2, height: 50 } }],
      ['beam disc r 6 px (50× halo)', { directBeam: { radiusPx: 6, height: 50 } }],
      ['beam disc r 6 px saturated', { directBeam: { radiusPx: 6, height: 1000, saturateAt: 200 * haloMean } }],
      ['centre offset + drift 1.9 px', { beam: { offsetPx: [1.3, -0.7], driftPx: [1.5, -1.2] } }],
      ['k-scale +3 %', { kScaleError: 0.03 }],
      ['ellipticity 2 % at 30°', { ellipticity: { amount: 0.02, angleDeg: 30 } }],
      ['blur σ 0.01 Å⁻¹', { blur: { kind: 'gaussian', radiusInvA: 0.01 } }],
      ['background = halo mean', { backgroundCounts: haloMean }],
      ['5 hot (1e6) + 5 dead pixels', { defects: { hot: 5, dead: 5, hotValue: 1e6 } }],
      // A long camera length: the frame ends at ±0.56 Å⁻¹, inside the model's kmax.
      ['detector reaches 0.56 Å⁻¹ only', { detector: { side: SIDE, invAPerPixel: 0.0117, dtype: 'float32' } }],
      ...[10, 100, 1000, 10_000].map((counts): [string, DetectorScanOptions] => [`dose ${counts} / halo px (uint16)`, { dose: { haloCounts: counts }, detector: { side: SIDE, invAPerPixel: PIXEL, dtype: 'uint16' } }]),
    ];
    const rows: RobustnessRow[] = [];
    for (const [name, extra] of cases) {
      const t = performance.now();
      const scan = makeDetectorScan({ ...base, ...extra, cleanModelPatterns: false });
      const { d, flagged, flags } = await mapScan(model, scan, path.join(dir, String(rows.length)));
      const e = errors(d, scan.truthD);
      rows.push({ case: name, mapped: e.mapped, flagged, flags, rmse: e.rmse, bias: e.bias, cleanRmse: clean.rmse, seconds: (performance.now() - t) / 1000 });
    }
    const result: RobustnessBenchResult = {
      bench: 'robustness',
      model: path.basename(modelFile),
      transform: describeTransform(transformSpecOf(model.metadata.preprocessing)),
      frames: reference.truthD.length,
      labelSeconds: reference.seconds.labels,
      rows,
      totalSeconds: (performance.now() - started) / 1000,
    };
    const truth = Array.from(reference.truthD);
    console.log(`robustness: ${result.model} (${result.transform}) on ${SCAN}×${SCAN} scans of ${SIDE}² frames, ${PIXEL} Å⁻¹/px, held-out complexion, zone z`);
    console.log(`  truth d ${Math.min(...truth).toFixed(3)} … ${Math.max(...truth).toFixed(3)}; clean model-grid patterns of the same probes: RMSE ${clean.rmse.toFixed(4)}, bias ${clean.bias >= 0 ? '+' : ''}${clean.bias.toFixed(4)}`);
    const header = `  ${'case'.padEnd(32)} ${'mapped'.padStart(6)} ${'flagged'.padStart(7)} ${'RMSE'.padStart(7)} ${'bias'.padStart(8)} ${'clean RMSE'.padStart(10)} ${'s'.padStart(5)}  flags`;
    console.log(header);
    for (const r of rows) {
      const f = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
      console.log(`  ${r.case.padEnd(32)} ${String(r.mapped).padStart(6)} ${String(r.flagged).padStart(7)} ${f(r.rmse).padStart(7)} ${`${r.bias >= 0 ? '+' : ''}${f(r.bias)}`.padStart(8)} ${f(r.cleanRmse).padStart(10)} ${f(r.seconds, 1).padStart(5)}  ${Object.entries(r.flags).map(([flag, n]) => `${flag} ${n}`).join(', ')}`);
    }
    console.log(`  (labels ${result.labelSeconds.toFixed(1)} s; whole bench ${result.totalSeconds.toFixed(0)} s)`);
    fs.mkdirSync(path.join(__dirname, 'out'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, 'out', 'robustness.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await model.release();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runRobustnessBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
