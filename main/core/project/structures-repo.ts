/**
 * Structure rows and their folders. A structure enters the project only whole: its folder, staged by a worker in
 * scratch, is renamed into `structures/` inside the same transaction that inserts its row.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import type { StructureProvenance, StructureSummary } from '../../shared/domain';
import { readStructureMeta } from '../../../native-workers/lib/structure-store';
import { projectPath } from './confined-path';

/** A queued or running job that reads a structure (directly or through one of its label sets). */
export interface JobUsingStructure {
  id: number;
  kind: string;
  state: 'queued' | 'running';
  ownerPid: number | null;
}

interface StructureRow {
  id: number;
  name: string;
  dir: string;
  source_path: string;
  format: StructureSummary['format'];
  atom_count: number;
  type_elements: string;
  composition: string;
  cell: string;
  triclinic: number;
  timestep: number | null;
  notes: string;
  created_at: string;
  job_id: number | null;
  provenance: string | null;
}

export class StructuresRepo {
  constructor(
    private readonly db: Database.Database,
    private readonly projectDir: string,
  ) {}

  /** Moves a complete staged folder into the project and records it; all or nothing. */
  commitStaged(stagedDir: string, name: string, jobId: number | null, displaySource?: string, provenance?: StructureProvenance): StructureSummary {
    const meta = readStructureMeta(stagedDir);
    const relDir = path.join('structures', crypto.randomUUID());
    const finalDir = path.join(this.projectDir, relDir);
    const id = this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO structures(name, dir, source_path, format, atom_count, type_elements, composition, cell,
             triclinic, timestep, notes, created_at, job_id, provenance) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
        )
        .run(
          name,
          relDir,
          displaySource ?? meta.sourcePath,
          meta.format,
          meta.atomCount,
          JSON.stringify(meta.typeElements),
          JSON.stringify(meta.composition),
          JSON.stringify(meta.cell),
          meta.triclinic ? 1 : 0,
          meta.timestep,
          JSON.stringify(meta.notes),
          new Date().toISOString(),
          jobId,
          provenance === undefined ? null : JSON.stringify(provenance),
        );
      // Rename last: if it throws, the transaction rolls back and the staged folder stays in scratch.
      fs.renameSync(stagedDir, finalDir);
      return Number(info.lastInsertRowid);
    })();
    return this.get(id);
  }

  list(): StructureSummary[] {
    const rows = this.db.prepare('SELECT * FROM structures ORDER BY id').all() as StructureRow[];
    return rows.map(toSummary);
  }

  find(id: number): StructureSummary | null {
    const row = this.db.prepare('SELECT * FROM structures WHERE id = ?').get(id) as StructureRow | undefined;
    return row ? toSummary(row) : null;
  }

  get(id: number): StructureSummary {
    const s = this.find(id);
    if (s === null) throw new Error(`structure ${id} does not exist in this project`);
    return s;
  }

  folder(id: number): string {
    const row = this.db.prepare('SELECT dir FROM structures WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) throw new Error(`structure ${id} does not exist in this project`);
    return projectPath(this.projectDir, row.dir, { table: 'structures', id, within: 'structures' });
  }

  /**
   * Queued or running jobs with the structure, or one of its label sets, among their inputs (as recorded when they
   * were submitted, or as the label job's `structureId` parameter).
   */
  jobsUsing(id: number): JobUsingStructure[] {
    return this.db
      .prepare(
        `SELECT DISTINCT j.id AS id, j.kind AS kind, j.state AS state, j.owner_pid AS ownerPid FROM jobs j
         WHERE j.state IN ('queued', 'running') AND (
           EXISTS (SELECT 1 FROM job_artifacts a WHERE a.job_id = j.id AND a.role = 'input' AND (
             (a.kind = 'structure' AND a.ref = CAST(@id AS TEXT))
             OR (a.kind = 'label-set' AND a.ref IN (SELECT CAST(l.id AS TEXT) FROM label_sets l WHERE l.structure_id = @id))))
           OR (CASE WHEN json_valid(j.params) THEN json_extract(j.params, '$.structureId') END) = @id)
         ORDER BY j.id`,
      )
      .all({ id }) as JobUsingStructure[];
  }

  /**
   * Removes the row (label sets go with it by cascade), then its folders: moved aside inside the transaction so a
   * crash never leaves a row without its arrays, removed after it. `prepare` runs inside the transaction, which
   * holds the database's write lock from its start: it may refuse, and returns the dependent folders to remove.
   */
  delete(id: number, prepare: () => string[] = () => []): boolean {
    let trash: string[] = [];
    const deleted = this.db
      .transaction((): boolean => {
        const row = this.db.prepare('SELECT dir FROM structures WHERE id = ?').get(id) as { dir: string } | undefined;
        if (!row) return false;
        const own = projectPath(this.projectDir, row.dir, { table: 'structures', id, within: 'structures', action: 'delete' });
        const folders = [own, ...prepare()];
        trash = folders.map((dir) => path.join(this.projectDir, 'scratch', `deleted-${path.basename(dir)}`));
        this.db.prepare('DELETE FROM structures WHERE id = ?').run(id);
        folders.forEach((dir, i) => {
          if (fs.existsSync(dir)) fs.renameSync(dir, trash[i] ?? '');
        });
        return true;
      })
      .immediate();
    for (const t of trash) fs.rmSync(t, { recursive: true, force: true });
    return deleted;
  }
}

function toSummary(row: StructureRow): StructureSummary {
  return {
    id: row.id,
    name: row.name,
    sourcePath: row.source_path,
    format: row.format,
    atomCount: row.atom_count,
    typeElements: JSON.parse(row.type_elements) as string[],
    composition: JSON.parse(row.composition) as Record<string, number>,
    cell: JSON.parse(row.cell) as StructureSummary['cell'],
    triclinic: row.triclinic === 1,
    timestep: row.timestep,
    createdAt: row.created_at,
    jobId: row.job_id,
    notes: JSON.parse(row.notes) as string[],
    provenance: row.provenance === null ? null : (JSON.parse(row.provenance) as StructureProvenance),
  };
}
