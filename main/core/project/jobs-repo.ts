/** Job rows: what ran, with which parameters, how far it got, its log tail, error, inputs and outputs. */
import type Database from 'better-sqlite3';
import type { ArtifactRef, JobState, JobSummary } from '../../shared/domain';

interface JobRow {
  id: number;
  kind: string;
  params: string;
  state: JobState;
  progress: number | null;
  message: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  log_tail: string;
  error: string | null;
  owner_pid: number | null;
  worker_pid: number | null;
}

function isAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class JobsRepo {
  constructor(private readonly db: Database.Database) {}

  create(kind: string, params: unknown, inputs: ArtifactRef[] = []): JobSummary {
    const id = this.db.transaction(() => {
      const info = this.db
        .prepare(`INSERT INTO jobs(kind, params, state, created_at, owner_pid) VALUES (?, ?, 'queued', ?, ?)`)
        .run(kind, JSON.stringify(params ?? null), new Date().toISOString(), process.pid);
      const jobId = Number(info.lastInsertRowid);
      const add = this.db.prepare(`INSERT OR IGNORE INTO job_artifacts(job_id, role, kind, ref) VALUES (?, 'input', ?, ?)`);
      for (const ref of inputs) add.run(jobId, ref.kind, String(ref.id));
      return jobId;
    })();
    return this.get(id);
  }

  find(id: number): JobSummary | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? this.toSummary(row) : null;
  }

  get(id: number): JobSummary {
    const job = this.find(id);
    if (job === null) throw new Error(`job ${id} does not exist in this project`);
    return job;
  }

  list(limit = 100): JobSummary[] {
    const rows = this.db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit) as JobRow[];
    return rows.map((row) => this.toSummary(row));
  }

  markRunning(id: number, workerPid: number | null): void {
    this.db
      .prepare(`UPDATE jobs SET state = 'running', started_at = ?, worker_pid = ?, owner_pid = ? WHERE id = ?`)
      .run(new Date().toISOString(), workerPid, process.pid, id);
  }

  updateProgress(id: number, progress: number | null, message: string | null, logTail: string[]): void {
    this.db
      .prepare('UPDATE jobs SET progress = ?, message = COALESCE(?, message), log_tail = ? WHERE id = ?')
      .run(progress, message, JSON.stringify(logTail), id);
  }

  /** Ends a job; `outputs` are recorded in the same transaction as the state (see finishWith for more work). */
  finish(id: number, state: JobState, fields: { error?: string | null; logTail: string[]; outputs?: ArtifactRef[] }): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE jobs SET state = ?, finished_at = ?, error = ?, log_tail = ?,
             progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END WHERE id = ?`,
        )
        .run(state, new Date().toISOString(), fields.error ?? null, JSON.stringify(fields.logTail), state, id);
      const add = this.db.prepare(`INSERT OR IGNORE INTO job_artifacts(job_id, role, kind, ref) VALUES (?, 'output', ?, ?)`);
      for (const ref of fields.outputs ?? []) add.run(id, ref.kind, String(ref.id));
    })();
  }

  /** On open: running or queued jobs whose owning process has gone are marked interrupted. */
  markOrphansInterrupted(): number {
    const rows = this.db
      .prepare(`SELECT id, owner_pid, worker_pid FROM jobs WHERE state IN ('queued', 'running')`)
      .all() as Pick<JobRow, 'id' | 'owner_pid' | 'worker_pid'>[];
    // Another live process (the GUI while the CLI imports) may own running jobs: leave those alone.
    const stale = rows.filter((r) => r.owner_pid === process.pid || !isAlive(r.owner_pid));
    const mark = this.db.prepare(
      `UPDATE jobs SET state = 'interrupted', finished_at = ?, error = ? WHERE id = ?`,
    );
    this.db.transaction(() => {
      for (const row of stale) {
        mark.run(new Date().toISOString(), 'interrupted: the app that ran this job stopped before it finished', row.id);
      }
    })();
    return stale.length;
  }

  private toSummary(row: JobRow): JobSummary {
    const artifacts = this.db
      .prepare('SELECT role, kind, ref FROM job_artifacts WHERE job_id = ? ORDER BY rowid')
      .all(row.id) as { role: 'input' | 'output'; kind: ArtifactRef['kind']; ref: string }[];
    const toRef = (a: { kind: ArtifactRef['kind']; ref: string }): ArtifactRef => ({
      kind: a.kind,
      id: /^\d+$/.test(a.ref) ? Number(a.ref) : a.ref,
    });
    return {
      id: row.id,
      kind: row.kind,
      params: JSON.parse(row.params) as unknown,
      state: row.state,
      progress: row.progress,
      message: row.message,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      logTail: JSON.parse(row.log_tail) as string[],
      error: row.error,
      inputs: artifacts.filter((a) => a.role === 'input').map(toRef),
      outputs: artifacts.filter((a) => a.role === 'output').map(toRef),
    };
  }
}
