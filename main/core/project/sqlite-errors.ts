/** Recognising SQLite's refusals among better-sqlite3's errors. */

/**
 * A foreign key refused the change. SQLite reports it as SQLITE_CONSTRAINT_FOREIGNKEY for an insert or update and
 * as SQLITE_CONSTRAINT_TRIGGER for an ON DELETE RESTRICT; the message is the same for both.
 */
export function isForeignKeyFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT') && error.message.includes('FOREIGN KEY constraint failed');
}
