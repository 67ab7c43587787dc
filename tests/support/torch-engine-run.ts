/**
 * Running the PyTorch engine (native-workers/train/python/ssro_torch) from tests: its JSON-line events, success with
 * the engine's own words on failure, and the int8 split file the trainer reads.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { npyHeader } from '../../native-workers/lib/npy';

export const PYTHON = '/usr/bin/python3';
export const PY_DIR = path.resolve('native-workers/train/python');
export const ENGINE_ENV = { ...process.env, PYTHONPATH: PY_DIR, PYTHONDONTWRITEBYTECODE: '1' };

/** Whether this machine's Python can run the engine (torch, torchvision, numpy). */
export const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;

export interface EngineEvent {
  event: string;
  [key: string]: unknown;
}

export interface PyRun {
  status: number | null;
  /** The JSON objects printed on stdout, one per line. */
  events: EngineEvent[];
  stdout: string;
  stderr: string;
}

/** Runs python3 with `args` in the engine's folder. */
export function python(args: string[]): PyRun {
  const r = spawnSync(PYTHON, args, { cwd: PY_DIR, env: ENGINE_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const events = r.stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as EngineEvent);
  return { status: r.status, events, stdout: r.stdout, stderr: r.stderr };
}

export function only(run: PyRun, name: string): EngineEvent[] {
  return run.events.filter((e) => e.event === name);
}

export function errorMessage(run: PyRun): string {
  return String(only(run, 'error')[0]?.message ?? '');
}

/** Fails with the engine's own words when a run did not succeed. */
export function expectSuccess(run: PyRun): void {
  if (run.status !== 0) throw new Error(`python exited ${run.status}: ${errorMessage(run)}\n${run.stderr.slice(-3000)}`);
}

/** A one-dimensional int8 .npy (npy.ts has no int8; the split needs −1). */
export function writeInt8Npy(file: string, values: Int8Array): void {
  const header = npyHeader('<u1', [values.length]);
  const text = header.toString('latin1').replace("'<u1'", "'|i1'");
  fs.writeFileSync(file, Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
}
