/** Everything recorded about one structure: cell, periodicity, timestep, provenance (a simulation's recipe) and notes. */
import { Fragment } from 'react';
import type { StructureSummary } from '../../../main/shared/domain';
import {
  cellAngles,
  cellVolumeA3,
  formatAtoms,
  formatCellLengths,
  formatComposition,
  formatCount,
  formatDateTime,
  formatDurationMs,
  formatVector,
} from '../format';
import { keyParameters, readSimulationProvenance, type SimulationRecord } from '../simulate/simulation-summary';
import { FORMAT_LABELS } from './structure-formats';

export interface StructureDetailsProps {
  structure: StructureSummary;
}

export function StructureDetails({ structure: s }: StructureDetailsProps) {
  const [alpha, beta, gamma] = cellAngles(s.cell);
  const volume = cellVolumeA3(s.cell);
  const simulation = readSimulationProvenance(s.provenance);
  const elements = [...s.typeElements, ...Object.keys(s.composition).filter((e) => !s.typeElements.includes(e))];
  return (
    <section className="panel details-panel" aria-label="Structure details" data-testid="structure-details">
      <header className="panel__header">
        <h2 title={s.name}>{s.name}</h2>
      </header>
      <div className="details">
        <dl>
          <dt>Composition</dt>
          <dd>
            <strong>{formatComposition(s.composition, s.typeElements)}</strong> · {formatAtoms(s.atomCount)}
          </dd>
          <dt>Atoms by element</dt>
          <dd>
            {elements
              .filter((e) => (s.composition[e] ?? 0) > 0)
              .map((e) => `${e} ${formatCount(s.composition[e] ?? 0)}`)
              .join(' · ')}
          </dd>
          <dt>LAMMPS types</dt>
          <dd>{s.typeElements.length ? s.typeElements.map((e, i) => `${i + 1} = ${e}`).join(', ') : '—'}</dd>
        </dl>
        <h3>Cell</h3>
        <dl>
          <dt>Lengths</dt>
          <dd>{formatCellLengths(s.cell)}</dd>
          <dt>Angles α β γ</dt>
          <dd>
            {alpha.toFixed(2)}° {beta.toFixed(2)}° {gamma.toFixed(2)}°
          </dd>
          <dt>a (Å)</dt>
          <dd className="mono">{formatVector(s.cell.a)}</dd>
          <dt>b (Å)</dt>
          <dd className="mono">{formatVector(s.cell.b)}</dd>
          <dt>c (Å)</dt>
          <dd className="mono">{formatVector(s.cell.c)}</dd>
          <dt>Origin (Å)</dt>
          <dd className="mono">{formatVector(s.cell.origin)}</dd>
          <dt>Volume</dt>
          <dd>
            {formatCount(Math.round(volume))} Å³ · {volume > 0 ? (s.atomCount / volume).toFixed(4) : '—'} atoms/Å³
          </dd>
          <dt>Periodic</dt>
          <dd>
            {(['x', 'y', 'z'] as const).map((axis, i) => `${axis} ${s.cell.pbc[i] ? 'yes' : 'no'}`).join(' · ')}
          </dd>
          <dt>Triclinic</dt>
          <dd>{s.triclinic ? 'yes' : 'no (orthogonal box)'}</dd>
        </dl>
        <h3>Source</h3>
        <dl>
          <dt>Format</dt>
          <dd>{FORMAT_LABELS[s.format]}</dd>
          <dt>Timestep</dt>
          <dd>{s.timestep === null ? '—' : formatCount(s.timestep)}</dd>
          <dt>File</dt>
          <dd className="mono wrap" data-testid="structure-source-path">
            {s.sourcePath}
          </dd>
          <dt>Imported</dt>
          <dd>{formatDateTime(s.createdAt)}</dd>
          <dt>Job</dt>
          <dd>{s.jobId === null ? '—' : `#${s.jobId}`}</dd>
          <dt>Structure id</dt>
          <dd>{s.id}</dd>
        </dl>
        {simulation && <SimulationDetails record={simulation} />}
        {s.notes.length > 0 && (
          <>
            <h3>{simulation ? 'Notes' : 'Import notes'}</h3>
            <ul className="notes" data-testid="structure-notes">
              {s.notes.map((note, i) => (
                <li key={i}>{note}</li>
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}

const PROTOCOL_NAMES: Record<string, string> = {
  glass: 'melt–quench glass',
  complexion: 'grain-boundary complexion',
  composite: 'amorphous–crystalline composite',
};

/** How a simulate job made the structure: protocol, its key parameters, LAMMPS, the potential, cost and notes. */
function SimulationDetails({ record }: { record: SimulationRecord }) {
  const potentialName = record.potential ? (record.potential.file.split(/[\\/]/).pop() ?? record.potential.file) : null;
  return (
    <>
      <h3>Simulation</h3>
      <dl data-testid="structure-provenance">
        <dt>Protocol</dt>
        <dd>{PROTOCOL_NAMES[record.protocol] ?? record.protocol}</dd>
        {record.params && keyParameters(record.params).map(([label, value]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
        <dt>LAMMPS</dt>
        <dd title={record.lmpPath ?? undefined}>{record.lammpsVersion ?? '—'}</dd>
        <dt>Potential</dt>
        <dd className="wrap" title={record.potential ? `${record.potential.file}${record.potential.sha256 ? `\nsha256 ${record.potential.sha256}` : ''}` : undefined}>
          {record.potential ? (
            <>
              <span className="mono">{potentialName}</span>
              {record.potential.elements.length > 0 && ` (${record.potential.elements.join(', ')})`}
              {record.potential.sha256 && <span className="muted mono"> · sha256 {record.potential.sha256.slice(0, 12)}…</span>}
            </>
          ) : (
            '—'
          )}
        </dd>
        <dt>MD steps</dt>
        <dd>{record.steps === null ? '—' : formatCount(record.steps)}</dd>
        <dt>Wall time</dt>
        <dd>{record.wallSeconds === null ? '—' : formatDurationMs(record.wallSeconds * 1000)}</dd>
        {Object.keys(record.files).length > 0 && (
          <>
            <dt>Files kept</dt>
            <dd className="mono wrap">{Object.values(record.files).join(', ')}</dd>
          </>
        )}
      </dl>
      {record.notes.length > 0 && (
        <ul className="notes" data-testid="simulation-notes">
          {record.notes.map((note, i) => (
            <li key={i}>{note}</li>
          ))}
        </ul>
      )}
    </>
  );
}
