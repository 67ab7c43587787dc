/**
 * The `map` job: d over an experimental scan or folder with a project model (mapping.ts), into the map's folder in
 * the project. The folder keeps every finished frame, so a cancelled, failed or interrupted map is continued by the
 * next job on the same folder; the model, input and recipe must be the same (the plan is compared).
 */
import type { InputReadOptions } from '../../main/shared/maps';
import type { PreprocessRecipeInput } from '../../main/shared/preprocess-recipe';
import { datasetHaloReference, loadRecipeImages, MapCancelled, planMap, runMap, type MapPlan, type MapSummary } from '../lib/microscopy/mapping';
import { openMicroscopy } from '../lib/microscopy/open';
import { defaultPreprocessThreads } from '../lib/microscopy/preprocess-pool';
import { recipeModelFromPreprocessing } from '../lib/microscopy/preprocess/recipe';
import { preprocessRecipeSchema } from '../../main/shared/preprocess-recipe';
import { JobCancelled, runWorker, type JobContext } from '../runtime/worker-runtime';

export interface MapJobParams {
  mapId: number;
  /** The map's name in the project (the report's title). */
  name: string;
  modelPath: string;
  input: string;
  /** How to read the input (scan shape, HDF5 dataset, scan step) as the user gave it. */
  readOptions: InputReadOptions;
  /** The user's recipe without `model` (the model's own k-grid and transform are added here). */
  recipe: Record<string, unknown>;
  dir: string;
  /** A 'halo' calibration: the dataset folder of simulated raw patterns on the model's grid (checked by the core). */
  haloReferenceDir: string | null;
  batchSize: number;
  resumeHint: string;
}

export interface MapJobResult {
  mapId: number;
  plan: MapPlan;
  summary: MapSummary;
}

async function map(params: MapJobParams, ctx: JobContext): Promise<MapJobResult> {
  ctx.progress(0, 'opening the file and the model');
  const { loadInferenceModel } = await import('../lib/models/onnx-inference');
  const model = await loadInferenceModel(params.modelPath, { threads: 2 });
  const source = await openMicroscopy(params.input, params.readOptions);
  const datasetPath = params.readOptions.datasetPath ?? null;
  try {
    const recipe = preprocessRecipeSchema.parse({ ...(params.recipe as PreprocessRecipeInput), model: recipeModelFromPreprocessing(model.metadata.preprocessing) });
    const images = await loadRecipeImages(recipe, source.info.frameShape);
    const reference = params.haloReferenceDir !== null ? datasetHaloReference(params.haloReferenceDir, recipe.model.side, recipe.model.deltaKInvA) : undefined;
    ctx.progress(0, 'the mean frame: bad pixels, centre, calibration');
    const { plan, badPixels } = planMap(source, model, recipe, { datasetPath, ...(reference ? { reference } : {}) }, images);
    ctx.log(`calibration: ${plan.calibrationDetail}`);
    try {
      const summary = await runMap(source, model, plan, badPixels, params.dir, {
        batchSize: params.batchSize,
        threads: defaultPreprocessThreads(),
        datasetPath,
        isCancelled: () => ctx.isCancelled(),
        log: (line) => ctx.log(line),
        reportTitle: params.name,
        onProgress: (p) => ctx.progress(p.done / p.total, `${p.done} of ${p.total} frames`),
      }, images);
      return { mapId: params.mapId, plan, summary };
    } catch (error) {
      if (error instanceof MapCancelled) throw new JobCancelled(`${error.message}; ${params.resumeHint}`);
      throw error;
    }
  } finally {
    source.close();
    await model.release();
  }
}

runWorker('map', (raw, ctx) => map(raw as MapJobParams, ctx));
