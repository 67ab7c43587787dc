/**
 * The parent check a worker makes while it computes: `process.ppid` must be read afresh (a live getppid), so a worker
 * in a synchronous loop, whose event loop never turns, still sees that its parent died and was replaced by a reaper.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ParentWatch } from '../../../native-workers/runtime/parent-watch';

describe('ParentWatch', () => {
  it('reports the parent gone once the parent pid it reads changes', () => {
    let ppid = 4242;
    const watch = new ParentWatch(() => ppid);
    expect(watch.parentAlive()).toBe(true);
    ppid = 1; // reparented to init
    expect(watch.parentAlive()).toBe(false);
  });

  it('uses the live process.ppid by default', () => {
    expect(new ParentWatch().parentAlive()).toBe(true);
  });

  it('sees, from inside a busy synchronous loop, that a SIGKILLed parent is gone (process.ppid is live in this Node)', async () => {
    // A middle process starts a leaf that spins without ever yielding, reading process.ppid as ParentWatch does; the
    // test kills the middle one and expects the leaf to notice and report within its own loop.
    const leaf = `
      const start = process.ppid;
      process.stdout.write('spinning\\n');
      const until = Date.now() + 20000;
      while (Date.now() < until) {
        if (process.ppid !== start) { process.stdout.write('parent gone\\n'); process.exit(0); }
      }
      process.stdout.write('still spinning\\n');
      process.exit(1);`;
    const middle = `
      const { spawn } = require('node:child_process');
      spawn(process.execPath, ['-e', ${JSON.stringify(leaf)}], { stdio: ['ignore', 'inherit', 'inherit'] });
      setInterval(() => {}, 1000);`;
    const started = Date.now();
    const mid = spawn(process.execPath, ['-e', middle], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const result = new Promise<string>((resolve) => {
      mid.stdout.setEncoding('utf8');
      // The leaf inherits the pipe, so its lines arrive here even after the middle process is dead.
      mid.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('spinning\n') && mid.exitCode === null && mid.signalCode === null) mid.kill('SIGKILL');
        if (out.includes('parent gone') || out.includes('still spinning')) resolve(out);
      });
    });
    const text = await result;
    expect(text).toContain('parent gone');
    expect(text).not.toContain('still spinning');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
