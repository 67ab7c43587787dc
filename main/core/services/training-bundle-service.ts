/**
 * `ssro train … --bundle DIR`: writes a training bundle (native-workers/lib/models/training-bundle.ts) for a
 * training request instead of starting a train job, with the config, split and checks a train job would get.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError } from '../../shared/ipc-contract';
import type { TrainingRequest } from '../../shared/models';
import { ssroTorchDir } from '../../../native-workers/lib/models/torch-engine';
import { BUNDLE_FILES, writeTrainingBundle, type BundleManifest } from '../../../native-workers/lib/models/training-bundle';
import type { Project } from '../project/project';
import { exportDatasetTo } from './dataset-service';
import { configFor, planTrainingSplit, preparedTraining } from './training-service';
import { writeSplitPlan, type SplitPlan } from '../../../native-workers/lib/datasets/split-plan';

function appVersion(engineRoot: string): string | null {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(path.join(engineRoot, '..', '..', '..', 'package.json'), 'utf8'));
    const version = value !== null && typeof value === 'object' ? (value as { version?: unknown }).version : undefined;
    return typeof version === 'string' ? version : null;
  } catch {
    return null; // a packaged app's unpacked tree has no package.json: the engine hash still identifies the engine
  }
}

/** Writes the bundle of `given` (a training request, as submitTraining takes it) into `dir`. */
export function writeBundle(project: Project, given: TrainingRequest, dir: string): { dir: string; manifest: BundleManifest } {
  const { request, dataset } = preparedTraining(project, given);
  // One split plan for split.npy, the config's split record and the authors' layout's split.csv, so the three agree;
  // the bundle folder does not exist yet, so the record is passed in rather than read back from beside split.npy.
  let plan: SplitPlan;
  try {
    plan = planTrainingSplit(request, dataset);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('invalid-request', (error as Error).message);
  }
  // The local job's config with the bundle as its model folder: split.npy and run/ at the bundle's top level.
  const config = configFor(request, BUNDLE_FILES.dataset, '.', plan.info);
  config.splitFile = path.posix.normalize(config.splitFile.split(path.sep).join('/'));
  config.outDir = path.posix.normalize(config.outDir.split(path.sep).join('/'));
  const engineRoot = ssroTorchDir();
  try {
    return writeTrainingBundle({
      outDir: dir,
      project: { dir: project.dir, name: path.basename(project.dir) },
      dataset: { id: request.datasetId, name: dataset.name, storeDir: dataset.dir },
      config,
      request: { ...request },
      enginePackageDir: path.join(engineRoot, 'ssro_torch'),
      appVersion: appVersion(engineRoot),
      writeSplit: (file) => {
        writeSplitPlan(file, plan);
      },
      writeAuthorsLayout: (layoutDir) => {
        exportDatasetTo(project, request.datasetId, layoutDir, request.transform, plan);
        return { transform: request.transform };
      },
    });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('invalid-request', (error as Error).message);
  }
}
