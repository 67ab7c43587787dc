/**
 * A project is a folder: `project.sqlite` (WAL) plus data subfolders. This module creates and opens projects,
 * applies migrations, and repairs what a killed app left behind (jobs marked interrupted, stale scratch folders).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { ProjectInfo } from '../../shared/domain';
import { assertWritableDir } from '../fs-atomic';
import { checkProjectFolder, prepareNewProjectFolder, requireRegularFileOrMissing } from './project-folder';
import { isForeignKeyFailure } from './sqlite-errors';
import { lookAt, looksLikeOurApp } from './process-check';
import { migrate } from './migrations';
import { JobsRepo } from './jobs-repo';
import { DatasetsRepo } from './datasets-repo';
import { LabelSetsRepo } from './label-sets-repo';
import { ModelsRepo } from './models-repo';
import { PredictionsRepo } from './predictions-repo';
import { SweepsRepo } from './sweeps-repo';
import { MapsRepo } from './maps-repo';
import { SettingsRepo } from './settings-repo';
import { StructuresRepo } from './structures-repo';

export const DB_FILE = 'project.sqlite';
export const DATA_FOLDERS = ['structures', 'labels', 'datasets', 'models', 'predictions', 'sweeps', 'experiments', 'maps', 'uploads', 'scratch'] as const;

export class Project {
  readonly structures: StructuresRepo;
  readonly jobs: JobsRepo;
  readonly settings: SettingsRepo;
  readonly labels: LabelSetsRepo;
  readonly datasets: DatasetsRepo;
  readonly models: ModelsRepo;
  readonly predictions: PredictionsRepo;
  readonly sweeps: SweepsRepo;
  readonly maps: MapsRepo;

  private constructor(
    readonly dir: string,
    readonly db: Database.Database,
  ) {
    this.structures = new StructuresRepo(db, dir);
    this.jobs = new JobsRepo(db);
    this.settings = new SettingsRepo(db);
    this.labels = new LabelSetsRepo(db, dir);
    this.datasets = new DatasetsRepo(db, dir);
    this.models = new ModelsRepo(db, dir);
    this.predictions = new PredictionsRepo(db, dir);
    this.sweeps = new SweepsRepo(db, dir);
    this.maps = new MapsRepo(db, dir);
  }

  /**
   * Deletes a structure with its label sets; refused while datasets were built from it or a queued or running job
   * (of this or another app on the same project) reads it. The checks and the delete share one write transaction.
   */
  deleteStructure(id: number): boolean {
    try {
      return this.structures.delete(id, () => {
        this.refuseStructureInUse(id);
        return this.labels.foldersOfStructure(id);
      });
    } catch (error) {
      // A foreign key fired anyway (a writer that ignores the lock, or a dataset added in the same instant): say why.
      if (!isForeignKeyFailure(error)) throw error;
      this.refuseStructureInUse(id);
      throw new Error(`structure ${id} is still used by another part of the project (${(error as Error).message}); nothing was deleted, try again`);
    }
  }

  private refuseStructureInUse(id: number): void {
    const users = this.datasets.usingStructure(id);
    if (users.length > 0) {
      throw new Error(`structure ${id} is the source of dataset${users.length > 1 ? 's' : ''} ${users.join(', ')}; delete those first`);
    }
    // Jobs whose app is gone (as recovery judges it) will be marked interrupted at the next open; they hold nothing.
    const jobs = this.structures.jobsUsing(id).filter((j) => j.ownerPid !== null && looksLikeOurApp(lookAt(j.ownerPid)));
    if (jobs.length > 0) {
      const labelling = jobs.every((j) => j.kind === 'label');
      const list = jobs.map((j) => `${labelling ? '' : `${j.kind} `}job ${j.id} (${j.state})`).join(', ');
      throw new Error(`structure ${id} is ${labelling ? 'being labelled by' : 'used by'} ${list}; cancel ${jobs.length > 1 ? 'them' : 'it'} or wait`);
    }
  }

  /** Creates a project in an empty (or new) folder on an ordinary file system. */
  static create(dirInput: string, name?: string): Project {
    const { dir, existed } = prepareNewProjectFolder(dirInput);
    if (existed) {
      if (fs.existsSync(path.join(dir, DB_FILE))) {
        throw new Error(`${dir} is already an SSRO Studio project; open it instead`);
      }
      const entries = fs.readdirSync(dir).filter((e) => !e.startsWith('.'));
      if (entries.length > 0) {
        throw new Error(`${dir} is not empty; choose a new or empty folder for the project`);
      }
    }
    assertWritableDir(dir);
    const project = Project.openDb(dir, true);
    project.db
      .prepare('INSERT INTO meta(key, value) VALUES (?, ?), (?, ?)')
      .run('name', name?.trim() || path.basename(dir), 'created_at', new Date().toISOString());
    return project;
  }

  /** Opens an existing project, migrating it forward and repairing what a killed app left. */
  static open(dirInput: string): Project {
    const dir = checkProjectFolder(dirInput);
    if (!requireRegularFileOrMissing(path.join(dir, DB_FILE))) {
      throw new Error(`${dir} is not an SSRO Studio project (it has no ${DB_FILE}); create a project there first`);
    }
    // SQLite would open and read these too: a pipe in their place would block it for ever.
    for (const suffix of ['-wal', '-shm', '-journal']) requireRegularFileOrMissing(path.join(dir, DB_FILE + suffix));
    assertWritableDir(dir);
    const project = Project.openDb(dir, false);
    project.recover();
    return project;
  }

  private static openDb(dir: string, creating: boolean): Project {
    const file = path.join(dir, DB_FILE);
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: !creating });
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = NORMAL');
    } catch (error) {
      throw new Error(`cannot open ${file}: ${(error as Error).message}`);
    }
    try {
      migrate(db, file);
    } catch (error) {
      db.close();
      throw error;
    }
    for (const folder of DATA_FOLDERS) fs.mkdirSync(path.join(dir, folder), { recursive: true });
    return new Project(dir, db);
  }

  info(): ProjectInfo {
    const rows = this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
    const meta = new Map(rows.map((r) => [r.key, r.value]));
    return {
      path: this.dir,
      name: meta.get('name') ?? path.basename(this.dir),
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
      createdAt: meta.get('created_at') ?? '',
    };
  }

  /** The folder a job may scribble in; removed when the job ends. */
  scratchDir(jobId: number): string {
    return path.join(this.dir, 'scratch', `job-${jobId}`);
  }

  /** Jobs whose owning process is gone were interrupted; their scratch folders are stale; their runs resumable. */
  private recover(): void {
    this.jobs.markOrphansInterrupted();
    this.models.markStaleTrainingIncomplete();
    this.sweeps.markStaleRunningIncomplete();
    this.maps.markStaleIncomplete();
    const scratch = path.join(this.dir, 'scratch');
    for (const entry of fs.readdirSync(scratch)) {
      const id = Number(/^job-(\d+)$/.exec(entry)?.[1]);
      const job = Number.isFinite(id) ? this.jobs.find(id) : null;
      if (job === null || job.state !== 'running') fs.rmSync(path.join(scratch, entry), { recursive: true, force: true });
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
