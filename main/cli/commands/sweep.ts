/**
 * `ssro sweep PROJECT --dataset ID [--models basecnn,resnet18] [--epochs N]`: the probe-size sweep of papers/000
 * Fig. 7 as one job — every architecture trained on every cylinder probe of a sweep dataset — printing each cell's
 * validation RMSE as a radius × height table per architecture; `--resume SWEEP_ID` continues an incomplete sweep.
 */
import { Option, type Command } from 'commander';
import { describeIssues } from '../../shared/ipc-contract';
import { MODEL_ARCHITECTURES, TRAIN_DEVICES } from '../../shared/models';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitKindLabel, splitTitle } from '../../shared/splits';
import { sweepRequestSchema, sweepSplitKind, type SweepSummary } from '../../shared/sweeps';
import { readSplitInfo } from '../../../native-workers/lib/datasets/split-plan';
import { jobHooks } from '../../core/app-core';
import { JobManager } from '../../core/jobs/job-manager';
import { Project } from '../../core/project/project';
import { resumeSweep, submitSweep } from '../../core/services/sweep-service';
import { followJob } from '../progress';
import { parseInteger, parseNumber, parsePositiveInteger } from '../parse-options';
import { addSplitOptions, SPLIT_OPTION_KEYS, splitRequestFields, type SplitOptions } from '../split-options';

interface SweepOptions extends SplitOptions {
  dataset?: number;
  models?: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  device?: string;
  name?: string;
  resume?: number;
  python?: string;
  json?: boolean;
}

/**
 * How a sweep split its probes, from the split record of its cells (the axis an automatic choice took), else from its
 * parameters (sweeps made before split records: random).
 */
export function sweepSplitLabel(sweep: SweepSummary, sweepDir: string | null): string {
  if (sweepDir !== null && fs.existsSync(sweepDir)) {
    for (const cell of sweep.cells) {
      const info = readSplitInfo(path.join(sweepDir, `split-r${cell.radiusA}-h${cell.heightA}.npy`));
      if (info) return splitTitle(info);
    }
  }
  return splitKindLabel(sweepSplitKind(sweep.params));
}

/** Validation RMSE per architecture as a table: heights down, radii across (Fig. 7's layout), labelled with the split. */
export function sweepTable(sweep: SweepSummary, splitLabel: string = splitKindLabel(sweepSplitKind(sweep.params))): string {
  const lines: string[] = [`split: ${splitLabel}`];
  const radii = [...new Set(sweep.cells.map((c) => c.radiusA))].sort((a, b) => a - b);
  const heights = [...new Set(sweep.cells.map((c) => c.heightA))].sort((a, b) => a - b);
  for (const architecture of sweep.params.models) {
    lines.push(`${architecture}: validation RMSE (rows: height Å, columns: radius Å)`);
    lines.push(['h \\ r', ...radii.map(String)].map((t) => t.padStart(8)).join(''));
    for (const h of heights) {
      const cells = radii.map((r) => {
        const cell = sweep.cells.find((c) => c.architecture === architecture && c.radiusA === r && c.heightA === h);
        if (!cell) return '';
        if (cell.state !== 'done') return cell.state;
        return cell.validation?.rmse?.toFixed(4) ?? '—';
      });
      lines.push([String(h), ...cells].map((t) => t.padStart(8)).join(''));
    }
  }
  return lines.join('\n');
}

export function registerSweepCommand(program: Command): void {
  const command = program
    .command('sweep')
    .description("probe-size sweep (papers/000 Fig. 7): train each model on each cylinder probe of a dataset; prints the sweep id and the RMSE tables")
    .argument('<project>', 'project folder')
    .option('--dataset <id>', 'a complete dataset with several cylinder probes (ssro dataset build … --radius 3,5,7 --height 10,20,30)', parsePositiveInteger)
    .option('--models <list>', `architectures, comma-separated (${MODEL_ARCHITECTURES.join(', ')})`)
    .option('--epochs <n>', 'epochs per cell (default 30)', parsePositiveInteger)
    .option('--batch <n>', 'batch size (paper: 64)', parsePositiveInteger)
    .option('--lr <lr>', 'Adam learning rate (paper: 1e-3)', parseNumber)
    .option('--seed <n>', 'seed of initialisation, shuffling and augmentation (paper: 42)', parseInteger)
    .addOption(new Option('--device <device>', 'where to train').choices([...TRAIN_DEVICES]))
    .option('--name <name>', 'sweep name')
    .option('--resume <sweepId>', 'continue an incomplete sweep (done cells are kept)', parsePositiveInteger)
    .option('--python <path>', 'Python with torch and torchvision (default: the project setting)')
    .option('--json', 'print the sweep (cells with their metrics) as JSON instead of the tables');
  addSplitOptions(command);
  command.action(async (dir: string, opts: SweepOptions) => {
      const project = Project.open(dir);
      const jobs = new JobManager(project, jobHooks(project));
      try {
        const python = opts.python ?? project.settings.enginePath('python3Path', '--python');
        let submitted;
        if (opts.resume !== undefined) {
          const ignored = (['dataset', 'models', 'epochs', 'batch', 'lr', 'seed', 'device', ...SPLIT_OPTION_KEYS] as const).filter((k) => opts[k] !== undefined);
          if (ignored.length > 0) throw new Error(`--resume continues the sweep with its own settings; leave out ${ignored.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
          submitted = resumeSweep(project, jobs, opts.resume, python);
        } else {
          if (opts.dataset === undefined) throw new Error('give --dataset ID (or --resume SWEEP_ID)');
          const parsed = sweepRequestSchema.safeParse({
            datasetId: opts.dataset,
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(opts.models !== undefined ? { models: opts.models.split(',').map((m) => m.trim()) } : {}),
            ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
            ...(opts.batch !== undefined ? { batchSize: opts.batch } : {}),
            ...(opts.lr !== undefined ? { lr: opts.lr } : {}),
            ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
            ...(opts.device !== undefined ? { device: opts.device } : {}),
            ...splitRequestFields(opts),
          });
          if (!parsed.success) throw new Error(`sweep: ${describeIssues(parsed.error)}`);
          submitted = submitSweep(project, jobs, parsed.data, python);
        }
        const { sweep } = submitted;
        process.stderr.write(`sweep: ${sweep.id} (${sweep.name}): ${sweep.cells.length} cells; split ${sweepSplitLabel(sweep, project.sweeps.folder(sweep.id))}\n`);
        const final = await followJob(jobs, submitted.job, `sweep ${sweep.id}`);
        const result = project.sweeps.get(sweep.id);
        process.stderr.write(`${sweepTable(result, sweepSplitLabel(result, project.sweeps.folder(result.id)))}\n`);
        if (final.state !== 'succeeded') throw new Error(final.error ?? `the sweep job ended ${final.state}`);
        process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${sweep.id}\n`);
      } finally {
        await jobs.shutdown();
        project.close();
      }
    });
}
