/**
 * Starts the PyTorch engine (the ssro_torch package in native-workers/train/python) with the user's Python, reads
 * its JSON-line events, and turns its failures (no Python, no torch, refused input) into sentences a user can act on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

/** What to do when Python or torch is missing, in the words every message uses. */
export const TORCH_INSTALL_HINT = 'install python3-torch python3-torchvision or set the Python path in the settings';

/** ssro_torch exit codes (ssro_torch/events.py). */
export const TORCH_EXIT = { ok: 0, failure: 1, refused: 2, noTorch: 3, cancelled: 143 } as const;

export interface TorchEvent {
  event: string;
  [key: string]: unknown;
}

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    // A packaged app's unpacked tree has no package.json of its own; it mirrors app.asar's root.
    if (path.basename(dir) === 'app.asar.unpacked') return dir;
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ssro-studio') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the SSRO Studio package root above ${start}`);
    dir = parent;
  }
}

/**
 * The folder holding the ssro_torch package. In a packaged app the package root is app.asar, which Python cannot
 * read: electron-builder.yml unpacks the package next to it, into app.asar.unpacked.
 */
export function ssroTorchDir(): string {
  const dir = path.join(findPackageRoot(__dirname), 'native-workers', 'train', 'python');
  return dir.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/** Environment for the engine: the package importable, no __pycache__ in the app folder, unbuffered output. */
export function torchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = ssroTorchDir();
  const inherited = process.env.PYTHONPATH;
  return {
    ...process.env,
    PYTHONPATH: inherited ? `${dir}${path.delimiter}${inherited}` : dir,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}

/**
 * Runs a module like `python -m`, after starting a thread that watches stdin: stdin is a pipe only our process holds,
 * so end-of-file means our process is gone (even by SIGKILL, which runs no exit handler). The engine then gets SIGTERM
 * (it stops at the next batch; checkpoints are written atomically) and, should that take long, exits 5 s later.
 */
const PARENT_WATCH = [
  'import os, runpy, signal, sys, threading, time',
  'def _parent_gone():',
  '    try:',
  '        while os.read(0, 65536):',
  '            pass',
  '    except OSError:',
  '        pass',
  '    os.kill(os.getpid(), signal.SIGTERM)',
  '    time.sleep(5)',
  '    os._exit(143)',
  'threading.Thread(target=_parent_gone, daemon=True).start()',
  'sys.argv = sys.argv[1:]',
  "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)",
].join('\n');

/** Arguments for `python3 …` that run `module` with `args` and die with their parent. */
export function torchModuleArgs(module: string, args: readonly string[]): string[] {
  return ['-c', PARENT_WATCH, module, ...args];
}

export interface TorchRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: TorchEvent[];
  /** The last stderr lines (tracebacks, warnings). */
  stderrTail: string[];
  /** Set when the process could not start at all (e.g. ENOENT: no such Python). */
  spawnError: NodeJS.ErrnoException | null;
}

export interface TorchProcess {
  child: ChildProcess;
  done: Promise<TorchRunResult>;
}

export interface SpawnTorchOptions {
  onEvent?: (event: TorchEvent) => void;
  onStderr?: (line: string) => void;
  /** Extra environment (e.g. OMP_NUM_THREADS). */
  env?: NodeJS.ProcessEnv;
  /** Keep every event in the result (default true; a long training run only needs the callbacks). */
  keepEvents?: boolean;
}

/** Starts `python -m module args` (see torchModuleArgs) in the package folder and follows its events. */
export function spawnTorch(python: string, module: string, args: readonly string[], options: SpawnTorchOptions = {}): TorchProcess {
  const child = spawn(python, torchModuleArgs(module, args), {
    cwd: ssroTorchDir(),
    env: torchEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: TorchEvent[] = [];
  const stderrTail: string[] = [];
  let spawnError: NodeJS.ErrnoException | null = null;
  const keep = options.keepEvents ?? true;
  // Our end of stdin stays open for the life of the process; a write error just means Python has exited.
  child.stdin?.on('error', () => undefined);
  const done = new Promise<TorchRunResult>((resolve) => {
    let closed = 0;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const finish = (): void => {
      if (exit === null || closed < 2) return;
      child.stdin?.destroy();
      resolve({ code: exit.code, signal: exit.signal, events, stderrTail, spawnError });
    };
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const trimmed = line.trim();
      if (!trimmed) return;
      let event: TorchEvent | null = null;
      try {
        const parsed = JSON.parse(trimmed) as unknown;
        if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { event?: unknown }).event === 'string') event = parsed as TorchEvent;
      } catch {
        // Not an event: ssro_torch keeps stdout for events, so this is stray output; treat it as a log line.
      }
      if (event === null) {
        options.onStderr?.(trimmed);
        return;
      }
      if (keep) events.push(event);
      options.onEvent?.(event);
    }).on('close', () => {
      closed++;
      finish();
    });
    readline.createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 80) stderrTail.shift();
      options.onStderr?.(line);
    }).on('close', () => {
      closed++;
      finish();
    });
    child.on('error', (error) => {
      spawnError = error as NodeJS.ErrnoException;
      exit ??= { code: null, signal: null };
      closed = 2;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      finish();
    });
  });
  return { child, done };
}

/** Runs a short engine command to its end (probe, export, predict). */
export function runTorch(python: string, module: string, args: readonly string[], options: SpawnTorchOptions = {}): Promise<TorchRunResult> {
  return spawnTorch(python, module, args, options).done;
}

/** The engine's own error message (its error event), if it sent one. */
export function torchErrorEvent(result: TorchRunResult): TorchEvent | null {
  return [...result.events].reverse().find((e) => e.event === 'error') ?? null;
}

/**
 * One sentence saying why a run failed: Python missing, torch missing, the engine's own refusal, or the tail of
 * its traceback.
 */
export function describeTorchFailure(python: string, result: TorchRunResult, errorMessage?: string | null): string {
  if (result.spawnError) {
    return result.spawnError.code === 'ENOENT'
      ? `Python was not found at "${python}"; ${TORCH_INSTALL_HINT}`
      : `Python at "${python}" could not start (${result.spawnError.message}); ${TORCH_INSTALL_HINT}`;
  }
  const stderr = result.stderrTail.join('\n');
  const missing = /No module named '(torch|torchvision|numpy)[^']*'/.exec(stderr)?.[1];
  if (result.code === TORCH_EXIT.noTorch || missing !== undefined) {
    return `${python} cannot import ${missing ?? 'torch'}; ${TORCH_INSTALL_HINT}`;
  }
  const message = errorMessage ?? (torchErrorEvent(result)?.message as string | undefined);
  if (typeof message === 'string' && message.length > 0) return message;
  const last = result.stderrTail.filter((l) => l.trim()).at(-1);
  const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code ?? 'unknown'}`;
  return `the PyTorch engine ${how}${last ? `: ${last.trim()}` : ''}`;
}
