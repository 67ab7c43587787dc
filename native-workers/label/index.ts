/**
 * The `label` job: computes the per-atom order labels of a project structure and stages the label folder in the
 * job's scratch folder; the core moves it into the project when the job succeeds.
 */
import type { LabelParams } from '../../main/shared/labels';
import { JobCancelled, runWorker } from '../runtime/worker-runtime';
import { computeLabels, LabelsCancelled } from '../lib/labels/compute-labels';
import { writeLabelFolder } from '../lib/labels/label-store';
import { readStructureFolder } from '../lib/structure-store';

export interface LabelJobParams {
  structureId: number;
  structureDir: string;
  params: LabelParams;
}

runWorker('label', (raw, ctx) => {
  const job = raw as LabelJobParams;
  const structure = readStructureFolder(job.structureDir);
  ctx.log(`labelling structure ${job.structureId}: ${structure.ids.length} atoms, edge threshold ${job.params.edgeThresholdA} Å, CNA ${job.params.cna.mode === 'adaptive' ? 'adaptive' : `cutoff ${job.params.cna.cutoffA} Å`}`);
  let labels;
  try {
    labels = computeLabels(structure, job.params, {
      progress: (fraction, message) => ctx.progress(0.95 * fraction, message),
      isCancelled: () => ctx.isCancelled(),
    });
  } catch (error) {
    if (error instanceof LabelsCancelled) throw new JobCancelled();
    throw error;
  }
  for (const [stage, seconds] of Object.entries(labels.seconds)) ctx.log(`${stage}: ${seconds.toFixed(2)} s`);
  for (const problem of labels.problems.slice(0, 20)) ctx.log(`Voronoi cell flagged: ${problem}`, 'warn');
  if (labels.problems.length > 20) ctx.log(`… and ${labels.problems.length - 20} more flagged cells`, 'warn');
  ctx.progress(0.96, 'writing label arrays');
  const stagedDir = ctx.stagingDir('labels');
  const summary = writeLabelFolder(stagedDir, labels, job.params);
  ctx.log(`mean d = ${summary.dMean.toFixed(4)}, mean 1−Q6 = ${summary.oneMinusQ6Mean.toFixed(4)}`);
  return { stagedDir, summary };
});
