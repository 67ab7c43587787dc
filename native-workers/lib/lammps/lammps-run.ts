/**
 * Runs `lmp -in in.lammps` in a folder and follows its output: parsed events go to a callback as they arrive,
 * a cancel request stops LAMMPS (SIGTERM, then SIGKILL), and a failure is reported with LAMMPS's own ERROR line.
 */
import { spawn } from 'node:child_process';
import { LammpsOutputParser, type LammpsEvent } from './output-parser';

export interface LammpsRunOptions {
  lmpPath: string;
  cwd: string;
  inputFile: string;
  logFile: string;
  onEvent: (event: LammpsEvent) => void;
  /** Polled a few times a second; true stops the run. */
  isCancelled: () => boolean;
  /** Extra environment, e.g. OMP_NUM_THREADS. */
  env?: NodeJS.ProcessEnv;
}

export interface LammpsRunResult {
  version: string | null;
  wallSeconds: number;
}

export class LammpsFailed extends Error {
  constructor(
    message: string,
    readonly errorLine: string | null,
    readonly tail: string[],
  ) {
    super(message);
    this.name = 'LammpsFailed';
  }
}

export class LammpsCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'LammpsCancelled';
  }
}

export function runLammps(options: LammpsRunOptions): Promise<LammpsRunResult> {
  const started = Date.now();
  const parser = new LammpsOutputParser();
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    const child = spawn(options.lmpPath, ['-in', options.inputFile, '-log', options.logFile, '-nocite'], {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: '1', ...options.env },
    });
    let cancelled = false;
    let killTimer: NodeJS.Timeout | null = null;
    const poll = setInterval(() => {
      if (!cancelled && options.isCancelled()) {
        cancelled = true;
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), 1000);
      }
    }, 100);
    // Our worker may be killed outright; take LAMMPS with us rather than leave it running.
    const killChild = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killChild);
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > 60) tail.shift();
      const event = parser.feed(line);
      if (event) options.onEvent(event);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
      stream.on('end', () => {
        if (buffered) onLine(buffered);
        buffered = '';
      });
    }
    child.on('error', (error) => {
      clearInterval(poll);
      process.removeListener('exit', killChild);
      const code = (error as NodeJS.ErrnoException).code;
      reject(
        new LammpsFailed(
          code === 'ENOENT' ? `LAMMPS was not found at "${options.lmpPath}"; install Debian's lammps package or set the LAMMPS path in the settings` : `LAMMPS could not start: ${error.message}`,
          null,
          tail,
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      if (killTimer) clearTimeout(killTimer);
      process.removeListener('exit', killChild);
      if (cancelled) return reject(new LammpsCancelled());
      if (code === 0 && parser.errorLine === null) return resolve({ version: parser.version, wallSeconds: (Date.now() - started) / 1000 });
      const why = parser.errorLine ?? (signal ? `LAMMPS was killed by ${signal}` : `LAMMPS exited with code ${code ?? 'unknown'} without an ERROR line`);
      reject(new LammpsFailed(`LAMMPS stopped: ${why}`, parser.errorLine, tail));
    });
  });
}
