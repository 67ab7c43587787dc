/**
 * One protocol's parameter form, drawn from its field list: the main fields in a two-column grid, the rest under
 * "Advanced", the composite's nanocrystals as an editable list, each field with its unit and its own error.
 */
import { useEffect, useState } from 'react';
import type { SimulationProtocol } from '../../../main/shared/simulation';
import { PROTOCOL_FIELDS, type FieldSpec } from './protocol-fields';
import { emptyNanocrystal, type NanocrystalDraft, type SimulationDraft } from './simulate-form';

export interface ProtocolFormProps {
  draft: SimulationDraft;
  errors: Record<string, string>;
  onChange: (draft: SimulationDraft) => void;
}

/** A stable DOM id / test id for a field key ('grainA.x' → 'sim-grainA-x'). */
export function fieldId(key: string): string {
  return `sim-${key.replace(/\./g, '-')}`;
}

export function ProtocolForm({ draft, errors, onChange }: ProtocolFormProps) {
  const fields = PROTOCOL_FIELDS[draft.protocol];
  const setValue = (key: string, value: string) => onChange({ ...draft, values: { ...draft.values, [key]: value } });
  const main = fields.filter((f) => !f.advanced);
  const advanced = fields.filter((f) => f.advanced);
  const advancedErrors = advanced.filter((f) => errors[f.key] !== undefined).length;
  const [advancedOpen, setAdvancedOpen] = useState(false);
  // Opens when something in it becomes wrong, so an error is never hidden; the user may close it again.
  const advancedWrong = advancedErrors > 0;
  useEffect(() => {
    if (advancedWrong) setAdvancedOpen(true);
  }, [advancedWrong]);
  const render = (field: FieldSpec) => (
    <Field key={field.key} protocol={draft.protocol} field={field} value={draft.values[field.key] ?? ''} error={errors[field.key]} onChange={(v) => setValue(field.key, v)} />
  );
  const beforeName = main.filter((f) => f.key !== 'name');
  const name = main.find((f) => f.key === 'name');
  return (
    <div className="sim-form" data-testid={`sim-form-${draft.protocol}`}>
      <div className="sim-grid">{beforeName.map(render)}</div>
      {draft.protocol === 'composite' && (
        <NanocrystalList items={draft.nanocrystals} errors={errors} onChange={(nanocrystals) => onChange({ ...draft, nanocrystals })} />
      )}
      {name && <div className="sim-grid">{render(name)}</div>}
      <details className="sim-disclosure sim-advanced" open={advancedOpen} onToggle={(e) => setAdvancedOpen(e.currentTarget.open)} data-testid="sim-advanced">
        <summary>
          Advanced
          {advancedErrors > 0 && <span className="text-failed"> · {advancedErrors} to fix</span>}
        </summary>
        <div className="sim-grid">{advanced.map(render)}</div>
      </details>
    </div>
  );
}

interface FieldProps {
  protocol: SimulationProtocol;
  field: FieldSpec;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}

function Field({ protocol, field, value, error, onChange }: FieldProps) {
  const id = `${fieldId(field.key)}-${protocol}`;
  const errorId = `${id}-error`;
  const invalid = error !== undefined;
  const className = `sim-field${field.wide ? ' sim-field--wide' : ''}`;
  if (field.kind === 'boolean') {
    return (
      <label className={`${className} sim-field--check`} title={field.help}>
        <input type="checkbox" checked={value === 'true'} onChange={(e) => onChange(e.target.checked ? 'true' : 'false')} data-testid={fieldId(field.key)} />
        <span>{field.label}</span>
      </label>
    );
  }
  const label = (
    <label className="sim-field__label" htmlFor={id}>
      {field.label}
      {field.unit && <span className="sim-field__unit"> ({field.unit})</span>}
    </label>
  );
  const common = {
    id,
    className: `input${field.kind === 'text' || field.kind === 'number' || field.kind === 'integer' ? '' : ' input--mono'}${invalid ? ' input--invalid' : ''}`,
    'aria-invalid': invalid,
    'aria-describedby': invalid ? errorId : undefined,
    'data-testid': fieldId(field.key),
    title: field.help,
  };
  return (
    <div className={className}>
      {label}
      {field.kind === 'choice' ? (
        <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
          {(field.options ?? []).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          inputMode={field.kind === 'number' ? 'decimal' : field.kind === 'integer' ? 'numeric' : undefined}
          spellCheck={false}
          autoComplete="off"
          placeholder={field.placeholder}
        />
      )}
      {invalid ? (
        <span className="field__error" id={errorId} data-testid={`${fieldId(field.key)}-error`}>
          {error}
        </span>
      ) : (
        field.help && !field.wide && <span className="sim-field__help">{field.help}</span>
      )}
    </div>
  );
}

interface NanocrystalListProps {
  items: NanocrystalDraft[];
  errors: Record<string, string>;
  onChange: (items: NanocrystalDraft[]) => void;
}

function NanocrystalList({ items, errors, onChange }: NanocrystalListProps) {
  const update = (i: number, patch: Partial<NanocrystalDraft>) => onChange(items.map((n, k) => (k === i ? { ...n, ...patch } : n)));
  const listError = errors.nanocrystals;
  return (
    <fieldset className="sim-nanocrystals" data-testid="sim-nanocrystals">
      <legend className="sim-field__label">Nanocrystals</legend>
      <div className="sim-nanocrystals__head" aria-hidden="true">
        <span>centre (box fractions)</span>
        <span>r (a₀)</span>
        <span>rotation axis</span>
        <span>angle (°)</span>
        <span />
      </div>
      {items.map((n, i) => {
        const err = (key: string) => errors[`nanocrystals.${i}.${key}`];
        const cls = (key: string) => `input${err(key) ? ' input--invalid' : ''}`;
        const messages = ['centerFraction', 'radiusLatticeParams', 'rotation'].map(err).filter((m): m is string => m !== undefined);
        return (
          <div key={i} className="sim-nanocrystal" data-testid="sim-nanocrystal">
            <input className={cls('centerFraction')} value={n.centre} onChange={(e) => update(i, { centre: e.target.value })} aria-label={`Nanocrystal ${i + 1} centre as fractions of the box`} />
            <input className={cls('radiusLatticeParams')} value={n.radius} onChange={(e) => update(i, { radius: e.target.value })} aria-label={`Nanocrystal ${i + 1} radius in lattice parameters`} />
            <input className={cls('rotation')} value={n.axis} placeholder="none" onChange={(e) => update(i, { axis: e.target.value })} aria-label={`Nanocrystal ${i + 1} rotation axis`} />
            <input className={cls('rotation')} value={n.angleDeg} placeholder="0" onChange={(e) => update(i, { angleDeg: e.target.value })} aria-label={`Nanocrystal ${i + 1} rotation angle in degrees`} />
            <button
              type="button"
              className="icon-button"
              onClick={() => onChange(items.filter((_, k) => k !== i))}
              disabled={items.length <= 1}
              aria-label={`Remove nanocrystal ${i + 1}`}
              title="Remove"
            >
              ×
            </button>
            {messages.length > 0 && <span className="field__error sim-nanocrystal__error">{messages.join('; ')}</span>}
          </div>
        );
      })}
      <div className="sim-nanocrystals__foot">
        <button type="button" className="button button--small" onClick={() => onChange([...items, emptyNanocrystal()])} disabled={items.length >= 100} data-testid="sim-add-nanocrystal">
          Add nanocrystal
        </button>
        {listError && <span className="field__error">{listError}</span>}
      </div>
    </fieldset>
  );
}
