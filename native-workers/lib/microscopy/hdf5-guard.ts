/**
 * A time limit on opening HDF5 files. A damaged HDF5 file can send the HDF5 library (h5wasm, synchronous
 * WebAssembly) into an endless loop while it reads object headers or attributes — seen on a file with one header
 * word zeroed. In the app's own process that would block every request; so before an HDF5 file is opened for real,
 * a worker thread opens it and reads its first frame, and a thread that has not finished in time is terminated
 * (V8 interrupts WebAssembly loops) and the file refused. A good file costs one extra header read (milliseconds).
 *
 * The thread script is the compiled hdf5-guard-thread.js beside this module; where it is absent (TypeScript run
 * directly by the test runner) the guard cannot run and the open goes ahead unguarded, as preprocess-pool does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MicroscopyFileError, type OpenOptions } from './frame-source';
import type { GuardReply, GuardRequest } from './hdf5-guard-thread';

const SCRIPT = path.join(__dirname, 'hdf5-guard-thread.js');
/**
 * Opening a good file takes milliseconds to a second (a remote disk); 20 s is a damaged file, not a slow one.
 * SSRO_HDF5_OPEN_TIMEOUT_MS sets another limit (tests use a short one).
 */
export const HDF5_OPEN_TIMEOUT_MS = positiveEnv('SSRO_HDF5_OPEN_TIMEOUT_MS') ?? 20_000;

function positiveEnv(name: string): number | null {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : null;
}

export function hdf5GuardAvailable(): boolean {
  return fs.existsSync(SCRIPT);
}

function isGuardReply(value: unknown): value is GuardReply {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'ok' || (kind === 'error' && typeof (value as { message?: unknown }).message === 'string');
}

/**
 * Files (path, size, modification time, dataset) that passed the check in this process: the GUI opens the same file
 * for every thumbnail and preview, and a check costs ~0.25 s (a thread loading h5wasm). A changed file is checked again.
 */
const passed = new Set<string>();

function fileKey(file: string, options: OpenOptions): string | null {
  try {
    const stat = fs.statSync(file);
    return `${file}\0${stat.size}\0${stat.mtimeMs}\0${options.datasetPath ?? ''}`;
  } catch {
    return null;
  }
}

/** Resolves when the file opens and reads in time; rejects with the reader's error or a timeout naming the file. */
export async function guardHdf5Open(file: string, options: OpenOptions, timeoutMs = HDF5_OPEN_TIMEOUT_MS): Promise<void> {
  if (!hdf5GuardAvailable()) return;
  const key = fileKey(file, options);
  if (key !== null && passed.has(key)) return;
  await checkInThread(file, options, timeoutMs);
  if (key !== null) passed.add(key);
}

function checkInThread(file: string, options: OpenOptions, timeoutMs: number): Promise<void> {
  const request: GuardRequest = { file, options };
  return new Promise((resolve, reject) => {
    const worker = new Worker(SCRIPT, { workerData: request, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    let settled = false;
    const settle = (outcome: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (outcome) reject(outcome);
      else resolve();
    };
    const timer = setTimeout(() => {
      settle(
        new MicroscopyFileError(
          file,
          `the HDF5 library did not finish reading the file's structure within ${timeoutMs / 1000} s; the file is probably damaged (check it with h5dump or h5py)`,
        ),
      );
    }, timeoutMs);
    worker.on('message', (reply: unknown) => {
      if (!isGuardReply(reply)) return settle(new MicroscopyFileError(file, 'the HDF5 check answered nonsense'));
      // The reader's own message already names the file.
      settle(reply.kind === 'ok' ? null : new Error(reply.message));
    });
    worker.on('error', (error) => settle(new MicroscopyFileError(file, `the HDF5 check failed: ${error.message}`)));
    worker.on('exit', (code) => settle(code === 0 ? null : new MicroscopyFileError(file, `the HDF5 check stopped (exit code ${code}); the file is probably damaged`)));
  });
}
