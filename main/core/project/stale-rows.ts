/** Rows owned by a job (a training run, a sweep, a map) whose job is no longer queued or running were interrupted. */
import type Database from 'better-sqlite3';

/** Marks `table` rows in `activeState` whose job is gone or finished as 'incomplete'; returns how many. */
export function markStaleRowsIncomplete(db: Database.Database, table: 'models' | 'sweeps' | 'maps', activeState: string): number {
  return db
    .prepare(
      `UPDATE ${table} SET state = 'incomplete', updated_at = ?
       WHERE state = ? AND (job_id IS NULL OR job_id NOT IN (SELECT id FROM jobs WHERE state IN ('queued', 'running')))`,
    )
    .run(new Date().toISOString(), activeState).changes;
}
