/**
 * The application core every shell wraps: the open project, its job manager, engine status and the event stream.
 * Electron's main process, the browser-shell server and the CLI each hold one.
 */
import { EventEmitter } from 'node:events';
import type { EngineStatus, ProjectInfo } from '../shared/domain';
import type { EventName, Events } from '../shared/ipc-contract';
import { ApiError } from '../shared/ipc-contract';
import { engineStatuses, projectEngineStatuses } from './engines';
import { defaultSettings } from './engine-trust';
import { JobManager, type JobManagerOptions } from './jobs/job-manager';
import { Project } from './project/project';
import { importFinalizer } from './services/structure-service';
import { labelFinalizer } from './services/label-service';
import { datasetFinalizer } from './services/dataset-service';
import { simulationFinalizer } from './services/simulation-service';
import { trainingFinalizer, trainingUnfinisher } from './services/training-service';
import { predictionFinalizer } from './services/prediction-service';
import { sweepFinalizer, sweepUnfinisher } from './services/sweep-service';
import { mapFinalizer, mapUnfinisher } from './services/map-service';
import { rmcFinalizer } from './services/rmc-service';

export interface CoreEvents {
  event: [EventName, Events[EventName]];
}

/** The finalizers and clean-ups of every job kind that makes project artifacts (shared with the CLI). */
export function jobHooks(project: Project): JobManagerOptions {
  return {
    finalizers: {
      import: importFinalizer(project),
      label: labelFinalizer(project),
      diffract: datasetFinalizer(project),
      simulate: simulationFinalizer(project),
      train: trainingFinalizer(project),
      predict: predictionFinalizer(project),
      sweep: sweepFinalizer(project),
      map: mapFinalizer(project),
      rmc: rmcFinalizer(project),
    },
    unfinishers: { train: trainingUnfinisher(project), sweep: sweepUnfinisher(project), map: mapUnfinisher(project) },
  };
}

export class AppCore extends EventEmitter<CoreEvents> {
  private current: { project: Project; jobs: JobManager } | null = null;
  private engines: Promise<EngineStatus[]> | null = null;

  publish<E extends EventName>(event: E, payload: Events[E]): void {
    this.emit('event', event, payload);
  }

  get project(): Project | null {
    return this.current?.project ?? null;
  }

  /** The open project and its jobs, or a clear 'no project' error for the UI. */
  requireProject(): { project: Project; jobs: JobManager } {
    if (!this.current) throw new ApiError('no-project', 'no project is open; create or open a project first');
    return this.current;
  }

  async createProject(dir: string, name?: string): Promise<ProjectInfo> {
    return this.attach(() => Project.create(dir, name));
  }

  async openProject(dir: string): Promise<ProjectInfo> {
    return this.attach(() => Project.open(dir));
  }

  private async attach(make: () => Project): Promise<ProjectInfo> {
    const project = make(); // throws before anything changes when the folder is not usable
    await this.closeProject();
    const jobs = new JobManager(project, jobHooks(project));
    jobs.on('job.series', (series) => this.publish('job.series', series));
    jobs.on('job.updated', (job) => {
      this.publish('job.updated', job);
      if ((job.kind === 'import' || job.kind === 'simulate' || job.kind === 'rmc') && job.state === 'succeeded') this.publish('structures.changed', { reason: 'imported' });
      if (job.kind === 'diffract' && (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled')) {
        this.publish('datasets.changed', { datasetId: (job.params as { datasetId: number }).datasetId });
      }
      if (job.kind === 'label' && job.state === 'succeeded') {
        this.publish('labels.changed', { structureId: (job.params as { structureId: number }).structureId });
      }
      const ended = job.state !== 'queued' && job.state !== 'running';
      if (job.kind === 'train' && (ended || job.startedAt === null)) {
        this.publish('models.changed', { modelId: (job.params as { modelId: number }).modelId });
      }
      if (job.kind === 'sweep' && ended) this.publish('sweeps.changed', { sweepId: (job.params as { sweepId: number }).sweepId });
      if (job.kind === 'map' && ended) this.publish('maps.changed', { mapId: (job.params as { mapId: number }).mapId });
      if (job.kind === 'predict' && job.state === 'succeeded') {
        const output = job.outputs.find((o) => o.kind === 'prediction');
        const modelId = (job.params as { model: { id: number | null } }).model.id;
        this.publish('predictions.changed', { predictionId: typeof output?.id === 'number' ? output.id : null, modelId });
      }
    });
    this.current = { project, jobs };
    this.engines = null;
    const info = project.info();
    this.publish('project.changed', info);
    return info;
  }

  async closeProject(): Promise<void> {
    if (!this.current) return;
    const { project, jobs } = this.current;
    this.current = null;
    await jobs.shutdown();
    project.close();
  }

  engineStatus(refresh = false): Promise<EngineStatus[]> {
    if (this.engines === null || refresh) {
      // A project's stored paths run only once confirmed on this machine (engine-trust.ts).
      this.engines = this.current ? projectEngineStatuses(this.current.project.settings.engines()) : engineStatuses(defaultSettings());
    }
    return this.engines;
  }

  async dispose(): Promise<void> {
    await this.closeProject();
  }
}
