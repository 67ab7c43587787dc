/**
 * What the next open of a project does with jobs whose app is gone (JobsRepo.markOrphansInterrupted): pids are
 * recycled, so a live pid alone proves nothing; a worker that still runs is killed before its job is marked.
 * Linux only (identity comes from /proc); elsewhere recovery knows liveness alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Project } from '../../../main/core/project/project';
import { lookAt, looksLikeOurApp, looksLikeOurWorker } from '../../../main/core/project/process-check';
import { tempDir } from '../../support/temp';

const linux = process.platform === 'linux';
const children: ChildProcess[] = [];
const strays: number[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of strays) if (lookAt(pid).alive) process.kill(pid, 'SIGKILL');
});

function startProcess(command: string, args: string[]): number {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return child.pid;
}

/** A pid that just ended (free until the kernel hands it out again, far later). */
function deadPid(): number {
  const r = spawnSync('true');
  if (r.pid === undefined) throw new Error('could not run true');
  return r.pid;
}

/** A file at …/native-workers/<kind>/index.js that waits forever. */
function fakeWorkerFile(kind: string): string {
  const dir = path.join(tempDir(), 'dist', 'native-workers', kind);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.js'), 'setInterval(() => {}, 1000);\n');
  return path.join(dir, 'index.js');
}

/** A stand-in worker, a child of this process, running a fakeWorkerFile. */
function fakeWorker(kind: string): number {
  return startProcess(process.execPath, [fakeWorkerFile(kind)]);
}

/** A project with one running label job owned by `ownerPid` with worker `workerPid`; returns its folder and id. */
function projectWithJob(ownerPid: number | null, workerPid: number | null): { dir: string; id: number } {
  const dir = path.join(tempDir(), 'p');
  const project = Project.create(dir);
  const job = project.jobs.create('label', { structureId: 1 });
  project.jobs.markRunning(job.id, workerPid);
  project.db.prepare('UPDATE jobs SET owner_pid = ? WHERE id = ?').run(ownerPid, job.id);
  fs.mkdirSync(project.scratchDir(job.id), { recursive: true });
  project.close();
  return { dir, id: job.id };
}

function reopen(dir: string, id: number): { state: string; error: string | null; scratch: boolean } {
  const project = Project.open(dir);
  try {
    const job = project.jobs.get(id);
    return { state: job.state, error: job.error, scratch: fs.existsSync(project.scratchDir(id)) };
  } finally {
    project.close();
  }
}

async function waitUntilGone(pid: number, limitMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < limitMs) {
    if (!lookAt(pid).alive) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe.runIf(linux)('process identity from /proc', () => {
  it('tells our app and our workers from strangers, and a finished process from a live one', () => {
    expect(looksLikeOurApp(lookAt(process.pid))).toBe(true);
    const stranger = lookAt(startProcess('sleep', ['30']));
    expect(stranger.alive).toBe(true);
    expect(looksLikeOurApp(stranger)).toBe(false);
    expect(looksLikeOurWorker(stranger, 'label')).toBe(false);
    const worker = lookAt(fakeWorker('label'));
    expect(looksLikeOurWorker(worker, 'label')).toBe(true);
    expect(looksLikeOurWorker(worker, 'import')).toBe(false);
    expect(lookAt(deadPid()).alive).toBe(false);
  });
});

describe.runIf(linux)('recovery of jobs whose app is gone', () => {
  it('leaves a job alone while a live app of ours owns it', () => {
    const owner = startProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const { dir, id } = projectWithJob(owner, null);
    expect(reopen(dir, id)).toMatchObject({ state: 'running', scratch: true });
  });

  it('treats an owner pid now used by another program (recycled) as gone', () => {
    const { dir, id } = projectWithJob(startProcess('sleep', ['30']), null);
    expect(reopen(dir, id)).toMatchObject({ state: 'interrupted', scratch: false });
  });

  it('treats an owner that has exited but not yet been reaped (a zombie, right after a crash) as gone', async () => {
    // Python forks a child that exits at once and never reaps it (no SIGCHLD handler, no wait): the child stays a
    // zombie, as a killed app does until its parent collects it. (A shell may reap its background job itself.)
    const script = 'import os, sys, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)\n';
    const shell = spawn(fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(shell);
    const zombie = await new Promise<number>((resolve) => shell.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    for (let i = 0; i < 100 && lookAt(zombie).alive; i++) await new Promise((r) => setTimeout(r, 20));
    expect(() => process.kill(zombie, 0)).not.toThrow(); // signal 0 alone would call it alive
    const { dir, id } = projectWithJob(zombie, null);
    expect(reopen(dir, id)).toMatchObject({ state: 'interrupted', scratch: false });
  });

  it('kills a worker of a dead app that still runs, then marks the job and removes its scratch folder', async () => {
    const worker = fakeWorker('label');
    const { dir, id } = projectWithJob(deadPid(), worker);
    const t0 = Date.now();
    const after = reopen(dir, id);
    expect(Date.now() - t0).toBeLessThan(3500); // bounded: recovery waits at most 3 s for a worker
    expect(after.state).toBe('interrupted');
    expect(after.error).toMatch(/its worker, still running, was stopped/);
    expect(after.scratch).toBe(false);
    expect(await waitUntilGone(worker, 1000)).toBe(true);
  });

  it('leaves a job recorded with our own pid alone when its worker is our child (the project opened twice)', () => {
    const worker = fakeWorker('label');
    const { dir, id } = projectWithJob(process.pid, worker);
    expect(reopen(dir, id)).toMatchObject({ state: 'running', scratch: true });
    expect(lookAt(worker).alive).toBe(true);
  });

  it('treats our own pid as an earlier app with that pid when the worker is not our child, and kills the worker', async () => {
    // Started through a shell that exits at once: the worker is then nobody's child here, like an earlier app's.
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${fakeWorkerFile('label')}" >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' });
    const worker = Number(r.stdout.trim());
    strays.push(worker);
    expect(lookAt(worker).alive).toBe(true);
    const { dir, id } = projectWithJob(process.pid, worker);
    expect(reopen(dir, id)).toMatchObject({ state: 'interrupted', scratch: false });
    expect(await waitUntilGone(worker, 1000)).toBe(true);
  });

  it('never kills a recorded worker pid that now belongs to another program', () => {
    const stranger = startProcess('sleep', ['30']);
    const { dir, id } = projectWithJob(deadPid(), stranger);
    expect(reopen(dir, id)).toMatchObject({ state: 'interrupted', scratch: false });
    expect(lookAt(stranger).alive).toBe(true);
  });
});
