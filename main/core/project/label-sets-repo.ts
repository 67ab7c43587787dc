/** Label sets: per-atom order labels of one structure, as .npy files in `labels/<uuid>/` plus a row with the summary. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import type { LabelSetSummary, LabelSummary } from '../../shared/domain';
import { projectPath } from './confined-path';
import { isForeignKeyFailure } from './sqlite-errors';

interface LabelSetRow {
  id: number;
  structure_id: number;
  dir: string;
  params: string;
  summary: string;
  created_at: string;
  job_id: number | null;
}

export class LabelSetsRepo {
  constructor(
    private readonly db: Database.Database,
    private readonly projectDir: string,
  ) {}

  /** Moves a complete staged folder into `labels/` and records it, in one transaction. */
  commitStaged(stagedDir: string, structureId: number, params: LabelSetSummary['params'], summary: LabelSummary, jobId: number | null): LabelSetSummary {
    const relDir = path.join('labels', crypto.randomUUID());
    const id = this.db.transaction(() => {
      const info = this.insert(structureId, relDir, params, summary, jobId);
      fs.renameSync(stagedDir, path.join(this.projectDir, relDir));
      return Number(info.lastInsertRowid);
    })();
    return this.get(id);
  }

  private insert(structureId: number, relDir: string, params: LabelSetSummary['params'], summary: LabelSummary, jobId: number | null): Database.RunResult {
    try {
      return this.db
        .prepare('INSERT INTO label_sets(structure_id, dir, params, summary, created_at, job_id) VALUES (?,?,?,?,?,?)')
        .run(structureId, relDir, JSON.stringify(params), JSON.stringify(summary), new Date().toISOString(), jobId);
    } catch (error) {
      // The structure was deleted (by another window or program) while it was being labelled.
      if (isForeignKeyFailure(error) && this.db.prepare('SELECT 1 FROM structures WHERE id = ?').get(structureId) === undefined) {
        throw new Error(`structure ${structureId} was deleted while ${jobId === null ? 'it was being labelled' : `job ${jobId} was labelling it`}; its labels were not kept`);
      }
      throw error;
    }
  }

  list(structureId?: number): LabelSetSummary[] {
    const rows = (
      structureId === undefined
        ? this.db.prepare('SELECT * FROM label_sets ORDER BY id').all()
        : this.db.prepare('SELECT * FROM label_sets WHERE structure_id = ? ORDER BY id').all(structureId)
    ) as LabelSetRow[];
    return rows.map(toSummary);
  }

  find(id: number): LabelSetSummary | null {
    const row = this.db.prepare('SELECT * FROM label_sets WHERE id = ?').get(id) as LabelSetRow | undefined;
    return row ? toSummary(row) : null;
  }

  get(id: number): LabelSetSummary {
    const found = this.find(id);
    if (found === null) throw new Error(`label set ${id} does not exist in this project`);
    return found;
  }

  folder(id: number): string {
    const row = this.db.prepare('SELECT dir FROM label_sets WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) throw new Error(`label set ${id} does not exist in this project`);
    return projectPath(this.projectDir, row.dir, { table: 'label_sets', id, within: 'labels' });
  }

  /** Folders of a structure's label sets, about to be deleted (the rows go with the structure by ON DELETE CASCADE). */
  foldersOfStructure(structureId: number): string[] {
    const rows = this.db.prepare('SELECT id, dir FROM label_sets WHERE structure_id = ?').all(structureId) as { id: number; dir: string }[];
    return rows.map((r) => projectPath(this.projectDir, r.dir, { table: 'label_sets', id: r.id, within: 'labels', action: 'delete' }));
  }
}

function toSummary(row: LabelSetRow): LabelSetSummary {
  return {
    id: row.id,
    structureId: row.structure_id,
    params: JSON.parse(row.params) as LabelSetSummary['params'],
    summary: JSON.parse(row.summary) as LabelSummary,
    createdAt: row.created_at,
    jobId: row.job_id,
  };
}
