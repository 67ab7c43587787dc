/**
 * The one protocol between the job manager and a worker process: the parent sends `start` then maybe `cancel`;
 * the worker answers with throttled `progress`, `log` lines, and exactly one `result` or `error`.
 */
import type { ArtifactRef } from './domain';

export const JOB_KINDS = ['import', 'label', 'diffract', 'simulate', 'train', 'predict', 'sweep', 'map', 'rmc', 'selftest'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface StartMessage {
  type: 'start';
  jobId: number;
  kind: JobKind;
  params: unknown;
  /** The project folder; workers write their outputs below it and return paths, never heavy arrays. */
  projectDir: string;
  /** A scratch folder inside the project that the job owns; removed when the job ends. */
  scratchDir: string;
}

export interface CancelMessage {
  type: 'cancel';
}

export type ParentMessage = StartMessage | CancelMessage;

export interface ProgressMessage {
  type: 'progress';
  /** 0 … 1 */
  fraction: number;
  message?: string;
}

export interface LogMessage {
  type: 'log';
  level: 'info' | 'warn' | 'error';
  line: string;
}

export interface ResultMessage {
  type: 'result';
  result: unknown;
}

export interface ErrorMessage {
  type: 'error';
  message: string;
  /** Stack or engine output that helps a developer; the message alone must make sense to a user. */
  detail?: string;
}

/** Rows of a live table (e.g. LAMMPS thermo output) for plots while the job runs; appended in order. */
export interface SeriesMessage {
  type: 'series';
  key: string;
  columns: string[];
  rows: number[][];
}

export type WorkerMessage = ProgressMessage | LogMessage | ResultMessage | ErrorMessage | SeriesMessage;

/** Progress faster than this is coalesced by the worker runtime (about 4 Hz). */
export const PROGRESS_INTERVAL_MS = 250;
/** After `cancel`, a worker that has not exited within this time is killed. */
export const CANCEL_GRACE_MS = 2000;
/** Lines of log kept with a job in the project database. */
export const LOG_TAIL_LINES = 200;

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const t = (value as { type?: unknown }).type;
  return t === 'progress' || t === 'log' || t === 'result' || t === 'error' || t === 'series';
}

/** What an import job returns: the finished structure folder (in scratch) and its metadata. */
export interface ImportResult {
  stagedDir: string;
  outputs?: ArtifactRef[];
}
