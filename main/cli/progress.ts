/** A job's progress as a bar on stderr (stdout stays clean for ids and data), via cli-progress. */
import { SingleBar, Presets } from 'cli-progress';
import type { JobSummary } from '../shared/domain';
import type { JobManager } from '../core/jobs/job-manager';

/** Follows a job to its end, drawing a bar; resolves with the final summary. Ctrl-C cancels the job. */
export async function followJob(jobs: JobManager, job: JobSummary, label: string): Promise<JobSummary> {
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {message}`,
      hideCursor: true,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 1000,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  bar.start(100, 0, { message: 'queued' });
  const onUpdate = (update: JobSummary): void => {
    if (update.id !== job.id) return;
    bar.update(Math.round((update.progress ?? 0) * 100), { message: update.message ?? update.state });
  };
  jobs.on('job.updated', onUpdate);
  const onSigint = (): void => {
    process.stderr.write('\ncancelling…\n');
    jobs.cancel(job.id);
  };
  process.once('SIGINT', onSigint);
  try {
    const final = await jobs.done(job.id);
    bar.update(Math.round((final.progress ?? 0) * 100), { message: final.state });
    return final;
  } finally {
    bar.stop();
    jobs.off('job.updated', onUpdate);
    process.off('SIGINT', onSigint);
  }
}
