/**
 * Per-project settings (engine paths) with defaults that work on a Debian machine with the system packages. A stored
 * engine path is handed out for running only through `engines()` / `enginePath()`, which honour this machine's
 * confirmations (../engine-trust.ts): a project from someone else cannot make us run its program.
 */
import type Database from 'better-sqlite3';
import type { EngineSetting, Settings, SettingsState } from '../../shared/domain';
import { defaultSettings, engineChoices, trustedPath, type EngineChoices } from '../engine-trust';

export { defaultSettings };

export class SettingsRepo {
  constructor(private readonly db: Database.Database) {}

  /** The stored values, for showing and editing; never for running (see `enginePath`). */
  get(): Settings {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const stored: Record<string, unknown> = {};
    for (const r of rows) {
      try {
        stored[r.key] = JSON.parse(r.value) as unknown;
      } catch {
        // A value that is not JSON (a hand-edited database) reads as unset: the default applies.
      }
    }
    const defaults = defaultSettings();
    return {
      lmpPath: typeof stored.lmpPath === 'string' && stored.lmpPath.length > 0 ? stored.lmpPath : defaults.lmpPath,
      python3Path: typeof stored.python3Path === 'string' && stored.python3Path.length > 0 ? stored.python3Path : defaults.python3Path,
    };
  }

  /** The stored values and which engine paths among them this machine has not confirmed. */
  state(): SettingsState {
    const choices = this.engines();
    return { ...this.get(), unconfirmed: Object.values(choices).filter((c) => !c.trusted).map((c) => c.setting) };
  }

  /** Each engine path with whether it may be run on this machine. */
  engines(): EngineChoices {
    return engineChoices(this.get());
  }

  /** The engine path to run, or an error saying it is not confirmed (`cliFlag`: the CLI option that overrides it). */
  enginePath(setting: EngineSetting, cliFlag?: string): string {
    return trustedPath(this.engines()[setting], cliFlag);
  }

  /** Stores values as given; callers from a shell check them first (engine-trust.ts acceptEngineSettings). */
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
