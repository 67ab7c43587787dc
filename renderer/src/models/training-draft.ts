/**
 * The training form as typed text: filled from trainingRequestSchema's defaults (the paper's settings), turned into a
 * training request and checked with that same schema, each issue filed under its field.
 */
import { trainingRequestSchema, type LrSchedule, type ModelArchitecture, type ModelTarget, type TrainDevice, type TrainingBalance, type TrainingRequest, type TtaMode } from '../../../main/shared/models';
import type { SplitAxisChoice, SplitKind } from '../../../main/shared/splits';
import { describeIssue } from '../simulate/simulate-form';

export interface TrainingDraft {
  /** '' until a dataset is chosen. */
  datasetId: string;
  name: string;
  model: ModelArchitecture;
  target: ModelTarget;
  epochs: string;
  batchSize: string;
  lr: string;
  weightDecay: string;
  seed: string;
  device: TrainDevice;
  /** Paths on the core's machine; empty = none. */
  imagenetWeights: string;
  initStateDict: string;
  /** How probes split into training and validation (blocked by default). */
  split: SplitKind;
  splitAxis: SplitAxisChoice;
  splitGuardA: string;
  validationFraction: string;
  /** Structure ids to hold out, comma-separated ('structure' only). */
  holdoutStructures: string;
  schedule: LrSchedule;
  minLr: string;
  warmupEpochs: string;
  /** A decay in [0, 1), or "off". */
  emaDecay: string;
  tta: TtaMode;
  inputSide: '133' | '67';
  balance: TrainingBalance;
}

export type TrainingField = keyof TrainingDraft;

export interface TrainingCheck {
  request: TrainingRequest | null;
  /** Field → reason; '' = not tied to one field. */
  errors: Partial<Record<TrainingField | '', string>>;
}

/** Small rates read best as powers of ten, the way the paper writes them (1e-3, 1e-5). */
export function numberText(value: number): string {
  return value !== 0 && Math.abs(value) < 0.01 ? value.toExponential() : String(value);
}

export function defaultTrainingDraft(datasetId: number | null): TrainingDraft {
  // Any id parses: only the defaults of the other fields are wanted here.
  const d = trainingRequestSchema.parse({ datasetId: 1 });
  return {
    datasetId: datasetId === null ? '' : String(datasetId),
    name: '',
    model: d.model,
    target: d.target,
    epochs: String(d.epochs),
    batchSize: String(d.batchSize),
    lr: numberText(d.lr),
    weightDecay: numberText(d.weightDecay),
    seed: String(d.seed),
    device: d.device,
    imagenetWeights: '',
    initStateDict: '',
    split: d.split,
    splitAxis: d.splitAxis,
    splitGuardA: String(d.splitGuardA),
    validationFraction: String(d.validationFraction),
    holdoutStructures: '',
    schedule: d.schedule,
    minLr: numberText(d.minLr),
    warmupEpochs: String(d.warmupEpochs),
    emaDecay: d.emaDecay === null ? 'off' : String(d.emaDecay),
    tta: d.tta,
    inputSide: d.inputSide === 67 ? '67' : '133',
    balance: d.balance,
  };
}

const NUMERIC_FIELDS = ['epochs', 'batchSize', 'lr', 'weightDecay', 'seed', 'splitGuardA', 'validationFraction', 'minLr', 'warmupEpochs'] as const;
const INTEGER_FIELDS: ReadonlySet<string> = new Set(['epochs', 'batchSize', 'seed', 'warmupEpochs']);

function readNumber(text: string, integer: boolean): number | string {
  const cleaned = integer ? text.replace(/[\s_,\u202f]/g, '') : text.trim();
  if (cleaned === '') return 'required';
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : `“${text.trim()}” is not a number`;
}

/** Converts the draft and validates it with the shared schema: the request, or every reason by field. */
export function checkTrainingDraft(draft: TrainingDraft): TrainingCheck {
  const errors: TrainingCheck['errors'] = {};
  const input: Record<string, unknown> = {
    model: draft.model,
    target: draft.target,
    device: draft.device,
    imagenetWeights: draft.imagenetWeights.trim() === '' ? null : draft.imagenetWeights.trim(),
    initStateDict: draft.initStateDict.trim() === '' ? null : draft.initStateDict.trim(),
    split: draft.split,
    splitAxis: draft.splitAxis,
    schedule: draft.schedule,
    tta: draft.tta,
    inputSide: Number(draft.inputSide),
    balance: draft.balance,
  };
  const ema = draft.emaDecay.trim().toLowerCase();
  if (ema === 'off') input.emaDecay = null;
  else if (ema === '' || !Number.isFinite(Number(ema))) errors.emaDecay = 'a decay in [0, 1) (e.g. 0.999), or off';
  else input.emaDecay = Number(ema);
  if (draft.split === 'structure') {
    const ids = draft.holdoutStructures.split(/[\s,]+/).filter((t) => t !== '').map(Number);
    if (ids.some((id) => !Number.isInteger(id) || id < 1)) errors.holdoutStructures = 'structure ids: whole numbers, comma-separated';
    else input.holdoutStructures = ids;
  }
  if (draft.datasetId === '') errors.datasetId = 'choose a complete dataset';
  else input.datasetId = Number(draft.datasetId);
  if (draft.name.trim() !== '') input.name = draft.name.trim();
  for (const key of NUMERIC_FIELDS) {
    const value = readNumber(draft[key], INTEGER_FIELDS.has(key));
    if (typeof value === 'string') errors[key] = value;
    else input[key] = value;
  }
  const parsed = trainingRequestSchema.safeParse(input);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const key = String(issue.path[0] ?? '');
    const field = (key in draft ? key : '') as TrainingField | '';
    // A field that could not be read keeps that reason; the schema then only says it is missing.
    if (errors[field] !== undefined) continue;
    errors[field] = field === '' ? `${key || 'request'}: ${describeIssue(issue)}` : describeIssue(issue);
  }
  return { request: parsed.success && Object.keys(errors).length === 0 ? parsed.data : null, errors };
}
