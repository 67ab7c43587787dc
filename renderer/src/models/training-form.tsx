/**
 * The training form: a complete dataset, the architecture and target, the optimiser settings (the paper's defaults)
 * and, under "Advanced", the weights to start from; each field shows its own error from the shared schema.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { DatasetSummary } from '../../../main/shared/domain';
import { MODEL_ARCHITECTURES, MODEL_TARGETS, TRAIN_DEVICES } from '../../../main/shared/models';
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

const DEVICE_LABELS: Record<(typeof TRAIN_DEVICES)[number], string> = {
  auto: 'auto (CUDA, MPS, else CPU)',
  cpu: 'CPU',
  cuda: 'CUDA',
  mps: 'MPS (Apple)',
};

export function TrainingForm({ draft, check, datasets, onChange }: TrainingFormProps) {
  const set = <K extends TrainingField>(key: K, value: TrainingDraft[K]) => onChange({ ...draft, [key]: value });
  const errors = check.errors;
  const advancedErrors = (['imagenetWeights', 'initStateDict'] as const).filter((k) => errors[k] !== undefined).length;
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
        <Field id="datasetId" label="Dataset" error={errors.datasetId} wide help={dataset ? `${formatCount(dataset.sampleCount)} patterns, split 80/20 (seeded) into training and validation` : undefined}>
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
        {text('lr', 'Learning rate', { help: 'Adam; halved after 20 epochs without progress' })}
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
      </div>
      <details className="sim-disclosure sim-advanced" open={advancedOpen} onToggle={(e) => setAdvancedOpen(e.currentTarget.open)} data-testid="train-advanced">
        <summary>
          Advanced: start from saved weights
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
