import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../../main/core/project/migrations';
import { Project } from '../../../main/core/project/project';
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
