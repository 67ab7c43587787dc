/**
 * Engine paths stored in a project are run only once confirmed on this machine: a project from someone else whose
 * settings name their own program gets it neither probed nor used by a job; settings.set checks paths and needs
 * the person's confirmation, which is kept per user outside every project.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppCore } from '../../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../../main/core/api/handlers';
import { configDir, readTrustStore } from '../../../main/core/engine-trust';
import { Project } from '../../../main/core/project/project';
import { tempDir } from '../../support/temp';

const LAMMPS_BANNER = 'Large-scale Atomic/Molecular Massively Parallel Simulator - 2 Aug 2023 - Update 3';
const savedConfig = process.env.SSRO_CONFIG_DIR;
const savedPath = process.env.PATH;
afterAll(() => {
  if (savedConfig === undefined) delete process.env.SSRO_CONFIG_DIR;
  else process.env.SSRO_CONFIG_DIR = savedConfig;
});

/** A program that leaves a marker file when run (and answers `-h` like LAMMPS). */
function markerProgram(dir: string, name: string): { program: string; marker: string } {
  const marker = path.join(dir, `${name}.ran`);
  const program = path.join(dir, name);
  fs.writeFileSync(program, `#!/bin/sh\necho ran > '${marker}'\necho '${LAMMPS_BANNER}'\n`, { mode: 0o755 });
  return { program, marker };
}

/** A project as it might arrive from someone else: its settings table names programs of theirs. */
function craftedProject(settings: Record<string, string>): string {
  const dir = path.join(tempDir(), 'shared project');
  Project.create(dir, 'From a colleague').close();
  const db = new Database(path.join(dir, 'project.sqlite'));
  const upsert = db.prepare('INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  for (const [key, value] of Object.entries(settings)) upsert.run(key, JSON.stringify(value));
  db.close();
  return dir;
}

let core: AppCore;
let handlers: Handlers;
let work: string;

beforeEach(() => {
  // Each test is a fresh machine: nothing confirmed yet.
  process.env.SSRO_CONFIG_DIR = path.join(tempDir(), 'config');
  work = tempDir();
  core = new AppCore();
  handlers = createHandlers(core);
});
afterEach(async () => {
  process.env.PATH = savedPath;
  await core.dispose();
});

describe('engine paths from a project', () => {
  it('are not run when unconfirmed: the status says so, and jobs needing them are refused with the same words', async () => {
    const lmp = markerProgram(work, 'their-lmp');
    const python = markerProgram(work, 'their-python');
    const dir = craftedProject({ lmpPath: lmp.program, python3Path: python.program });
    await dispatch(handlers, 'project.open', { path: dir });

    const info = await dispatch(handlers, 'app.info', {});
    const lammps = info.engines.find((e) => e.name === 'lammps');
    const torch = info.engines.find((e) => e.name === 'pytorch');
    const lmpMessage = `this project sets lmpPath to ${lmp.program}, not yet confirmed on this machine: confirm it in Settings`;
    const pythonMessage = `this project sets python3Path to ${python.program}, not yet confirmed on this machine: confirm it in Settings`;
    expect(lammps).toMatchObject({ available: false });
    expect(lammps?.detail).toContain(lmpMessage);
    expect(torch).toMatchObject({ available: false });
    expect(torch?.detail).toContain(pythonMessage);
    expect(await dispatch(handlers, 'settings.get', {})).toEqual({ lmpPath: lmp.program, python3Path: python.program, unconfirmed: ['lmpPath', 'python3Path'] });

    await expect(dispatch(handlers, 'simulations.run', { protocol: 'glass', atoms: 108 })).rejects.toThrow(lmpMessage);
    await expect(dispatch(handlers, 'training.run', { datasetId: 1 })).rejects.toThrow(pythonMessage);
    await expect(dispatch(handlers, 'training.resume', { modelId: 1 })).rejects.toThrow(pythonMessage);
    await expect(dispatch(handlers, 'sweeps.run', { datasetId: 1 })).rejects.toThrow(pythonMessage);
    await expect(dispatch(handlers, 'sweeps.resume', { sweepId: 1 })).rejects.toThrow(pythonMessage);
    const checkpoint = path.join(work, 'their.pt');
    fs.writeFileSync(checkpoint, 'not really a checkpoint');
    await expect(dispatch(handlers, 'models.import', { path: checkpoint, architecture: 'resnet18', target: 'd', kmaxInvA: 1, deltaKInvA: 0.015 })).rejects.toThrow(pythonMessage);
    // An ONNX import never runs Python, so an unconfirmed Python does not stand in its way (it fails on the file).
    const onnx = path.join(work, 'their.onnx');
    fs.writeFileSync(onnx, 'not an onnx model');
    await expect(dispatch(handlers, 'models.import', { path: onnx })).rejects.not.toThrow(/not yet confirmed/);

    expect(await dispatch(handlers, 'jobs.list', {})).toEqual([]);
    expect(fs.existsSync(lmp.marker)).toBe(false);
    expect(fs.existsSync(python.marker)).toBe(false);
  });

  it('the CLI refuses a stored unconfirmed path (naming --lmp) and runs nothing', () => {
    const cli = path.resolve('bin/ssro.js');
    const lmp = markerProgram(work, 'their-lmp');
    const dir = craftedProject({ lmpPath: lmp.program });
    const result = spawnSync(process.execPath, [cli, 'simulate', 'glass', dir, '--atoms', '108'], { encoding: 'utf8', env: { ...process.env } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`this project sets lmpPath to ${lmp.program}, not yet confirmed on this machine`);
    expect(result.stderr).toContain('--lmp');
    expect(fs.existsSync(lmp.marker)).toBe(false);
  });
});

describe('settings.set', () => {
  it('refuses a new engine path without confirmation, and trusts and probes it with one', async () => {
    const dir = path.join(work, 'project');
    await dispatch(handlers, 'project.create', { path: dir });
    const lmp = markerProgram(work, 'my-lmp');

    await expect(dispatch(handlers, 'settings.set', { lmpPath: lmp.program })).rejects.toThrow(
      `lmpPath: running ${lmp.program} as the LAMMPS engine has not been confirmed on this machine`,
    );
    expect((await dispatch(handlers, 'settings.get', {})).lmpPath).toBe('lmp');
    expect(readTrustStore()).toEqual([]);
    expect(fs.existsSync(lmp.marker)).toBe(false);

    const saved = await dispatch(handlers, 'settings.set', { lmpPath: lmp.program, confirmed: ['lmpPath'] });
    expect(saved).toMatchObject({ lmpPath: lmp.program, unconfirmed: [] });
    expect(readTrustStore()).toMatchObject([{ setting: 'lmpPath', path: lmp.program }]);
    expect(fs.existsSync(path.join(configDir(), 'trusted-engines.json'))).toBe(true);
    expect(fs.readdirSync(configDir())).toEqual(['trusted-engines.json']);
    const lammps = (await dispatch(handlers, 'app.info', {})).engines.find((e) => e.name === 'lammps');
    expect(lammps).toMatchObject({ available: true, detail: `${lmp.program}: LAMMPS 2 Aug 2023 - Update 3` });
    expect(fs.existsSync(lmp.marker)).toBe(true);

    // The confirmation belongs to this machine's user, not to the project: another machine asks again.
    await core.dispose();
    process.env.SSRO_CONFIG_DIR = path.join(tempDir(), 'another machine');
    core = new AppCore();
    handlers = createHandlers(core);
    await dispatch(handlers, 'project.open', { path: dir });
    expect((await dispatch(handlers, 'settings.get', {})).unconfirmed).toEqual(['lmpPath']);
  });

  it('refuses a path that does not exist, is not executable, is a folder or is relative, naming the setting and path', async () => {
    await dispatch(handlers, 'project.create', { path: path.join(work, 'project') });
    const missing = path.join(work, 'no-such-lmp');
    await expect(dispatch(handlers, 'settings.set', { lmpPath: missing, confirmed: ['lmpPath'] })).rejects.toThrow(
      `lmpPath (the LAMMPS engine): ${missing} does not exist`,
    );
    const plain = path.join(work, 'python-text');
    fs.writeFileSync(plain, 'print(1)\n', { mode: 0o644 });
    // root may execute anything with an x bit; a file without any is refused for everyone.
    await expect(dispatch(handlers, 'settings.set', { python3Path: plain, confirmed: ['python3Path'] })).rejects.toThrow(
      `python3Path (the Python for PyTorch): ${plain} is not executable`,
    );
    await expect(dispatch(handlers, 'settings.set', { lmpPath: work, confirmed: ['lmpPath'] })).rejects.toThrow(`lmpPath (the LAMMPS engine): ${work} is not a file`);
    await expect(dispatch(handlers, 'settings.set', { lmpPath: 'bin/lmp', confirmed: ['lmpPath'] })).rejects.toThrow(/lmpPath \(the LAMMPS engine\): "bin\/lmp" is a relative path/);
    await expect(dispatch(handlers, 'settings.set', { lmpPath: 'no-such-command-anywhere', confirmed: ['lmpPath'] })).rejects.toThrow(
      'lmpPath (the LAMMPS engine): no program named "no-such-command-anywhere" was found on PATH',
    );
    // A refused request trusts nothing, not even a valid path given with it.
    const good = markerProgram(work, 'good-python');
    await expect(dispatch(handlers, 'settings.set', { lmpPath: missing, python3Path: good.program, confirmed: ['lmpPath', 'python3Path'] })).rejects.toThrow(missing);
    expect(readTrustStore()).toEqual([]);
    expect(await dispatch(handlers, 'settings.get', {})).toMatchObject({ lmpPath: 'lmp', unconfirmed: [] });
  });

  it('resolves a bare command name on PATH to its absolute path; the default needs no confirmation', async () => {
    await dispatch(handlers, 'project.create', { path: path.join(work, 'project') });
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    const lmp = markerProgram(bin, 'lmp_custom');
    process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;
    const saved = await dispatch(handlers, 'settings.set', { lmpPath: 'lmp_custom', confirmed: ['lmpPath'] });
    expect(saved.lmpPath).toBe(lmp.program);
    expect(readTrustStore()).toMatchObject([{ setting: 'lmpPath', path: lmp.program }]);
    // Back to the default: allowed without a confirmation, stored as the default name.
    expect(await dispatch(handlers, 'settings.set', { lmpPath: 'lmp' })).toMatchObject({ lmpPath: 'lmp', unconfirmed: [] });
  });
});
