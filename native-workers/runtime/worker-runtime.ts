/**
 * The worker side of the job protocol: waits for `start`, gives the job a context (throttled progress, log,
 * cancellation), and reports exactly one `result` or `error`. Any uncaught failure becomes an `error` message.
 * A worker whose app died exits at its next check, so it never writes into a project that was recovered meanwhile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobKind, ParentMessage, StartMessage, WorkerMessage } from '../../main/shared/job-protocol';
import { PROGRESS_INTERVAL_MS } from '../../main/shared/job-protocol';
import { ParentWatch } from './parent-watch';

export interface JobContext {
  jobId: number;
  projectDir: string;
  scratchDir: string;
  /** Reports progress 0 … 1; calls faster than ~4 Hz are coalesced (the last one always goes out). */
  progress(fraction: number, message?: string): void;
  log(line: string, level?: 'info' | 'warn' | 'error'): void;
  /** Appends rows to a live table the UI plots while the job runs (send batches, a few per second at most). */
  series(key: string, columns: string[], rows: number[][]): void;
  /** Whether the parent asked to cancel. Like progress() and throwIfCancelled(), exits at once if the app died. */
  isCancelled(): boolean;
  /** Throws JobCancelled when the parent asked to cancel; call it between units of work (at least every ~0.5 s). */
  throwIfCancelled(): void;
  /** Ends this process at once when the app that started it has died; call right before writing outputs. */
  exitIfOrphaned(): void;
  /**
   * Creates `name` inside the job's scratch folder and returns its path. Never creates the scratch folder itself:
   * if it is gone (the project was recovered after a crash), the job stops instead of writing.
   */
  stagingDir(name: string): string;
}

export class JobCancelled extends Error {
  /** The message becomes the job's error; say what was kept and how to continue when there is something to say. */
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'JobCancelled';
  }
}

export type JobHandler = (params: unknown, ctx: JobContext) => Promise<unknown> | unknown;

/** Exit code of a worker that stopped because its app died (nobody reads it; it tells a developer why). */
export const ORPHAN_EXIT_CODE = 3;
/** How often a waiting worker (event loop turning) checks its parent, besides the IPC 'disconnect' event. */
const ORPHAN_POLL_MS = 1000;

/** `scratchDir/name`, created without creating `scratchDir` (see JobContext.stagingDir). */
export function makeStagingDir(scratchDir: string, name: string): string {
  const dir = path.join(scratchDir, name);
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return dir;
    if (code === 'ENOENT') {
      throw new Error(
        `the job's scratch folder ${scratchDir} was removed while the job ran (the project was probably reopened ` +
          'after the app stopped); nothing was written — run the job again',
      );
    }
    throw new Error(`cannot create ${dir}: ${(error as Error).message}`);
  }
  return dir;
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Starts the worker loop for one job kind; call once from the kind's entry file. */
export function runWorker(kind: JobKind, handler: JobHandler): void {
  if (!process.send) {
    process.stderr.write(`the ${kind} worker must be started by the job manager (no IPC channel)\n`);
    process.exit(2);
  }
  let cancelled = false;
  let started = false;
  let lastSent = 0;
  let pending: WorkerMessage | null = null;
  let timer: NodeJS.Timeout | null = null;

  const flushProgress = (): void => {
    timer = null;
    if (pending) {
      void send(pending);
      pending = null;
      lastSent = Date.now();
    }
  };

  const fail = async (error: unknown): Promise<void> => {
    if (timer) clearTimeout(timer);
    const err = error instanceof Error ? error : new Error(String(error));
    if (err instanceof JobCancelled) {
      await send({ type: 'error', message: err.message });
    } else if (cancelled) {
      await send({ type: 'error', message: 'cancelled' });
    } else {
      await send({ type: 'error', message: err.message, detail: err.stack });
    }
    process.exit(1);
  };

  // A worker whose app died has no one to report to, and the next open of the project removes its scratch folder:
  // stop rather than run on as an orphan. 'disconnect' covers a waiting worker; the parent-pid check covers a
  // computing one (its event loop does not turn) at every progress, cancellation check and write.
  const parent = new ParentWatch();
  const exitIfOrphaned = (): void => {
    if (!parent.parentAlive()) process.exit(ORPHAN_EXIT_CODE);
  };
  process.on('disconnect', () => process.exit(ORPHAN_EXIT_CODE));
  setInterval(exitIfOrphaned, ORPHAN_POLL_MS).unref();
  process.on('uncaughtException', (error) => void fail(error));
  process.on('unhandledRejection', (error) => void fail(error));

  process.on('message', (raw: unknown) => {
    const message = raw as ParentMessage;
    if (message.type === 'cancel') {
      cancelled = true;
      return;
    }
    if (message.type !== 'start' || started) return;
    started = true;
    const start: StartMessage = message;
    const ctx: JobContext = {
      jobId: start.jobId,
      projectDir: start.projectDir,
      scratchDir: start.scratchDir,
      progress(fraction, text) {
        exitIfOrphaned();
        const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
        pending = text === undefined ? { type: 'progress', fraction: clamped } : { type: 'progress', fraction: clamped, message: text };
        const wait = PROGRESS_INTERVAL_MS - (Date.now() - lastSent);
        if (wait <= 0) flushProgress();
        else if (!timer) timer = setTimeout(flushProgress, wait);
      },
      log(line, level = 'info') {
        void send({ type: 'log', level, line });
      },
      series(key, columns, rows) {
        if (rows.length > 0) void send({ type: 'series', key, columns, rows });
      },
      isCancelled() {
        exitIfOrphaned();
        return cancelled;
      },
      throwIfCancelled() {
        exitIfOrphaned();
        if (cancelled) throw new JobCancelled();
      },
      exitIfOrphaned,
      stagingDir(name) {
        exitIfOrphaned();
        return makeStagingDir(start.scratchDir, name);
      },
    };
    void (async () => {
      try {
        const result = await handler(start.params, ctx);
        if (timer) clearTimeout(timer);
        flushProgress();
        await send({ type: 'result', result: result ?? null });
        process.exit(0);
      } catch (error) {
        await fail(error);
      }
    })();
  });
}
