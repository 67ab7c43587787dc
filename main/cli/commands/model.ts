/**
 * `ssro model info | import-torch | import | list | predict | map`: read a model file's description, turn a PyTorch
 * state_dict (e.g. the authors' checkpoint) into an ONNX model with our metadata, register models in a project, and
 * run a project model over a dataset (predict) or an experimental file (map) as the GUI does.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { patternSide } from '../../shared/diffraction';
import { MODEL_ARCHITECTURES, MODEL_TARGETS, type ModelArchitecture, type ModelTarget } from '../../shared/models';
import { describeTransform, transformSpecOf } from '../../shared/model-transform';
import { Project } from '../../core/project/project';
import { defaultSettings } from '../../core/project/settings-repo';
import { pythonForImport } from '../../core/engine-trust';
import { exportStateDict, importModel, listModels } from '../../core/services/model-service';
import { bundleOriginText, bundleRunText, initText } from '../../shared/model-provenance';
import { bundleOrigin, findBundleAbove, parseDatasetIdTag } from '../../../native-workers/lib/models/training-bundle';
import { submitPrediction } from '../../core/services/prediction-service';
import { mapResumeHint, submitMap } from '../../core/services/map-service';
import { jobHooks } from '../../core/app-core';
import { JobManager } from '../../core/jobs/job-manager';
import { describeMetrics } from '../../../native-workers/lib/models/export-evaluation';
import { followJob } from '../progress';
import { readOnnxGraph, shapeText } from '../../../native-workers/lib/models/onnx-graph';
import { readOnnxMetadata, readSsroModelMetadata, SSRO_METADATA_KEY, type SsroFitMetrics } from '../../../native-workers/lib/models/onnx-metadata';
import { parsePositive, parsePositiveInteger } from '../parse-options';
import { parseScanShape } from './open';
import { structureMetricsOf } from '../../shared/models';
import { parseSplitInfo, splitSummaryLine } from '../../shared/splits';
import { structureTable } from '../split-options';



function fmt(value: number | null | undefined, digits = 4): string {
  return typeof value === 'number' ? value.toFixed(digits) : 'n/a';
}

function metricsLine(m: SsroFitMetrics | undefined): string {
  return m ? `n ${m.count}, MAE ${fmt(m.mae)}, RMSE ${fmt(m.rmse)}, R² ${fmt(m.r2, 3)}` : 'n/a';
}

/**
 * The description `ssro model info` prints (and returns as JSON with --json). `params` are a project model's
 * recorded parameters (its origin when imported from a training bundle); for a bare file inside a bundle, the
 * bundle is found and checked as an import would.
 */
export function modelInfo(file: string, params: Record<string, unknown> | null = null): Record<string, unknown> {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const graph = readOnnxGraph(bytes);
  const props = readOnnxMetadata(bytes);
  const ssro = readSsroModelMetadata(bytes);
  const runMetrics = runMetricsBeside(file);
  let origin: Record<string, unknown> | null = params;
  let bundleProblem: string | null = null;
  const bundleDir = params === null ? findBundleAbove(file) : null;
  if (bundleDir !== null && ssro !== null) {
    try {
      origin = { bundle: bundleOrigin(bundleDir, path.resolve(file), ssro).origin };
    } catch (error) {
      bundleProblem = (error as Error).message;
    }
  }
  return {
    file: path.resolve(file),
    bytes: bytes.length,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    ssro,
    graph,
    otherMetadata: Object.fromEntries(Object.entries(props).filter(([key]) => key !== SSRO_METADATA_KEY)),
    provenance: {
      origin: bundleOriginText(origin) ?? (bundleProblem ? `bundle ${bundleDir ?? ''} does not match: ${bundleProblem}` : null),
      run: bundleRunText(origin),
      init: initText(ssro, origin),
    },
    // A trained model's run folder keeps metrics.json beside the file, with the metrics per structure and region
    // that the file's metadata does not hold.
    ...(runMetrics === null ? {} : { runMetrics }),
  };
}

/** metrics.json beside a model file (a run folder), or null. */
function runMetricsBeside(file: string): Record<string, unknown> | null {
  const metrics = path.join(path.dirname(path.resolve(file)), 'metrics.json');
  if (!fs.existsSync(metrics)) return null;
  try {
    const value: unknown = JSON.parse(fs.readFileSync(metrics, 'utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // a damaged side file does not stop the description of the model itself
  }
}

function pct(value: number | null): string {
  return value === null ? 'n/a' : `${(100 * value).toFixed(0)} %`;
}

function printInfo(info: ReturnType<typeof modelInfo>): void {
  const out: string[] = [];
  const graph = info.graph as ReturnType<typeof readOnnxGraph>;
  const meta = info.ssro as ReturnType<typeof readSsroModelMetadata>;
  out.push(`file          ${String(info.file)} (${((info.bytes as number) / 1e6).toFixed(1)} MB, sha256 ${String(info.sha256).slice(0, 16)}…)`);
  out.push(`graph         ${graph.inputs.map((i) => `${i.name} ${i.elementType} ${shapeText(i.shape)}`).join('; ')} → ${graph.outputs.map((o) => `${o.name} ${o.elementType} ${shapeText(o.shape)}`).join('; ')}`);
  out.push(`producer      ${graph.producer || 'unknown'}; IR ${graph.irVersion ?? '?'}; opset ${graph.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}`);
  if (meta === null) {
    out.push('SSRO metadata none: how the inputs were made is unknown; ssro predict needs --target, --kmax and --delta-k for this model');
  } else {
    const p = meta.preprocessing;
    out.push(`architecture  ${meta.architecture}`);
    out.push(`target        ${meta.target === 'one_minus_d' ? 'one_minus_d (the output is 1 − d)' : 'd'}`);
    out.push(`input         ${p.side}×${p.side}, kmax ${p.kmaxInvA ?? '?'} Å⁻¹, Δk ${p.deltaKInvA ?? '?'} Å⁻¹`);
    out.push(`transform     ${describeTransform(transformSpecOf(p))}`);
    const e = meta.ensemble;
    if (e) {
      const c = e.calibration;
      out.push(`ensemble      ${e.members} members; σ = ${e.sigmaScale.toPrecision(3)} × their spread (validation n ${c.count}, Spearman ρ(σ, |error|) ${c.spearman?.toFixed(2) ?? 'n/a'}, |error| ≤ σ ${pct(c.coverage1)}, ≤ 2σ ${pct(c.coverage2)}); flagged above σ ${e.sigmaThreshold.toPrecision(3)}`);
    } else {
      out.push('ensemble      none (a single model: no σ per frame)');
    }
    out.push(`OOD check     ${meta.ood ? `${meta.ood.features}, ${meta.ood.bins} rings; flagged above D² ${meta.ood.threshold.toPrecision(3)}` : 'none recorded'}`);
    const tagged = parseDatasetIdTag(meta.trainingDatasetId);
    const trainedOn = tagged ? `${tagged.datasetId} (sha256 ${tagged.fingerprint.slice(0, 12)}…)` : (meta.trainingDatasetId ?? 'n/a');
    out.push(`training      dataset ${trainedOn}; epochs ${meta.epochs ?? 'n/a'}, best epoch ${meta.bestEpoch ?? 'n/a'}, seed ${meta.seed ?? 'n/a'}`);
    const split = parseSplitInfo((meta as { split?: unknown }).split);
    out.push(`split         ${split ? splitSummaryLine(split) : 'not recorded (models made before split records used the random split: overlapping probes — optimistic)'}`);
    out.push(`validation    ${metricsLine(meta.metrics?.validation)}`);
    out.push(`train         ${metricsLine(meta.metrics?.train)}`);
    const perStructure = structureMetricsOf(meta.metrics as Record<string, unknown> | null) ?? structureMetricsOf((info.runMetrics as Record<string, unknown> | undefined) ?? null);
    if (perStructure) for (const line of structureTable(perStructure, 'validation')) out.push(`  ${line}`);
    out.push(`source        ${meta.source ? JSON.stringify(meta.source) : 'n/a'}`);
    out.push(`made          ${meta.createdAt}${meta.torch ? ` with torch ${meta.torch}` : ''}`);
  }
  const provenance = info.provenance as { origin: string | null; run: string | null; init: string | null };
  if (provenance.origin) out.push(`origin        ${provenance.origin}${provenance.run ? `; ${provenance.run}` : ''}`);
  if (provenance.init) out.push(`init          ${provenance.init}`);
  const others = Object.keys(info.otherMetadata as Record<string, string>);
  if (others.length > 0) out.push(`other keys    ${others.join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** For models that do not record their input transform (foreign ONNX files, PyTorch checkpoints). */
function transformOption(): Option {
  return new Option(
    '--transform <name>',
    "the input transform it was trained with: log1-minmax (per-pattern min–max, the paper's description) or log1-globalmax (the authors' code: log(max(I, 1)) / the training set's maximum, give --global-log-max)",
  ).choices(['log1-minmax', 'log1-globalmax']);
}

interface ImportTorchOptions {
  transform?: 'log1-minmax' | 'log1-globalmax';
  globalLogMax?: number;
  out: string;
  model: ModelArchitecture;
  target: ModelTarget;
  kmax: number;
  deltaK: number;
  side?: number;
  datasetId?: string;
  python?: string;
}

interface ImportOptions {
  bundle?: string;
  transform?: 'log1-minmax' | 'log1-globalmax';
  globalLogMax?: number;
  name?: string;
  model?: string;
  target?: ModelTarget;
  kmax?: number;
  deltaK?: number;
}

export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('model files: describe, convert PyTorch checkpoints, register in a project');
  model
    .command('info')
    .description('print what a model file says about itself (architecture, target, preprocessing, metrics, origin); or PROJECT ID: a project model')
    .argument('<model>', 'an ONNX model (.onnx), or a project folder followed by a model id')
    .argument('[id]', 'with a project folder: the model id', parsePositiveInteger)
    .option('--json', 'print JSON')
    .action((file: string, id: number | undefined, opts: { json?: boolean }) => {
      let info: Record<string, unknown>;
      if (id === undefined) {
        info = modelInfo(file);
      } else {
        const project = Project.open(file);
        try {
          const model = project.models.find(id);
          if (model === null) throw new Error(`model ${id} does not exist in ${file}`);
          if (model.onnxPath === null || !fs.existsSync(model.onnxPath)) throw new Error(`model ${id} has no ONNX file yet (state ${model.state})`);
          info = { ...modelInfo(model.onnxPath, model.params), model: { id: model.id, name: model.name, source: model.source, state: model.state } };
        } finally {
          project.close();
        }
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      else printInfo(info);
    });
  model
    .command('import-torch')
    .description("convert a PyTorch state_dict (e.g. the authors' checkpoint) to ONNX with SSRO metadata")
    .argument('<stateDict>', 'a .pt state_dict or checkpoint')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .addOption(new Option('--model <arch>', 'architecture of the checkpoint').choices([...MODEL_ARCHITECTURES]).default('resnet18'))
    .addOption(new Option('--target <target>', "what the model predicts (the authors' checkpoints: 1 − d)").choices([...MODEL_TARGETS]).default('one_minus_d'))
    .option('--kmax <invA>', 'kmax of its training patterns (Å⁻¹)', parsePositive, 1.0)
    .option('--delta-k <invA>', 'Δk of its training patterns (Å⁻¹)', parsePositive, 0.015)
    .option('--side <n>', 'pattern side in pixels (default: 2·floor(kmax/Δk) + 1)', parsePositiveInteger)
    .option('--dataset-id <id>', 'training dataset to record')
    .addOption(transformOption())
    .option('--global-log-max <value>', 'log1-globalmax: the maximum of log(max(I, 1)) over the training set', parsePositive)
    .option('--python <path>', 'Python with torch and torchvision', defaultSettings().python3Path)
    .action(async (stateDict: string, opts: ImportTorchOptions) => {
      const side = opts.side ?? patternSide({ kmaxInvA: opts.kmax, deltaKInvA: opts.deltaK });
      const metadata = await exportStateDict(opts.python ?? defaultSettings().python3Path, {
        stateDict,
        out: opts.out,
        architecture: opts.model,
        target: opts.target,
        kmaxInvA: opts.kmax,
        deltaKInvA: opts.deltaK,
        side,
        ...(opts.datasetId !== undefined ? { datasetId: opts.datasetId } : {}),
        ...(opts.transform !== undefined ? { transform: opts.transform } : {}),
        ...(opts.globalLogMax !== undefined ? { globalLogMax: opts.globalLogMax } : {}),
      });
      process.stderr.write(`model: ${metadata.architecture}, target ${metadata.target}, ${side}×${side} → ${path.resolve(opts.out)}\n`);
      process.stdout.write(`${path.resolve(opts.out)}\n`);
    });
  model
    .command('import')
    .description('register a model in a project: .onnx (ours, or foreign with --target --kmax --delta-k) or a PyTorch .pt; prints its id')
    .argument('<project>', 'project folder')
    .argument('<file>', 'model file')
    .option('--name <name>', 'model name')
    .option('--model <arch>', `architecture (a .pt needs ${MODEL_ARCHITECTURES.join(' or ')})`)
    .addOption(new Option('--target <target>', 'what the model predicts').choices([...MODEL_TARGETS]))
    .option('--kmax <invA>', 'kmax of its training patterns (Å⁻¹)', parsePositive)
    .option('--delta-k <invA>', 'Δk of its training patterns (Å⁻¹)', parsePositive)
    .addOption(transformOption())
    .option('--global-log-max <value>', 'log1-globalmax: the maximum of log(max(I, 1)) over the training set', parsePositive)
    .option('--bundle <dir>', 'the training bundle the model was trained from (found by itself when the file is in one); records its provenance')
    .action(async (dir: string, file: string, opts: ImportOptions) => {
      const project = Project.open(dir);
      try {
        const imported = await importModel(
          project,
          {
            path: path.resolve(file),
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(opts.model !== undefined ? { architecture: opts.model } : {}),
            ...(opts.target !== undefined ? { target: opts.target } : {}),
            ...(opts.kmax !== undefined ? { kmaxInvA: opts.kmax } : {}),
            ...(opts.deltaK !== undefined ? { deltaKInvA: opts.deltaK } : {}),
            ...(opts.transform !== undefined ? { transform: opts.transform } : {}),
            ...(opts.globalLogMax !== undefined ? { globalLogMax: opts.globalLogMax } : {}),
          },
          pythonForImport(project, file),
          opts.bundle !== undefined ? { bundleDir: opts.bundle } : {},
        );
        const origin = bundleOriginText(imported.params);
        if (origin) process.stderr.write(`model: ${origin}\n`);
        process.stdout.write(`${imported.id}\n`);
      } finally {
        project.close();
      }
    });
  model
    .command('list')
    .description('list the models of a project')
    .argument('<project>', 'project folder')
    .option('--json', 'print JSON')
    .action((dir: string, opts: { json?: boolean }) => {
      const project = Project.open(dir);
      try {
        const models = listModels(project);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
          return;
        }
        for (const m of models) {
          const validation = (m.metrics as { validation?: SsroFitMetrics } | null)?.validation;
          process.stdout.write(`${m.id}\t${m.state}\t${m.architecture}\t${m.target}\t${validation ? `RMSE ${fmt(validation.rmse)}` : '-'}\t${m.name}\n`);
        }
      } finally {
        project.close();
      }
    });
  model
    .command('map')
    .description('map d over an experimental file or folder with a project model (a map job, stored in the project as in the Experiments tab); prints the map id')
    .argument('<project>', 'project folder')
    .argument('<modelId>', 'model id in the project', parsePositiveInteger)
    .argument('<file>', 'experimental file or folder (ssro open)')
    .option('--scan-shape <ny,nx>', 'the scan shape when the file does not say it')
    .option('--scan-step <nm>', 'real-space step between scan positions (nm) when the file does not record it', parsePositive)
    .option('--dataset-path <path>', 'HDF5: the dataset to read')
    .option('--calibration <invA>', 'pixel size in Å⁻¹ per pixel (else from the file metadata)', parsePositive)
    .option('--ring-k <invA>', "calibrate from a ring of known k (Å⁻¹) in the scan's mean frame", parsePositive)
    .option('--halo-dataset <id>', "calibrate by fitting the scan's halo to a project dataset on the model's grid", parsePositiveInteger)
    .addOption(new Option('--denoise <method>', 'TV denoising as papers/000 (tv) or none').choices(['tv', 'none']).default('tv'))
    .addOption(new Option('--centre <method>', 'beam centre per frame').choices(['com', 'xcorr']).default('com'))
    .option('--saturation <counts>', 'detector saturation level (default: the stored type’s maximum)', parsePositive)
    .option('--name <name>', 'map name')
    .action(async (dir: string, modelId: number, file: string, opts: { scanShape?: string; scanStep?: number; datasetPath?: string; calibration?: number; ringK?: number; haloDataset?: number; denoise: 'tv' | 'none'; centre: 'com' | 'xcorr'; saturation?: number; name?: string }) => {
      const project = Project.open(dir);
      const jobs = new JobManager(project, jobHooks(project));
      try {
        const calibration =
          opts.calibration !== undefined
            ? { method: 'manual', invAPerPixel: opts.calibration }
            : opts.ringK !== undefined
              ? { method: 'ring', ringKInvA: opts.ringK }
              : opts.haloDataset !== undefined
                ? { method: 'halo' }
                : { method: 'metadata' };
        const { map, job } = await submitMap(project, jobs, {
          modelId,
          input: path.resolve(file),
          recipe: {
            calibration,
            denoise: { method: opts.denoise === 'tv' ? 'tv-chambolle' : 'none' },
            centre: { method: opts.centre },
            ...(opts.saturation !== undefined ? { quality: { saturationValue: opts.saturation } } : {}),
          },
          batchSize: 64,
          ...(opts.scanShape !== undefined ? { scanShape: parseScanShape(opts.scanShape) } : {}),
          ...(opts.scanStep !== undefined ? { scanStepNm: opts.scanStep } : {}),
          ...(opts.datasetPath !== undefined ? { datasetPath: opts.datasetPath } : {}),
          ...(opts.haloDataset !== undefined ? { haloReferenceDatasetId: opts.haloDataset } : {}),
          ...(opts.name !== undefined ? { name: opts.name } : {}),
        });
        const final = await followJob(jobs, job, `map ${map.id}`);
        if (final.state !== 'succeeded') throw new Error(`${final.error ?? `the map job ended ${final.state}`}; ${mapResumeHint(map.id)}`);
        const done = project.maps.get(map.id);
        process.stderr.write(`map: ${JSON.stringify(done.summary)}\nmap: ${done.dir}\n`);
        process.stdout.write(`${map.id}\n`);
      } finally {
        await jobs.shutdown();
        project.close();
      }
    });
  model
    .command('predict')
    .description("predict a project dataset with a project model (a predict job, stored with its evaluation as on the model page); prints the prediction id")
    .argument('<project>', 'project folder')
    .argument('<modelId>', 'model id in the project', parsePositiveInteger)
    .requiredOption('--dataset <id>', 'the dataset to predict', parsePositiveInteger)
    .addOption(new Option('--split <split>', "every pattern, or one side of the split: the one the model trained with when it learned from this dataset, else the dataset's seeded random split").choices(['all', 'train', 'validation']).default('all'))
    .option('--name <name>', 'prediction name')
    .action(async (dir: string, modelId: number, opts: { dataset: number; split: 'all' | 'train' | 'validation'; name?: string }) => {
      const project = Project.open(dir);
      const jobs = new JobManager(project, jobHooks(project));
      try {
        const job = submitPrediction(project, jobs, {
          modelId,
          input: { kind: 'dataset', datasetId: opts.dataset, split: opts.split },
          batchSize: 64,
          ...(opts.name !== undefined ? { name: opts.name } : {}),
        });
        const final = await followJob(jobs, job, `predict with model ${modelId}`);
        if (final.state !== 'succeeded') throw new Error(final.error ?? `the predict job ended ${final.state}`);
        const id = final.outputs.find((o) => o.kind === 'prediction')?.id;
        const prediction = typeof id === 'number' ? project.predictions.find(id) : null;
        if (prediction === null) throw new Error('the predict job stored no prediction');
        if (prediction.metrics) for (const line of describeMetrics(prediction.metrics)) process.stderr.write(`predict: ${line}\n`);
        process.stdout.write(`${prediction.id}\n`);
      } finally {
        await jobs.shutdown();
        project.close();
      }
    });
}
