/**
 * `ssro train PROJECT --dataset ID --model resnet18|basecnn [options]`: trains a model on a project dataset as a
 * train job (PyTorch) and prints the model id; `--resume MODEL_ID` continues an incomplete run from its checkpoint.
 */
import * as path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { describeIssues } from '../../shared/ipc-contract';
import { AUGMENTATIONS, INPUT_SIDES, LR_SCHEDULES, MODEL_ARCHITECTURES, MODEL_TARGETS, structureMetricsOf, TRAIN_DEVICES, TRAINING_BALANCES, trainingRequestSchema, TTA_MODES } from '../../shared/models';
import { parseSplitInfo, splitSummaryLine } from '../../shared/splits';
import { TRAINING_TRANSFORMS } from '../../shared/model-transform';
import { jobHooks } from '../../core/app-core';
import { JobManager } from '../../core/jobs/job-manager';
import { Project } from '../../core/project/project';
import { resumeTraining, submitTraining } from '../../core/services/training-service';
import { writeBundle } from '../../core/services/training-bundle-service';
import { followJob } from '../progress';
import { parseInteger, parseNumber, parsePositiveInteger } from '../parse-options';
import { addSplitOptions, SPLIT_OPTION_KEYS, splitRequestFields, structureTable, type SplitOptions } from '../split-options';
import { readSplitInfo } from '../../../native-workers/lib/datasets/split-plan';
import { MODEL_FILES } from '../../../native-workers/lib/models/train-config';




/**
 * --ema-decay: a decay in [0, 1), or "off". "off" stays a string here: Commander replaces a parser's null with ''.
 */
function parseEmaDecay(value: string): number | 'off' {
  if (value.trim().toLowerCase() === 'off') return 'off';
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n < 1)) throw new InvalidArgumentError('a decay in [0, 1) (e.g. 0.999), or "off"');
  return n;
}

interface TrainOptions extends SplitOptions {
  dataset?: number;
  model?: string;
  target?: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  weightDecay?: number;
  seed?: number;
  device?: string;
  name?: string;
  imagenetWeights?: string;
  init?: string;
  resume?: number;
  python?: string;
  transform?: string;
  augmentation?: string;
  augment?: boolean;
  members?: number;
  bestAfterEpoch?: number;
  plateauPatience?: number;
  bundle?: string;
  schedule?: string;
  minLr?: number;
  warmupEpochs?: number;
  emaDecay?: number | 'off';
  tta?: string;
  inputSide?: string;
  balance?: string;
}

export function registerTrainCommand(program: Command): void {
  const command = program
    .command('train')
    .description('train a d model on a project dataset with PyTorch (a train job); prints the model id')
    .argument('<project>', 'project folder')
    .option('--dataset <id>', 'the dataset to learn from (must be complete)', parsePositiveInteger)
    .addOption(new Option('--model <arch>', 'architecture').choices([...MODEL_ARCHITECTURES]))
    .addOption(new Option('--target <target>', "what the model predicts (the authors': one_minus_d)").choices([...MODEL_TARGETS]))
    .option('--epochs <n>', 'total epochs (paper: up to 400)', parsePositiveInteger)
    .option('--batch <n>', 'batch size (paper: 64)', parsePositiveInteger)
    .option('--lr <lr>', 'Adam learning rate (paper: 1e-3)', parseNumber)
    .option('--weight-decay <wd>', 'Adam weight decay (paper: 1e-5)', parseNumber)
    .option('--seed <n>', 'seed of initialisation, shuffling and augmentation (paper: 42)', parseInteger)
    .addOption(new Option('--device <device>', 'where to train').choices([...TRAIN_DEVICES]))
    .option('--name <name>', 'model name')
    .option('--imagenet-weights <file>', 'start resnet18 from a torchvision ImageNet state_dict file (never downloaded)')
    .option('--init <file>', 'start from a full state_dict of the same architecture (e.g. the authors\' checkpoint)')
    .addOption(new Option('--transform <name>', 'input transform: annulus-log (v2, scale-invariant, beam masked) or log1-minmax (v1)').choices([...TRAINING_TRANSFORMS]))
    .addOption(new Option('--augmentation <kind>', "detector (counts, beam, geometry on raw patterns) or paper (papers/000's pipeline)").choices([...AUGMENTATIONS]))
    .option('--no-augment', 'train without augmentation')
    .option('--best-after-epoch <n>', 'keep the best checkpoint from this epoch on (paper: 10)', parseInteger)
    .option('--plateau-patience <n>', 'epochs without improvement before the learning rate is halved (paper: 20)', parseInteger)
    .option('--members <n>', 'deep-ensemble members trained together (σ per prediction when > 1)', parsePositiveInteger)
    .addOption(new Option('--schedule <kind>', 'learning-rate schedule: cosine (default; from --lr to --min-lr over the run) or plateau (halve after --plateau-patience epochs without improvement)').choices([...LR_SCHEDULES]))
    .option('--min-lr <lr>', 'the cosine schedule\'s final learning rate (default 1e-5)', parseNumber)
    .option('--warmup-epochs <n>', 'epochs of linear learning-rate warm-up (default 1)', parseInteger)
    .option('--ema-decay <decay>', 'weight moving average used for validation and export (default 0.999; "off" to disable)', parseEmaDecay)
    .addOption(new Option('--tta <mode>', 'test-time augmentation: none (default) or d4 (average over the 8 symmetries of the square)').choices([...TTA_MODES]))
    .addOption(new Option('--input-side <n>', "model input side: 133 (the dataset's grid, default) or 67 (every other k-node)").choices(INPUT_SIDES.map(String)))
    .addOption(new Option('--balance <kind>', 'loss weights: none (default; every pattern alike), structure (every training structure alike, whatever its pattern count) or label (inverse square root of the smoothed density of d: probes across an interface, whose d is rare, weigh more)').choices([...TRAINING_BALANCES]));
  addSplitOptions(command);
  command
    .option('--resume <modelId>', 'continue the incomplete run of this model from its last checkpoint', parsePositiveInteger)
    .option('--python <path>', 'Python with torch and torchvision (default: the project setting)')
    .option('--bundle <dir>', 'do not train: write a self-contained folder (dataset, split, engine, run.json, README) to train elsewhere')
    .action(async (dir: string, opts: TrainOptions) => {
      if (opts.bundle !== undefined && opts.resume !== undefined) throw new Error('--bundle writes a new run; leave out --resume');
      const project = Project.open(dir);
      const jobs = new JobManager(project, jobHooks(project));
      try {
        const python = opts.python ?? project.settings.enginePath('python3Path', '--python');
        let submitted;
        if (opts.resume !== undefined) {
          const ignored = (
            [
              'dataset', 'model', 'target', 'batch', 'lr', 'weightDecay', 'seed', 'device', 'imagenetWeights', 'init', 'transform', 'augmentation', 'members', 'bestAfterEpoch', 'plateauPatience',
              'schedule', 'minLr', 'warmupEpochs', 'emaDecay', 'tta', 'inputSide', 'balance', ...SPLIT_OPTION_KEYS,
            ] as const
          ).filter((k) => opts[k] !== undefined);
          if (ignored.length > 0) throw new Error(`--resume continues the run with its own settings; leave out ${ignored.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} (only --epochs may change)`);
          submitted = resumeTraining(project, jobs, opts.resume, python, opts.epochs);
          process.stderr.write(`train: resuming model ${submitted.model.id} (${submitted.model.name})\n`);
        } else {
          if (opts.dataset === undefined) throw new Error('give --dataset ID (or --resume MODEL_ID)');
          const parsed = trainingRequestSchema.safeParse({
            datasetId: opts.dataset,
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(opts.model !== undefined ? { model: opts.model } : {}),
            ...(opts.target !== undefined ? { target: opts.target } : {}),
            ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
            ...(opts.batch !== undefined ? { batchSize: opts.batch } : {}),
            ...(opts.lr !== undefined ? { lr: opts.lr } : {}),
            ...(opts.weightDecay !== undefined ? { weightDecay: opts.weightDecay } : {}),
            ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
            ...(opts.device !== undefined ? { device: opts.device } : {}),
            imagenetWeights: opts.imagenetWeights ?? null,
            initStateDict: opts.init ?? null,
            ...(opts.transform !== undefined ? { transform: opts.transform } : {}),
            ...(opts.augmentation !== undefined ? { augmentation: opts.augmentation } : {}),
            ...(opts.augment === false ? { augment: false } : {}),
            ...(opts.members !== undefined ? { members: opts.members } : {}),
            ...(opts.bestAfterEpoch !== undefined ? { bestAfterEpoch: opts.bestAfterEpoch } : {}),
            ...(opts.plateauPatience !== undefined ? { plateauPatience: opts.plateauPatience } : {}),
            ...(opts.schedule !== undefined ? { schedule: opts.schedule } : {}),
            ...(opts.minLr !== undefined ? { minLr: opts.minLr } : {}),
            ...(opts.warmupEpochs !== undefined ? { warmupEpochs: opts.warmupEpochs } : {}),
            ...(opts.emaDecay !== undefined ? { emaDecay: opts.emaDecay === 'off' ? null : opts.emaDecay } : {}),
            ...(opts.tta !== undefined ? { tta: opts.tta } : {}),
            ...(opts.inputSide !== undefined ? { inputSide: Number(opts.inputSide) } : {}),
            ...(opts.balance !== undefined ? { balance: opts.balance } : {}),
            ...splitRequestFields(opts),
          });
          if (!parsed.success) throw new Error(`train: ${describeIssues(parsed.error)}`);
          if (opts.bundle !== undefined) {
            const bundle = writeBundle(project, parsed.data, opts.bundle);
            process.stderr.write(`train: bundle ${bundle.manifest.id} (dataset ${bundle.manifest.dataset.id}, ${bundle.manifest.split.train} train / ${bundle.manifest.split.validation} validation); see ${bundle.dir}/README.txt\n`);
            process.stdout.write(`${bundle.dir}\n`);
            return;
          }
          submitted = submitTraining(project, jobs, parsed.data, python);
          process.stderr.write(`train: model ${submitted.model.id} (${submitted.model.name})\n`);
          const split = readSplitInfo(path.join(project.models.folder(submitted.model.id), MODEL_FILES.split));
          if (split) process.stderr.write(`train: split ${splitSummaryLine(split)}\n`);
        }
        const final = await followJob(jobs, submitted.job, `train model ${submitted.model.id}`);
        if (final.state !== 'succeeded') throw new Error(final.error ?? `the train job ended ${final.state}`);
        const model = project.models.get(submitted.model.id);
        const validation = (model.metrics as { validation?: { mae?: number; rmse?: number; r2?: number | null } } | null)?.validation;
        if (validation) {
          process.stderr.write(`train: validation MAE ${validation.mae?.toFixed(4)}, RMSE ${validation.rmse?.toFixed(4)}, R² ${validation.r2 == null ? 'n/a' : validation.r2.toFixed(3)}; ${model.onnxPath}\n`);
        }
        const split = parseSplitInfo(model.metrics?.split) ?? readSplitInfo(path.join(project.models.folder(model.id), MODEL_FILES.split));
        process.stderr.write(`train: split ${split ? splitSummaryLine(split) : 'random (overlapping probes — optimistic), made before splits were recorded'}\n`);
        const perStructure = structureMetricsOf(model.metrics);
        if (perStructure) for (const line of structureTable(perStructure, 'validation')) process.stderr.write(`train: ${line}\n`);
        process.stdout.write(`${model.id}\n`);
      } finally {
        await jobs.shutdown();
        project.close();
      }
    });
}
