/**
 * Dataset splits for training, sweeps and exports: plans the split a request asks for on a project dataset, with
 * the structures' cells (and atoms, for one-layer cluster probes) read from the project's structure folders.
 */
import { ApiError } from '../../shared/ipc-contract';
import type { SplitRequest } from '../../shared/splits';
import { planDatasetSplit, SplitRefused, type SplitPlan, type SplitStructureSource } from '../../../native-workers/lib/datasets/split-plan';
import { readStructureFolder, readStructureMeta } from '../../../native-workers/lib/structure-store';
import type { Project } from '../project/project';

/** Loads a project structure's cell (and, on demand, its atoms) for the split; says what to do when it is gone. */
export function projectStructureLoader(project: Project): (id: number) => SplitStructureSource {
  return (id) => {
    if (project.structures.find(id) === null) {
      throw new SplitRefused(
        `structure ${id}, which the dataset was built from, is no longer in the project, so its cell is unknown and the probes cannot be blocked; ` +
          'import it again, or use --split structure or --split random',
      );
    }
    const dir = project.structures.folder(id);
    const { cell } = readStructureMeta(dir);
    return {
      cell,
      atoms: () => {
        const parsed = readStructureFolder(dir);
        return { positions: parsed.positions, cell: parsed.cell, ids: parsed.ids };
      },
    };
  };
}

/** The split of dataset folder `dir` as `request` asks; refusals become invalid-request errors. */
export function planProjectSplit(project: Project, dir: string, request: SplitRequest, seed: number, probe?: number): SplitPlan {
  try {
    return planDatasetSplit(dir, request, { seed, loadStructure: projectStructureLoader(project), ...(probe === undefined ? {} : { probe }) });
  } catch (error) {
    if (error instanceof SplitRefused) throw new ApiError('invalid-request', `split: ${error.message}`);
    throw error;
  }
}
