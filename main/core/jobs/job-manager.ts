/**
 * Runs jobs: one worker process per job, the start/progress/log/result/error/cancel protocol, every state change
 * recorded in the project database and announced to listeners. A worker that dies fails its job, never the app.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import type { ArtifactRef, JobState, JobSummary } from '../../shared/domain';
import {
  CANCEL_GRACE_MS,
  LOG_TAIL_LINES,
  isWorkerMessage,
  type JobKind,
  type StartMessage,
  type WorkerMessage,
} from '../../shared/job-protocol';
import { workerEntry } from '../paths';
import type { Project } from '../project/project';

/** Runs in the parent when a worker succeeds: moves its outputs into the project and names them. */
export type Finalizer = (job: JobSummary, result: unknown) => ArtifactRef[];

/** Runs in the parent when a job ends without success (failed or cancelled), e.g. to mark a kept run resumable. */
export type Unfinisher = (job: JobSummary) => void;

interface Running {
  job: JobSummary;
  child: ChildProcess;
  logTail: string[];
  progress: number | null;
  message: string | null;
  cancelRequested: boolean;
  killTimer: NodeJS.Timeout | null;
  outcome: { kind: 'result'; result: unknown } | { kind: 'error'; message: string; detail?: string } | null;
  lastWrite: number;
  done: Promise<JobSummary>;
  /** Live tables by key (kept while the job runs, for UIs that connect mid-run). */
  series: Map<string, JobSeries>;
}

/** A live table of a running job, e.g. LAMMPS thermo output. */
export interface JobSeries {
  key: string;
  columns: string[];
  rows: number[][];
}

/** Rows kept per live table; older rows are thinned (every other one dropped) beyond this. */
const MAX_SERIES_ROWS = 20_000;

export interface JobManagerOptions {
  /** Jobs running at once; the rest wait queued. Default: 2 (one per core here). */
  maxConcurrent?: number;
  finalizers?: Partial<Record<JobKind, Finalizer>>;
  unfinishers?: Partial<Record<JobKind, Unfinisher>>;
}

export interface JobManagerEvents {
  'job.updated': [JobSummary];
  'job.series': [{ jobId: number; key: string; columns: string[]; rows: number[][] }];
}

export class JobManager extends EventEmitter<JobManagerEvents> {
  private readonly running = new Map<number, Running>();
  private readonly queue: { id: number; kind: JobKind; params: unknown; resolve: (j: JobSummary) => void }[] = [];
  private readonly waiters = new Map<number, Promise<JobSummary>>();
  private readonly maxConcurrent: number;
  private readonly finalizers: Partial<Record<JobKind, Finalizer>>;
  private readonly unfinishers: Partial<Record<JobKind, Unfinisher>>;
  private closed = false;

  constructor(
    private readonly project: Project,
    options: JobManagerOptions = {},
  ) {
    super();
    this.maxConcurrent = options.maxConcurrent ?? 2;
    this.finalizers = options.finalizers ?? {};
    this.unfinishers = options.unfinishers ?? {};
  }

  /** Records a job and starts it (or queues it). Resolves `done(id)` when it ends in any state. */
  submit(kind: JobKind, params: unknown, inputs: ArtifactRef[] = []): JobSummary {
    if (this.closed) throw new Error('the job manager is shut down');
    workerEntry(kind); // fail now, not later, when the worker is not built
    const job = this.project.jobs.create(kind, params, inputs);
    const done = new Promise<JobSummary>((resolve) => this.queue.push({ id: job.id, kind, params, resolve }));
    this.waiters.set(job.id, done);
    this.emit('job.updated', job);
    this.pump();
    return job;
  }

  /** Resolves with the job's final summary. */
  done(id: number): Promise<JobSummary> {
    const waiter = this.waiters.get(id);
    if (waiter) return waiter;
    return Promise.resolve(this.project.jobs.get(id));
  }

  cancel(id: number): JobSummary {
    const queued = this.queue.findIndex((q) => q.id === id);
    if (queued >= 0) {
      const [entry] = this.queue.splice(queued, 1);
      this.project.jobs.finish(id, 'cancelled', { error: 'cancelled before it started', logTail: [] });
      const job = this.project.jobs.get(id);
      this.unfinished(job);
      this.emit('job.updated', job);
      entry?.resolve(job);
      return job;
    }
    const run = this.running.get(id);
    if (!run) return this.project.jobs.get(id);
    if (!run.cancelRequested) {
      run.cancelRequested = true;
      run.logTail.push('cancel requested');
      if (run.child.connected) run.child.send({ type: 'cancel' });
      run.killTimer = setTimeout(() => {
        run.logTail.push(`worker did not stop within ${CANCEL_GRACE_MS} ms; killed`);
        run.child.kill('SIGKILL');
      }, CANCEL_GRACE_MS);
    }
    return this.project.jobs.get(id);
  }

  /** The live table `key` of a running job, or null when the job is not running or has none. */
  series(id: number, key: string): JobSeries | null {
    const table = this.running.get(id)?.series.get(key);
    return table ? { key: table.key, columns: table.columns, rows: [...table.rows] } : null;
  }

  activeCount(): number {
    return this.running.size + this.queue.length;
  }

  /** Cancels everything (used when the project closes or the app quits) and waits for the workers to end. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const q of [...this.queue]) this.cancel(q.id);
    const pending = [...this.running.values()].map((r) => r.done);
    for (const id of [...this.running.keys()]) this.cancel(id);
    await Promise.all(pending);
  }

  private pump(): void {
    while (this.running.size < this.maxConcurrent && this.queue.length > 0) {
      const next = this.queue.shift();
      if (next) this.launch(next.id, next.kind, next.params, next.resolve);
    }
  }

  private launch(id: number, kind: JobKind, params: unknown, resolve: (job: JobSummary) => void): void {
    const scratchDir = this.project.scratchDir(id);
    let child: ChildProcess;
    try {
      fs.mkdirSync(scratchDir, { recursive: true });
      child = fork(workerEntry(kind), [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'advanced',
        // Under Electron, fork() runs Electron's binary: this makes it a plain Node process.
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      });
    } catch (error) {
      this.project.jobs.finish(id, 'failed', { error: `could not start the worker: ${(error as Error).message}`, logTail: [] });
      const job = this.project.jobs.get(id);
      this.unfinished(job);
      this.emit('job.updated', job);
      resolve(job);
      return;
    }
    this.project.jobs.markRunning(id, child.pid ?? null);
    const run: Running = {
      job: this.project.jobs.get(id),
      child,
      logTail: [],
      progress: 0,
      message: null,
      cancelRequested: false,
      killTimer: null,
      outcome: null,
      lastWrite: 0,
      series: new Map(),
      done: Promise.resolve(null as unknown as JobSummary),
    };
    run.done = new Promise<JobSummary>((settle) => {
      child.on('exit', (code, signal) => {
        const job = this.conclude(run, code, signal);
        settle(job);
        resolve(job);
      });
    });
    this.running.set(id, run);
    this.emit('job.updated', run.job);

    const appendLog = (line: string): void => {
      run.logTail.push(line);
      if (run.logTail.length > LOG_TAIL_LINES) run.logTail.splice(0, run.logTail.length - LOG_TAIL_LINES);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) appendLog(line);
      });
    }
    child.on('message', (raw: unknown) => {
      if (!isWorkerMessage(raw)) return;
      const message: WorkerMessage = raw;
      switch (message.type) {
        case 'progress':
          run.progress = message.fraction;
          if (message.message !== undefined) run.message = message.message;
          this.persistProgress(run, false);
          break;
        case 'log':
          appendLog(message.level === 'info' ? message.line : `${message.level}: ${message.line}`);
          this.persistProgress(run, false);
          break;
        case 'series': {
          let table = run.series.get(message.key);
          if (!table || table.columns.join() !== message.columns.join()) {
            table = { key: message.key, columns: message.columns, rows: [] };
            run.series.set(message.key, table);
          }
          table.rows.push(...message.rows);
          if (table.rows.length > MAX_SERIES_ROWS) table.rows = table.rows.filter((_, i) => i % 2 === 0);
          this.emit('job.series', { jobId: id, key: message.key, columns: message.columns, rows: message.rows });
          break;
        }
        case 'result':
          run.outcome = { kind: 'result', result: message.result };
          break;
        case 'error':
          run.outcome = message.detail
            ? { kind: 'error', message: message.message, detail: message.detail }
            : { kind: 'error', message: message.message };
          break;
      }
    });
    child.on('error', (error) => appendLog(`worker error: ${error.message}`));
    const start: StartMessage = { type: 'start', jobId: id, kind, params, projectDir: this.project.dir, scratchDir };
    child.send(start);
  }

  /** Progress reaches the database at most every 250 ms per job (the worker already throttles to ~4 Hz). */
  private persistProgress(run: Running, force: boolean): void {
    const now = Date.now();
    if (!force && now - run.lastWrite < 250) return;
    run.lastWrite = now;
    this.project.jobs.updateProgress(run.job.id, run.progress, run.message, run.logTail);
    this.emit('job.updated', this.project.jobs.get(run.job.id));
  }

  private conclude(run: Running, code: number | null, signal: NodeJS.Signals | null): JobSummary {
    const id = run.job.id;
    if (run.killTimer) clearTimeout(run.killTimer);
    this.running.delete(id);
    let state: JobState;
    let error: string | null = null;
    let outputs: ArtifactRef[] = [];
    if (run.outcome?.kind === 'result' && code === 0) {
      try {
        const finalize = this.finalizers[run.job.kind as JobKind];
        outputs = finalize ? finalize(run.job, run.outcome.result) : [];
        state = 'succeeded';
      } catch (e) {
        state = 'failed';
        error = `the result could not be saved in the project: ${(e as Error).message}`;
      }
    } else if (run.cancelRequested) {
      state = 'cancelled';
      // A worker may say what its cancel kept (e.g. a training run's saved epochs); otherwise just 'cancelled'.
      error = run.outcome?.kind === 'error' && run.outcome.message.startsWith('cancelled') ? run.outcome.message : 'cancelled';
    } else if (run.outcome?.kind === 'error') {
      state = 'failed';
      error = run.outcome.message;
      if (run.outcome.detail) run.logTail.push(run.outcome.detail);
    } else {
      state = 'failed';
      error = signal
        ? `the worker was killed by ${signal} before it finished`
        : `the worker exited with code ${code ?? 'unknown'} before it finished`;
    }
    if (run.logTail.length > LOG_TAIL_LINES) run.logTail.splice(0, run.logTail.length - LOG_TAIL_LINES);
    this.project.jobs.updateProgress(id, run.progress, run.message, run.logTail);
    this.project.jobs.finish(id, state, { error, logTail: run.logTail, outputs });
    fs.rmSync(this.project.scratchDir(id), { recursive: true, force: true });
    const job = this.project.jobs.get(id);
    if (state !== 'succeeded') this.unfinished(job);
    this.emit('job.updated', job);
    this.pump();
    return job;
  }

  private unfinished(job: JobSummary): void {
    try {
      this.unfinishers[job.kind as JobKind]?.(job);
    } catch (error) {
      // The job's own outcome is already recorded; a failing clean-up must not take the app down.
      process.stderr.write(`after job ${job.id}: ${(error as Error).message}\n`);
    }
  }
}
