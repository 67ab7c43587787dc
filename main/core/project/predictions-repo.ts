/**
 * Prediction rows: a folder (predictions/<uuid>/) with the predicted d per pattern and, for labelled inputs, the
 * evaluation; the row keeps the provenance (model and its checksum, input, preprocessing) and the headline metrics.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import type { PredictionInput, PredictionMetrics, PredictionSummary } from '../../shared/models';
import { fsyncDirectory } from '../../../native-workers/lib/datasets/atomic-files';
import { projectPath } from './confined-path';

interface PredictionRow {
  id: number;
  name: string;
  dir: string;
  model_id: number | null;
  dataset_id: number | null;
  input: string;
  sample_count: number;
  provenance: string;
  metrics: string | null;
  created_at: string;
  job_id: number | null;
}

export interface NewPrediction {
  name: string;
  modelId: number | null;
  datasetId: number | null;
  input: PredictionInput;
  count: number;
  provenance: Record<string, unknown>;
  metrics: PredictionMetrics | null;
  jobId: number | null;
}

export class PredictionsRepo {
  constructor(
    private readonly db: Database.Database,
    private readonly projectDir: string,
  ) {}

  /** Moves a staged folder (same filesystem: the job's scratch folder) into predictions/ and records it. */
  commitStaged(stagedDir: string, prediction: NewPrediction): PredictionSummary {
    const relDir = path.join('predictions', crypto.randomUUID());
    const dir = path.join(this.projectDir, relDir);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.renameSync(stagedDir, dir);
    fsyncDirectory(path.dirname(dir));
    try {
      const info = this.db
        .prepare(
          `INSERT INTO predictions(name, dir, model_id, dataset_id, input, sample_count, provenance, metrics, created_at, job_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          prediction.name,
          relDir,
          prediction.modelId,
          prediction.datasetId,
          JSON.stringify(prediction.input),
          prediction.count,
          JSON.stringify(prediction.provenance),
          prediction.metrics ? JSON.stringify(prediction.metrics) : null,
          new Date().toISOString(),
          prediction.jobId,
        );
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  list(modelId?: number): PredictionSummary[] {
    const rows = (
      modelId === undefined
        ? this.db.prepare('SELECT * FROM predictions ORDER BY id').all()
        : this.db.prepare('SELECT * FROM predictions WHERE model_id = ? ORDER BY id').all(modelId)
    ) as PredictionRow[];
    return rows.map((r) => this.toSummary(r));
  }

  find(id: number): PredictionSummary | null {
    const row = this.db.prepare('SELECT * FROM predictions WHERE id = ?').get(id) as PredictionRow | undefined;
    return row ? this.toSummary(row) : null;
  }

  get(id: number): PredictionSummary {
    const found = this.find(id);
    if (found === null) throw new Error(`prediction ${id} does not exist in this project`);
    return found;
  }

  folder(id: number): string {
    const row = this.db.prepare('SELECT dir FROM predictions WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) throw new Error(`prediction ${id} does not exist in this project`);
    return projectPath(this.projectDir, row.dir, { table: 'predictions', id, within: 'predictions' });
  }

  private toSummary(row: PredictionRow): PredictionSummary {
    return {
      id: row.id,
      name: row.name,
      modelId: row.model_id,
      datasetId: row.dataset_id,
      input: JSON.parse(row.input) as PredictionInput,
      count: row.sample_count,
      provenance: JSON.parse(row.provenance) as Record<string, unknown>,
      metrics: row.metrics ? (JSON.parse(row.metrics) as PredictionMetrics) : null,
      createdAt: row.created_at,
      jobId: row.job_id,
    };
  }
}
