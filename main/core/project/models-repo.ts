/**
 * Model rows: a folder (models/<uuid>/) holding a training run or an imported ONNX file, the architecture, target and
 * preprocessing, metrics and the ONNX file's checksum. A trained model's row exists from the moment its first train
 * job is submitted ('training'), so a run that stops can be found and resumed ('incomplete').
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import { markStaleRowsIncomplete } from './stale-rows';
import { projectPath } from './confined-path';
import type { ModelPreprocessing, ModelSource, ModelState, ModelSummary, ModelTarget } from '../../shared/models';

interface ModelRow {
  id: number;
  name: string;
  dir: string;
  architecture: string;
  target: ModelTarget;
  source: ModelSource;
  state: ModelState;
  dataset_id: number | null;
  params: string;
  preprocessing: string | null;
  metrics: string | null;
  onnx_file: string | null;
  sha256: string | null;
  created_at: string;
  updated_at: string;
  job_id: number | null;
}

export interface NewModel {
  name: string;
  architecture: string;
  target: ModelTarget;
  source: ModelSource;
  state: ModelState;
  datasetId: number | null;
  params: Record<string, unknown>;
  preprocessing?: ModelPreprocessing | null;
  metrics?: Record<string, unknown> | null;
  /** Relative to the model folder. */
  onnxFile?: string | null;
  sha256?: string | null;
}

export class ModelsRepo {
  constructor(
    private readonly db: Database.Database,
    private readonly projectDir: string,
  ) {}

  /** Creates the folder and the row; `fill` may write files into the folder first (the row is then added). */
  create(model: NewModel, fill?: (dir: string) => void): ModelSummary {
    const relDir = path.join('models', crypto.randomUUID());
    const dir = path.join(this.projectDir, relDir);
    fs.mkdirSync(dir, { recursive: true });
    try {
      fill?.(dir);
      const now = new Date().toISOString();
      const info = this.db
        .prepare(
          `INSERT INTO models(name, dir, architecture, target, source, state, dataset_id, params, preprocessing, metrics, onnx_file, sha256, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          model.name,
          relDir,
          model.architecture,
          model.target,
          model.source,
          model.state,
          model.datasetId,
          JSON.stringify(model.params),
          model.preprocessing ? JSON.stringify(model.preprocessing) : null,
          model.metrics ? JSON.stringify(model.metrics) : null,
          model.onnxFile ? this.onnxRelPath(null, relDir, model.onnxFile) : null,
          model.sha256 ?? null,
          now,
          now,
        );
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  list(): ModelSummary[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY id').all() as ModelRow[]).map((r) => this.toSummary(r));
  }

  find(id: number): ModelSummary | null {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
    return row ? this.toSummary(row) : null;
  }

  get(id: number): ModelSummary {
    const found = this.find(id);
    if (found === null) throw new Error(`model ${id} does not exist in this project`);
    return found;
  }

  folder(id: number): string {
    const row = this.db.prepare('SELECT dir FROM models WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) throw new Error(`model ${id} does not exist in this project`);
    return projectPath(this.projectDir, row.dir, { table: 'models', id, within: 'models' });
  }

  /** The ONNX file's path as stored (relative to the project), once it is known to lie inside the model's folder. */
  private onnxRelPath(id: number | null, relDir: string, onnxFile: string): string {
    const stored = path.join(relDir, onnxFile);
    projectPath(this.projectDir, relDir, { table: 'models', id, within: 'models' });
    projectPath(this.projectDir, stored, { table: 'models', id, what: 'ONNX file', within: relDir });
    return stored;
  }

  /** A train job takes the run (again). */
  startTraining(id: number, jobId: number, params: Record<string, unknown>): void {
    this.db
      .prepare(`UPDATE models SET state = 'training', job_id = ?, params = ?, updated_at = ? WHERE id = ?`)
      .run(jobId, JSON.stringify(params), new Date().toISOString(), id);
  }

  /** The train job finished: the best model's ONNX file (relative to the model folder), its checksum and metrics. */
  markTrained(id: number, fields: { onnxFile: string; sha256: string; preprocessing: ModelPreprocessing; metrics: Record<string, unknown> }): void {
    const relDir = this.db.prepare('SELECT dir FROM models WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!relDir) throw new Error(`model ${id} does not exist in this project`);
    this.db
      .prepare(`UPDATE models SET state = 'trained', onnx_file = ?, sha256 = ?, preprocessing = ?, metrics = ?, updated_at = ? WHERE id = ?`)
      .run(this.onnxRelPath(id, relDir.dir, fields.onnxFile), fields.sha256, JSON.stringify(fields.preprocessing), JSON.stringify(fields.metrics), new Date().toISOString(), id);
  }

  /** A run that stopped without finishing (only a 'training' row changes; `jobId` guards against a newer job). */
  markIncomplete(id: number, jobId: number | null): boolean {
    const info = this.db
      .prepare(`UPDATE models SET state = 'incomplete', updated_at = ? WHERE id = ? AND state = 'training' AND (? IS NULL OR job_id = ?)`)
      .run(new Date().toISOString(), id, jobId, jobId);
    return info.changes > 0;
  }

  /** On open: runs whose train job is no longer queued or running were interrupted (the app stopped under them). */
  markStaleTrainingIncomplete(): number {
    return markStaleRowsIncomplete(this.db, 'models', 'training');
  }

  /** Removes the row and the folder (predictions keep their provenance; their model_id becomes null). */
  delete(id: number): boolean {
    const row = this.db.prepare('SELECT dir FROM models WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) return false;
    const dir = projectPath(this.projectDir, row.dir, { table: 'models', id, within: 'models', action: 'delete' });
    this.db.prepare('DELETE FROM models WHERE id = ?').run(id);
    fs.rmSync(dir, { recursive: true, force: true });
    return true;
  }

  /** The row's ONNX file: inside the model's own folder, which is inside models/. */
  private onnxPath(row: ModelRow): string {
    projectPath(this.projectDir, row.dir, { table: 'models', id: row.id, within: 'models' });
    return projectPath(this.projectDir, row.onnx_file, { table: 'models', id: row.id, what: 'ONNX file', within: row.dir });
  }

  private toSummary(row: ModelRow): ModelSummary {
    return {
      id: row.id,
      name: row.name,
      architecture: row.architecture,
      target: row.target,
      source: row.source,
      state: row.state,
      datasetId: row.dataset_id,
      params: JSON.parse(row.params) as Record<string, unknown>,
      preprocessing: row.preprocessing ? (JSON.parse(row.preprocessing) as ModelPreprocessing) : null,
      metrics: row.metrics ? (JSON.parse(row.metrics) as Record<string, unknown>) : null,
      onnxPath: row.onnx_file ? this.onnxPath(row) : null,
      sha256: row.sha256,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      jobId: row.job_id,
    };
  }
}
