/**
 * The project database schema as numbered, forward-only migrations. Never edit a released migration: add the
 * next one. Each runs in its own transaction and sets PRAGMA user_version to its number.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'project metadata, settings and jobs',
    up(db) {
      db.exec(`
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE jobs (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL,
          params TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('queued','running','succeeded','failed','cancelled','interrupted')),
          progress REAL CHECK (progress IS NULL OR (progress >= 0 AND progress <= 1)),
          message TEXT,
          created_at TEXT NOT NULL,
          started_at TEXT,
          finished_at TEXT,
          log_tail TEXT NOT NULL DEFAULT '[]',
          error TEXT,
          owner_pid INTEGER,
          worker_pid INTEGER
        );
        CREATE INDEX jobs_by_state ON jobs(state);
        CREATE TABLE job_artifacts (
          job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
          role TEXT NOT NULL CHECK (role IN ('input','output')),
          kind TEXT NOT NULL,
          ref TEXT NOT NULL,
          PRIMARY KEY (job_id, role, kind, ref)
        );
      `);
    },
  },
  {
    version: 2,
    name: 'structures',
    up(db) {
      db.exec(`
        CREATE TABLE structures (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          dir TEXT NOT NULL UNIQUE,
          source_path TEXT NOT NULL,
          format TEXT NOT NULL,
          atom_count INTEGER NOT NULL CHECK (atom_count > 0),
          type_elements TEXT NOT NULL,
          composition TEXT NOT NULL,
          cell TEXT NOT NULL,
          triclinic INTEGER NOT NULL CHECK (triclinic IN (0,1)),
          timestep INTEGER,
          notes TEXT NOT NULL DEFAULT '[]',
          created_at TEXT NOT NULL,
          job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL
        );
      `);
    },
  },
  {
    version: 3,
    name: 'label sets (per-atom order labels of a structure)',
    up(db) {
      db.exec(`
        CREATE TABLE label_sets (
          id INTEGER PRIMARY KEY,
          structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
          dir TEXT NOT NULL UNIQUE,
          params TEXT NOT NULL,
          summary TEXT NOT NULL,
          created_at TEXT NOT NULL,
          job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL
        );
        CREATE INDEX label_sets_by_structure ON label_sets(structure_id);
      `);
    },
  },
  {
    version: 4,
    name: 'datasets (simulated NBED patterns with labels)',
    up(db) {
      db.exec(`
        CREATE TABLE datasets (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          dir TEXT NOT NULL UNIQUE,
          recipe TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('building', 'complete')),
          sample_count INTEGER NOT NULL CHECK (sample_count >= 0),
          done_count INTEGER NOT NULL DEFAULT 0,
          summary TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL,
          job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL
        );
        CREATE TABLE dataset_sources (
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE RESTRICT,
          label_set_id INTEGER NOT NULL REFERENCES label_sets(id) ON DELETE RESTRICT,
          PRIMARY KEY (dataset_id, structure_id, label_set_id)
        );
      `);
    },
  },
  {
    version: 5,
    name: 'structure provenance (how a simulated structure was made)',
    up(db) {
      db.exec(`ALTER TABLE structures ADD COLUMN provenance TEXT;`);
    },
  },
  {
    version: 6,
    name: 'models (trained and imported) and their predictions',
    up(db) {
      db.exec(`
        CREATE TABLE models (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          dir TEXT NOT NULL UNIQUE,
          architecture TEXT NOT NULL,
          target TEXT NOT NULL CHECK (target IN ('d', 'one_minus_d')),
          source TEXT NOT NULL CHECK (source IN ('trained', 'imported-onnx', 'imported-torch')),
          state TEXT NOT NULL CHECK (state IN ('training', 'incomplete', 'trained', 'imported')),
          dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
          params TEXT NOT NULL DEFAULT '{}',
          preprocessing TEXT,
          metrics TEXT,
          onnx_file TEXT,
          sha256 TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
          CHECK (state NOT IN ('trained', 'imported') OR (onnx_file IS NOT NULL AND sha256 IS NOT NULL))
        );
        CREATE INDEX models_by_dataset ON models(dataset_id);
        CREATE TABLE predictions (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          dir TEXT NOT NULL UNIQUE,
          model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
          dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
          input TEXT NOT NULL,
          sample_count INTEGER NOT NULL CHECK (sample_count >= 0),
          provenance TEXT NOT NULL,
          metrics TEXT,
          created_at TEXT NOT NULL,
          job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL
        );
        CREATE INDEX predictions_by_model ON predictions(model_id);
      `);
    },
  },
  {
    version: 7,
    name: 'probe-size sweeps (papers/000 Fig. 7)',
    up(db) {
      db.exec(`
        CREATE TABLE sweeps (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          dir TEXT NOT NULL UNIQUE,
          dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
          params TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('running', 'incomplete', 'complete')),
          cells TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL
        );
      `);
    },
  },
  {
    version: 8,
    name: 'SSRO maps of experimental scans',
    up(db) {
      db.exec(`
        CREATE TABLE maps (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          dir TEXT NOT NULL UNIQUE,
          model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
          input TEXT NOT NULL,
          options TEXT NOT NULL DEFAULT '{}',
          recipe TEXT,
          state TEXT NOT NULL CHECK (state IN ('mapping', 'incomplete', 'complete')),
          summary TEXT,
          info TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL
        );
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Applies every migration above the database's version, each in a transaction; refuses a newer database. */
export function migrate(db: Database.Database, file: string, upTo: number = SCHEMA_VERSION): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `${file} was written by a newer SSRO Studio (schema ${current}; this version understands up to ${SCHEMA_VERSION}). ` +
        'Update SSRO Studio to open it; the project was not changed.',
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > upTo) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
