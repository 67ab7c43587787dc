/**
 * Simulation use cases: submit a `simulate` job (parameters and potential checked first), its dry run (the exact
 * input script without running LAMMPS), the thermo table of a running or finished run, and the finalizer that
 * imports the final structure with its provenance.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobSummary } from '../../shared/domain';
import { ApiError } from '../../shared/ipc-contract';
import { simulationCost, simulationStages, type SimulationParams, type SimulationProvenance, type SimulationStage } from '../../shared/simulation';
import { readPotentialInfo, requireElements } from '../../../native-workers/lib/lammps/potential-file';
import { buildProtocolInput } from '../../../native-workers/lib/lammps/protocol-inputs';
import { protocolScript } from '../../../native-workers/lib/lammps/protocol-scripts';
import { readThermoCsv } from '../../../native-workers/lib/lammps/thermo-table';
import type { Finalizer, JobManager } from '../jobs/job-manager';
import type { Project } from '../project/project';

function checkPotential(params: SimulationParams, typeElements?: string[]): ReturnType<typeof readPotentialInfo> {
  let info;
  try {
    info = readPotentialInfo(params.potentialPath);
  } catch (error) {
    throw new ApiError('invalid-request', (error as Error).message);
  }
  const needed = typeElements ?? (params.protocol === 'glass' ? Object.keys(params.composition) : [params.host, params.dopant]);
  try {
    requireElements(info, needed);
  } catch (error) {
    throw new ApiError('invalid-request', (error as Error).message);
  }
  return info;
}

export function submitSimulation(jobs: JobManager, lmpPath: string, params: SimulationParams): JobSummary {
  checkPotential(params);
  return jobs.submit('simulate', { simulation: params, lmpPath }, [{ kind: 'file', id: params.potentialPath }]);
}

export interface SimulationPlan {
  script: string;
  atoms: number;
  stages: SimulationStage[];
  atomSteps: number;
  estimatedSeconds: number;
  notes: string[];
}

/** The dry run: builds the start structure and writes the script exactly as the job would (atom/swap `mu` form). */
export function planSimulation(params: SimulationParams): SimulationPlan {
  let input;
  try {
    input = buildProtocolInput(params);
  } catch (error) {
    throw new ApiError('invalid-request', (error as Error).message);
  }
  const potential = checkPotential(params, input.typeElements);
  const script = protocolScript(params, {
    typeElements: input.typeElements,
    potentialFile: potential.pairStyle === 'eam/fs' ? 'potential.eam.fs' : 'potential.eam.alloy',
    pairStyle: potential.pairStyle,
    atomCount: input.structure.ids.length,
    swapMuKeyword: 'mu',
  });
  const cost = simulationCost(params);
  const atoms = input.structure.ids.length;
  const atomSteps = (cost.atomSteps / Math.max(1, cost.atoms)) * atoms;
  return { script, atoms, stages: simulationStages(params), atomSteps, estimatedSeconds: atomSteps / 2e5, notes: input.notes };
}

export function simulationFinalizer(project: Project): Finalizer {
  return (job, result) => {
    const r = result as { stagedDir?: unknown; provenance?: unknown; name?: unknown };
    if (typeof r.stagedDir !== 'string' || !fs.existsSync(r.stagedDir)) throw new Error('the simulate worker returned no structure folder');
    const provenance = r.provenance as SimulationProvenance;
    const name = typeof r.name === 'string' ? r.name : `${provenance.protocol} simulation`;
    const structure = project.structures.commitStaged(r.stagedDir, name, job.id, `simulate ${provenance.protocol}`, provenance);
    return [{ kind: 'structure', id: structure.id }];
  };
}

/** The thermo rows of a simulate job: live while it runs, from the kept thermo.csv after it ended. */
export function simulationThermo(project: Project, jobs: JobManager, jobId: number): { columns: string[]; rows: number[][] } {
  const job = project.jobs.find(jobId);
  if (job === null || job.kind !== 'simulate') throw new ApiError('not-found', `job ${jobId} is not a simulate job of this project`);
  const live = jobs.series(jobId, 'thermo');
  if (live) return { columns: live.columns, rows: live.rows };
  const candidates: string[] = [];
  const output = job.outputs.find((o) => o.kind === 'structure');
  if (output && typeof output.id === 'number' && project.structures.find(output.id)) {
    candidates.push(path.join(project.structures.folder(output.id), 'simulation', 'thermo.csv'));
  }
  candidates.push(path.join(project.dir, 'logs', `job-${jobId}`, 'thermo.csv'));
  candidates.push(path.join(project.scratchDir(jobId), 'thermo.csv'));
  const file = candidates.find((f) => fs.existsSync(f));
  return file ? readThermoCsv(file) : { columns: [], rows: [] };
}
