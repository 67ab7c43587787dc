/**
 * `ssro map MODEL.onnx FILE --out DIR`: d for every frame of an experimental scan or folder (issue 6), with the
 * model's recorded k-grid and transform and a stored preprocessing recipe; writes the map folder mapping.ts
 * describes (d.npy in the scan's shape, flags, virtual BF/ADF, centres, d.csv, frames.csv, map.json). The pixel
 * size must come from the file's calibration, a known ring, or --calibration: it is never assumed. Re-running on
 * the same DIR continues an interrupted map.
 */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { CalibrationError } from '../../../native-workers/lib/microscopy/preprocess/calibration';
import { recipeModelFromPreprocessing, type PreprocessRecipeInput } from '../../../native-workers/lib/microscopy/preprocess/recipe';
import { openMicroscopy } from '../../../native-workers/lib/microscopy/open';
import { haloReference, loadRecipeImages, MapCancelled, planMap, runMap } from '../../../native-workers/lib/microscopy/mapping';
import { readNpy } from '../../../native-workers/lib/npy';
import { parseInteger, parsePositive, parsePositiveInteger } from '../parse-options';
import { defaultPreprocessThreads } from '../../../native-workers/lib/microscopy/preprocess-pool';
import { parseScanShape } from './open';

interface MapCliOptions {
  out: string;
  scanShape?: string;
  scanStep?: number;
  dataset?: string;
  calibration?: number;
  ringK?: number;
  haloReference?: string;
  beamKev?: number;
  cameraLength?: number;
  detectorPixel?: number;
  denoise: 'tv' | 'none';
  tvWeight: number;
  centre: string;
  scanCentre?: boolean;
  dark?: string;
  mask?: string;
  noHotPixels?: boolean;
  hotPixels: boolean;
  saturation?: number;
  maxSaturated: number;
  batch: number;
  threads: number;
  preprocessThreads: number;
}

function centreOption(text: string): PreprocessRecipeInput['centre'] {
  if (text === 'com' || text === 'xcorr') return { method: text };
  const fixed = /^fixed:([\d.]+),([\d.]+)$/.exec(text);
  if (fixed) return { method: 'fixed', row: Number(fixed[1]), col: Number(fixed[2]) };
  throw new Error(`--centre ${text}: com, xcorr or fixed:ROW,COL (pixels)`);
}

/** The halo reference from a .npy of raw patterns on the model's grid: (S, S) or (N, S, S). */
function haloReferenceFromNpy(file: string, side: number, deltaKInvA: number): ReturnType<typeof haloReference> {
  const { data, shape } = readNpy(file);
  const s = shape[shape.length - 1];
  if (shape.length < 2 || shape.length > 3 || s !== side || shape[shape.length - 2] !== side) {
    throw new Error(`${file}: shape ${shape.join('×')}; the halo reference must be ${side}×${side} patterns on the model's grid (ssro diffract --raw with the model's kmax and Δk)`);
  }
  const values = Float32Array.from(data as ArrayLike<number>);
  const count = shape.length === 3 ? (shape[0] as number) : 1;
  return haloReference(Array.from({ length: count }, (_, k) => values.subarray(k * side * side, (k + 1) * side * side)), side, deltaKInvA);
}

export function registerMapCommand(program: Command): void {
  program
    .command('map')
    .description('map d over an experimental NBED / 4D-STEM file or folder with a model (preprocessing recorded with the result)')
    .argument('<model>', 'an ONNX model with SSRO metadata (its k-grid and transform are used)')
    .argument('<input>', 'a file or folder that ssro open reads')
    .requiredOption('--out <dir>', 'the map folder (created; an interrupted map in it is continued)')
    .option('--scan-shape <ny,nx>', 'the scan shape when the file does not say it (must divide the frame count)')
    .option('--dataset <path>', 'HDF5: the dataset to read')
    .option('--scan-step <nm>', 'real-space step between scan positions (nm) when the file does not record it', parsePositive)
    .option('--calibration <invA>', 'pixel size in Å⁻¹ per pixel (else from the file metadata, or --ring-k)', parsePositive)
    .option('--ring-k <invA>', "calibrate from a ring of known k (Å⁻¹) in the scan's mean frame", parsePositive)
    .option('--halo-reference <file.npy>', "calibrate by fitting the scan's amorphous halo to simulated raw patterns on the model's grid (ssro diffract --raw)")
    .option('--beam-kev <kV>', 'beam energy when the file does not say it (for angle calibrations)', parsePositive)
    .option('--camera-length <mm>', 'camera length when the file does not say it', parsePositive)
    .option('--detector-pixel <um>', 'physical detector pixel size (µm), with a camera length', parsePositive)
    .addOption(new Option('--denoise <method>', 'total-variation denoising as papers/000 (Chambolle, weight 0.1, ε 2e-4, ≤ 200 iterations)').choices(['tv', 'none']).default('tv'))
    .option('--tv-weight <w>', 'TV weight, relative to each frame’s value range', parsePositive, 0.1)
    .option('--centre <method>', 'beam centre: com, xcorr or fixed:ROW,COL', 'com')
    .option('--scan-centre', 'find the centre once on the mean frame instead of on every frame')
    .option('--dark <file>', 'dark reference frame to subtract')
    .option('--mask <file>', 'mask image (non-zero = ignore)')
    .option('--no-hot-pixels', 'do not detect hot/dead pixels on the mean frame')
    .option('--saturation <counts>', 'detector saturation level (default: the stored type’s maximum)', parsePositive)
    .option('--max-saturated <fraction>', 'flag frames with more saturated pixels than this fraction', parsePositive, 0.001)
    .option('--batch <n>', 'frames per inference batch', parsePositiveInteger, 64)
    .option('--threads <n>', 'onnxruntime intra-op threads', parsePositiveInteger, 2)
    .option('--preprocess-threads <n>', 'preprocessing threads, 0 = none (default: one per core)', (v) => parseInteger(v), defaultPreprocessThreads())
    .action(async (modelFile: string, input: string, opts: MapCliOptions) => {
      const { loadInferenceModel } = await import('../../../native-workers/lib/models/onnx-inference');
      const model = await loadInferenceModel(path.resolve(modelFile), { threads: opts.threads });
      const source = await openMicroscopy(input, {
        ...(opts.scanShape !== undefined ? { scanShape: parseScanShape(opts.scanShape) } : {}),
        ...(opts.scanStep !== undefined ? { scanStepNm: opts.scanStep } : {}),
        ...(opts.dataset !== undefined ? { datasetPath: opts.dataset } : {}),
      });
      const controller = { cancelled: false };
      const onSigint = (): void => {
        controller.cancelled = true;
      };
      process.on('SIGINT', onSigint);
      try {
        const calibration: PreprocessRecipeInput['calibration'] =
          opts.calibration !== undefined
            ? { method: 'manual', invAPerPixel: opts.calibration }
            : opts.ringK !== undefined
              ? { method: 'ring', ringKInvA: opts.ringK }
              : opts.haloReference !== undefined
                ? { method: 'halo' }
                : {
                  method: 'metadata',
                  ...(opts.beamKev !== undefined ? { beamEnergyKeV: opts.beamKev } : {}),
                  ...(opts.cameraLength !== undefined ? { cameraLengthMm: opts.cameraLength } : {}),
                  ...(opts.detectorPixel !== undefined ? { detectorPixelSizeUm: opts.detectorPixel } : {}),
                };
        const recipe: PreprocessRecipeInput = {
          dark: opts.dark ? path.resolve(opts.dark) : null,
          mask: opts.mask ? path.resolve(opts.mask) : null,
          hotPixels: { enabled: opts.hotPixels },
          centre: { ...centreOption(opts.centre), perFrame: opts.scanCentre !== true },
          calibration,
          denoise: { method: opts.denoise === 'tv' ? 'tv-chambolle' : 'none', weight: opts.tvWeight },
          quality: { saturationValue: opts.saturation ?? null, maxSaturatedFraction: opts.maxSaturated },
          model: recipeModelFromPreprocessing(model.metadata.preprocessing),
        };
        const images = await loadRecipeImages(
          { ...recipe, dark: recipe.dark ?? null, mask: recipe.mask ?? null } as Parameters<typeof loadRecipeImages>[0],
          source.info.frameShape,
        );
        let planned;
        try {
          const grid = model.metadata.preprocessing;
          const reference = opts.haloReference !== undefined ? haloReferenceFromNpy(path.resolve(opts.haloReference), grid.side, grid.deltaKInvA as number) : undefined;
          planned = planMap(source, model, recipe, { datasetPath: opts.dataset ?? null, ...(reference ? { reference } : {}) }, images);
        } catch (error) {
          if (error instanceof CalibrationError) {
            throw new Error(`${source.info.file}: ${error.message}. Give the pixel size with --calibration (Å⁻¹/px), a ring of known k with --ring-k, or simulated patterns with --halo-reference`);
          }
          throw error;
        }
        const { plan, badPixels } = planned;
        process.stderr.write(
          `map: ${source.info.frameCount} frames ${source.info.frameShape.join('×')} (${source.info.format}, scan ${plan.input.scanShape.join('×')}); ` +
            `calibration: ${plan.calibrationDetail}\n`,
        );
        const summary = await runMap(source, model, plan, badPixels, path.resolve(opts.out), {
          batchSize: opts.batch,
          threads: opts.preprocessThreads,
          datasetPath: opts.dataset ?? null,
          isCancelled: () => controller.cancelled,
          onProgress: (p) => {
            if (process.stderr.isTTY) process.stderr.write(`\rmap: ${p.done}/${p.total} frames`);
          },
        }, images);
        if (process.stderr.isTTY) process.stderr.write('\n');
        const flagged = Object.entries(summary.flagged).filter(([f, n]) => f !== 'ok' && n > 0).map(([f, n]) => `${n} ${f}`);
        process.stderr.write(
          `map: ${summary.mapped} of ${summary.frameCount} frames mapped${flagged.length ? ` (flagged: ${flagged.join(', ')})` : ''}; ` +
            `d mean ${summary.d.mean?.toFixed(4) ?? '—'} ± ${summary.d.std?.toFixed(4) ?? '—'}; ` +
            `read ${summary.seconds.read.toFixed(1)} s, preprocess ${summary.seconds.preprocess.toFixed(1)} s, inference ${summary.seconds.inference.toFixed(1)} s → ${summary.dir}\n`,
        );
        process.stdout.write(`${summary.dir}\n`);
      } catch (error) {
        if (error instanceof MapCancelled) throw new Error(`${error.message}; run the same command again to continue`);
        throw error;
      } finally {
        process.removeListener('SIGINT', onSigint);
        source.close();
        await model.release();
      }
    });
}
