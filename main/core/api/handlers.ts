/**
 * The contract's implementation: one handler map per domain, joined into one `Handlers` object that both shells
 * serve through `dispatch`, which validates every request at the boundary.
 */
import { readOptionsOf } from '../../shared/maps';
import { inputThumbnails, previewInputFrame } from '../services/experiment-preview';
import type { Channel, ParsedRequest, Response } from '../../shared/ipc-contract';
import { ApiError, parseRequest } from '../../shared/ipc-contract';
import { LimitExceeded } from '../../shared/limits';
import type { AppCore } from '../app-core';
import { appVersion } from '../paths';
import { atomFrame, exportStructure, submitImport } from '../services/structure-service';
import * as analysis from '../services/analysis-service';
import { submitLabel } from '../services/label-service';
import { buildDataset, exportDatasetTo, listDatasets, prepareDataset, resumeDataset } from '../services/dataset-service';
import { datasetPattern, datasetSamples, previewPattern, scanPreview } from '../services/diffraction-service';
import { planSimulation, simulationThermo, submitSimulation } from '../services/simulation-service';
import { deleteModel, importModel, listModels, modelDetails } from '../services/model-service';
import { resumeTraining, submitTraining, trainingSeries } from '../services/training-service';
import { resumeSweep, submitSweep, sweepDetails } from '../services/sweep-service';
import { describeInput, mapArrays, previewMapFrame, mapFile, resumeMap, submitMap } from '../services/map-service';
import { listPredictions, predictionDetails, submitPrediction } from '../services/prediction-service';
import { readLabelProperty } from '../../../native-workers/lib/labels/label-store';
import { acceptEngineSettings, pythonForImport } from '../engine-trust';

export type Handler<C extends Channel> = (request: ParsedRequest<C>) => Promise<Response<C>> | Response<C>;
export type Handlers = { [C in Channel]: Handler<C> };

type Subset<K extends Channel> = { [C in K]: Handler<C> };

function appHandlers(core: AppCore): Subset<'app.info'> {
  return {
    'app.info': async () => ({ version: appVersion(), engines: await core.engineStatus(), project: core.project?.info() ?? null }),
  };
}

function projectHandlers(core: AppCore): Subset<'project.create' | 'project.open' | 'project.current'> {
  return {
    'project.create': (req) => core.createProject(req.path, req.name),
    'project.open': (req) => core.openProject(req.path),
    'project.current': () => core.project?.info() ?? null,
  };
}

function structureHandlers(
  core: AppCore,
): Subset<'structures.list' | 'structures.get' | 'structures.import' | 'structures.atoms' | 'structures.export' | 'structures.delete'> {
  const found = (id: number): void => {
    if (core.requireProject().project.structures.find(id) === null) {
      throw new ApiError('not-found', `structure ${id} does not exist in this project`);
    }
  };
  return {
    'structures.list': () => core.requireProject().project.structures.list(),
    'structures.get': (req) => {
      found(req.id);
      return core.requireProject().project.structures.get(req.id);
    },
    'structures.import': (req) => ({ jobId: submitImport(core.requireProject().jobs, req).id }),
    'structures.atoms': (req) => {
      found(req.id);
      return atomFrame(core.requireProject().project, req.id);
    },
    'structures.export': (req) => {
      found(req.id);
      return { path: exportStructure(core.requireProject().project, req.id, req.format, req.path) };
    },
    'structures.delete': (req) => {
      const deleted = core.requireProject().project.deleteStructure(req.id);
      if (deleted) core.publish('structures.changed', { reason: 'deleted' });
      return { deleted };
    },
  };
}

function jobHandlers(core: AppCore): Subset<'jobs.list' | 'jobs.get' | 'jobs.cancel' | 'diagnostics.selftest'> {
  const found = (id: number): void => {
    if (core.requireProject().project.jobs.find(id) === null) throw new ApiError('not-found', `job ${id} does not exist`);
  };
  return {
    'jobs.list': (req) => core.requireProject().project.jobs.list(req.limit),
    'jobs.get': (req) => {
      found(req.id);
      return core.requireProject().project.jobs.get(req.id);
    },
    'jobs.cancel': (req) => {
      found(req.id);
      return core.requireProject().jobs.cancel(req.id);
    },
    'diagnostics.selftest': (req) => ({ jobId: core.requireProject().jobs.submit('selftest', req).id }),
  };
}

function labelHandlers(core: AppCore): Subset<'labels.run' | 'labels.list' | 'labels.values'> {
  return {
    'labels.run': (req) => {
      const { project, jobs } = core.requireProject();
      return { jobId: submitLabel(project, jobs, req.structureId, { edgeThresholdA: req.edgeThresholdA, cna: req.cna }).id };
    },
    'labels.list': (req) => core.requireProject().project.labels.list(req.structureId),
    'labels.values': (req) => {
      const { project } = core.requireProject();
      if (project.labels.find(req.labelSetId) === null) throw new ApiError('not-found', `label set ${req.labelSetId} does not exist`);
      const { values, categories } = readLabelProperty(project.labels.folder(req.labelSetId), req.property);
      return { count: values.length, values, categories };
    },
  };
}

type AnalysisChannel =
  | 'analysis.profile'
  | 'analysis.motifs'
  | 'analysis.distributions'
  | 'analysis.threshold'
  | 'analysis.regions'
  | 'analysis.rdf'
  | 'analysis.sq';

function analysisHandlers(core: AppCore): Subset<AnalysisChannel> {
  const project = () => core.requireProject().project;
  return {
    'analysis.profile': (req) => analysis.profile(project(), req),
    'analysis.motifs': (req) => analysis.motifs(project(), req),
    'analysis.distributions': (req) => analysis.distributions(project(), req),
    'analysis.threshold': (req) => analysis.threshold(project(), req),
    'analysis.regions': (req) => analysis.regions(project(), req),
    'analysis.rdf': (req) => analysis.rdf(project(), req),
    'analysis.sq': (req) => analysis.structureFactor(project(), req),
  };
}

type DatasetChannel =
  | 'datasets.build'
  | 'datasets.resume'
  | 'datasets.list'
  | 'datasets.export'
  | 'datasets.scanPreview'
  | 'datasets.samples'
  | 'datasets.pattern'
  | 'diffraction.preview';

function datasetHandlers(core: AppCore): Subset<DatasetChannel> {
  const project = () => core.requireProject().project;
  return {
    'diffraction.preview': (req) => previewPattern(project(), req),
    'datasets.scanPreview': (req) => scanPreview(project(), req, prepareDataset),
    'datasets.samples': (req) => datasetSamples(project(), req),
    'datasets.pattern': (req) => datasetPattern(project(), req),
    'datasets.build': (req) => {
      const { project, jobs } = core.requireProject();
      const { dataset, job } = buildDataset(project, jobs, req);
      core.publish('datasets.changed', { datasetId: dataset.id });
      return { datasetId: dataset.id, jobId: job.id };
    },
    'datasets.resume': (req) => {
      const { project, jobs } = core.requireProject();
      return { jobId: resumeDataset(project, jobs, req.datasetId).id };
    },
    'datasets.list': () => listDatasets(core.requireProject().project),
    'datasets.export': (req) => exportDatasetTo(core.requireProject().project, req.datasetId, req.dir, req.transform),
  };
}

function settingsHandlers(core: AppCore): Subset<'settings.get' | 'settings.set'> {
  return {
    'settings.get': () => core.requireProject().project.settings.state(),
    'settings.set': (req) => {
      const { confirmed, ...paths } = req;
      const { project } = core.requireProject();
      project.settings.set(acceptEngineSettings(paths, confirmed));
      void core.engineStatus(true);
      return project.settings.state();
    },
  };
}

function simulationHandlers(core: AppCore): Subset<'simulations.run' | 'simulations.plan' | 'simulations.thermo'> {
  return {
    'simulations.run': (req) => {
      const { project, jobs } = core.requireProject();
      return { jobId: submitSimulation(jobs, project.settings.enginePath('lmpPath'), req).id };
    },
    'simulations.plan': (req) => planSimulation(req),
    'simulations.thermo': (req) => {
      const { project, jobs } = core.requireProject();
      return simulationThermo(project, jobs, req.jobId);
    },
  };
}

function modelHandlers(core: AppCore): Subset<'models.list' | 'models.get' | 'models.import' | 'models.delete'> {
  const project = () => core.requireProject().project;
  return {
    'models.list': () => listModels(project()),
    'models.get': (req) => modelDetails(project(), req.id, req.maxPairs),
    'models.import': async (req) => {
      const model = await importModel(project(), req, pythonForImport(project(), req.path));
      core.publish('models.changed', { modelId: model.id });
      return model;
    },
    'models.delete': (req) => {
      const deleted = deleteModel(project(), req.id);
      if (deleted) core.publish('models.changed', { modelId: req.id });
      return { deleted };
    },
  };
}

function trainingHandlers(core: AppCore): Subset<'training.run' | 'training.resume' | 'training.series'> {
  return {
    'training.run': (req) => {
      const { project, jobs } = core.requireProject();
      const { model, job } = submitTraining(project, jobs, req, project.settings.enginePath('python3Path'));
      return { modelId: model.id, jobId: job.id };
    },
    'training.resume': (req) => {
      const { project, jobs } = core.requireProject();
      const { model, job } = resumeTraining(project, jobs, req.modelId, project.settings.enginePath('python3Path'), req.epochs);
      return { modelId: model.id, jobId: job.id };
    },
    'training.series': (req) => {
      const { project, jobs } = core.requireProject();
      return trainingSeries(project, jobs, req.jobId);
    },
  };
}

function sweepHandlers(core: AppCore): Subset<'sweeps.list' | 'sweeps.get' | 'sweeps.run' | 'sweeps.resume' | 'sweeps.delete'> {
  const project = () => core.requireProject().project;
  return {
    'sweeps.list': () => project().sweeps.list(),
    'sweeps.get': (req) => sweepDetails(project(), req.id),
    'sweeps.run': (req) => {
      const { project, jobs } = core.requireProject();
      const { sweep, job } = submitSweep(project, jobs, req, project.settings.enginePath('python3Path'));
      core.publish('sweeps.changed', { sweepId: sweep.id });
      return { sweepId: sweep.id, jobId: job.id };
    },
    'sweeps.resume': (req) => {
      const { project, jobs } = core.requireProject();
      const { sweep, job } = resumeSweep(project, jobs, req.sweepId, project.settings.enginePath('python3Path'));
      core.publish('sweeps.changed', { sweepId: sweep.id });
      return { sweepId: sweep.id, jobId: job.id };
    },
    'sweeps.delete': (req) => {
      const { project } = core.requireProject();
      const sweep = project.sweeps.find(req.id);
      const job = sweep?.jobId == null ? null : project.jobs.find(sweep.jobId);
      if (job && (job.state === 'queued' || job.state === 'running')) throw new ApiError('invalid-request', `sweep ${req.id} is being run by job ${job.id}; cancel it first`);
      const deleted = project.sweeps.delete(req.id);
      if (deleted) core.publish('sweeps.changed', { sweepId: req.id });
      return { deleted };
    },
  };
}

function mapHandlers(core: AppCore): Subset<'experiments.open' | 'experiments.thumbnails' | 'experiments.preview' | 'maps.list' | 'maps.get' | 'maps.arrays' | 'maps.frame' | 'maps.file' | 'maps.run' | 'maps.resume' | 'maps.delete'> {
  const project = () => core.requireProject().project;
  return {
    'experiments.open': async (req) =>
      (await describeInput(req.path, req)) as unknown as Record<string, unknown>,
    'experiments.thumbnails': (req) =>
      inputThumbnails({ input: req.path, ...readOptionsOf(req) }, { count: req.count, size: req.size }),
    'experiments.preview': (req) =>
      previewInputFrame(project(), {
        input: req.path,
        ...readOptionsOf(req),
        modelId: req.modelId,
        recipe: req.recipe,
        ...(req.haloReferenceDatasetId !== undefined ? { haloReferenceDatasetId: req.haloReferenceDatasetId } : {}),
        index: req.index,
      }),
    'maps.list': () => project().maps.list(),
    'maps.get': (req) => {
      const map = project().maps.find(req.id);
      if (map === null) throw new ApiError('not-found', `map ${req.id} does not exist in this project`);
      return map;
    },
    'maps.arrays': (req) => mapArrays(project(), req.id),
    'maps.frame': (req) => previewMapFrame(project(), req.id, req.index),
    'maps.file': (req) => mapFile(project(), req.id, req.name),
    'maps.run': async (req) => {
      const { project, jobs } = core.requireProject();
      const { map, job } = await submitMap(project, jobs, req);
      core.publish('maps.changed', { mapId: map.id });
      return { mapId: map.id, jobId: job.id };
    },
    'maps.resume': (req) => {
      const { project, jobs } = core.requireProject();
      const { map, job } = resumeMap(project, jobs, req.mapId);
      core.publish('maps.changed', { mapId: map.id });
      return { mapId: map.id, jobId: job.id };
    },
    'maps.delete': (req) => {
      const { project } = core.requireProject();
      const map = project.maps.find(req.id);
      const job = map?.jobId == null ? null : project.jobs.find(map.jobId);
      if (job && (job.state === 'queued' || job.state === 'running')) throw new ApiError('invalid-request', `map ${req.id} is being made by job ${job.id}; cancel it first`);
      const deleted = project.maps.delete(req.id);
      if (deleted) core.publish('maps.changed', { mapId: req.id });
      return { deleted };
    },
  };
}

function predictionHandlers(core: AppCore): Subset<'predictions.run' | 'predictions.list' | 'predictions.get'> {
  return {
    'predictions.run': (req) => {
      const { project, jobs } = core.requireProject();
      return { jobId: submitPrediction(project, jobs, req).id };
    },
    'predictions.list': (req) => listPredictions(core.requireProject().project, req.modelId),
    'predictions.get': (req) => predictionDetails(core.requireProject().project, req.id, req.limit),
  };
}

export function createHandlers(core: AppCore): Handlers {
  return {
    ...appHandlers(core),
    ...projectHandlers(core),
    ...structureHandlers(core),
    ...jobHandlers(core),
    ...settingsHandlers(core),
    ...labelHandlers(core),
    ...analysisHandlers(core),
    ...datasetHandlers(core),
    ...simulationHandlers(core),
    ...modelHandlers(core),
    ...trainingHandlers(core),
    ...sweepHandlers(core),
    ...mapHandlers(core),
    ...predictionHandlers(core),
  };
}

/** Validates and runs one call; every failure comes back as an ApiError with a message for the user. */
export async function dispatch<C extends Channel>(handlers: Handlers, channel: C, rawRequest: unknown): Promise<Response<C>> {
  const request = parseRequest(channel, rawRequest);
  try {
    return await handlers[channel](request);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof LimitExceeded) throw new ApiError('invalid-request', `${channel}: ${error.message}`);
    throw new ApiError('failed', error instanceof Error ? error.message : String(error));
  }
}
