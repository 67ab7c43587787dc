/** The job system with real worker processes (compiled by `npm run build`): progress, cancel, crash, recovery. */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../main/shared/domain';
import { JobManager } from '../../main/core/jobs/job-manager';
import { Project } from '../../main/core/project/project';
import { tempDir } from '../support/temp';

const open: { project: Project; jobs: JobManager }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.jobs.shutdown();
    o.project.close();
  }
});

function setup(maxConcurrent = 2): { project: Project; jobs: JobManager; updates: JobSummary[] } {
  const project = Project.create(path.join(tempDir(), 'p'));
  const jobs = new JobManager(project, { maxConcurrent });
  const updates: JobSummary[] = [];
  jobs.on('job.updated', (j) => updates.push(j));
  open.push({ project, jobs });
  return { project, jobs, updates };
}

const selftest = (over: Partial<{ steps: number; stepMs: number; crash: boolean; ignoreCancel: boolean }> = {}) => ({
  steps: 20,
  stepMs: 25,
  crash: false,
  ignoreCancel: false,
  ...over,
});

describe('job manager', () => {
  it('runs a worker to success with throttled, increasing progress and a log tail in the database', async () => {
    const { project, jobs, updates } = setup();
    const job = jobs.submit('selftest', selftest({ steps: 40, stepMs: 25 }));
    const final = await jobs.done(job.id);
    expect(final.state).toBe('succeeded');
    expect(final.progress).toBe(1);
    expect(final.startedAt).not.toBeNull();
    expect(final.finishedAt).not.toBeNull();
    const progress = updates.filter((u) => u.id === job.id && u.state === 'running' && u.progress !== null).map((u) => u.progress ?? 0);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    // 40 steps of 25 ms = 1 s of work: about 4 progress reports a second, far fewer than 40.
    expect(progress.length).toBeLessThan(20);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1] ?? 0);
    const stored = project.jobs.get(job.id);
    expect(stored.logTail).toContain('step 40');
    expect(stored.state).toBe('succeeded');
  });

  it('cancels a running job: the worker stops and the job ends cancelled', async () => {
    const { jobs } = setup();
    const job = jobs.submit('selftest', selftest({ steps: 1000, stepMs: 20 }));
    await new Promise((r) => setTimeout(r, 400));
    jobs.cancel(job.id);
    const final = await jobs.done(job.id);
    expect(final.state).toBe('cancelled');
    expect(final.progress ?? 0).toBeLessThan(0.5);
  });

  it('kills a worker that ignores cancel after the grace period', async () => {
    const { jobs } = setup();
    const job = jobs.submit('selftest', selftest({ steps: 1000, stepMs: 20, ignoreCancel: true }));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    jobs.cancel(job.id);
    const final = await jobs.done(job.id);
    expect(final.state).toBe('cancelled');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(final.logTail.join('\n')).toMatch(/did not stop within 2000 ms; killed/);
  });

  it('a worker that dies leaves its job failed with the reason, and the manager keeps working', async () => {
    const { jobs } = setup();
    const crashed = await jobs.done(jobs.submit('selftest', selftest({ steps: 10, stepMs: 10, crash: true })).id);
    expect(crashed.state).toBe('failed');
    expect(crashed.error).toMatch(/killed by SIGKILL/);
    const after = await jobs.done(jobs.submit('selftest', selftest({ steps: 3, stepMs: 5 })).id);
    expect(after.state).toBe('succeeded');
  });

  it('queues beyond the concurrency limit and cancels queued jobs before they start', async () => {
    const { jobs } = setup(1);
    const first = jobs.submit('selftest', selftest({ steps: 10, stepMs: 30 }));
    const second = jobs.submit('selftest', selftest({ steps: 2, stepMs: 5 }));
    const third = jobs.submit('selftest', selftest({ steps: 2, stepMs: 5 }));
    expect(second.state).toBe('queued');
    jobs.cancel(third.id);
    expect((await jobs.done(third.id)).state).toBe('cancelled');
    expect((await jobs.done(third.id)).startedAt).toBeNull();
    expect((await jobs.done(first.id)).state).toBe('succeeded');
    const s2 = await jobs.done(second.id);
    expect(s2.state).toBe('succeeded');
    expect(Date.parse(s2.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse((await jobs.done(first.id)).finishedAt ?? ''));
  });

  it('marks jobs of an app that was killed as interrupted on the next open', async () => {
    const dir = path.join(tempDir(), 'p');
    Project.create(dir).close();
    // A real app process that starts a long job and is then killed with SIGKILL.
    const script = `
      const { Project } = require(${JSON.stringify(path.resolve('dist/main/core/project/project.js'))});
      const { JobManager } = require(${JSON.stringify(path.resolve('dist/main/core/jobs/job-manager.js'))});
      const p = Project.open(${JSON.stringify(dir)});
      const jobs = new JobManager(p);
      jobs.submit('selftest', { steps: 10000, stepMs: 50, crash: false, ignoreCancel: false });
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 700);
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBe('SIGKILL');
    await new Promise((res) => setTimeout(res, 300)); // the orphaned worker notices its parent is gone
    const reopened = Project.open(dir);
    const [job] = reopened.jobs.list();
    expect(job?.state).toBe('interrupted');
    expect(job?.error).toMatch(/stopped before it finished/);
    reopened.close();
  });
});
