/** Structure use cases over a project: import as a job, list, atoms for the viewer, export with writers, delete. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AtomFrame, ExportFormat, JobSummary, StructureProvenance } from '../../shared/domain';
import type { ImportRequest } from '../../shared/ipc-contract';
import { ApiError } from '../../shared/ipc-contract';
import { parseElementMapping } from '../../shared/elements';
import { atomFrameFromFolder, readStructureFolder } from '../../../native-workers/lib/structure-store';
import { writeExtxyz, writeLammpsData } from '../../../native-workers/lib/structure-io/writers';
import type { JobManager, Finalizer } from '../jobs/job-manager';
import type { Project } from '../project/project';

export function checkImportRequest(request: ImportRequest): void {
  const shown = request.displayName ?? request.path;
  if (!fs.existsSync(request.path)) throw new ApiError('invalid-request', `${shown}: file not found`);
  const stat = fs.statSync(request.path);
  if (!stat.isFile()) throw new ApiError('invalid-request', `${shown}: not a file`);
  if (stat.size === 0) throw new ApiError('invalid-request', `${shown}: the file is empty`);
  try {
    fs.accessSync(request.path, fs.constants.R_OK);
  } catch {
    throw new ApiError('invalid-request', `${shown}: not readable (permissions)`);
  }
  if (request.provenanceDir !== undefined) readProvenanceDir(request.provenanceDir);
  if (request.elements !== undefined) {
    try {
      parseElementMapping(typeof request.elements === 'string' ? request.elements : request.elements.join(','));
    } catch (error) {
      throw new ApiError('invalid-request', (error as Error).message);
    }
  }
}

/** Reads provenance.json of a provenance folder; refuses one without a JSON object that has a `kind`. */
function readProvenanceDir(dir: string): StructureProvenance {
  const file = path.join(dir, 'provenance.json');
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ApiError('invalid-request', `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || typeof (value as { kind?: unknown }).kind !== 'string') {
    throw new ApiError('invalid-request', `${file}: not a provenance record (a JSON object with a "kind")`);
  }
  return value as StructureProvenance;
}

/** Submits an import job; the structure appears in the project only when the job succeeds. */
export function submitImport(jobs: JobManager, request: ImportRequest): JobSummary {
  checkImportRequest(request);
  const params: ImportRequest = { ...request, path: path.resolve(request.path), ...(request.provenanceDir !== undefined ? { provenanceDir: path.resolve(request.provenanceDir) } : {}) };
  return jobs.submit('import', params, [{ kind: 'file', id: request.displayName ?? params.path }]);
}

/** The parent-side end of an import: move the staged folder into the project and record it. */
export function importFinalizer(project: Project): Finalizer {
  return (job, result) => {
    const staged = (result as { stagedDir?: unknown }).stagedDir;
    if (typeof staged !== 'string' || !fs.existsSync(staged)) throw new Error('the worker returned no structure folder');
    const request = job.params as ImportRequest;
    const shown = request.displayName ?? request.path;
    const name = request.name ?? path.basename(shown);
    let provenance: StructureProvenance | undefined;
    if (request.provenanceDir !== undefined) {
      provenance = readProvenanceDir(request.provenanceDir);
      // The kept files travel with the structure (its folder is still staged, so this is all-or-nothing).
      fs.cpSync(request.provenanceDir, path.join(staged, 'simulation'), { recursive: true });
    }
    const structure = project.structures.commitStaged(staged, name, job.id, shown, provenance);
    return [{ kind: 'structure', id: structure.id }];
  };
}

export function atomFrame(project: Project, id: number): AtomFrame {
  return atomFrameFromFolder(project.structures.folder(id));
}

export function exportStructure(project: Project, id: number, format: ExportFormat, file: string): string {
  const target = path.resolve(file);
  if (!fs.existsSync(path.dirname(target))) throw new ApiError('invalid-request', `${path.dirname(target)} does not exist`);
  const structure = readStructureFolder(project.structures.folder(id));
  if (format === 'lammps-data') writeLammpsData(structure, target);
  else writeExtxyz(structure, target);
  return target;
}
