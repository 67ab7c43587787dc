/**
 * Map rows: a folder (maps/<uuid>/, mapping.ts's layout) with the d map of an experimental scan, the model and input
 * it came from, the resolved recipe and the summary. The row exists from submission ('mapping'); a map that stops
 * is 'incomplete' and its job continues it from the frames already done.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import { markStaleRowsIncomplete } from './stale-rows';
import { projectPath } from './confined-path';
import type { MapRecord, MapState } from '../../shared/maps';

interface MapRow {
  id: number;
  name: string;
  dir: string;
  model_id: number | null;
  input: string;
  options: string;
  recipe: string | null;
  state: MapState;
  summary: string | null;
  info: string;
  created_at: string;
  updated_at: string;
  job_id: number | null;
}

export class MapsRepo {
  constructor(
    private readonly db: Database.Database,
    private readonly projectDir: string,
  ) {}

  create(fields: { name: string; modelId: number; input: string; options: MapRecord['options']; info: Record<string, unknown> }): MapRecord {
    const relDir = path.join('maps', crypto.randomUUID());
    fs.mkdirSync(path.join(this.projectDir, relDir), { recursive: true });
    const now = new Date().toISOString();
    try {
      const info = this.db
        .prepare(`INSERT INTO maps(name, dir, model_id, input, options, state, info, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'mapping', ?, ?, ?)`)
        .run(fields.name, relDir, fields.modelId, fields.input, JSON.stringify(fields.options), JSON.stringify(fields.info), now, now);
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      fs.rmSync(path.join(this.projectDir, relDir), { recursive: true, force: true });
      throw error;
    }
  }

  list(): MapRecord[] {
    return (this.db.prepare('SELECT * FROM maps ORDER BY id').all() as MapRow[]).map((r) => this.toRecord(r));
  }

  find(id: number): MapRecord | null {
    const row = this.db.prepare('SELECT * FROM maps WHERE id = ?').get(id) as MapRow | undefined;
    return row ? this.toRecord(row) : null;
  }

  get(id: number): MapRecord {
    const found = this.find(id);
    if (found === null) throw new Error(`map ${id} does not exist in this project`);
    return found;
  }

  start(id: number, jobId: number): void {
    this.db.prepare(`UPDATE maps SET state = 'mapping', job_id = ?, updated_at = ? WHERE id = ?`).run(jobId, new Date().toISOString(), id);
  }

  complete(id: number, recipe: Record<string, unknown>, summary: Record<string, unknown>): void {
    this.db
      .prepare(`UPDATE maps SET state = 'complete', recipe = ?, summary = ?, updated_at = ? WHERE id = ?`)
      .run(JSON.stringify(recipe), JSON.stringify(summary), new Date().toISOString(), id);
  }

  markIncomplete(id: number, jobId: number | null): void {
    this.db
      .prepare(`UPDATE maps SET state = 'incomplete', updated_at = ? WHERE id = ? AND state = 'mapping' AND (? IS NULL OR job_id = ?)`)
      .run(new Date().toISOString(), id, jobId, jobId);
  }

  /** On open: maps whose job is no longer queued or running were interrupted. */
  markStaleIncomplete(): number {
    return markStaleRowsIncomplete(this.db, 'maps', 'mapping');
  }

  delete(id: number): boolean {
    const row = this.db.prepare('SELECT dir FROM maps WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) return false;
    // Only the map's own folder: its input (row.input) is the user's file outside the project and is never touched.
    const dir = projectPath(this.projectDir, row.dir, { table: 'maps', id, within: 'maps', action: 'delete' });
    this.db.prepare('DELETE FROM maps WHERE id = ?').run(id);
    fs.rmSync(dir, { recursive: true, force: true });
    return true;
  }

  private toRecord(row: MapRow): MapRecord {
    return {
      id: row.id,
      name: row.name,
      modelId: row.model_id,
      input: row.input,
      options: JSON.parse(row.options) as MapRecord['options'],
      recipe: row.recipe ? (JSON.parse(row.recipe) as Record<string, unknown>) : null,
      state: row.state,
      summary: row.summary ? (JSON.parse(row.summary) as Record<string, unknown>) : null,
      info: JSON.parse(row.info) as Record<string, unknown>,
      dir: projectPath(this.projectDir, row.dir, { table: 'maps', id: row.id, within: 'maps' }),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      jobId: row.job_id,
    };
  }
}
