/**
 * What a model is and where it came from: the preprocessing it expects (transform, side, kmax, Δk, log clip,
 * normalisation) and its provenance (dataset, training settings, epochs, device, torch version, file and checksum).
 */
import type { DatasetSummary } from '../../../main/shared/domain';
import { structureMetricsOf, type ModelSummary, type StructureMetrics } from '../../../main/shared/models';
import { parseSplitInfo, RANDOM_SPLIT_LABEL, splitKindLabel, splitSummaryLine, SPLIT_KINDS } from '../../../main/shared/splits';
import { describeTransform, transformSpecOf } from '../../../main/shared/model-transform';
import { bundleOriginText, bundleRunText, initText } from '../../../main/shared/model-provenance';
import { formatDateTime, formatDurationMs } from '../format';
import { architectureLabel, asRecord, formatSmall, numberField, TARGET_LABELS, textField } from './model-format';
import type { ModelDetails } from './use-model-details';

export interface ModelFactsProps {
  model: ModelSummary;
  details: ModelDetails | null;
  datasets: DatasetSummary[];
}

const SOURCE_LABELS: Record<ModelSummary['source'], string> = {
  trained: 'trained here',
  'imported-onnx': 'imported ONNX',
  'imported-torch': 'imported PyTorch state_dict',
};

type Fact = [label: string, value: string, title?: string];

/** The ensemble's calibration and the out-of-distribution check, from the model file's metadata. */
function uncertaintyFacts(metadata: Record<string, unknown> | null): Fact[] {
  const ensemble = asRecord(metadata?.ensemble);
  const calibration = asRecord(ensemble?.calibration);
  const members = numberField(ensemble, 'members');
  const facts: Fact[] = [];
  if (members === null) {
    facts.push(['uncertainty', 'none (a single model: no σ per frame)']);
  } else {
    const rho = numberField(calibration, 'spearman');
    const c1 = numberField(calibration, 'coverage1');
    facts.push([
      'uncertainty',
      `ensemble of ${members}; σ = ${formatSmall(numberField(ensemble, 'sigmaScale'))} × spread`,
      `On validation: Spearman ρ(σ, |error|) ${rho === null ? 'n/a' : rho.toFixed(2)}, |error| ≤ σ for ${c1 === null ? 'n/a' : `${(100 * c1).toFixed(0)} %`} of patterns`,
    ]);
  }
  const ood = asRecord(metadata?.ood);
  const threshold = numberField(ood, 'threshold');
  facts.push(['out-of-distribution check', threshold === null ? 'none recorded' : `${textField(ood, 'features') ?? 'features'}; flagged above D² ${formatSmall(threshold)}`]);
  return facts;
}

/**
 * The split a model trained with: its record (metrics.json or the model file), else the kind its request names;
 * runs made before splits were chosen used the random split.
 */
export function modelSplitText(model: ModelSummary, metadata: Record<string, unknown> | null): string {
  const info = parseSplitInfo(model.metrics?.split) ?? parseSplitInfo(metadata?.split);
  if (info) return splitSummaryLine(info);
  const kind = SPLIT_KINDS.find((k) => k === model.params.split);
  return kind ? splitKindLabel(kind) : RANDOM_SPLIT_LABEL;
}

function rmseText(value: number | null | undefined): string {
  return typeof value === 'number' ? value.toFixed(4) : '—';
}

/** Validation RMSE per structure (rows) and region (columns), with the pattern counts in the cell titles. */
function StructureTable({ metrics }: { metrics: StructureMetrics }) {
  const rows = Object.entries(metrics.validation).sort(([a], [b]) => Number(a) - Number(b));
  if (rows.length === 0) return null;
  const regions = [...new Set(rows.flatMap(([, m]) => Object.keys(m.regions)))];
  return (
    <div>
      <h3>Validation RMSE by structure</h3>
      <table className="metrics-table" data-testid="model-structure-metrics">
        <thead>
          <tr>
            <th scope="col">structure</th>
            <th scope="col">all</th>
            {regions.map((r) => (
              <th key={r} scope="col">
                {r}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([index, m]) => (
            <tr key={index} data-row={m.name}>
              <th scope="row">{m.name}</th>
              <td title={`${m.count} patterns; MAE ${rmseText(m.mae)}; R² ${m.r2 === null ? 'n/a' : m.r2.toFixed(3)}`}>{rmseText(m.rmse)}</td>
              {regions.map((r) => (
                <td key={r} title={m.regions[r] ? `${m.regions[r]?.count} patterns` : 'no patterns'}>
                  {rmseText(m.regions[r]?.rmse)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ModelFacts({ model, details, datasets }: ModelFactsProps) {
  const p = model.preprocessing;
  const metadata = details?.metadata ?? null;
  const metrics = model.metrics;
  const params = model.params;
  const dataset = datasets.find((d) => d.id === model.datasetId) ?? null;
  const source = asRecord(metadata?.source);
  const perStructure = structureMetricsOf(metrics);

  const preprocessing: Fact[] = p
    ? [
        ['transform', p.transform, describeTransform(transformSpecOf(p))],
        ['pattern side', `${p.side} × ${p.side} px`],
        ['kmax', p.kmaxInvA === null ? 'not recorded' : `${p.kmaxInvA} Å⁻¹`],
        ['Δk', p.deltaKInvA === null ? 'not recorded' : `${p.deltaKInvA} Å⁻¹`],
        ...(p.transform === 'annulus-log' ? ([['beam mask', `|K| < ${p.beamMaskInvA} Å⁻¹`]] as Fact[]) : ([['log clip', String(p.logClip)]] as Fact[])),
        ...(p.transform === 'log1-globalmax' ? ([['global log max', String(p.globalLogMax)]] as Fact[]) : []),
        ['normalisation', p.normalisation],
        ...uncertaintyFacts(metadata),
      ]
    : [];

  const epochs = numberField(metrics, 'epochs') ?? numberField(metadata, 'epochs');
  const bestEpoch = numberField(metrics, 'bestEpoch') ?? numberField(metadata, 'bestEpoch') ?? details?.history?.bestEpoch ?? null;
  const seconds = numberField(metrics, 'seconds');
  const provenance: Fact[] = [
    ['source', SOURCE_LABELS[model.source]],
    ['architecture', architectureLabel(model.architecture)],
    ['target', `${TARGET_LABELS[model.target]}${model.target === 'one_minus_d' ? ' (the authors’ convention)' : ''}`],
  ];
  if (model.source === 'trained') {
    provenance.push(['dataset', dataset ? `#${dataset.id} ${dataset.name}` : model.datasetId !== null ? `#${model.datasetId}` : 'deleted']);
    provenance.push(['validation split', modelSplitText(model, metadata)]);
    const requested = numberField(params, 'epochs');
    if (epochs !== null || requested !== null) provenance.push(['epochs', `${epochs ?? '…'}${requested !== null && requested !== epochs ? ` of ${requested}` : ''}${bestEpoch !== null ? ` · best ${bestEpoch}` : ''}`]);
    const settings = [
      numberField(params, 'batchSize') !== null ? `batch ${numberField(params, 'batchSize')}` : null,
      numberField(params, 'lr') !== null ? `lr ${formatSmall(numberField(params, 'lr'))}` : null,
      numberField(params, 'weightDecay') !== null ? `weight decay ${formatSmall(numberField(params, 'weightDecay'))}` : null,
      numberField(params, 'seed') !== null ? `seed ${numberField(params, 'seed')}` : null,
    ].filter((s): s is string => s !== null);
    if (settings.length > 0) provenance.push(['optimiser', `Adam, L1 · ${settings.join(' · ')}`]);
    provenance.push(['init', initText(metadata, params) ?? 'scratch']);
    const device = textField(metrics, 'device') ?? textField(params, 'device');
    if (device) provenance.push(['device', device]);
    if (seconds !== null) provenance.push(['training time', formatDurationMs(seconds * 1000)]);
  } else {
    const file = textField(params, 'file') ?? textField(source, 'file');
    if (file) provenance.push(['file', file]);
    if (model.source === 'imported-onnx') provenance.push(['metadata', params.ownMetadata === true ? 'SSRO Studio’s own' : 'stated at import (foreign model)']);
    const origin = bundleOriginText(params);
    if (origin) provenance.push(['origin', `${origin}${bundleRunText(params) ? `; ${bundleRunText(params)}` : ''}`]);
    const init = initText(metadata, params);
    if (init) provenance.push(['init', init]);
    const trainedOn = metadata?.trainingDatasetId;
    if (trainedOn !== undefined && trainedOn !== null) provenance.push(['trained on', `dataset ${String(trainedOn)} (of the project that made it)`]);
    if (epochs !== null) provenance.push(['epochs', `${epochs}${bestEpoch !== null ? ` · best ${bestEpoch}` : ''}`]);
  }
  const torch = textField(metadata, 'torch');
  if (torch) provenance.push(['torch', torch]);
  if (model.sha256) provenance.push(['ONNX sha256', `${model.sha256.slice(0, 16)}…`, model.sha256]);
  if (model.onnxPath) provenance.push(['ONNX file', model.onnxPath]);
  provenance.push(['created', formatDateTime(model.createdAt)]);

  return (
    <section className="sim-card model-card model-facts" aria-label="Preprocessing and provenance" data-testid="model-facts">
      <div>
        <h3>Preprocessing</h3>
        {preprocessing.length > 0 ? (
          <FactList facts={preprocessing} testId="model-preprocessing" />
        ) : (
          <p className="muted model-facts__empty">Recorded when the training exports its best model.</p>
        )}
      </div>
      <div>
        <h3>Provenance</h3>
        <FactList facts={provenance} testId="model-provenance" />
      </div>
      {perStructure && <StructureTable metrics={perStructure} />}
    </section>
  );
}

function FactList({ facts, testId }: { facts: Fact[]; testId: string }) {
  return (
    <dl className="fact-list" data-testid={testId}>
      {facts.map(([label, value, title]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd title={title ?? value}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
