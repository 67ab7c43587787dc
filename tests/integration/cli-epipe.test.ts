/**
 * `ssro jobs P | head -1`: a reader that closes the pipe early must end the command quietly with status 0, not with
 * an EPIPE stack trace. Uses the built CLI (`npx tsc -p tsconfig.json` first).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../main/core/project/project';
import { tempDir } from '../support/temp';

const bin = path.resolve('bin/ssro.js');
const dir = path.join(tempDir(), 'p');

beforeAll(() => {
  // Enough finished jobs, each with a log tail, for the JSON listing to fill the pipe many times over.
  const project = Project.create(dir);
  const logTail = Array.from({ length: 40 }, (_, k) => `step ${k}: ${'x'.repeat(60)}`);
  for (let i = 0; i < 400; i++) {
    const job = project.jobs.create('import', { path: `/data/structure-${i}.data` });
    project.jobs.finish(job.id, 'failed', { error: `structure-${i}.data: line 12 is not an atom line`, logTail });
  }
  project.close();
});

/** Runs `ssro ...args`, destroys our end of its stdout after the first chunk, and returns status and stderr. */
function readFirstChunkOnly(...args: string[]): Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; firstChunk: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let firstChunk = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.stdout.once('data', (chunk: Buffer) => {
      firstChunk = chunk.toString('utf8');
      child.stdout.destroy(); // as `head` does once it has its line
    });
    child.on('close', (status, signal) => resolve({ status, signal, stderr, firstChunk }));
  });
}

describe('ssro with a reader that closes the pipe early', () => {
  it('jobs --json: exits 0 with nothing on stderr', async () => {
    const r = await readFirstChunkOnly('jobs', dir, '--json', '--limit', '400');
    expect(r.firstChunk.startsWith('[')).toBe(true);
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });

  it('jobs (table, one write per row): exits 0 with nothing on stderr', async () => {
    const r = await readFirstChunkOnly('jobs', dir, '--limit', '400');
    expect(r.firstChunk).toMatch(/^id\s+kind/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
