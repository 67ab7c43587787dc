/** Waiting for a job the way the GUI does: polling `jobs.get` until it ends. */
import { dispatch, type Handlers } from '../../main/core/api/handlers';
import type { JobSummary } from '../../main/shared/domain';

const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** The job's summary once it has ended in any state; throws naming the job when it has not within `timeoutMs`. */
export async function waitForJob(handlers: Handlers, id: number, timeoutMs = 120_000): Promise<JobSummary> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const job = await dispatch(handlers, 'jobs.get', { id });
    if (ENDED.has(job.state)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not finish within ${timeoutMs / 1000} s`);
}
