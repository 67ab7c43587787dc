/**
 * Dataset use cases: validate a recipe and lay out its samples before any work, create the dataset and its
 * `diffract` job, resume an interrupted build, and export a complete dataset to the authors' public layout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ZoneAxis } from '../../shared/diffraction';
import type { DatasetSummary, JobSummary } from '../../shared/domain';
import { ApiError, type DatasetRecipe } from '../../shared/ipc-contract';
import { planDataset, type DatasetPlan } from '../../../native-workers/lib/datasets/dataset-plan';
import { datasetProgress } from '../../../native-workers/lib/datasets/pattern-store';
import { exportDataset } from '../../../native-workers/lib/datasets/dataset-export';
import type { SplitPlan } from '../../../native-workers/lib/datasets/split-plan';
import { NbedSimulator } from '../../../native-workers/lib/diffraction/nbed-simulator';
import { MODEL_INPUT, modelInput, modelInputFor } from '../../../native-workers/lib/diffraction/model-input';
import { patternSide } from '../../shared/diffraction';
import { ANNULUS_LOG_DEFAULTS, preprocessingRecord, type TrainingTransform } from '../../shared/model-transform';
import type { PatternTransform } from '../../../native-workers/lib/datasets/dataset-export';
import { readScatteringFactors } from '../../../native-workers/lib/rdf/scattering-factors';
import { speciesOf } from '../../../native-workers/lib/labels/compute-labels';
import { readStructureFolder } from '../../../native-workers/lib/structure-store';
import type { DiffractJobParams, DiffractSource } from '../../../native-workers/diffract/index';
import type { Finalizer, JobManager } from '../jobs/job-manager';
import { resourcesDir } from '../paths';
import type { Project } from '../project/project';

const FACTORS = path.join(resourcesDir, 'elements', 'electron-scattering-factors-peng1996.json');

/** Checks the sources and every (structure, zone, probe) combination, and counts the samples. */
export function prepareDataset(project: Project, recipe: DatasetRecipe): { sources: DiffractSource[]; sampleCount: number; plan: DatasetPlan } {
  const factors = readScatteringFactors('electron', FACTORS);
  const sources: DiffractSource[] = [];
  const cells = [];
  for (const { structureId, labelSetId } of recipe.sources) {
    const structure = project.structures.find(structureId);
    if (structure === null) throw new ApiError('not-found', `structure ${structureId} does not exist in this project`);
    const labels = project.labels.find(labelSetId);
    if (labels === null) throw new ApiError('not-found', `label set ${labelSetId} does not exist in this project`);
    if (labels.structureId !== structureId) {
      throw new ApiError('invalid-request', `label set ${labelSetId} belongs to structure ${labels.structureId}, not ${structureId}`);
    }
    const parsed = readStructureFolder(project.structures.folder(structureId));
    const { elements, species } = speciesOf(parsed);
    for (const zone of recipe.zones) {
      for (const shape of recipe.probes) {
        try {
          // Constructing the simulator validates the grid, the probe against the cell and the elements.
          new NbedSimulator(
            { positions: parsed.positions, cell: parsed.cell, ids: parsed.ids, species, elements },
            { shape, zone: zone as ZoneAxis, grid: { kmaxInvA: recipe.kmaxInvA, deltaKInvA: recipe.deltaKInvA }, factors },
          );
        } catch (error) {
          throw new ApiError('invalid-request', `structure ${structureId} (${structure.name}): ${(error as Error).message}`);
        }
      }
    }
    cells.push(parsed.cell);
    sources.push({
      structureId,
      labelSetId,
      name: structure.name,
      structureDir: project.structures.folder(structureId),
      labelDir: project.labels.folder(labelSetId),
    });
  }
  let plan: DatasetPlan;
  try {
    plan = planDataset(recipe, cells);
  } catch (error) {
    throw new ApiError('invalid-request', `scan: ${(error as Error).message}`);
  }
  if (plan.sampleCount === 0) throw new ApiError('invalid-request', 'the scan places no probe centres');
  return { sources, sampleCount: plan.sampleCount, plan };
}

function submit(project: Project, jobs: JobManager, dataset: DatasetSummary, recipe: DatasetRecipe, sources: DiffractSource[]): JobSummary {
  const params: DiffractJobParams = {
    datasetId: dataset.id,
    datasetDir: project.datasets.folder(dataset.id),
    recipe,
    sources,
    factorsPath: FACTORS,
  };
  const job = jobs.submit(
    'diffract',
    params,
    sources.flatMap((s) => [
      { kind: 'structure' as const, id: s.structureId },
      { kind: 'label-set' as const, id: s.labelSetId },
    ]),
  );
  project.datasets.setJob(dataset.id, job.id);
  return job;
}

export function buildDataset(project: Project, jobs: JobManager, recipe: DatasetRecipe): { dataset: DatasetSummary; job: JobSummary } {
  const { sources, sampleCount } = prepareDataset(project, recipe);
  const dataset = project.datasets.create(recipe.name, recipe, sampleCount, recipe.sources);
  return { dataset, job: submit(project, jobs, dataset, recipe, sources) };
}

export function resumeDataset(project: Project, jobs: JobManager, datasetId: number): JobSummary {
  const dataset = project.datasets.find(datasetId);
  if (dataset === null) throw new ApiError('not-found', `dataset ${datasetId} does not exist in this project`);
  if (dataset.state === 'complete') throw new ApiError('invalid-request', `dataset ${datasetId} is already complete`);
  const running = project.jobs.list(1000).find((j) => j.kind === 'diffract' && (j.state === 'running' || j.state === 'queued') && (j.params as DiffractJobParams).datasetId === datasetId);
  if (running) throw new ApiError('invalid-request', `dataset ${datasetId} is being built by job ${running.id}`);
  const recipe = dataset.recipe as DatasetRecipe;
  const { sources } = prepareDataset(project, recipe);
  return submit(project, jobs, dataset, recipe, sources);
}

/** Building datasets report how far they got from their own files (the truth after a crash). */
export function listDatasets(project: Project): DatasetSummary[] {
  return project.datasets.list().map((d) => {
    if (d.state === 'complete') return d;
    const dir = project.datasets.folder(d.id);
    if (!fs.existsSync(path.join(dir, 'dataset.json'))) return { ...d, doneCount: 0 };
    return { ...d, doneCount: datasetProgress(dir).doneCount };
  });
}

export function datasetFinalizer(project: Project): Finalizer {
  return (_job, result) => {
    const r = result as { datasetId?: number; sampleCount?: number; seconds?: number; patternsPerSecond?: number };
    if (typeof r.datasetId !== 'number') throw new Error('the worker returned no dataset');
    const progress = datasetProgress(project.datasets.folder(r.datasetId));
    if (!progress.complete) throw new Error(`dataset ${r.datasetId} has ${progress.doneCount} of ${progress.sampleCount} samples`);
    project.datasets.markComplete(r.datasetId, { seconds: r.seconds ?? null, patternsPerSecond: r.patternsPerSecond ?? null });
    return [{ kind: 'file', id: `dataset:${r.datasetId}` }];
  };
}

/**
 * Writes the authors' layout of a complete dataset. The model inputs are made with `transform` (default log1-minmax,
 * what their code reads); annulus-log exports suit this app's v2 models, and record the full transform.
 */
function exportTransform(transform: TrainingTransform, recipe: DatasetRecipe): PatternTransform {
  if (transform === 'log1-minmax') return { name: MODEL_INPUT, apply: (raw: Float32Array) => modelInput(raw) };
  const grid = { side: patternSide(recipe), kmaxInvA: recipe.kmaxInvA, deltaKInvA: recipe.deltaKInvA };
  const record = preprocessingRecord({ transform, ...ANNULUS_LOG_DEFAULTS }, grid);
  return { name: transform, record, apply: (raw: Float32Array) => modelInputFor(raw, record) };
}

/** `split`: the split split.csv holds (split-service.ts); without it the dataset's seeded random split. */
export function exportDatasetTo(project: Project, datasetId: number, dir: string, transform: TrainingTransform = 'log1-minmax', split?: SplitPlan): { dir: string; files: string[]; splitSummary: string } {
  const dataset = project.datasets.find(datasetId);
  if (dataset === null) throw new ApiError('not-found', `dataset ${datasetId} does not exist in this project`);
  if (dataset.state !== 'complete') {
    throw new ApiError('invalid-request', `dataset ${datasetId} is still building (${dataset.doneCount} of ${dataset.sampleCount}); resume it first`);
  }
  const target = path.resolve(dir);
  if (!fs.existsSync(path.dirname(target))) throw new ApiError('invalid-request', `${path.dirname(target)} does not exist`);
  const recipe = dataset.recipe as DatasetRecipe;
  const result = exportDataset(project.datasets.folder(datasetId), target, {
    transform: exportTransform(transform, recipe),
    seed: recipe.splitSeed,
    ...(split === undefined ? {} : { split }),
  });
  return { dir: result.outDir, files: result.files, splitSummary: result.splitSummary };
}
