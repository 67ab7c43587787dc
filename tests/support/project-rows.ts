/** Rows of every kind in a real project, each with its folder and a file in it, for tests that then damage them. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Project } from '../../main/core/project/project';
import { writeStructureFolder } from '../../native-workers/lib/structure-store';

let counter = 0;

/** A three-atom structure committed through the repository, as an import job would. */
export function addStructure(project: Project): number {
  const staged = path.join(project.scratchDir(9000 + counter++), 'structure');
  writeStructureFolder(
    staged,
    {
      format: 'lammps-data',
      ids: new Int32Array([1, 2, 3]),
      types: new Int32Array([1, 2, 1]),
      positions: new Float64Array([0, 0, 0, 1, 1, 1, 2, 2, 2]),
      typeElements: ['Cu', 'Zr'],
      cell: { origin: [0, 0, 0], a: [10, 0, 0], b: [0, 10, 0], c: [0, 0, 10], pbc: [true, true, true] },
      timestep: null,
      notes: [],
    },
    'test.data',
  );
  return project.structures.commitStaged(staged, `s${counter}`, null).id;
}

/** A folder inside the project's data folder `folder`, holding keep.txt; returns its stored (relative) path. */
export function dataFolder(project: Project, folder: string): string {
  const rel = path.join(folder, `row-${counter++}`);
  fs.mkdirSync(path.join(project.dir, rel), { recursive: true });
  fs.writeFileSync(path.join(project.dir, rel, 'keep.txt'), 'keep');
  return rel;
}

export function addLabelSet(project: Project, structureId: number): number {
  const info = project.db
    .prepare(`INSERT INTO label_sets(structure_id, dir, params, summary, created_at) VALUES (?, ?, '{}', '{}', 't')`)
    .run(structureId, dataFolder(project, 'labels'));
  return Number(info.lastInsertRowid);
}

export function addDataset(project: Project): number {
  return project.datasets.create('d', {}, 1, []).id;
}

export function addModel(project: Project): number {
  return project.models.create(
    { name: 'm', architecture: 'basecnn', target: 'd', source: 'imported-onnx', state: 'imported', datasetId: null, params: {}, onnxFile: 'model.onnx', sha256: '0' },
    (dir) => fs.writeFileSync(path.join(dir, 'model.onnx'), 'onnx'),
  ).id;
}

export function addPrediction(project: Project): number {
  const info = project.db
    .prepare(`INSERT INTO predictions(name, dir, input, sample_count, provenance, created_at) VALUES ('p', ?, '{}', 0, '{}', 't')`)
    .run(dataFolder(project, 'predictions'));
  return Number(info.lastInsertRowid);
}

export function addSweep(project: Project): number {
  const info = project.db
    .prepare(`INSERT INTO sweeps(name, dir, params, state, cells, created_at, updated_at) VALUES ('s', ?, '{}', 'complete', '[]', 't', 't')`)
    .run(dataFolder(project, 'sweeps'));
  return Number(info.lastInsertRowid);
}

/** A map of `input`, a file of the user's outside the project. */
export function addMap(project: Project, input: string): number {
  const info = project.db
    .prepare(`INSERT INTO maps(name, dir, input, state, info, created_at, updated_at) VALUES ('m', ?, ?, 'complete', '{}', 't', 't')`)
    .run(dataFolder(project, 'maps'), input);
  return Number(info.lastInsertRowid);
}

/** A job row as another app would leave it while it runs: owned by `ownerPid`, with its inputs recorded. */
export function addJob(project: Project, kind: string, state: 'queued' | 'running', ownerPid: number, params: unknown, inputs: { kind: string; id: number }[]): number {
  const info = project.db
    .prepare(`INSERT INTO jobs(kind, params, state, created_at, owner_pid) VALUES (?, ?, ?, 't', ?)`)
    .run(kind, JSON.stringify(params), state, ownerPid);
  const id = Number(info.lastInsertRowid);
  for (const input of inputs) {
    project.db.prepare(`INSERT INTO job_artifacts(job_id, role, kind, ref) VALUES (?, 'input', ?, ?)`).run(id, input.kind, String(input.id));
  }
  return id;
}
