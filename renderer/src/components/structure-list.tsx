/** The project's structures, newest first: name, composition and atom count, cell, format and date. */
import type { StructureSummary } from '../../../main/shared/domain';
import { formatAtoms, formatCellLengths, formatComposition, formatDateTime } from '../format';
import { FORMAT_LABELS } from './structure-formats';

export interface StructureListProps {
  structures: StructureSummary[];
  selectedId: number | null;
  onSelect: (id: number) => void;
  onImport: () => void;
  loading: boolean;
  /** Opens the simulated-NBED datasets view. */
  onOpenDatasets?: () => void;
}

export function StructureList({ structures, selectedId, onSelect, onImport, loading, onOpenDatasets }: StructureListProps) {
  const newestFirst = [...structures].sort((a, b) => b.id - a.id);
  return (
    <section className="panel structure-panel" aria-label="Structures">
      <header className="panel__header">
        <h2>
          Structures <span className="count">{structures.length}</span>
        </h2>
        <button type="button" className="button button--primary button--small" onClick={onImport} data-testid="import-open">
          Import structure…
        </button>
      </header>
      <ul className="structure-list" data-testid="structure-list" aria-busy={loading}>
        {newestFirst.map((s) => (
          <li key={s.id}>
            <button
              type="button"
              className={`structure-item${s.id === selectedId ? ' selected' : ''}`}
              aria-pressed={s.id === selectedId}
              onClick={() => onSelect(s.id)}
              data-testid="structure-item"
              data-structure-id={s.id}
              title={s.sourcePath}
            >
              <span className="structure-item__name">{s.name}</span>
              <span className="structure-item__composition">
                <strong>{formatComposition(s.composition, s.typeElements)}</strong> · {formatAtoms(s.atomCount)}
              </span>
              <span className="structure-item__cell">
                {formatCellLengths(s.cell)}
                {s.triclinic ? ' · triclinic' : ''}
              </span>
              <span className="structure-item__meta">
                {FORMAT_LABELS[s.format]} · {formatDateTime(s.createdAt)}
              </span>
            </button>
          </li>
        ))}
        {structures.length === 0 && (
          <li className="empty">
            {loading
              ? 'Loading…'
              : 'No structures yet. Import a LAMMPS data or dump file, an extended XYZ or a VASP POSCAR file.'}
          </li>
        )}
      </ul>
    {onOpenDatasets && (
        <footer className="structure-panel__footer">
          <button type="button" className="button button--small" onClick={onOpenDatasets} data-testid="datasets-open" title="Build and browse simulated NBED datasets">
            NBED datasets…
          </button>
        </footer>
      )}
    </section>
  );
}
