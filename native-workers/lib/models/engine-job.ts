/**
 * Runs one PyTorch engine command inside a job (train and sweep workers): spawns it, forwards its events, stops it
 * on cancel (SIGTERM, then SIGKILL after a grace period; the engine's checkpoints are atomic, so a long batch is not
 * waited for) and takes it down if the worker itself exits.
 */
import type { JobContext } from '../../runtime/worker-runtime';
import { spawnTorch, type TorchEvent, type TorchRunResult } from './torch-engine';

/** After SIGTERM the engine stops at the next batch; a long batch is not waited for (checkpoints are atomic). */
const TERM_GRACE_MS = 1000;

export interface EngineJobOutcome {
  result: TorchRunResult;
  /** The job was cancelled while the engine ran (the engine was stopped). */
  cancelled: boolean;
}

export async function runEngineInJob(
  python3Path: string,
  module: string,
  args: readonly string[],
  ctx: JobContext,
  onEvent: (event: TorchEvent) => void,
): Promise<EngineJobOutcome> {
  const run = spawnTorch(python3Path, module, args, {
    onEvent,
    onStderr: (line) => {
      if (line.trim()) ctx.log(line);
    },
    keepEvents: false,
  });
  // The worker may end abruptly (uncaught error, process.exit): take Python with it.
  const killPython = (): void => {
    run.child.kill('SIGKILL');
  };
  process.once('exit', killPython);
  let cancelled = false;
  let killTimer: NodeJS.Timeout | null = null;
  const poll = setInterval(() => {
    if (cancelled || !ctx.isCancelled()) return;
    cancelled = true;
    run.child.kill('SIGTERM');
    killTimer = setTimeout(() => run.child.kill('SIGKILL'), TERM_GRACE_MS);
  }, 100);
  try {
    return { result: await run.done, cancelled };
  } finally {
    clearInterval(poll);
    if (killTimer) clearTimeout(killTimer);
    process.removeListener('exit', killPython);
  }
}
