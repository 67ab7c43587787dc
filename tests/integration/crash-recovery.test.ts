/**
 * A killed app and its label worker, as a user meets them: `ssro label` is SIGKILLed while its worker computes.
 * The worker must stop by itself within moments (not finish its seconds of numerics and then write), the next open
 * must find the job interrupted with its scratch folder gone, and nothing may appear in the project afterwards. When
 * the worker cannot stop by itself (here: it is stopped with SIGSTOP), the next open must kill it before it marks
 * the job. Uses the built CLI (`npx tsc -p tsconfig.json` first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../main/shared/domain';
import { lookAt } from '../../main/core/project/process-check';
import { orientedCrystal } from '../../native-workers/lib/builders/oriented-crystal';
import { mulberry32 } from '../../native-workers/lib/datasets/random-split';
import { writeLammpsData } from '../../native-workers/lib/structure-io/writers';
import { tempDir } from '../support/temp';

const bin = path.resolve('bin/ssro.js');
const A = 3.615; // Cu lattice parameter, Å
/** 4 × 32³ = 131 072 atoms: labelling takes 10 s or more here, far longer than a worker may linger. */
const CELLS = 32;

function ssro(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** FCC Cu with every atom displaced randomly (a deterministic seed), so every label stage has real work. */
function writeDisorderedFcc(file: string): number {
  const { structure } = orientedCrystal({ lattice: 'fcc', latticeA: A, repeats: [CELLS, CELLS, CELLS], element: 'Cu' });
  const random = mulberry32(11);
  const positions = structure.positions;
  for (let k = 0; k < positions.length; k++) positions[k] = (positions[k] as number) + (random() - 0.5) * 0.6;
  // Displacements may put atoms a hair outside the box; the reader wraps them back along the periodic axes.
  writeLammpsData(structure, file);
  return structure.ids.length;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface JobRow {
  id: number;
  state: string;
  worker_pid: number | null;
  message: string | null;
}

/** The newest label job's row, read without opening the project (an open would run recovery). */
function labelJobRow(dir: string): JobRow | null {
  const db = new Database(path.join(dir, 'project.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(`SELECT id, state, worker_pid, message FROM jobs WHERE kind = 'label' ORDER BY id DESC LIMIT 1`).get() as JobRow | undefined;
    return row ?? null;
  } finally {
    db.close();
  }
}

/** Starts `ssro label DIR 1` and resolves once its worker computes (a progress message is recorded). */
async function startLabelling(dir: string, previousJobId: number): Promise<{ cli: ChildProcess; jobId: number; workerPid: number }> {
  const cli = spawn(process.execPath, [bin, 'label', dir, '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(cli);
  let stderr = '';
  cli.stderr?.setEncoding('utf8');
  cli.stderr?.on('data', (chunk: string) => (stderr += chunk));
  for (let i = 0; i < 600; i++) {
    const row = labelJobRow(dir);
    if (row && row.id > previousJobId && row.state === 'running' && row.worker_pid !== null && row.message !== null) {
      workers.push(row.worker_pid);
      await sleep(800); // well inside the numerics
      return { cli, jobId: row.id, workerPid: row.worker_pid };
    }
    if (cli.exitCode !== null) throw new Error(`ssro label ended early (${cli.exitCode}): ${stderr}`);
    await sleep(50);
  }
  throw new Error(`the label job did not start computing: ${stderr}`);
}

async function killAndWait(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** Milliseconds until `pid` is gone (or a zombie), or null if it still runs after `limitMs`. */
async function goneWithin(pid: number, limitMs: number): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 <= limitMs) {
    if (!lookAt(pid).alive) return Date.now() - t0;
    await sleep(25);
  }
  return null;
}

function jobsJson(dir: string): JobSummary[] {
  const r = ssro('jobs', dir, '--json');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as JobSummary[];
}

/** Every file and folder below `dir`, relative. */
function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

const started: ChildProcess[] = [];
const workers: number[] = [];
const work = tempDir();
const project = path.join(work, 'p');

beforeAll(() => {
  expect(ssro('project', 'init', project).status).toBe(0);
  const file = path.join(work, 'fcc.data');
  writeDisorderedFcc(file);
  const imported = ssro('import', project, file);
  expect(imported.stderr).not.toMatch(/ssro:/);
  expect(imported.stdout.trim()).toBe('1');
});

afterAll(() => {
  // Never leave a stray process behind when an assertion failed half-way.
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of workers) {
    if (!lookAt(pid).alive) continue;
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
});

describe('a killed app and its label worker', () => {
  it('the worker stops by itself; the reopened project has the job interrupted and nothing is written after', async () => {
    const { cli, jobId, workerPid } = await startLabelling(project, 0);
    expect(fs.existsSync(path.join(project, 'scratch', `job-${jobId}`))).toBe(true);
    await killAndWait(cli);
    // The numerics have seconds to go; a worker that only listened for 'disconnect' would still be computing.
    const after = await goneWithin(workerPid, 3000);
    expect(after, 'the orphaned worker was still running 3 s after its app was killed').not.toBeNull();

    const job = jobsJson(project).find((j) => j.id === jobId);
    expect(job?.state).toBe('interrupted');
    expect(job?.error).toMatch(/stopped before it finished/);
    expect(fs.existsSync(path.join(project, 'scratch', `job-${jobId}`))).toBe(false);

    await sleep(3000);
    expect(listTree(path.join(project, 'scratch'))).toEqual([]);
    expect(listTree(path.join(project, 'labels'))).toEqual([]);
  });

  it('the next open kills a worker that could not stop by itself, then marks its job interrupted', async () => {
    const previous = labelJobRow(project)?.id ?? 0;
    const { cli, jobId, workerPid } = await startLabelling(project, previous);
    process.kill(workerPid, 'SIGSTOP'); // frozen: it cannot run its own checks
    await killAndWait(cli);
    await sleep(500);
    expect(lookAt(workerPid).alive).toBe(true);

    const job = jobsJson(project).find((j) => j.id === jobId);
    expect(await goneWithin(workerPid, 500), 'recovery left the stopped worker running').not.toBeNull();
    expect(job?.state).toBe('interrupted');
    expect(job?.error).toMatch(/its worker, still running, was stopped/);
    expect(fs.existsSync(path.join(project, 'scratch', `job-${jobId}`))).toBe(false);
    expect(listTree(path.join(project, 'labels'))).toEqual([]);
  });
});
