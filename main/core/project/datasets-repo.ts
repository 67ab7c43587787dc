/**
 * Dataset rows: a recipe (structures + label sets, scan, zones, probe geometries, k-grid) and a folder that a
 * `diffract` job fills. A dataset is 'building' until complete; building ones are resumed, never exported.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import type { DatasetSummary } from '../../shared/domain';
import { projectPath } from './confined-path';

interface DatasetRow {
  id: number;
  name: string;
  dir: string;
  recipe: string;
  state: DatasetSummary['state'];
  sample_count: number;
  done_count: number;
  summary: string;
  created_at: string;
  job_id: number | null;
}

export class DatasetsRepo {
  constructor(
    private readonly db: Database.Database,
    private readonly projectDir: string,
  ) {}

  create(name: string, recipe: unknown, sampleCount: number, sources: DatasetSummary['sources']): DatasetSummary {
    const relDir = path.join('datasets', crypto.randomUUID());
    fs.mkdirSync(path.join(this.projectDir, relDir), { recursive: true });
    const id = this.db.transaction(() => {
      const info = this.db
        .prepare(`INSERT INTO datasets(name, dir, recipe, state, sample_count, created_at) VALUES (?, ?, ?, 'building', ?, ?)`)
        .run(name, relDir, JSON.stringify(recipe), sampleCount, new Date().toISOString());
      const datasetId = Number(info.lastInsertRowid);
      const add = this.db.prepare('INSERT INTO dataset_sources(dataset_id, structure_id, label_set_id) VALUES (?, ?, ?)');
      for (const s of sources) add.run(datasetId, s.structureId, s.labelSetId);
      return datasetId;
    })();
    return this.get(id);
  }

  setJob(id: number, jobId: number): void {
    this.db.prepare('UPDATE datasets SET job_id = ? WHERE id = ?').run(jobId, id);
  }

  recordProgress(id: number, doneCount: number): void {
    this.db.prepare('UPDATE datasets SET done_count = ? WHERE id = ?').run(doneCount, id);
  }

  markComplete(id: number, summary: Record<string, unknown>): void {
    this.db
      .prepare(`UPDATE datasets SET state = 'complete', done_count = sample_count, summary = ? WHERE id = ?`)
      .run(JSON.stringify(summary), id);
  }

  list(): DatasetSummary[] {
    return (this.db.prepare('SELECT * FROM datasets ORDER BY id').all() as DatasetRow[]).map((r) => this.toSummary(r));
  }

  find(id: number): DatasetSummary | null {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
    return row ? this.toSummary(row) : null;
  }

  get(id: number): DatasetSummary {
    const found = this.find(id);
    if (found === null) throw new Error(`dataset ${id} does not exist in this project`);
    return found;
  }

  folder(id: number): string {
    const row = this.db.prepare('SELECT dir FROM datasets WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) throw new Error(`dataset ${id} does not exist in this project`);
    return projectPath(this.projectDir, row.dir, { table: 'datasets', id, within: 'datasets' });
  }

  /** Datasets built from a structure: it cannot be deleted while they exist. */
  usingStructure(structureId: number): number[] {
    const rows = this.db.prepare('SELECT DISTINCT dataset_id FROM dataset_sources WHERE structure_id = ?').all(structureId) as {
      dataset_id: number;
    }[];
    return rows.map((r) => r.dataset_id);
  }

  private toSummary(row: DatasetRow): DatasetSummary {
    const sources = this.db
      .prepare('SELECT structure_id, label_set_id FROM dataset_sources WHERE dataset_id = ? ORDER BY structure_id')
      .all(row.id) as { structure_id: number; label_set_id: number }[];
    return {
      id: row.id,
      name: row.name,
      state: row.state,
      sampleCount: row.sample_count,
      doneCount: row.done_count,
      recipe: JSON.parse(row.recipe) as unknown,
      summary: JSON.parse(row.summary) as Record<string, unknown>,
      createdAt: row.created_at,
      jobId: row.job_id,
      sources: sources.map((s) => ({ structureId: s.structure_id, labelSetId: s.label_set_id })),
    };
  }
}
