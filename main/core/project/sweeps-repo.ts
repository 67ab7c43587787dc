/**
 * Sweep rows: a folder (sweeps/<uuid>/) with one training run per (architecture, probe) cell and cells.json, the
 * request, and the cells' results. The row exists from the moment the sweep job is submitted ('running'), so a
 * sweep that stops can be resumed ('incomplete'): finished cells are kept, the others are trained again.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import { markStaleRowsIncomplete } from './stale-rows';
import { projectPath } from './confined-path';
import type { SweepCell, SweepRequest, SweepState, SweepSummary } from '../../shared/sweeps';

interface SweepRow {
  id: number;
  name: string;
  dir: string;
  dataset_id: number | null;
  params: string;
  state: SweepState;
  cells: string;
  created_at: string;
  updated_at: string;
  job_id: number | null;
}

export class SweepsRepo {
  constructor(
    private readonly db: Database.Database,
    private readonly projectDir: string,
  ) {}

  /** Creates the folder and the row ('running'); `fill` writes the cells' split files first. */
  create(fields: { name: string; params: SweepRequest; cells: SweepCell[] }, fill: (dir: string) => void): SweepSummary {
    const relDir = path.join('sweeps', crypto.randomUUID());
    const dir = path.join(this.projectDir, relDir);
    fs.mkdirSync(dir, { recursive: true });
    try {
      fill(dir);
      const now = new Date().toISOString();
      const info = this.db
        .prepare(`INSERT INTO sweeps(name, dir, dataset_id, params, state, cells, created_at, updated_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?)`)
        .run(fields.name, relDir, fields.params.datasetId, JSON.stringify(fields.params), JSON.stringify(fields.cells), now, now);
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  list(): SweepSummary[] {
    return (this.db.prepare('SELECT * FROM sweeps ORDER BY id').all() as SweepRow[]).map((r) => this.toSummary(r));
  }

  find(id: number): SweepSummary | null {
    const row = this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined;
    return row ? this.toSummary(row) : null;
  }

  get(id: number): SweepSummary {
    const found = this.find(id);
    if (found === null) throw new Error(`sweep ${id} does not exist in this project`);
    return found;
  }

  folder(id: number): string {
    const row = this.db.prepare('SELECT dir FROM sweeps WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) throw new Error(`sweep ${id} does not exist in this project`);
    return projectPath(this.projectDir, row.dir, { table: 'sweeps', id, within: 'sweeps' });
  }

  /** A sweep job takes the sweep (again). */
  start(id: number, jobId: number): void {
    this.db.prepare(`UPDATE sweeps SET state = 'running', job_id = ?, updated_at = ? WHERE id = ?`).run(jobId, new Date().toISOString(), id);
  }

  /** Records the cells' results; state 'complete' when every cell is done, else 'incomplete'. */
  finish(id: number, cells: SweepCell[], jobId: number | null): void {
    const state: SweepState = cells.every((c) => c.state === 'done') ? 'complete' : 'incomplete';
    this.db
      .prepare(`UPDATE sweeps SET state = ?, cells = ?, updated_at = ? WHERE id = ? AND (? IS NULL OR job_id = ?)`)
      .run(state, JSON.stringify(cells), new Date().toISOString(), id, jobId, jobId);
  }

  /** On open: sweeps whose job is no longer queued or running were interrupted. */
  markStaleRunningIncomplete(): number {
    return markStaleRowsIncomplete(this.db, 'sweeps', 'running');
  }

  delete(id: number): boolean {
    const row = this.db.prepare('SELECT dir FROM sweeps WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) return false;
    const dir = projectPath(this.projectDir, row.dir, { table: 'sweeps', id, within: 'sweeps', action: 'delete' });
    this.db.prepare('DELETE FROM sweeps WHERE id = ?').run(id);
    fs.rmSync(dir, { recursive: true, force: true });
    return true;
  }

  private toSummary(row: SweepRow): SweepSummary {
    return {
      id: row.id,
      name: row.name,
      datasetId: row.dataset_id,
      params: JSON.parse(row.params) as SweepRequest,
      state: row.state,
      cells: JSON.parse(row.cells) as SweepCell[],
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      jobId: row.job_id,
    };
  }
}
