import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SCHEMA_VERSION } from '../../../main/core/project/migrations';
import { Project } from '../../../main/core/project/project';
import type { LabelSetSummary, LabelSummary } from '../../../main/shared/domain';
import { addJob, addLabelSet, addStructure } from '../../support/project-rows';
import { tempDir } from '../../support/temp';

describe('project folders', () => {
  it('creates the database (WAL) and the data folders, and reopens with the same name', () => {
    const dir = path.join(tempDir(), 'my project');
    const created = Project.create(dir, 'Cu-Zr complexions');
    expect(created.db.pragma('journal_mode', { simple: true })).toBe('wal');
    created.close();
    for (const folder of ['structures', 'datasets', 'models', 'experiments', 'maps']) {
      expect(fs.statSync(path.join(dir, folder)).isDirectory()).toBe(true);
    }
    const opened = Project.open(dir);
    expect(opened.info()).toMatchObject({ name: 'Cu-Zr complexions', path: dir, schemaVersion: SCHEMA_VERSION });
    opened.close();
  });

  it('refuses a folder that is not a project, a missing folder, a file, and a non-empty folder to create in', () => {
    const dir = tempDir();
    expect(() => Project.open(dir)).toThrow(/is not an SSRO Studio project \(it has no project.sqlite\)/);
    expect(() => Project.open(path.join(dir, 'nope'))).toThrow(/does not exist/);
    fs.writeFileSync(path.join(dir, 'file.txt'), 'x');
    expect(() => Project.open(path.join(dir, 'file.txt'))).toThrow(/is a file/);
    expect(() => Project.create(dir)).toThrow(/is not empty/);
    const p = Project.create(path.join(dir, 'p'));
    p.close();
    expect(() => Project.create(path.join(dir, 'p'))).toThrow(/already an SSRO Studio project/);
  });

  it('refuses a read-only project folder with a message naming it', (ctx) => {
    const dir = path.join(tempDir(), 'ro');
    Project.create(dir).close();
    fs.chmodSync(dir, 0o555);
    let immutable = false;
    try {
      fs.writeFileSync(path.join(dir, '.probe'), '');
      fs.rmSync(path.join(dir, '.probe'));
      // root ignores permission bits: make the folder immutable instead, when the file system allows it.
      immutable = spawnSync('chattr', ['+i', dir]).status === 0;
      if (!immutable) {
        fs.chmodSync(dir, 0o755);
        ctx.skip('this file system cannot make a folder read-only for root');
      }
    } catch {
      // permissions work: the folder is read-only
    }
    try {
      expect(() => Project.open(dir)).toThrow(new RegExp(`${dir} is not writable`));
    } finally {
      if (immutable) spawnSync('chattr', ['-i', dir]);
      fs.chmodSync(dir, 0o755);
    }
  });

  it('stores settings with defaults for the engines', () => {
    const p = Project.create(path.join(tempDir(), 'p'));
    expect(p.settings.get().lmpPath).toBe('lmp');
    expect(p.settings.set({ lmpPath: '/opt/lammps/bin/lmp_mpi' }).lmpPath).toBe('/opt/lammps/bin/lmp_mpi');
    p.close();
    const again = Project.open(p.dir);
    expect(again.settings.get().lmpPath).toBe('/opt/lammps/bin/lmp_mpi');
    again.close();
  });
});

describe('deleting a structure that a job is using', () => {
  /** A pid that no longer exists: a child that has already exited. */
  function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', '0']);
    return child.pid ?? 0;
  }

  it('refuses while a label job of a live app runs on it, naming the job, and keeps everything', () => {
    const p = Project.create(path.join(tempDir(), 'p'));
    const id = addStructure(p);
    const job = addJob(p, 'label', 'running', process.pid, { structureId: id }, [{ kind: 'structure', id }]);
    const folder = p.structures.folder(id);
    expect(() => p.deleteStructure(id)).toThrow(`structure ${id} is being labelled by job ${job} (running); cancel it or wait`);
    expect(p.structures.find(id)).not.toBeNull();
    expect(fs.existsSync(path.join(folder, 'positions.npy'))).toBe(true);
    p.close();
  });

  it('refuses while a queued job reads one of its label sets, and names the kind of job', () => {
    const p = Project.create(path.join(tempDir(), 'p'));
    const id = addStructure(p);
    const set = addLabelSet(p, id);
    const job = addJob(p, 'diffract', 'queued', process.pid, {}, [{ kind: 'label-set', id: set }]);
    expect(() => p.deleteStructure(id)).toThrow(`structure ${id} is used by diffract job ${job} (queued); cancel it or wait`);
    expect(p.labels.find(set)).not.toBeNull();
    p.close();
  });

  it('deletes once the job has ended, and when the app that ran it is gone', () => {
    const p = Project.create(path.join(tempDir(), 'p'));
    const a = addStructure(p);
    const b = addStructure(p);
    const ended = addJob(p, 'label', 'running', process.pid, { structureId: a }, [{ kind: 'structure', id: a }]);
    p.db.prepare(`UPDATE jobs SET state = 'succeeded' WHERE id = ?`).run(ended);
    addJob(p, 'label', 'running', deadPid(), { structureId: b }, [{ kind: 'structure', id: b }]);
    expect(p.deleteStructure(a)).toBe(true);
    expect(p.deleteStructure(b)).toBe(true);
    expect(p.structures.list()).toEqual([]);
    p.close();
  });

  it('explains a foreign-key refusal that slipped past the checks (another app added a dataset meanwhile)', () => {
    const p = Project.create(path.join(tempDir(), 'p'));
    const id = addStructure(p);
    const set = addLabelSet(p, id);
    const dataset = p.datasets.create('d', {}, 1, [{ structureId: id, labelSetId: set }]).id;
    // The check saw no dataset (it was added in the same instant): SQLite's own constraint fires instead.
    vi.spyOn(p.datasets, 'usingStructure').mockReturnValueOnce([]);
    expect(() => p.deleteStructure(id)).toThrow(`structure ${id} is the source of dataset ${dataset}; delete those first`);
    expect(p.structures.find(id)).not.toBeNull();
    p.close();
  });

  it('a label job finishing after its structure was deleted says so and keeps the staged labels', () => {
    const p = Project.create(path.join(tempDir(), 'p'));
    const id = addStructure(p);
    expect(p.deleteStructure(id)).toBe(true);
    const staged = path.join(p.scratchDir(77), 'labels');
    fs.mkdirSync(staged, { recursive: true });
    fs.writeFileSync(path.join(staged, 'd.npy'), '');
    const params = { cna: { mode: 'adaptive' } } as unknown as LabelSetSummary['params'];
    const summary = {} as unknown as LabelSummary;
    expect(() => p.labels.commitStaged(staged, id, params, summary, 77)).toThrow(`structure ${id} was deleted while job 77 was labelling it; its labels were not kept`);
    expect(fs.existsSync(path.join(staged, 'd.npy'))).toBe(true);
    p.close();
  });
});
