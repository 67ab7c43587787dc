/** Job rows: what ran, with which parameters, how far it got, its log tail, error, inputs and outputs. */
import type Database from 'better-sqlite3';
import type { ArtifactRef, JobState, JobSummary } from '../../shared/domain';
import { lookAt, looksLikeOurApp, looksLikeOurWorker, sleepSync } from './process-check';

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

/** How long recovery waits for the worker of a dead app to be gone after killing it. */
export const ORPHAN_WORKER_WAIT_MS = 3000;
const POLL_MS = 25;

const INTERRUPTED = 'interrupted: the app that ran this job stopped before it finished';

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

  /**
   * On open: running or queued jobs whose owning app has gone are marked interrupted; the caller then removes their
   * scratch folders. A job is left alone while a live app of ours owns it (the GUI while the CLI imports); an owner
   * pid that now belongs to some other program (pids are recycled) counts as gone. A worker of a dead app that still
   * runs (it may be stopped, or not yet at its next check) is killed first and the job is marked only once the
   * worker is gone, so nothing writes into the project after recovery; a worker that will not die within `waitMs`
   * keeps its job running, and the next open tries again. A job recorded with this process's own pid is stale (an
   * earlier app had that pid) unless its worker is this process's child (the project was opened again here). Where a worker's identity cannot be read (no /proc), it is
   * not killed: recovery waits up to `waitMs` for it to notice its dead parent and exit.
   */
  markOrphansInterrupted(waitMs = ORPHAN_WORKER_WAIT_MS): number {
    const rows = this.db
      .prepare(`SELECT id, kind, state, owner_pid, worker_pid FROM jobs WHERE state IN ('queued', 'running')`)
      .all() as Pick<JobRow, 'id' | 'kind' | 'state' | 'owner_pid' | 'worker_pid'>[];
    const stale = new Map<number, string>();
    const waiting: { id: number; kind: string; pid: number; killed: boolean }[] = [];
    for (const row of rows) {
      // Our own pid as owner is usually an earlier app that had the same pid (pids repeat, e.g. in containers).
      const ownedHere = row.owner_pid === process.pid;
      if (row.owner_pid !== null && !ownedHere && looksLikeOurApp(lookAt(row.owner_pid))) continue;
      const worker = row.state === 'running' && row.worker_pid !== null ? lookAt(row.worker_pid) : null;
      // …unless its worker is our own child: this process runs the job (the project was opened a second time).
      if (ownedHere && worker !== null && worker.alive && worker.parentPid === process.pid) continue;
      if (worker !== null && row.worker_pid !== null && worker.alive && worker.argv === null) {
        if (ownedHere) stale.set(row.id, INTERRUPTED);
        else waiting.push({ id: row.id, kind: row.kind, pid: row.worker_pid, killed: false });
      } else if (worker !== null && row.worker_pid !== null && looksLikeOurWorker(worker, row.kind)) {
        try {
          process.kill(row.worker_pid, 'SIGKILL');
        } catch {
          // Already gone between the look and the kill: the wait below sees that.
        }
        waiting.push({ id: row.id, kind: row.kind, pid: row.worker_pid, killed: true });
      } else {
        stale.set(row.id, INTERRUPTED);
      }
    }
    const deadline = Date.now() + waitMs;
    while (waiting.length > 0) {
      for (let k = waiting.length - 1; k >= 0; k--) {
        const w = waiting[k] as (typeof waiting)[number];
        const look = lookAt(w.pid);
        // Gone, or its pid already reused by another program: either way our worker no longer runs.
        if (!look.alive || (look.argv !== null && !looksLikeOurWorker(look, w.kind))) {
          stale.set(w.id, w.killed ? `${INTERRUPTED} (its worker, still running, was stopped)` : INTERRUPTED);
          waiting.splice(k, 1);
        }
      }
      if (waiting.length === 0 || Date.now() >= deadline) break;
      sleepSync(POLL_MS);
    }
    // An unidentifiable pid still alive after the wait is most likely a stranger's (recycled): the job is stale.
    for (const w of waiting) if (!w.killed) stale.set(w.id, INTERRUPTED);
    const mark = this.db.prepare(
      `UPDATE jobs SET state = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND state IN ('queued', 'running')`,
    );
    this.db.transaction(() => {
      for (const [id, reason] of stale) mark.run(new Date().toISOString(), reason, id);
    })();
    return stale.size;
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
