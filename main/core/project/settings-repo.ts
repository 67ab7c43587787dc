/** Per-project settings (engine paths) with defaults that work on a Debian machine with the system packages. */
import * as fs from 'node:fs';
import type Database from 'better-sqlite3';
import type { Settings } from '../../shared/domain';

export function defaultSettings(): Settings {
  return {
    lmpPath: 'lmp',
    // Debian's python3-torch lives in the system Python; a pyenv/conda python3 earlier on PATH would not see it.
    python3Path: fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3',
  };
}

export class SettingsRepo {
  constructor(private readonly db: Database.Database) {}

  get(): Settings {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const stored = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
    const defaults = defaultSettings();
    return {
      lmpPath: typeof stored.lmpPath === 'string' ? stored.lmpPath : defaults.lmpPath,
      python3Path: typeof stored.python3Path === 'string' ? stored.python3Path : defaults.python3Path,
    };
  }

  set(patch: Partial<Settings>): Settings {
    const upsert = this.db.prepare(
      'INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) upsert.run(key, JSON.stringify(value));
      }
    })();
    return this.get();
  }
}
