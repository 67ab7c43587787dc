/**
 * The analysis pane of one label set: the paper's Fig. 2–4 (profiles, motif densities, distributions) and the pair
 * correlations g(r) and S(q), with the shared choices (profile axis, window, centre element) on top.
 */
import { useMemo, useState } from 'react';
import type { LabelSetSummary, StructureSummary } from '../../../main/shared/domain';
import { formatAtoms, formatComposition } from '../format';
import type { AnalysisContext } from './analysis-context';
import { DistributionFigure } from './distribution-figure';
import { MotifFigure } from './motif-figure';
import { RdfFigure, SqFigure } from './pair-figures';
import { cellAxisRange, longestAxis, type Axis } from './plot-panel';
import { ProfileFigure } from './profile-figure';

export interface AnalysisViewProps {
  structure: StructureSummary;
  labelSet: LabelSetSummary;
}

const STEP_A = 0.5;

export function AnalysisView({ structure, labelSet }: AnalysisViewProps) {
  const [axis, setAxis] = useState<Axis>(() => longestAxis(structure.cell));
  const [windowText, setWindowText] = useState('2');
  const [windowA, setWindowA] = useState(2);
  const elements = useMemo(
    () => Object.entries(structure.composition).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([e]) => e),
    [structure.composition],
  );
  // The majority element, as the paper's Cu in Cu–Zr.
  const [centerElement, setCenterElement] = useState(() => elements[0] ?? 'Cu');

  const windowValue = Number(windowText);
  const windowValid = windowText.trim() !== '' && Number.isFinite(windowValue) && windowValue >= 0.5 && windowValue <= 50;
  const commitWindow = () => {
    if (windowValid && windowValue !== windowA) setWindowA(windowValue);
  };

  const ctx: AnalysisContext = useMemo(
    () => ({ structure, labelSet, axis, windowA, stepA: STEP_A, centerElement, axisRangeA: cellAxisRange(structure.cell, axis) }),
    [structure, labelSet, axis, windowA, centerElement],
  );

  return (
    <div className="analysis" data-testid="analysis-view" data-label-set-id={labelSet.id}>
      <header className="analysis__header">
        <div className="analysis__title">
          <h2>
            {structure.name} <span className="muted">· label set #{labelSet.id}</span>
          </h2>
          <span className="muted">
            {formatComposition(structure.composition, structure.typeElements)} · {formatAtoms(structure.atomCount)} · edge threshold{' '}
            {labelSet.params.edgeThresholdA} Å · CNA {labelSet.params.cna.mode === 'adaptive' ? 'adaptive' : `cutoff ${labelSet.params.cna.cutoffA} Å`}
          </span>
        </div>
        <div className="analysis__controls" role="group" aria-label="Analysis settings">
          <span className="toolbar__group" title="The axis of the profiles (the grain-boundary normal for a bicrystal)">
            <span className="toolbar__label">Profile axis</span>
            <span className="segmented segmented--small" role="radiogroup" aria-label="Profile axis">
              {(['x', 'y', 'z'] as const).map((a) => (
                <button
                  key={a}
                  type="button"
                  role="radio"
                  aria-checked={axis === a}
                  className={axis === a ? 'active' : undefined}
                  onClick={() => setAxis(a)}
                  data-testid={`analysis-axis-${a}`}
                >
                  {a}
                </button>
              ))}
            </span>
          </span>
          <label className="toolbar__group" title="Width of the sliding window of the profiles (paper: 2 Å); the window moves in 0.5 Å steps">
            <span className="toolbar__label">Window</span>
            <span className="input-with-unit">
              <input
                className={`input input--tiny${windowValid ? '' : ' input--invalid'}`}
                inputMode="decimal"
                value={windowText}
                onChange={(e) => setWindowText(e.target.value)}
                onBlur={commitWindow}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') commitWindow();
                }}
                aria-invalid={!windowValid}
                data-testid="analysis-window"
              />
              Å
            </span>
          </label>
          <label className="toolbar__group" title="The element whose atoms centre the Voronoi motifs (and that defines the complexion interior)">
            <span className="toolbar__label">Motif centre</span>
            <select className="input toolbar__select" value={centerElement} onChange={(e) => setCenterElement(e.target.value)} data-testid="analysis-centre">
              {elements.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          </label>
        </div>
        {!windowValid && <span className="field__error">The window must be between 0.5 and 50 Å.</span>}
      </header>
      <div className="analysis__grid">
        <ProfileFigure ctx={ctx} />
        <MotifFigure ctx={ctx} />
        <DistributionFigure ctx={ctx} />
        <RdfFigure ctx={ctx} />
        <SqFigure ctx={ctx} />
      </div>
    </div>
  );
}
