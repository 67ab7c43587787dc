/**
 * The `sweep` job (papers/000 Fig. 7): trains each (architecture, cylinder probe) cell of a sweep in turn with the
 * PyTorch engine — the same training as a train job, on the patterns of that probe only (the dataset's own seeded
 * split, other probes excluded) — and records every cell's best validation metrics in cells.json. Finished cells are
 * skipped when the sweep resumes; an interrupted cell continues from its last checkpoint. A cell's checkpoints are
 * deleted once its metrics are written (a sweep needs numbers, not 18 models).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MODEL_ARCHITECTURES, type FitMetrics } from '../../main/shared/models';
import { SWEEP_SERIES_COLUMNS, type SweepCell } from '../../main/shared/sweeps';
import { runEngineInJob } from '../lib/models/engine-job';
import { readSweepCells, writeSweepCells } from '../lib/models/sweep-files';
import { RUN_FILES, type TrainConfig } from '../lib/models/train-config';
import { describeTorchFailure, type TorchEvent } from '../lib/models/torch-engine';
import { JobCancelled, runWorker, type JobContext } from '../runtime/worker-runtime';

export interface SweepJobParams {
  sweepId: number;
  python3Path: string;
  sweepDir: string;
  cells: { cell: SweepCell; config: TrainConfig }[];
  resumeHint: string;
}

export interface SweepJobResult {
  sweepId: number;
  cells: SweepCell[];
}

interface RunMetrics {
  bestEpoch?: number;
  validation?: FitMetrics;
}

function readMetrics(outDir: string): RunMetrics | null {
  const file = path.join(outDir, RUN_FILES.metrics);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as RunMetrics) : null;
}

function label(cell: SweepCell): string {
  return `${cell.architecture} r ${cell.radiusA} Å h ${cell.heightA} Å`;
}

async function sweep(params: SweepJobParams, ctx: JobContext): Promise<SweepJobResult> {
  const previous = new Map((readSweepCells(params.sweepDir) ?? []).map((c) => [c.key, c]));
  const cells = params.cells.map(({ cell }) => ({ ...cell, ...(previous.get(cell.key)?.state === 'done' ? previous.get(cell.key) : {}) }));
  const save = (): void => writeSweepCells(params.sweepDir, cells);
  const total = cells.length;
  const row = (index: number, cell: SweepCell): number[] => [
    index,
    MODEL_ARCHITECTURES.indexOf(cell.architecture),
    cell.radiusA,
    cell.heightA,
    cell.validation?.rmse ?? Number.NaN,
    cell.validation?.mae ?? Number.NaN,
    cell.validation?.r2 ?? Number.NaN,
    cell.bestEpoch ?? Number.NaN,
    cell.seconds ?? Number.NaN,
  ];
  const doneRows = cells.flatMap((c, i) => (c.state === 'done' ? [row(i, c)] : []));
  if (doneRows.length > 0) ctx.series('cells', [...SWEEP_SERIES_COLUMNS], doneRows);
  save();

  for (let index = 0; index < total; index++) {
    const cell = cells[index] as SweepCell;
    if (cell.state === 'done') continue;
    const { config } = params.cells[index] as { config: TrainConfig };
    fs.mkdirSync(config.outDir, { recursive: true });
    const configFile = path.join(ctx.scratchDir, `${cell.key}.json`);
    fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
    const started = Date.now();
    let engineError: string | null = null;
    let finished = false;
    const onEvent = (event: TorchEvent): void => {
      if (event.event === 'batch' || event.event === 'epoch') {
        const epoch = Number(event.epoch);
        const within = event.event === 'batch' ? (epoch - 1 + Number(event.batch) / Math.max(Number(event.batches), 1)) / config.epochs : epoch / config.epochs;
        ctx.progress((index + Math.min(Math.max(within, 0), 1)) / total, `cell ${index + 1}/${total}: ${label(cell)} · epoch ${epoch}/${config.epochs}`);
      }
      if (event.event === 'epoch') ctx.log(`${label(cell)}: epoch ${String(event.epoch)}, validation RMSE ${Number(event.valRmse).toPrecision(3)}`);
      if (event.event === 'error' && typeof event.message === 'string') engineError = event.message;
      if (event.event === 'done') finished = true;
    };
    ctx.progress(index / total, `cell ${index + 1}/${total}: ${label(cell)} · starting PyTorch`);
    const outcome = await runEngineInJob(params.python3Path, 'ssro_torch.train', ['--config', configFile], ctx, onEvent);
    if (outcome.cancelled) {
      save();
      const done = cells.filter((c) => c.state === 'done').length;
      throw new JobCancelled(`cancelled in cell ${index + 1} of ${total} (${label(cell)}); ${done} cells are done and kept; ${params.resumeHint}`);
    }
    const metrics = readMetrics(config.outDir);
    if (outcome.result.code !== 0 || !finished || metrics?.validation === undefined) {
      cell.state = 'failed';
      cell.error = describeTorchFailure(params.python3Path, outcome.result, engineError);
      ctx.log(`${label(cell)} failed: ${cell.error}`, 'error');
    } else {
      cell.state = 'done';
      cell.error = null;
      cell.validation = metrics.validation;
      cell.bestEpoch = metrics.bestEpoch ?? null;
      cell.seconds = (Date.now() - started) / 1000;
      ctx.series('cells', [...SWEEP_SERIES_COLUMNS], [row(index, cell)]);
    }
    save();
    // Only once cells.json says the cell is done: a crash before that leaves last.pt, and the engine redoes outputs.
    if (cell.state === 'done') for (const file of [RUN_FILES.last, RUN_FILES.best]) fs.rmSync(path.join(config.outDir, file), { force: true });
  }
  const failed = cells.filter((c) => c.state === 'failed');
  if (failed.length > 0) {
    throw new Error(`${failed.length} of ${total} cells failed (first: ${label(failed[0] as SweepCell)}: ${(failed[0] as SweepCell).error}); ${params.resumeHint}`);
  }
  ctx.progress(1, `${total} cells trained`);
  return { sweepId: params.sweepId, cells };
}

process.on('SIGINT', () => undefined);
runWorker('sweep', (raw, ctx) => sweep(raw as SweepJobParams, ctx));
