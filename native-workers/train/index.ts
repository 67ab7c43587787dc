/**
 * The `train` job: runs ssro_torch.train with the user's Python on a run folder inside the project, turns its events
 * into progress (epoch, batch, loss, learning rate, ETA) and live tables, and stops it on cancel (SIGTERM, then
 * SIGKILL). The run folder outlives the job, so a cancelled, failed or crashed run resumes from its last epoch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BATCH_SERIES_COLUMNS, TRAINING_SERIES_COLUMNS } from '../../main/shared/models';
import { JobCancelled, runWorker, type JobContext } from '../runtime/worker-runtime';
import { epochRow, readRunHistory, RUN_FILES, type TrainConfig } from '../lib/models/train-config';
import { runEngineInJob } from '../lib/models/engine-job';
import { describeTorchFailure, type TorchEvent } from '../lib/models/torch-engine';

export interface TrainJobParams {
  modelId: number;
  python3Path: string;
  config: TrainConfig;
  /** How the user resumes this run (named in the message of a cancelled or failed job). */
  resumeHint: string;
}

export interface TrainJobResult {
  modelId: number;
  outDir: string;
  onnxPath: string;
  epochs: number;
  bestEpoch: number;
  bestValLoss: number;
  metrics: Record<string, unknown>;
  device: string | null;
  seconds: number;
}

/** Batch rows reach the live table at most this often. */
const BATCH_SERIES_MS = 1000;

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Appends batch rows to the run's batches.csv (kept after the job for the plots). */
class BatchLog {
  private readonly file: string;

  constructor(runDir: string) {
    this.file = path.join(runDir, RUN_FILES.batches);
    if (!fs.existsSync(this.file)) fs.writeFileSync(this.file, `${BATCH_SERIES_COLUMNS.join(',')}\n`);
  }

  append(rows: number[][]): void {
    if (rows.length > 0) fs.appendFileSync(this.file, rows.map((r) => r.map((v) => (Number.isFinite(v) ? String(v) : '')).join(',')).join('\n') + '\n');
  }

  /** A resumed run repeats epochs from `fromEpoch`: drop rows of those epochs left by the interrupted run. */
  dropFrom(fromEpoch: number): void {
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    const kept = [lines[0] ?? BATCH_SERIES_COLUMNS.join(','), ...lines.slice(1).filter((l) => l.trim() && Number(l.split(',')[0]) < fromEpoch)];
    fs.writeFileSync(this.file, `${kept.join('\n')}\n`);
  }
}

async function train(params: TrainJobParams, ctx: JobContext): Promise<TrainJobResult> {
  const { config } = params;
  fs.mkdirSync(config.outDir, { recursive: true });
  const configFile = path.join(ctx.scratchDir, 'run.json');
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const batchLog = new BatchLog(config.outDir);
  const started = Date.now();
  ctx.progress(0, 'starting PyTorch');

  let device: string | null = null;
  let lastEpoch = 0;
  let firstUnits: { units: number; at: number } | null = null;
  let pendingBatches: number[][] = [];
  let lastBatchFlush = 0;
  let done: TorchEvent | null = null;
  let engineError: string | null = null;
  let engineCancelled = false;
  const totalEpochs = config.epochs;

  const flushBatches = (force: boolean): void => {
    if (pendingBatches.length === 0 || (!force && Date.now() - lastBatchFlush < BATCH_SERIES_MS)) return;
    ctx.series('batches', [...BATCH_SERIES_COLUMNS], pendingBatches);
    batchLog.append(pendingBatches);
    pendingBatches = [];
    lastBatchFlush = Date.now();
  };

  /** Progress and ETA from the epochs done (fractional); the rate is measured within this job. */
  const report = (units: number, text: string): void => {
    const now = Date.now();
    if (firstUnits === null) firstUnits = { units, at: now };
    const rate = (units - firstUnits.units) / Math.max((now - firstUnits.at) / 1000, 1e-9);
    const eta = rate > 0 ? (totalEpochs - units) / rate : Number.NaN;
    ctx.progress(units / totalEpochs, `${text} · ETA ${formatDuration(eta)}`);
  };

  const onEvent = (event: TorchEvent): void => {
    switch (event.event) {
      case 'device':
        device = String(event.device);
        ctx.log(`device ${device}: torch ${String(event.torch)}, torchvision ${String(event.torchvision)}, ${String(event.threads)} threads${event.cudaDevice ? ` (${String(event.cudaDevice)})` : ''}`);
        break;
      case 'data':
        ctx.log(`dataset ${String(event.datasetDir)}: ${String(event.train)} training and ${String(event.validation)} validation patterns of ${String(event.side)}×${String(event.side)}; model ${String(event.model)}, target ${String(event.target)}`);
        break;
      case 'resume': {
        const from = num(event.fromEpoch);
        ctx.log(`resuming the run at epoch ${from} of ${String(event.epochs)}`);
        lastEpoch = from - 1;
        batchLog.dropFrom(from);
        // The plots show the whole run: epochs done before this job come from the run's history.
        const history = readRunHistory(config.outDir);
        const rows = (history?.epochs ?? []).filter((e) => e.epoch < from).map(epochRow);
        if (rows.length > 0) ctx.series('training', [...TRAINING_SERIES_COLUMNS], rows);
        break;
      }
      case 'batch': {
        const epoch = num(event.epoch);
        const batch = num(event.batch);
        const batches = num(event.batches);
        const loss = num(event.loss);
        const lr = num(event.lr);
        pendingBatches.push([epoch, batch, batches, loss, lr, num(event.imagesPerSecond)]);
        flushBatches(false);
        report(epoch - 1 + batch / Math.max(batches, 1), `epoch ${epoch}/${totalEpochs} · batch ${batch}/${batches} · loss ${loss.toPrecision(4)} · lr ${lr.toExponential(1)}`);
        break;
      }
      case 'epoch': {
        flushBatches(true);
        const epoch = num(event.epoch);
        lastEpoch = epoch;
        ctx.series('training', [...TRAINING_SERIES_COLUMNS], [epochRow(event as Partial<Parameters<typeof epochRow>[0]>)]);
        const r2 = num(event.valR2);
        ctx.log(
          `epoch ${epoch}/${totalEpochs}: train loss ${num(event.trainLoss).toPrecision(4)}, validation loss ${num(event.valLoss).toPrecision(4)}, ` +
            `MAE ${num(event.valMae).toPrecision(3)}, RMSE ${num(event.valRmse).toPrecision(3)}, R² ${Number.isFinite(r2) ? r2.toFixed(3) : 'n/a'}${event.best ? ' (best)' : ''}`,
        );
        report(epoch, `epoch ${epoch}/${totalEpochs} done · validation loss ${num(event.valLoss).toPrecision(4)} · best epoch ${String(event.bestEpoch)}`);
        break;
      }
      case 'phase':
        ctx.progress(Math.min(lastEpoch / totalEpochs, 0.99), event.phase === 'export' ? 'exporting the best model to ONNX' : 'evaluating the best model');
        break;
      case 'done':
        done = event;
        break;
      case 'error':
        // Events are not kept for the whole run; the engine's own sentence is what the job reports.
        if (typeof event.message === 'string') engineError = event.message;
        break;
      case 'cancelled':
        // The engine got SIGINT/SIGTERM from elsewhere (a terminal's Ctrl-C reaches the whole process group).
        engineCancelled = true;
        break;
      default:
        break;
    }
  };

  let outcome;
  try {
    outcome = await runEngineInJob(params.python3Path, 'ssro_torch.train', ['--config', configFile], ctx, onEvent);
  } finally {
    flushBatches(true);
  }
  const { result } = outcome;

  const kept = lastEpoch > 0 ? `epochs 1–${lastEpoch} are saved in ${config.outDir}` : `no epoch had finished`;
  if (outcome.cancelled || engineCancelled) {
    throw new JobCancelled(`cancelled during epoch ${lastEpoch + 1} of ${totalEpochs}; ${kept}; ${params.resumeHint}`);
  }
  if (result.code !== 0 || done === null) {
    const message = describeTorchFailure(params.python3Path, result, engineError);
    // Refusals before training (bad input, no torch) leave nothing to resume; say so only when epochs are saved.
    throw new Error(lastEpoch > 0 ? `${message} (the run is kept: ${kept}; ${params.resumeHint})` : message);
  }
  const final = done as TorchEvent;
  const outputs = (final.outputs ?? {}) as Record<string, string>;
  ctx.progress(1, `trained ${String(final.epochs)} epochs; best epoch ${String(final.bestEpoch)}`);
  return {
    modelId: params.modelId,
    outDir: config.outDir,
    onnxPath: outputs.onnx ?? path.join(config.outDir, RUN_FILES.onnx),
    epochs: num(final.epochs),
    bestEpoch: num(final.bestEpoch),
    bestValLoss: num(final.bestValLoss),
    metrics: (final.metrics ?? {}) as Record<string, unknown>,
    device,
    seconds: (Date.now() - started) / 1000,
  };
}

// Ctrl-C in a terminal running `ssro train` signals the whole process group: the CLI turns it into a cancel (which
// says what was kept), and Python stops at its next batch; this worker must not die of it first.
process.on('SIGINT', () => undefined);
runWorker('train', (raw, ctx) => train(raw as TrainJobParams, ctx));
