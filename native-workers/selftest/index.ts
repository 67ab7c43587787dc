/**
 * The `selftest` job: counts through steps with progress and log lines, optionally crashing hard or ignoring
 * cancel. It exercises the job system end to end (tests, and the GUI's diagnostics) without any science.
 */
import { runWorker } from '../runtime/worker-runtime';

interface SelftestParams {
  steps: number;
  stepMs: number;
  crash: boolean;
  ignoreCancel: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

runWorker('selftest', async (raw, ctx) => {
  const params = raw as SelftestParams;
  for (let step = 1; step <= params.steps; step++) {
    if (!params.ignoreCancel) ctx.throwIfCancelled();
    await sleep(params.stepMs);
    ctx.progress(step / params.steps, `step ${step} of ${params.steps}`);
    ctx.log(`step ${step}`);
    if (params.crash && step === Math.ceil(params.steps / 2)) {
      // A hard death, as when a native library segfaults or the OOM killer strikes: no message, no clean-up.
      process.kill(process.pid, 'SIGKILL');
    }
  }
  return { steps: params.steps };
});
