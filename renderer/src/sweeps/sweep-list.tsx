/** The project's probe-size sweeps as a list: name, state, cells done, and the best cell's RMSE. */
import type { SweepSummary } from '../../../main/shared/sweeps';
import { architectureLabel, formatError } from '../models/model-format';
import { SWEEP_STATE_LABELS, SWEEP_STATE_PILLS } from './sweep-page';

export interface SweepListProps {
  sweeps: SweepSummary[];
  selectedId: number | null;
  onSelect: (id: number) => void;
}

export function SweepList({ sweeps, selectedId, onSelect }: SweepListProps) {
  return (
    <ul className="model-list" data-testid="sweep-list">
      {sweeps.map((s) => {
        const done = s.cells.filter((c) => c.state === 'done');
        const best = done.reduce<(typeof done)[number] | null>((b, c) => ((c.validation?.rmse ?? Infinity) < (b?.validation?.rmse ?? Infinity) ? c : b), null);
        return (
          <li key={s.id}>
            <button type="button" className={`model-item${s.id === selectedId ? ' selected' : ''}`} onClick={() => onSelect(s.id)} aria-pressed={s.id === selectedId} data-testid="sweep-item" data-sweep-id={s.id}>
              <span className="model-item__name" title={s.name}>
                {s.name}
              </span>
              <span className={`state-pill state-pill--${SWEEP_STATE_PILLS[s.state]}`}>{SWEEP_STATE_LABELS[s.state]}</span>
              <span className="model-item__meta muted">
                {s.params.models.map(architectureLabel).join(', ')} · {done.length}/{s.cells.length} cells
              </span>
              <span className="model-item__rmse" title="The lowest validation RMSE of any cell">
                {best ? `best ${formatError(best.validation?.rmse)} (r ${best.radiusA} h ${best.heightA})` : ''}
              </span>
            </button>
          </li>
        );
      })}
      {sweeps.length === 0 && <li className="empty">No sweeps yet. A sweep trains each model on each probe size of a dataset (Fig. 7).</li>}
    </ul>
  );
}
