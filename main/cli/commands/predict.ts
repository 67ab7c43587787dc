/**
 * `ssro predict MODEL.onnx INPUT --out predictions.csv`: d for every pattern of a .npy stack of raw intensities, a
 * dataset export folder or a project dataset folder, with onnxruntime on both cores and the model's recorded
 * preprocessing (a foreign model without our metadata needs --target, --kmax and --delta-k). One CSV row per pattern:
 * index,d.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_PREDICT_BATCH, MODEL_TARGETS, type ModelTarget } from '../../shared/models';
import { sigmaCalibration } from '../../../native-workers/lib/models/uncertainty';
import { checkSourceFitsModel, openPatternSource } from '../../../native-workers/lib/models/pattern-sources';
import { describeMetrics, evaluateExport, readDatasetLabels, readExportLabels } from '../../../native-workers/lib/models/export-evaluation';
import { parsePositive, parsePositiveInteger } from '../parse-options';

interface PredictOptions {
  out: string;
  metrics?: string;
  target?: ModelTarget;
  kmax?: number;
  deltaK?: number;
  batch: number;
  threads: number;
}

function writeAtomically(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict d for every pattern of a raw .npy stack, a dataset export folder or a project dataset folder; writes index,d rows')
    .argument('<model>', 'an ONNX model (.onnx)')
    .argument('<input>', "a .npy stack of raw intensities (N,S,S) as `ssro diffract --raw` writes, a dataset export folder, or a project dataset folder (PROJECT/datasets/UUID: raw patterns, the model's transform applied)")
    .requiredOption('--out <file>', 'the CSV to write (index,d; for a labelled export also d_true,region,split)')
    .option('--metrics <file>', 'for a labelled dataset export or a project dataset folder: write MAE, RMSE and R² overall, per split and per region (JSON)')
    .addOption(new Option('--target <target>', 'for a model without SSRO metadata: what its output is').choices([...MODEL_TARGETS]))
    .option('--kmax <invA>', 'for a model without SSRO metadata: kmax of its training patterns (Å⁻¹)', parsePositive)
    .option('--delta-k <invA>', 'for a model without SSRO metadata: pixel size Δk of its training patterns (Å⁻¹)', parsePositive)
    .option('--batch <n>', 'patterns per inference batch', parsePositiveInteger, DEFAULT_PREDICT_BATCH)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: both cores)', parsePositiveInteger, 2)
    .action(async (modelFile: string, input: string, opts: PredictOptions) => {
      // onnxruntime's native library loads only for this command, not for every `ssro` start.
      const { loadInferenceModel, predictSourceD } = await import('../../../native-workers/lib/models/onnx-inference');
      const model = await loadInferenceModel(path.resolve(modelFile), {
        threads: opts.threads,
        stated: { target: opts.target, kmaxInvA: opts.kmax, deltaKInvA: opts.deltaK },
        statedNames: { target: '--target', kmaxInvA: '--kmax', deltaKInvA: '--delta-k' },
      });
      const source = openPatternSource(path.resolve(input), model.metadata.preprocessing);
      try {
        const labels = source.kind === 'export' ? readExportLabels(source.location) : source.kind === 'dataset' ? readDatasetLabels(source.location) : null;
        if (opts.metrics && !labels) throw new Error(`--metrics needs labels (a dataset export with targets.npy, or a project dataset folder); ${input} has none`);
        for (const note of checkSourceFitsModel(source, model.metadata.preprocessing)) process.stderr.write(`predict: ${note}\n`);
        const started = Date.now();
        const { d, sigma } = await predictSourceD(model, source, undefined, {
          batchSize: opts.batch,
          onProgress: (done, total) => {
            if (process.stderr.isTTY) process.stderr.write(`\rpredict: ${done}/${total}`);
          },
        });
        const seconds = (Date.now() - started) / 1000;
        if (process.stderr.isTTY) process.stderr.write('\n');
        const lines = [`index,d${sigma ? ',sigma' : ''}${labels ? ',d_true,region,split' : ''}`];
        for (let i = 0; i < d.length; i++) {
          const cells = [String(i), String(d[i] as number), ...(sigma ? [String(sigma[i] as number)] : [])];
          if (labels) cells.push(String(labels.d[i] as number), labels.region[i] ?? '', labels.split[i] ?? '');
          lines.push(cells.join(','));
        }
        const out = path.resolve(opts.out);
        writeAtomically(out, `${lines.join('\n')}\n`);
        if (labels) {
          const metrics = evaluateExport(labels, d, false);
          for (const line of describeMetrics(metrics)) process.stderr.write(`predict: ${line}\n`);
          const calibration = sigma ? sigmaCalibration(d, sigma, labels.d) : null;
          if (calibration) {
            process.stderr.write(
              `predict: σ on these patterns: Spearman ρ(σ, |error|) ${calibration.spearman.toFixed(3)}, |error| ≤ σ for ${(100 * calibration.coverage1).toFixed(1)} %, ≤ 2σ for ${(100 * calibration.coverage2).toFixed(1)} %, mean σ ${calibration.meanSigma.toFixed(4)}\n`,
            );
          }
          if (opts.metrics) {
            const report = { model: path.resolve(modelFile), modelSha256: model.sha256, input: source.location, architecture: model.metadata.architecture, ...metrics, ...(calibration ? { sigma: calibration } : {}) };
            writeAtomically(path.resolve(opts.metrics), `${JSON.stringify(report, null, 2)}\n`);
          }
        }
        process.stderr.write(
          `predict: ${d.length} patterns (${source.side}×${source.side}, ${source.content === 'raw-intensity' ? `raw intensities, ${model.metadata.preprocessing.transform} applied` : 'model inputs'}) in ${seconds.toFixed(2)} s with ${model.metadata.architecture} (target ${model.metadata.target}) → ${out}\n`,
        );
      } finally {
        source.close();
        await model.release();
      }
    });
}
