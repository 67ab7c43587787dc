/**
 * The training form: a complete dataset, the architecture and target, the optimiser settings (the paper's defaults)
 * and, under "Advanced", the weights to start from; each field shows its own error from the shared schema.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { DatasetSummary } from '../../../main/shared/domain';
import { LR_SCHEDULES, MODEL_ARCHITECTURES, MODEL_TARGETS, TRAIN_DEVICES, TRAINING_BALANCES, TTA_MODES } from '../../../main/shared/models';
import { SPLIT_AXIS_CHOICES, SPLIT_KINDS, splitKindLabel, type SplitKind } from '../../../main/shared/splits';
import { SegmentedControl } from '../components/segmented-control';
import { formatCount } from '../format';
import { architectureLabel } from './model-format';
import type { TrainingCheck, TrainingDraft, TrainingField } from './training-draft';

export interface TrainingFormProps {
  draft: TrainingDraft;
  check: TrainingCheck;
  datasets: DatasetSummary[];
  onChange: (draft: TrainingDraft) => void;
}

const ARCHITECTURE_OPTIONS = MODEL_ARCHITECTURES.map((a) => ({
  value: a,
  label: architectureLabel(a),
  title: a === 'resnet18' ? 'ResNet-18 (torchvision layout, 1-channel conv1, Linear(512, 1)): the paper’s model' : 'The paper’s base CNN: 3 convolutions + 2 fully connected layers',
  testId: `train-model-${a}`,
}));

const TARGET_OPTIONS = MODEL_TARGETS.map((t) => ({
  value: t,
  label: t === 'one_minus_d' ? '1 − d (authors’)' : 'd',
  title: t === 'one_minus_d' ? 'Learn 1 − d̄ as the authors did (their published checkpoints predict it)' : 'Learn d̄ itself',
  testId: `train-target-${t}`,
}));

const SPLIT_HELP: Record<SplitKind, string> = {
  blocked: 'One validation slab per structure; probes that could see its atoms are excluded',
  structure: 'Validate on whole structures the model never saw',
  random: 'Neighbouring probes share most of their atoms: validation looks better than it is',
};

// Short labels fit the control; the full label (random says it is optimistic) is the tooltip and the help below.
const SPLIT_SHORT: Record<SplitKind, string> = { blocked: 'blocked', structure: 'by structure', random: 'random (optimistic)' };
const SPLIT_OPTIONS = SPLIT_KINDS.map((k) => ({ value: k, label: SPLIT_SHORT[k], title: `${splitKindLabel(k)}: ${SPLIT_HELP[k]}`, testId: `train-split-${k}` }));

const BALANCE_LABELS: Record<(typeof TRAINING_BALANCES)[number], string> = {
  none: 'per pattern',
  structure: 'per structure',
  label: 'rare labels up',
};

const DEVICE_LABELS: Record<(typeof TRAIN_DEVICES)[number], string> = {
  auto: 'auto (CUDA, MPS, else CPU)',
  cpu: 'CPU',
  cuda: 'CUDA',
  mps: 'MPS (Apple)',
};

export function TrainingForm({ draft, check, datasets, onChange }: TrainingFormProps) {
  const set = <K extends TrainingField>(key: K, value: TrainingDraft[K]) => onChange({ ...draft, [key]: value });
  const errors = check.errors;
  const advancedErrors = (['imagenetWeights', 'initStateDict', 'minLr', 'warmupEpochs', 'emaDecay'] as const).filter((k) => errors[k] !== undefined).length;
  const [advancedOpen, setAdvancedOpen] = useState(false);
  // Opens when something in it becomes wrong, so an error is never hidden; the user may close it again.
  const advancedWrong = advancedErrors > 0;
  useEffect(() => {
    if (advancedWrong) setAdvancedOpen(true);
  }, [advancedWrong]);
  const dataset = datasets.find((d) => String(d.id) === draft.datasetId) ?? null;

  const text = (key: TrainingField, label: string, options: { unit?: string; help?: string; wide?: boolean; mono?: boolean; placeholder?: string } = {}) => (
    <Field id={key} label={label} unit={options.unit} help={options.help} error={errors[key]} wide={options.wide}>
      <input
        id={`train-${key}`}
        className={`input${options.mono ? ' input--mono' : ''}${errors[key] ? ' input--invalid' : ''}`}
        value={draft[key]}
        onChange={(e) => set(key, e.target.value)}
        aria-invalid={errors[key] !== undefined}
        aria-describedby={errors[key] ? `train-${key}-error` : undefined}
        spellCheck={false}
        autoComplete="off"
        placeholder={options.placeholder}
        data-testid={`train-${key}`}
      />
    </Field>
  );

  return (
    <div className="sim-form train-form" data-testid="training-form">
      <div className="sim-grid">
        <Field id="datasetId" label="Dataset" error={errors.datasetId} wide help={dataset ? `${formatCount(dataset.sampleCount)} patterns, split into training and validation as chosen below` : undefined}>
          <select
            id="train-datasetId"
            className={`input${errors.datasetId ? ' input--invalid' : ''}`}
            value={draft.datasetId}
            onChange={(e) => set('datasetId', e.target.value)}
            aria-invalid={errors.datasetId !== undefined}
            data-testid="train-datasetId"
          >
            <option value="">{datasets.some((d) => d.state === 'complete') ? 'choose a dataset…' : 'no complete dataset yet'}</option>
            {datasets.map((d) => (
              <option key={d.id} value={d.id} disabled={d.state !== 'complete'}>
                #{d.id} {d.name} · {d.state === 'complete' ? `${formatCount(d.sampleCount)} patterns` : `building ${formatCount(d.doneCount)}/${formatCount(d.sampleCount)}`}
              </option>
            ))}
          </select>
        </Field>
        <Field id="model" label="Architecture" wide group>
          <SegmentedControl label="Architecture" options={ARCHITECTURE_OPTIONS} value={draft.model} onChange={(v) => set('model', v)} small />
        </Field>
        <Field id="target" label="Target" wide group>
          <SegmentedControl label="Target" options={TARGET_OPTIONS} value={draft.target} onChange={(v) => set('target', v)} small />
        </Field>
        {text('epochs', 'Epochs', { help: 'Paper: up to 400; the best epoch is kept' })}
        {text('batchSize', 'Batch size', { help: 'Paper: 64' })}
        {text('lr', 'Learning rate', { help: draft.schedule === 'cosine' ? 'Adam; cosine decay to the minimum by the last epoch' : 'Adam; halved after the plateau patience without progress' })}
        {text('weightDecay', 'Weight decay', { help: 'Paper: 1e-5' })}
        {text('seed', 'Seed', { help: 'Initial weights, batches, augmentation' })}
        <Field id="device" label="Device">
          <select id="train-device" className="input" value={draft.device} onChange={(e) => set('device', e.target.value as TrainingDraft['device'])} data-testid="train-device">
            {TRAIN_DEVICES.map((d) => (
              <option key={d} value={d}>
                {DEVICE_LABELS[d]}
              </option>
            ))}
          </select>
        </Field>
        {text('name', 'Model name', { wide: true, placeholder: dataset ? `default: ${draft.model} on ${dataset.name}` : 'default: architecture on dataset' })}
        <Field id="split" label="Validation split" wide group help={SPLIT_HELP[draft.split]}>
          <SegmentedControl label="Validation split" options={SPLIT_OPTIONS} value={draft.split} onChange={(v) => set('split', v)} small />
        </Field>
        {draft.split === 'blocked' && (
          <>
            <Field id="splitAxis" label="Slab axis">
              <select id="train-splitAxis" className="input" value={draft.splitAxis} onChange={(e) => set('splitAxis', e.target.value as TrainingDraft['splitAxis'])} data-testid="train-splitAxis">
                {SPLIT_AXIS_CHOICES.map((a) => (
                  <option key={a} value={a}>
                    {a === 'auto' ? 'auto (across the zones and regions)' : a}
                  </option>
                ))}
              </select>
            </Field>
            {text('splitGuardA', 'Guard', { unit: 'Å', help: 'Extra gap beyond the probes’ extents' })}
          </>
        )}
        {draft.split !== 'structure' && text('validationFraction', 'Validation fraction', { help: draft.split === 'blocked' ? 'Slab width / cell length along the axis' : 'Of the probes' })}
        {draft.split === 'structure' && text('holdoutStructures', 'Structures held out', { help: 'Structure ids, comma-separated', placeholder: 'e.g. 2' })}
      </div>
      <details className="sim-disclosure sim-advanced" open={advancedOpen} onToggle={(e) => setAdvancedOpen(e.currentTarget.open)} data-testid="train-advanced">
        <summary>
          Advanced: saved weights, schedule, weight average, input
          {advancedErrors > 0 && <span className="text-failed"> · {advancedErrors} to fix</span>}
        </summary>
        <div className="sim-grid">
          {text('imagenetWeights', 'ImageNet ResNet-18 weights (state_dict file)', {
            wide: true,
            mono: true,
            placeholder: '/path/on/the/core/resnet18-imagenet.pth',
            help: 'ResNet-18 only; never downloaded: give a file on the machine that runs the core',
          })}
          {text('initStateDict', 'Initial state_dict of this architecture', {
            wide: true,
            mono: true,
            placeholder: '/path/on/the/core/checkpoint.pt',
            help: 'E.g. the authors’ published checkpoint, to fine-tune',
          })}
          <Field id="schedule" label="Learning-rate schedule">
            <select id="train-schedule" className="input" value={draft.schedule} onChange={(e) => set('schedule', e.target.value as TrainingDraft['schedule'])} data-testid="train-schedule">
              {LR_SCHEDULES.map((k) => (
                <option key={k} value={k}>
                  {k === 'cosine' ? 'cosine (lr → min lr over the run)' : 'plateau (halve when stuck)'}
                </option>
              ))}
            </select>
          </Field>
          {text('minLr', 'Min learning rate', { help: 'End of the cosine schedule' })}
          {text('warmupEpochs', 'Warm-up epochs', { help: 'Linear warm-up (cosine)' })}
          {text('emaDecay', 'Weight average decay', { help: 'EMA of the weights for validation and export; “off” disables' })}
          <Field id="tta" label="Test-time augmentation">
            <select id="train-tta" className="input" value={draft.tta} onChange={(e) => set('tta', e.target.value as TrainingDraft['tta'])} data-testid="train-tta">
              {TTA_MODES.map((k) => (
                <option key={k} value={k}>
                  {k === 'none' ? 'none' : 'd4 (8 symmetries of the square)'}
                </option>
              ))}
            </select>
          </Field>
          <Field id="inputSide" label="Input side">
            <select id="train-inputSide" className="input" value={draft.inputSide} onChange={(e) => set('inputSide', e.target.value as TrainingDraft['inputSide'])} data-testid="train-inputSide">
              <option value="133">the dataset’s grid</option>
              <option value="67">every other k-node (Δk doubled)</option>
            </select>
          </Field>
          <Field id="balance" label="Loss weights" help="“per pattern”: each pattern alike; “per structure”: each training structure weighs alike, however many patterns it has; “rare labels up”: patterns with an uncommon d (probes across an interface) weigh more than the crystal and glass majority">
            <select id="train-balance" className="input" value={draft.balance} onChange={(e) => set('balance', e.target.value as TrainingDraft['balance'])} data-testid="train-balance">
              {TRAINING_BALANCES.map((k) => (
                <option key={k} value={k}>
                  {BALANCE_LABELS[k]}
                </option>
              ))}
            </select>
          </Field>
        </div>
      </details>
    </div>
  );
}

interface FieldProps {
  id: string;
  label: string;
  unit?: string | undefined;
  help?: string | undefined;
  error?: string | undefined;
  wide?: boolean | undefined;
  /** A radio group (segmented control), which names itself: the caption is no <label> of an input. */
  group?: boolean | undefined;
  children: ReactNode;
}

function Field({ id, label, unit, help, error, wide, group, children }: FieldProps) {
  const caption = (
    <>
      {label}
      {unit && <span className="sim-field__unit"> ({unit})</span>}
    </>
  );
  return (
    <div className={`sim-field${wide ? ' sim-field--wide' : ''}`}>
      {group ? (
        <span className="sim-field__label">{caption}</span>
      ) : (
        <label className="sim-field__label" htmlFor={`train-${id}`}>
          {caption}
        </label>
      )}
      {children}
      {error !== undefined ? (
        <span className="field__error" id={`train-${id}-error`} data-testid={`train-${id}-error`}>
          {error}
        </span>
      ) : (
        help && <span className="sim-field__help">{help}</span>
      )}
    </div>
  );
}
