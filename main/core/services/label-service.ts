/** Label use cases: run the label job on a project structure, commit its folder, read properties and analyses. */
import * as fs from 'node:fs';
import type { JobSummary, LabelSummary } from '../../shared/domain';
import { ApiError } from '../../shared/ipc-contract';
import type { LabelParams } from '../../shared/labels';
import type { Finalizer, JobManager } from '../jobs/job-manager';
import type { Project } from '../project/project';

export function submitLabel(project: Project, jobs: JobManager, structureId: number, params: LabelParams): JobSummary {
  const structure = project.structures.find(structureId);
  if (structure === null) throw new ApiError('not-found', `structure ${structureId} does not exist in this project`);
  if (structure.atomCount < 13) {
    throw new ApiError('invalid-request', `structure ${structureId} has ${structure.atomCount} atoms; labels need at least 13 (an atom and its 12 neighbours)`);
  }
  if (params.cna.mode === 'cutoff' && !(params.cna.cutoffA > 0)) throw new ApiError('invalid-request', 'the CNA cutoff must be positive');
  return jobs.submit('label', { structureId, structureDir: project.structures.folder(structureId), params }, [
    { kind: 'structure', id: structureId },
  ]);
}

export function labelFinalizer(project: Project): Finalizer {
  return (job, result) => {
    const { stagedDir, summary } = result as { stagedDir?: unknown; summary?: LabelSummary };
    if (typeof stagedDir !== 'string' || !fs.existsSync(stagedDir) || summary === undefined) {
      throw new Error('the worker returned no label folder');
    }
    const params = job.params as { structureId: number; params: LabelParams };
    const set = project.labels.commitStaged(stagedDir, params.structureId, params.params, summary, job.id);
    return [{ kind: 'label-set', id: set.id }];
  };
}
